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
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// host serves the LanguageRuntime service. The embedded Unimplemented server answers codes.Unimplemented for
// everything not defined here (Template, Pack, Link, GenerateProject/Program/Package, RunPlugin, Cancel, …).
type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	tracing string

	mu            sync.Mutex
	engineAddress string

	// stopping ends when the engine is gone (lifeline.go): every running program is cancelled with it.
	stopping context.Context
	active   int
}

// begin registers a running program; its context also ends when the host stops.
func (h *host) begin(ctx context.Context) (context.Context, func()) {
	h.mu.Lock()
	h.active++
	h.mu.Unlock()
	ctx, cancel := context.WithCancel(ctx)
	var unhook func() bool = func() bool { return false }
	if h.stopping != nil {
		unhook = context.AfterFunc(h.stopping, cancel)
	}
	return ctx, func() {
		unhook()
		cancel()
		h.mu.Lock()
		h.active--
		h.mu.Unlock()
	}
}

// running reports whether a program is still running.
func (h *host) running() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.active > 0
}

func (h *host) setEngineAddress(addr string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.engineAddress = addr
}

func (h *host) engine() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.engineAddress
}

// Handshake is only called when the engine attaches to an already running host (PULUMI_DEBUG_LANGUAGES).
func (h *host) Handshake(_ context.Context, req *pulumirpc.LanguageHandshakeRequest) (*pulumirpc.LanguageHandshakeResponse, error) {
	if addr := req.GetEngineAddress(); addr != "" {
		h.setEngineAddress(addr)
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: pluginVersion()}, nil
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

// RuntimeOptionsPrompts asks nothing (`pulumi new` keeps the template's runtime options).
func (h *host) RuntimeOptionsPrompts(context.Context, *pulumirpc.RuntimeOptionsRequest) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
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
		Metadata:   map[string]string{"languageHost": "pulumi-chaser " + pluginVersion()},
	}, nil
}

// GetProgramDependencies lists package.json's dependencies and devDependencies, with the version installed in
// node_modules when there is one, else the declared range.
func (h *host) GetProgramDependencies(_ context.Context, req *pulumirpc.GetProgramDependenciesRequest) (*pulumirpc.GetProgramDependenciesResponse, error) {
	dir := programDirectory(req.GetInfo(), req.GetPwd())
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

// programDirectory is the directory of the program (Pulumi.yaml's `main` directory, else the project root);
// fallback is the deprecated per-request directory older engines send.
func programDirectory(info *pulumirpc.ProgramInfo, fallback string) string {
	if d := info.GetProgramDirectory(); d != "" {
		return d
	}
	return fallback
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
