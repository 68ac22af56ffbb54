package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/pulumi-chaser/engine/internal/hosttest"
)

// project makes root/node_modules/@pulumi/pulumi/cmd/run/index.js and a program directory root/src.
func project(t *testing.T) (root, src string) {
	t.Helper()
	root = t.TempDir()
	run := filepath.Join(root, "node_modules", "@pulumi", "pulumi", "cmd", "run")
	if err := os.MkdirAll(run, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(run, "index.js"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	src = filepath.Join(root, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	return root, src
}

func TestProgramLaunch(t *testing.T) {
	root, src := project(t)
	req := &pulumirpc.RunRequest{
		MonitorAddress:   "127.0.0.1:1",
		Project:          "proj",
		Stack:            "dev",
		Pwd:              src,
		Parallel:         4,
		DryRun:           true,
		Organization:     "organization",
		Config:           map[string]string{"proj:token": "s3cret"},
		ConfigSecretKeys: []string{"proj:token"},
		Args:             []string{"extra"},
		Info: &pulumirpc.ProgramInfo{
			RootDirectory: root, ProgramDirectory: src, EntryPoint: "index.ts",
			Options: hosttest.Options(t, map[string]any{"typescript": true, "tsconfig": "tsconfig.build.json", "nodeargs": "--max-old-space-size=512  --no-warnings"}),
		},
	}
	l, err := programLaunch(req, "127.0.0.1:2", "", []string{"PULUMI_NODEJS_TYPESCRIPT=false", "HOME=/h"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"--max-old-space-size=512", "--no-warnings",
		filepath.Join(root, "node_modules", "@pulumi", "pulumi", "cmd", "run"),
		"--monitor", "127.0.0.1:1", "--project", "proj", "--stack", "dev", "--pwd", src, "--parallel", "4",
		"--engine", "127.0.0.1:2", "--organization", "organization", "--root-directory", root,
		"--dry-run", "index.ts", "extra",
	}
	if !slices.Equal(l.args, want) {
		t.Errorf("args:\n got %q\nwant %q", l.args, want)
	}
	if l.dir != src {
		t.Errorf("dir = %q, want %q", l.dir, src)
	}
	for key, want := range map[string]string{
		"PULUMI_CONFIG":               `{"proj:token":"s3cret"}`,
		"PULUMI_CONFIG_SECRET_KEYS":   `["proj:token"]`,
		"PULUMI_NODEJS_TYPESCRIPT":    "true",
		"PULUMI_NODEJS_TSCONFIG_PATH": "tsconfig.build.json",
		"HOME":                        "/h",
	} {
		if got, _ := hosttest.Env(l.env, key); got != want {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}
}

func TestProgramLaunchDefaults(t *testing.T) {
	root, _ := project(t)
	req := &pulumirpc.RunRequest{MonitorAddress: "m", Project: "p", Stack: "s", Pwd: root,
		Info: &pulumirpc.ProgramInfo{RootDirectory: root, ProgramDirectory: root, EntryPoint: "."}}
	l, err := programLaunch(req, "", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(l.args, "--dry-run") || slices.Contains(l.args, "--engine") || l.args[len(l.args)-1] != "." {
		t.Errorf("unexpected args %q", l.args)
	}
	if v, _ := hosttest.Env(l.env, "PULUMI_CONFIG"); v != "{}" {
		t.Errorf("PULUMI_CONFIG = %q", v)
	}
	if v, _ := hosttest.Env(l.env, "PULUMI_CONFIG_SECRET_KEYS"); v != "[]" {
		t.Errorf("PULUMI_CONFIG_SECRET_KEYS = %q", v)
	}
	if v, _ := hosttest.Env(l.env, "PULUMI_NODEJS_TYPESCRIPT"); v != "true" {
		t.Errorf("PULUMI_NODEJS_TYPESCRIPT = %q, want the default true", v)
	}
	if _, ok := hosttest.Env(l.env, "PULUMI_NODEJS_TSCONFIG_PATH"); ok {
		t.Error("PULUMI_NODEJS_TSCONFIG_PATH set without the tsconfig option")
	}
}

func TestProgramLaunchErrors(t *testing.T) {
	dir := t.TempDir()
	req := &pulumirpc.RunRequest{Pwd: dir, Info: &pulumirpc.ProgramInfo{RootDirectory: dir, ProgramDirectory: dir, EntryPoint: "."}}
	if _, err := programLaunch(req, "", "", nil); err == nil || !strings.Contains(err.Error(), "could not find @pulumi/pulumi") {
		t.Errorf("without node_modules: err = %v", err)
	}
	root, _ := project(t)
	for _, bad := range []map[string]any{{"typescript": "yes"}, {"nodeargs": 3.0}, {"packagemanager": "pip"}} {
		req := &pulumirpc.RunRequest{Pwd: root, Info: &pulumirpc.ProgramInfo{RootDirectory: root, ProgramDirectory: root, Options: hosttest.Options(t, bad)}}
		if _, err := programLaunch(req, "", "", nil); err == nil {
			t.Errorf("options %v accepted", bad)
		}
	}
	req = &pulumirpc.RunRequest{Pwd: root, Info: &pulumirpc.ProgramInfo{RootDirectory: root, ProgramDirectory: root,
		Options: hosttest.Options(t, map[string]any{"typescript": false})}}
	l, err := programLaunch(req, "", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := hosttest.Env(l.env, "PULUMI_NODEJS_TYPESCRIPT"); v != "false" {
		t.Errorf("typescript: false gave PULUMI_NODEJS_TYPESCRIPT=%q", v)
	}
}
