package main

import (
	"strings"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"

	"github.com/pulumi-chaser/engine/internal/hosttest"
)

func TestParseOptions(t *testing.T) {
	info := &pulumirpc.ProgramInfo{RootDirectory: "/p", ProgramDirectory: "/p/src",
		Options: hosttest.Options(t, map[string]any{"toolchain": "pip", "virtualenv": "venv", "typechecker": "pyright", "other": 1.0})}
	opts, err := parseOptions(info)
	if err != nil {
		t.Fatal(err)
	}
	want := toolchain.PythonOptions{Root: "/p", ProgramDir: "/p/src", Virtualenv: "venv", Toolchain: toolchain.Pip, Typechecker: toolchain.TypeCheckerPyright}
	if opts != want {
		t.Errorf("got %+v, want %+v", opts, want)
	}

	// No options: the toolchain is detected (uv.lock, poetry.lock, else pip), the Python on PATH runs the program.
	opts, err = parseOptions(&pulumirpc.ProgramInfo{RootDirectory: "/p"})
	if err != nil {
		t.Fatal(err)
	}
	if want := (toolchain.PythonOptions{Root: "/p", ProgramDir: "/p", Toolchain: toolchain.Auto}); opts != want {
		t.Errorf("defaults: got %+v, want %+v", opts, want)
	}
	for _, tc := range []struct {
		name string
		want toolchain.PythonOptions
	}{{"poetry", toolchain.PythonOptions{Toolchain: toolchain.Poetry}}, {"UV", toolchain.PythonOptions{Toolchain: toolchain.Uv}}} {
		got, err := parseOptions(&pulumirpc.ProgramInfo{Options: hosttest.Options(t, map[string]any{"toolchain": tc.name})})
		if err != nil || got != tc.want {
			t.Errorf("toolchain %s: got %+v, %v", tc.name, got, err)
		}
	}
}

func TestParseOptionsRefusesWhatItCannotUse(t *testing.T) {
	for bad, message := range map[string]map[string]any{
		"toolchain must be pip, poetry or uv":          {"toolchain": "conda"},
		"virtualenv must be a directory":               {"virtualenv": true},
		"typechecker must be mypy or pyright, not \"x": {"typechecker": "x"},
	} {
		_, err := parseOptions(&pulumirpc.ProgramInfo{Options: hosttest.Options(t, message)})
		if err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("options %v: err = %v, want it to say %q", message, err, bad)
		}
	}
}
