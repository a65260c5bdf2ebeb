# Guest side: kernel, agent + initramfs, PostgreSQL module, postgres:17-flash image.
#   make kernel      build/guest/vmlinuz + build/guest/modules/
#   make guest       build/guest/lttle-init + build/guest/initramfs.cpio.gz
#   make pg-module   build/guest/pg/lttle_pg.so (PostgreSQL 17, Debian trixie)
#   make image       build/images/postgres-17-flash/ (OCI image layout)
#   make guest-test-prereqs / test-guest   what test/guest-boot.test.ts needs / runs it

GUEST_OUT := $(LTTLE_BUILD)/guest
GUEST_SRC := runtime/guest
GUEST_AGENT_SRCS := $(wildcard $(GUEST_SRC)/*.c $(GUEST_SRC)/*.h)
GUEST_AGENT_SRCS := $(filter-out $(GUEST_SRC)/lttle_pg.c,$(GUEST_AGENT_SRCS))
PG_IMAGE_OUT := $(LTTLE_BUILD)/images/postgres-17-flash

# $(call guest_need,PKG...): apt-get install the Debian packages that are not
# installed yet (one apt-get update first, and only when something is missing).
define guest_need
	@missing=; for p in $(1); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "guest: installing$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

.PHONY: kernel guest pg-module image guest-test-prereqs test-guest

kernel: $(GUEST_OUT)/vmlinuz

$(GUEST_OUT)/vmlinuz: runtime/kernel/fetch-kernel.sh
	$(call guest_need,kmod xz-utils zstd)
	sh runtime/kernel/fetch-kernel.sh $(GUEST_OUT)
	@touch $@

guest: $(GUEST_OUT)/lttle-init $(GUEST_OUT)/initramfs.cpio.gz

$(GUEST_OUT)/lttle-init: $(GUEST_AGENT_SRCS)
	$(call guest_need,gcc libc6-dev)
	@mkdir -p $(GUEST_OUT)
	gcc -static -O2 -Wall -Wextra -o $@ $(filter %.c,$^) -lutil

$(GUEST_OUT)/initramfs.cpio.gz: $(GUEST_OUT)/lttle-init $(GUEST_OUT)/vmlinuz runtime/kernel/make-initramfs.sh
	$(call guest_need,cpio gzip)
	sh runtime/kernel/make-initramfs.sh $(GUEST_OUT)/lttle-init $(GUEST_OUT)/modules $@

# PostgreSQL 17 headers + PGXS from Debian trixie, built with the host gcc.
$(GUEST_OUT)/pg17/pg_config: runtime/images/postgres/fetch-pg-dev.sh
	sh runtime/images/postgres/fetch-pg-dev.sh $(GUEST_OUT)/pg17
	@touch $@

pg-module: $(GUEST_OUT)/pg/lttle_pg.so

$(GUEST_OUT)/pg/lttle_pg.so: $(GUEST_SRC)/lttle_pg.c $(GUEST_SRC)/Makefile $(GUEST_OUT)/pg17/pg_config
	$(call guest_need,gcc libc6-dev make)
	@mkdir -p $(GUEST_OUT)/pg
	$(MAKE) --no-print-directory -C $(GUEST_OUT)/pg -f $(CURDIR)/$(GUEST_SRC)/Makefile PG_CONFIG=$(GUEST_OUT)/pg17/pg_config

# build.sh keeps its own stamp (hash of the recipe and the module): it returns
# at once when nothing changed.
image: pg-module
	$(call guest_need,debootstrap)
	sh runtime/images/postgres/build.sh $(PG_IMAGE_OUT) $(GUEST_OUT)/pg/lttle_pg.so

guest-test-prereqs: guest image
	$(call guest_need,qemu-system-x86 qemu-utils e2fsprogs postgresql-client)

test-guest: guest-test-prereqs
	npx tsc -p tsconfig.json
	npx mocha --no-config --timeout 600000 build/js/runtime/src/vm/channel.test.js build/js/test/guest-boot.test.js
