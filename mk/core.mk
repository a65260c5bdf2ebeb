# Core: Debian packages, npm packages, TypeScript build, tests, the demo.
#   make setup   install what every target needs (idempotent)
#   make build   compile TypeScript to build/js
#   make test    everything the suite needs, then the four tiers and a table of their times
#   make test-unit         unit tests beside their sources: no daemon, no VM, no apt (seconds)
#   make test-integration  test/integration: a real lttled, ext4 files, a loopback registry; no VM boots
#   make test-vm           test/vm: real microVMs booting PostgreSQL 17 under QEMU
#   make test-e2e          test/e2e: the real Pulumi, terraform, cdktf and cdktn engines
#   make lint    ESLint (typescript-eslint recommended type-checked), Prettier, Markdown links
#   make check   build + lint + test-unit: what to run before every commit
#   make docs    regenerate docs/resources/*.md and the CDKTF props (provider/src/terraform/cdktf/props.ts) from the schemas
#   make demo    the main job: the seed's PostgreSQL in a microVM, queried through flash mode

HOST_PACKAGES := qemu-system-x86 qemu-utils socat e2fsprogs debootstrap kmod cpio gzip xz-utils zstd gcc libc6-dev make postgresql-client openssl zip unzip
MOCHA := node_modules/.bin/mocha
TSC := node_modules/.bin/tsc

# $(call apt_need,PKG...): install the Debian packages not installed yet
# (one apt-get update first, and only when something is missing).
define apt_need
	@missing=; for p in $(1); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "setup: installing$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

.PHONY: host-packages
host-packages:
	$(call apt_need,$(HOST_PACKAGES))

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

setup: host-packages node_modules/.installed

# A clean output tree: a moved or deleted source must not leave a stale .js behind.
build: node_modules/.installed
	@rm -rf $(BUILD)/js
	$(TSC) -p tsconfig.json

UNIT_SPECS := 'build/js/schema/src/**/*.test.js' 'build/js/provider/src/**/*.test.js' 'build/js/runtime/src/**/*.test.js' 'build/js/test/tools/**/*.test.js'
TS_SOURCES := 'schema/src/**/*.ts' 'runtime/src/**/*.ts' 'provider/src/**/*.ts' 'test/**/*.ts'

.PHONY: test-unit test-integration test-kube test-vm test-e2e lint check docs
# Inside `make test` the tiers reuse the one build (TIERS_BUILT=1).
TIER_BUILD := $(if $(TIERS_BUILT),,build)
RUN_TIER := bash test/tools/run-tier.sh

test-unit: $(TIER_BUILD)
	@$(RUN_TIER) unit 20000 $(UNIT_SPECS)

lint: build
	@start=$$(date +%s); \
	node_modules/.bin/eslint --max-warnings 0 $(TS_SOURCES) && \
	node_modules/.bin/prettier --check --log-level warn $(TS_SOURCES) 'schema/*.schema.json' && \
	node build/js/test/tools/check-links.js && \
	echo "lint: $$(( $$(date +%s) - start )) s"

check: build lint test-unit

docs: build
	node build/js/schema/src/docs.js --write
	node build/js/provider/src/terraform/cdktf/props-gen.js --write

# Unit tests sit beside their sources; the other tiers live in test/<tier>/. Each
# tier target installs and builds what its tests need (mk/*.mk add to these lists).
INTEGRATION_PREREQS := setup image registry-tools
VM_PREREQS := setup guest image guest-test-prereqs image-webapp generic-image-prereqs
# The terraform tests install the release zip as a user would; the webapp ones boot its image.
E2E_PREREQS := setup guest image image-webapp pulumi-cli pulumi-gen-sdk sdk terraform-provider terraform-cli cdktn-example
# Many hosts: a real control plane built from Go modules (mk/kube.mk); the Pulumi CLI, its SDK and terraform
# for test/kube/providers.test.ts (the providers against the cluster).
KUBE_PREREQS := setup kube guest image guest-test-prereqs image-webapp pulumi-cli sdk terraform-provider terraform-cli

test-integration: $(TIER_BUILD) $(INTEGRATION_PREREQS)
	@$(RUN_TIER) integration 1800000 'build/js/test/integration/**/*.test.js'

test-kube: $(TIER_BUILD) $(KUBE_PREREQS)
	@$(RUN_TIER) kube 1800000 'build/js/test/kube/**/*.test.js'

test-vm: $(TIER_BUILD) $(VM_PREREQS)
	@$(RUN_TIER) vm 1800000 'build/js/test/vm/**/*.test.js'

test-e2e: $(TIER_BUILD) $(E2E_PREREQS)
	@$(RUN_TIER) e2e 1800000 'build/js/test/e2e/**/*.test.js'

# Every tier runs even when an earlier one failed; the table says which.
TIERS := unit integration kube vm e2e
test: build $(sort $(INTEGRATION_PREREQS) $(KUBE_PREREQS) $(VM_PREREQS) $(E2E_PREREQS))
	@rm -rf $(BUILD)/test-results; status=0; \
	for tier in $(TIERS); do $(MAKE) --no-print-directory TIERS_BUILT=1 test-$$tier || status=1; done; \
	bash test/tools/tier-summary.sh $(TIERS) || status=1; exit $$status

demo: setup build guest image
	bash examples/postgres/demo.sh

clean:
	rm -rf $(BUILD)/js
