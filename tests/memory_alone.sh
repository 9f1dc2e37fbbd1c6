#!/bin/sh
# memory_alone.sh POOLBENCH JQ TRACES_DIR [SANITIZED] -- a workload's memory figures do not
# depend on the run it was in (each is measured in a fresh process from a
# baseline taken there), and glibc malloc's footprint holds the blocks glibc
# maps alone: git-log's first large blocks are mmapped chunks, which the
# footprint missed while it asked glibc's (not yet made) heap whether glibc
# serves malloc, and then read below the live data (reported null).
# SANITIZED=1 (an ASan build, whose allocator serves malloc, lays blocks out
# by its own history and keeps no footprint): malloc's figures, and the
# resident ones, are not checked.
set -u
pb=$1 jq=$2 traces=$3 sanitized=${4:-0}
[ -x "$jq" ] || { echo "SKIP: no jq"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "memory_alone: $*"; exit 1; }
git="$traces/git-log.trace.gz"
common="--backend malloc,pools,pool-per-tag --rounds 1 --repeat 1 --warmup 0 --quiet"
# shellcheck disable=SC2086
"$pb" run $common --trace "$git" -o "$dir/alone.json" >/dev/null 2>&1 || fail "run alone: exit $?"
# shellcheck disable=SC2086
"$pb" run $common --trace "$traces/python3.trace.gz" -w churn:live=20000,pairs=20000 \
    --trace "$git" -o "$dir/mixed.json" >/dev/null 2>&1 || fail "run mixed: exit $?"

# The figures that are exact (the allocator's own counts and its mappings).
skip=null
[ "$sanitized" = 1 ] && skip=malloc
figures='[.runs[] | select(.workload.name == "git-log" and .backend != "null" and .backend != "'$skip'")
          | {b: .backend_spec, m: (.memory | {granted_bytes_at_peak, peak_footprint_bytes,
             occupied_page_bytes_at_peak, internal_fragmentation})}]'
a=$("$jq" -c "$figures" "$dir/alone.json") || fail "jq on alone.json"
m=$("$jq" -c "$figures" "$dir/mixed.json") || fail "jq on mixed.json"
[ "$a" = "$m" ] || fail "figures differ: alone $a, mixed $m"
n=3
[ "$sanitized" = 1 ] && n=2
[ "$(printf '%s' "$a" | "$jq" length)" -eq "$n" ] || fail "expected $n runs on git-log: $a"

# Resident figures (kernel counts) within a page of each other (not under
# ASan, whose shadow memory and quarantine are part of every process's RSS).
[ "$sanitized" = 1 ] && { echo "memory_alone: ok, resident and footprint not checked (sanitized build)"; exit 0; }
res='[.runs[] | select(.workload.name == "git-log" and .backend != "null" and .backend != "'$skip'")
      | .memory.peak_resident_bytes]'
ra=$("$jq" -c "$res" "$dir/alone.json") rm_=$("$jq" -c "$res" "$dir/mixed.json")
"$jq" -n --argjson a "$ra" --argjson m "$rm_" -e \
    '[range(0; $a | length) | ($a[.] - $m[.]) | fabs <= 4096] | all' >/dev/null ||
    fail "peak resident differs by more than a page: alone $ra, mixed $rm_"

# glibc's footprint is reported and holds at least the live data.
"$jq" -e '.runs[] | select(.workload.name == "git-log" and .backend == "malloc")
          | .memory.peak_footprint_bytes != null and
            .memory.peak_footprint_bytes >= .workload.peak_live_bytes' "$dir/alone.json" >/dev/null ||
    fail "malloc's footprint on git-log is missing or below its live data: $a"
echo "memory_alone: ok ($a)"
