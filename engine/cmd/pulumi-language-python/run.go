package main

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"

	"github.com/pulumi-chaser/engine/internal/langhost"
)

// execScript is the Python side of Run (exec.py): it configures the `pulumi` SDK and runs the program.
//
//go:embed exec.py
var execScript []byte

// writeExecScript writes exec.py into a directory of its own under dir, named by its content (so two hosts of
// different versions never share one, and a host finds the file it wrote before), and returns its path.
func writeExecScript(dir string) (string, error) {
	sum := sha256.Sum256(execScript)
	folder := filepath.Join(dir, "pulumi-chaser-python-"+hex.EncodeToString(sum[:6]))
	file := filepath.Join(folder, "pulumi-language-python-exec")
	if current, err := os.ReadFile(file); err == nil && string(current) == string(execScript) {
		return file, nil
	}
	if err := os.MkdirAll(folder, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(folder, ".exec-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(execScript); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return "", err
	}
	return file, nil
}

// execArguments are the arguments of exec.py for a RunRequest: the flags it parses (empty ones left out, but
// --dry_run and --parallel always), then the program (Pulumi.yaml's `main`, "." for the program directory) and
// the program's own arguments.
func execArguments(req *pulumirpc.RunRequest, engineAddress, tracing string) []string {
	var args []string
	flag := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name, value)
		}
	}
	flag("monitor", req.GetMonitorAddress())
	flag("engine", engineAddress)
	flag("project", req.GetProject())
	flag("root_directory", req.GetInfo().GetRootDirectory())
	flag("stack", req.GetStack())
	flag("pwd", req.GetPwd())
	flag("dry_run", strconv.FormatBool(req.GetDryRun()))
	flag("parallel", strconv.Itoa(int(req.GetParallel())))
	flag("tracing", tracing)
	flag("organization", req.GetOrganization())
	args = append(args, langhost.EntryPoint(req))
	return append(args, req.GetArgs()...)
}

// command is the Python that runs the program: the toolchain's (the virtualenv's python, activated: its bin
// first on PATH, VIRTUAL_ENV set, PYTHONHOME unset), with args and the configuration added to its environment.
func command(ctx context.Context, tc toolchain.Toolchain, config []string, args ...string) (*exec.Cmd, error) {
	cmd, err := tc.Command(ctx, args...)
	if err != nil {
		return nil, err
	}
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	cmd.Env = append(cmd.Env, config...)
	return cmd, nil
}

// Run runs the program to completion. The program's stdout and stderr are this host's, which the engine shows
// as the program's output. A program failure is reported in RunResponse (Error, or Bail when exec.py already
// reported it); a gRPC error means the program could not be started at all.
func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	if req.GetAttachDebugger() {
		return &pulumirpc.RunResponse{Error: "pulumi-chaser's Python language host does not support --attach-debugger"}, nil
	}
	opts, tc, err := resolve(req.GetInfo())
	if err != nil {
		return nil, err
	}
	// A virtualenv named in Pulumi.yaml must exist: the error says how to make it (`pulumi install`).
	if err := tc.ValidateVenv(ctx); err != nil {
		return nil, err
	}
	script, err := writeExecScript(os.TempDir())
	if err != nil {
		return nil, fmt.Errorf("writing the Python exec script into %s: %w", os.TempDir(), err)
	}
	config, err := langhost.ConfigEnvironment(req)
	if err != nil {
		return nil, err
	}

	// The context ends when the engine cancels the call or goes away, or when the host stops: python is killed with it.
	ctx, done := h.Begin(ctx)
	defer done()

	if err := typecheck(ctx, tc, opts); err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	cmd, err := command(ctx, tc, config, append([]string{script}, execArguments(req, h.EngineAddress(), h.Tracing())...)...)
	if err != nil {
		return nil, err
	}
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	return langhost.RunResponse(cmd.Run(), "python"), nil
}

// typecheck runs the type checker Pulumi.yaml names (`typechecker: mypy|pyright`) on the program directory; its
// findings are the program's output, and a failure stops the run.
func typecheck(ctx context.Context, tc toolchain.Toolchain, opts toolchain.PythonOptions) error {
	var module string
	switch opts.Typechecker {
	case toolchain.TypeCheckerMypy:
		module = "mypy"
	case toolchain.TypeCheckerPyright:
		module = "pyright"
	default:
		return nil
	}
	args := []string{opts.ProgramDir}
	if module == "mypy" {
		if venv, err := tc.VirtualEnvPath(ctx); err == nil && venv != "" {
			if rel, err := filepath.Rel(opts.ProgramDir, venv); err == nil {
				args = append([]string{"--exclude", rel}, args...)
			}
		}
	}
	cmd, err := tc.ModuleCommand(ctx, module, args...)
	if err != nil {
		return err
	}
	cmd.Dir = opts.ProgramDir
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return fmt.Errorf("the type checker %s found problems in %s (runtime option typechecker in Pulumi.yaml)", module, opts.ProgramDir)
		}
		return fmt.Errorf("could not run the type checker %s (is it installed in the program's environment?): %w", module, err)
	}
	return nil
}
