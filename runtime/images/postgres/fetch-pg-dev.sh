#!/bin/sh
# PostgreSQL 17 server headers and PGXS from Debian trixie, for building
# lttle_pg with the host's gcc.
#   fetch-pg-dev.sh OUTDIR   ->  OUTDIR/root/usr/... and OUTDIR/pg_config
#
# Why not a trixie chroot: postgresql-server-dev-17 hard-depends on clang-19 and
# llvm-19-dev (hundreds of MB, only for optional JIT bitcode), and trixie's
# pg_config binary needs glibc 2.38, newer than the host's. The module is plain
# C against headers whose ABI is fixed by PG_MODULE_MAGIC, and a library built
# against the host's older glibc runs on trixie's newer one. So: download the
# two packages with a private apt configuration (the host's own sources, suite
# trixie), extract them, and answer PGXS's pg_config questions with a script.
set -eu

out=$1
mkdir -p "$out"
out=$(cd "$out" && pwd)

mirror=$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | grep -v -- '-security' | head -n1)
[ -n "$mirror" ] || mirror=$(sed -n 's/^deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]\{1,\}\)\{0,1\}\([^[:space:]]*\).*/\2/p' /etc/apt/sources.list 2>/dev/null | grep -v -- '-security' | head -n1)
[ -n "$mirror" ] || { echo "fetch-pg-dev: no Debian mirror in the apt sources" >&2; exit 1; }

apt="$out/apt"
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/debs"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" > "$apt/sources.list"
: > "$apt/status"
opts="-o Dir::Etc::SourceList=$apt/sources.list -o Dir::Etc::SourceParts=/dev/null \
 -o Dir::State::Lists=$apt/lists -o Dir::Cache=$apt/cache -o Dir::State::status=$apt/status \
 -o APT::Sandbox::User=root -q"
echo "pg-dev: trixie package lists from $mirror"
# shellcheck disable=SC2086
apt-get $opts update >/dev/null
rm -rf "$apt/debs"/* "$out/root"
# shellcheck disable=SC2086
(cd "$apt/debs" && apt-get $opts download postgresql-server-dev-17 postgresql-client-17)
for d in "$apt/debs"/*.deb; do dpkg-deb -x "$d" "$out/root"; done
ls "$out/root/usr/include/postgresql/17/server/postgres.h" "$out/root/usr/lib/postgresql/17/lib/pgxs/src/makefiles/pgxs.mk" >/dev/null

r="$out/root"
cat > "$out/pg_config.tmp" <<EOF
#!/bin/sh
# pg_config for the extracted trixie PostgreSQL 17 in $r (Debian's layout).
for a; do
  case "\$a" in
    --pgxs) echo "$r/usr/lib/postgresql/17/lib/pgxs/src/makefiles/pgxs.mk" ;;
    --bindir) echo "$r/usr/lib/postgresql/17/bin" ;;
    --sharedir) echo "$r/usr/share/postgresql/17" ;;
    --sysconfdir) echo "/etc/postgresql-common" ;;
    --libdir) echo "$r/usr/lib/x86_64-linux-gnu" ;;
    --pkglibdir) echo "$r/usr/lib/postgresql/17/lib" ;;
    --includedir|--pkgincludedir) echo "$r/usr/include/postgresql" ;;
    --includedir-server) echo "$r/usr/include/postgresql/17/server" ;;
    --mandir) echo "$r/usr/share/postgresql/17/man" ;;
    --docdir) echo "$r/usr/share/doc/postgresql-doc-17" ;;
    --localedir) echo "$r/usr/share/locale" ;;
    --version) echo "PostgreSQL 17 (Debian trixie headers)" ;;
    *) echo "pg_config: unsupported option \$a" >&2; exit 1 ;;
  esac
done
EOF
chmod 0755 "$out/pg_config.tmp"
mv "$out/pg_config.tmp" "$out/pg_config"
echo "pg-dev: $(ls "$apt/debs")"
