# Pulumi provider plugin (pulumi-resource-lttle) and its tests.
#
#   make pulumi-plugin            build/pulumi-plugin/pulumi-resource-lttle-vVERSION-linux-amd64.tar.gz
#   make install-pulumi-plugin    install it for the Pulumi CLI (resource plugin "lttle" VERSION)
#   make pulumi-schema            regenerate schema/pulumi/schema.json from schema/*.schema.json
#   make test-pulumi              the provider's unit, protocol and program tests
#
# The plugin is Node code: the tarball holds a launcher that execs this
# checkout's bin/pulumi-resource-lttle (like the Terraform mirror), so
# `make build` updates an installed plugin without reinstalling. Without
# installing anything, a project can point at the checkout instead (see
# examples/pulumi-postgres/Pulumi.yaml):
#   plugins:
#     providers:
#       - name: lttle
#         path: /path/to/checkout/bin

PULUMI_PLUGIN_VERSION := $(shell node -p "require('./package.json').version")
PULUMI_PLUGIN_DIR := $(abspath $(BUILD))/pulumi-plugin
PULUMI_PLUGIN_TGZ := $(PULUMI_PLUGIN_DIR)/pulumi-resource-lttle-v$(PULUMI_PLUGIN_VERSION)-linux-amd64.tar.gz
PULUMI_PLUGIN_MAIN := $(BUILD)/js/provider/src/pulumi/main.js
PULUMI_HOME_DIR := $(or $(PULUMI_HOME),$(HOME)/.pulumi)

.PHONY: pulumi-plugin install-pulumi-plugin pulumi-schema test-pulumi

$(PULUMI_PLUGIN_MAIN):
	npx tsc -p tsconfig.json

pulumi-plugin: $(PULUMI_PLUGIN_MAIN)
	@rm -rf $(PULUMI_PLUGIN_DIR)/stage && mkdir -p $(PULUMI_PLUGIN_DIR)/stage
	@printf '#!/bin/sh\n# lttle Pulumi plugin launcher: runs the checkout at %s\nexec "%s" "$$@"\n' "$(abspath .)" "$(abspath bin/pulumi-resource-lttle)" > $(PULUMI_PLUGIN_DIR)/stage/pulumi-resource-lttle
	@chmod 755 $(PULUMI_PLUGIN_DIR)/stage/pulumi-resource-lttle
	@tar -C $(PULUMI_PLUGIN_DIR)/stage -czf $(PULUMI_PLUGIN_TGZ) pulumi-resource-lttle
	@echo "$(PULUMI_PLUGIN_TGZ)"

# With the CLI: `pulumi plugin install`. Without it: the same layout by hand
# ($PULUMI_HOME/plugins/resource-lttle-vVERSION/pulumi-resource-lttle).
install-pulumi-plugin: pulumi-plugin
	@if command -v pulumi >/dev/null 2>&1; then \
	  pulumi plugin install resource lttle $(PULUMI_PLUGIN_VERSION) --file $(PULUMI_PLUGIN_TGZ) --reinstall; \
	else \
	  dir=$(PULUMI_HOME_DIR)/plugins/resource-lttle-v$(PULUMI_PLUGIN_VERSION); \
	  mkdir -p $$dir && tar -C $$dir -xzf $(PULUMI_PLUGIN_TGZ) && rm -f $$dir.partial && \
	  echo "installed into $$dir (pulumi CLI not found; same layout as pulumi plugin install)"; \
	fi

pulumi-schema: $(PULUMI_PLUGIN_MAIN)
	node $(BUILD)/js/provider/src/pulumi/schema-gen.js --write

test-pulumi: build pulumi-gen-sdk sdk
	$(MOCHA) --no-config --timeout 900000 'build/js/provider/src/pulumi/**/*.test.js' 'build/js/test/*/pulumi-*.test.js'
