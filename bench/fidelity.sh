#!/bin/sh
# fidelity.sh [POOLBENCH] -- does the replay predict the program? For each shipped
# program (workloads/traces/programs.sh, the commands record-all.sh recorded), runs
# `poolbench bench --check-output --replay TRACE` with the shipped trace, then prints
# the markdown tables of docs/fidelity.md from the results (kept in OUT, default
# a temporary directory). ROUNDS (default 5) rounds each; ALLOCATORS (default: bench's);
# TABLES_ONLY=1 prints the tables of the results already in OUT.
#   ROUNDS=5 OUT=/tmp/fid bench/fidelity.sh build/poolbench
set -eu
here=$(cd "$(dirname "$0")" && pwd)
pb=${1:-$here/../build/poolbench}
pb=$(cd "$(dirname "$pb")" && pwd)/$(basename "$pb")
traces=$here/../workloads/traces
rounds=${ROUNDS:-5}
out=${OUT:-$(mktemp -d)}
mkdir -p "$out"
command -v jq > /dev/null || { echo "fidelity.sh: needs jq" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
cp "$traces"/src/* "$work"/
cd "$work"

# bench_one NAME VERSION ENVDESC -- CMD...: the program whole and its trace replayed
bench_one() {
    name=$1
    shift 4
    echo "fidelity.sh: $name" >&2
    "$pb" bench -q --rounds "$rounds" --check-output ${ALLOCATORS:+--allocator "$ALLOCATORS"} \
        --replay "$traces/$name.trace.gz" -o "$out/$name.json" -- "$@" ||
        echo "fidelity.sh: $name: some allocator failed (see $out/$name.json)" >&2
}
. "$traces/programs.sh"
[ -n "${TABLES_ONLY:-}" ] || each_program bench_one
rounds=$(jq -r '.config.rounds' "$out/sqlite3.json")

echo "Machine: $(jq -r '.machine.cpu + ", " + (.machine.cores|tostring) + " cores, " + .machine.kernel' "$out/sqlite3.json"); $rounds rounds; results in $out"
echo
echo "| program | allocation share (glibc) | time rank correlation | memory rank correlation | pairs ordered differently (within the program's noise) |"
echo "|---|---|---|---|---|"
for f in "$out"/*.json; do
    jq -r '"| \(.program.name) | " +
      (if .fidelity.allocation_share.share == null then "n/a"
       else "\(.fidelity.allocation_share.share * 1000 | round / 10) %" end) + " | " +
      "\(.fidelity.time_correlation.spearman // "n/a") (n=\(.fidelity.time_correlation.n)) | " +
      "\(.fidelity.memory_correlation.spearman // "n/a") | \(.fidelity.disagreements | length) (\([.fidelity.disagreements[] | select(test("within the program"))] | length)) |"' "$f"
done
echo
echo "| program | allocator | wall s (median, 95 % interval) | peak RSS MiB | replay net ns/op | replay peak resident MiB | status |"
echo "|---|---|---|---|---|---|---|"
for f in "$out"/*.json; do
    jq -r '. as $d | .runs[] | . as $r |
      ([$d.fidelity.rows[] | select(.allocator_spec == $r.allocator_spec)] | first) as $row |
      "| \($d.program.name) | \(.allocator_spec) | " +
      (if .status == "ok" then
         "\(.time.wall_seconds.median * 1000 | round / 1000) (\(.time.wall_seconds.ci_low * 1000 | round / 1000)-\(.time.wall_seconds.ci_high * 1000 | round / 1000)) | \(.memory.peak_rss_bytes.median / 1048576 * 10 | round / 10)"
       else "- | -" end) + " | " +
      (if $row == null or $row.replay_net_ns_per_op == null then "-" else "\($row.replay_net_ns_per_op * 10 | round / 10)" end) + " | " +
      (if $row == null or $row.replay_peak_resident_bytes == null then "-" else "\($row.replay_peak_resident_bytes / 1048576 * 10 | round / 10)" end) + " | " +
      (if .status == "ok" then "ok" else "failed: " + (.error | .[0:80]) end) + " |"' "$f"
done
