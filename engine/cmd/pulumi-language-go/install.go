package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"google.golang.org/grpc"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/pulumi-chaser/engine/internal/langhost"
)

// InstallDependencies (`pulumi install`, `pulumi new`) runs `go mod tidy` in the program directory, which adds the
// modules the program imports to go.mod and go.sum and downloads them; its output streams to the engine.
func (h *host) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, srv grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	closer, stdout, stderr, err := langhost.InstallStreams(srv, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()

	dir := langhost.ProgramDirectory(req.GetInfo(), req.GetDirectory()) //nolint:staticcheck // older engines send only Directory
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		fmt.Fprintf(stdout, "%s has no go.mod: no Go dependencies to install\n", dir)
		return closer.Close()
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("go was not found on PATH: it is needed to install the dependencies of %s (https://go.dev/dl)", dir)
	}
	fmt.Fprintf(stdout, "Installing dependencies with go mod tidy in %s\n", dir)
	ctx, done := h.Begin(srv.Context())
	defer done()
	// -compat=1.18, as upstream: go.sum keeps what a Go 1.18 toolchain would check too.
	cmd := langhost.Command(ctx, gobin, "mod", "tidy", "-compat=1.18")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off")
	cmd.Stdout = stdout
	cmd.Stderr = stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go mod tidy in %s failed: %w", dir, err)
	}
	fmt.Fprintln(stdout, "Finished installing dependencies")
	return closer.Close()
}
