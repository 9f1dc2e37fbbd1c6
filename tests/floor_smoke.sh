#!/bin/sh
# floor_smoke.sh REPLAY_FLOOR DATA_DIR WORK_DIR REPLAY_FLOOR_OPS [POOLBENCH]
# bench/replay_floor.c once per mode on tests/data/run_small.trace (pool-ops:
# REPLAY_FLOOR_OPS, the build with poolbench's pool backend): exit 0, one
# result line with the trace's event count and a positive median; bad traces
# refused with exit 2 and their FILE:LINE message. With POOLBENCH (builds
# without sanitizers), `poolbench record` checks that the floor's own process
# makes the trace's allocation calls and no other: 7 allocs and 1 realloc per
# replay in malloc mode, none at all in the pool modes. No timing is asserted.
set -u
floor=$1; data=$2; work=$3; floor_ops=$4; pb=${5:-}
fail() { echo "FAIL: $*"; exit 1; }
rm -rf "$work" && mkdir -p "$work" || exit 1

# run_small: 12 events (7 a, 3 f, 1 r, 1 x), sizes up to 64 bytes
for mode in malloc pool pool-call pool-ops; do
  prog=$floor; [ "$mode" = pool-ops ] && prog=$floor_ops
  out=$("$prog" --mode "$mode" --warmup 1 --repeat 3 "$data/run_small.trace" 2>&1)
  rc=$?
  [ "$rc" -eq 0 ] || fail "--mode $mode exited $rc: $out"
  echo "$out"
  echo "$out" | grep -Eq "^floor mode=$mode .*events=12 slots=4 warmup=1 repeat=3 " \
    || fail "--mode $mode: unexpected result line"
  med=$(echo "$out" | sed -n 's/.* median_ns_per_event=\([0-9.]*\) .*/\1/p')
  awk -v m="$med" 'BEGIN { exit !(m + 0 > 0) }' || fail "--mode $mode: median '$med' not positive"
done

# expect CODE PATTERN ARGS...: the floor exits CODE and says PATTERN
expect() {
  code=$1; pattern=$2; shift 2
  out=$("$floor" "$@" 2>&1); rc=$?
  [ "$rc" -eq "$code" ] || fail "$*: exit $rc, expected $code: $out"
  echo "$out" | grep -Eq -- "$pattern" || fail "$*: output does not match /$pattern/: $out"
  echo "refused as expected: $out"
}
printf 'poolbench-trace 1\na 1 64\nq 3\n' > "$work/bad.trace"
expect 2 "bad\\.trace:3: unknown event 'q'" "$work/bad.trace"
expect 2 "bad\\.trace:3: unknown event 'q'" --mode pool "$work/bad.trace"
expect 2 "dup_live\\.trace:4: id 7 is already live \\(allocated at line 2\\)" "$data/dup_live.trace"
expect 2 "run_bad\\.trace:4: f on id 1, which is not live" "$data/run_bad.trace"
expect 2 "bad_version\\.trace:2: unsupported trace version 2" "$data/bad_version.trace"
expect 2 "run_small\\.trace:6: a of 48 bytes exceeds the pool's chunk of 32 bytes" \
  --mode pool --chunk 32 "$data/run_small.trace"
expect 2 "example\\.trace\\.gz: gzip-compressed" "$data/example.trace.gz"
expect 2 "--mode must be malloc, pool or pool-call" --mode pool-ops "$data/run_small.trace"
expect 2 "--repeat '0'" --repeat 0 "$data/run_small.trace"

[ -n "$pb" ] || { echo "no poolbench given: the recording check is left out"; exit 0; }
"$pb" record -o "$work/m.trace" -- "$floor" --warmup 1 --repeat 2 "$data/run_small.trace" \
  > "$work/m.log" 2>&1 || { cat "$work/m.log"; fail "record (malloc mode) failed"; }
na=$(grep -c '^a ' "$work/m.trace"); nr=$(grep -c '^r ' "$work/m.trace")
[ "$na" -eq 21 ] && [ "$nr" -eq 3 ] \
  || fail "malloc mode: recorded $na allocs and $nr reallocs, expected 21 and 3 (3 replays)"
"$pb" record -o "$work/p.trace" -- "$floor" --mode pool "$data/run_small.trace" \
  > "$work/p.log" 2>&1 || { cat "$work/p.log"; fail "record (pool mode) failed"; }
n=$(grep -c '^[afr] ' "$work/p.trace")
[ "$n" -eq 0 ] || fail "pool mode: recorded $n allocation calls, expected none"
"$pb" record -o "$work/o.trace" -- "$floor_ops" --mode pool-ops "$data/run_small.trace" \
  > "$work/o.log" 2>&1 || { cat "$work/o.log"; fail "record (pool-ops mode) failed"; }
n=$(grep -c '^[afr] ' "$work/o.trace")
[ "$n" -eq 0 ] || fail "pool-ops mode: recorded $n allocation calls, expected none"
echo "recorded: malloc mode $na allocs, $nr reallocs; pool and pool-ops modes none"
exit 0
