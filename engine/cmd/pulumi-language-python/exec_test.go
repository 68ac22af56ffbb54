package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/pulumi-chaser/engine/internal/hosttest"
)

// python3 is needed by these tests (as by every Python program): the test fails, rather than skips, without it.
func needPython(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("python3")
	if err != nil {
		t.Fatalf("python3 is not on PATH: %v", err)
	}
	return p
}

// stubbed runs Run for a program directory holding __main__.py (program), the `pulumi` SDK being the stand-in of
// testdata/sdk, which records what exec.py asked of it; it returns the response and that record.
func stubbed(t *testing.T, program string, mutate func(*pulumirpc.RunRequest)) (*pulumirpc.RunResponse, map[string]any, string) {
	t.Helper()
	needPython(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "__main__.py"), []byte(program), 0o644); err != nil {
		t.Fatal(err)
	}
	sdk, err := filepath.Abs(filepath.Join("testdata", "sdk"))
	if err != nil {
		t.Fatal(err)
	}
	record := filepath.Join(t.TempDir(), "record.json")
	t.Setenv("PYTHONPATH", sdk)
	t.Setenv("STUB_RECORD", record)
	t.Setenv("PROGRAM_RECORD", filepath.Join(dir, "program.json"))
	t.Setenv("PULUMI_PYTHON_CMD", "python3")
	req := &pulumirpc.RunRequest{
		MonitorAddress:   "127.0.0.1:1",
		Project:          "proj",
		Stack:            "dev",
		Pwd:              dir,
		Parallel:         3,
		DryRun:           true,
		Organization:     "org",
		Config:           map[string]string{"proj:name": "x", "chaser:apiKey": "s3cret"},
		ConfigSecretKeys: []string{"chaser:apiKey"},
		Args:             []string{"a1"},
		// No virtualenv option: the Python on PATH runs the program.
		Info: &pulumirpc.ProgramInfo{RootDirectory: dir, ProgramDirectory: dir, EntryPoint: ".",
			Options: hosttest.Options(t, map[string]any{"toolchain": "pip"})},
	}
	if mutate != nil {
		mutate(req)
	}
	h := &host{}
	h.SetEngineAddress("127.0.0.1:2")
	resp, err := h.Run(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]any{}
	if data, err := os.ReadFile(record); err == nil {
		if err := json.Unmarshal(data, &got); err != nil {
			t.Fatal(err)
		}
	}
	return resp, got, dir
}

const recordingProgram = `import json, os, sys
with open(os.environ["PROGRAM_RECORD"], "w") as f:
    json.dump({"argv": sys.argv, "name": __name__, "path0": sys.path[0], "cwd": os.getcwd()}, f)
`

func TestRunConfiguresTheSDKAndRunsTheProgramInTheStack(t *testing.T) {
	resp, record, dir := stubbed(t, recordingProgram, nil)
	if resp.Error != "" || resp.Bail {
		t.Fatalf("response %v, record %v", resp, record)
	}
	wantSettings := map[string]any{"project": "proj", "stack": "dev", "monitor": "127.0.0.1:1", "engine": "127.0.0.1:2",
		"parallel": 3.0, "dry_run": true, "organization": "org", "root_directory": dir}
	got, _ := json.Marshal(record["settings"])
	want, _ := json.Marshal(wantSettings)
	if string(got) != string(want) {
		t.Errorf("settings:\n got %s\nwant %s", got, want)
	}
	if cfg, _ := json.Marshal(record["config"]); string(cfg) != `{"chaser:apiKey":"s3cret","proj:name":"x"}` {
		t.Errorf("config %s", cfg)
	}
	if keys, _ := json.Marshal(record["secretKeys"]); string(keys) != `["chaser:apiKey"]` {
		t.Errorf("secret keys %s", keys)
	}
	if record["inStack"] != true || record["finished"] != true || record["cwd"] != dir {
		t.Errorf("not run in the stack, to the end, in the program directory: %v", record)
	}
	var program map[string]any
	data, err := os.ReadFile(filepath.Join(dir, "program.json"))
	if err != nil {
		t.Fatalf("the program did not run: %v", err)
	}
	if err := json.Unmarshal(data, &program); err != nil {
		t.Fatal(err)
	}
	// As `python .` would: __main__, its directory first on the import path, the program's arguments after it.
	if program["name"] != "__main__" || (program["path0"] != "." && program["path0"] != dir) || program["cwd"] != dir {
		t.Errorf("program saw %v", program)
	}
	if argv, _ := json.Marshal(program["argv"]); string(argv) != `[".","a1"]` {
		t.Errorf("argv %s", argv)
	}
}

func TestRunReportsProgramFailuresAsUpstreamDoes(t *testing.T) {
	// An exception: reported through the engine with the program's part of the traceback, then exit 32 (bail).
	resp, record, _ := stubbed(t, "def deploy():\n    raise ValueError('the name must not contain spaces')\n\ndeploy()\n", nil)
	if !resp.Bail || resp.Error != "" {
		t.Fatalf("response %v", resp)
	}
	errs, _ := record["errors"].([]any)
	if len(errs) != 1 {
		t.Fatalf("errors %v", record["errors"])
	}
	msg := errs[0].(string)
	for _, want := range []string{"Program failed with an unhandled exception:", "__main__.py\", line 4, in <module>", "ValueError: the name must not contain spaces"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the report lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "runpy") || strings.Contains(msg, "pulumi-language-python-exec") {
		t.Errorf("the report shows the runner's frames:\n%s", msg)
	}

	// A RunError: its message alone, exit 1, which the host reports as a failure.
	resp, record, _ = stubbed(t, "import pulumi\nraise pulumi.RunError('bad config')\n", nil)
	if resp.Bail || resp.Error != "Program exited with non-zero exit code: 1" {
		t.Fatalf("response %v", resp)
	}
	if errs, _ := json.Marshal(record["errors"]); string(errs) != `["bad config"]` {
		t.Errorf("errors %s", errs)
	}

	// A directory without __main__.py: said plainly, then bail.
	resp, record, _ = stubbed(t, "", func(r *pulumirpc.RunRequest) {
		if err := os.Mkdir(filepath.Join(r.Pwd, "src"), 0o755); err != nil {
			t.Fatal(err)
		}
		r.Info.EntryPoint = "src"
	})
	if !resp.Bail {
		t.Fatalf("response %v", resp)
	}
	if errs, _ := json.Marshal(record["errors"]); !strings.Contains(string(errs), "has no __main__.py") {
		t.Errorf("errors %s", errs)
	}
}

func TestRunWithoutTheSDKSaysHowToInstallIt(t *testing.T) {
	needPython(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "__main__.py"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	script, err := writeExecScript(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("python3", "-I", script, "--stack", "s", ".") // -I: no PYTHONPATH, no user site: no pulumi
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("err %v, output %s", err, out)
	}
	if !strings.Contains(string(out), "the Pulumi SDK for Python cannot be imported") || !strings.Contains(string(out), "pulumi install") {
		t.Errorf("output: %s", out)
	}
}

func TestRunRefusesAMissingVirtualenvNamingIt(t *testing.T) {
	dir := t.TempDir()
	h := &host{}
	_, err := h.Run(context.Background(), &pulumirpc.RunRequest{Pwd: dir, Info: &pulumirpc.ProgramInfo{RootDirectory: dir, ProgramDirectory: dir,
		EntryPoint: ".", Options: hosttest.Options(t, map[string]any{"toolchain": "pip", "virtualenv": "venv"})}})
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "venv")) || !strings.Contains(err.Error(), "doesn't exist") {
		t.Fatalf("err = %v", err)
	}
}

// Pulumi.yaml's `main: app.py`: the file runs as __main__ and imports its neighbours, as `python app.py` would.
func TestRunAFileEntryPointImportsItsNeighbours(t *testing.T) {
	resp, record, dir := stubbed(t, "", func(r *pulumirpc.RunRequest) {
		files := map[string]string{"app.py": "import helper\nhelper.record(__name__)\n",
			"helper.py": "import json, os\ndef record(name):\n    json.dump({'name': name}, open(os.environ['PROGRAM_RECORD'], 'w'))\n"}
		for name, content := range files {
			if err := os.WriteFile(filepath.Join(r.Pwd, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		r.Info.EntryPoint = "app.py"
	})
	if resp.Error != "" || resp.Bail || record["finished"] != true {
		t.Fatalf("response %v, record %v", resp, record)
	}
	if data, err := os.ReadFile(filepath.Join(dir, "program.json")); err != nil || string(data) != `{"name": "__main__"}` {
		t.Errorf("program.json: %s, %v", data, err)
	}
}
