# Core: Debian packages, npm packages, TypeScript build, tests, the demo.
#   make setup   install what every target needs (idempotent)
#   make build   compile TypeScript to build/js
#   make test    everything the suite needs, then the whole suite
#   make demo    the main job: the seed's PostgreSQL in a microVM, queried through flash mode

HOST_PACKAGES := qemu-system-x86 qemu-utils e2fsprogs debootstrap kmod cpio gzip xz-utils zstd gcc libc6-dev make postgresql-client openssl
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

build: node_modules/.installed
	$(TSC) -p tsconfig.json

# Unit tests sit beside their sources; integration tests (real daemon, real VMs, real
# terraform, the Pulumi gRPC protocol) under test/.
test: setup build guest image guest-test-prereqs
	$(MOCHA) --config .mocharc.json

demo: setup build guest image
	bash examples/postgres/demo.sh

clean:
	rm -rf $(BUILD)/js
