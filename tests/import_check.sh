#!/bin/sh
# import_check.sh POOLBENCH WORKDIR  (run from tests/)
# poolbench import --from mtrace on hand-written logs: data/mtrace_sample.log
# must give exactly data/mtrace_sample.expected (comments aside) and a valid
# trace; data/mtrace_bad.log must be rejected with FILE:LINE messages, exit 2,
# leaving an existing output file untouched.
set -u
pb=$1; work=$2
rm -rf "$work" && mkdir -p "$work" || exit 1
fail() { echo "FAIL: $*"; exit 1; }
. ./import_lib.sh

out="$work/sample.trace"
"$pb" import --from mtrace data/mtrace_sample.log -o "$out" 2> "$work/err" || { cat "$work/err"; fail "import exited $?"; }
grep -q 'data/mtrace_sample.log\|sample.trace: 11 events' "$work/err" || { cat "$work/err"; fail "no summary"; }
head -1 "$out" | grep -qx 'poolbench-trace 1' || fail "no header"
awk -v lo=0 -v hi=1099511627776 -f trace_filter.awk "$out" > /dev/null || fail "invalid trace"
"$pb" check "$out" > /dev/null || fail "poolbench check rejects $out"
grep -v '^#' "$out" | grep -v '^poolbench-trace' > "$work/events"
diff -u data/mtrace_sample.expected "$work/events" || fail "events differ"
grep -qx '# dropped 1 frees of blocks allocated before recording' "$out" || fail "dropped comment"
grep -q '^# 1 reallocs of blocks allocated before recording' "$out" || fail "unknown realloc comment"
grep -q '^# 1 frees inserted for addresses reused' "$out" || fail "reused address comment"
grep -q '^# 2 failed calls skipped' "$out" || fail "failed calls comment"
ls "$work" | grep -q tmp && fail "temporary file left behind"

refused_import "bad log" "data/mtrace_bad.log:4: unknown mtrace event '\\*'
data/mtrace_bad.log:5: missing field in '+' event
data/mtrace_bad.log:6: bad size '20'
data/mtrace_bad.log:7: realloc '<' line not followed by its '>' line
data/mtrace_bad.log:9: malformed caller" --from mtrace data/mtrace_bad.log
ls "$work" | grep -q tmp && fail "temporary file left behind"
echo ok
