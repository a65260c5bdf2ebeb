#!/usr/bin/env bash
# The table `make test` ends with: each tier's time and counts, then one closing
# line "test: N passed, N failed, N skipped". Exits non-zero when a tier failed
# or did not run.
set -uo pipefail
out=${LTTLE_BUILD:-build}/test-results
passed=0 failed=0 skipped=0 status=0
printf '\n%-12s %8s %8s %8s %8s\n' tier time passing failing pending
for tier in "$@"; do
  if [ ! -f "$out/$tier.tsv" ]; then
    printf '%-12s %8s\n' "$tier" 'not run'
    status=1
    continue
  fi
  read -r name seconds pass fail pend rc < "$out/$tier.tsv"
  printf '%-12s %5dm%02ds %8d %8d %8d\n' "$name" $((seconds / 60)) $((seconds % 60)) "$pass" "$fail" "$pend"
  passed=$((passed + pass)) failed=$((failed + fail)) skipped=$((skipped + pend))
  [ "$rc" = 0 ] || status=1
done
echo
echo "test: $passed passed, $failed failed, $skipped skipped"
exit "$status"
