//go:build tools

// The command `make kube` builds; the blank import keeps it in go.mod.
package tools

import _ "go.etcd.io/etcd/server/v3"
