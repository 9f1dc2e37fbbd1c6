#!/bin/sh
# record_depth.sh POOLBENCH TARGET OUTDIR
# record --sites on tests/sites_depth.c, whose every malloc is in xmalloc:
# one site, named xmalloc. With --sites=depth=2 the callers of xmalloc are
# the sites: make_small (30 blocks of 24 bytes) and make_large (20 of 200),
# each named by advise --sites. Bad depths are refused (exit 2).
set -u
bin=$1; target=$2; out=$3
rm -rf "$out" && mkdir -p "$out" || exit 1
fail() { echo "FAIL: $*"; exit 1; }

"$bin" record --sites -o "$out/d1.trace" -- "$target" > "$out/d1.log" 2>&1 || { cat "$out/d1.log"; fail "record d1"; }
"$bin" advise --sites "$out/d1.trace" > "$out/d1.txt" || fail "advise d1"
grep -q '^site sites_depth_target:[0-9a-f]* (tag [0-9]*) in xmalloc (.*sites_depth\.c:[0-9]*)$' "$out/d1.txt" ||
    { cat "$out/d1.txt"; fail "depth 1: not xmalloc"; }
[ "$(awk '$1 == "a" && $NF ~ /^@sites_depth_target:/ {print $NF}' "$out/d1.trace" | sort -u | wc -l)" -eq 1 ] ||
    fail "depth 1: more than one site in the program"

"$bin" record --sites=depth=2 -o "$out/d2.trace" -- "$target" > "$out/d2.log" 2>&1 || { cat "$out/d2.log"; fail "record d2"; }
"$bin" check "$out/d2.trace" > /dev/null 2>&1 || fail "check d2"
"$bin" advise --sites --json "$out/d2.trace" > "$out/d2.json" || fail "advise d2"
for want in "make_small 30 24" "make_large 20 200"; do
    set -- $want
    jq -e --arg f "$1" --argjson n "$2" --argjson s "$3" \
        '[.sites[] | select(.function == $f and .allocs == $n and .min_size == $s and .max_size == $s
                            and (.source | test("sites_depth\\.c:[0-9]+$")))] | length == 1' \
        "$out/d2.json" > /dev/null || { cat "$out/d2.json"; fail "depth 2: no site $1"; }
done
if jq -e '[.sites[] | select(.function == "xmalloc")] | length > 0' "$out/d2.json" > /dev/null; then
    fail "depth 2: xmalloc is still a site"
fi

for bad in depth=0 depth=17 depth= depth=2x deep=2; do
    "$bin" record --sites=$bad -o "$out/bad.trace" -- "$target" > "$out/bad.log" 2>&1
    rc=$?
    [ "$rc" -eq 2 ] || fail "--sites=$bad exited $rc"
    grep -q 'expected depth=N' "$out/bad.log" || { cat "$out/bad.log"; fail "--sites=$bad: message"; }
done
echo "record_depth: ok"
