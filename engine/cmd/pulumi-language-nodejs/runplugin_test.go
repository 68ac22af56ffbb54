package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// A policy pack inside an installed package (root/node_modules/pulumi-chaser/policy) runs
// @pulumi/pulumi/cmd/run-policy-pack resolved from the pack's directory upwards: node <entry> <engine> <pack>.
func TestPluginLaunchRunsThePolicyPackRunnerFromThePackDirectory(t *testing.T) {
	root := t.TempDir()
	runner := filepath.Join(root, "node_modules", "@pulumi", "pulumi", "cmd", "run-policy-pack")
	pack := filepath.Join(root, "node_modules", "pulumi-chaser", "policy")
	for _, d := range []string{runner, pack} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(runner, "index.js"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	req := &pulumirpc.RunPluginRequest{
		Pwd:  filepath.Join(root, "program"),
		Args: []string{"127.0.0.1:4242"},
		Env:  []string{"EXTRA=1"},
		Info: &pulumirpc.ProgramInfo{RootDirectory: pack, ProgramDirectory: pack, EntryPoint: "."},
		Kind: "analyzer",
	}
	l, err := pluginLaunch(req, []string{"PATH=/bin"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{runner, "127.0.0.1:4242", pack}; !slices.Equal(l.args, want) {
		t.Fatalf("args = %v, want %v", l.args, want)
	}
	if l.dir != pack {
		t.Fatalf("dir = %s, want the pack's directory %s", l.dir, pack)
	}
	if !slices.Equal(l.env, []string{"PATH=/bin", "EXTRA=1"}) {
		t.Fatalf("env = %v", l.env)
	}
}

func TestPluginLaunchRefusesUnknownKindsAndMissingRunners(t *testing.T) {
	dir := t.TempDir()
	info := &pulumirpc.ProgramInfo{RootDirectory: dir, ProgramDirectory: dir, EntryPoint: "."}
	if _, err := pluginLaunch(&pulumirpc.RunPluginRequest{Kind: "converter", Info: info}, nil); err == nil || !strings.Contains(err.Error(), `kind "converter"`) {
		t.Fatalf("err = %v", err)
	}
	if _, err := pluginLaunch(&pulumirpc.RunPluginRequest{Kind: "analyzer", Info: info}, nil); err == nil || !strings.Contains(err.Error(), "run-policy-pack") {
		t.Fatalf("err = %v", err)
	}
}
