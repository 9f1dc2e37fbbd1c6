#!/bin/sh
# bench_plot.sh POOLBENCH DIR -- `plot` and `report` of bench documents made
# by a real `poolbench bench` (glibc and a preloaded libc, `-- true`): the
# bench chart (one), with --replay of a tiny trace the fidelity chart too
# (two), an allocator that fails drawn as a gap labelled "failed"; each
# chart a non-blank PNG (png_nonblank.py) or an SVG; the HTML page with the
# verdicts, the runs table, the charts inline, the fidelity table and the
# failed run's error. A bench file among others, or one with a bad field, is
# refused naming the file and the field. Run from tests/.
set -u
pb=$1
dir=$2
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$dir" && mkdir -p "$dir" || exit 1
dir=$(cd "$dir" && pwd)
fail() {
  printf 'bench_plot: FAIL: %s\n' "$1"
  [ -f "${2:-}" ] && tail -n 20 "$2"
  exit 1
}
lib=$(ldd /bin/sh | awk '/libc\.so/ {print $3}')
[ -r "$lib" ] || fail "no libc path from ldd /bin/sh"
two="glibc,preload:$lib"

"$pb" bench -q --allocator "$two" --rounds 3 --warmup 0 -o "$dir/b.json" -- true \
  > "$dir/b.out" 2>&1 || fail "bench failed" "$dir/b.out"
"$pb" bench -q --allocator "$two" --rounds 3 --warmup 0 --replay "$here/data/example.trace" \
  -o "$dir/f.json" -- true > "$dir/f.out" 2>&1 || fail "bench --replay failed" "$dir/f.out"
# the preloaded run fails: the program exits 3 when it sees LD_PRELOAD
"$pb" bench -q --allocator "$two" --rounds 3 --warmup 0 -o "$dir/x.json" -- \
  sh -c '[ -z "$LD_PRELOAD" ] || exit 3' > "$dir/x.out" 2>&1
[ $? -eq 1 ] || fail "bench with a failing allocator did not exit 1" "$dir/x.out"

# pngs NAME FILE WANT: plot FILE into DIR/NAME: WANT charts, each a PNG not blank
pngs() {
  sh "$here/check_pngs.sh" "$pb" "$dir/$1" png "$3" "$2" > "$dir/$1.out" 2>&1 ||
    fail "plot $2" "$dir/$1.out"
  for png in "$dir/$1"/*.png; do
    python3 "$here/png_nonblank.py" "$png" 0.02 8 || fail "$png is blank"
  done
}
pngs plot-b "$dir/b.json" 1
pngs plot-f "$dir/f.json" 2
pngs plot-x "$dir/x.json" 1
[ -f "$dir/plot-f/fidelity.png" ] || fail "no fidelity chart"
grep -q '^## bench$' "$dir/plot-b/README.md" || fail "the index does not list bench"
grep -q 'poolbench bench, the whole program true' "$dir/plot-b/README.md" ||
  fail "the index does not name the program" "$dir/plot-b/README.md"
# the failed allocator keeps its place: a row of gaps labelled failed
grep -q "^preload:$lib	failed	failed	NaN	NaN	NaN	NaN	NaN	NaN	1	2$" "$dir/plot-x/bench.tsv" ||
  fail "the failed allocator is not a labelled gap" "$dir/plot-x/bench.tsv"
grep -q "^glibc	[0-9.]* ms" "$dir/plot-x/bench.tsv" || fail "glibc has no bar" "$dir/plot-x/bench.tsv"
grep -q 'failed, drawn as a gap labelled "failed": .*exit' "$dir/plot-x/README.md" ||
  fail "the index does not say why the gap" "$dir/plot-x/README.md"
sh "$here/check_pngs.sh" "$pb" "$dir/svg-f" svg 2 "$dir/f.json" > "$dir/svg.out" 2>&1 ||
  fail "plot --format svg" "$dir/svg.out"

# the page: report, and plot --html
"$pb" report "$dir/f.json" -o "$dir/page-f" > "$dir/page-f.out" 2>&1 ||
  fail "report of the bench --replay file" "$dir/page-f.out"
"$pb" plot --html "$dir/x.json" -o "$dir/page-x" > "$dir/page-x.out" 2>&1 ||
  fail "plot --html of the failed bench" "$dir/page-x.out"
page=$dir/page-f/report.html
grep -q '<section id="verdicts">' "$page" || fail "no verdicts" "$page"
grep -q '<h3>true (whole program)</h3>' "$page" || fail "no verdict for the program" "$page"
grep -Eq '<li class="share">(allocation|the replay)' "$page" || fail "no share line" "$page"
grep -Eq '<li class="fidelity">replay against program over [0-9]+ allocators?' "$page" ||
  fail "no fidelity line" "$page"
[ "$(grep -c '^<tr class="ok"><td>' "$page")" -eq 2 ] || fail "not 2 ok runs in the table" "$page"
[ "$(grep -c '^<svg ' "$page")" -eq 2 ] || fail "not 2 inline charts" "$page"
grep -q '<section id="fidelity">' "$page" && grep -q '<td>malloc</td>' "$page" ||
  fail "no fidelity table" "$page"
grep -q '<h3>Rank correlations</h3>' "$page" || fail "no correlations" "$page"
grep -q '<pre><code>true</code></pre>' "$page" || fail "no program command" "$page"
grep -q '<dt>peak RSS</dt>' "$page" || fail "no glossary entry for peak RSS" "$page"
grep -q '<script' "$page" && fail "the page holds <script"
page=$dir/page-x/report.html
grep -q "<tr class=\"failed\"><td>preload:$lib</td>.*FAILED</td><td>.*exit" "$page" ||
  fail "the failed run's row has no error" "$page"
grep -q "failed (broken, see the summary): preload:$lib" "$page" ||
  fail "the verdict does not name the failed allocator" "$page"
grep -q 'This bench ran without' "$page" || fail "no word on the missing fidelity" "$page"

# refused: a bench file among others, a bench file with a bad field
"$pb" plot "$dir/b.json" "$dir/f.json" -o "$dir/two" > "$dir/two.out" 2>&1
[ $? -eq 2 ] || fail "plot of two bench files did not exit 2" "$dir/two.out"
grep -q 'b.json: a whole-program bench file .*only plot and report read it, alone' \
  "$dir/two.out" || fail "the refusal does not say why" "$dir/two.out"
sed 's/"allocator_spec":[[:space:]]*"glibc"/"allocator_spec": 7/' "$dir/b.json" > "$dir/bad.json"
for cmd in plot report; do
  "$pb" $cmd "$dir/bad.json" -o "$dir/bad" > "$dir/bad.out" 2>&1
  [ $? -eq 2 ] || fail "$cmd of a bad bench file did not exit 2" "$dir/bad.out"
  grep -q 'bad.json: runs\[0\]: no allocator or allocator_spec' "$dir/bad.out" ||
    fail "$cmd's refusal does not name the field" "$dir/bad.out"
done
[ ! -e "$dir/bad/report.html" ] || fail "a refused file left a page"
echo "bench_plot: ok"
