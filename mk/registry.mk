# Registries: skopeo pulls images over the OCI distribution API (runtime and
# CLI); the tests run Debian's docker-registry (CNCF distribution) on loopback
# and use htpasswd (apache2-utils) for its auth.
#   make registry-tools   install them (part of make setup)
#   make test-registry    the registry tests (no VM boots)

REGISTRY_PACKAGES := skopeo docker-registry apache2-utils

.PHONY: registry-tools test-registry
registry-tools:
	$(call apt_need,$(REGISTRY_PACKAGES))

setup: registry-tools

test-registry: registry-tools build
	$(MOCHA) --no-config --timeout 1800000 build/js/test/integration/registry.test.js
