// Command pulumi-language-go is pulumi-chaser's own Go language host for the Pulumi engine.
//
// The module of the upstream host (sdk/go/pulumi-language-go/v3) is not served by the module proxy this project
// can reach, so this binary implements the part of the LanguageRuntime gRPC protocol (sdk/v3/proto/go) that
// running Go programs needs, following the behaviour upstream documents: the engine starts it as
//
//	pulumi-language-go [--logtostderr] [-v=N] [--tracing URL] ENGINE_ADDRESS
//
// and reads the port it serves on from the first line of its stdout. Run builds the program with `go build` (or
// runs the `binary` runtime option) and runs it with the PULUMI_* environment that github.com/pulumi/pulumi/sdk/v3's
// pulumi.Run reads; GetRequiredPackages reads the pulumi-plugin.json of the modules the program requires;
// InstallDependencies is `go mod tidy`; GenerateProgram prints Go with Pulumi's own generator (pkg/codegen/go), for
// `pulumi import`. Everything else about a deployment is the real Pulumi code.
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
	flags := flag.NewFlagSet("pulumi-language-go", flag.ContinueOnError)
	// Logging flags the engine flows to its plugins; this host logs nothing of its own, so they are accepted only.
	flags.Bool("logtostderr", false, "accepted for compatibility with the engine")
	flags.Bool("logflow", false, "accepted for compatibility with the engine")
	flags.Int("v", 0, "accepted for compatibility with the engine")
	flags.String("root", "", "accepted for compatibility with the engine")
	// Older engines passed the runtime options as flags; they now come with each request (ProgramInfo.Options).
	flags.String("binary", "", "obsolete: the `binary` runtime option of Pulumi.yaml")
	flags.String("buildTarget", "", "obsolete: the `buildTarget` runtime option of Pulumi.yaml")
	flags.String("tracing", "", "accepted for compatibility with the engine (a Go program reads no tracing endpoint)")
	if err := flags.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}

	stopping, stop := context.WithCancel(context.Background())
	h := &host{stopping: stopping}
	// A host whose engine is gone (the CLI was killed) stops the build or program it runs and exits; so does a host
	// the engine closes with a signal (lifeline.go).
	go lifeline(stop, h.running)
	go onSignal(stop, h.running)
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
		fmt.Fprintf(os.Stderr, "fatal: pulumi-language-go could not start its gRPC server: %v\n", err)
		os.Exit(1)
	}
	// Like every plugin: the port, alone on the first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "fatal: pulumi-language-go stopped serving: %v\n", err)
		os.Exit(1)
	}
}
