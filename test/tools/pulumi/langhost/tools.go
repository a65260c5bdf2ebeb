//go:build tools

// Package langhost pins the Pulumi language hosts for `make pulumi-cli`.
//
// The language hosts of current Pulumi releases are separate Go modules
// (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3 and
// .../sdk/python/cmd/pulumi-language-python/v3) that the Go module proxy
// refuses (403 "This module version is not available"). Up to v3.68.0 both
// hosts were packages of github.com/pulumi/pulumi/sdk/v3 itself, which the
// proxy serves, so they are built from there, in a module of their own
// because the CLI's module needs sdk/v3 at the CLI's version.
package langhost

import (
	_ "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs"
	_ "github.com/pulumi/pulumi/sdk/v3/python/cmd/pulumi-language-python"
)
