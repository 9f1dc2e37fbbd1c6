#!/bin/sh
# preload_report.sh LIB -- PB_POOLS_REPORT=FILE: each process that exits
# through exit() appends one line to FILE with the options in effect
# (docs/pools-preload.md); without PB_POOLS_REPORT nothing is written.
set -u
lib=$1
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

out=$(LD_PRELOAD=$lib PB_POOLS_CLASSES=16/48/256/1024 PB_POOLS_SLAB=100k \
      PB_POOLS_REPORT=$tmp/r find "$tmp" -maxdepth 0 -exec echo hello ';') || fail "the program failed"
[ "$out" = hello ] || fail "stdout is '$out'"
# find and the echo it runs: two processes, two lines
[ "$(wc -l < "$tmp/r")" -eq 2 ] || fail "$(wc -l < "$tmp/r") report lines, want 2: $(cat "$tmp/r")"
grep -Eq '^libpoolbench-pools pid=[0-9]+ classes=16/48/256/1024 slab=102400 return=off heaps=1 ' \
    "$tmp/r" || fail "the options are not in the report: $(cat "$tmp/r")"
grep -Eq 'class_allocs=[1-9][0-9]* class_frees=[0-9]+ remote_frees=0 next_allocs=[0-9]+ next_frees=[0-9]+ slabs_returned=0$' \
    "$tmp/r" || fail "the counters are not in the report: $(cat "$tmp/r")"
# page return: the option in effect is reported
rm -f "$tmp/r"
LD_PRELOAD=$lib PB_POOLS_RETURN=2 PB_POOLS_REPORT=$tmp/r /bin/true || fail "return=2 failed"
grep -Eq ' return=2 .* slabs_returned=[0-9]+$' "$tmp/r" || fail "return=2 not reported: $(cat "$tmp/r")"
(cd "$tmp" && LD_PRELOAD=$lib ls > /dev/null) || fail "ls failed"
[ "$(ls "$tmp")" = r ] || fail "a file was written without PB_POOLS_REPORT: $(ls "$tmp")"
echo "preload_report: ok"
