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

	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/pulumi-chaser/engine/internal/langhost"
)

// host is the LanguageRuntime service for Go programs: what is Go's, over what every host has
// (langhost.Base).
type host struct {
	langhost.Base
}

// About reports the go executable and its version (`pulumi about`).
func (h *host) About(ctx context.Context, _ *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	return langhost.AboutExecutable(ctx, "go", []string{"env", "GOVERSION"}, "go")
}

// GenerateProgram prints Go with Pulumi's own generator (pkg/codegen/go), for `pulumi import`.
func (h *host) GenerateProgram(_ context.Context, req *pulumirpc.GenerateProgramRequest) (*pulumirpc.GenerateProgramResponse, error) {
	return langhost.GenerateProgram(req, gogen.GenerateProgram)
}

// InstallDependencies (`pulumi install`, `pulumi new`) runs `go mod tidy` in the program directory, which adds the
// modules the program imports to go.mod and go.sum and downloads them; its output streams to the engine.
func (h *host) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, srv grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	return h.InstallWith(req, srv, func(dir string, stdout io.Writer) (*langhost.Install, error) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
			fmt.Fprintf(stdout, "%s has no go.mod: no Go dependencies to install\n", dir)
			return nil, nil
		}
		gobin, err := exec.LookPath("go")
		if err != nil {
			return nil, fmt.Errorf("go was not found on PATH: it is needed to install the dependencies of %s (https://go.dev/dl)", dir)
		}
		// -compat=1.18, as upstream: go.sum keeps what a Go 1.18 toolchain would check too.
		return &langhost.Install{Name: "go mod tidy", Argv: []string{gobin, "mod", "tidy", "-compat=1.18"}, Env: []string{"GOWORK=off"}}, nil
	})
}

// GetProgramDependencies lists the modules go.mod requires (the indirect ones only when asked for transitive
// dependencies), with the version go.mod names.
func (h *host) GetProgramDependencies(ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest) (*pulumirpc.GetProgramDependenciesResponse, error) {
	dir := langhost.ProgramDirectory(req.GetInfo(), req.GetPwd())
	mod, err := readGoMod(ctx, dir)
	if err != nil {
		return nil, err
	}
	var deps []*pulumirpc.DependencyInfo
	for _, r := range mod.Require {
		if r.Indirect && !req.GetTransitiveDependencies() {
			continue
		}
		deps = append(deps, &pulumirpc.DependencyInfo{Name: r.Path, Version: r.Version})
	}
	sort.Slice(deps, func(i, j int) bool { return deps[i].Name < deps[j].Name })
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}

// goMod is what `go mod edit -json` says of a go.mod (the part this host reads).
type goMod struct {
	Module  struct{ Path string }
	Require []struct {
		Path     string
		Version  string
		Indirect bool
	}
}

// readGoMod reads the go.mod of the program in dir with `go mod edit -json` (the go command parses it; GOWORK is
// off so a go.work above the program changes nothing).
func readGoMod(ctx context.Context, dir string) (*goMod, error) {
	out, err := goOutput(ctx, dir, "mod", "edit", "-json")
	if err != nil {
		return nil, err
	}
	var mod goMod
	if err := json.Unmarshal(out, &mod); err != nil {
		return nil, fmt.Errorf("reading the go.mod of %s (go mod edit -json): %w", dir, err)
	}
	return &mod, nil
}

// goOutput runs `go ARGS` in dir (GOWORK=off) and returns its stdout; its stderr is in the error.
func goOutput(ctx context.Context, dir string, args ...string) ([]byte, error) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		return nil, fmt.Errorf("go was not found on PATH: install Go to run this program (https://go.dev/dl)")
	}
	cmd := exec.CommandContext(ctx, gobin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go %s in %s: %w\n%s", strings.Join(args, " "), dir, err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// runtimeOptions are the `runtime.options` of Pulumi.yaml a Go project may set.
type runtimeOptions struct {
	binary      string // `binary`: a program already built, run as it is (relative to the program directory)
	buildTarget string // `buildTarget`: where `go build` puts the program, kept after the run (relative likewise)
}

func parseRuntimeOptions(info *pulumirpc.ProgramInfo) (runtimeOptions, error) {
	var opts runtimeOptions
	for name, v := range info.GetOptions().AsMap() {
		switch name {
		case "binary", "buildTarget":
			s, ok := v.(string)
			if !ok {
				return opts, fmt.Errorf("runtime option %s must be a string, not %v", name, v)
			}
			if name == "binary" {
				opts.binary = s
			} else {
				opts.buildTarget = s
			}
		}
		// Unknown options are ignored, as the engine validates Pulumi.yaml against its own schema.
	}
	if opts.binary != "" && opts.buildTarget != "" {
		return opts, fmt.Errorf("runtime options binary and buildTarget cannot both be set: binary is a program " +
			"already built, buildTarget where to build it")
	}
	return opts, nil
}
