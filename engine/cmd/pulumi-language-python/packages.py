"""Lists the distributions installed in this Python environment, with each one's pulumi-plugin.json (or null), as a
JSON list on stdout: [{"name": ..., "version": ..., "plugin": {...} | null}, ...]. Run by pulumi-chaser's Python
language host (engine/cmd/pulumi-language-python, packages.go) with the program's Python, for GetRequiredPackages.

A distribution's module is its name with '-' read as '_' (pulumi-aws: pulumi_aws), as Pulumi's SDK generators name
them; its pulumi-plugin.json sits in the module's package directory. Modules are located, never imported."""

import importlib.metadata
import importlib.util
import json
import os
import sys


def plugin_json(dist_name):
    module = dist_name.replace("-", "_")
    if not module.isidentifier():  # a dotted or odd name: not a Pulumi SDK
        return None
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = os.path.join(folder, "pulumi-plugin.json")
        if os.path.isfile(path):
            try:
                with open(path, encoding="utf-8") as f:
                    return json.load(f)
            except (OSError, ValueError) as e:
                print(f"warning: {path} is not readable JSON: {e}", file=sys.stderr)
                return None
    return None


seen = set()
found = []
for dist in importlib.metadata.distributions():
    name = dist.metadata["Name"]
    if not name or name.lower() in seen:
        continue
    seen.add(name.lower())
    found.append({"name": name, "version": dist.version, "plugin": plugin_json(name)})
json.dump(found, sys.stdout)
