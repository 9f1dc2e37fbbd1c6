#!/bin/sh
# bench/churn-and-traces.sh -- the committed timing benchmark: null, pool, pools and
# malloc ns/op on fixed-size churn and on every shipped trace.
#
#   bench/churn-and-traces.sh [BUILD_DIR]        (default: build)
#
# Run it on a quiet machine, from the repository root, after a Release build.
# It writes results/bench-churn-and-traces.json and prints the summary table.
# The pool (64-byte chunks) refuses the traces' larger requests: those runs
# are reported as failed with the refused line, which is the honest answer
# (exit status 1). null's ns/op is the harness's own cost; net ns/op
# subtracts it.
set -eu
build=${1:-build}
cd "$(dirname "$0")/.."
mkdir -p results
set -- workloads/traces/*.trace.gz
traces=
for t in "$@"; do traces="$traces --trace $t"; done
# shellcheck disable=SC2086
exec "$build/poolbench" run --backend null,pool,pools,malloc --workload churn $traces \
    --repeat 11 --warmup 2 -o results/bench-churn-and-traces.json
