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
	"syscall"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// bailExitCode is the exit code of @pulumi/pulumi/cmd/run when it has already reported the program's error
// through the engine: the engine is then told to bail out without printing anything more.
const bailExitCode = 32

// launch is how a program is started: node, in dir, with args and env.
type launch struct {
	dir  string
	args []string
	env  []string
}

// findRunEntry finds @pulumi/pulumi/cmd/run in the node_modules of dir or of one of its parents, as Node's
// own resolution would from the program.
func findRunEntry(dir string) (string, error) {
	for d := dir; ; {
		entry := filepath.Join(d, "node_modules", "@pulumi", "pulumi", "cmd", "run")
		if _, err := os.Stat(filepath.Join(entry, "index.js")); err == nil {
			return entry, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("could not find @pulumi/pulumi in the node_modules of %s or of its parents: "+
				"run `npm install` (or `pulumi install`) in the program directory", dir)
		}
		d = parent
	}
}

// programLaunch computes the node command line and environment for a RunRequest. The flags are the ones
// @pulumi/pulumi/cmd/run parses (it copies them into PULUMI_NODEJS_* variables itself); configuration and
// TypeScript settings travel in environment variables.
func programLaunch(req *pulumirpc.RunRequest, engineAddress, tracing string, environ []string) (*launch, error) {
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
	runEntry, err := findRunEntry(dir)
	if err != nil {
		return nil, err
	}

	args := append([]string{}, opts.nodeargs...)
	args = append(args, runEntry,
		"--monitor", req.GetMonitorAddress(),
		"--project", req.GetProject(),
		"--stack", req.GetStack(),
		"--pwd", pwd,
		"--parallel", strconv.Itoa(int(req.GetParallel())),
	)
	optional := []struct{ flag, value string }{
		{"--engine", engineAddress},
		{"--organization", req.GetOrganization()},
		{"--root-directory", info.GetRootDirectory()},
		{"--tracing", tracing},
	}
	for _, o := range optional {
		if o.value != "" {
			args = append(args, o.flag, o.value)
		}
	}
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	// The entry point: a file relative to the program directory, or "." to let cmd/run follow package.json's
	// `main`/`exports` (falling back to index.js, or index.ts through ts-node).
	entry := info.GetEntryPoint()
	if entry == "" {
		entry = req.GetProgram()
	}
	if entry == "" {
		entry = "."
	}
	args = append(args, entry)
	args = append(args, req.GetArgs()...)

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
	env := append(append([]string{}, environ...),
		"PULUMI_CONFIG="+string(configJSON),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secretKeysJSON),
		"PULUMI_NODEJS_TYPESCRIPT="+strconv.FormatBool(opts.typescript),
	)
	if opts.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfig)
	}
	return &launch{dir: pwd, args: args, env: env}, nil
}

// Run runs the program to completion. The program's stdout and stderr are this host's, which the engine shows
// as the program's output. A program failure is reported in RunResponse (Error, or Bail when cmd/run already
// reported it); a gRPC error means the host itself failed.
func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	if req.GetAttachDebugger() {
		return &pulumirpc.RunResponse{Error: "pulumi-chaser's Node.js language host does not support --attach-debugger"}, nil
	}
	l, err := programLaunch(req, h.engine(), h.tracing, os.Environ())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return &pulumirpc.RunResponse{Error: "node was not found on PATH: install Node.js to run this program"}, nil
	}

	// The context ends when the engine cancels the call or goes away, or when the host stops: node is killed with it.
	ctx, done := h.begin(ctx)
	defer done()
	cmd := exec.CommandContext(ctx, node, l.args...)
	cmd.Dir = l.dir
	cmd.Env = l.env
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	err = cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return &pulumirpc.RunResponse{}, nil
	case errors.As(err, &exit):
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program was terminated by signal %v", ws.Signal())}, nil
		}
		if exit.ExitCode() == bailExitCode {
			return &pulumirpc.RunResponse{Bail: true}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exit.ExitCode())}, nil
	default:
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Problem executing program (could not run node): %v", err)}, nil
	}
}
