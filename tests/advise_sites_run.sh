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
# reset (a phase of @Parse ended); then `advise --sites --measured` on those
# results finds both forms and gives each saving as malloc's median minus the
# form's, and the error as measured minus predicted; results of another trace
# are refused.
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
m=$out/measured.json
"$bin" advise --sites --json --measured "$out/results.json" "$trace" > "$m" ||
  { echo "advise --measured failed"; exit 1; }
jq -e --slurpfile r "$out/results.json" '
  def med($s): [$r[0].runs[] | select(.backend_spec == $s and .status == "ok") | .time.ns_per_op.median][0];
  def close(a; b): ((a - b) | fabs) < 1e-9;
  .measured.forms as $f | ($f | length) == 3 and all($f[]; .found) and
  all($f[]; close(.measured_save_ns_per_op; med("malloc") - med(.backend_spec))) and
  all($f[0:2][]; close(.error_ns_per_op; .measured_save_ns_per_op - .predicted_save_ns_per_op)) and
  $f[0].backend_spec == .hybrid.backend_spec and $f[1].backend_spec == .by_hand.backend_spec and
  close($f[1].predicted_save_ns_per_op; .by_hand.save_ns_per_op)' "$m" > /dev/null ||
  { echo "advise --measured figures wrong:"; jq .measured "$m"; exit 1; }
if "$bin" advise --sites --measured "$out/results.json" data/example.trace > /dev/null 2> "$out/err"; then
  echo "advise --measured took the results of another trace"; exit 1
fi
grep -q "no ok malloc run of this trace" "$out/err" || { cat "$out/err"; exit 1; }
exit 0
