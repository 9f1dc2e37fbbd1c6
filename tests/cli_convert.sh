#!/bin/sh
# cli_convert.sh POOLBENCH DATADIR -- convert round trips and failure behaviour of
# `poolbench convert` and `poolbench check --json` that need files or separate streams.
pb=$1; data=$2
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# canonical text -> binary -> text is byte for byte the same
"$pb" convert "$data/example.trace" "$tmp/a.trace" || fail "convert to text"
"$pb" convert "$tmp/a.trace" "$tmp/a.pbt" || fail "convert to pbt"
"$pb" convert "$tmp/a.pbt" "$tmp/b.trace" || fail "convert pbt to text"
cmp -s "$tmp/a.trace" "$tmp/b.trace" || fail "text -> pbt -> text differs"
"$pb" convert "$tmp/a.pbt" - > "$tmp/c.trace" || fail "convert to stdout"
cmp -s "$tmp/a.trace" "$tmp/c.trace" || fail "stdout output differs"
# .gz in and out
"$pb" convert "$data/example.trace.gz" "$tmp/d.trace.gz" || fail "convert to gz"
gzip -dc "$tmp/d.trace.gz" | cmp -s - "$tmp/a.trace" || fail "gz output differs"
# the same figures whatever the form
for f in "$data/example.trace" "$data/example.trace.gz" "$tmp/a.pbt" "$tmp/d.trace.gz"; do
  "$pb" check --json "$f" | grep -v '"path"\|"sha256"\|"name"' > "$tmp/fig.json" || fail "check $f"
  if [ -f "$tmp/fig0.json" ]; then cmp -s "$tmp/fig0.json" "$tmp/fig.json" || fail "figures of $f differ"
  else cp "$tmp/fig.json" "$tmp/fig0.json"; fi
done
# the sha256 is the file's own
sum=$(sha256sum "$tmp/a.pbt" | cut -d' ' -f1)
"$pb" check --json "$tmp/a.pbt" | grep -q "\"sha256\":.*\"$sum\"" || fail "sha256 of pbt"

# bad input: exit 2, nothing written, nothing on stdout
"$pb" convert "$data/dup_live.trace" "$tmp/bad.pbt" 2>/dev/null; rc=$?
[ $rc -eq 2 ] || fail "convert bad input exit $rc"
[ -z "$(ls "$tmp" | grep bad)" ] || fail "convert left a file for bad input"
out=$("$pb" check --json "$data/dup_live.trace" 2>/dev/null); rc=$?
[ $rc -eq 2 ] && [ -z "$out" ] || fail "check --json of a bad file wrote '$out' (exit $rc)"
out=$("$pb" check --json "$data/example.trace" "$data/dup_live.trace" 2>/dev/null); rc=$?
[ $rc -eq 2 ] && [ -z "$out" ] || fail "check --json with one bad file wrote output"
# an existing output survives a failed conversion untouched
cp "$tmp/a.trace" "$tmp/keep.trace"
"$pb" convert "$data/dup_live.trace" "$tmp/keep.trace" 2>/dev/null
cmp -s "$tmp/a.trace" "$tmp/keep.trace" || fail "failed convert changed its output"
# a truncated .pbt is a clean error
head -c 150 "$tmp/a.pbt" > "$tmp/cut.pbt"
"$pb" check "$tmp/cut.pbt" 2>&1 | grep -q "truncated binary trace" || fail "truncated pbt"
"$pb" check "$tmp/cut.pbt" >/dev/null 2>&1; [ $? -eq 2 ] || fail "truncated pbt exit"
exit 0
