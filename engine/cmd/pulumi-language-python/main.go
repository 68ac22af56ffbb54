// Command pulumi-language-python is pulumi-chaser's own Python language host for the Pulumi engine.
//
// The Go module of the upstream host is refused by the module proxy this project can reach (as the Node.js one
// is), so this binary implements the part of the LanguageRuntime gRPC protocol (sdk/v3/proto/go) that running
// Python programs needs, with the library pieces sdk/v3 does publish: the Python toolchains (pip, poetry, uv:
// sdk/v3/python/toolchain) and Pulumi's Python code generator (pkg/v3/codegen/python). The engine starts it as
//
//	pulumi-language-python [--logtostderr] [-v=N] [--tracing URL] ENGINE_ADDRESS
//
// and reads the port it serves on from the first line of its stdout. Run starts our own exec script (exec.py,
// embedded) with the project's Python (its virtualenv's when Pulumi.yaml names one); the script hands the
// program to the real `pulumi` SDK from PyPI. Everything else about a deployment (engine, state, secrets,
// providers) is the real Pulumi code.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"google.golang.org/grpc"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// pinnedVersion is reported when the binary was built without the release stamp
// (-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v3.248.0); engine/build.sh always stamps it.
const pinnedVersion = "3.248.0"

func pluginVersion() string {
	if v := strings.TrimPrefix(version.Version, "v"); v != "" {
		return v
	}
	return pinnedVersion
}

func main() {
	flags := flag.NewFlagSet("pulumi-language-python", flag.ContinueOnError)
	// Logging flags the engine flows to its plugins; this host logs nothing of its own, so they are accepted only.
	flags.Bool("logtostderr", false, "accepted for compatibility with the engine")
	flags.Bool("logflow", false, "accepted for compatibility with the engine")
	flags.Int("v", 0, "accepted for compatibility with the engine")
	flags.String("root", "", "accepted for compatibility with the engine")
	tracing := flags.String("tracing", "", "Zipkin-compatible tracing endpoint, passed on to the Python program")
	if err := flags.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}

	stopping, stop := context.WithCancel(context.Background())
	h := &host{tracing: *tracing, stopping: stopping}
	// A host whose engine is gone (the CLI was killed) stops its programs and exits (lifeline.go).
	go lifeline(stop, h.running)
	// The engine's address is the last positional argument (Handshake may also supply it).
	if args := flags.Args(); len(args) > 0 {
		h.setEngineAddress(args[len(args)-1])
	}

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, h)
			return nil
		},
		Options: rpcutil.OpenTracingServerInterceptorOptions(nil),
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "fatal: pulumi-language-python could not start its gRPC server: %v\n", err)
		os.Exit(1)
	}
	// Like every plugin: the port, alone on the first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "fatal: pulumi-language-python stopped serving: %v\n", err)
		os.Exit(1)
	}
}
