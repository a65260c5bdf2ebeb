#!/bin/sh
# Build the image ghcr.io/lttle-cloud/postgres:17-flash as an OCI image layout.
#   build.sh OUTDIR LTTLE_PG_SO
# OUTDIR/{oci-layout,index.json,blobs/sha256/...}: one uncompressed layer.
# Two cached stages next to OUTDIR:
#   .base   debootstrap'ed + trimmed trixie with PostgreSQL 17 (keyed on this script)
#   OUTDIR  base + lttle_pg + entrypoint + config (keyed on every input)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=$1
module=$2
ref=ghcr.io/lttle-cloud/postgres:17-flash
suite=trixie
packages=postgresql-17,locales

mkdir -p "$(dirname "$out")"
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
work=$out.work
mkdir -p "$work"

say() { echo "image: $*"; }

# debootstrap mounts /proc (and /sys) inside the tree it builds. Interrupted,
# it may leave them mounted (its cleanup resolves the paths by running
# readlink in the half-built chroot, and nothing cleans up after SIGKILL), and
# then every later `rm -rf` of the tree fails with "Operation not permitted".
# So: unmount everything under the work dir on every exit of this script, and
# before a build starts, in case an earlier one was killed.
unmount_work() {
    for _ in 1 2 3; do # mounts may be stacked on one point
        # mountinfo field 5 is the mount point (octal escapes such as \040);
        # reverse order puts a mount before the mounts it contains.
        points=$(awk -v d="$work" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo | LC_ALL=C sort -r)
        [ -n "$points" ] || return 0
        for m in $points; do
            m=$(printf '%b' "$m")
            # lazy when busy: a process killed with us may still sit in it
            umount "$m" 2>/dev/null || umount -l "$m" || true
        done
    done
}
unmount_work
trap unmount_work EXIT
# Exiting from a signal trap runs the EXIT trap too.
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

hash_of() { cat "$@" | sha256sum | cut -d' ' -f1; }
base_key=$(hash_of "$here/build.sh")
image_key=$(hash_of "$here/build.sh" "$here/entrypoint.sh" "$here/postgresql.conf" "$here/pg_hba.conf" "$module")

if [ -f "$out/index.json" ] && [ "$(cat "$work/image.stamp" 2>/dev/null)" = "$image_key" ]; then
    say "$ref is up to date ($out)"
    exit 0
fi

start=$(date +%s)

# ---- stage 1: base rootfs ----------------------------------------------------
base=$work/base
if [ "$(cat "$work/base.stamp" 2>/dev/null)" != "$base_key" ]; then
    mirror=$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | grep -v -- '-security' | head -n1)
    [ -n "$mirror" ] || mirror=$(sed -n 's/^deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]\{1,\}\)\{0,1\}\([^[:space:]]*\).*/\2/p' /etc/apt/sources.list 2>/dev/null | grep -v -- '-security' | head -n1)
    [ -n "$mirror" ] || { echo "image: no Debian mirror in the apt sources" >&2; exit 1; }

    rm -rf "$base" "$base.tmp" "$work/base.stamp"
    say "debootstrap $suite ($packages) from $mirror (about a minute)"
    # debootstrap is quiet per package; show its stage lines as progress.
    debootstrap --variant=minbase --include="$packages" "$suite" "$base.tmp" "$mirror" 2>&1 |
        grep --line-buffered -E '^I: (Retrieving Release|Validating Packages|Resolving|Found additional|Retrieving packages|Installing core|Unpacking the base|Configuring the base|Base system installed)|^E:|^W:' |
        sed -u 's/^/image:   /'
    [ -x "$base.tmp/usr/lib/postgresql/17/bin/postgres" ] || { echo "image: debootstrap failed" >&2; exit 1; }

    say "generating locale en_US.UTF-8"
    chroot "$base.tmp" localedef -i en_US -c -f UTF-8 -A /usr/share/locale/locale.alias en_US.UTF-8

    say "trimming"
    r=$base.tmp
    # The Debian-managed cluster ("main") is not used: the entrypoint makes its own in PGDATA.
    rm -rf "$r/etc/postgresql/17" "$r/var/lib/postgresql/17" "$r/var/log/postgresql"/*
    # Documentation, manuals, translations, locale sources (en_US is compiled above).
    find "$r/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
    rm -rf "$r/usr/share/doc"/* "$r/usr/share/man"/* "$r/usr/share/info"/* "$r/usr/share/lintian" \
        "$r/usr/share/i18n" "$r/usr/share/postgresql/17/man" "$r/usr/share/postgresql-common/pgdg"
    # JIT: LLVM (+ z3, its only user) is ~150 MB and only used by JIT, which
    # the config turns off.
    rm -rf "$r/usr/lib/postgresql/17/lib/bitcode" "$r/usr/lib/postgresql/17/lib/llvmjit"* \
        "$r"/usr/lib/x86_64-linux-gnu/libLLVM* "$r"/usr/lib/x86_64-linux-gnu/libz3.so*
    # Package manager caches and logs.
    rm -rf "$r/var/cache/apt"/* "$r/var/lib/apt/lists"/* "$r/var/cache/debconf"/*-old \
        "$r/var/lib/dpkg"/*-old "$r/var/log"/*.log "$r/var/log/apt"/* "$r/var/cache/ldconfig"/*
    # Mount points the agent fills at boot.
    rm -rf "$r/dev"/* "$r/proc"/* "$r/sys"/* "$r/run"/* "$r/tmp"/* "$r/var/tmp"/*
    mv "$base.tmp" "$base"
    echo "$base_key" > "$work/base.stamp"
    say "base rootfs ready ($(du -sm "$base" | cut -f1) MB)"
fi

# ---- stage 2: rootfs with lttle's parts ---------------------------------------
say "assembling rootfs"
root=$work/rootfs
rm -rf "$root"
cp -a "$base" "$root"
install -m 0755 "$module" "$root/usr/lib/postgresql/17/lib/lttle_pg.so"
install -m 0755 "$here/entrypoint.sh" "$root/usr/local/bin/lttle-entrypoint"
install -d -m 0755 "$root/usr/local/share/lttle"
install -m 0644 "$here/postgresql.conf" "$here/pg_hba.conf" "$root/usr/local/share/lttle/"
pg_uid=$(awk -F: '$1 == "postgres" { print $3 }' "$root/etc/passwd")
pg_gid=$(awk -F: '$1 == "postgres" { print $4 }' "$root/etc/passwd")
install -d -m 0700 -o "$pg_uid" -g "$pg_gid" "$root/var/lib/postgresql/data"
size_mb=$(du -sm "$root" | cut -f1)

# ---- OCI layout ------------------------------------------------------------------
say "writing layer tar"
tmp=$out.tmp
rm -rf "$tmp"
mkdir -p "$tmp/blobs/sha256"
(cd "$root" && find . -mindepth 1 -maxdepth 1 -printf '%P\n' | LC_ALL=C sort) |
    tar -C "$root" --numeric-owner --sort=name --xattrs --xattrs-include='security.capability' \
        -cf "$tmp/layer.tar" -T -

blob() { # FILE -> moves it into blobs/, prints "DIGEST SIZE"
    d=$(sha256sum "$1" | cut -d' ' -f1)
    s=$(wc -c < "$1")
    mv "$1" "$tmp/blobs/sha256/$d"
    echo "$d $s"
}

set -- $(blob "$tmp/layer.tar")
layer_digest=$1 layer_size=$2
created=$(date -u +%Y-%m-%dT%H:%M:%SZ)

cat > "$tmp/config.json" <<EOF
{"created":"$created","architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/lib/postgresql/17/bin:/usr/sbin:/usr/bin:/sbin:/bin","PG_MAJOR=17","PGDATA=/var/lib/postgresql/data","LANG=en_US.utf8"],"Entrypoint":["/usr/local/bin/lttle-entrypoint"],"Cmd":["postgres"],"WorkingDir":"/","StopSignal":"SIGINT","ExposedPorts":{"5432/tcp":{}},"Volumes":{"/var/lib/postgresql/data":{}},"Labels":{"cloud.lttle.readiness":"manual","org.opencontainers.image.title":"postgres:17-flash","org.opencontainers.image.description":"PostgreSQL 17 (Debian $suite) with the lttle_pg flash-mode module"}},"rootfs":{"type":"layers","diff_ids":["sha256:$layer_digest"]},"history":[{"created":"$created","created_by":"runtime/images/postgres/build.sh"}]}
EOF
set -- $(blob "$tmp/config.json")
config_digest=$1 config_size=$2

cat > "$tmp/manifest.json" <<EOF
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:$config_digest","size":$config_size},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:$layer_digest","size":$layer_size}],"annotations":{"org.opencontainers.image.ref.name":"$ref","org.opencontainers.image.created":"$created"}}
EOF
set -- $(blob "$tmp/manifest.json")
manifest_digest=$1 manifest_size=$2

cat > "$tmp/index.json" <<EOF
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:$manifest_digest","size":$manifest_size,"platform":{"architecture":"amd64","os":"linux"},"annotations":{"org.opencontainers.image.ref.name":"$ref"}}]}
EOF
echo '{"imageLayoutVersion":"1.0.0"}' > "$tmp/oci-layout"

rm -rf "$out"
mv "$tmp" "$out"
rm -rf "$root"
echo "$image_key" > "$work/image.stamp"
say "$ref -> $out (rootfs $size_mb MB, layer $((layer_size / 1048576)) MB, $(($(date +%s) - start)) s)"
