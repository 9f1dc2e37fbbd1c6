#!/bin/sh
# bench_report_browser.sh POOLBENCH DIR -- the HTML page of a bench document
# in a real browser, as report_browser.sh does for a replay's: a real
# `poolbench bench --replay` (glibc and a preloaded libc, `-- true`, the tiny
# example trace) through `poolbench report`; headless Chromium renders it to
# a PNG, which must not be blank, and dumps its DOM, which must hold the
# verdict, the runs table, the charts and the fidelity table. Then the
# hand-edited data/bench-hostile.json (quotes, backquotes, </svg><script>,
# an onerror handler, newlines and terminal escapes in the allocator specs,
# the program's name and command, the machine, an error, the fidelity rows)
# through `poolbench plot --html`: the browser makes no script element, runs
# no handler, and shows the names as text. Run from the source tree; exit 77
# (skipped) without chromium or python3.
set -u
pb=$1
dir=$2
here=$(dirname "$0")
name=bench_report_browser
. "$here/browser_lib.sh"

lib=$(ldd /bin/sh | awk '/libc\.so/ {print $3}')
[ -r "$lib" ] || fail "no libc path from ldd /bin/sh"
"$pb" bench -q --allocator "glibc,preload:$lib" --rounds 3 --warmup 0 \
  --replay "$here/data/example.trace" -o "$dir/b.json" -- true > "$dir/bench.out" 2>&1 ||
  fail "poolbench bench failed" "$dir/bench.out"
"$pb" report "$dir/b.json" -o "$dir" > "$dir/report.out" 2>&1 ||
  fail "poolbench report failed" "$dir/report.out"
page=$dir/report.html
[ -s "$page" ] || fail "no $page"
charts=0
if command -v gnuplot > /dev/null; then
  charts=$(grep -c '^<svg ' "$page")
  [ "$charts" -eq 2 ] || fail "the page has $charts inline charts, want 2" "$page"
fi

render_page "$page"
grep -Eq 'fastest |no clear winner' "$dom" || fail "no speed verdict in the DOM" "$dom"
grep -Eq 'replay against program over [0-9]+ allocators?' "$dom" || fail "no fidelity verdict" "$dom"
grep -q '<tr class="ok"><td>glibc</td>' "$dom" || fail "no glibc row" "$dom"
grep -q '<section id="fidelity">' "$dom" || fail "no fidelity section" "$dom"
svgs=$(grep -o '<svg ' "$dom" | wc -l)
[ "$svgs" -eq "$charts" ] || fail "the DOM has $svgs charts, the page $charts"

# the hostile bench document: shown, never run
mkdir "$dir/evil" && cp "$here/data/bench-hostile.json" "$dir/evil/b.json" || exit 1
hostile_page "$dir/evil/b.json" "$charts"
grep -q '<tr class="ok"><td>glibcq&#39;d"b`touch canary_bq`' "$edom" ||
  grep -q "<tr class=\"ok\"><td>glibcq'd\"b\`touch canary_bq\`" "$edom" ||
  fail "the hostile allocator is not shown as text" "$edom"
grep -q '&lt;/svg&gt;&lt;script&gt;document.title' "$edom" || fail "the payload is not shown" "$edom"
grep -q '\\x0aL2\\x1b\[31mRED' "$edom" || fail "the control characters are not shown escaped" "$edom"
grep -q 'failed (broken, see the summary): preload:broken' "$edom" ||
  fail "no failed line in the hostile verdict" "$edom"
echo "bench_report_browser: ok ($charts charts; $dir/shot.png)"
