# Core: Debian packages, npm packages, TypeScript build, tests, the demo.
#   make setup   install what every target needs (idempotent)
#   make build   compile TypeScript to build/js
#   make test    everything the suite needs, then the whole suite
#   make test-unit  unit tests beside their sources: no VM, no daemon, no apt (seconds)
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

UNIT_SPECS := 'build/js/schema/src/**/*.test.js' 'build/js/provider/src/**/*.test.js' 'build/js/runtime/src/**/*.test.js'
TS_SOURCES := 'schema/src/**/*.ts' 'runtime/src/**/*.ts' 'provider/src/**/*.ts' 'test/**/*.ts'

.PHONY: test-unit lint check docs
test-unit: build
	@# The timing line must not hide mocha's exit status (the number of failures).
	@start=$$(date +%s); status=0; $(MOCHA) --no-config --timeout 20000 $(UNIT_SPECS) || status=$$?; \
	echo "test-unit: $$(( $$(date +%s) - start )) s"; exit $$status

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

# Unit tests sit beside their sources; integration tests (real daemon, real VMs, real
# terraform, the Pulumi gRPC protocol) under test/.
test: setup build guest image guest-test-prereqs pulumi-cli pulumi-gen-sdk sdk
	$(MOCHA) --config .mocharc.json

demo: setup build guest image
	bash examples/postgres/demo.sh

clean:
	rm -rf $(BUILD)/js
