#!/bin/sh
# bench/floor-callgrind.sh -- instructions per event of poolbench's timed replays
# and of the floor's (bench/replay_floor.c), under valgrind --tool=callgrind:
# the deterministic half of bench/floor.sh's comparison, where the clock is noisy.
#
#   bench/floor-callgrind.sh BUILD_DIR [OUT_DIR]    (OUT_DIR default: results/floor-callgrind)
#
# The same pairs as floor.sh (churn with pool, malloc, jemalloc, mimalloc; every
# shipped trace with the three mallocs), but a shorter churn ($CHURN, default
# churn:pairs=200000: instructions per event do not depend on its length), one
# warm-up and one timed replay each (and poolbench's cold replay before them,
# one round). Counted, for every replay: the floor from entry to exit of
# run_replays (or its clone), poolbench from entry to exit of pb_replay_timed,
# in the run's own process (null's is reported beside it); both hold the two
# clock reads, the replay and the release of the blocks left live after it (the
# same free calls in both). Per event (events = a, f, r and x lines):
#   total    every instruction of the replays, harness and allocator
#   harness  those of the program's own code (replay_floor / poolbench)
#   alloc    those in the libraries (libc's malloc, jemalloc, mimalloc)
# Writes OUT_DIR/callgrind.tsv and prints the table. Takes about 15 minutes;
# PAIRS="churn/pool sqlite3/malloc ..." measures only those.
set -eu
[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: bench/floor-callgrind.sh BUILD_DIR [OUT_DIR]" >&2; exit 2; }
abs() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s/%s\n' "$(pwd)" "$1" ;; esac; }
build=$(abs "$1")
out=$(abs "${2:-results/floor-callgrind}")
cd "$(dirname "$0")/.."
pb="$build/poolbench"
floor="$build/replay_floor"
floor_ops="$build/replay_floor_ops"
churn=${CHURN:-churn:pairs=200000}
for f in "$pb" "$floor" "$floor_ops"; do
  [ -x "$f" ] || { echo "floor-callgrind.sh: $f not found (build it: cmake --build BUILD_DIR)" >&2; exit 2; }
done
for t in valgrind callgrind_annotate python3; do
  command -v "$t" >/dev/null || { echo "floor-callgrind.sh: $t not found" >&2; exit 2; }
done
mkdir -p "$out"
libc_dir=$(ldd "$floor" | sed -n 's|.*=> \(/[^ ]*\)/libc\.so\.6 .*|\1|p')
find_lib() {
  for d in "$libc_dir" "/usr$libc_dir" /usr/local/lib /usr/lib /lib; do
    [ -n "$d" ] && [ -r "$d/$1" ] && { printf '%s\n' "$d/$1"; return 0; }
  done
  return 1
}
jemalloc=${JEMALLOC_LIB:-$(find_lib libjemalloc.so.2 || true)}
mimalloc=${MIMALLOC_LIB:-$(find_lib libmimalloc.so.2.0 || true)}
allocs=malloc
[ -n "$jemalloc" ] && allocs="$allocs jemalloc" || echo "floor-callgrind.sh: no jemalloc: skipped"
[ -n "$mimalloc" ] && allocs="$allocs mimalloc" || echo "floor-callgrind.sh: no mimalloc: skipped"
lib_of() { case $1 in jemalloc) echo "$jemalloc" ;; mimalloc) echo "$mimalloc" ;; *) echo "" ;; esac; }

"$pb" gen -w "$churn" -o "$out/churn.trace"
pairs=""
for a in pool pool-call pool-ops $allocs; do pairs="$pairs churn/$a"; done
for t in workloads/traces/*.trace.gz; do
  name=$(basename "$t" .trace.gz)
  "$pb" convert "$t" "$out/$name.trace"
  # the floor replays one thread: a recorded threaded program is left out
  if grep -q '^t ' "$out/$name.trace"; then
    echo "${0##*/}: $name has threads ('t' lines), which the floor does not replay: skipped"
    continue
  fi
  for a in $allocs; do pairs="$pairs $name/$a"; done
done
pairs=${PAIRS:-$pairs}

# summarise FILES...: "FILE total own kind" for each file that collected anything:
# every instruction, those of the program's own object, and "null" for null's run.
summarise() {
  python3 - "$@" <<'PY'
import re, subprocess, sys
line = re.compile(r"^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(\S+?):(\S+)\s+\[(.+)\]\s*$")
for path in sys.argv[1:]:
    text = subprocess.run(["callgrind_annotate", "--inclusive=no", "--threshold=100",
                           "--auto=no", path], capture_output=True, text=True).stdout
    rows = [(int(m.group(1).replace(",", "")), m.group(3), m.group(4))
            for m in map(line.match, text.splitlines()) if m]
    total = sum(c for c, _, _ in rows)
    if total == 0:
        continue
    own = sum(c for c, _, obj in rows if obj.endswith(("/poolbench", "/replay_floor", "/replay_floor_ops")))
    null = any(fn == "null_alloc" for _, fn, _ in rows)
    print(path, total, own, "null" if null else "run")
PY
}

tsv="$out/callgrind.tsv"
printf 'workload\tallocator\ttool\tevents\ttotal_ir_per_event\tharness_ir_per_event\n' > "$tsv"
events_of() { "$floor" --repeat 1 --warmup 0 "$out/$1.trace" | sed -n 's/.* events=\([0-9]*\) .*/\1/p'; }
for p in $pairs; do
  w=${p%/*}; a=${p#*/}
  trace="$out/$w.trace"
  ev=$(events_of "$w")
  dir="$out/cg-$w-$a"
  rm -rf "$dir" && mkdir -p "$dir"
  if [ "$a" = pool ] || [ "$a" = pool-call ]; then
    set -- "$floor" --mode "$a" --chunk 64; spec=pool:chunk=64
  elif [ "$a" = pool-ops ]; then
    set -- "$floor_ops" --mode pool-ops --chunk 64; spec=pool:chunk=64
  else
    lib=$(lib_of "$a"); set -- env ${lib:+"LD_PRELOAD=$lib"} "$floor" --mode malloc
    case $a in malloc) spec=malloc ;; *) spec="$a:lib=$lib" ;; esac
  fi
  # valgrind runs env, env runs the floor with the library preloaded
  valgrind --tool=callgrind --trace-children=yes --toggle-collect='run_replays*' \
    --callgrind-out-file="$dir/floor.%p" "$@" --warmup 1 --repeat 1 "$trace" >/dev/null 2>"$dir/floor.log"
  valgrind --tool=callgrind --trace-children=yes --toggle-collect=pb_replay_timed \
    --callgrind-out-file="$dir/pb.%p" "$pb" run --backend "$spec" --trace "$trace" --warmup 1 \
    --repeat 1 --rounds 1 --timeout 0 -o "$dir/pb.json" --quiet >/dev/null 2>"$dir/pb.log" || true
  summarise "$dir"/floor.* "$dir"/pb.* | while read -r file total own kind; do
    case $file in */floor.*) tool=floor ;; *) [ "$kind" = null ] && tool=poolbench-null || tool=poolbench ;; esac
    # the floor runs 2 replays (warm-up, timed); a poolbench timing process 3 (the
    # cold replay first, then the warm-up and the timed one)
    case $tool in floor) n=2 ;; *) n=3 ;; esac
    python3 -c "import sys; e=$n*int(sys.argv[4]); print('\t'.join(sys.argv[1:4] + [sys.argv[4], '%.1f' % (int(sys.argv[5])/e), '%.1f' % (int(sys.argv[6])/e)]))" \
      "$w" "$a" "$tool" "$ev" "$total" "$own" >> "$tsv"
  done
  echo "floor-callgrind.sh: $w/$a done"
done

python3 - "$tsv" <<'PY' | tee "$out/table.txt"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
fig, pairs = {}, []
for r in rows:
    k = (r["workload"], r["allocator"])
    if k not in fig:
        fig[k] = {}
        pairs.append(k)
    fig[k][r["tool"]] = (float(r["total_ir_per_event"]), float(r["harness_ir_per_event"]))
print("instructions per event (callgrind: both tools' timed replays and their releases)")
print(f"{'':20} {'---------- floor ----------':>27} {'-------- poolbench --------':>27} "
      f"{'':8} {'null':>6}")
print(f"{'workload':10} {'allocator':9} {'total':>8} {'own':>8} {'lib':>8} {'total':>8} {'own':>8} "
      f"{'lib':>8} {'pb/floor':>8} {'total':>6}")
for k in pairs:
    f, p, n = fig[k].get("floor"), fig[k].get("poolbench"), fig[k].get("poolbench-null")
    if not f or not p:
        print(f"{k[0]:10} {k[1]:9} (missing)")
        continue
    print(f"{k[0]:10} {k[1]:9} {f[0]:8.1f} {f[1]:8.1f} {f[0]-f[1]:8.1f} {p[0]:8.1f} {p[1]:8.1f} "
          f"{p[0]-p[1]:8.1f} {p[0]/f[0]:8.2f} {n[0] if n else float('nan'):6.1f}")
PY
