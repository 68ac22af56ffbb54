package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/pulumi-chaser/engine/internal/langhost"
)

// pluginEntries: the entry point of @pulumi/pulumi that runs a plugin written in Node.js, by kind of plugin. The
// engine asks the language host of a plugin's runtime to run it whenever that host is found, which is always the
// case next to our CLI: a policy pack (`pulumi preview --policy-pack DIR`, PulumiPolicy.yaml `runtime: nodejs`)
// reaches @pulumi/pulumi/cmd/run-policy-pack through here, as with the upstream host.
var pluginEntries = map[string]string{
	"analyzer": "run-policy-pack",
	"resource": "run-plugin",
}

// pluginLaunch computes the node command line for a RunPluginRequest: `node <entry> <args…> <plugin directory>`
// (the engine's address is among the args), in the plugin's directory, with the engine's extra environment.
func pluginLaunch(req *pulumirpc.RunPluginRequest, environ []string) (*launch, error) {
	name, ok := pluginEntries[req.GetKind()]
	if !ok {
		return nil, fmt.Errorf("pulumi-chaser's Node.js language host cannot run a plugin of kind %q", req.GetKind())
	}
	info := req.GetInfo()
	dir := langhost.ProgramDirectory(info, req.GetProgram())
	if dir == "" {
		dir = req.GetPwd()
	}
	opts, err := parseRuntimeOptions(info)
	if err != nil {
		return nil, err
	}
	entry, ok := findEntry(dir, name)
	if !ok {
		return nil, fmt.Errorf("could not find @pulumi/pulumi/cmd/%s in the node_modules of %s or of its parents: "+
			"install the plugin's dependencies (npm install in its directory or a parent)", name, dir)
	}
	args := append([]string{}, opts.nodeargs...)
	args = append(args, entry)
	args = append(args, req.GetArgs()...)
	args = append(args, dir)
	env := append(append([]string{}, environ...), req.GetEnv()...)
	return &launch{dir: dir, args: args, env: env}, nil
}

// RunPlugin runs a Node.js plugin, streaming its stdout (the port it serves on comes first) and stderr to the
// engine, then its exit code.
func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	if req.GetAttachDebugger() {
		return errors.New("pulumi-chaser's Node.js language host does not support --attach-debugger")
	}
	l, err := pluginLaunch(req, os.Environ())
	if err != nil {
		return err
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return errors.New("node was not found on PATH: install Node.js to run this plugin")
	}
	ctx, done := h.Begin(server.Context())
	defer done()
	cmd := langhost.Command(ctx, node, l.args...)
	cmd.Dir = l.dir
	cmd.Env = l.env
	cmd.Stdout, cmd.Stderr = langhost.RunPluginStreams(server)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("could not run node: %w", err)
	}
	code, err := langhost.ExitCode(cmd.Wait())
	if err != nil {
		return err
	}
	return server.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(code)}})
}
