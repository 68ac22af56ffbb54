package langhost

import (
	"io"
	"sync"

	"google.golang.org/grpc"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// streamWriter forwards what is written to it as messages of a gRPC stream.
type streamWriter struct {
	mu   *sync.Mutex // shared by the writers of one stream
	send func([]byte) error
}

func (w *streamWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	// A copy: the message may outlive the call (the caller reuses p).
	if err := w.send(append([]byte(nil), p...)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Streams are two writers, for a command's stdout and stderr, whose writes become messages of one gRPC stream
// (stdout and stderr make a message each). They send one at a time: exec.Cmd copies a command's stdout and stderr
// in two goroutines, and a stream's Send is not safe for concurrent use.
func Streams(stdout, stderr func([]byte) error) (io.Writer, io.Writer) {
	var mu sync.Mutex
	return &streamWriter{mu: &mu, send: stdout}, &streamWriter{mu: &mu, send: stderr}
}

// InstallStreams are the writers of InstallDependencies's output. When the engine's output is a terminal, one
// pseudo-terminal for both (rpcutil's, as upstream's hosts do: the tools then show their progress and colours);
// otherwise Streams. Close the closer once the commands are done: it flushes the pseudo-terminal.
func InstallStreams(
	srv grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse], terminal bool,
) (io.Closer, io.Writer, io.Writer, error) {
	if terminal {
		// One writer for both (the terminal's): one goroutine sends.
		return rpcutil.MakeInstallDependenciesStreams(srv, true)
	}
	stdout, stderr := Streams(
		func(b []byte) error { return srv.Send(&pulumirpc.InstallDependenciesResponse{Stdout: b}) },
		func(b []byte) error { return srv.Send(&pulumirpc.InstallDependenciesResponse{Stderr: b}) },
	)
	return io.NopCloser(nil), stdout, stderr, nil // nothing to close
}

// RunPluginStreams are the writers of RunPlugin's output: the plugin's stdout (the port it serves on comes first)
// and stderr, as Streams.
func RunPluginStreams(srv grpc.ServerStreamingServer[pulumirpc.RunPluginResponse]) (io.Writer, io.Writer) {
	return Streams(
		func(b []byte) error {
			return srv.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: b}})
		},
		func(b []byte) error {
			return srv.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: b}})
		},
	)
}
