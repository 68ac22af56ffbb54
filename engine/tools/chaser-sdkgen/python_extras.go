package main

import (
	_ "embed"
	"fmt"
)

// pythonDebugFilter is a module added to the Python SDK (pulumi_chaser/_debug_filter.py) and imported by its
// __init__.py: the Python twin of sdk/debug-filter.ts (see the module's docstring).
//
//go:embed python_debug_filter.py
var pythonDebugFilter []byte

// withPythonDebugFilter adds the debug filter to the files of the generated Python SDK.
func withPythonDebugFilter(files map[string][]byte) (map[string][]byte, error) {
	const init = "pulumi_chaser/__init__.py"
	source, ok := files[init]
	if !ok {
		return nil, fmt.Errorf("the Python generator wrote no %s", init)
	}
	files["pulumi_chaser/_debug_filter.py"] = pythonDebugFilter
	files[init] = append(append([]byte{}, source...),
		"\n# pulumi 3.248 debug-logs a stack's outputs, secrets in plaintext: omitted (see _debug_filter.py).\nfrom . import _debug_filter as _debug_filter\n"...)
	return files, nil
}
