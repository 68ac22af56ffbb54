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

// InstallDependencies (`pulumi install`, `pulumi new`) runs `go mod tidy` in the program directory, which adds the
// modules the program imports to go.mod and go.sum and downloads them; its output streams to the engine.
func (h *host) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, srv grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	var mu sync.Mutex // one gRPC stream: stdout and stderr never send at the same time
	stdout := &streamWriter{mu: &mu, send: func(b []byte) error { return srv.Send(&pulumirpc.InstallDependenciesResponse{Stdout: b}) }}
	stderr := &streamWriter{mu: &mu, send: func(b []byte) error { return srv.Send(&pulumirpc.InstallDependenciesResponse{Stderr: b}) }}

	dir := programDirectory(req.GetInfo(), req.GetDirectory()) //nolint:staticcheck // older engines send only Directory
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		fmt.Fprintf(stdout, "%s has no go.mod: no Go dependencies to install\n", dir)
		return nil
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("go was not found on PATH: it is needed to install the dependencies of %s (https://go.dev/dl)", dir)
	}
	fmt.Fprintf(stdout, "Installing dependencies with go mod tidy in %s\n", dir)
	ctx, done := h.begin(srv.Context())
	defer done()
	// -compat=1.18, as upstream: go.sum keeps what a Go 1.18 toolchain would check too.
	cmd := command(ctx, gobin, "mod", "tidy", "-compat=1.18")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off")
	cmd.Stdout = stdout
	cmd.Stderr = stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go mod tidy in %s failed: %w", dir, err)
	}
	fmt.Fprintln(stdout, "Finished installing dependencies")
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
