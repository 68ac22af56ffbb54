// Package langhost is what pulumi-chaser's language hosts (engine/cmd/pulumi-language-{nodejs,python,go}) share:
// the process the engine starts (Serve: its flags, the engine's address, the lifeline and the signals, the gRPC
// server and the port on stdout), the part of the LanguageRuntime service that is the same for every language
// (Base, which a host embeds), GenerateProgram over a language's generator, the writers that stream a command's
// output to the engine, and how a program run is started and how its end is told to the engine. A host keeps only
// what is its language's.
package langhost

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

// Version is the version a host reports (GetPluginInfo, About): the engine's it was built with.
func Version() string {
	if v := strings.TrimPrefix(version.Version, "v"); v != "" {
		return v
	}
	return pinnedVersion
}

// Runtime is a language host: the LanguageRuntime service of one language over an embedded Base.
type Runtime interface {
	pulumirpc.LanguageRuntimeServer
	base() *Base
}

// Serve is the main of the language host name. The engine starts it as
//
//	name [--logtostderr] [-v=N] [--tracing URL] ENGINE_ADDRESS
//
// and reads the port it serves on from the first line of its stdout. hostFlags (may be nil) adds the flags of this
// host only. Serve returns only when the gRPC server could not start or stopped: then the host exits 1.
func Serve(name string, h Runtime, hostFlags func(*flag.FlagSet)) {
	flags := flag.NewFlagSet(name, flag.ContinueOnError)
	// Logging flags the engine flows to its plugins; the hosts log nothing of their own, so they are accepted only.
	flags.Bool("logtostderr", false, "accepted for compatibility with the engine")
	flags.Bool("logflow", false, "accepted for compatibility with the engine")
	flags.Int("v", 0, "accepted for compatibility with the engine")
	flags.String("root", "", "accepted for compatibility with the engine")
	tracing := flags.String("tracing", "", "Zipkin-compatible tracing endpoint, passed on to the program where its SDK reads one")
	if hostFlags != nil {
		hostFlags(flags)
	}
	if err := flags.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}

	b := h.base()
	b.tracing = *tracing
	stopping, stop := context.WithCancel(context.Background())
	b.stopping = stopping
	// A host whose engine is gone (the CLI was killed) stops what it runs and exits; so does a host the engine
	// closes with a signal (lifeline.go).
	go lifeline(stop, b.Running)
	go onSignal(stop, b.Running)
	// The engine's address is the last positional argument (Handshake may also supply it).
	if args := flags.Args(); len(args) > 0 {
		b.SetEngineAddress(args[len(args)-1])
	}
	if err := serve(h); err != nil {
		fmt.Fprintf(os.Stderr, "fatal: %s %v\n", name, err)
		os.Exit(1)
	}
}

// serve serves h on a port of the loopback interface, says the port, and returns when the server stops.
func serve(h pulumirpc.LanguageRuntimeServer) error {
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, h)
			return nil
		},
		Options: rpcutil.OpenTracingServerInterceptorOptions(nil),
	})
	if err != nil {
		return fmt.Errorf("could not start its gRPC server: %w", err)
	}
	// Like every plugin: the port, alone on the first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		return fmt.Errorf("stopped serving: %w", err)
	}
	return nil
}
