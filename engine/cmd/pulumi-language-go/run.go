package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// bailExitCode is the exit code of pulumi.Run (github.com/pulumi/pulumi/sdk/v3/go/pulumi) when the program failed
// and the error was already reported through the engine: the engine is then told to bail out without more output.
const bailExitCode = 32

// programEnvironment lists the variables pulumi.Run reads (sdk/v3/go/pulumi/run.go): they are the program's whole
// interface with the host. Whatever the host inherited under these names is dropped, so a value the request leaves
// empty is not set at all.
var programEnvironment = []string{
	"PULUMI_ORGANIZATION", "PULUMI_PROJECT", "PULUMI_ROOT_DIRECTORY", "PULUMI_STACK", "PULUMI_CONFIG",
	"PULUMI_CONFIG_SECRET_KEYS", "PULUMI_DRY_RUN", "PULUMI_PARALLEL", "PULUMI_MONITOR", "PULUMI_ENGINE",
}

// launch is how a program is started: the executable (built or given), in dir, with env.
type launch struct {
	build   *build // nil when the `binary` option names a program already built
	program string
	dir     string
	env     []string
}

// build is the `go build` that makes the program.
type build struct {
	dir  string   // the program directory (its go.mod's module)
	args []string // go's arguments
	temp bool     // the output is a temporary file, removed after the run
}

// programLaunch computes the build, the executable and the environment for a RunRequest.
func programLaunch(req *pulumirpc.RunRequest, engineAddress string, environ []string) (*launch, error) {
	info := req.GetInfo()
	opts, err := parseRuntimeOptions(info)
	if err != nil {
		return nil, err
	}
	pwd := req.GetPwd()
	dir := programDirectory(info, pwd)
	if pwd == "" {
		pwd = dir
	}
	relative := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}

	l := &launch{dir: pwd}
	switch {
	case opts.binary != "":
		l.program = relative(opts.binary)
	default:
		if matches, _ := filepath.Glob(filepath.Join(dir, "*.go")); len(matches) == 0 {
			return nil, fmt.Errorf("no Go files in %s: a `runtime: go` program is the main package of a Go module there "+
				"(or set the `binary` runtime option to a program already built)", dir)
		}
		b := &build{dir: dir}
		if opts.buildTarget != "" {
			l.program = relative(opts.buildTarget)
		} else {
			f, err := os.CreateTemp("", "pulumi-go.*")
			if err != nil {
				return nil, fmt.Errorf("creating the temporary file for the program: %w", err)
			}
			f.Close()
			l.program, b.temp = f.Name(), true
		}
		// As upstream builds it: no VCS stamping (the program may live in a checkout without git), reproducible paths.
		b.args = []string{"build", "-buildvcs=false", "-trimpath", "-ldflags", "-w -s", "-o", l.program}
		l.build = b
	}

	config := req.GetConfig()
	if config == nil {
		config = map[string]string{}
	}
	configJSON, err := json.Marshal(config)
	if err != nil {
		return nil, fmt.Errorf("serializing the stack configuration: %w", err)
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretKeysJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, fmt.Errorf("serializing the secret configuration keys: %w", err)
	}
	env := make([]string, 0, len(environ)+len(programEnvironment))
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !contains(programEnvironment, name) {
			env = append(env, kv)
		}
	}
	set := func(name, value string) {
		if value != "" {
			env = append(env, name+"="+value)
		}
	}
	set("PULUMI_ORGANIZATION", req.GetOrganization())
	set("PULUMI_PROJECT", req.GetProject())
	set("PULUMI_ROOT_DIRECTORY", info.GetRootDirectory())
	set("PULUMI_STACK", req.GetStack())
	set("PULUMI_CONFIG", string(configJSON))
	set("PULUMI_CONFIG_SECRET_KEYS", string(secretKeysJSON))
	set("PULUMI_DRY_RUN", strconv.FormatBool(req.GetDryRun()))
	set("PULUMI_PARALLEL", strconv.Itoa(int(req.GetParallel())))
	set("PULUMI_MONITOR", req.GetMonitorAddress())
	set("PULUMI_ENGINE", engineAddress)
	l.env = env
	return l, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Run builds the program (unless the `binary` option names one) and runs it to completion. The build's and the
// program's stdout and stderr are this host's, which the engine shows as the program's output (a compiler error
// appears there, then the RunResponse's error). A program failure is reported in RunResponse (Error, or Bail when
// pulumi.Run already reported it); a gRPC error would mean the host itself failed.
func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	if req.GetAttachDebugger() {
		return &pulumirpc.RunResponse{Error: "pulumi-chaser's Go language host does not support --attach-debugger"}, nil
	}
	l, err := programLaunch(req, h.engine(), os.Environ())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	// The context ends when the engine cancels the call or goes away, or when the host stops: the build and the
	// program are killed with it.
	ctx, done := h.begin(ctx)
	defer done()

	if l.build != nil {
		if l.build.temp {
			defer os.Remove(l.program)
		}
		gobin, err := exec.LookPath("go")
		if err != nil {
			return &pulumirpc.RunResponse{Error: "go was not found on PATH: install Go (https://go.dev/dl) to build this program"}, nil
		}
		cmd := command(ctx, gobin, l.build.args...)
		cmd.Dir = l.build.dir
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			if ctx.Err() != nil {
				return &pulumirpc.RunResponse{Error: "the build of the program was cancelled"}, nil
			}
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("go build of the program in %s failed (%v): "+
				"the compiler's messages are above", l.build.dir, err)}, nil
		}
	} else if _, err := os.Stat(l.program); err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("the program named by the binary runtime option cannot be run: %v", err)}, nil
	}

	cmd := command(ctx, l.program)
	cmd.Dir = l.dir
	cmd.Env = l.env
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		return runResponse(err), nil
	}
	if l.build != nil && l.build.temp {
		// A running program keeps its executable: the temporary build goes now, so that nothing is left behind
		// even if this host is killed (where removing it fails, the deferred removal is the fallback).
		_ = os.Remove(l.program)
	}
	return runResponse(cmd.Wait()), nil
}

// runResponse turns how the program ended into the engine's answer.
func runResponse(err error) *pulumirpc.RunResponse {
	var exit *exec.ExitError
	switch {
	case err == nil:
		return &pulumirpc.RunResponse{}
	case errors.As(err, &exit):
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program was terminated by signal %v", ws.Signal())}
		}
		if exit.ExitCode() == bailExitCode {
			return &pulumirpc.RunResponse{Bail: true}
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exit.ExitCode())}
	default:
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Problem executing program (could not run it): %v", err)}
	}
}

// command is exec.CommandContext that stops waiting for output once the process is killed. Not in a process group
// of its own: the engine stops a language host by signalling the host's whole process group (SIGINT, then
// SIGKILL), which must reach the build and the program too.
func command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	// Once killed, stop waiting for output a child of the process (the compiler under `go build`) may hold open.
	cmd.WaitDelay = 5 * time.Second
	return cmd
}
