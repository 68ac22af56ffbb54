package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/pulumi-chaser/engine/internal/langhost"
)

// GetRequiredPackages reports the packages whose plugins the program needs: every module its go.mod requires that
// ships a pulumi-plugin.json with `resource: true` (what Pulumi's Go SDK generator writes beside a provider's SDK).
// As upstream documents it, a failure to list the modules is not an error: the program then needs nothing.
func (h *host) GetRequiredPackages(ctx context.Context, req *pulumirpc.GetRequiredPackagesRequest) (*pulumirpc.GetRequiredPackagesResponse, error) {
	dir := langhost.ProgramDirectory(req.GetInfo(), "")
	pkgs, err := requiredPackages(ctx, dir)
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-go: the packages the program in %s needs are unknown: %v\n", dir, err)
		return &pulumirpc.GetRequiredPackagesResponse{}, nil
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: pkgs}, nil
}

// GetRequiredPlugins is the older form of GetRequiredPackages (engines before packages were parameterizable).
func (h *host) GetRequiredPlugins(ctx context.Context, req *pulumirpc.GetRequiredPluginsRequest) (*pulumirpc.GetRequiredPluginsResponse, error) {
	dir := langhost.ProgramDirectory(req.GetInfo(), req.GetPwd()) //nolint:staticcheck // older engines send only Pwd
	pkgs, err := requiredPackages(ctx, dir)
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-go: the plugins the program in %s needs are unknown: %v\n", dir, err)
		return &pulumirpc.GetRequiredPluginsResponse{}, nil
	}
	plugins := make([]*pulumirpc.PluginDependency, 0, len(pkgs))
	for _, p := range pkgs {
		if p.Parameterization == nil {
			plugins = append(plugins, &pulumirpc.PluginDependency{Name: p.Name, Kind: p.Kind, Version: p.Version, Server: p.Server})
		}
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: plugins}, nil
}

// module is what `go list -m -json` and `go mod download -json` say of a module (the part this host reads). For a
// module replaced by a directory, Dir is that directory.
type module struct {
	Path    string
	Version string
	Dir     string
}

func requiredPackages(ctx context.Context, dir string) ([]*pulumirpc.PackageDependency, error) {
	mod, err := readGoMod(ctx, dir)
	if err != nil {
		return nil, err
	}
	paths := make([]string, 0, len(mod.Require))
	for _, r := range mod.Require {
		paths = append(paths, r.Path)
	}
	modules, err := moduleSources(ctx, dir, paths)
	if err != nil {
		return nil, err
	}
	var pkgs []*pulumirpc.PackageDependency
	for _, m := range modules {
		file, declared, err := findPluginJSON(m.Dir)
		if err != nil {
			return nil, err
		}
		if declared == nil || !declared.Resource {
			continue
		}
		pkg, err := packageOf(m, file, declared)
		if err != nil {
			fmt.Fprintf(os.Stderr, "pulumi-language-go: %v\n", err)
			continue
		}
		pkgs = append(pkgs, pkg)
	}
	sort.Slice(pkgs, func(i, j int) bool { return pkgs[i].Name < pkgs[j].Name })
	return pkgs, nil
}

// moduleSources finds the directories of the modules: `go list -m -json`, then `go mod download -json` for those
// not in the module cache yet. A module whose sources cannot be found is left out.
func moduleSources(ctx context.Context, dir string, paths []string) ([]module, error) {
	if len(paths) == 0 {
		return nil, nil
	}
	listed, err := decodeModules(goOutput(ctx, dir, append([]string{"list", "-m", "-json"}, paths...)...))
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, m := range listed {
		if m.Dir == "" {
			missing = append(missing, m.Path)
		}
	}
	if len(missing) > 0 {
		downloaded, err := decodeModules(goOutput(ctx, dir, append([]string{"mod", "download", "-json"}, missing...)...))
		if err != nil {
			return nil, err
		}
		found := map[string]string{}
		for _, m := range downloaded {
			found[m.Path] = m.Dir
		}
		for i := range listed {
			if listed[i].Dir == "" {
				listed[i].Dir = found[listed[i].Path]
			}
		}
	}
	out := listed[:0]
	for _, m := range listed {
		if m.Dir != "" {
			out = append(out, m)
		}
	}
	return out, nil
}

// decodeModules reads the stream of JSON objects the go command prints.
func decodeModules(out []byte, err error) ([]module, error) {
	if err != nil {
		return nil, err
	}
	var modules []module
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var m module
		if err := dec.Decode(&m); err != nil {
			return nil, fmt.Errorf("reading the go command's module list: %w", err)
		}
		modules = append(modules, m)
	}
	return modules, nil
}

// findPluginJSON reads pulumi-plugin.json (the SDK's PulumiPluginJSON) where Go SDKs put it: in the module's root, its go/ directory, a
// directory below go/, or a directory below the root (the package directory of a module at the SDK's root).
func findPluginJSON(root string) (string, *plugin.PulumiPluginJSON, error) {
	candidates := []string{filepath.Join(root, "pulumi-plugin.json"), filepath.Join(root, "go", "pulumi-plugin.json")}
	for _, pattern := range []string{filepath.Join(root, "go", "*", "pulumi-plugin.json"), filepath.Join(root, "*", "pulumi-plugin.json")} {
		matches, _ := filepath.Glob(pattern)
		sort.Strings(matches)
		candidates = append(candidates, matches...)
	}
	for _, file := range candidates {
		data, err := os.ReadFile(file)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return "", nil, err
		}
		var p plugin.PulumiPluginJSON
		if err := json.Unmarshal(data, &p); err != nil {
			return "", nil, fmt.Errorf("reading %s: %w", file, err)
		}
		return file, &p, nil
	}
	return "", nil, nil
}

// packageOf is the package a module's pulumi-plugin.json declares. Its name is the file's, else the module path's
// last element without `pulumi-`; its version the file's, else the module's own, which must be a release (a
// pseudo-version v0.0.0-… names a commit, not a plugin: a module replaced by a directory has none, so such an SDK
// needs its version in the file, which Pulumi's generator writes with `respectSchemaVersion`).
func packageOf(m module, file string, p *plugin.PulumiPluginJSON) (*pulumirpc.PackageDependency, error) {
	name := p.Name
	if name == "" {
		name = moduleBaseName(m.Path)
	}
	v := p.Version
	if v == "" {
		v = m.Version
		if v == "" || strings.HasPrefix(v, "v0.0.0-") {
			return nil, fmt.Errorf("%s (module %s) names no version and the module's own (%q) is not a release: "+
				"the plugin %s is left out of the program's requirements", file, m.Path, v, name)
		}
	}
	if !strings.HasPrefix(v, "v") {
		v = "v" + v
	}
	pkg := &pulumirpc.PackageDependency{Kind: "resource", Name: name, Version: v, Server: p.Server}
	if p.Parameterization != nil {
		pv := p.Parameterization.Version
		if pv != "" && !strings.HasPrefix(pv, "v") {
			pv = "v" + pv
		}
		pkg.Parameterization = &pulumirpc.PackageParameterization{Name: p.Parameterization.Name, Version: pv, Value: p.Parameterization.Value}
	}
	return pkg, nil
}

// moduleBaseName: github.com/pulumi/pulumi-aws/sdk/v6 → aws.
func moduleBaseName(path string) string {
	parts := strings.Split(path, "/")
	for i := len(parts) - 1; i >= 0; i-- {
		p := parts[i]
		if p == "sdk" || p == "go" || (len(p) > 1 && p[0] == 'v' && strings.Trim(p[1:], "0123456789") == "") {
			continue
		}
		return strings.TrimPrefix(p, "pulumi-")
	}
	return path
}
