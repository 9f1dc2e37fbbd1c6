#!/bin/sh
# bench/memory-pass.sh -- what the untimed memory pass costs against the timed
# replays, at 10 k, 1 M and 10 M live blocks. For each size it generates
# churn:live=N,pairs=0 (N allocs, then N frees) as a .pbt, runs it against
# pool, malloc, arena and pools, and prints per backend the median timed
# replay (ns/op x events, after the warm-up), the memory pass's own wall time
# (memory.pass_seconds) and their ratio; then the first replay on a fresh
# instance (time.cold_ns_per_op x events: each timing process's first replay,
# whose pages fault in as the memory pass's do) and the ratio against it.
# Not part of ctest.
#
#   bench/memory-pass.sh [BUILD_DIR] [DIR] [SIZES]
#       defaults: build, /tmp, "10000 1000000 10000000"
#
# Needs about 2 GB free in DIR and 4 GB of RAM at 10 M; takes several minutes
# there. Writes nothing in the tree. Ratios, not absolute times, are the
# figures to read on a shared machine.
set -eu
build=${1:-build}
dir=${2:-/tmp}
sizes=${3:-"10000 1000000 10000000"}
cd "$(dirname "$0")/.."
pb="$build/poolbench"
backends=pool,malloc,arena,pools
files=""
trap 'rm -f $files' EXIT
for n in $sizes; do
  w="$dir/pb-mempass-$n.pbt"
  files="$files $w $dir/pb-mempass-$n.json"
  "$pb" gen -w "churn:live=$n,pairs=0" -o "$w"
  "$pb" run --backend "$backends" --trace "$w" --repeat 3 --warmup 1 --timeout 0 --quiet \
    -o "$dir/pb-mempass-$n.json" || echo "live=$n: a run failed (see $dir/pb-mempass-$n.json)"
  python3 - "$n" "$dir/pb-mempass-$n.json" <<'PY'
import json, sys
n, path = sys.argv[1], sys.argv[2]
runs = {r["backend"]: r for r in json.load(open(path))["runs"]
        if r["backend"] != "null" and r["status"] == "ok"}
print(f"live={n}: {'backend':<8} {'ns/op':>8} {'replay s':>10} {'pass s':>9} {'pass/replay':>11}"
      f" {'1st replay s':>12} {'pass/1st':>8}")
for b in ("pool", "malloc", "arena", "pools"):
    if b not in runs:
        print(f"live={n}: {b:<8} failed")
        continue
    t = runs[b]["time"]
    replay = t["ns_per_op"]["median"] * t["ops"] / 1e9
    first = t["cold_ns_per_op"]["median"] * t["ops"] / 1e9
    ps = runs[b]["memory"]["pass_seconds"]
    print(f"live={n}: {b:<8} {t['ns_per_op']['median']:8.2f} {replay:10.6f} {ps:9.4f}"
          f" {ps / replay:11.2f} {first:12.6f} {ps / first:8.2f}")
PY
  rm -f "$w" "$dir/pb-mempass-$n.json"
done
