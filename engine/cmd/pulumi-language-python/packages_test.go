package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
)

func TestRequiredPackagesFromPluginMetadata(t *testing.T) {
	no := false
	dists := []installed{
		{Name: "pulumi", Version: "3.248.0"},
		{Name: "grpcio", Version: "1.85.4"},
		{Name: "pulumi_chaser", Version: "0.3.0", Plugin: &pluginMetadata{Name: "chaser", Version: "0.3.0", Server: "github://api.github.com/pulumi-chaser"}},
		{Name: "pulumi-random", Version: "4.16.0", Plugin: &pluginMetadata{}},                // the file names nothing: its name does
		{Name: "pulumi-policy", Version: "1.13.0"},                                           // the policy SDK: not a provider
		{Name: "pulumi-old", Version: "2.1.0rc3"},                                            // before pulumi-plugin.json existed
		{Name: "pulumi-component", Version: "1.0.0", Plugin: &pluginMetadata{Resource: &no}}, // says it needs no plugin
		{Name: "helpers", Version: "1.0", Plugin: &pluginMetadata{}},                         // nothing to go by
		{Name: "pulumi-terraform-provider", Version: "0.1.0", Plugin: &pluginMetadata{Name: "terraform-provider", Version: "1.0.0",
			Parameterization: &struct {
				Name    string `json:"name"`
				Version string `json:"version"`
				Value   string `json:"value"`
			}{Name: "aws", Version: "5.0.0", Value: "eyJ4IjoxfQ=="}}},
	}
	got, err := requiredPackages(dists)
	if err != nil {
		t.Fatal(err)
	}
	want := []*pulumirpc.PackageDependency{
		{Kind: "resource", Name: "chaser", Version: "v0.3.0", Server: "github://api.github.com/pulumi-chaser"},
		{Kind: "resource", Name: "old", Version: "v2.1.0-rc.3"},
		{Kind: "resource", Name: "random", Version: "v4.16.0"},
		{Kind: "resource", Name: "terraform-provider", Version: "v1.0.0",
			Parameterization: &pulumirpc.PackageParameterization{Name: "aws", Version: "5.0.0", Value: []byte(`{"x":1}`)}},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d packages, want %d: %v", len(got), len(want), got)
	}
	for i := range want {
		g, _ := protojson.Marshal(got[i])
		w, _ := protojson.Marshal(want[i])
		if string(g) != string(w) {
			t.Errorf("package %d:\n got %s\nwant %s", i, g, w)
		}
	}
}

func TestSemverOfPEP440(t *testing.T) {
	for in, want := range map[string]string{
		"1.2.3": "1.2.3", "1.2": "1.2.0", "2": "2.0.0", "1.2.3a1": "1.2.3-alpha.1", "1.2.3b2": "1.2.3-beta.2",
		"1.2.3rc1": "1.2.3-rc.1", "1.2.3.dev4": "1.2.3-dev.4", "1.2.3.post1": "1.2.3-post.1", "1.2.3+local": "1.2.3",
		"1.2.3.4": "1.2.3", "not a version": "",
	} {
		if got := semverOfPEP440(in); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}

// packages.py, run by the Python on PATH over a site directory (PYTHONPATH) holding an SDK as pip installs one:
// the package directory with its pulumi-plugin.json, and its .dist-info.
func TestInstalledPackagesFindsPluginMetadataWithoutImporting(t *testing.T) {
	needPython(t)
	site := t.TempDir()
	write := func(rel, content string) {
		t.Helper()
		file := filepath.Join(site, rel)
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("pulumi_chaser/__init__.py", "raise SystemExit('imported')\n") // located, never imported
	write("pulumi_chaser/pulumi-plugin.json", `{"resource": true, "name": "chaser", "version": "0.3.0", "server": "https://example.test"}`)
	write("pulumi_chaser-0.3.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: pulumi_chaser\nVersion: 0.3.0\n")
	write("helpers/__init__.py", "")
	write("helpers-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: helpers\nVersion: 1.0\n")
	t.Setenv("PYTHONPATH", site)
	t.Setenv("PULUMI_PYTHON_CMD", "python3")
	tc, err := toolchain.ResolveToolchain(toolchain.PythonOptions{Root: site, ProgramDir: site, Toolchain: toolchain.Pip})
	if err != nil {
		t.Fatal(err)
	}
	dists, err := installedPackages(context.Background(), tc)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]installed{}
	for _, d := range dists {
		found[d.Name] = d
	}
	if c := found["pulumi_chaser"]; c.Version != "0.3.0" || c.Plugin == nil || c.Plugin.Name != "chaser" || c.Plugin.Server != "https://example.test" {
		t.Errorf("pulumi_chaser: %+v (plugin %+v)", c, c.Plugin)
	}
	if h, ok := found["helpers"]; !ok || h.Plugin != nil {
		t.Errorf("helpers: %+v, listed %v", h, ok)
	}
	pkgs, err := requiredPackages(dists)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range pkgs {
		names = append(names, p.Name+"@"+p.Version)
	}
	// Whatever else the machine's Python has installed, chaser is among what the program needs.
	seen := false
	for _, n := range names {
		seen = seen || n == "chaser@v0.3.0"
	}
	if !seen {
		t.Errorf("required packages %v lack chaser@v0.3.0", names)
	}
}
