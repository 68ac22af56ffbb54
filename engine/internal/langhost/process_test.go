package langhost

import (
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

func TestConfigEnvironment(t *testing.T) {
	env, err := ConfigEnvironment(&pulumirpc.RunRequest{
		Config:           map[string]string{"proj:name": "x", "chaser:apiKey": "s3cret"},
		ConfigSecretKeys: []string{"chaser:apiKey"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`PULUMI_CONFIG={"chaser:apiKey":"s3cret","proj:name":"x"}`, `PULUMI_CONFIG_SECRET_KEYS=["chaser:apiKey"]`}
	if !slices.Equal(env, want) {
		t.Errorf("got %q, want %q", env, want)
	}
	env, _ = ConfigEnvironment(&pulumirpc.RunRequest{})
	if want := []string{"PULUMI_CONFIG={}", "PULUMI_CONFIG_SECRET_KEYS=[]"}; !slices.Equal(env, want) {
		t.Errorf("empty: got %q, want %q", env, want)
	}
}

func TestRunResponseFromExitCodes(t *testing.T) {
	run := func(script string) error { return exec.Command("sh", "-c", script).Run() }
	if r := RunResponse(run("exit 0"), "sh"); r.Error != "" || r.Bail {
		t.Errorf("exit 0: %v", r)
	}
	// 32: the SDK reported the error through the engine already.
	if r := RunResponse(run("exit 32"), "sh"); r.Error != "" || !r.Bail {
		t.Errorf("exit 32: %v", r)
	}
	// 1: a program error (reported too, by some SDKs), said again as a failure, as the upstream hosts do.
	if r := RunResponse(run("exit 1"), "sh"); r.Error != "Program exited with non-zero exit code: 1" || r.Bail {
		t.Errorf("exit 1: %v", r)
	}
	if r := RunResponse(run("kill -9 $$"), "sh"); r.Error != "Program was terminated by signal killed" {
		t.Errorf("killed: %v", r)
	}
	missing := filepath.Join(t.TempDir(), "missing")
	if r := RunResponse(exec.Command(missing).Run(), "missing"); r.Bail || r.Error != "Problem executing program (could not run missing): "+
		"fork/exec "+missing+": no such file or directory" {
		t.Errorf("not started: %v", r)
	}
}

func TestExitCodeIsTheShells(t *testing.T) {
	for script, want := range map[string]int{"exit 0": 0, "exit 3": 3, "kill -9 $$": 137, "kill -TERM $$": 143} {
		if got, err := ExitCode(exec.Command("sh", "-c", script).Run()); err != nil || got != want {
			t.Errorf("%s: %d, %v; want %d", script, got, err, want)
		}
	}
	if _, err := ExitCode(exec.Command(filepath.Join(t.TempDir(), "missing")).Run()); err == nil {
		t.Error("a command that never ran has an exit code")
	}
}

func TestEntryPoint(t *testing.T) {
	for _, c := range []struct {
		req  *pulumirpc.RunRequest
		want string
	}{
		{&pulumirpc.RunRequest{Info: &pulumirpc.ProgramInfo{EntryPoint: "main.py"}, Program: "old"}, "main.py"},
		{&pulumirpc.RunRequest{Program: "old"}, "old"}, // older engines
		{&pulumirpc.RunRequest{}, "."},
	} {
		if got := EntryPoint(c.req); got != c.want {
			t.Errorf("%v: %q, want %q", c.req, got, c.want)
		}
	}
}
