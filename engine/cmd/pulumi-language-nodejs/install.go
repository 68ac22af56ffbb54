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

// InstallDependencies (`pulumi install`, `pulumi new`) runs the package manager's install in the program
// directory when it has a package.json but no node_modules yet; otherwise it says there is nothing to do.
func (h *host) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, srv grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	closer, stdout, stderr, err := langhost.InstallStreams(srv, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()

	dir := langhost.ProgramDirectory(req.GetInfo(), req.GetDirectory()) //nolint:staticcheck // older engines send only Directory
	opts, err := parseRuntimeOptions(req.GetInfo())
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(dir, "package.json")); err != nil {
		fmt.Fprintf(stdout, "%s has no package.json: no Node.js dependencies to install\n", dir)
		return closer.Close()
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules")); err == nil {
		fmt.Fprintf(stdout, "%s already has node_modules: nothing to install\n", dir)
		return closer.Close()
	}
	pm, err := exec.LookPath(opts.packageManager)
	if err != nil {
		return fmt.Errorf("%s was not found on PATH: it is needed to install the dependencies of %s", opts.packageManager, dir)
	}
	fmt.Fprintf(stdout, "Installing dependencies with %s install in %s\n", opts.packageManager, dir)
	ctx, done := h.Begin(srv.Context())
	defer done()
	cmd := langhost.Command(ctx, pm, "install")
	cmd.Dir = dir
	cmd.Stdout = stdout
	cmd.Stderr = stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s install in %s failed: %w", opts.packageManager, dir, err)
	}
	return closer.Close()
}
