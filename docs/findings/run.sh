#!/bin/sh
# docs/findings/run.sh -- regenerates the results files (data/) and charts (img/)
# behind docs/findings.md, one function per question of the seed.
#
#   docs/findings/run.sh            every question (7.5 minutes pinned to one CPU
#                                   while the other was busy, most of it in q4)
#   docs/findings/run.sh q1 q3      only those
#
# Every run is pinned to CPU 0 (PB_CPU=N to change it) and takes 9 rounds, one
# timed process each (PB_ROUNDS=N), the samples of its intervals: 9 is the
# fewest whose 95 % interval drops the slowest and fastest round (x(2), x(8)).
#
# Run it from anywhere; it works in the repository root. It uses build/poolbench
# (or $POOLBENCH) and adds the production allocators (jemalloc, mimalloc,
# tcmalloc) to every comparison when this build has them and they run.
# Each results file gets the printed summary table beside it (NAME.txt).
# `poolbench run` exits 1 when a run failed (a pool refusing a request is an
# answer, not an error); only exit 2 or worse stops the script.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
pb=${POOLBENCH:-$root/build/poolbench}
data=docs/findings/data
img=docs/findings/img
traces=$(ls workloads/traces/*.trace.gz)
mkdir -p "$data" "$img"

# The production allocators this build can run, as ",name,name..." (or "").
prod=""
for b in jemalloc mimalloc tcmalloc; do
    if "$pb" run --backend "$b" --workload churn:live=10:pairs=10 --rounds 1 --repeat 1 \
        --quiet -o /dev/null >/dev/null 2>&1; then
        prod="$prod,$b"
    fi
done

# glibc's malloc preloaded like the production allocators: the malloc backend
# calls malloc_usable_size on every alloc and free (its granted_bytes), the
# preloaded ones only in the memory pass, so this is the like-for-like time.
glibc=""
if "$pb" run --backend preload:lib=libc.so.6 --workload churn:live=10:pairs=10 --rounds 1 --repeat 1 \
    --quiet -o /dev/null >/dev/null 2>&1; then
    glibc=",preload:lib=libc.so.6"
fi

# How every question is measured: the measuring processes pinned to CPU 0, and
# $rounds timed processes (rounds) per (backend, workload): the samples of
# every interval. Each bench below chooses --repeat, the warm replays per
# process whose median is that round's figure.
cpu=${PB_CPU:-0}
rounds=${PB_ROUNDS:-9}

# bench NAME ARGS...: poolbench run --cpu $cpu --rounds $rounds ARGS
# -o data/NAME.json, table to data/NAME.txt.
bench() {
    name=$1
    shift
    set -- --cpu "$cpu" --rounds "$rounds" "$@"
    echo "== $name: poolbench run $*" >&2
    rc=0
    "$pb" run "$@" -o "$data/$name.json" >"$data/$name.txt" || rc=$?
    if [ "$rc" -gt 1 ]; then
        echo "run.sh: $name: poolbench run exited $rc" >&2
        exit "$rc"
    fi
    figures "$name"
}

# figures NAME: data/NAME.tsv, one row per run with the figures the page
# quotes, read from data/NAME.json (needs jq; skipped without it). Times in
# ns/op: ns_op is the median over rounds (each round's figure is the median of
# its process's warm replays), ns_lo/ns_hi its confidence interval (ci_level
# in the JSON), noisy "*" when that interval is wider than 10 % of the median;
# net_ns_op is the median minus null's, net_lo/net_hi the interval of the
# paired round differences, net "~0" when it holds 0 (net_ns_op is then 0),
# "<0" when it lies below 0 (net_ns_op "-"); ns_op_min the fastest round;
# cold_ns_op the median of each round's first (cold) replay; flt_kop the warm
# replays' minor faults per 1000 ops, sys_pct their system share of CPU time.
# Sizes in KiB; "-" is null (the run's notes say why: data/NAME-notes.tsv);
# mean_live and mean_resident are averages over the timeline's samples;
# wasted = resident - occupied pages, >= 0, at the resident peak
# (wasted_at_peak), at the live peak (wasted_at_live_peak), at most
# (max_wasted) and on average (mean_wasted).
figures() {
    command -v jq >/dev/null 2>&1 || {
        echo "run.sh: jq not installed: $data/$1.tsv not written" >&2
        return 0
    }
    jq -r '
      def kib: if . == null then "-" else (. / 1024 | round) end;
      def r2: if . == null then "-" else (. * 100 | round / 100) end;
      def pct: if . == null then "-" else (. * 1000 | round / 10) end;
      def mean(f): if length == 0 then null else (map(f) | add / length) end;
      ["backend", "workload", "status", "ns_op", "ns_lo", "ns_hi", "noisy", "net_ns_op",
       "net_lo", "net_hi", "net", "ns_op_min", "cold_ns_op", "flt_kop", "sys_pct",
       "peak_live", "granted", "int_frag_pct", "footprint", "peak_resident", "alloc_resident",
       "wasted_at_peak", "resident_at_live_peak", "wasted_at_live_peak", "max_wasted",
       "resident_at_end", "mean_live", "mean_resident", "mean_wasted"],
      (.runs[] | select(.backend != "null") | . as $r | ($r.memory // {}) as $m
       | ($r.time // {}) as $tm | ($tm.ns_per_op // {}) as $ns | ($tm.net // {}) as $net
       | ($tm.causes.warm // {}) as $w | ($r.timeline // []) as $t
       | [$r.backend_spec // $r.backend, $r.workload.name, $r.status,
          ($ns.median | r2), ($ns.ci_low | r2), ($ns.ci_high | r2),
          (if $ns.noisy then "*" else "" end),
          ($tm.net_ns_per_op | r2), ($net.ci_low | r2), ($net.ci_high | r2),
          (if $net.within_noise then "~0" elif $net.below_baseline then "<0" else "" end),
          ($ns.min | r2), ($tm.cold_ns_per_op.median | r2),
          ($w.minor_faults_per_kop | r2), ($w.system_share | pct),
          ($r.workload.peak_live_bytes | kib), ($m.granted_bytes_at_peak | kib),
          ($m.internal_fragmentation | pct),
          ($m.peak_footprint_bytes | kib), ($m.peak_resident_bytes | kib),
          ($m.allocator_peak_resident_bytes | kib),
          ($m.wasted_page_bytes | kib), ($m.resident_bytes_at_live_peak | kib),
          ($m.wasted_page_bytes_at_live_peak | kib), ($m.max_wasted_page_bytes | kib),
          ($m.resident_bytes_at_end | kib),
          ($t | mean(.live_bytes) | kib),
          ($t | map(select(.resident_bytes != null)) | mean(.resident_bytes) | kib),
          ($m.mean_wasted_page_bytes | kib)])
      | @tsv' "$data/$1.json" >"$data/$1.tsv"
    # Every run's notes (how a figure was measured, why one is null), one a line.
    jq -r '["backend", "workload", "note"],
      (.runs[] | select(.backend != "null") | . as $r | ($r.notes // [])[]
       | [$r.backend_spec // $r.backend, $r.workload.name, .])
      | @tsv' "$data/$1.json" >"$data/$1-notes.tsv"
    # memory.classes (pools, pool-per-tag), summed per kind of pool at the live
    # peak: pools holding a slab, live bytes in them (chunks_live x size), their
    # slabs' bytes, live / slab bytes, and how many hold under a page of live data.
    if jq -e '[.runs[] | select(.memory.classes != null)] | length > 0' \
        "$data/$1.json" >/dev/null; then
        jq -r '
          ["backend", "workload", "kind", "pools_with_slabs", "live_KiB", "slab_KiB",
           "live_per_slab_pct", "pools_under_a_page_live"],
          (.runs[] | select(.memory.classes != null) | . as $r
           | ($r.memory.classes | map(select(.kind != "system" and .slabs > 0))
              | group_by(.kind)[]) as $g
           | [$r.backend_spec // $r.backend, $r.workload.name, $g[0].kind, ($g | length),
              ($g | map(.chunks_live * .size) | add / 1024 | round),
              ($g | map(.footprint_bytes) | add / 1024 | round),
              (($g | map(.chunks_live * .size) | add) * 1000
               / ($g | map(.footprint_bytes) | add) | round / 10),
              ($g | map(select(.chunks_live * .size < 4096)) | length)])
          | @tsv' "$data/$1.json" >"$data/$1-classes.tsv"
    fi
}

# charts NAME [CHART...]: poolbench plot data/NAME.json; keeps the PNGs named
# (glob patterns, default all) in img/NAME/.
charts() {
    name=$1
    shift
    tmp=$(mktemp -d)
    "$pb" plot "$data/$name.json" -o "$tmp" >/dev/null 2>&1 || {
        echo "run.sh: $name: poolbench plot failed" >&2
        rm -rf "$tmp"
        exit 1
    }
    rm -rf "${img:?}/$name"
    mkdir -p "$img/$name"
    if [ $# -eq 0 ]; then
        set -- '*'
    fi
    for pat in "$@"; do
        for f in "$tmp"/$pat.png; do
            [ -e "$f" ] && cp "$f" "$img/$name/"
        done
    done
    rm -rf "$tmp"
}

# 1. Is a pool the best general approach when most objects share a size?
q1() {
    # How much do a trace's requests share one size? (allocations only)
    for t in $traces; do
        gzip -dc "$t" | awk -v name="$(basename "$t" .trace.gz)" '
            $1 == "a" { n++; c[$3]++; if ($3 + 0 <= 64) small++ }
            END {
                top = 0
                for (s in c) { k++; if (c[s] > top) { top = c[s]; size = s } }
                printf "%-8s %7d allocs  <= 64 B: %3.0f%%  most common size %4d B: %3.0f%%  distinct sizes %d\n",
                    name, n, 100 * small / n, size, 100 * top / n, k
            }'
    done >"$data/q1-sizes.txt"
    bench q1-churn --backend "pool:chunk=64,pools,malloc$glibc$prod" \
        --workload churn:order=lifo --workload churn:order=fifo \
        --workload churn:order=random --workload churn:order=random:live=100000 \
        --repeat 5 --warmup 1 --sample-every 40000
    charts q1-churn throughput 'memory-churn_order_random*'
    # shellcheck disable=SC2046 # one --trace per file
    bench q1-traces --backend "pool:chunk=64,pools,malloc$glibc$prod" \
        $(for t in $traces; do printf -- '--trace %s ' "$t"; done) \
        --repeat 3 --sample-every 16000
    charts q1-traces throughput fragmentation memory-python3 memory-sqlite3 memory-gcc-cc1 \
        memory-jq timeline-python3 timeline-gcc-cc1
}

# 2. Can the minimum chunk size go below a pointer?
q2() {
    bench q2-size2 --backend "pool-small:chunk=2:align=2,pool-small:chunk=4,pool-small:chunk=4:index=32,pool:chunk=8:align=8,malloc$prod" \
        --workload churn:size=2:align=2:live=100000 \
        --workload churn:size=2:align=2:live=100000:order=lifo \
        --repeat 5 --warmup 1 --sample-every 50000
    charts q2-size2 throughput 'memory-*'
    bench q2-size4 --backend "pool-small:chunk=4,pool-small:chunk=4:index=32,pool:chunk=8:align=8,malloc$prod" \
        --workload churn:size=4:align=4:live=100000 \
        --repeat 5 --warmup 1 --sample-every 50000
    charts q2-size4 throughput 'memory-*'
    # The 16-bit index: at most 65535 chunks per slab (plus the sentinel slot).
    {
        for spec in pool-small:chunk=2:align=2:slab=128k pool-small:chunk=2:align=2:slab=256k \
            pool-small:chunk=2:align=2:slab=256k:index=32 pool:chunk=2:align=2; do
            echo "\$ poolbench run --backend $spec --workload churn:size=2:align=2 --rounds 1 --repeat 1"
            rc=0
            out=$("$pb" run --backend "$spec" --workload churn:size=2:align=2 --rounds 1 --repeat 1 \
                -o /dev/null 2>&1) || rc=$?
            printf '%s\n' "$out" | grep -v '^null \|^ns/op\|^  \*\|^net:\|^cold:\|^peak res\|^$' || true
            echo "exit $rc"
        done
    } >"$data/q2-limit.txt"
}

# 3. Would Pool<T> -- one pool per type -- waste memory when a type has few objects?
q3() {
    bench q3-types --backend "pool-per-tag,pool-per-tag:slab=16k,pools,malloc" \
        --workload gc:types=4 --workload gc:types=32 --workload gc:types=200 \
        --workload gc:types=1000 \
        --repeat 5 --warmup 1 --sample-every 8000
    charts q3-types throughput memory-gc_types_4 memory-gc_types_200 memory-gc_types_1000 \
        timeline-gc_types_200
}

# 4. Does allocating whole pages per size class waste memory?
q4() {
    bench q4-ramp --backend "pools,pools:return=4,pools:return=0,pools:slab=16k:return=0,malloc$prod" \
        --workload ramp --workload ramp:keep=0 \
        --repeat 3 --warmup 1 --sample-every 4000
    charts q4-ramp throughput 'memory-*' 'timeline-*'
    # shellcheck disable=SC2086
    bench q4-traces --backend "pools,pools:return=4,pools:return=0,malloc" \
        --trace workloads/traces/python3.trace.gz --trace workloads/traces/sqlite3.trace.gz \
        --trace workloads/traces/jq.trace.gz --trace workloads/traces/cmake.trace.gz \
        --repeat 3 --sample-every 8000
    charts q4-traces throughput memory-python3 memory-sqlite3 memory-jq timeline-python3 \
        timeline-jq
}

if [ $# -eq 0 ]; then
    set -- q1 q2 q3 q4
fi
for q in "$@"; do
    case $q in
    q1 | q2 | q3 | q4) "$q" ;;
    *)
        echo "usage: docs/findings/run.sh [q1] [q2] [q3] [q4]" >&2
        exit 2
        ;;
    esac
done
