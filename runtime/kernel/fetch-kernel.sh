#!/bin/sh
# Produce the guest kernel and the module set the initramfs carries.
#   fetch-kernel.sh OUTDIR
# OUTDIR/vmlinuz            the kernel
# OUTDIR/kernel-root/       the extracted Debian package (depmod'ed)
# OUTDIR/modules/           uncompressed .ko files + "order" (load order, one file a line)
# Debian's cloud kernel is the smallest stock kernel with virtio; its virtio
# drivers are modules, hence the module set.
set -eu

out=$1
meta=linux-image-cloud-amd64
# The drivers the guest needs, in PROTOCOL.md's order; dependencies are added
# in front of each by modprobe --show-depends.
# virtio_balloon: free page reporting turns the guest's free memory into holes
# of the memory file (slim snapshots, docs/architecture.md).
want="virtio_ring virtio virtio_mmio virtio_blk virtio_console failover net_failover virtio_net virtio_rng virtio_balloon ext4"

# pick_modules ROOT VERSION: modules/ gets $want and their dependencies, in load order.
pick_modules() {
    rm -rf modules.tmp
    mkdir modules.tmp
    : > modules.tmp/order
    for m in $want; do
        modprobe -d "$1" -S "$2" --show-depends "$m" | while read -r kind path _; do
            [ "$kind" = insmod ] || continue          # "builtin ext4": nothing to carry
            base=$(basename "$path")
            name=${base%%.ko*}.ko
            grep -qx "$name" modules.tmp/order && continue
            # The agent loads plain .ko with finit_module; decompress here whatever
            # the kernel ships so the agent needs no decompressor.
            case "$base" in
                *.ko) cp "$path" "modules.tmp/$name" ;;
                *.ko.xz) xz -dc "$path" > "modules.tmp/$name" ;;
                *.ko.zst) zstd -qdc "$path" > "modules.tmp/$name" ;;
                *.ko.gz) gzip -dc "$path" > "modules.tmp/$name" ;;
                *) echo "fetch-kernel: unknown module format $base" >&2; exit 1 ;;
            esac
            echo "$name" >> modules.tmp/order
        done
    done
    echo "$want" > modules.tmp/want
    rm -rf modules
    mv modules.tmp modules
    echo "kernel: $2, modules: $(tr '\n' ' ' < modules/order)"
}

# Done when the module set was made from this list; a changed list reuses the
# extracted kernel instead of downloading it again.
if [ -s "$out/vmlinuz" ] && [ "$(cat "$out/modules/want" 2>/dev/null)" = "$want" ]; then
    exit 0
fi
mkdir -p "$out"
cd "$out"

if [ -s vmlinuz ] && [ -s kernel-version ] && [ -d kernel-root/lib/modules/"$(cat kernel-version)" ]; then
    ver=$(cat kernel-version)
    pick_modules kernel-root "$ver"
    exit 0
fi

# The versioned package the metapackage points at (e.g. linux-image-6.1.0-56-cloud-amd64).
if ! apt-cache show "$meta" >/dev/null 2>&1; then
    apt-get update -qq
fi
pkg=$(apt-cache depends "$meta" | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n1)
[ -n "$pkg" ] || { echo "fetch-kernel: cannot resolve $meta" >&2; exit 1; }
echo "kernel: $pkg"

rm -rf debs kernel-root.tmp modules.tmp
mkdir debs
# apt-get download writes into the current directory; _apt cannot write here.
(cd debs && apt-get -q -o APT::Sandbox::User=root download "$pkg")
dpkg-deb -x debs/"$pkg"_*.deb kernel-root.tmp
ver=$(ls kernel-root.tmp/lib/modules | head -n1)
depmod -b kernel-root.tmp "$ver"

pick_modules kernel-root.tmp "$ver"

rm -rf kernel-root
mv kernel-root.tmp kernel-root
echo "$ver" > kernel-version
cp kernel-root/boot/vmlinuz-"$ver" vmlinuz.tmp
mv vmlinuz.tmp vmlinuz
rm -rf debs
