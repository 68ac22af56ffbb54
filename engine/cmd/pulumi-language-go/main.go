// Command pulumi-language-go is pulumi-chaser's own Go language host for the Pulumi engine.
//
// The module of the upstream host (sdk/go/pulumi-language-go/v3) is not served by the module proxy this project
// can reach, so this binary implements the part of the LanguageRuntime gRPC protocol (sdk/v3/proto/go) that
// running Go programs needs, following the behaviour upstream documents: the engine starts it as
//
//	pulumi-language-go [--logtostderr] [-v=N] [--tracing URL] ENGINE_ADDRESS
//
// and reads the port it serves on from the first line of its stdout (engine/internal/langhost, shared with the other
// hosts). Run builds the program with `go build` (or
// runs the `binary` runtime option) and runs it with the PULUMI_* environment that github.com/pulumi/pulumi/sdk/v3's
// pulumi.Run reads; GetRequiredPackages reads the pulumi-plugin.json of the modules the program requires;
// InstallDependencies is `go mod tidy`; GenerateProgram prints Go with Pulumi's own generator (pkg/codegen/go), for
// `pulumi import`. Everything else about a deployment is the real Pulumi code.
package main

import (
	"flag"

	"github.com/pulumi-chaser/engine/internal/langhost"
)

func main() {
	langhost.Serve("pulumi-language-go", &host{}, func(flags *flag.FlagSet) {
		// Older engines passed the runtime options as flags; they now come with each request (ProgramInfo.Options).
		flags.String("binary", "", "obsolete: the `binary` runtime option of Pulumi.yaml")
		flags.String("buildTarget", "", "obsolete: the `buildTarget` runtime option of Pulumi.yaml")
	})
}
