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
    # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a word list by design
    as_postgres initdb -D "$PGDATA" --username="$POSTGRES_USER" --pwfile="$pwdir/pw" \
        --auth-local=scram-sha-256 --auth-host=scram-sha-256 ${POSTGRES_INITDB_ARGS:-}
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

if [ "$(id -u)" = 0 ]; then
    exec setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
fi
exec "$@"
