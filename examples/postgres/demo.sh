#!/usr/bin/env bash
# The main job: deploy the seed's PostgreSQL (examples/postgres/postgresql.lttle.yaml)
# and answer a query through flash mode: the machine is suspended, the query's
# connection resumes it, and 3 seconds after the client leaves it is suspended again.
set -euo pipefail
cd "$(dirname "$0")/../.."
lttle() { bin/lttle "$@"; }
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
state() { lttle app get --ns samples postgresql --output json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const a=JSON.parse(s);console.log(process.argv[1]==="addr"?a.services[0].hostAddress:a.state)})' "$1"; }

say lttle deploy examples/postgres/postgresql.lttle.yaml
lttle deploy examples/postgres/postgresql.lttle.yaml
lttle_state=$(state state)
for _ in $(seq 1 600); do [ "$lttle_state" = suspended ] && break; sleep 0.2; lttle_state=$(state state); done

say lttle app get --ns samples postgresql
lttle app get --ns samples postgresql

say lttle machine logs --ns samples postgres --tail 6
lttle machine logs --ns samples postgres --tail 6

address=$(state addr)
echo
echo "machine state before the query: $(state state)"
say "PGPASSWORD=password psql -h ${address%:*} -p ${address##*:} -U user -d db -c 'select CURRENT_TIME'"
PGPASSWORD=password psql -h "${address%:*}" -p "${address##*:}" -U user -d db -c 'select CURRENT_TIME'
echo "machine state right after the query: $(state state)"
lttle app get --ns samples postgresql | grep -E 'resumes|last resume'
sleep 4
echo "machine state 4 s later: $(state state)"

cat <<TXT

PostgreSQL stays deployed (state in ${LTTLE_HOME:-~/.lttle}). Remove it as the seed does:
  bin/lttle app delete --ns samples postgresql -y
  bin/lttle volume rm --ns samples pgdata -y
TXT
