#!/bin/sh
# record_check.sh POOLBENCH TARGET WORKDIR [--sites]
# Records tests/record_target with `poolbench record --follow all`, validates every trace
# file it wrote, and compares the followed blocks (sizes 4200..4299) of the
# main process, the fork child and the exec'd child with tests/data/record_*.expected.
set -u
pb=$1; target=$2; work=$3; sites=${4:-}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/record_lib.sh"
rm -rf "$work" && mkdir -p "$work" || exit 1
out="$work/t.trace"
fail() { echo "FAIL: $*"; exit 1; }

"$pb" record --follow all -o "$out" $sites -- "$target" > "$work/record.log" 2>&1
rc=$?
[ "$rc" -eq 0 ] || { cat "$work/record.log"; fail "poolbench record exited $rc"; }
cat "$work/record.log"
grep -Eq "events in [0-9]+ files" "$work/record.log" || fail "no summary line"
[ -f "$out" ] || fail "no main trace $out"
head -1 "$out" | grep -qx 'poolbench-trace 1' || fail "main trace has no header"
grep -q '^# command: .*record_target' "$out" || fail "no command comment"

nfiles=0
for f in "$out" "$out".*; do
    [ -f "$f" ] || continue
    nfiles=$((nfiles + 1))
    awk -v lo=4200 -v hi=4299 -f "$here/trace_filter.awk" "$f" > "$f.followed" \
        || fail "invalid trace $f"
    check_trace "$pb" "$work" "$f" || fail "poolbench check rejects $f"
    grep -q '^# dropped [0-9]* frees of blocks allocated before recording' "$f" \
        || fail "$f has no dropped-frees comment"
done
[ "$nfiles" -ge 3 ] || fail "expected at least 3 trace files (main, fork, exec), got $nfiles"
# the events record reports (read from each file's closing summary) are the files' event lines
lines=$(for f in "$out" "$out".*; do case $f in *.followed) ;; *) cat "$f" ;; esac; done | grep -c '^[afrx]')
grep -Eq "record: $lines events in $nfiles files" "$work/record.log" \
    || fail "record did not report $lines events in $nfiles files"

diff -u "$here/data/record_main.expected" "$out.followed" || fail "main trace differs"
fork_file=; exec_file=
for f in "$out".*.followed; do
    [ -f "$f" ] || continue
    cmp -s "$f" "$here/data/record_fork.expected" && fork_file=${f%.followed}
    cmp -s "$f" "$here/data/record_exec.expected" && exec_file=${f%.followed}
done
[ -n "$fork_file" ] || fail "no trace file matches record_fork.expected"
[ -n "$exec_file" ] || fail "no trace file matches record_exec.expected"
grep -q '^# pid: [0-9]*, forked from pid' "$fork_file" || fail "fork child header"
grep -q '^# dropped [1-9][0-9]* frees' "$fork_file" || fail "fork child dropped no free"
grep -q '^# command: .*record_target exec-child' "$exec_file" || fail "exec child command"

# the stress threads' events must all be there: 2 x 20000 mallocs at least
nalloc=$(grep -c '^a ' "$out")
[ "$nalloc" -ge 40000 ] || fail "only $nalloc allocations in the main trace"

if [ "$sites" = "--sites" ]; then
    tagged=$(awk '$1 == "a" && $3 >= 4200 && $3 <= 4299' "$out" | grep -Ec ' @record_target:[0-9a-f]+$')
    [ "$tagged" -eq 12 ] || fail "expected 12 allocations tagged @record_target:OFFSET, got $tagged"
    # one call site per tag: the three thread allocations come from three sites
    ntags=$(awk '$1 == "a" && $3 >= 4200 && $3 <= 4299 { print $NF }' "$out" | sort -u | wc -l)
    [ "$ntags" -eq 12 ] || fail "expected 12 distinct call sites, got $ntags"
else
    ! grep -q '^a .*@' "$out" || fail "tags written without --sites"
fi
# the first process execs (same pid): the new program takes FILE over, the
# shell's trace moves to FILE.<pid>
out2="$work/e.trace"
"$pb" record --follow all -o "$out2" -- sh -c "exec '$target' exec-child" > "$work/record2.log" 2>&1 \
    || { cat "$work/record2.log"; fail "record of sh -c exec failed"; }
[ -f "$out2" ] || fail "no $out2"
check_trace "$pb" "$work" "$out2" || fail "poolbench check rejects $out2"
awk -v lo=4200 -v hi=4299 -f "$here/trace_filter.awk" "$out2" | cmp -s - "$here/data/record_exec.expected" \
    || fail "$out2 is not the exec'd program's trace"
shell=
for f in "$out2".*; do
    [ -f "$f" ] || continue
    check_trace "$pb" "$work" "$f" || fail "poolbench check rejects $f"
    grep -q '^# command: sh -c' "$f" && shell=$f
done
[ -n "$shell" ] || fail "the shell's trace is missing"
# a program killed before its closing summary: record counts the lines the file has
out3="$work/k.trace"
"$pb" record -o "$out3" -- "$target" killed > "$work/record3.log" 2>&1
[ -f "$out3" ] || { cat "$work/record3.log"; fail "no $out3"; }
! grep -q '^# exit: ' "$out3" || fail "$out3 has a closing summary: the test needs one without"
lines=$(grep -c '^[afrx]' "$out3")
[ "$lines" -ge 65536 ] || fail "$out3 has only $lines event lines (expected most of 200000)"
grep -Eq "record: $lines events in 1 file" "$work/record3.log" \
    || { cat "$work/record3.log"; fail "record did not report the $lines event lines of $out3"; }
echo "ok: $nfiles files"
