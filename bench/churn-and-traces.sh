#!/bin/sh
# bench/churn-and-traces.sh -- the committed timing benchmark: null, pool, pools and
# malloc ns/op on fixed-size churn and on every shipped trace.
#
#   bench/churn-and-traces.sh [BUILD_DIR [RUN_OPTION...]]     (default: build)
#
# Run it on a quiet machine, from the repository root, after a Release build.
# RUN_OPTIONs go to `poolbench run` as they are, e.g. `--cpu 1` to pin the
# measuring processes (docs/benchmarks.md is measured with it) or `--rounds 11`.
# It writes results/bench-churn-and-traces.json and prints the summary table.
# The pool (64-byte chunks) refuses the traces' larger requests: those runs
# are reported as failed with the refused line, which is the honest answer
# (exit status 1). null's ns/op is the harness's own cost; net ns/op
# subtracts it.
set -eu
build=${1:-build}
[ $# -gt 0 ] && shift
cd "$(dirname "$0")/.."
mkdir -p results
for t in workloads/traces/*.trace.gz; do set -- "$@" --trace "$t"; done
exec "$build/poolbench" run --backend null,pool,pools,malloc --workload churn \
    --repeat 11 --warmup 2 -o results/bench-churn-and-traces.json "$@"
