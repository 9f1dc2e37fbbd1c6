#!/bin/sh
# advise_sites_run.sh POOLBENCH TRACE OUTDIR SANITIZED
# Runs `poolbench advise --sites TRACE`, checks it recommends a pool for the
# churning @Node site and an arena for the bursty @Parse site (the trace,
# tests/data/sites_small.trace, is built so), takes the `poolbench run`
# command it prints (its last line) and runs it with --repeat 1 --warmup 0.
# SANITIZED=1 (the ASan build cannot preload another malloc): the production
# allocators are dropped from the command's backend list first. Passes when
# the hybrid form gives @Node (tag 1) its pool and @Parse (tag 2) its arena,
# the run exits 0, its results name both forms and the hybrid's arena was
# reset (a phase of @Parse ended).
bin=$1; trace=$2; out=$3; sanitized=$4
mkdir -p "$out" || exit 1
advice=$("$bin" advise --sites "$trace") || { echo "advise --sites failed"; exit 1; }
printf '%s\n' "$advice" | grep -A3 '^site Node' | grep -q 'recommend: its own pool, chunk 48' ||
  { echo "no pool for @Node:"; printf '%s\n' "$advice"; exit 1; }
printf '%s\n' "$advice" | grep -A3 '^site Parse' | grep -q 'recommend: an arena' ||
  { echo "no arena for @Parse:"; printf '%s\n' "$advice"; exit 1; }
cmd=$(printf '%s\n' "$advice" | tail -n 1 | sed 's/^ *//')
case $cmd in
  "poolbench run --backend hybrid:pool=1@48:arena=2:fallback=malloc,pool:chunk=48:fallback=malloc,malloc,pools"*) ;;
  *) printf 'last line is not the expected run command: %s\n' "$cmd"; exit 1 ;;
esac
if [ "$sanitized" = 1 ]; then
  cmd=$(printf '%s\n' "$cmd" | sed 's/,jemalloc//; s/,mimalloc//; s/,tcmalloc//')
fi
rest=${cmd#poolbench }
# shellcheck disable=SC2086 # the command is split into words as a shell would
eval "\"\$bin\" $rest --repeat 1 --warmup 0 -o \"\$out/results.json\"" > "$out/run.log" 2>&1
rc=$?
if [ "$rc" -ne 0 ]; then
  printf 'the printed command exited %s: %s\n' "$rc" "$cmd"; cat "$out/run.log"; exit 1
fi
for spec in pool:chunk=48:fallback=malloc hybrid:pool=1@48:arena=2:fallback=malloc; do
  jq -e --arg s "$spec" '[.runs[] | select(.backend_spec == $s and .status == "ok")] | length == 1' \
    "$out/results.json" > /dev/null || { echo "results have no ok run of $spec"; exit 1; }
done
resets=$(jq -r '[.runs[] | select(.backend == "hybrid") | .backend_config.arena_resets][0]' \
  "$out/results.json")
[ "${resets:-0}" -gt 0 ] 2>/dev/null || { echo "hybrid: arena_resets is '$resets', not > 0"; exit 1; }
exit 0
