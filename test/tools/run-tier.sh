#!/usr/bin/env bash
# Runs one tier of the suite with mocha and records its figures for the summary:
#   run-tier.sh NAME TIMEOUT_MS SPEC...
# The output goes to the terminal and to build/test-results/NAME.log; the line
# "NAME SECONDS PASSING FAILING PENDING EXIT" goes to build/test-results/NAME.tsv.
set -uo pipefail
name=$1 timeout=$2
shift 2
out=${LTTLE_BUILD:-build}/test-results
mkdir -p "$out"
start=$(date +%s)
node_modules/.bin/mocha --no-config --timeout "$timeout" --reporter spec "$@" 2>&1 | tee "$out/$name.log"
rc=${PIPESTATUS[0]}
seconds=$(($(date +%s) - start))
count() { grep -Eo "^ +[0-9]+ $1" "$out/$name.log" | tail -1 | grep -Eo '[0-9]+' || echo 0; }
echo "$name $seconds $(count passing) $(count failing) $(count pending) $rc" > "$out/$name.tsv"
echo "test-$name: $seconds s"
exit "$rc"
