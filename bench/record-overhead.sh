#!/bin/bash
# bench/record-overhead.sh -- what `poolbench record` costs per recorded event.
#
#   bench/record-overhead.sh BUILD_DIR [OUT_DIR]     (OUT_DIR default: results/record-overhead)
#
# Runs BUILD_DIR/record_target_loop (bench/record_target_loop.c: small
# malloc/free calls in a loop) bare and under `poolbench record`, pinned to
# one CPU, in turn, ROUNDS times each:
#   bare      taskset -c $CPU record_target_loop MODE ...
#   recorded  taskset -c $CPU poolbench record -o OUT_DIR/MODE.trace -- record_target_loop MODE ...
#   preload   taskset -c $CPU env LD_PRELOAD=BUILD_DIR/libpbrecord.so PB_RECORD_OUT=... record_target_loop MODE ...
# (preload is the library alone, without poolbench record's start-up and its
# read of each trace's closing summary afterwards.)
# Two variants: single (one thread, $PAIRS malloc+free pairs) and threads
# ($THREADS threads, $PAIRS / $THREADS pairs each, freeing each other's blocks).
# Each command is timed whole (start-up, the recorder's merge and formatting,
# the write and the exit included) by bash's time: wall seconds, and CPU seconds
# (user + system, children included), which a busy machine disturbs less. It
# prints, per variant and for each of the two, the best of the rounds of each
# kind, the events in the trace (its "# exit: N events" line) and
# ns per event = (recorded - bare) / events, and the same for preload. The
# load average at the start and the end says whether other work shared the
# machine (its wall times are then the first to suffer).
# Raw times (every round): OUT_DIR/raw.tsv.
#
# Environment: ROUNDS (7), PAIRS (2000000: 4 M events), THREADS (8), CPU (1;
# "all" runs unpinned). Needs bash, taskset and awk. Not part of ctest: run it
# on a quiet machine.
set -eu
[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: bench/record-overhead.sh BUILD_DIR [OUT_DIR]" >&2; exit 2; }
abs() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s/%s\n' "$(pwd)" "$1" ;; esac; }
build=$(abs "$1")
out=$(abs "${2:-results/record-overhead}")
pb="$build/poolbench"
loop="$build/record_target_loop"
lib="$build/libpbrecord.so"
rounds=${ROUNDS:-7}
pairs=${PAIRS:-2000000}
threads=${THREADS:-8}
cpu=${CPU:-1}
for f in "$pb" "$loop" "$lib"; do
  [ -e "$f" ] || { echo "record-overhead.sh: $f not found (build it: cmake --build BUILD_DIR)" >&2; exit 2; }
done
if [ "$cpu" = all ]; then pin=""; else
  command -v taskset >/dev/null || { echo "record-overhead.sh: taskset not found" >&2; exit 2; }
  pin="taskset -c $cpu"
fi
mkdir -p "$out"
raw="$out/raw.tsv"
printf 'variant\tround\tkind\twall_s\tcpu_s\n' > "$raw"

# timed VARIANT ROUND KIND CMD...: runs CMD under bash's time, appends its wall
# and CPU (user + system, its children included) seconds to raw.tsv
timed() {
  local v=$1 r=$2 k=$3 TIMEFORMAT='%3R %3U %3S'; shift 3
  { time "$@" > /dev/null 2>&1 || { echo "record-overhead.sh: $k run of $v failed: $*" >&2; exit 1; }; } 2> "$out/time.txt"
  awk -v v="$v" -v r="$r" -v k="$k" '{ printf "%s\t%d\t%s\t%.3f\t%.3f\n", v, r, k, $1, $2 + $3 }' \
    "$out/time.txt" >> "$raw"
}
# best VARIANT KIND COLUMN: the fewest seconds in raw.tsv's column (4 wall,
# 5 cpu) among the rows of VARIANT and KIND: the run least disturbed by the
# rest of the machine
best() {
  awk -F '\t' -v v="$1" -v k="$2" -v c="$3" '$1 == v && $3 == k { print $c }' "$raw" | sort -g | head -1
}

per_thread=$((pairs / threads))
one() { # VARIANT ROUND KIND ARGS...: one timed run of KIND
  local v=$1 r=$2 k=$3; shift 3
  case $k in
  bare) timed "$v" "$r" bare $pin "$loop" "$@" ;;
  recorded) rm -f "$trace"; timed "$v" "$r" recorded $pin "$pb" record -o "$trace" -- "$loop" "$@" ;;
  preload) rm -f "$trace.preload"
           timed "$v" "$r" preload $pin env LD_PRELOAD="$lib" PB_RECORD_OUT="$trace.preload" "$loop" "$@" ;;
  esac
}
run_variant() { # VARIANT ARGS...: ROUNDS rounds of bare, recorded and preload, the order rotating
  v=$1; shift
  trace="$out/$v.trace"
  for r in $(seq 1 "$rounds"); do
    case $((r % 3)) in
    1) order="bare recorded preload" ;;
    2) order="recorded preload bare" ;;
    *) order="preload bare recorded" ;;
    esac
    for k in $order; do one "$v" "$r" "$k" "$@"; done
  done
  events=$(sed -n 's/^# exit: \([0-9]*\) events.*/\1/p' "$trace")
  [ -n "$events" ] || { echo "record-overhead.sh: $trace has no '# exit: N events' line" >&2; exit 1; }
  for c in 4 5; do
    bare=$(best "$v" bare $c) rec=$(best "$v" recorded $c) pre=$(best "$v" preload $c)
    awk -v v="$v" -v c="$( [ $c = 4 ] && echo wall || echo cpu)" -v b="$bare" -v r="$rec" -v p="$pre" -v e="$events" 'BEGIN {
      printf "%-8s %-4s %8d events  bare %.3f s  recorded %.3f s: %5.1f ns/event  preload %.3f s: %5.1f ns/event\n",
        v, c, e, b, r, (r - b) * 1e9 / e, p, (p - b) * 1e9 / e }'
  done
}

load() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?"; }
echo "record-overhead: best of $rounds rounds; CPU ${cpu}; $(nproc) CPUs online; load average $(load)"
run_variant single single "$pairs"
run_variant threads threads "$per_thread" "$threads"
echo "load average at the end: $(load) (other work on the CPU inflates wall times first; CPU times less)"
echo "raw times: $raw"
