package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/pulumi-chaser/engine/internal/langhost"
)

// launch is how a program is started: node, in dir, with args and env.
type launch struct {
	dir  string
	args []string
	env  []string
}

// findEntry finds @pulumi/pulumi/cmd/<name> in the node_modules of dir or of one of its parents, as Node's own
// resolution would from there.
func findEntry(dir, name string) (string, bool) {
	for d := dir; ; {
		entry := filepath.Join(d, "node_modules", "@pulumi", "pulumi", "cmd", name)
		if _, err := os.Stat(filepath.Join(entry, "index.js")); err == nil {
			return entry, true
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", false
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
	pwd, dir := langhost.Directories(req)
	runEntry, ok := findEntry(dir, "run")
	if !ok {
		return nil, fmt.Errorf("could not find @pulumi/pulumi in the node_modules of %s or of its parents: "+
			"run `npm install` (or `pulumi install`) in the program directory", dir)
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
	args = append(args, langhost.EntryPoint(req))
	args = append(args, req.GetArgs()...)

	config, err := langhost.ConfigEnvironment(req)
	if err != nil {
		return nil, err
	}
	env := append(append(append([]string{}, environ...), config...), "PULUMI_NODEJS_TYPESCRIPT="+strconv.FormatBool(opts.typescript))
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
	l, err := programLaunch(req, h.EngineAddress(), h.Tracing(), os.Environ())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return &pulumirpc.RunResponse{Error: "node was not found on PATH: install Node.js to run this program"}, nil
	}

	// The context ends when the engine cancels the call or goes away, or when the host stops: node is killed with it.
	ctx, done := h.Begin(ctx)
	defer done()
	cmd := langhost.Command(ctx, node, l.args...)
	cmd.Dir = l.dir
	cmd.Env = l.env
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	return langhost.RunResponse(cmd.Run(), "node"), nil
}
