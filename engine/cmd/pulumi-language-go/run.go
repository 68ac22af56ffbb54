package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/pulumi-chaser/engine/internal/langhost"
)

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
	opts, err := parseRuntimeOptions(req.GetInfo())
	if err != nil {
		return nil, err
	}
	pwd, dir := langhost.Directories(req)
	l := &launch{dir: pwd}
	if l.env, err = programEnv(req, engineAddress, environ); err != nil {
		return nil, err
	}
	// Last: the temporary file of a build is made only for a launch that is returned.
	if l.program, l.build, err = programBuild(dir, opts); err != nil {
		return nil, err
	}
	return l, nil
}

// programBuild is the program to run and the build that makes it (none when the `binary` option names a program
// already built): `go build` in the program directory dir, to the `buildTarget` option's path or a temporary file.
func programBuild(dir string, opts runtimeOptions) (string, *build, error) {
	relative := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	if opts.binary != "" {
		return relative(opts.binary), nil, nil
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, "*.go")); len(matches) == 0 {
		return "", nil, fmt.Errorf("no Go files in %s: a `runtime: go` program is the main package of a Go module there "+
			"(or set the `binary` runtime option to a program already built)", dir)
	}
	b := &build{dir: dir}
	program := relative(opts.buildTarget)
	if opts.buildTarget == "" {
		f, err := os.CreateTemp("", "pulumi-go.*")
		if err != nil {
			return "", nil, fmt.Errorf("creating the temporary file for the program: %w", err)
		}
		f.Close()
		program, b.temp = f.Name(), true
	}
	// As upstream builds it: no VCS stamping (the program may live in a checkout without git), reproducible paths.
	b.args = []string{"build", "-buildvcs=false", "-trimpath", "-ldflags", "-w -s", "-o", program}
	return program, b, nil
}

// programEnv is the program's environment: environ without the variables pulumi.Run reads, then those the request
// gives a value.
func programEnv(req *pulumirpc.RunRequest, engineAddress string, environ []string) ([]string, error) {
	config, err := langhost.ConfigEnvironment(req)
	if err != nil {
		return nil, err
	}
	env := make([]string, 0, len(environ)+len(programEnvironment))
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(programEnvironment, name) {
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
	set("PULUMI_ROOT_DIRECTORY", req.GetInfo().GetRootDirectory())
	set("PULUMI_STACK", req.GetStack())
	set("PULUMI_DRY_RUN", strconv.FormatBool(req.GetDryRun()))
	set("PULUMI_PARALLEL", strconv.Itoa(int(req.GetParallel())))
	set("PULUMI_MONITOR", req.GetMonitorAddress())
	set("PULUMI_ENGINE", engineAddress)
	return append(env, config...), nil // PULUMI_CONFIG and PULUMI_CONFIG_SECRET_KEYS
}

// Run builds the program (unless the `binary` option names one) and runs it to completion. The build's and the
// program's stdout and stderr are this host's, which the engine shows as the program's output (a compiler error
// appears there, then the RunResponse's error). A program failure is reported in RunResponse (Error, or Bail when
// pulumi.Run already reported it); a gRPC error would mean the host itself failed.
func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	if req.GetAttachDebugger() {
		return &pulumirpc.RunResponse{Error: "pulumi-chaser's Go language host does not support --attach-debugger"}, nil
	}
	l, err := programLaunch(req, h.EngineAddress(), os.Environ())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	// The context ends when the engine cancels the call or goes away, or when the host stops: the build and the
	// program are killed with it.
	ctx, done := h.Begin(ctx)
	defer done()

	if l.build != nil {
		if l.build.temp {
			defer os.Remove(l.program)
		}
		gobin, err := exec.LookPath("go")
		if err != nil {
			return &pulumirpc.RunResponse{Error: "go was not found on PATH: install Go (https://go.dev/dl) to build this program"}, nil
		}
		cmd := langhost.Command(ctx, gobin, l.build.args...)
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

	cmd := langhost.Command(ctx, l.program)
	cmd.Dir = l.dir
	cmd.Env = l.env
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		return langhost.RunResponse(err, "it"), nil
	}
	if l.build != nil && l.build.temp {
		// A running program keeps its executable: the temporary build goes now, so that nothing is left behind
		// even if this host is killed (where removing it fails, the deferred removal is the fallback).
		_ = os.Remove(l.program)
	}
	return langhost.RunResponse(cmd.Wait(), "it"), nil
}
