#!/bin/sh
# bench/tsan-threads.sh -- the threaded replays under ThreadSanitizer: builds the
# core and the two thread tests (test_trace_threads: a trace's threads replayed
# in threads, with the tracker backend and a stress run; test_threads: --threads N
# and --cross-free) with -fsanitize=thread in BUILD_DIR, runs them, and fails on
# any ThreadSanitizer report. Not in ctest: it needs a build of its own (about
# 30 s on two cores), and the ASan build cannot carry TSan.
#
#   bench/tsan-threads.sh [BUILD_DIR]     (default: build-tsan)
set -eu
cd "$(dirname "$0")/.."
dir=${1:-build-tsan}
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_FLAGS=-fsanitize=thread \
  -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread -DCMAKE_SHARED_LINKER_FLAGS=-fsanitize=thread \
  > /dev/null
cmake --build "$dir" -j2 --target test_trace_threads test_threads > /dev/null
status=0
for t in test_trace_threads test_threads; do
  log="$dir/$t.tsan.log"
  if TSAN_OPTIONS="halt_on_error=0 exitcode=66" "$dir/tests/$t" > "$log" 2>&1 &&
     ! grep -q "WARNING: ThreadSanitizer" "$log"; then
    echo "ok: $t: no ThreadSanitizer report"
  else
    echo "FAIL: $t: see $log"
    grep -m5 "WARNING: ThreadSanitizer" "$log" || true
    status=1
  fi
done
exit $status
