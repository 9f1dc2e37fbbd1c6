#!/bin/sh
# record_ascii.sh POOLBENCH WORKDIR -- a command line with UTF-8 and control
# characters (and a UTF-8 output name) still gives a valid, ASCII-only trace:
# the recorder writes '?' for every byte of the command that is not printable ASCII.
pb=$1; work=$2
rm -rf "$work" && mkdir -p "$work" || exit 1
fail() { echo "FAIL: $*"; exit 1; }
out="$work/café.trace"
nl='
'
"$pb" record -o "$out" -- sh -c 'true' 'café' "naïve${nl}line" 'tab	end' >"$work/log" 2>&1 \
  || { cat "$work/log"; fail "poolbench record failed"; }
[ -f "$out" ] || fail "no trace written"
"$pb" check "$out" || fail "poolbench check rejects the trace"
LC_ALL=C grep -q '[^ -~	]' "$out" && fail "the trace has bytes that are not printable ASCII"
grep -qx '# command: sh -c true caf?? na??ve?line tab?end' "$out" \
  || fail "command comment is not the expected one: $(grep '^# command' "$out")"
exit 0
