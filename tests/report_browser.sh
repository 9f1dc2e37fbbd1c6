#!/bin/sh
# report_browser.sh POOLBENCH DIR -- the HTML report in a real browser.
# A small real benchmark (null, pool, malloc on churn and the sqlite3 trace,
# which pool refuses) goes through `poolbench report`; headless Chromium
# renders the page to a PNG, which must not be blank (png_nonblank.py), and
# dumps its DOM, which must hold the verdicts ("fastest" or "no clear
# winner"), pool's refusal on sqlite3 and, with gnuplot, the charts as
# inline SVG. Then the same results with a hostile workload name and backend
# spec (</svg><script>... and an onerror handler that would mark the page)
# through `poolbench report` and `poolbench plot --html`: the page holds no
# <script, the browser's DOM no script element and no mark, and the charts
# are still drawn. Run from the source tree; exit 77 (skipped) without
# chromium or python3.
set -u
pb=$1
dir=$2
here=$(dirname "$0")
name=report_browser
. "$here/browser_lib.sh"

"$pb" run --backend null,pool,malloc -w churn:pairs=2000 \
  --trace workloads/traces/sqlite3.trace.gz --rounds 2 -o "$dir/r.json" > "$dir/run.out" 2>&1 ||
  fail "poolbench run failed" "$dir/run.out"
"$pb" report "$dir/r.json" -o "$dir" > "$dir/report.out" 2>&1 ||
  fail "poolbench report failed" "$dir/report.out"
page=$dir/report.html
[ -s "$page" ] || fail "no $page"
grep -q '<script' "$page" && fail "the page holds <script"
charts=0
if command -v gnuplot > /dev/null; then
  charts=$(grep -c '^<svg ' "$page")
  [ "$charts" -ge 4 ] || fail "the page has $charts inline charts, want 4 or more" "$page"
fi

render_page "$page"
grep -Eq 'fastest |no clear winner' "$dom" || fail "no verdict text in the DOM" "$dom"
grep -q 'refused (cannot serve it): pool' "$dom" || fail "no refusal in the verdicts" "$dom"
grep -q '<tr class="refused"><td>pool</td><td>sqlite3</td>' "$dom" ||
  fail "pool on sqlite3 is not a refused row" "$dom"
grep -q 'exceeds chunk size' "$dom" || fail "the refusal's reason is not shown" "$dom"
grep -q '<section id="glossary">' "$dom" || fail "no glossary in the DOM" "$dom"
svgs=$(grep -o '<svg ' "$dom" | wc -l)
[ "$svgs" -eq "$charts" ] || fail "the DOM has $svgs charts, the page $charts"

# the same results under hostile names: the page shows them, runs nothing
evil='</svg><script>alert(1);document.title="PWNED"</script>'
evil="$evil<img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">"
EVIL=$evil python3 - "$dir/r.json" "$dir/evil/r.json" <<'EOF' || fail "cannot write the hostile file"
import json, os, sys
doc = json.load(open(sys.argv[1]))
evil = os.environ["EVIL"]
for run in doc["runs"]:
    run["workload"]["name"] = evil + run["workload"]["name"]
    run["backend_spec"] = run["backend_spec"] + evil
doc["machine"]["cpu"] = evil
doc["config"]["argv"].append(evil)
os.makedirs(os.path.dirname(sys.argv[2]))
json.dump(doc, open(sys.argv[2], "w"))
EOF
hostile_page "$dir/evil/r.json" "$charts"
grep -q '&lt;/svg&gt;&lt;script&gt;alert(1)' "$edom" || fail "the hostile name is not shown" "$edom"
grep -q 'fastest ' "$edom" || fail "no verdict on the hostile page"
echo "report_browser: ok ($charts charts; $dir/shot.png)"
