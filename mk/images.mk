# Images beside postgres:17-flash (mk/guest.mk), built from Debian packages with
# the shared recipe library runtime/images/lib/debian-image.sh.
#   make image-webapp   build/images/webapp/ (OCI layout of ghcr.io/lttle-cloud/webapp:1,
#                       the examples/webapp server; prints its build time)
#   make test-webapp    the generic-image test and the webapp example's tests (YAML, HCL, Pulumi)

WEBAPP_IMAGE_OUT := $(LTTLE_BUILD)/images/webapp

.PHONY: image-webapp test-webapp
# build.sh keeps its own stamp: it returns at once when nothing changed.
image-webapp:
	$(call apt_need,debootstrap)
	@start=$$(date +%s); sh runtime/images/webapp/build.sh $(WEBAPP_IMAGE_OUT) examples/webapp/server.js && \
	  echo "image-webapp: $$(( $$(date +%s) - start )) s"

.PHONY: generic-image-prereqs
generic-image-prereqs:
	$(call apt_need,busybox-static)

test-webapp: build guest image image-webapp guest-test-prereqs generic-image-prereqs registry-tools pulumi-cli terraform-provider terraform-cli
	$(MOCHA) --no-config --timeout 1800000 build/js/test/vm/generic-image.test.js build/js/test/vm/webapp.test.js \
	  build/js/test/e2e/webapp-examples.test.js build/js/test/e2e/terraform-webapp.test.js build/js/test/e2e/pulumi-webapp.test.js
