package langhost

import (
	"context"
	"os/exec"
	"strings"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// Base is the part of the LanguageRuntime service every host has: the engine's address, the --tracing endpoint, the
// registry of what runs (so that the host stops it when it stops), Handshake, GetPluginInfo and
// RuntimeOptionsPrompts. A host embeds it (its zero value is ready; Serve fills it in). The embedded Unimplemented
// server answers codes.Unimplemented for everything neither Base nor the host defines (Template, Pack, Link,
// GenerateProject, GeneratePackage, Cancel, …).
type Base struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	tracing string

	mu            sync.Mutex
	engineAddress string

	// stopping ends when the host stops (lifeline.go): everything begun is cancelled with it.
	stopping context.Context
	active   int
}

func (b *Base) base() *Base { return b }

// Begin registers a running build, program or install; its context also ends when the host stops. done ends it.
func (b *Base) Begin(ctx context.Context) (_ context.Context, done func()) {
	b.mu.Lock()
	b.active++
	b.mu.Unlock()
	ctx, cancel := context.WithCancel(ctx)
	unhook := func() bool { return false }
	if b.stopping != nil {
		unhook = context.AfterFunc(b.stopping, cancel)
	}
	return ctx, func() {
		unhook()
		cancel()
		b.mu.Lock()
		b.active--
		b.mu.Unlock()
	}
}

// Running reports whether something begun is still running.
func (b *Base) Running() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.active > 0
}

// SetEngineAddress records the engine's address (the host's last argument, or Handshake's).
func (b *Base) SetEngineAddress(addr string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.engineAddress = addr
}

// EngineAddress is the engine's address, which a program's SDK is given to log through the engine.
func (b *Base) EngineAddress() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.engineAddress
}

// Tracing is the --tracing endpoint the engine passed ("" without).
func (b *Base) Tracing() string { return b.tracing }

// Handshake is only called when the engine attaches to an already running host (PULUMI_DEBUG_LANGUAGES).
func (b *Base) Handshake(_ context.Context, req *pulumirpc.LanguageHandshakeRequest) (*pulumirpc.LanguageHandshakeResponse, error) {
	if addr := req.GetEngineAddress(); addr != "" {
		b.SetEngineAddress(addr)
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (b *Base) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: Version()}, nil
}

// RuntimeOptionsPrompts asks nothing (`pulumi new` keeps the template's runtime options).
func (b *Base) RuntimeOptionsPrompts(context.Context, *pulumirpc.RuntimeOptionsRequest) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

// AboutExecutable answers About (`pulumi about`) for a language that is one executable on PATH: its path and the
// version it prints when run with versionArgs, less prefix ("v" of node's v20.1.0).
func AboutExecutable(ctx context.Context, executable string, versionArgs []string, prefix string) (*pulumirpc.AboutResponse, error) {
	path, err := exec.LookPath(executable)
	if err != nil {
		return nil, status.Errorf(codes.FailedPrecondition, "%s was not found on PATH", executable)
	}
	out, err := exec.CommandContext(ctx, path, versionArgs...).Output()
	if err != nil {
		return nil, status.Errorf(codes.Internal, "running %s %s: %v", path, strings.Join(versionArgs, " "), err)
	}
	return &pulumirpc.AboutResponse{
		Executable: path,
		Version:    strings.TrimPrefix(strings.TrimSpace(string(out)), prefix),
		Metadata:   map[string]string{"languageHost": "pulumi-chaser " + Version()},
	}, nil
}
