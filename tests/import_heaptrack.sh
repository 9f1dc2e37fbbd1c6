#!/bin/sh
# import_heaptrack.sh POOLBENCH WORKDIR TARGET  (run from tests/)
# poolbench import heaptrack: data/heaptrack_target.zst (a capture of
# heaptrack_target.c made with Debian's heaptrack 1.4) must give a valid trace
# with make_node's 100 blocks of 48 bytes, each freed, at their site; both
# command forms give the same trace; data/heaptrack_bad.txt is rejected with
# FILE:LINE messages, exit 2, the output untouched. Then, when heaptrack is
# installed, a fresh capture of TARGET is imported and checked the same way
# (exit 77, skipped, without heaptrack).
set -u
pb=$1; work=$2; target=$3
rm -rf "$work" && mkdir -p "$work" || exit 1
fail() { echo "FAIL: $*"; exit 1; }
. ./import_lib.sh

# check_nodes TRACE: make_node's blocks, grow_buffer's realloc, a valid trace
check_nodes() {
    "$pb" check "$1" > "$work/check.out" || { cat "$work/check.out"; fail "poolbench check rejects $1"; }
    head -1 "$1" | grep -qx 'poolbench-trace 1' || fail "$1: no header"
    awk -v lo=0 -v hi=1099511627776 -f trace_filter.awk "$1" > /dev/null || fail "$1: invalid trace"
    n=$(grep -c '^a [0-9]* 48 @make_node:heaptrack_target\.c:[0-9]*$' "$1")
    [ "$n" -eq 100 ] || fail "$1: $n make_node blocks, expected 100"
    # every make_node block freed: its ID has an f line after its a line
    awk '$1 == "a" && $NF ~ /^@make_node:/ { live[$2] = 1 }
         $1 == "f" && ($2 in live) { delete live[$2]; freed++ }
         END { exit !(freed == 100 && length(live) == 0) }' "$1" || fail "$1: make_node blocks not all freed"
    # realloc is a free and an allocation: the 1000 bytes freed, then 5000 allocated
    grep -q '^a [0-9]* 1000 @grow_buffer:heaptrack_target\.c:[0-9]*$' "$1" || fail "$1: no malloc(1000)"
    grep -q '^a [0-9]* 5000 @grow_buffer:heaptrack_target\.c:[0-9]*$' "$1" || fail "$1: no realloc to 5000"
    grep -q '^r ' "$1" && fail "$1: heaptrack logs no realloc, yet an r line"
    grep -qx '# dropped 0 unmatched frees' "$1" || fail "$1: unmatched frees comment"
    grep -qx '# skipped 0 unknown records' "$1" || fail "$1: unknown records comment"
}

out="$work/fixture.trace"
"$pb" import heaptrack data/heaptrack_target.zst -o "$out" 2> "$work/err" || { cat "$work/err"; fail "import exited $?"; }
grep -q 'fixture.trace: 206 events (103 allocs, 103 frees), 0 unmatched frees, 0 unknown records, 4 sites' "$work/err" ||
    { cat "$work/err"; fail "no summary"; }
check_nodes "$out"
grep -qx '# heaptrack capture of: ./heaptrack_target' "$out" || fail "command line comment"
"$pb" import --from heaptrack data/heaptrack_target.zst -o "$work/from.trace" 2> /dev/null || fail "--from form"
diff "$out" "$work/from.trace" | grep -v 'imported by' | grep -q '^[<>]' && fail "the two forms differ"
ls "$work" | grep -q tmp && fail "temporary file left behind"

refused_import "bad capture" "data/heaptrack_bad.txt:7: allocation info number out of range in '+' record
data/heaptrack_bad.txt:8: trace number out of range in 'a' record
data/heaptrack_bad.txt:9: string number out of range in 'i' record
data/heaptrack_bad.txt:11: malformed string
data/heaptrack_bad.txt:12: malformed record" heaptrack data/heaptrack_bad.txt

if ! command -v heaptrack > /dev/null 2>&1; then
    echo "SKIP: heaptrack is not installed (apt-get install heaptrack): no fresh capture"
    exit 77
fi
heaptrack -o "$work/fresh" "$target" > "$work/heaptrack.out" 2>&1 || { cat "$work/heaptrack.out"; fail "heaptrack failed"; }
cap=$(ls "$work"/fresh.* 2> /dev/null | head -1)
[ -n "$cap" ] || { cat "$work/heaptrack.out"; fail "heaptrack wrote no capture"; }
"$pb" import heaptrack "$cap" -o "$work/fresh.trace" 2> "$work/err" || { cat "$work/err"; fail "import of $cap exited $?"; }
check_nodes "$work/fresh.trace"
echo ok
