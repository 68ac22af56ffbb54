package langhost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"syscall"
	"time"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// BailExitCode is the exit code of a program whose SDK has already reported its error through the engine
// (@pulumi/pulumi's cmd/run, the Python exec script, pulumi.Run in Go): the engine is then told to bail out without
// printing anything more.
const BailExitCode = 32

// waitDelay is how long a killed command's output is still waited for (a child of it may hold the pipe open).
const waitDelay = 5 * time.Second

// Command is exec.CommandContext that stops waiting for output once the process is killed. Not in a process group
// of its own: the engine stops a language host by signalling the host's whole process group (SIGINT, then SIGKILL),
// which must reach what the host runs too (lifeline.go).
func Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	// Once killed, stop waiting for output a child of the process (the compiler under `go build`) may hold open.
	cmd.WaitDelay = waitDelay
	return cmd
}

// RunResponse is the engine's answer for a program that ended with err (what running it returned); runner names
// what was run, for the error of a program that could not be started ("node", "python", "it").
func RunResponse(err error, runner string) *pulumirpc.RunResponse {
	var exit *exec.ExitError
	switch {
	case err == nil:
		return &pulumirpc.RunResponse{}
	case errors.As(err, &exit):
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program was terminated by signal %v", ws.Signal())}
		}
		if exit.ExitCode() == BailExitCode {
			return &pulumirpc.RunResponse{Bail: true}
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exit.ExitCode())}
	default:
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Problem executing program (could not run %s): %v", runner, err)}
	}
}

// ExitCode is a process's exit code from what waiting for it returned, as a shell says it (128+N for signal N);
// an error that is not an exit (the process could not be waited for) is returned.
func ExitCode(err error) (int, error) {
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, nil
	case !errors.As(err, &exit):
		return 0, err
	}
	if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal()), nil
	}
	return exit.ExitCode(), nil
}

// ConfigEnvironment is how every SDK reads the stack's configuration: PULUMI_CONFIG, a JSON object of
// "<namespace>:<key>" to its value (secrets decrypted), and PULUMI_CONFIG_SECRET_KEYS, the JSON list of those keys
// that are secret (the SDK keeps their values secret); `{}` and `[]` when the request has none.
func ConfigEnvironment(req *pulumirpc.RunRequest) ([]string, error) {
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

// ProgramDirectory is the directory of the program (Pulumi.yaml's `main` directory, else the project root);
// fallback is the deprecated per-request directory older engines send.
func ProgramDirectory(info *pulumirpc.ProgramInfo, fallback string) string {
	if d := info.GetProgramDirectory(); d != "" {
		return d
	}
	return fallback
}

// EntryPoint is what to run in the program directory: Pulumi.yaml's `main` when it names a file, else "." (the
// program directory: the language finds its entry point there).
func EntryPoint(req *pulumirpc.RunRequest) string {
	if entry := req.GetInfo().GetEntryPoint(); entry != "" {
		return entry
	}
	if entry := req.GetProgram(); entry != "" { //nolint:staticcheck // older engines send only Program
		return entry
	}
	return "."
}

// Directories are where a program runs (the request's pwd, else the program directory) and its program directory.
func Directories(req *pulumirpc.RunRequest) (pwd, dir string) {
	pwd = req.GetPwd()
	dir = ProgramDirectory(req.GetInfo(), pwd)
	if pwd == "" {
		pwd = dir
	}
	return pwd, dir
}
