package main

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"google.golang.org/protobuf/types/known/emptypb"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
)

// host serves the LanguageRuntime service. The embedded Unimplemented server answers codes.Unimplemented for
// everything not defined here (Template, Pack, Link, GenerateProject/Package, RunPlugin, Cancel, …).
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
	unhook := func() bool { return false }
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

// RuntimeOptionsPrompts asks nothing (`pulumi new` keeps the template's runtime options).
func (h *host) RuntimeOptionsPrompts(context.Context, *pulumirpc.RuntimeOptionsRequest) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

// About reports the Python the project runs with (its virtualenv's when it has one) and its version.
func (h *host) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	opts := toolchain.PythonOptions{Toolchain: toolchain.Pip}
	if info := req.GetInfo(); info != nil {
		var err error
		if opts, err = parseOptions(info); err != nil {
			return nil, err
		}
	}
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return nil, err
	}
	about, err := tc.About(ctx)
	if err != nil {
		return nil, err
	}
	metadata := map[string]string{"languageHost": "pulumi-chaser " + pluginVersion(), "toolchain": toolchain.Name(opts.Toolchain)}
	if v := about.ToolchainVersion.String(); v != "0.0.0" {
		metadata["toolchainVersion"] = v
	}
	return &pulumirpc.AboutResponse{Executable: about.PythonExecutable, Version: about.PythonVersion.String(), Metadata: metadata}, nil
}

// GetProgramDependencies lists the distributions installed in the program's environment (`pulumi about`).
func (h *host) GetProgramDependencies(ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest) (*pulumirpc.GetProgramDependenciesResponse, error) {
	opts, err := parseOptions(req.GetInfo())
	if err != nil {
		return nil, err
	}
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return nil, err
	}
	listed, err := tc.ListPackages(ctx, req.GetTransitiveDependencies())
	if err != nil {
		return nil, fmt.Errorf("listing the Python packages of %s: %w", opts.ProgramDir, err)
	}
	deps := make([]*pulumirpc.DependencyInfo, 0, len(listed))
	for _, d := range listed {
		deps = append(deps, &pulumirpc.DependencyInfo{Name: d.Name, Version: d.Version})
	}
	sort.Slice(deps, func(i, j int) bool { return deps[i].Name < deps[j].Name })
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}
