#!/bin/sh
# outfile_targets.sh POOLBENCH DATADIR -- output files that are not plain new files:
# /dev/null stays a character device, a FIFO is written in place, a symlink is kept,
# and a new file's mode follows the umask (convert, gen and import share pb_outfile).
pb=$1; data=$2
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

[ -c /dev/null ] || fail "/dev/null is not a character device before the test"
"$pb" convert "$data/example.trace" /dev/null || fail "convert to /dev/null: exit $?"
[ -c /dev/null ] || fail "convert replaced /dev/null"
"$pb" gen -w churn:live=1,pairs=1 -o /dev/null || fail "gen -o /dev/null: exit $?"
[ -c /dev/null ] || fail "gen replaced /dev/null"
"$pb" import --from mtrace "$data/mtrace_sample.log" -o /dev/null 2>"$tmp/err" ||
  fail "import -o /dev/null: exit $? $(cat "$tmp/err")"
[ -c /dev/null ] || fail "import replaced /dev/null"
"$pb" record -o /dev/null -- true 2>/dev/null; rc=$?
[ "$rc" -eq 2 ] || fail "record -o /dev/null: exit $rc, expected a refusal (2)"
[ -c /dev/null ] || fail "record removed /dev/null"

# a FIFO named .pbt gets the binary trace front to back, and stays a FIFO
"$pb" convert "$data/example.trace" "$tmp/want.pbt" || fail "convert to pbt"
mkfifo "$tmp/fifo.pbt" || fail "mkfifo"
timeout 30 cat "$tmp/fifo.pbt" >"$tmp/got.pbt" &
reader=$!
"$pb" convert "$data/example.trace" "$tmp/fifo.pbt" || fail "convert to a FIFO: exit $?"
wait "$reader" || fail "the FIFO reader failed"
[ -p "$tmp/fifo.pbt" ] || fail "the FIFO was replaced"
cmp -s "$tmp/want.pbt" "$tmp/got.pbt" || fail "the FIFO got other bytes than the file"

# a symlink keeps pointing at its target, which gets the new content
echo old >"$tmp/real.trace"
ln -s real.trace "$tmp/link.trace"
"$pb" gen -w churn:live=1,pairs=1 -o "$tmp/link.trace" || fail "gen through a symlink"
[ -L "$tmp/link.trace" ] || fail "the symlink was replaced"
head -n 1 "$tmp/real.trace" | grep -q '^poolbench-trace 1' || fail "the link target was not written"

# new files: 0666 & ~umask, and no temporary left behind
(umask 027 && "$pb" gen -w churn:live=1,pairs=1 -o "$tmp/m.trace") || fail "gen with umask 027"
[ "$(stat -c %a "$tmp/m.trace")" = 640 ] || fail "mode $(stat -c %a "$tmp/m.trace") with umask 027"
(umask 022 && "$pb" convert "$data/example.trace" "$tmp/m.trace.gz") || fail "convert .gz, umask 022"
[ "$(stat -c %a "$tmp/m.trace.gz")" = 644 ] || fail "mode $(stat -c %a "$tmp/m.trace.gz") of .gz"
ls "$tmp" | grep -q 'tmp' && fail "temporary files left: $(ls "$tmp")"
exit 0
