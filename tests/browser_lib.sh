# browser_lib.sh -- sourced by the browser tests (report_browser.sh,
# bench_report_browser.sh) after they set name (for messages), pb and dir:
# skips without chromium or python3 (exit 77), makes dir afresh (absolute),
# and gives fail, browser, render_page and hostile_page.
command -v chromium > /dev/null || { echo "skip: no chromium"; exit 77; }
command -v python3 > /dev/null || { echo "skip: no python3"; exit 77; }
rm -rf "$dir" && mkdir -p "$dir" || exit 1
dir=$(cd "$dir" && pwd)

# fail MESSAGE [LOG]: say so (and the end of LOG), exit 1
fail() {
  printf '%s: FAIL: %s\n' "$name" "$1"
  [ -f "${2:-}" ] && tail -n 20 "$2"
  exit 1
}

# browser OUT ARGS...: headless Chromium (as root it needs --no-sandbox), a
# fresh profile each time, at most 120 s; its stdout into OUT
browser() {
  out=$1
  shift
  profile=$(mktemp -d "$dir/profile.XXXXXX") || exit 1
  timeout -k 5 120 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --no-first-run --user-data-dir="$profile" "$@" > "$out" 2>> "$dir/chromium.log"
  rc=$?
  rm -rf "$profile"
  return $rc
}

# render_page PAGE: a screenshot of PAGE ($dir/shot.png), which must not be
# blank, and its DOM in $dir/dom.html (set as dom), which must hold the verdicts
render_page() {
  browser "$dir/screenshot.out" --screenshot="$dir/shot.png" --window-size=1200,2000 \
    "file://$1" || fail "chromium --screenshot failed" "$dir/chromium.log"
  [ -s "$dir/shot.png" ] || fail "chromium wrote no screenshot" "$dir/chromium.log"
  python3 "$here/png_nonblank.py" "$dir/shot.png" 0.05 32 || fail "the screenshot is blank"

  browser "$dir/dom.html" --dump-dom "file://$1" || fail "chromium --dump-dom failed" \
    "$dir/chromium.log"
  dom=$dir/dom.html
  grep -q '<section id="verdicts">' "$dom" || fail "no verdicts in the DOM" "$dom"
}

# hostile_page JSON CHARTS: `poolbench plot --html JSON` writes a page that
# holds no <script, refuses no chart and (when CHARTS is not 0) has CHARTS
# charts; in the browser's DOM of it ($edom) no script element, and no sign
# that its script or an event handler ran
hostile_page() {
  hdir=$(dirname "$1")
  "$pb" plot --html "$1" > "$hdir/report.out" 2>&1 ||
    fail "poolbench plot --html on the hostile file failed" "$hdir/report.out"
  epage=$hdir/report.html
  [ -s "$epage" ] || fail "plot --html wrote no $epage"
  grep -q '<script' "$epage" && fail "the hostile page holds <script"
  grep -q 'This chart is left out' "$epage" && fail "a chart of the hostile file was refused"
  if [ "$2" -gt 0 ]; then
    n=$(grep -c '^<svg ' "$epage")
    [ "$n" -eq "$2" ] || fail "the hostile page has $n charts, want $2"
  fi
  browser "$hdir/dom.html" --dump-dom "file://$epage" ||
    fail "chromium --dump-dom failed on the hostile page" "$dir/chromium.log"
  edom=$hdir/dom.html
  grep -q '<script' "$edom" && fail "the browser made a script element" "$edom"
  grep -q '<title>PWNED' "$edom" && fail "a script ran: the title changed"
  grep -q 'data-pwned="1"' "$edom" && fail "an event handler ran"
}
