#!/bin/sh
# bench/production-churn.sh -- the pool against the production allocators on
# fixed-size churn, in one run: null, pool, malloc, jemalloc, mimalloc and
# tcmalloc (each production allocator preloaded into its own process).
#
#   bench/production-churn.sh [BUILD_DIR [RUN_OPTION...]]     (default: build)
#
# Run it on a quiet machine, from the repository root, after a Release build.
# RUN_OPTIONs go to `poolbench run` as they are, e.g. `--cpu 1` to pin the
# measuring processes (docs/benchmarks.md is measured with it) or `--rounds 11`.
# It writes results/bench-production-churn.json and prints the summary table.
set -eu
build=${1:-build}
[ $# -gt 0 ] && shift
cd "$(dirname "$0")/.."
mkdir -p results
exec "$build/poolbench" run --backend null,pool,malloc,jemalloc,mimalloc,tcmalloc \
    --workload churn --repeat 11 -o results/bench-production-churn.json "$@"
