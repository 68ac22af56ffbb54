// Command pulumi-language-python is pulumi-chaser's own Python language host for the Pulumi engine.
//
// The Go module of the upstream host is refused by the module proxy this project can reach (as the Node.js one
// is), so this binary implements the part of the LanguageRuntime gRPC protocol (sdk/v3/proto/go) that running
// Python programs needs, with the library pieces sdk/v3 does publish: the Python toolchains (pip, poetry, uv:
// sdk/v3/python/toolchain) and Pulumi's Python code generator (pkg/v3/codegen/python). The engine starts it as
//
//	pulumi-language-python [--logtostderr] [-v=N] [--tracing URL] ENGINE_ADDRESS
//
// and reads the port it serves on from the first line of its stdout (engine/internal/langhost, shared with the
// other hosts). Run starts our own exec script (exec.py,
// embedded) with the project's Python (its virtualenv's when Pulumi.yaml names one); the script hands the
// program to the real `pulumi` SDK from PyPI. Everything else about a deployment (engine, state, secrets,
// providers) is the real Pulumi code.
package main

import "github.com/pulumi-chaser/engine/internal/langhost"

func main() {
	langhost.Serve("pulumi-language-python", &host{}, nil)
}
