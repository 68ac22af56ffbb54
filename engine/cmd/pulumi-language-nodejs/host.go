package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"google.golang.org/grpc"

	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/pulumi-chaser/engine/internal/langhost"
)

// host is the LanguageRuntime service for Node.js programs: what is Node.js's, over what every host has
// (langhost.Base).
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
	return langhost.AboutExecutable(ctx, "node", []string{"--version"}, "v")
}

// GenerateProgram prints TypeScript with Pulumi's own generator (pkg/codegen/nodejs), for `pulumi import`.
func (h *host) GenerateProgram(_ context.Context, req *pulumirpc.GenerateProgramRequest) (*pulumirpc.GenerateProgramResponse, error) {
	return langhost.GenerateProgram(req, nodejs.GenerateProgram)
}

// InstallDependencies (`pulumi install`, `pulumi new`) runs the package manager's install in the program
// directory when it has a package.json but no node_modules yet; otherwise it says there is nothing to do.
func (h *host) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, srv grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	return h.InstallWith(req, srv, func(dir string, stdout io.Writer) (*langhost.Install, error) {
		opts, err := parseRuntimeOptions(req.GetInfo())
		if err != nil {
			return nil, err
		}
		if _, err := os.Stat(filepath.Join(dir, "package.json")); err != nil {
			fmt.Fprintf(stdout, "%s has no package.json: no Node.js dependencies to install\n", dir)
			return nil, nil
		}
		if _, err := os.Stat(filepath.Join(dir, "node_modules")); err == nil {
			fmt.Fprintf(stdout, "%s already has node_modules: nothing to install\n", dir)
			return nil, nil
		}
		pm, err := exec.LookPath(opts.packageManager)
		if err != nil {
			return nil, fmt.Errorf("%s was not found on PATH: it is needed to install the dependencies of %s", opts.packageManager, dir)
		}
		return &langhost.Install{Name: opts.packageManager + " install", Argv: []string{pm, "install"}}, nil
	})
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
