# The real Pulumi CLI, built from Go modules (no download from outside the Go
# module proxy; the CLI's own installer and the npm package `pulumi` fetch a
# prebuilt binary, which cannot work here).
#
#   make pulumi-cli     build/pulumi/bin/{pulumi,pulumi-language-nodejs,
#                       pulumi-language-python,pulumi-language-python-exec}
#
# Put build/pulumi/bin first on PATH: the engine finds its language hosts
# there. Pinned in test/tools/pulumi/go.mod (the CLI, pkg/v3 + sdk/v3) and
# test/tools/pulumi/langhost/go.mod (the language hosts); see the comments
# there for why the hosts come from an older sdk/v3. Idempotent: a stamp
# records the build; it is redone when a go.mod/go.sum/tools.go or this file
# changes, or a binary is missing. Go's build cache (GOCACHE) makes a rebuild
# after a small change fast; the first build compiles ~2000 packages.

PULUMI_CLI_DIR := $(LTTLE_BUILD)/pulumi
PULUMI_CLI_BINDIR := $(PULUMI_CLI_DIR)/bin
PULUMI_CLI_STAMP := $(PULUMI_CLI_DIR)/.stamp
PULUMI_CLI_MOD := test/tools/pulumi
PULUMI_LANGHOST_MOD := $(PULUMI_CLI_MOD)/langhost
PULUMI_CLI_BINS := $(addprefix $(PULUMI_CLI_BINDIR)/,pulumi pulumi-language-nodejs \
  pulumi-language-python pulumi-language-python-exec)
PULUMI_CLI_INPUTS := mk/pulumi-cli.mk \
  $(addprefix $(PULUMI_CLI_MOD)/,go.mod go.sum tools.go) \
  $(addprefix $(PULUMI_LANGHOST_MOD)/,go.mod go.sum tools.go)
# The modules need Go >= 1.26.6 (pkg/v3 v3.274.1); use the machine's Go and
# never let the go command fetch another toolchain. A committed go.sum and the
# default -mod=readonly keep the build reproducible.
PULUMI_CLI_GO := GOTOOLCHAIN=local GOFLAGS= go
# Versions the binaries report (Pulumi's own build sets them with -X).
PULUMI_CLI_VERSION := v3.274.1
PULUMI_LANGHOST_VERSION := v3.68.0
PULUMI_CLI_LDFLAGS = -s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$(1)
PULUMI_CLI_MISSING := $(filter-out $(wildcard $(PULUMI_CLI_BINS)),$(PULUMI_CLI_BINS))

.PHONY: pulumi-cli pulumi-cli-force
pulumi-cli: $(PULUMI_CLI_STAMP)

$(PULUMI_CLI_STAMP): $(PULUMI_CLI_INPUTS) $(if $(PULUMI_CLI_MISSING),pulumi-cli-force)
	@mkdir -p $(PULUMI_CLI_BINDIR)
	@start=$$(date +%s); \
	echo "pulumi-cli: building the Pulumi CLI into $(PULUMI_CLI_BINDIR) (first build: many minutes)"; \
	( cd $(PULUMI_CLI_MOD) && $(PULUMI_CLI_GO) build -trimpath \
	    -ldflags '$(call PULUMI_CLI_LDFLAGS,$(PULUMI_CLI_VERSION))' -o $(PULUMI_CLI_BINDIR)/pulumi \
	    github.com/pulumi/pulumi/pkg/v3/cmd/pulumi ) && \
	( cd $(PULUMI_LANGHOST_MOD) && \
	  $(PULUMI_CLI_GO) build -trimpath -ldflags '$(call PULUMI_CLI_LDFLAGS,$(PULUMI_LANGHOST_VERSION))' \
	    -o $(PULUMI_CLI_BINDIR)/pulumi-language-nodejs \
	    github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs && \
	  $(PULUMI_CLI_GO) build -trimpath -ldflags '$(call PULUMI_CLI_LDFLAGS,$(PULUMI_LANGHOST_VERSION))' \
	    -o $(PULUMI_CLI_BINDIR)/pulumi-language-python \
	    github.com/pulumi/pulumi/sdk/v3/python/cmd/pulumi-language-python && \
	  sdk=$$($(PULUMI_CLI_GO) list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3) && \
	  install -m 755 $$sdk/python/cmd/pulumi-language-python-exec $(PULUMI_CLI_BINDIR)/ ) || exit 1; \
	$(PULUMI_CLI_BINDIR)/pulumi version >/dev/null || exit 1; \
	touch $@; \
	echo "pulumi-cli: $$($(PULUMI_CLI_BINDIR)/pulumi version) built in $$(( $$(date +%s) - start )) s"
