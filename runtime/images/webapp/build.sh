#!/bin/sh
# Build the example web app's image ghcr.io/lttle-cloud/webapp:1 (examples/webapp)
# as an OCI image layout: Node.js and node-pg from Debian trixie plus server.js.
#   build.sh OUTDIR SERVER_JS
# node-pg is Debian's package of the `pg` npm module: the image comes from one
# package source (the machine's Debian mirror), like postgres:17-flash, with no
# npm download at build time.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
image_lib=$here/../lib/debian-image.sh
. "$image_lib"
server=$2

image_begin "$1" "$server"
if image_up_to_date; then
    say "webapp:1 is up to date ($out)"
    exit 0
fi

customise() {
    # The server runs as its own unprivileged user (the image config's User).
    chroot "$1" useradd --system --no-create-home --home-dir /srv/webapp --shell /usr/sbin/nologin webapp
}
image_base trixie nodejs,node-pg /usr/share/nodejs/pg/package.json customise

image_rootfs
install -d -m 0755 "$root/srv/webapp"
install -m 0644 "$server" "$root/srv/webapp/server.js"

image_write ghcr.io/lttle-cloud/webapp:1 \
    '{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","NODE_ENV=production","PORT=8080"],"Entrypoint":["/usr/bin/node"],"Cmd":["server.js"],"WorkingDir":"/srv/webapp","User":"webapp","ExposedPorts":{"8080/tcp":{}},"Labels":{"org.opencontainers.image.title":"webapp:1","org.opencontainers.image.description":"lttle example web app: Node.js (Debian trixie) answering with a row count from PostgreSQL"}}' \
    runtime/images/webapp/build.sh
