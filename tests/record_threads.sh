#!/bin/sh
# record_threads.sh POOLBENCH TARGET WORKDIR
# Records tests/record_threads (8 workers freeing and resizing each other's
# blocks, then 2 late threads; see record_threads.c) and checks the trace:
# valid with every f and r on a live ID (trace_filter.awk), t lines only
# where the thread changes, threads numbered 1, 2, ... in the order they
# first appear (the main thread is 0), each worker's blocks allocated by one
# thread and freed or resized by another, the late threads numbered 9 and 10;
# `poolbench check` accepts it (when the parser knows t lines). The program's
# one-thread mode gives a trace without t lines. Its handoff mode (a second
# thread starts while the first allocates without a pause, the two freeing
# each other's blocks: the recorder switches its numbering then), 10 times:
# each thread's calls all there, every free after its block's allocation
# (a number taken twice could put a free first: the free would be dropped
# and its block stay live; the recorder says when one was), no event
# written late.
set -u
pb=$1; target=$2; work=$3
here=$(cd "$(dirname "$0")" && pwd)
. "$here/record_lib.sh"
rm -rf "$work" && mkdir -p "$work" || exit 1
fail() { echo "FAIL: $*"; exit 1; }

out="$work/threads.trace"
"$pb" record -o "$out" -- "$target" > "$work/record.log" 2>&1 || { cat "$work/record.log"; fail "record failed"; }
cat "$work/record.log"
awk -v lo=0 -v hi=1099511627776 -f "$here/trace_filter.awk" "$out" > /dev/null || fail "invalid trace $out"
check_trace "$pb" "$work" "$out" || fail "poolbench check rejects $out"

# The thread structure. tid: the thread of the current line (0 before any t line).
awk '
function bad(msg) { printf "%s:%d: %s\n", FILENAME, FNR, msg; failed = 1; exit 1 }
BEGIN { tid = 0; max = 0; prev_t = 0 }
/^#/ || /^poolbench-trace/ { next }
$1 == "t" {
    if (prev_t) bad("two t lines in a row")
    if ($2 == tid) bad("t line without a change of thread")
    if ($2 > max + 1) bad("thread " $2 " numbered before thread " max + 1)
    if ($2 > max) max = $2
    tid = $2; prev_t = 1; next
}
{ prev_t = 0 }
$1 == "a" { owner[$2] = tid; size[$2] = $3 }
$1 == "a" && $3 == 4299 && tid != 0 { bad("the main thread is not thread 0") }
$1 == "a" && $3 >= 4300 && $3 <= 4307 {
    w = $3 - 4300
    if ((w in wtid) && wtid[w] != tid) bad("blocks of worker " w " from two threads")
    wtid[w] = tid; nalloc++
}
$1 == "a" && ($3 == 4310 || $3 == 4311) { late[$3 - 4310] = tid }
($1 == "f" || $1 == "r") && size[$2] >= 4300 && size[$2] <= 4307 {
    if (owner[$2] == tid) bad("worker block " $2 " freed or resized by its own thread")
    cross[$1]++
}
$1 == "f" { delete owner[$2]; delete size[$2] }
END {
    if (failed) exit 1
    if (nalloc != 8 * 50) { print "expected 400 worker allocations, got " nalloc; exit 1 }
    if (cross["f"] != 8 * 50 || cross["r"] != 8) {
        print "expected 400 cross-thread frees and 8 resizes, got " cross["f"] + 0 " and " cross["r"] + 0; exit 1
    }
    for (w = 0; w < 8; w++) {
        if (wtid[w] == 0) { print "worker " w " ran as the main thread"; exit 1 }
        for (v = 0; v < w; v++) if (wtid[v] == wtid[w]) { print "workers " v " and " w " share a thread"; exit 1 }
    }
    if (late[0] != 9 || late[1] != 10) { print "late threads numbered " late[0] " and " late[1] ", not 9 and 10"; exit 1 }
    if (max != 10) { print "expected threads 0..10, the last is " max; exit 1 }
    print "ok: 11 threads, " cross["f"] " cross-thread frees, " cross["r"] " cross-thread resizes"
}' "$out" || fail "thread structure of $out"
grep -q '^# 11 threads (t lines)' "$out" || fail "no thread count in the closing comments"

one="$work/one.trace"
"$pb" record -o "$one" -- "$target" one > "$work/one.log" 2>&1 || { cat "$work/one.log"; fail "record (one thread) failed"; }
awk -v lo=0 -v hi=1099511627776 -f "$here/trace_filter.awk" "$one" > /dev/null || fail "invalid trace $one"
! grep -q '^t ' "$one" || fail "a one-thread trace has t lines"
! grep -q 'threads (t lines)' "$one" || fail "a one-thread trace counts threads"
"$pb" check "$one" > /dev/null || fail "poolbench check rejects $one"
for i in 1 2 3 4 5 6 7 8 9 10; do
    h="$work/handoff.trace"
    rm -f "$h"
    "$pb" record -o "$h" -- "$target" handoff > "$work/handoff.log" 2>&1 \
        || { cat "$work/handoff.log"; fail "record (handoff) failed"; }
    awk -v lo=0 -v hi=1099511627776 -f "$here/trace_filter.awk" "$h" > /dev/null || fail "invalid trace $h"
    ! grep -Eq 'written late|taken twice' "$h" || fail "handoff run $i: $(grep -E 'written late|taken twice' "$h")"
    ! grep -q 'frees inserted' "$h" || fail "handoff run $i: $(grep 'frees inserted' "$h")"
    grep -q '^# dropped 0 frees' "$h" || fail "handoff run $i: $(grep '^# dropped' "$h")"
    awk '
    BEGIN { tid = 0 }
    /^t / { tid = $2 }
    $1 == "a" && ($3 == 4340 || $3 == 4341) { n[$3]++; ta[$3 " " tid] = 1; live[$2] = $3 }
    $1 == "f" && ($2 in live) { nf[live[$2]]++; delete live[$2] }
    END {
        if (n[4341] != 20000 || nf[4341] != 20000) { print "worker: " n[4341] + 0 " allocs, " nf[4341] + 0 " frees"; exit 1 }
        if (n[4340] < 20000 || nf[4340] != n[4340]) { print "main: " n[4340] + 0 " allocs, " nf[4340] + 0 " frees"; exit 1 }
        if (!ta["4340 0"] || !ta["4341 1"] || ta["4340 1"] || ta["4341 0"]) { print "the calls are not on threads 0 and 1"; exit 1 }
    }' "$h" || fail "handoff run $i: $h"
done
"$pb" check "$h" > /dev/null || fail "poolbench check rejects $h"
echo "ok"
