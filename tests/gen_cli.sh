#!/bin/sh
# gen_cli.sh POOLBENCH -- `poolbench gen` end to end: a refused spec writes
# nothing; output is deterministic and the same on stdout, in a file and in
# a .pbt; `poolbench check --json` reads back the figures the generator
# promises (churn's are computed by hand below).
pb=$1
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# A bad spec: exit 2, no output file, no temporary left behind.
"$pb" gen -w churn:order=up -o "$tmp/bad.trace" 2>"$tmp/err"
[ $? -eq 2 ] || fail "bad spec did not exit 2"
grep -q "bad value 'up' for order" "$tmp/err" || fail "bad spec message: $(cat "$tmp/err")"
[ -z "$(ls "$tmp" | grep -v '^err$')" ] || fail "files left after a refused spec: $(ls "$tmp")"

# churn with live=100, pairs=1000, size=48: 1100 allocs and 1100 frees,
# at most 100 blocks (4800 bytes) live, 52800 bytes requested, nothing left.
"$pb" gen -w churn:size=48,live=100,pairs=1000 -o "$tmp/c.trace" || fail "gen churn"
"$pb" check --json "$tmp/c.trace" >"$tmp/c.json" || fail "check churn"
for want in '"events":[[:space:]]*2200,' '"allocs":[[:space:]]*1100,' \
            '"frees":[[:space:]]*1100,' '"peak_live_blocks":[[:space:]]*100,' \
            '"peak_live_bytes":[[:space:]]*4800,' '"live_blocks_at_end":[[:space:]]*0,' \
            '"total_requested_bytes":[[:space:]]*52800,'; do
  grep -Eq "$want" "$tmp/c.json" || fail "churn figures lack $want"
done

# Every generator: same bytes twice and on stdout; .trace and .pbt read back
# with the same figures.
for g in churn mixed gc frames ramp; do
  spec="$g:seed=3"
  "$pb" gen -w "$spec" -o "$tmp/$g.trace" || fail "gen $g"
  "$pb" gen -w "$spec" >"$tmp/$g.stdout" || fail "gen $g to stdout"
  cmp -s "$tmp/$g.trace" "$tmp/$g.stdout" || fail "$g: file and stdout differ"
  "$pb" gen -w "$g" --seed 3 -o "$tmp/$g.seeded" || fail "gen $g --seed"
  cmp -s "$tmp/$g.trace" "$tmp/$g.seeded" || fail "$g: --seed 3 differs from seed=3"
  "$pb" gen -w "$spec" -o "$tmp/$g.pbt" || fail "gen $g .pbt"
  "$pb" check --json "$tmp/$g.trace" | grep -Ev '"(name|path|sha256)"' >"$tmp/$g.t.json"
  "$pb" check --json "$tmp/$g.pbt" | grep -Ev '"(name|path|sha256)"' >"$tmp/$g.b.json"
  cmp -s "$tmp/$g.t.json" "$tmp/$g.b.json" || fail "$g: .trace and .pbt figures differ"
  grep -q '"live_blocks_at_end":[[:space:]]*0,' "$tmp/$g.t.json" || fail "$g leaves blocks live"
done
"$pb" gen -w churn:seed=4 -o "$tmp/other.trace" || fail "gen seed 4"
cmp -s "$tmp/churn.trace" "$tmp/other.trace" && fail "seeds 3 and 4 give the same churn"
exit 0
