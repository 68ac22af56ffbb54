package langhost

import (
	"fmt"
	"io"
	"os"

	"google.golang.org/grpc"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// An Install is the command that installs a program's dependencies (`go mod tidy`, `npm install`), run in the
// program directory.
type Install struct {
	Name string   // what it is, in messages: "go mod tidy", "npm install"
	Argv []string // the command, its executable looked up already
	Env  []string // added to the host's environment
}

// InstallWith answers InstallDependencies (`pulumi install`, `pulumi new`) for a host whose install is one command:
// plan says which for the program directory, or nil after saying on stdout why there is nothing to install. The
// command's output streams to the engine; it is killed when the call ends or the host stops.
func (b *Base) InstallWith(
	req *pulumirpc.InstallDependenciesRequest, srv grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
	plan func(dir string, stdout io.Writer) (*Install, error),
) error {
	closer, stdout, stderr, err := InstallStreams(srv, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()
	dir := ProgramDirectory(req.GetInfo(), req.GetDirectory()) //nolint:staticcheck // older engines send only Directory
	install, err := plan(dir, stdout)
	if err != nil || install == nil {
		return err
	}
	fmt.Fprintf(stdout, "Installing dependencies with %s in %s\n", install.Name, dir)
	ctx, done := b.Begin(srv.Context())
	defer done()
	cmd := Command(ctx, install.Argv[0], install.Argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), install.Env...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s in %s failed: %w", install.Name, dir, err)
	}
	fmt.Fprintln(stdout, "Finished installing dependencies")
	return closer.Close()
}
