package main

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
)

// execScript is the Python side of Run (exec.py): it configures the `pulumi` SDK and runs the program.
//
//go:embed exec.py
var execScript []byte

// reportedExitCode is exec.py's exit code after it has reported the program's error through the engine: the
// engine is then told to bail out without printing anything more.
const reportedExitCode = 32

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
	entry := req.GetInfo().GetEntryPoint()
	if entry == "" {
		entry = req.GetProgram()
	}
	if entry == "" {
		entry = "."
	}
	args = append(args, entry)
	return append(args, req.GetArgs()...)
}

// configEnvironment is what exec.py reads the stack's configuration from: PULUMI_CONFIG, a JSON object of
// "<namespace>:<key>" to its value (secrets decrypted), and PULUMI_CONFIG_SECRET_KEYS, the JSON list of those
// keys that are secret (the SDK keeps their values secret).
func configEnvironment(req *pulumirpc.RunRequest) ([]string, error) {
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
	secretJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, fmt.Errorf("serializing the secret configuration keys: %w", err)
	}
	return []string{"PULUMI_CONFIG=" + string(configJSON), "PULUMI_CONFIG_SECRET_KEYS=" + string(secretJSON)}, nil
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
	opts, err := parseOptions(req.GetInfo())
	if err != nil {
		return nil, err
	}
	tc, err := toolchain.ResolveToolchain(opts)
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
	config, err := configEnvironment(req)
	if err != nil {
		return nil, err
	}

	// The context ends when the engine cancels the call or goes away, or when the host stops: python is killed with it.
	ctx, done := h.begin(ctx)
	defer done()

	if err := typecheck(ctx, tc, opts); err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	cmd, err := command(ctx, tc, config, append([]string{script}, execArguments(req, h.engine(), h.tracing)...)...)
	if err != nil {
		return nil, err
	}
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	return runResponse(cmd.Run()), nil
}

// runResponse says how the program ended, from the error of running it.
func runResponse(err error) *pulumirpc.RunResponse {
	var exit *exec.ExitError
	switch {
	case err == nil:
		return &pulumirpc.RunResponse{}
	case errors.As(err, &exit):
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("program was terminated by signal %v", ws.Signal())}
		}
		if exit.ExitCode() == reportedExitCode {
			return &pulumirpc.RunResponse{Bail: true}
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("program exited with non-zero exit code: %d", exit.ExitCode())}
	default:
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("problem executing program (could not run python): %v", err)}
	}
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
