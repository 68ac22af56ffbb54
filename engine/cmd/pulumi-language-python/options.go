package main

import (
	"fmt"
	"sort"
	"strings"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
)

// parseOptions reads the `runtime.options` of Pulumi.yaml that a Python project has:
//
//	toolchain    pip | poetry | uv (default: uv with a uv.lock, poetry with a poetry.lock, else pip)
//	virtualenv   the virtualenv directory, relative to the project root (pip and uv); without it, the Python
//	             on PATH runs the program
//	typechecker  mypy | pyright: run on the program directory before each run, a failure stops it
//
// Unknown options are ignored (the engine validates Pulumi.yaml against its own schema).
func parseOptions(info *pulumirpc.ProgramInfo) (toolchain.PythonOptions, error) {
	opts := toolchain.PythonOptions{
		Root:       info.GetRootDirectory(),
		ProgramDir: info.GetProgramDirectory(),
		Toolchain:  toolchain.Auto,
	}
	if opts.ProgramDir == "" {
		opts.ProgramDir = opts.Root
	}
	raw := info.GetOptions().AsMap()
	names := make([]string, 0, len(raw))
	for name := range raw {
		names = append(names, name)
	}
	sort.Strings(names) // the first problem reported is always the same one
	for _, name := range names {
		v := raw[name]
		s, isString := v.(string)
		switch name {
		case "toolchain":
			if !isString {
				return opts, fmt.Errorf("runtime option toolchain must be pip, poetry or uv, not %v", v)
			}
			switch strings.ToLower(s) {
			case "pip":
				opts.Toolchain = toolchain.Pip
			case "poetry":
				opts.Toolchain = toolchain.Poetry
			case "uv":
				opts.Toolchain = toolchain.Uv
			default:
				return opts, fmt.Errorf("runtime option toolchain must be pip, poetry or uv, not %q", s)
			}
		case "virtualenv":
			if !isString {
				return opts, fmt.Errorf("runtime option virtualenv must be a directory (a string), not %v", v)
			}
			opts.Virtualenv = s
		case "typechecker":
			if !isString {
				return opts, fmt.Errorf("runtime option typechecker must be mypy or pyright, not %v", v)
			}
			switch strings.ToLower(s) {
			case "mypy":
				opts.Typechecker = toolchain.TypeCheckerMypy
			case "pyright":
				opts.Typechecker = toolchain.TypeCheckerPyright
			case "", "none":
				opts.Typechecker = toolchain.TypeCheckerNone
			default:
				return opts, fmt.Errorf("runtime option typechecker must be mypy or pyright, not %q", s)
			}
		}
	}
	return opts, nil
}

// resolve is the program's options and the toolchain that runs it (its virtualenv's Python, poetry or uv).
func resolve(info *pulumirpc.ProgramInfo) (toolchain.PythonOptions, toolchain.Toolchain, error) {
	opts, err := parseOptions(info)
	if err != nil {
		return opts, nil, err
	}
	tc, err := toolchain.ResolveToolchain(opts)
	return opts, tc, err
}
