#!/bin/sh
# bench/floor.sh -- poolbench's timed loop against the floor (bench/replay_floor.c),
# side by side, on the same plain-text traces, interleaved, pinned to one CPU.
#
#   bench/floor.sh BUILD_DIR [OUT_DIR]          (OUT_DIR default: results/floor)
#
# Workloads: fixed-size churn (poolbench gen -w $CHURN, 10 M events) for the
# pool, glibc malloc, jemalloc and mimalloc; every shipped trace
# (workloads/traces/*.trace.gz, inflated with poolbench convert) for the three
# mallocs. A library that is not installed is skipped, and the script says so.
# Each round runs every (workload, allocator) pair once with each tool, the
# floor first in odd rounds and poolbench first in even ones:
#   floor      taskset -c $CPU [env LD_PRELOAD=LIB] replay_floor --mode M ...
#   poolbench  taskset -c $CPU poolbench run --backend B --trace T --quiet ...
# (poolbench's figure: runs[].time.ns_per_op.median of the run that is not null).
# It prints, per pair, the median over the rounds of each tool's median
# ns/event, the median and min-max over the rounds of the per-round ratio
# poolbench / floor, and whether the ratio is inside its target: pool <= 1.15
# (against the floor's inline pool), the mallocs within 0.85-1.15. Two more
# rows put poolbench's pool:chunk=64 against the floor's pool behind a
# backend's interface (pool-call: what function pointers cost) and against
# poolbench's own pool backend driven by the floor's loop (pool-ops,
# build/replay_floor_ops: the harness alone), both <= 1.15.
# Raw figures: OUT_DIR/raw.tsv; the table: OUT_DIR/table.txt.
#
# Environment: ROUNDS (5), REPEAT (11), WARMUP (2), CPU (1),
# CHURN (churn:size=64,live=1000,pairs=5000000), JEMALLOC_LIB, MIMALLOC_LIB
# (default: libjemalloc.so.2 and libmimalloc.so.2.0 in the C library's
# directory). Needs python3 and taskset; about 150 MB in OUT_DIR. Timing: run it
# on a quiet machine; it is not part of ctest.
set -eu
[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: bench/floor.sh BUILD_DIR [OUT_DIR]" >&2; exit 2; }
abs() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s/%s\n' "$(pwd)" "$1" ;; esac; }
build=$(abs "$1")
out=$(abs "${2:-results/floor}")
cd "$(dirname "$0")/.."
pb="$build/poolbench"
floor="$build/replay_floor"
floor_ops="$build/replay_floor_ops"
rounds=${ROUNDS:-5}
repeat=${REPEAT:-11}
warmup=${WARMUP:-2}
cpu=${CPU:-1}
churn=${CHURN:-churn:size=64,live=1000,pairs=5000000}
for f in "$pb" "$floor" "$floor_ops"; do
  [ -x "$f" ] || { echo "floor.sh: $f not found (build it: cmake --build BUILD_DIR)" >&2; exit 2; }
done
for t in python3 taskset; do
  command -v "$t" >/dev/null || { echo "floor.sh: $t not found" >&2; exit 2; }
done
mkdir -p "$out"

# ---- the libraries: the same file for both tools ------------------------------
libc_dir=$(ldd "$floor" | sed -n 's|.*=> \(/[^ ]*\)/libc\.so\.6 .*|\1|p')
find_lib() { # NAME: the first readable NAME in the C library's directory and the usual ones
  for d in "$libc_dir" "/usr$libc_dir" /usr/local/lib /usr/lib /lib; do
    [ -n "$d" ] && [ -r "$d/$1" ] && { printf '%s\n' "$d/$1"; return 0; }
  done
  return 1
}
allocs="malloc"
jemalloc=${JEMALLOC_LIB:-$(find_lib libjemalloc.so.2 || true)}
mimalloc=${MIMALLOC_LIB:-$(find_lib libmimalloc.so.2.0 || true)}
if [ -n "$jemalloc" ] && [ -r "$jemalloc" ]; then allocs="$allocs jemalloc"
else echo "floor.sh: jemalloc not installed (libjemalloc.so.2): skipped"; fi
if [ -n "$mimalloc" ] && [ -r "$mimalloc" ]; then allocs="$allocs mimalloc"
else echo "floor.sh: mimalloc not installed (libmimalloc.so.2.0): skipped"; fi

# ---- the workloads, as plain text -------------------------------------------------
"$pb" gen -w "$churn" -o "$out/churn.trace"
workloads="churn"
for t in workloads/traces/*.trace.gz workloads/traces/*.trace; do
  [ -f "$t" ] || continue
  name=$(basename "$t"); name=${name%.gz}; name=${name%.trace}
  "$pb" convert "$t" "$out/$name.trace"
  # the floor replays one thread: a recorded threaded program is left out
  if grep -q '^t ' "$out/$name.trace"; then
    echo "${0##*/}: $name has threads ('t' lines), which the floor does not replay: skipped"
    continue
  fi
  workloads="$workloads $name"
done

# ---- one measurement of each tool ---------------------------------------------------
lib_of() { case $1 in jemalloc) echo "$jemalloc" ;; mimalloc) echo "$mimalloc" ;; *) echo "" ;; esac; }

run_floor() { # WORKLOAD ALLOCATOR: prints median ns/event
  trace="$out/$1.trace"
  if [ "$2" = pool ] || [ "$2" = pool-call ]; then
    set -- taskset -c "$cpu" "$floor" --mode "$2" --chunk 64
  elif [ "$2" = pool-ops ]; then
    set -- taskset -c "$cpu" "$floor_ops" --mode pool-ops --chunk 64
  else
    lib=$(lib_of "$2")
    set -- taskset -c "$cpu" env ${lib:+"LD_PRELOAD=$lib"} "$floor" --mode malloc
  fi
  "$@" --warmup "$warmup" --repeat "$repeat" "$trace" |
    sed -n 's/.* median_ns_per_event=\([0-9.]*\) .*/\1/p'
}

run_poolbench() { # WORKLOAD ALLOCATOR: prints median ns/event
  trace="$out/$1.trace"
  json="$out/pb-$1-$2.json"
  case $2 in
    pool|pool-call|pool-ops) spec=pool:chunk=64 ;;
    malloc) spec=malloc ;;
    *) spec="$2:lib=$(lib_of "$2")" ;;
  esac
  taskset -c "$cpu" "$pb" run --backend "$spec" --trace "$trace" --rounds 1 --repeat "$repeat" \
    --warmup "$warmup" --timeout 0 -o "$json" --quiet || true
  python3 - "$json" <<'PY'
import json, sys
runs = [r for r in json.load(open(sys.argv[1]))["runs"] if r["backend"] != "null"]
ok = [r for r in runs if r.get("status") == "ok"]
print(ok[0]["time"]["ns_per_op"]["median"] if ok else "")
PY
}

pairs=""
for a in pool pool-call pool-ops $allocs; do pairs="$pairs churn/$a"; done
for w in $workloads; do
  [ "$w" = churn ] && continue
  for a in $allocs; do pairs="$pairs $w/$a"; done
done

raw="$out/raw.tsv"
printf 'round\tworkload\tallocator\ttool\tmedian_ns_per_event\n' > "$raw"
measure() { # ROUND WORKLOAD ALLOCATOR TOOL
  v=$(run_"$4" "$2" "$3")
  [ -n "$v" ] || { echo "floor.sh: $4 on $2 with $3 gave no figure" >&2; exit 1; }
  printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$v" >> "$raw"
}

r=1
while [ "$r" -le "$rounds" ]; do
  echo "floor.sh: round $r of $rounds"
  for p in $pairs; do
    w=${p%/*}; a=${p#*/}
    if [ $((r % 2)) -eq 1 ]; then
      measure "$r" "$w" "$a" floor; measure "$r" "$w" "$a" poolbench
    else
      measure "$r" "$w" "$a" poolbench; measure "$r" "$w" "$a" floor
    fi
  done
  r=$((r + 1))
done

# ---- the table ----------------------------------------------------------------------
python3 - "$raw" <<'PY' | tee "$out/table.txt"
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
pairs, fig = [], {}
for r in rows:
    key = (r["workload"], r["allocator"])
    if key not in fig:
        pairs.append(key)
        fig[key] = {}
    fig[key].setdefault(r["round"], {})[r["tool"]] = float(r["median_ns_per_event"])
print(f"{'workload':10} {'allocator':9} {'floor ns/ev':>11} {'poolbench ns/ev':>15} "
      f"{'ratio':>6} {'ratio min-max':>13}  {'target':11} inside")
for key in pairs:
    per = [v for v in fig[key].values() if "floor" in v and "poolbench" in v]
    fl = statistics.median(v["floor"] for v in per)
    pbv = statistics.median(v["poolbench"] for v in per)
    ratios = [v["poolbench"] / v["floor"] for v in per]
    med = statistics.median(ratios)
    if key[1].startswith("pool"):
        target, inside = "<= 1.15", med <= 1.15
    else:
        target, inside = "0.85-1.15", 0.85 <= med <= 1.15
    print(f"{key[0]:10} {key[1]:9} {fl:11.2f} {pbv:15.2f} {med:6.2f} "
          f"{min(ratios):6.2f}-{max(ratios):<6.2f}  {target:11} {'yes' if inside else 'NO'}")
print(f"({len(per)} rounds; ratio = median over the rounds of poolbench/floor in the same round)")
PY
