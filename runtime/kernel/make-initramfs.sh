#!/bin/sh
# Pack the initramfs: /init (the agent) and /modules/ (+ modules/order).
#   make-initramfs.sh AGENT MODULES_DIR OUTPUT.cpio.gz
set -eu

agent=$1
mods=$2
out=$3

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/modules" "$tmp/dev" "$tmp/proc" "$tmp/sys" "$tmp/newroot"
cp "$agent" "$tmp/init"
chmod 0755 "$tmp/init"
cp "$mods"/*.ko "$mods/order" "$tmp/modules/"
# The kernel opens /dev/console for PID 1's stdio when the node exists.
mknod -m 0600 "$tmp/dev/console" c 5 1 2>/dev/null || true

(cd "$tmp" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -9n > "$out.tmp"
mv "$out.tmp" "$out"
echo "initramfs: $out ($(wc -c < "$out") bytes)"
