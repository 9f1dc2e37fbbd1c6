#!/bin/sh
# fuzz/run.sh [SECONDS [TARGET...]]: build the libFuzzer targets with clang
# (build-fuzz/) and run each for its share of SECONDS (default 60 in all),
# starting from the seeds in fuzz/corpus/NAME/. New inputs go to
# build-fuzz/corpus/NAME/, so the checked-in seeds stay as they are. Exits
# non-zero on the first finding (crash, sanitizer report, leak, timeout or
# out-of-memory); the input that caused it is saved as build-fuzz/crash-*.
set -eu
cd "$(dirname "$0")/.."
total=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-"trace_text trace_binary job_file mtrace_import heaptrack_import backends html_svg results_csv bench_doc bench_plot module_line"}
n=$(echo $targets | wc -w)
each=$((total / n))
[ "$each" -ge 1 ] || each=1

CC=${FUZZ_CC:-clang} cmake -S . -B build-fuzz -DPB_FUZZ=ON -DPB_WERROR=ON \
    -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j2

for t in $targets; do
    mkdir -p "build-fuzz/corpus/$t"
    echo "== fuzz_$t for ${each}s"
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        "build-fuzz/fuzz/fuzz_$t" -max_total_time="$each" -timeout=10 -rss_limit_mb=2048 \
        -max_len=65536 -print_final_stats=1 -artifact_prefix=build-fuzz/ \
        "build-fuzz/corpus/$t" "fuzz/corpus/$t"
done
echo "fuzz: no findings"
