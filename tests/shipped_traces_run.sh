#!/bin/sh
# shipped_traces_run.sh POOLBENCH TRACES_DIR OUTDIR
# Every shipped trace (TRACES_DIR/*.trace.gz) replays against the forms advise
# prints: the pool with a fallback (malloc and pools behind it) and the hybrid
# backend (untagged blocks, all of them here, go to its fallback). One round
# of one replay each; passes when every run of these forms ends ok, except on
# a trace whose threads free each other's blocks: none of these backends is
# thread-safe, so those runs must be refused, saying so.
pb=$1; dir=$2; out=$3
mkdir -p "$out" || exit 1
set -- "$dir"/*.trace.gz
[ -e "$1" ] || { echo "no traces in $dir"; exit 1; }
args=
for t in "$@"; do args="$args --trace $t"; done
specs=pool:chunk=48:fallback=malloc,pool:chunk=64:fallback=pools,hybrid:pool=1@48:arena=2:fallback=malloc
# shellcheck disable=SC2086 # one word per trace path (the shipped names hold no spaces)
"$pb" run --backend "$specs" $args --rounds 1 --repeat 1 --warmup 0 \
  -o "$out/results.json" > "$out/run.log" 2>&1 || { cat "$out/run.log"; exit 1; }
bad=$(jq -r '.runs[] | select(.backend != "null") |
  select(if .workload.cross_thread_frees > 0
         then (.status != "refused" or (.error | test("not thread-safe") | not))
         else .status != "ok" end) |
  "\(.backend_spec) \(.workload.name): \(.status) \(.error // "")"' "$out/results.json") ||
  { echo "unreadable results"; exit 1; }
[ -z "$bad" ] || { printf 'unexpected outcomes:\n%s\n' "$bad"; exit 1; }
runs=$(jq '[.runs[] | select(.backend != "null")] | length' "$out/results.json")
[ "$runs" -eq $(( $# * 3 )) ] || { echo "$runs runs, not $(( $# * 3 ))"; exit 1; }
exit 0
