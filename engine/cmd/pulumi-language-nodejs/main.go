// Command pulumi-language-nodejs is pulumi-chaser's own, minimal Node.js language host for the Pulumi engine.
//
// The Go module of the upstream host is refused by the module proxy this project can reach, so this binary
// implements the part of the LanguageRuntime gRPC protocol (sdk/v3/proto/go) that running Node.js and
// TypeScript programs needs. The engine starts it as
//
//	pulumi-language-nodejs [--logtostderr] [-v=N] [--tracing URL] ENGINE_ADDRESS
//
// and reads the port it serves on from the first line of its stdout (engine/internal/langhost, shared with the
// other hosts). Run then starts `node <program>/node_modules/@pulumi/pulumi/cmd/run` with the flags and
// environment variables that entry point reads; everything else about a deployment (engine, state, secrets, diffs,
// the dynamic-provider plugin) is the real Pulumi code. What is not needed by
// `pulumi preview|up|refresh|destroy|about|install` answers Unimplemented.
package main

import "github.com/pulumi-chaser/engine/internal/langhost"

func main() {
	langhost.Serve("pulumi-language-nodejs", &host{}, nil)
}
