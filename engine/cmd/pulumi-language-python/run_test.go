package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

func TestExecArguments(t *testing.T) {
	req := &pulumirpc.RunRequest{
		MonitorAddress: "127.0.0.1:1",
		Project:        "proj",
		Stack:          "dev",
		Pwd:            "/p/src",
		Parallel:       8,
		DryRun:         true,
		Organization:   "org",
		Args:           []string{"extra"},
		Info:           &pulumirpc.ProgramInfo{RootDirectory: "/p", ProgramDirectory: "/p/src", EntryPoint: "main.py"},
	}
	got := execArguments(req, "127.0.0.1:2", "http://tracing")
	want := []string{
		"--monitor", "127.0.0.1:1", "--engine", "127.0.0.1:2", "--project", "proj", "--root_directory", "/p",
		"--stack", "dev", "--pwd", "/p/src", "--dry_run", "true", "--parallel", "8", "--tracing", "http://tracing",
		"--organization", "org", "main.py", "extra",
	}
	if !slices.Equal(got, want) {
		t.Errorf("args:\n got %q\nwant %q", got, want)
	}

	// Empty values are left out, but --dry_run and --parallel always go; the program directory is ".".
	got = execArguments(&pulumirpc.RunRequest{MonitorAddress: "m", Project: "p", Stack: "s"}, "", "")
	want = []string{"--monitor", "m", "--project", "p", "--stack", "s", "--dry_run", "false", "--parallel", "0", "."}
	if !slices.Equal(got, want) {
		t.Errorf("defaults:\n got %q\nwant %q", got, want)
	}
}

func TestWriteExecScriptIsContentAddressedAndIdempotent(t *testing.T) {
	dir := t.TempDir()
	first, err := writeExecScript(dir)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(first)
	if err != nil || string(data) != string(execScript) {
		t.Fatalf("the written script differs from exec.py (err %v)", err)
	}
	again, err := writeExecScript(dir)
	if err != nil || again != first {
		t.Fatalf("second write: %s, %v (want %s)", again, err, first)
	}
	// A script damaged or emptied on disk is written again.
	if err := os.WriteFile(first, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := writeExecScript(dir); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(first); string(data) != string(execScript) {
		t.Fatal("an emptied script was not rewritten")
	}
	entries, _ := os.ReadDir(filepath.Dir(first))
	if len(entries) != 1 {
		t.Errorf("leftovers beside the script: %v", entries)
	}
}
