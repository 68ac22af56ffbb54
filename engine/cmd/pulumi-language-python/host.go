package main

import (
	"context"
	"fmt"
	"sort"

	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"

	"github.com/pulumi-chaser/engine/internal/langhost"
)

// host is the LanguageRuntime service for Python programs: what is Python's, over what every host has
// (langhost.Base).
type host struct {
	langhost.Base
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
	metadata := map[string]string{"languageHost": "pulumi-chaser " + langhost.Version(), "toolchain": toolchain.Name(opts.Toolchain)}
	if v := about.ToolchainVersion.String(); v != "0.0.0" {
		metadata["toolchainVersion"] = v
	}
	return &pulumirpc.AboutResponse{Executable: about.PythonExecutable, Version: about.PythonVersion.String(), Metadata: metadata}, nil
}

// GenerateProgram prints Python with Pulumi's own generator (pkg/codegen/python), for `pulumi import`.
func (h *host) GenerateProgram(_ context.Context, req *pulumirpc.GenerateProgramRequest) (*pulumirpc.GenerateProgramResponse, error) {
	return langhost.GenerateProgram(req, python.GenerateProgram)
}

// GetProgramDependencies lists the distributions installed in the program's environment (`pulumi about`).
func (h *host) GetProgramDependencies(ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest) (*pulumirpc.GetProgramDependenciesResponse, error) {
	opts, tc, err := resolve(req.GetInfo())
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
