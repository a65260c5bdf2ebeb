# A Kubernetes control plane built from Go modules (nothing is downloaded from
# outside the Go module proxy; no distribution ships these binaries here).
#
#   make kube   build/kube/bin/{etcd,kube-apiserver,kube-scheduler,
#               kube-controller-manager,kubectl}
#
# Pinned in runtime/kube/kubernetes/go.mod (k8s.io/kubernetes, its staging
# modules replaced by their releases) and runtime/kube/etcd/go.mod. A stamp
# records the build; it is redone when a go.mod/go.sum/tools.go or this file
# changes, or a binary is missing. The first build compiles for about 25 min
# on 2 cores; Go's build cache makes a rebuild take seconds.

KUBE_DIR := $(LTTLE_BUILD)/kube
KUBE_BINDIR := $(KUBE_DIR)/bin
KUBE_STAMP := $(KUBE_DIR)/.stamp
KUBE_MOD := runtime/kube/kubernetes
ETCD_MOD := runtime/kube/etcd
KUBE_VERSION := v1.37.2
KUBE_CMDS := kube-apiserver kube-scheduler kube-controller-manager kubectl
KUBE_BINS := $(addprefix $(KUBE_BINDIR)/,etcd $(KUBE_CMDS))
KUBE_INPUTS := mk/kube.mk $(addprefix $(KUBE_MOD)/,go.mod go.sum tools.go) $(addprefix $(ETCD_MOD)/,go.mod go.sum tools.go)
# The machine's Go, never another toolchain fetched; go.sum is committed and
# -mod=readonly (the default) keeps the build to it.
KUBE_GO := GOTOOLCHAIN=local GOFLAGS= go
# Without these the binaries report v0.0.0-master, which kubectl and the
# scheduler's version skew checks read.
KUBE_LDFLAGS := -s -w -X k8s.io/component-base/version.gitVersion=$(KUBE_VERSION) \
  -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=37
KUBE_MISSING := $(filter-out $(wildcard $(KUBE_BINS)),$(KUBE_BINS))

.PHONY: kube kube-force
kube: $(KUBE_STAMP)

$(KUBE_STAMP): $(KUBE_INPUTS) $(if $(KUBE_MISSING),kube-force)
	$(call apt_need,openssl)
	@mkdir -p $(KUBE_BINDIR)
	@start=$$(date +%s); \
	echo "kube: building etcd and the Kubernetes control plane $(KUBE_VERSION) into $(KUBE_BINDIR) (first build: about 25 min)"; \
	( cd $(ETCD_MOD) && $(KUBE_GO) build -trimpath -ldflags '-s -w' -o $(KUBE_BINDIR)/etcd go.etcd.io/etcd/server/v3 ) || exit 1; \
	for cmd in $(KUBE_CMDS); do \
	  ( cd $(KUBE_MOD) && $(KUBE_GO) build -trimpath -ldflags '$(KUBE_LDFLAGS)' -o $(KUBE_BINDIR)/$$cmd k8s.io/kubernetes/cmd/$$cmd ) || exit 1; \
	done; \
	$(KUBE_BINDIR)/kube-apiserver --version | grep -q '$(KUBE_VERSION)' || { echo "kube: kube-apiserver does not report $(KUBE_VERSION)"; exit 1; }; \
	touch $@; \
	echo "kube: built in $$(( $$(date +%s) - start )) s"

kube-force: ;
