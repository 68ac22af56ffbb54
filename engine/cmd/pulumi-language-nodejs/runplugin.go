package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// pluginEntries: the entry point of @pulumi/pulumi that runs a plugin written in Node.js, by kind of plugin. The
// engine asks the language host of a plugin's runtime to run it whenever that host is found, which is always the
// case next to our CLI: a policy pack (`pulumi preview --policy-pack DIR`, PulumiPolicy.yaml `runtime: nodejs`)
// reaches @pulumi/pulumi/cmd/run-policy-pack through here, as with the upstream host.
var pluginEntries = map[string]string{
	"analyzer": "run-policy-pack",
	"resource": "run-plugin",
}

// findEntry finds @pulumi/pulumi/cmd/<name> in the node_modules of dir or of one of its parents, as Node's own
// resolution would from there.
func findEntry(dir, name string) (string, error) {
	for d := dir; ; {
		entry := filepath.Join(d, "node_modules", "@pulumi", "pulumi", "cmd", name)
		if _, err := os.Stat(filepath.Join(entry, "index.js")); err == nil {
			return entry, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("could not find @pulumi/pulumi/cmd/%s in the node_modules of %s or of its parents: "+
				"install the plugin's dependencies (npm install in its directory or a parent)", name, dir)
		}
		d = parent
	}
}

// pluginLaunch computes the node command line for a RunPluginRequest: `node <entry> <args…> <plugin directory>`
// (the engine's address is among the args), in the plugin's directory, with the engine's extra environment.
func pluginLaunch(req *pulumirpc.RunPluginRequest, environ []string) (*launch, error) {
	name, ok := pluginEntries[req.GetKind()]
	if !ok {
		return nil, fmt.Errorf("pulumi-chaser's Node.js language host cannot run a plugin of kind %q", req.GetKind())
	}
	info := req.GetInfo()
	dir := programDirectory(info, req.GetProgram())
	if dir == "" {
		dir = req.GetPwd()
	}
	opts, err := parseRuntimeOptions(info)
	if err != nil {
		return nil, err
	}
	entry, err := findEntry(dir, name)
	if err != nil {
		return nil, err
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
	ctx, done := h.begin(server.Context())
	defer done()
	cmd := exec.CommandContext(ctx, node, l.args...)
	cmd.Dir = l.dir
	cmd.Env = l.env
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("could not run node: %w", err)
	}
	var mu sync.Mutex // a stream's Send is not safe for concurrent use
	send := func(r *pulumirpc.RunPluginResponse) {
		mu.Lock()
		defer mu.Unlock()
		_ = server.Send(r)
	}
	var wg sync.WaitGroup
	pump := func(r io.Reader, wrap func([]byte) *pulumirpc.RunPluginResponse) {
		defer wg.Done()
		buf := make([]byte, 32*1024)
		for {
			n, err := r.Read(buf)
			if n > 0 {
				send(wrap(append([]byte{}, buf[:n]...)))
			}
			if err != nil {
				return
			}
		}
	}
	wg.Add(2)
	go pump(stdout, func(b []byte) *pulumirpc.RunPluginResponse {
		return &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: b}}
	})
	go pump(stderr, func(b []byte) *pulumirpc.RunPluginResponse {
		return &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: b}}
	})
	wg.Wait()
	code := 0
	if err := cmd.Wait(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			return err
		}
		code = exit.ExitCode()
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = 128 + int(ws.Signal())
		}
	}
	send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(code)}})
	return nil
}
