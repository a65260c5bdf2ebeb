# Terraform provider, released like a registry release and installed where
# terraform finds it without any CLI configuration.
#
#   make terraform-provider           build/terraform/terraform-provider-lttle_<version>_linux_amd64.zip
#                                     (+ terraform-registry-manifest.json, _SHA256SUMS)
#   make install-terraform-provider   unpack it into ~/.terraform.d/plugins, terraform's implicit
#                                     local mirror: `terraform init` then needs no TF_CLI_CONFIG_FILE
#
# The zip holds one executable, terraform-provider-lttle_v<version>: a Node
# single executable application (provider/release/build-terraform-provider.mjs)
# that needs neither this checkout nor node. It needs `openssl` on PATH and a
# running lttled, or one it can start: $LTTLE_DAEMON (e.g. <checkout>/bin/lttled)
# or `lttled` on PATH.
#
# Implicit mirrors are used only while no CLI config sets provider_installation:
# unset TF_CLI_CONFIG_FILE or point it at a file without that block (a missing
# file only gives a warning). The lock file records the executable's h1 hash,
# and builds are reproducible, so reinstalling unchanged sources keeps
# .terraform.lock.hcl valid; after a change under the same version, delete
# .terraform.lock.hcl where it was used (`terraform init -upgrade` does not help).

TF_PROVIDER_VERSION := $(shell sed -n 's/^  "version": "\(.*\)",$$/\1/p' package.json)
TF_PLATFORM := linux_$(patsubst x86_64,amd64,$(patsubst aarch64,arm64,$(shell uname -m)))
TF_RELEASE := $(BUILD)/terraform
TF_PROVIDER_ZIP := $(TF_RELEASE)/terraform-provider-lttle_$(TF_PROVIDER_VERSION)_$(TF_PLATFORM).zip
TF_PROVIDER_EXE := terraform-provider-lttle_v$(TF_PROVIDER_VERSION)
# terraform reads registry.terraform.io/..., OpenTofu registry.opentofu.org/... (both read ~/.terraform.d/plugins).
TF_PLUGIN_DIRS := $(foreach host,registry.terraform.io registry.opentofu.org,$(HOME)/.terraform.d/plugins/$(host)/lttle/lttle/$(TF_PROVIDER_VERSION)/$(TF_PLATFORM))
TF_PROVIDER_INPUTS := $(shell find provider/src schema -type f) \
  package.json package-lock.json tsconfig.json provider/release/build-terraform-provider.mjs $(realpath $(shell command -v node))

.PHONY: terraform-provider install-terraform-provider terraform-release-tools
terraform-provider: $(TF_PROVIDER_ZIP)

terraform-release-tools:
	$(call apt_need,zip unzip binutils)

$(TF_PROVIDER_ZIP): $(TF_PROVIDER_INPUTS) | node_modules/.installed terraform-release-tools
	$(TSC) -p tsconfig.json
	node provider/release/build-terraform-provider.mjs --out $(TF_RELEASE)

install-terraform-provider: $(TF_PROVIDER_ZIP)
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	unzip -q $(TF_PROVIDER_ZIP) -d "$$tmp" && \
	for dir in $(TF_PLUGIN_DIRS); do \
	  mkdir -p "$$dir" && \
	  if [ -f "$$dir/$(TF_PROVIDER_EXE)" ] && ! cmp -s "$$tmp/$(TF_PROVIDER_EXE)" "$$dir/$(TF_PROVIDER_EXE)"; then \
	    echo "note: this replaces a different build of lttle/lttle $(TF_PROVIDER_VERSION): delete .terraform.lock.hcl where the old one was used"; \
	  fi && \
	  cp "$$tmp/$(TF_PROVIDER_EXE)" "$$dir/$(TF_PROVIDER_EXE).tmp" && \
	  mv -f "$$dir/$(TF_PROVIDER_EXE).tmp" "$$dir/$(TF_PROVIDER_EXE)" && \
	  echo "installed $$dir/$(TF_PROVIDER_EXE)" || exit 1; \
	done
	@# The former launcher mirror and its CLI config would shadow the implicit mirror.
	@rm -rf $(TF_RELEASE)/mirror $(TF_RELEASE)/lttle.tfrc
	@if [ -n "$$TF_CLI_CONFIG_FILE" ] && grep -qs provider_installation "$$TF_CLI_CONFIG_FILE"; then \
	  echo "note: TF_CLI_CONFIG_FILE=$$TF_CLI_CONFIG_FILE sets provider_installation, so terraform ignores ~/.terraform.d/plugins; unset it"; \
	fi

# terraform itself, for machines without it on PATH: v1.11.4 built from the Go
# module proxy (provider/release/terraform-cli; about 15 minutes on 2 cores with
# a cold cache) into build/terraform/bin. TERRAFORM tells the tests which one to run.
TERRAFORM_BUILT := $(abspath $(TF_RELEASE))/bin/terraform
ifndef TERRAFORM
TERRAFORM := $(or $(shell command -v terraform 2>/dev/null),$(TERRAFORM_BUILT))
endif
export TERRAFORM
TERRAFORM_LDFLAGS := -w -s -X 'github.com/hashicorp/terraform/version.dev=no'

.PHONY: terraform-cli
terraform-cli: $(if $(filter $(TERRAFORM_BUILT),$(TERRAFORM)),$(TERRAFORM_BUILT))
	@echo "terraform: $(TERRAFORM)"

$(TERRAFORM_BUILT): provider/release/terraform-cli/go.mod provider/release/terraform-cli/go.sum
	@command -v go >/dev/null || { echo "terraform-cli: no terraform and no go on PATH to build it"; exit 1; }
	cd provider/release/terraform-cli && CGO_ENABLED=0 GOFLAGS='-mod=readonly -buildvcs=false' \
	  go build -trimpath -ldflags "$(TERRAFORM_LDFLAGS)" -o $@.tmp github.com/hashicorp/terraform
	mv -f $@.tmp $@
	$@ version

# OpenTofu v1.12.6 from the Go module proxy into build/terraform/bin/tofu (about
# 1 minute with a warm Go cache), and the provider's terraform tests that boot no
# microVM run against it: `source = "lttle/lttle"` means registry.opentofu.org
# there, which the test mirrors and `make install-terraform-provider` also fill.
TOFU_BUILT := $(abspath $(TF_RELEASE))/bin/tofu
TOFU_TESTS := terraform-volume terraform-validation terraform-release

.PHONY: opentofu-cli test-opentofu
opentofu-cli: $(TOFU_BUILT)

$(TOFU_BUILT): provider/release/opentofu-cli/go.mod provider/release/opentofu-cli/go.sum provider/release/opentofu-cli/tools.go
	@command -v go >/dev/null || { echo "opentofu-cli: no go on PATH to build it"; exit 1; }
	cd provider/release/opentofu-cli && CGO_ENABLED=0 GOFLAGS='-mod=readonly -buildvcs=false' \
	  go build -trimpath -ldflags "-w -s -X 'github.com/opentofu/opentofu/version.dev=no'" -o $@.tmp github.com/opentofu/opentofu/cmd/tofu
	mv -f $@.tmp $@
	$@ version

test-opentofu: build terraform-provider $(TOFU_BUILT)
	TERRAFORM=$(TOFU_BUILT) $(MOCHA) --no-config --timeout 600000 $(foreach t,$(TOFU_TESTS),build/js/test/e2e/$(t).test.js)
