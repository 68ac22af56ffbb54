// null-provider: a `chaser` provider plugin that does nothing, for bench/large-stack.js's "bound" variant. It
// answers every call at once (Check returns the inputs, Diff "no change", Create and Delete wait the API latency
// the benchmark gives in NULL_PROVIDER_LATENCY_MS, like the floor's trivial dynamic resource, and touch nothing).
// A Go server with no work to do: what the engine and the Node.js SDK cost for a stack of plugin resources with
// any provider, the line no implementation of the plugin can go below. Not shipped; built by the benchmark.
package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

type provider struct {
	pulumirpc.UnimplementedResourceProviderServer
	latency time.Duration
	next    atomic.Int64
}

func (p *provider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: os.Getenv("NULL_PROVIDER_VERSION")}, nil
}

func (p *provider) CheckConfig(_ context.Context, r *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: r.News}, nil
}

func (p *provider) DiffConfig(context.Context, *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

func (p *provider) Configure(context.Context, *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true}, nil
}

func (p *provider) Check(_ context.Context, r *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: r.News}, nil
}

func (p *provider) Diff(context.Context, *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

func (p *provider) Create(_ context.Context, r *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	if r.Preview {
		return &pulumirpc.CreateResponse{Properties: r.Properties}, nil
	}
	time.Sleep(p.latency)
	return &pulumirpc.CreateResponse{Id: "null-" + strconv.FormatInt(p.next.Add(1), 10), Properties: r.Properties}, nil
}

func (p *provider) Read(_ context.Context, r *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	return &pulumirpc.ReadResponse{Id: r.Id, Properties: r.Properties, Inputs: r.Inputs}, nil
}

func (p *provider) Update(_ context.Context, r *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	return &pulumirpc.UpdateResponse{Properties: r.News}, nil
}

func (p *provider) Delete(context.Context, *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	time.Sleep(p.latency)
	return &emptypb.Empty{}, nil
}

func (p *provider) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

func main() {
	ms, _ := strconv.Atoi(os.Getenv("NULL_PROVIDER_LATENCY_MS"))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	s := grpc.NewServer()
	pulumirpc.RegisterResourceProviderServer(s, &provider{latency: time.Duration(ms) * time.Millisecond})
	fmt.Println(l.Addr().(*net.TCPAddr).Port)
	if err := s.Serve(l); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
