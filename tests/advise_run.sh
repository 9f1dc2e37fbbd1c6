#!/bin/sh
# advise_run.sh POOLBENCH TRACE OUTDIR
# Runs `poolbench advise TRACE`, takes the `poolbench run` command it prints
# (its last line), runs it with POOLBENCH, --repeat 1 --warmup 0 and -o in
# OUTDIR, and passes when the run exits 0 and its results name the
# recommended pools spec.
bin=$1; trace=$2; out=$3
mkdir -p "$out" || exit 1
advice=$("$bin" advise "$trace") || { echo "advise failed"; exit 1; }
cmd=$(printf '%s\n' "$advice" | tail -n 1 | sed 's/^ *//')
case $cmd in
  "poolbench run "*) ;;
  *) printf 'last line is not a run command: %s\n' "$cmd"; exit 1 ;;
esac
spec=$(printf '%s\n' "$cmd" | sed -n 's/.*--backend \(pools:[^,]*\),.*/\1/p')
[ -n "$spec" ] || { echo "no pools spec in: $cmd"; exit 1; }
rest=${cmd#poolbench }
# shellcheck disable=SC2086 # the command is split into words as a shell would
eval "\"\$bin\" $rest --repeat 1 --warmup 0 -o \"\$out/results.json\"" > "$out/run.log" 2>&1
rc=$?
if [ "$rc" -ne 0 ]; then
  printf 'the printed command exited %s: %s\n' "$rc" "$cmd"; cat "$out/run.log"; exit 1
fi
grep -q "\"backend_spec\":[[:space:]]*\"$spec\"" "$out/results.json" ||
  { echo "results do not name $spec"; exit 1; }
exit 0
