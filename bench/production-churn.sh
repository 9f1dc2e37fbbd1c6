#!/bin/sh
# bench/production-churn.sh -- the pool against the production allocators on
# fixed-size churn, in one run: null, pool, malloc, jemalloc, mimalloc and
# tcmalloc (each production allocator preloaded into its own process).
#
#   bench/production-churn.sh [BUILD_DIR]        (default: build)
#
# Run it on a quiet machine, from the repository root, after a Release build.
# It writes results/bench-production-churn.json and prints the summary table.
set -eu
build=${1:-build}
cd "$(dirname "$0")/.."
mkdir -p results
exec "$build/poolbench" run --backend null,pool,malloc,jemalloc,mimalloc,tcmalloc \
    --workload churn --repeat 11 -o results/bench-production-churn.json
