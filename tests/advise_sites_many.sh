#!/bin/sh
# advise_sites_many.sh POOLBENCH OUTDIR
# A trace with 40 sites that each deserve a pool of 4000-byte chunks: the
# hybrid form advise prints must still be one valid backend spec (at most 32
# pools and arenas, shorter than a spec's 255 characters), name only sites
# advise recommended, and run.
pb=$1; out=$2
mkdir -p "$out" || exit 1
t=$out/many.trace
awk 'BEGIN { print "poolbench-trace 1"; id = 0
  for (r = 0; r < 100; r++) for (s = 1; s <= 40; s++) { id++; printf "a %d 4000 @Site%d\nf %d\n", id, s, id } }' > "$t"
"$pb" advise --sites --json "$t" > "$out/advice.json" || { echo "advise failed"; exit 1; }
spec=$(jq -r '.hybrid.backend_spec' "$out/advice.json")
sites=$(jq -r '.hybrid.sites' "$out/advice.json")
[ "${#spec}" -lt 256 ] || { echo "spec of ${#spec} characters: $spec"; exit 1; }
[ "$sites" -ge 20 ] && [ "$sites" -le 32 ] || { echo "$sites sites in the hybrid form"; exit 1; }
owners=$(printf '%s\n' "$spec" | sed 's/^hybrid:pool=//; s/:fallback=malloc$//' | tr '/' '\n' | grep -c '@4000$')
[ "$owners" -eq "$sites" ] || { echo "spec $spec names $owners pools, not $sites"; exit 1; }
"$pb" run --backend "$spec" --trace "$t" --rounds 1 --repeat 1 --warmup 0 -o "$out/run.json" \
  > "$out/run.log" 2>&1 || { cat "$out/run.log"; exit 1; }
jq -e '[.runs[] | select(.backend == "hybrid" and .status == "ok")] | length == 1' "$out/run.json" \
  > /dev/null || { echo "the hybrid run is not ok"; exit 1; }
exit 0
