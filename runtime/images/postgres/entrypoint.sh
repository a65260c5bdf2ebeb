#!/bin/sh
# lttle-entrypoint: the entrypoint of postgres:17-flash.
# On an empty PGDATA: initdb (superuser POSTGRES_USER, password POSTGRES_PASSWORD),
# create POSTGRES_DB, open the server to the network with password auth and
# preload lttle_pg. Then run the server in the foreground, logging to stderr.
set -eu

: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
export PGDATA

# `docker run image -c x=y` style: options only means options for postgres.
case "${1:-}" in
    '' | -*) set -- postgres "$@" ;;
esac
if [ "$1" != postgres ]; then
    exec "$@"
fi

as_postgres() {
    if [ "$(id -u)" = 0 ]; then
        setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
    else
        "$@"
    fi
}

# WAL is sized to the filesystem PGDATA is on. PostgreSQL's defaults (16 MB
# segments, min_wal_size 80MB, max_wal_size 1GB) are meant for large disks: a
# 100 MiB volume fills with WAL at about 30 MB of data.
fs_mb() { # size of PGDATA's filesystem in MB
    df -Pk "$PGDATA" | awk 'NR == 2 { print int($2 / 1024) }'
}

# WAL segment size of a new cluster: PostgreSQL keeps at least two segments
# and writes whole ones, so 16 MB segments alone take a third of a 100 MiB
# volume. The largest power of two up to 1/32 of the filesystem, 1 to 16 MB.
wal_segsize() {
    seg=16
    size=$(fs_mb)
    [ -n "$size" ] || { echo "$seg"; return; }
    while [ "$seg" -gt 1 ] && [ $((seg * 32)) -gt "$size" ]; do
        seg=$((seg / 2))
    done
    echo "$seg"
}

# At every start, so it follows the volume when it grows: max_wal_size a
# fifth of the filesystem (at most the 1GB default), min_wal_size the two
# segments PostgreSQL requires, so segments beyond that are removed rather
# than kept for reuse. WAL peaks near max_wal_size during a bulk load: with a
# quarter, `pgbench -i -s 2` on a 100 MiB volume left 2 MB free. Written to a
# conf include (appended once to postgresql.conf) rather than -c options, so
# later settings in postgresql.conf and ALTER SYSTEM still win.
size_wal() {
    [ -f "$PGDATA/postgresql.conf" ] || return 0
    size=$(fs_mb)
    seg=$(LC_ALL=C pg_controldata "$PGDATA" 2>/dev/null |
        awk -F: '/^Bytes per WAL segment/ { print int($2 / 1048576) }')
    [ -n "$size" ] && [ "$size" -gt 0 ] || return 0
    [ -n "$seg" ] && [ "$seg" -gt 0 ] || seg=16
    min=$((2 * seg))
    max=$((size / 5))
    [ "$max" -le 1024 ] || max=1024
    [ "$max" -ge "$min" ] || max=$min
    cat > "$PGDATA/lttle.wal.conf" <<EOF
# Written by lttle-entrypoint at every start for a filesystem of ${size} MB.
# Override in postgresql.conf (after its include line) or with ALTER SYSTEM.
min_wal_size = ${min}MB
max_wal_size = ${max}MB
EOF
    [ "$(id -u)" != 0 ] || chown postgres:postgres "$PGDATA/lttle.wal.conf"
    grep -q "^include_if_exists = 'lttle.wal.conf'" "$PGDATA/postgresql.conf" ||
        printf "\n# WAL sized to the volume by lttle-entrypoint.\ninclude_if_exists = 'lttle.wal.conf'\n" >> "$PGDATA/postgresql.conf"
    # Durable before the server starts: a machine killed later (a deep suspend
    # whose snapshot a redeploy discards) loses the guest's page cache, and an
    # unsynced append would leave NUL bytes in postgresql.conf.
    sync "$PGDATA/lttle.wal.conf" "$PGDATA/postgresql.conf" "$PGDATA/pg_hba.conf" "$PGDATA"
}

if [ "$(id -u)" = 0 ]; then
    mkdir -p "$PGDATA" /var/run/postgresql
    chown postgres:postgres "$PGDATA" /var/run/postgresql
    chmod 0700 "$PGDATA"
    chmod 2775 /var/run/postgresql
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    if [ -z "${POSTGRES_PASSWORD:-}" ]; then
        echo "lttle-entrypoint: the database is uninitialized and POSTGRES_PASSWORD is not set" >&2
        exit 1
    fi
    # A freshly formatted volume mounted at PGDATA has an empty lost+found,
    # which initdb refuses as "not empty".
    rmdir "$PGDATA/lost+found" 2>/dev/null || true

    # The password reaches initdb through a private file, never argv.
    pwdir=$(mktemp -d)
    trap 'rm -rf "$pwdir"' EXIT
    printf '%s\n' "$POSTGRES_PASSWORD" > "$pwdir/pw"
    [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$pwdir"
    case " ${POSTGRES_INITDB_ARGS:-} " in
        *" --wal-segsize"*) segsize= ;;
        *) segsize=--wal-segsize=$(wal_segsize) ;;
    esac
    # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a word list by design
    as_postgres initdb -D "$PGDATA" --username="$POSTGRES_USER" --pwfile="$pwdir/pw" \
        --auth-local=scram-sha-256 --auth-host=scram-sha-256 $segsize ${POSTGRES_INITDB_ARGS:-}
    rm -rf "$pwdir"
    trap - EXIT

    cat /usr/local/share/lttle/postgresql.conf >> "$PGDATA/postgresql.conf"
    cat /usr/local/share/lttle/pg_hba.conf >> "$PGDATA/pg_hba.conf"

    if [ "$POSTGRES_DB" != postgres ]; then
        # Unreachable from the network (and lttle_pg does not report "ready"
        # for a server without TCP listeners).
        as_postgres pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start
        export PGPASSWORD="$POSTGRES_PASSWORD"
        as_postgres psql -v ON_ERROR_STOP=1 --no-password --no-psqlrc -q \
            --username="$POSTGRES_USER" --dbname=postgres -v db="$POSTGRES_DB" <<'SQL'
CREATE DATABASE :"db";
SQL
        unset PGPASSWORD
        as_postgres pg_ctl -D "$PGDATA" -m fast -w stop
    fi
    echo
    echo "PostgreSQL init process complete; ready for start up."
    echo
fi

size_wal

# This guest was just booted, so no postmaster of this cluster runs: a
# postmaster.pid left by a machine that was killed (daemon SIGKILL, a deep
# suspend discarded by a redeploy) names a pid that a new boot reuses, and
# PostgreSQL would refuse to start. Its WAL recovery handles the rest.
rm -f "$PGDATA/postmaster.pid"

if [ "$(id -u)" = 0 ]; then
    exec setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
fi
exec "$@"
