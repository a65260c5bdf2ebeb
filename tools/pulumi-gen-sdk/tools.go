//go:build tools

// The generated Go SDK imports these: keeping them in go.mod and go.sum lets
// `make sdk-check` build that SDK in a module made from this one, offline.
package main

import (
	_ "github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	_ "github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
	_ "github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"
)
