package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/pulumi-chaser/engine/internal/langhost"
)

// host serves the LanguageRuntime service for Node.js programs, over langhost.Base (the engine's address, what
// runs, Handshake, GetPluginInfo, RuntimeOptionsPrompts; codes.Unimplemented for everything neither defines:
// Template, Pack, Link, GenerateProject/Package, Cancel, …).
type host struct {
	langhost.Base
}

// GetRequiredPlugins and GetRequiredPackages report nothing: the programs this host serves use dynamic
// providers only, whose plugin (pulumi-nodejs) the engine resolves by itself. A program using a packaged
// provider (@pulumi/aws, …) must have that plugin installed beforehand.
func (h *host) GetRequiredPlugins(context.Context, *pulumirpc.GetRequiredPluginsRequest) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *host) GetRequiredPackages(context.Context, *pulumirpc.GetRequiredPackagesRequest) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

// About reports the node executable and its version (`pulumi about`).
func (h *host) About(ctx context.Context, _ *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, status.Error(codes.FailedPrecondition, "node was not found on PATH")
	}
	out, err := exec.CommandContext(ctx, node, "--version").Output()
	if err != nil {
		return nil, status.Errorf(codes.Internal, "running %s --version: %v", node, err)
	}
	return &pulumirpc.AboutResponse{
		Executable: node,
		Version:    strings.TrimPrefix(strings.TrimSpace(string(out)), "v"),
		Metadata:   map[string]string{"languageHost": "pulumi-chaser " + langhost.Version()},
	}, nil
}

// GetProgramDependencies lists package.json's dependencies and devDependencies, with the version installed in
// node_modules when there is one, else the declared range.
func (h *host) GetProgramDependencies(_ context.Context, req *pulumirpc.GetProgramDependenciesRequest) (*pulumirpc.GetProgramDependenciesResponse, error) {
	dir := langhost.ProgramDirectory(req.GetInfo(), req.GetPwd())
	pkg, err := readPackageJSON(dir)
	if err != nil {
		if os.IsNotExist(err) {
			return &pulumirpc.GetProgramDependenciesResponse{}, nil
		}
		return nil, err
	}
	var deps []*pulumirpc.DependencyInfo
	for _, declared := range []map[string]string{pkg.Dependencies, pkg.DevDependencies} {
		for name, v := range declared {
			if installed, err := readPackageJSON(filepath.Join(dir, "node_modules", name)); err == nil && installed.Version != "" {
				v = installed.Version
			}
			deps = append(deps, &pulumirpc.DependencyInfo{Name: name, Version: v})
		}
	}
	sort.Slice(deps, func(i, j int) bool { return deps[i].Name < deps[j].Name })
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}

type packageJSON struct {
	Version         string            `json:"version"`
	Dependencies    map[string]string `json:"dependencies"`
	DevDependencies map[string]string `json:"devDependencies"`
}

func readPackageJSON(dir string) (*packageJSON, error) {
	file := filepath.Join(dir, "package.json")
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var pkg packageJSON
	if err := json.Unmarshal(data, &pkg); err != nil {
		return nil, fmt.Errorf("reading %s: %w", file, err)
	}
	return &pkg, nil
}

// runtimeOptions are the `runtime.options` of Pulumi.yaml this host understands.
type runtimeOptions struct {
	typescript     bool     // `typescript` (default true): run through ts-node when the program is TypeScript
	tsconfig       string   // `tsconfig`: path of the tsconfig.json ts-node uses, relative to the program directory
	nodeargs       []string // `nodeargs`: extra arguments for node, whitespace-separated
	packageManager string   // `packagemanager`: npm (default), yarn, pnpm or bun, for InstallDependencies
}

func parseRuntimeOptions(info *pulumirpc.ProgramInfo) (runtimeOptions, error) {
	opts := runtimeOptions{typescript: true, packageManager: "npm"}
	for name, v := range info.GetOptions().AsMap() {
		switch name {
		case "typescript":
			switch b := v.(type) {
			case bool:
				opts.typescript = b
			case string:
				if b != "true" && b != "false" {
					return opts, fmt.Errorf("runtime option typescript must be true or false, not %q", b)
				}
				opts.typescript = b == "true"
			default:
				return opts, fmt.Errorf("runtime option typescript must be a boolean, not %v", v)
			}
		case "tsconfig":
			s, ok := v.(string)
			if !ok {
				return opts, fmt.Errorf("runtime option tsconfig must be a string, not %v", v)
			}
			opts.tsconfig = s
		case "nodeargs":
			s, ok := v.(string)
			if !ok {
				return opts, fmt.Errorf("runtime option nodeargs must be a string, not %v", v)
			}
			opts.nodeargs = strings.Fields(s)
		case "packagemanager":
			s, ok := v.(string)
			if !ok || (s != "" && s != "npm" && s != "yarn" && s != "pnpm" && s != "bun") {
				return opts, fmt.Errorf("runtime option packagemanager must be npm, yarn, pnpm or bun, not %v", v)
			}
			if s != "" {
				opts.packageManager = s
			}
		}
		// Unknown options are ignored, as the engine validates Pulumi.yaml against its own schema.
	}
	return opts, nil
}
