// chaser-sdkgen reads schema.json, binds it with Pulumi's own schema package (validating it against the Pulumi
// package metaschema: any diagnostic fails), and generates the Python and Go SDKs with Pulumi's code generators
// (pkg/codegen/python, pkg/codegen/go) of the pinned engine version.
//
// Usage:
//
//	chaser-sdkgen -schema schema.json [-out sdk] [-lang python,go] [-check]
//
// Every generated directory (<out>/python, <out>/go) is replaced whole. With -check nothing is written: it exits 1
// listing the files that differ from (or are missing in, or extra in) <out>, so the committed SDKs cannot go stale.
// With -lang none it only binds (validates) the schema.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/blang/semver"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

const tool = "chaser-sdkgen"

// noLoader: the chaser schema references no other package; any attempt to load one is an error.
type noLoader struct{}

func (noLoader) LoadPackage(pkg string, _ *semver.Version) (*schema.Package, error) {
	return nil, fmt.Errorf("schema.json references package %q: the chaser schema must be self-contained", pkg)
}
func (l noLoader) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return l.LoadPackage(d.Name, nil)
}
func (l noLoader) LoadPackageReference(pkg string, v *semver.Version) (schema.PackageReference, error) {
	_, err := l.LoadPackage(pkg, v)
	return nil, err
}
func (l noLoader) LoadPackageReferenceV2(_ context.Context, d *schema.PackageDescriptor) (schema.PackageReference, error) {
	_, err := l.LoadPackage(d.Name, nil)
	return nil, err
}

// bind validates and binds the spec; warnings count as failures too (the schema must bind cleanly).
func bind(path string) (*schema.Package, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var spec schema.PackageSpec
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&spec); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	pkg, diags, err := schema.BindSpec(spec, noLoader{}, schema.ValidationOptions{})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(diags) > 0 {
		var b strings.Builder
		for _, d := range diags {
			fmt.Fprintf(&b, "\n  %s", d.Error())
		}
		return nil, fmt.Errorf("%s does not bind cleanly against Pulumi's metaschema:%s", path, b.String())
	}
	return pkg, nil
}

func generate(lang string, pkg *schema.Package, schemaPath, dotnetGen string) (map[string][]byte, error) {
	switch lang {
	case "python":
		files, err := python.GeneratePackage(tool, pkg, nil, noLoader{})
		if err != nil {
			return nil, err
		}
		return withPythonDebugFilter(files)
	case "go":
		// Files under chaser/ (the import base path's last element); sdk/go/go.mod, kept by hand, is the module.
		return gogen.GeneratePackage(tool, pkg, nil)
	case "dotnet":
		if dotnetGen == "" {
			return nil, errors.New("-dotnet (the path of chaser-sdkgen-dotnet) is needed for the .NET SDK")
		}
		var stdout, stderr bytes.Buffer
		cmd := exec.Command(dotnetGen, schemaPath)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("%s: %w\n%s", dotnetGen, err, stderr.String())
		}
		var files map[string][]byte
		if err := json.Unmarshal(stdout.Bytes(), &files); err != nil {
			return nil, fmt.Errorf("%s: %w", dotnetGen, err)
		}
		return files, nil
	}
	return nil, fmt.Errorf("unknown language %q (python, go, dotnet)", lang)
}

// existing lists the files under dir (relative, slash-separated), skipping the hand-kept ones.
func existing(dir string, keep map[string]bool) (map[string][]byte, error) {
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if d.Name() == "__pycache__" || d.Name() == "bin" || d.Name() == "obj" {
				return fs.SkipDir
			}
			return nil
		}
		if keep[rel] {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out[rel] = b
		return nil
	})
	return out, err
}

// Files kept by hand beside the generated ones, per language (never written nor compared).
var handKept = map[string]map[string]bool{
	"go":     {"go.mod": true, "go.sum": true, "README.md": true},
	"python": {"README.md": true},
	"dotnet": {},
}

func main() {
	schemaPath := flag.String("schema", "schema.json", "the package schema")
	out := flag.String("out", "sdk", "the directory that holds <lang>/ for each language")
	langs := flag.String("lang", "python,go,dotnet", "languages to generate (comma-separated), or none")
	dotnetGen := flag.String("dotnet", "", "the chaser-sdkgen-dotnet executable (for -lang dotnet)")
	check := flag.Bool("check", false, "write nothing; fail when the SDKs under -out differ from what would be generated")
	flag.Parse()

	pkg, err := bind(*schemaPath)
	failOn(err)
	if *langs == "none" {
		fmt.Fprintf(os.Stderr, "%s: %s binds cleanly (%d resources, %d functions)\n", tool, *schemaPath, len(pkg.Resources), len(pkg.Functions))
		return
	}
	stale := []string{}
	for i, lang := range strings.Split(*langs, ",") {
		// Each generator gets a package bound afresh: they change the bound package as they go (the Python
		// generator renames every enum element to its own UPPER_CASE spelling, which the Go generator then used:
		// Scope_SESSIONS_READ for ScopeSessionsRead).
		if i > 0 {
			pkg, err = bind(*schemaPath)
			failOn(err)
		}
		files, err := generate(lang, pkg, *schemaPath, *dotnetGen)
		if err != nil {
			failOn(fmt.Errorf("%s: %w", lang, err))
		}
		dir := filepath.Join(*out, lang)
		have, err := existing(dir, handKept[lang])
		failOn(err)
		if *check {
			stale = append(stale, differences(dir, files, have)...)
			continue
		}
		failOn(write(dir, files, have))
		fmt.Fprintf(os.Stderr, "%s: %s SDK: %d files in %s\n", tool, lang, len(files), dir)
	}
	if len(stale) > 0 {
		sort.Strings(stale)
		fmt.Fprintf(os.Stderr, "%s: the committed SDKs are stale (run `make sdks`):\n  %s\n", tool, strings.Join(stale, "\n  "))
		os.Exit(1)
	}
}

// failOn ends the tool with err, if any.
func failOn(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, tool+":", err)
		os.Exit(1)
	}
}

// differences are the files of dir that are not what was generated (files): each path with why.
func differences(dir string, files, have map[string][]byte) []string {
	var stale []string
	for name, b := range files {
		if h, ok := have[name]; !ok {
			stale = append(stale, filepath.Join(dir, name)+" (missing)")
		} else if !bytes.Equal(h, b) {
			stale = append(stale, filepath.Join(dir, name)+" (differs)")
		}
	}
	for name := range have {
		if _, ok := files[name]; !ok {
			stale = append(stale, filepath.Join(dir, name)+" (not generated)")
		}
	}
	return stale
}

// write makes dir hold files: what it has (have) and was not generated is removed, the rest written.
func write(dir string, files, have map[string][]byte) error {
	for name := range have {
		if _, ok := files[name]; !ok {
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				return err
			}
		}
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, files[name], 0o644); err != nil {
			return err
		}
	}
	return nil
}
