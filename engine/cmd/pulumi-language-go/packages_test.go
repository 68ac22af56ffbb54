package main

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

func TestFindPluginJSON(t *testing.T) {
	for _, rel := range []string{"pulumi-plugin.json", "go/pulumi-plugin.json", "go/chaser/pulumi-plugin.json", "chaser/pulumi-plugin.json"} {
		root := t.TempDir()
		write(t, filepath.Join(root, rel), `{"resource": true, "name": "chaser", "version": "0.3.0"}`)
		file, p, err := findPluginJSON(root)
		if err != nil || p == nil || file != filepath.Join(root, rel) || p.Name != "chaser" || !p.Resource {
			t.Errorf("%s: file %q, plugin %+v, err %v", rel, file, p, err)
		}
	}
	if _, p, err := findPluginJSON(t.TempDir()); p != nil || err != nil {
		t.Errorf("no pulumi-plugin.json: %+v, %v", p, err)
	}
	root := t.TempDir()
	write(t, filepath.Join(root, "pulumi-plugin.json"), `{"resource": tru`)
	if _, _, err := findPluginJSON(root); err == nil {
		t.Error("a broken pulumi-plugin.json is not an error")
	}
}

func TestPackageOf(t *testing.T) {
	m := module{Path: "github.com/pulumi/pulumi-aws/sdk/v6", Version: "v6.1.0"}
	p, err := packageOf(m, "f", &plugin.PulumiPluginJSON{Resource: true, Server: "github://api.github.com/acme"})
	if err != nil || p.Name != "aws" || p.Version != "v6.1.0" || p.Kind != "resource" || p.Server != "github://api.github.com/acme" {
		t.Errorf("from the module: %+v, %v", p, err)
	}
	p, err = packageOf(module{Path: "x/sdk/go", Version: "v0.0.0-00010101000000-000000000000"}, "f", &plugin.PulumiPluginJSON{Resource: true, Name: "chaser", Version: "0.3.0"})
	if err != nil || p.Name != "chaser" || p.Version != "v0.3.0" {
		t.Errorf("from the file: %+v, %v", p, err)
	}
	if _, err := packageOf(module{Path: "x/pulumi-chaser/sdk/go", Version: "v0.0.0-00010101000000-000000000000"}, "f", &plugin.PulumiPluginJSON{Resource: true}); err == nil {
		t.Error("a pseudo-version was taken for a plugin version")
	}
}

// A program whose go.mod requires an SDK replaced by a directory (as examples/go requires sdk/go): the package is
// found through `go list -m -json`, with the version of its pulumi-plugin.json. Offline: nothing to download.
func TestRequiredPackagesOfAReplacedModule(t *testing.T) {
	root := t.TempDir()
	t.Setenv("GOWORK", "off")
	t.Setenv("GOFLAGS", "-mod=mod")
	write(t, filepath.Join(root, "sdk", "go.mod"), "module example.com/pulumi-chaser/sdk/go\n\ngo 1.25\n")
	write(t, filepath.Join(root, "sdk", "chaser", "doc.go"), "package chaser\n")
	write(t, filepath.Join(root, "sdk", "chaser", "pulumi-plugin.json"), `{"resource": true, "name": "chaser", "version": "0.3.0"}`)
	write(t, filepath.Join(root, "other", "go.mod"), "module example.com/other\n\ngo 1.25\n")
	write(t, filepath.Join(root, "prog", "go.mod"), `module example.com/prog

go 1.25

require (
	example.com/pulumi-chaser/sdk/go v0.0.0-00010101000000-000000000000
	example.com/other v0.0.0-00010101000000-000000000000
)

replace example.com/pulumi-chaser/sdk/go => ../sdk

replace example.com/other => ../other
`)
	write(t, filepath.Join(root, "prog", "main.go"), "package main\n\nimport _ \"example.com/pulumi-chaser/sdk/go/chaser\"\n\nfunc main() {}\n")
	pkgs, err := requiredPackages(context.Background(), filepath.Join(root, "prog"))
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) != 1 || pkgs[0].Name != "chaser" || pkgs[0].Version != "v0.3.0" || pkgs[0].Kind != "resource" {
		t.Fatalf("packages: %v", pkgs)
	}

	// `pulumi about`: the modules go.mod requires, with the versions it names.
	deps, err := (&host{}).GetProgramDependencies(context.Background(), &pulumirpc.GetProgramDependenciesRequest{
		Info: &pulumirpc.ProgramInfo{ProgramDirectory: filepath.Join(root, "prog")},
	})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range deps.GetDependencies() {
		names = append(names, d.Name+"@"+d.Version)
	}
	if want := []string{"example.com/other@v0.0.0-00010101000000-000000000000", "example.com/pulumi-chaser/sdk/go@v0.0.0-00010101000000-000000000000"}; !slices.Equal(names, want) {
		t.Errorf("dependencies %q, want %q", names, want)
	}
}

func TestModuleBaseName(t *testing.T) {
	for path, want := range map[string]string{
		"github.com/pulumi/pulumi-aws/sdk/v6":              "aws",
		"github.com/pulumi-chaser/pulumi-chaser/sdk/go":    "chaser",
		"github.com/pulumi/pulumi-random/sdk/v4/go/random": "random",
		"example.com/thing":                                "thing",
	} {
		if got := moduleBaseName(path); got != want {
			t.Errorf("moduleBaseName(%q) = %q, want %q", path, got, want)
		}
	}
}
