# Terraform provider, installed offline into a filesystem mirror under build/.
#
#   make install-terraform-provider
#   export TF_CLI_CONFIG_FILE=$(pwd)/build/terraform/lttle.tfrc
#
# The mirrored "binary" is a two-line launcher that execs this checkout's
# bin/terraform-provider-lttle. Its bytes depend only on the checkout path, so
# rebuilding the provider (make build) does not change the h1 hash recorded in
# .terraform.lock.hcl and `terraform init` keeps working in existing working
# directories. Moving the checkout changes the hash: run `terraform init
# -upgrade` (or delete .terraform.lock.hcl) there once.

TF_PROVIDER_VERSION := 0.1.0
TF_MIRROR := $(abspath $(BUILD))/terraform/mirror
TF_RC := $(abspath $(BUILD))/terraform/lttle.tfrc
TF_PROVIDER_DIR := $(TF_MIRROR)/registry.terraform.io/lttle/lttle/$(TF_PROVIDER_VERSION)/linux_amd64
TF_PROVIDER_MAIN := $(BUILD)/js/provider/src/terraform/main.js

.PHONY: install-terraform-provider
install-terraform-provider:
	@test -f $(TF_PROVIDER_MAIN) || npx tsc -p tsconfig.json
	@mkdir -p $(TF_PROVIDER_DIR)
	@printf '#!/bin/sh\nexec "%s" "$$@"\n' "$(abspath bin/terraform-provider-lttle)" > $(TF_PROVIDER_DIR)/terraform-provider-lttle_v$(TF_PROVIDER_VERSION).tmp
	@chmod 755 $(TF_PROVIDER_DIR)/terraform-provider-lttle_v$(TF_PROVIDER_VERSION).tmp
	@mv $(TF_PROVIDER_DIR)/terraform-provider-lttle_v$(TF_PROVIDER_VERSION).tmp $(TF_PROVIDER_DIR)/terraform-provider-lttle_v$(TF_PROVIDER_VERSION)
	@printf '%s\n' \
	  '# Written by make install-terraform-provider: terraform installs lttle/lttle' \
	  '# from the local mirror and never asks the public registry for it.' \
	  'disable_checkpoint = true' \
	  'provider_installation {' \
	  '  filesystem_mirror {' \
	  '    path    = "$(TF_MIRROR)"' \
	  '    include = ["registry.terraform.io/lttle/lttle"]' \
	  '  }' \
	  '  direct {' \
	  '    exclude = ["registry.terraform.io/lttle/lttle"]' \
	  '  }' \
	  '}' > $(TF_RC)
	@echo "terraform CLI config: $(TF_RC)"
	@echo "export TF_CLI_CONFIG_FILE=$(TF_RC)"
