package main

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
)

// packagesScript lists the installed distributions with their pulumi-plugin.json (packages.py).
//
//go:embed packages.py
var packagesScript string

// installed is one distribution of the program's environment, as packages.py reports it.
type installed struct {
	Name    string          `json:"name"`
	Version string          `json:"version"`
	Plugin  *pluginMetadata `json:"plugin"`
}

// pluginMetadata is a Pulumi SDK's pulumi-plugin.json: the plugin the SDK needs, and where to get it.
type pluginMetadata struct {
	Resource         *bool  `json:"resource"`
	Name             string `json:"name"`
	Version          string `json:"version"`
	Server           string `json:"server"`
	Parameterization *struct {
		Name    string `json:"name"`
		Version string `json:"version"`
		Value   string `json:"value"` // base64
	} `json:"parameterization"`
}

// requiredPackages are the resource plugins the installed distributions say they need, sorted by name:
//   - a distribution with a pulumi-plugin.json whose `resource` is not false: the plugin it names (its own name
//     less a `pulumi-`/`pulumi_` prefix when the file names none), at its version (else the distribution's), from
//     its `server`, with its parameterization;
//   - a distribution without one whose name starts with `pulumi-` or `pulumi_` (SDKs older than the file): the
//     plugin of the rest of its name, at its version.
func requiredPackages(dists []installed) ([]*pulumirpc.PackageDependency, error) {
	var out []*pulumirpc.PackageDependency
	for _, d := range dists {
		legacyName, prefixed := strings.CutPrefix(strings.ToLower(d.Name), "pulumi-")
		if !prefixed {
			legacyName, prefixed = strings.CutPrefix(strings.ToLower(d.Name), "pulumi_")
		}
		dep := &pulumirpc.PackageDependency{Kind: "resource"}
		switch {
		case d.Plugin != nil:
			if d.Plugin.Resource != nil && !*d.Plugin.Resource {
				continue
			}
			dep.Name, dep.Version, dep.Server = d.Plugin.Name, d.Plugin.Version, d.Plugin.Server
			if dep.Name == "" {
				if !prefixed {
					continue // a pulumi-plugin.json naming no plugin, on a distribution whose name does not either
				}
				dep.Name = legacyName
			}
			if p := d.Plugin.Parameterization; p != nil {
				value, err := base64.StdEncoding.DecodeString(p.Value)
				if err != nil {
					return nil, fmt.Errorf("the pulumi-plugin.json of %s: parameterization value is not base64: %w", d.Name, err)
				}
				dep.Parameterization = &pulumirpc.PackageParameterization{Name: p.Name, Version: p.Version, Value: value}
			}
		case prefixed && legacyName != "" && legacyName != "policy":
			dep.Name = legacyName // pulumi-policy is the policy SDK, not a provider's
		default:
			continue
		}
		if dep.Version == "" {
			dep.Version = semverOfPEP440(d.Version)
		}
		if dep.Version != "" && !strings.HasPrefix(dep.Version, "v") {
			dep.Version = "v" + dep.Version
		}
		out = append(out, dep)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

var pep440 = regexp.MustCompile(`^(\d+(?:\.\d+)*)(?:[-_.]?(a|alpha|b|beta|rc|c|pre|preview)[-_.]?(\d*))?(?:[-_.]?(post|dev)[-_.]?(\d*))?(?:\+.*)?$`)

// semverOfPEP440 reads a Python version (PEP 440: 1.2, 1.2.3a1, 1.2.3rc2, 1.2.3.dev4) as semver (1.2.0,
// 1.2.3-alpha.1, 1.2.3-rc.2, 1.2.3-dev.4); "" for what it cannot read.
func semverOfPEP440(v string) string {
	m := pep440.FindStringSubmatch(strings.ToLower(strings.TrimSpace(v)))
	if m == nil {
		return ""
	}
	release := strings.Split(m[1], ".")
	for len(release) < 3 {
		release = append(release, "0")
	}
	out := strings.Join(release[:3], ".")
	var pre []string
	switch m[2] {
	case "a", "alpha":
		pre = append(pre, "alpha")
	case "b", "beta":
		pre = append(pre, "beta")
	case "rc", "c", "pre", "preview":
		pre = append(pre, "rc")
	}
	if len(pre) > 0 && m[3] != "" {
		pre = append(pre, m[3])
	}
	switch m[4] {
	case "dev":
		pre = append(pre, "dev")
	case "post":
		pre = append(pre, "post")
	}
	if m[4] != "" && m[5] != "" {
		pre = append(pre, m[5])
	}
	if len(pre) > 0 {
		out += "-" + strings.Join(pre, ".")
	}
	return out
}

// installedPackages runs packages.py with the program's Python.
func installedPackages(ctx context.Context, tc toolchain.Toolchain) ([]installed, error) {
	cmd, err := tc.Command(ctx, "-c", packagesScript)
	if err != nil {
		return nil, err
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("listing the installed Python packages with %s: %w\n%s", cmd.Path, err, stderr.String())
	}
	var dists []installed
	if err := json.Unmarshal(stdout.Bytes(), &dists); err != nil {
		return nil, fmt.Errorf("reading the installed Python packages: %w", err)
	}
	return dists, nil
}

// packagesOf finds the plugins the program's installed SDKs need. Like `pulumi preview` with the upstream host,
// a virtualenv Pulumi.yaml names that does not exist yet is made first (with the program's requirements).
func packagesOf(ctx context.Context, info *pulumirpc.ProgramInfo) ([]*pulumirpc.PackageDependency, error) {
	opts, tc, err := resolve(info)
	if err != nil {
		return nil, err
	}
	if err := tc.EnsureVenv(ctx, opts.ProgramDir, false, true, os.Stdout, os.Stderr); err != nil {
		return nil, err
	}
	if err := tc.ValidateVenv(ctx); err != nil {
		return nil, err
	}
	dists, err := installedPackages(ctx, tc)
	if err != nil {
		return nil, err
	}
	return requiredPackages(dists)
}

func (h *host) GetRequiredPackages(ctx context.Context, req *pulumirpc.GetRequiredPackagesRequest) (*pulumirpc.GetRequiredPackagesResponse, error) {
	pkgs, err := packagesOf(ctx, req.GetInfo())
	if err != nil {
		return nil, err
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: pkgs}, nil
}

// GetRequiredPlugins is GetRequiredPackages for older engines (no parameterized packages).
func (h *host) GetRequiredPlugins(ctx context.Context, req *pulumirpc.GetRequiredPluginsRequest) (*pulumirpc.GetRequiredPluginsResponse, error) {
	pkgs, err := packagesOf(ctx, req.GetInfo())
	if err != nil {
		return nil, err
	}
	var plugins []*pulumirpc.PluginDependency
	for _, p := range pkgs {
		if p.Parameterization == nil {
			plugins = append(plugins, &pulumirpc.PluginDependency{Name: p.Name, Kind: p.Kind, Version: p.Version, Server: p.Server})
		}
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: plugins}, nil
}
