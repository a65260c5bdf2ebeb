// Command gen-sdk writes the lttle SDKs with Pulumi's own code generators
// (pkg/v3/codegen, the ones `pulumi package gen-sdk` runs inside the
// language hosts; the hosts built here are too old to have them).
//
//	gen-sdk SCHEMA OUTDIR nodejs|python|go...
//
// writes OUTDIR/<language>/... The schema references no other package, so
// no plugin is ever loaded.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/blang/semver"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

const tool = "lttle-gen-sdk"

// The static `exists` method calls pulumi.runtime.existsResource, new in
// @pulumi/pulumi 3.269, whose engines field wants Node >= 22; this project
// runs Node 20 and @pulumi/pulumi 3.248. Everything else the generator
// writes compiles and runs against 3.248, so that one method is left out.
var existsMethod = regexp.MustCompile(`(?s)    /\*\*\n     \* Check whether an existing \w+ resource with the given ID exists\..*?\n    }\n\n`)

// noPlugins refuses every package reference: lttle's schema has none.
type noPlugins struct{}

var errNoPlugins = errors.New("the lttle schema must not reference other packages")

func (noPlugins) LoadPackage(string, *semver.Version) (*schema.Package, error) {
	return nil, errNoPlugins
}

func (noPlugins) LoadPackageV2(context.Context, *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, errNoPlugins
}

func (noPlugins) LoadPackageReference(string, *semver.Version) (schema.PackageReference, error) {
	return nil, errNoPlugins
}

func (noPlugins) LoadPackageReferenceV2(context.Context, *schema.PackageDescriptor) (schema.PackageReference, error) {
	return nil, errNoPlugins
}

func load(path string) (*schema.Package, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(text, &spec); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return schema.ImportSpec(spec, nil, noPlugins{}, schema.ValidationOptions{})
}

func generate(schemaPath, language string) (map[string][]byte, error) {
	// Each generator annotates the package it is given: bind a fresh one per language.
	pkg, err := load(schemaPath)
	if err != nil {
		return nil, err
	}
	switch language {
	case "nodejs":
		files, err := nodejs.GeneratePackage(tool, pkg, nil, nil, false, noPlugins{})
		if err != nil {
			return nil, err
		}
		for name, body := range files {
			if strings.HasSuffix(name, ".ts") {
				files[name] = existsMethod.ReplaceAll(body, nil)
			}
		}
		return files, nil
	case "python":
		return python.GeneratePackage(tool, pkg, nil, noPlugins{})
	case "go":
		return gogen.GeneratePackage(tool, pkg, nil)
	}
	return nil, fmt.Errorf("unknown language %q: use nodejs, python or go", language)
}

func main() {
	if len(os.Args) < 4 {
		fmt.Fprintln(os.Stderr, "usage: gen-sdk SCHEMA OUTDIR nodejs|python|go...")
		os.Exit(2)
	}
	schemaPath, out := os.Args[1], os.Args[2]
	for _, language := range os.Args[3:] {
		files, err := generate(schemaPath, language)
		if err != nil {
			fmt.Fprintf(os.Stderr, "gen-sdk %s: %v\n", language, err)
			os.Exit(1)
		}
		dir := filepath.Join(out, language)
		if err := os.RemoveAll(dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		for name, body := range files {
			p := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			if err := os.WriteFile(p, body, 0o644); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		}
		fmt.Printf("gen-sdk: %s: %d files in %s\n", language, len(files), dir)
	}
}
