package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/pulumi-chaser/engine/internal/hosttest"
)

func write(t *testing.T, file, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// goProgram makes a Go module with a main package in dir (root/prog) and returns root and dir.
func goProgram(t *testing.T, main string) (root, dir string) {
	t.Helper()
	root = t.TempDir()
	dir = filepath.Join(root, "prog")
	write(t, filepath.Join(dir, "go.mod"), "module example.com/prog\n\ngo 1.25\n")
	write(t, filepath.Join(dir, "main.go"), main)
	return root, dir
}

func TestProgramLaunch(t *testing.T) {
	root, dir := goProgram(t, "package main\nfunc main() {}\n")
	req := &pulumirpc.RunRequest{
		MonitorAddress:   "127.0.0.1:1",
		Project:          "proj",
		Stack:            "dev",
		Pwd:              root,
		Parallel:         4,
		DryRun:           true,
		Organization:     "organization",
		Config:           map[string]string{"proj:token": "s3cret"},
		ConfigSecretKeys: []string{"proj:token"},
		Info:             &pulumirpc.ProgramInfo{RootDirectory: root, ProgramDirectory: dir, EntryPoint: "."},
	}
	l, err := programLaunch(req, "127.0.0.1:2", []string{"PULUMI_DRY_RUN=false", "PULUMI_ORGANIZATION=stale", "HOME=/h"})
	if err != nil {
		t.Fatal(err)
	}
	if l.build == nil || !l.build.temp || l.build.dir != dir {
		t.Fatalf("build = %+v, want a build in %s to a temporary file", l.build, dir)
	}
	want := []string{"build", "-buildvcs=false", "-trimpath", "-ldflags", "-w -s", "-o", l.program}
	if !slices.Equal(l.build.args, want) {
		t.Errorf("build args:\n got %q\nwant %q", l.build.args, want)
	}
	os.Remove(l.program)
	if l.dir != root {
		t.Errorf("dir = %q, want the pwd %q", l.dir, root)
	}
	for key, want := range map[string]string{
		"PULUMI_PROJECT":            "proj",
		"PULUMI_STACK":              "dev",
		"PULUMI_ORGANIZATION":       "organization",
		"PULUMI_ROOT_DIRECTORY":     root,
		"PULUMI_CONFIG":             `{"proj:token":"s3cret"}`,
		"PULUMI_CONFIG_SECRET_KEYS": `["proj:token"]`,
		"PULUMI_DRY_RUN":            "true",
		"PULUMI_PARALLEL":           "4",
		"PULUMI_MONITOR":            "127.0.0.1:1",
		"PULUMI_ENGINE":             "127.0.0.1:2",
		"HOME":                      "/h",
	} {
		if got, _ := hosttest.Env(l.env, key); got != want {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}
	if n := len(slices.DeleteFunc(slices.Clone(l.env), func(kv string) bool { return !strings.HasPrefix(kv, "PULUMI_DRY_RUN=") })); n != 1 {
		t.Errorf("PULUMI_DRY_RUN set %d times: the inherited value must be dropped", n)
	}
}

func TestProgramLaunchLeavesOutWhatTheRequestLeavesEmpty(t *testing.T) {
	_, dir := goProgram(t, "package main\nfunc main() {}\n")
	req := &pulumirpc.RunRequest{MonitorAddress: "m", Project: "p", Stack: "s", Pwd: dir, Info: &pulumirpc.ProgramInfo{ProgramDirectory: dir}}
	l, err := programLaunch(req, "", []string{"PULUMI_ORGANIZATION=inherited", "PULUMI_ENGINE=inherited"})
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(l.program)
	for _, key := range []string{"PULUMI_ORGANIZATION", "PULUMI_ENGINE", "PULUMI_ROOT_DIRECTORY"} {
		if v, ok := hosttest.Env(l.env, key); ok {
			t.Errorf("%s = %q, want it unset", key, v)
		}
	}
	if v, _ := hosttest.Env(l.env, "PULUMI_CONFIG"); v != "{}" {
		t.Errorf("PULUMI_CONFIG = %q, want {}", v)
	}
	if v, _ := hosttest.Env(l.env, "PULUMI_CONFIG_SECRET_KEYS"); v != "[]" {
		t.Errorf("PULUMI_CONFIG_SECRET_KEYS = %q, want []", v)
	}
	if v, _ := hosttest.Env(l.env, "PULUMI_DRY_RUN"); v != "false" {
		t.Errorf("PULUMI_DRY_RUN = %q, want false", v)
	}
}

func TestProgramLaunchOptions(t *testing.T) {
	_, dir := goProgram(t, "package main\nfunc main() {}\n")
	info := func(opts map[string]any) *pulumirpc.RunRequest {
		return &pulumirpc.RunRequest{Pwd: dir, Info: &pulumirpc.ProgramInfo{ProgramDirectory: dir, Options: hosttest.Options(t, opts)}}
	}
	l, err := programLaunch(info(map[string]any{"buildTarget": "bin/prog"}), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if l.program != filepath.Join(dir, "bin", "prog") || l.build == nil || l.build.temp {
		t.Errorf("buildTarget: program %q, build %+v; want a kept build at %s", l.program, l.build, filepath.Join(dir, "bin", "prog"))
	}
	l, err = programLaunch(info(map[string]any{"binary": "/opt/prog"}), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if l.program != "/opt/prog" || l.build != nil {
		t.Errorf("binary: program %q, build %+v; want /opt/prog run as it is", l.program, l.build)
	}
	if _, err := programLaunch(info(map[string]any{"binary": "a", "buildTarget": "b"}), "", nil); err == nil ||
		!strings.Contains(err.Error(), "binary and buildTarget cannot both be set") {
		t.Errorf("both options: err = %v", err)
	}
	if _, err := programLaunch(info(map[string]any{"binary": true}), "", nil); err == nil ||
		!strings.Contains(err.Error(), "runtime option binary must be a string") {
		t.Errorf("binary: true: err = %v", err)
	}
	empty := t.TempDir()
	if _, err := programLaunch(&pulumirpc.RunRequest{Pwd: empty, Info: &pulumirpc.ProgramInfo{ProgramDirectory: empty}}, "", nil); err == nil ||
		!strings.Contains(err.Error(), "no Go files in "+empty) {
		t.Errorf("no Go files: err = %v", err)
	}
}

// The program this test builds and runs writes its working directory and the PULUMI_* variables it got to a file,
// then exits with the code its stack's name says (exitN), as pulumi.Run exits 0 or 32.
const reporter = `package main

import (
	"encoding/json"
	"os"
	"strconv"
	"strings"
)

func main() {
	wd, _ := os.Getwd()
	seen := map[string]string{"cwd": wd}
	for _, kv := range os.Environ() {
		if k, v, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "PULUMI_") {
			seen[k] = v
		}
	}
	b, _ := json.Marshal(seen)
	os.WriteFile(os.Getenv("REPORT"), b, 0o644)
	code, _ := strconv.Atoi(strings.TrimPrefix(os.Getenv("PULUMI_STACK"), "exit"))
	os.Exit(code)
}
`

func TestRunBuildsAndRunsTheProgram(t *testing.T) {
	root, dir := goProgram(t, reporter)
	report := filepath.Join(root, "report.json")
	t.Setenv("REPORT", report)
	t.Setenv("GOWORK", "off")
	t.Setenv("TMPDIR", t.TempDir()) // the temporary builds: none may be left
	h := &host{}
	h.SetEngineAddress("127.0.0.1:9")
	run := func(stack string) *pulumirpc.RunResponse {
		t.Helper()
		resp, err := h.Run(context.Background(), &pulumirpc.RunRequest{
			MonitorAddress: "127.0.0.1:8", Project: "proj", Stack: stack, Pwd: root, Parallel: 2,
			Config: map[string]string{"proj:a": "1"},
			Info:   &pulumirpc.ProgramInfo{RootDirectory: root, ProgramDirectory: dir, EntryPoint: "."},
		})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}

	if resp := run("exit0"); resp.Error != "" || resp.Bail {
		t.Fatalf("a program that exits 0: %+v", resp)
	}
	var seen map[string]string
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &seen); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{
		"cwd": root, "PULUMI_PROJECT": "proj", "PULUMI_STACK": "exit0", "PULUMI_MONITOR": "127.0.0.1:8",
		"PULUMI_ENGINE": "127.0.0.1:9", "PULUMI_CONFIG": `{"proj:a":"1"}`, "PULUMI_PARALLEL": "2", "PULUMI_DRY_RUN": "false",
	} {
		if seen[k] != want {
			t.Errorf("the program saw %s = %q, want %q", k, seen[k], want)
		}
	}
	if resp := run("exit32"); !resp.Bail || resp.Error != "" {
		t.Errorf("exit 32 (pulumi.Run reported the error): %+v, want Bail", resp)
	}
	if resp := run("exit3"); resp.Error != "Program exited with non-zero exit code: 3" {
		t.Errorf("exit 3: %+v", resp)
	}
	if left, _ := filepath.Glob(filepath.Join(os.Getenv("TMPDIR"), "pulumi-go.*")); len(left) > 0 {
		t.Errorf("temporary builds left behind: %q", left)
	}

	// A compile error: the compiler's messages go to the host's stderr (what the engine shows), the answer says the
	// build failed.
	write(t, filepath.Join(dir, "main.go"), "package main\nfunc main() { undefinedThing() }\n")
	if resp := run("exit0"); !strings.Contains(resp.Error, "go build of the program in "+dir+" failed") {
		t.Errorf("a compile error: %+v", resp)
	}
}
