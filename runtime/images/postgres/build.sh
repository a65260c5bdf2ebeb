#!/bin/sh
# Build the image ghcr.io/lttle-cloud/postgres:17-flash as an OCI image layout.
#   build.sh OUTDIR LTTLE_PG_SO
# OUTDIR/{oci-layout,index.json,blobs/sha256/...}: one uncompressed layer.
# Two cached stages next to OUTDIR (runtime/images/lib/debian-image.sh):
#   .work/base  debootstrap'ed + trimmed trixie with PostgreSQL 17 (keyed on the recipe)
#   OUTDIR      base + lttle_pg + entrypoint + config (keyed on every input)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
image_lib=$here/../lib/debian-image.sh
. "$image_lib"
module=$2
suite=trixie

image_begin "$1" "$here/entrypoint.sh" "$here/postgresql.conf" "$here/pg_hba.conf" "$module"
if image_up_to_date; then
    say "postgres:17-flash is up to date ($out)"
    exit 0
fi

customise() {
    r=$1
    say "generating locale en_US.UTF-8"
    chroot "$r" localedef -i en_US -c -f UTF-8 -A /usr/share/locale/locale.alias en_US.UTF-8
    # The Debian-managed cluster ("main") is not used: the entrypoint makes its own in PGDATA.
    rm -rf "$r/etc/postgresql/17" "$r/var/lib/postgresql/17" "$r/var/log/postgresql"/*
    rm -rf "$r/usr/share/postgresql/17/man" "$r/usr/share/postgresql-common/pgdg"
    # JIT: LLVM (+ z3, its only user) is ~150 MB and only used by JIT, which
    # the config turns off.
    rm -rf "$r/usr/lib/postgresql/17/lib/bitcode" "$r/usr/lib/postgresql/17/lib/llvmjit"* \
        "$r"/usr/lib/x86_64-linux-gnu/libLLVM* "$r"/usr/lib/x86_64-linux-gnu/libz3.so*
}
image_base "$suite" postgresql-17,locales /usr/lib/postgresql/17/bin/postgres customise

image_rootfs
install -m 0755 "$module" "$root/usr/lib/postgresql/17/lib/lttle_pg.so"
install -m 0755 "$here/entrypoint.sh" "$root/usr/local/bin/lttle-entrypoint"
install -d -m 0755 "$root/usr/local/share/lttle"
install -m 0644 "$here/postgresql.conf" "$here/pg_hba.conf" "$root/usr/local/share/lttle/"
pg_uid=$(awk -F: '$1 == "postgres" { print $3 }' "$root/etc/passwd")
pg_gid=$(awk -F: '$1 == "postgres" { print $4 }' "$root/etc/passwd")
install -d -m 0700 -o "$pg_uid" -g "$pg_gid" "$root/var/lib/postgresql/data"

image_write ghcr.io/lttle-cloud/postgres:17-flash \
    '{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/lib/postgresql/17/bin:/usr/sbin:/usr/bin:/sbin:/bin","PG_MAJOR=17","PGDATA=/var/lib/postgresql/data","LANG=en_US.utf8"],"Entrypoint":["/usr/local/bin/lttle-entrypoint"],"Cmd":["postgres"],"WorkingDir":"/","StopSignal":"SIGINT","ExposedPorts":{"5432/tcp":{}},"Volumes":{"/var/lib/postgresql/data":{}},"Labels":{"cloud.lttle.readiness":"manual","org.opencontainers.image.title":"postgres:17-flash","org.opencontainers.image.description":"PostgreSQL 17 (Debian '"$suite"') with the lttle_pg flash-mode module"}}' \
    runtime/images/postgres/build.sh
