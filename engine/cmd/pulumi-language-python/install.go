package main

import (
	"fmt"

	"google.golang.org/grpc"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"

	"github.com/pulumi-chaser/engine/internal/langhost"
)

// InstallDependencies (`pulumi install`, `pulumi new`) installs the program's requirements with its toolchain,
// its output streamed to the engine as it comes: with pip and a virtualenv, `python3 -m venv <virtualenv>`,
// `pip install --upgrade pip setuptools wheel`, then `pip install -r requirements.txt` in the program directory
// (without a virtualenv, into the Python on PATH); poetry and uv install from their own project files.
func (h *host) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, srv grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	info := req.GetInfo()
	if info == nil { // older engines send only the directory
		info = &pulumirpc.ProgramInfo{RootDirectory: req.GetDirectory(), ProgramDirectory: req.GetDirectory()} //nolint:staticcheck
	}
	opts, err := parseOptions(info)
	if err != nil {
		return err
	}
	// A plugin written in Python always gets a virtualenv of its own (never the Python on PATH).
	if req.GetIsPlugin() && opts.Toolchain != toolchain.Poetry && opts.Virtualenv == "" {
		opts.Virtualenv = "venv"
	}
	closer, stdout, stderr, err := langhost.InstallStreams(srv, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()

	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Installing the Python dependencies of %s (toolchain %s)\n", opts.ProgramDir, toolchain.Name(opts.Toolchain))
	// Cancelled when the host stops (the engine is gone or closes it): pip is killed with it.
	ctx, done := h.Begin(srv.Context())
	defer done()
	if err := tc.InstallDependencies(ctx, opts.ProgramDir, req.GetUseLanguageVersionTools(), true, stdout, stderr); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Finished installing the Python dependencies\n")
	return closer.Close()
}
