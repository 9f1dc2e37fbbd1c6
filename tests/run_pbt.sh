#!/bin/sh
# run_pbt.sh POOLBENCH DATA_DIR -- `poolbench run --trace FILE.pbt` finishes
# cleanly: exit 0, a results file with the run. (The runner kept the .pbt
# loader's path string, taken from pb_hmem, and then freed it with free():
# SIGSEGV at exit, status 139, after the results were written.)
set -u
pb=$1
data=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$pb" convert "$data/example.trace" "$dir/example.pbt" >/dev/null || exit 1
out=$("$pb" run --backend null,malloc --trace "$dir/example.pbt" --rounds 1 --repeat 1 \
      --warmup 0 -o "$dir/r.json" --quiet 2>&1)
rc=$?
if [ "$rc" -ne 0 ]; then
  printf 'run on a .pbt exited %s (expected 0):\n%s\n' "$rc" "$out"
  exit 1
fi
grep -Eq '"status":[[:space:]]*"ok"' "$dir/r.json" || { echo "no ok run in the results"; exit 1; }
exit 0
