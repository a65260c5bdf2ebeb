# Shared machinery of the image recipes (runtime/images/*/build.sh): a root
# filesystem debootstrapped from Debian packages, trimmed, then written as an
# OCI image layout with one uncompressed layer. Sourced (POSIX sh), not run.
#
# A recipe sets image_lib to this file's path, sources it, then calls in order:
#   image_begin OUTDIR KEY...      KEY files: the image is rebuilt when one changes
#   image_up_to_date && exit 0
#   image_base SUITE PACKAGES CHECK customise   (cached in OUTDIR.work/base)
#   image_rootfs                   fresh copy of the base in $root, to add files to
#   image_write REF CONFIG_JSON DESCRIPTION
# and uses $out, $work, $root and say.

say() { echo "image: $*"; }

# debootstrap mounts /proc (and /sys) inside the tree it builds. Interrupted,
# it may leave them mounted (its cleanup resolves the paths by running
# readlink in the half-built chroot, and nothing cleans up after SIGKILL), and
# then every later `rm -rf` of the tree fails with "Operation not permitted".
# So: unmount everything under the work dir on every exit of the recipe, and
# before a build starts, in case an earlier one was killed.
image_unmount_work() {
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

image_hash() { cat "$@" | sha256sum | cut -d' ' -f1; }

# The machine's own Debian mirror (trixie is served by the same one).
image_mirror() {
    m=$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | grep -v -- '-security' | head -n1)
    [ -n "$m" ] || m=$(sed -n 's/^deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]\{1,\}\)\{0,1\}\([^[:space:]]*\).*/\2/p' /etc/apt/sources.list 2>/dev/null | grep -v -- '-security' | head -n1)
    [ -n "$m" ] || { echo "image: no Debian mirror in the apt sources" >&2; return 1; }
    echo "$m"
}

# image_begin OUTDIR KEYFILE...: exits 0 at once when the image is up to date.
image_begin() {
    out=$1
    shift
    mkdir -p "$(dirname "$out")"
    out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
    work=$out.work
    mkdir -p "$work"
    image_unmount_work
    trap image_unmount_work EXIT
    # Exiting from a signal trap runs the EXIT trap too.
    trap 'exit 129' HUP
    trap 'exit 130' INT
    trap 'exit 143' TERM
    # The recipe ($0) and this library (the recipe sets $image_lib) key the base.
    base_key=$(image_hash "$image_lib" "$0")
    image_key=$(image_hash "$image_lib" "$0" "$@")
    start=$(date +%s)
}

image_up_to_date() {
    [ -f "$out/index.json" ] && [ "$(cat "$work/image.stamp" 2>/dev/null)" = "$image_key" ]
}

# image_base SUITE PACKAGES CHECK CUSTOMISE: debootstrap (minbase) with the
# packages, check that CHECK exists in the tree, run the recipe's CUSTOMISE
# function on it, trim it. Cached until the recipe or this library changes.
image_base() {
    suite=$1 packages=$2 check=$3 customise=$4
    base=$work/base
    [ "$(cat "$work/base.stamp" 2>/dev/null)" = "$base_key" ] && return 0
    mirror=$(image_mirror)
    rm -rf "$base" "$base.tmp" "$work/base.stamp"
    say "debootstrap $suite ($packages) from $mirror (about a minute)"
    # debootstrap is quiet per package; show its stage lines as progress.
    debootstrap --variant=minbase --include="$packages" "$suite" "$base.tmp" "$mirror" 2>&1 |
        grep --line-buffered -E '^I: (Retrieving Release|Validating Packages|Resolving|Found additional|Retrieving packages|Installing core|Unpacking the base|Configuring the base|Base system installed)|^E:|^W:' |
        sed -u 's/^/image:   /'
    [ -e "$base.tmp$check" ] || { echo "image: debootstrap failed ($check missing)" >&2; exit 1; }
    "$customise" "$base.tmp"
    say "trimming"
    r=$base.tmp
    # Documentation, manuals, translations.
    find "$r/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
    rm -rf "$r/usr/share/doc"/* "$r/usr/share/man"/* "$r/usr/share/info"/* "$r/usr/share/lintian" "$r/usr/share/i18n"
    # Package manager caches and logs.
    rm -rf "$r/var/cache/apt"/* "$r/var/lib/apt/lists"/* "$r/var/cache/debconf"/*-old \
        "$r/var/lib/dpkg"/*-old "$r/var/log"/*.log "$r/var/log/apt"/* "$r/var/cache/ldconfig"/*
    # Mount points the agent fills at boot.
    rm -rf "$r/dev"/* "$r/proc"/* "$r/sys"/* "$r/run"/* "$r/tmp"/* "$r/var/tmp"/*
    mv "$base.tmp" "$base"
    echo "$base_key" > "$work/base.stamp"
    say "base rootfs ready ($(du -sm "$base" | cut -f1) MB)"
}

image_rootfs() {
    say "assembling rootfs"
    root=$work/rootfs
    rm -rf "$root"
    cp -a "$work/base" "$root"
}

# image_write REF CONFIG DESCRIPTION: CONFIG is the JSON of the image config's
# "config" object (Entrypoint, Cmd, Env, ...).
image_write() {
    ref=$1 config=$2 description=$3
    size_mb=$(du -sm "$root" | cut -f1)
    say "writing layer tar"
    tmp=$out.tmp
    rm -rf "$tmp"
    mkdir -p "$tmp/blobs/sha256"
    (cd "$root" && find . -mindepth 1 -maxdepth 1 -printf '%P\n' | LC_ALL=C sort) |
        tar -C "$root" --numeric-owner --sort=name --xattrs --xattrs-include='security.capability' \
            -cf "$tmp/layer.tar" -T -

    set -- $(image_blob "$tmp/layer.tar")
    layer_digest=$1 layer_size=$2
    created=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    cat > "$tmp/config.json" <<EOF
{"created":"$created","architecture":"amd64","os":"linux","config":$config,"rootfs":{"type":"layers","diff_ids":["sha256:$layer_digest"]},"history":[{"created":"$created","created_by":"$description"}]}
EOF
    set -- $(image_blob "$tmp/config.json")
    config_digest=$1 config_size=$2
    cat > "$tmp/manifest.json" <<EOF
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:$config_digest","size":$config_size},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:$layer_digest","size":$layer_size}],"annotations":{"org.opencontainers.image.ref.name":"$ref","org.opencontainers.image.created":"$created"}}
EOF
    set -- $(image_blob "$tmp/manifest.json")
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
}

image_blob() { # FILE -> moves it into blobs/, prints "DIGEST SIZE"
    d=$(sha256sum "$1" | cut -d' ' -f1)
    s=$(wc -c < "$1")
    mv "$1" "$tmp/blobs/sha256/$d"
    echo "$d $s"
}
