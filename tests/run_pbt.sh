#!/bin/sh
# run_pbt.sh POOLBENCH DATA_DIR -- `poolbench run --trace FILE.pbt` finishes
# cleanly: exit 0, a results file with the run; so does a trace of several
# threads (t lines), text and .pbt. (The runner kept the .pbt
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

# a trace of several threads runs (on one thread, in file order), as text and as .pbt
"$pb" convert "$data/threads.trace" "$dir/threads.pbt" >/dev/null || exit 1
for t in "$data/threads.trace" "$dir/threads.pbt"; do
  out=$("$pb" run --backend null,malloc --trace "$t" --rounds 1 --repeat 1 --warmup 0 \
        -o "$dir/t.json" --quiet 2>&1)
  rc=$?
  [ "$rc" -eq 0 ] || { printf 'run on %s exited %s:\n%s\n' "$t" "$rc" "$out"; exit 1; }
  [ "$(grep -Ec '"status":[[:space:]]*"ok"' "$dir/t.json")" -eq 2 ] ||
    { echo "$t: not two ok runs"; exit 1; }
  grep -Eq '"threads":[[:space:]]*3,' "$dir/t.json" || { echo "$t: no \"threads\": 3"; exit 1; }
  grep -Eq '"longest_chain":[[:space:]]*9,' "$dir/t.json" || { echo "$t: no longest_chain 9"; exit 1; }
  grep -Eq '"ops":[[:space:]]*10,' "$dir/t.json" || { echo "$t: not 10 ops"; exit 1; }
done
exit 0
