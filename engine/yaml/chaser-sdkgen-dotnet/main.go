// chaser-sdkgen-dotnet generates the .NET SDK from schema.json with Pulumi's .NET code generator and prints the
// files as one JSON object (path → base64 content) on stdout. engine/tools/chaser-sdkgen runs it (-dotnet) after
// binding and validating the schema itself, and writes or checks the files like the other languages'.
//
// Why a program of its own: pkg/codegen/dotnet left github.com/pulumi/pulumi/pkg/v3 for
// github.com/pulumi/pulumi-dotnet/pulumi-language-dotnet/v3/codegen (removed from pkg/v3 after v3.224.0), and
// the Go module proxy does not serve that module. So it is built here, in the module that pins what
// pulumi-language-yaml v1.25.0 requires (pkg/v3 v3.206.0, which still has the .NET generator): the two share
// one build list and so one set of compiled packages.
package main

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/pulumi/pulumi/pkg/v3/codegen/dotnet"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// The .NET generator downloads the package's logo (schema `logoUrl`, else Pulumi's) into the SDK. Offline and
// reproducible instead: every HTTP request it makes is answered with this file, the package's logo.
//
//go:embed logo.png
var logo []byte

type logoOnly struct{}

func (logoOnly) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet || !strings.HasSuffix(req.URL.Path, ".png") {
		return nil, fmt.Errorf("chaser-sdkgen-dotnet fetches nothing: %s %s", req.Method, req.URL)
	}
	return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Header: http.Header{"Content-Type": {"image/png"}},
		Body: io.NopCloser(bytes.NewReader(logo)), ContentLength: int64(len(logo)), Request: req}, nil
}

func main() {
	http.DefaultTransport = logoOnly{}
	http.DefaultClient.Transport = logoOnly{}
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: chaser-sdkgen-dotnet schema.json")
		os.Exit(2)
	}
	err := func() error {
		raw, err := os.ReadFile(os.Args[1])
		if err != nil {
			return err
		}
		var spec schema.PackageSpec
		if err := json.Unmarshal(raw, &spec); err != nil {
			return err
		}
		pkg, err := schema.ImportSpec(spec, nil, schema.ValidationOptions{})
		if err != nil {
			return err
		}
		files, err := dotnet.GeneratePackage("chaser-sdkgen", pkg, nil, nil)
		if err != nil {
			return err
		}
		return json.NewEncoder(os.Stdout).Encode(files)
	}()
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaser-sdkgen-dotnet:", err)
		os.Exit(1)
	}
}
