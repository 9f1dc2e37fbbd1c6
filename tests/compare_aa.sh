#!/bin/sh
# tests/compare_aa.sh POOLBENCH DIR -- poolbench compare on real runs.
# A/A: two identical `poolbench run`s (pool and arena on a small churn, 7
# rounds each) are judged unchanged: exit 0, no changed row, no settings
# block. A/B: 64 KiB blocks written in full (--touch full) against the same
# run with --touch none, over 30x slower for pool and null in every build, are
# judged a regression (exit 1), and the settings block names config.touch.
# The compares ask for a 400 % effect (5x): on a loaded 2-core machine a whole
# run was up to 2.2x slower or faster than the one before it (docs/compare.md).
# The memory figures keep the default 5 %: pool and arena measure resident
# bytes on their own mappings (mincore), the same in identical runs; the
# process-wide figure of malloc and pools (smaps_rollup) moves by a few pages
# under ASan, whose own allocations count, and ASan's malloc is slow.
set -u
pb=$1
dir=$2
rm -rf "$dir" && mkdir -p "$dir" || exit 1
aa="--backend pool,arena -w churn:pairs=20000 --rounds 7 --quiet"
ab="--backend pool:chunk=65536 -w churn:size=65536,live=16,pairs=2000 --rounds 7 --quiet"
opts="--min-effect 400"
fail() {
  printf 'compare_aa: %s\n' "$1"
  [ -f "${2:-}" ] && cat "$2"
  exit 1
}
# run NAME ARGS...: poolbench run ARGS -o DIR/NAME.json, which must succeed
run() {
  name=$1
  shift
  "$pb" run "$@" -o "$dir/$name.json" >"$dir/$name.out" 2>&1 || fail "run $name failed" "$dir/$name.out"
}
# compared WHAT RC BASE NEW OUT: poolbench compare $opts DIR/BASE.json DIR/NEW.json
# exits RC; its output in DIR/OUT
compared() {
  # shellcheck disable=SC2086 # $opts is a list of arguments
  "$pb" compare $opts "$dir/$3.json" "$dir/$4.json" >"$dir/$5" 2>&1
  rc=$?
  [ "$rc" -eq "$2" ] || fail "$1: exit $rc, expected $2" "$dir/$5"
}
# shellcheck disable=SC2086 # $aa and $ab are lists of arguments
run a $aa
# shellcheck disable=SC2086
run b $aa
# shellcheck disable=SC2086
run none $ab --touch none
# shellcheck disable=SC2086
run full $ab --touch full

# A/A: unchanged
compared A/A 0 a b ab.txt
grep -q '^3 pairs; 15 figures: 15 compared, 0 changed, 0 regressions$' "$dir/ab.txt" ||
  fail "A/A: not 15 figures compared and 0 changed" "$dir/ab.txt"
# the samples are the rounds (exact test, or its normal approximation when two
# rounds tie: equal ns/op, which whole nanoseconds make likely on an idle machine)
grep -Eq '^pool +churn:pairs=20000 +ns/op .* p=[0-9.e-]+ (exact|normal), 7\+7 rounds ' "$dir/ab.txt" ||
  fail "A/A: the samples are not the 7 rounds" "$dir/ab.txt"
grep -q 'different settings' "$dir/ab.txt" && fail "A/A: settings reported as different" "$dir/ab.txt"

# A/B: writing every byte of 64 KiB blocks is a regression, and the setting is named
compared A/B 1 none full nf.txt
grep -Eq '^pool:chunk=65536 +churn:size=65536,live=16,pairs=2000 +ns/op .* REGRESSION$' "$dir/nf.txt" ||
  fail "A/B: pool's ns/op with --touch full is not a regression" "$dir/nf.txt"
grep -q '^  config.touch: none (base) vs full (new)$' "$dir/nf.txt" ||
  fail "A/B: config.touch not reported as a different setting" "$dir/nf.txt"
exit 0
