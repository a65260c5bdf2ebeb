//go:build tools

// Package tools pins the Pulumi CLI for `make pulumi-cli` (mk/pulumi-cli.mk).
// The blank imports keep the required modules in go.mod and go.sum; the
// binaries are built with `go build -o ... <package>` from this module.
package tools

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
)
