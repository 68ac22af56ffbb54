package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"

	"google.golang.org/grpc"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// InstallDependencies (`pulumi install`, `pulumi new`) runs the package manager's install in the program
// directory when it has a package.json but no node_modules yet; otherwise it says there is nothing to do.
func (h *host) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, srv grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	var mu sync.Mutex // one gRPC stream: stdout and stderr never send at the same time
	stdout := &streamWriter{mu: &mu, send: func(b []byte) error { return srv.Send(&pulumirpc.InstallDependenciesResponse{Stdout: b}) }}
	stderr := &streamWriter{mu: &mu, send: func(b []byte) error { return srv.Send(&pulumirpc.InstallDependenciesResponse{Stderr: b}) }}

	dir := programDirectory(req.GetInfo(), req.GetDirectory()) //nolint:staticcheck // older engines send only Directory
	opts, err := parseRuntimeOptions(req.GetInfo())
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(dir, "package.json")); err != nil {
		fmt.Fprintf(stdout, "%s has no package.json: no Node.js dependencies to install\n", dir)
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules")); err == nil {
		fmt.Fprintf(stdout, "%s already has node_modules: nothing to install\n", dir)
		return nil
	}
	pm, err := exec.LookPath(opts.packageManager)
	if err != nil {
		return fmt.Errorf("%s was not found on PATH: it is needed to install the dependencies of %s", opts.packageManager, dir)
	}
	fmt.Fprintf(stdout, "Installing dependencies with %s install in %s\n", opts.packageManager, dir)
	cmd := exec.CommandContext(srv.Context(), pm, "install")
	cmd.Dir = dir
	cmd.Stdout = stdout
	cmd.Stderr = stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s install in %s failed: %w", opts.packageManager, dir, err)
	}
	return nil
}

// streamWriter forwards what is written to it as messages of a gRPC stream.
type streamWriter struct {
	mu   *sync.Mutex
	send func([]byte) error
}

var _ io.Writer = (*streamWriter)(nil)

func (w *streamWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.send(append([]byte(nil), p...)); err != nil {
		return 0, err
	}
	return len(p), nil
}
