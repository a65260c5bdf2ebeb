# Guest side: kernel, agent + initramfs, PostgreSQL module, postgres:17-flash image.
#   make kernel      build/guest/vmlinuz + build/guest/modules/
#   make guest       build/guest/lttle-init + build/guest/initramfs.cpio.gz, and the
#                    host's helpers lttled runs beside QEMU: build/host/lttle-pageout and
#                    build/host/lttle-dedupe (runtime/host/pageout.c, dedupe.c)
#   make pg-module   build/guest/pg/lttle_pg.so (PostgreSQL 17, Debian trixie)
#   make image       build/images/postgres-17-flash/ (OCI image layout)
#   make guest-test-prereqs / test-guest   what test/vm/guest-boot.test.ts needs / runs it

GUEST_OUT := $(LTTLE_BUILD)/guest
GUEST_SRC := runtime/guest
GUEST_AGENT_SRCS := $(wildcard $(GUEST_SRC)/*.c $(GUEST_SRC)/*.h)
GUEST_AGENT_SRCS := $(filter-out $(GUEST_SRC)/lttle_pg.c,$(GUEST_AGENT_SRCS))
PG_IMAGE_OUT := $(LTTLE_BUILD)/images/postgres-17-flash

# apt_need (mk/core.mk) installs each target's Debian prerequisites when missing.

.PHONY: kernel guest pg-module image guest-test-prereqs test-guest

kernel: $(GUEST_OUT)/vmlinuz

$(GUEST_OUT)/vmlinuz: runtime/kernel/fetch-kernel.sh
	$(call apt_need,kmod xz-utils zstd)
	sh runtime/kernel/fetch-kernel.sh $(GUEST_OUT)
	@touch $@

guest: $(GUEST_OUT)/lttle-init $(GUEST_OUT)/initramfs.cpio.gz $(LTTLE_BUILD)/host/lttle-pageout $(LTTLE_BUILD)/host/lttle-dedupe

$(LTTLE_BUILD)/host/lttle-%: runtime/host/%.c
	$(call apt_need,gcc libc6-dev)
	@mkdir -p $(dir $@)
	gcc -O2 -Wall -Wextra -Werror -o $@ $<

$(GUEST_OUT)/lttle-init: $(GUEST_AGENT_SRCS)
	$(call apt_need,gcc libc6-dev)
	@mkdir -p $(GUEST_OUT)
	gcc -static -O2 -Wall -Wextra -Werror -o $@ $(filter %.c,$^) -lutil

$(GUEST_OUT)/initramfs.cpio.gz: $(GUEST_OUT)/lttle-init $(GUEST_OUT)/vmlinuz runtime/kernel/make-initramfs.sh
	$(call apt_need,cpio gzip)
	sh runtime/kernel/make-initramfs.sh $(GUEST_OUT)/lttle-init $(GUEST_OUT)/modules $@

# PostgreSQL 17 headers + PGXS from Debian trixie, built with the host gcc.
$(GUEST_OUT)/pg17/pg_config: runtime/images/postgres/fetch-pg-dev.sh
	sh runtime/images/postgres/fetch-pg-dev.sh $(GUEST_OUT)/pg17
	@touch $@

pg-module: $(GUEST_OUT)/pg/lttle_pg.so

$(GUEST_OUT)/pg/lttle_pg.so: $(GUEST_SRC)/lttle_pg.c $(GUEST_SRC)/Makefile $(GUEST_OUT)/pg17/pg_config
	$(call apt_need,gcc libc6-dev make)
	@mkdir -p $(GUEST_OUT)/pg
	$(MAKE) --no-print-directory -C $(GUEST_OUT)/pg -f $(CURDIR)/$(GUEST_SRC)/Makefile PG_CONFIG=$(GUEST_OUT)/pg17/pg_config

# build.sh keeps its own stamp (hash of the recipe and the module): it returns
# at once when nothing changed.
image: pg-module
	$(call apt_need,debootstrap)
	sh runtime/images/postgres/build.sh $(PG_IMAGE_OUT) $(GUEST_OUT)/pg/lttle_pg.so

guest-test-prereqs: guest image
	$(call apt_need,qemu-system-x86 qemu-utils socat e2fsprogs postgresql-client xfsprogs)

test-guest: guest-test-prereqs
	npx tsc -p tsconfig.json
	npx mocha --no-config --timeout 600000 build/js/runtime/src/vm/channel.test.js build/js/test/vm/guest-boot.test.js
