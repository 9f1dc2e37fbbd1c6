#!/bin/sh
# hostile_names.sh POOLBENCH DATADIR -- strings from input stay data.
# Names and strings that hold shell and gnuplot code (backquotes, $(...),
# quotes, semicolons, newlines), terminal control sequences (ESC, CR, DEL,
# C1) and UTF-8 go through `plot` (a results file full of them, in a folder
# and under file names full of them), through `run` (a trace named with them),
# and through check, advise, compare and report; a bench document full of
# them through plot and report. Every payload touches a canary_*
# file in the working directory when it runs: none may appear. The commands
# must succeed, charts must be drawn, and their terminal output and the
# charts' index must hold no control character (only newlines).
pb=$1; data=$2
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { printf "FAIL: %s\n" "$*"; failures=$((failures + 1)); }
esc=$(printf '\033'); nl='
'

# clean FILE WHAT: FILE holds no control character but newline: no byte
# below 0x20, no DEL, no C1 control (U+0080..U+009F) in UTF-8
c1="$(printf '\302')[$(printf '\200')-$(printf '\237')]"
clean() {
  bad=$(LC_ALL=C tr -d '\n\040-\176\200-\377' < "$1" | od -An -c | head -3)
  [ -z "$bad" ] || fail "$2 holds control characters: $bad"
  if LC_ALL=C grep -q "$c1" "$1"; then fail "$2 holds a C1 control"; fi
}

# no_canary WHAT: no payload ran anywhere under $tmp
no_canary() {
  found=$(find "$tmp" -name 'canary*' | head -5)
  [ -z "$found" ] || fail "$1 ran a command from its input: $found"
}

# ok WHAT ARGS...: poolbench ARGS, run in $work, succeeds; its stdout and
# stderr ($tmp/out, $tmp/err) hold no control character
ok() {
  what=$1; shift
  (cd "$work" && "$pb" "$@" > "$tmp/out" 2> "$tmp/err"); rc=$?
  [ "$rc" -eq 0 ] || fail "$what: exit $rc: $(cat "$tmp/err")"
  clean "$tmp/out" "$what: stdout"; clean "$tmp/err" "$what: stderr"
}

# page WHAT NAMES CHARTS: $dir/report.html holds no control character and no
# <script, shows the names (a grep pattern) and has CHARTS inline charts
page() {
  [ -f "$dir/report.html" ] || { fail "$1: no $dir/report.html"; return; }
  LC_ALL=C tr -d '\t' < "$dir/report.html" > "$tmp/page" # gnuplot's SVG indents with tabs
  clean "$tmp/page" "$1: report.html"
  if grep -q '<script' "$tmp/page"; then fail "$1: report.html holds <script"; fi
  grep -q -- "$2" "$tmp/page" || fail "$1: report.html does not show the names"
  n=$(grep -c '^<svg ' "$tmp/page")
  [ "$n" -eq "$3" ] || fail "$1: report.html has $n inline charts, want $3"
}

# pngs DIR WANT WHAT: DIR/README.md lists WANT charts, each a PNG there
pngs() {
  index="$1/README.md"
  [ -f "$index" ] || { fail "$3: no index $index"; return; }
  clean "$index" "$3: README.md"
  n=0; headings=$(grep -c '^## ' "$index")
  for img in $(sed -n 's/^!\[.*\](\([A-Za-z0-9._-]*\.png\))$/\1/p' "$index"); do
    magic=$(head -c 8 "$1/$img" | od -An -tx1 | tr -d ' \n')
    [ "$magic" = "89504e470d0a1a0a" ] || fail "$3: $1/$img is not a PNG"
    n=$((n + 1))
  done
  [ "$n" -eq "$2" ] || fail "$3: the index lists $n charts, want $2"
  [ "$headings" -eq "$2" ] || fail "$3: the index has $headings headings, want $2 (markdown broken)"
  if grep -q '<b>' "$index"; then fail "$3: raw HTML from the input in README.md"; fi
}

# A results file with payloads in every string it carries (machine, backend,
# backend_spec, backend_config, workload name, path and params, notes,
# error), under a file and a folder name with payloads, drawn alone and
# overlaid, into its own folder: no -o, so the relative folder name, which
# starts with '<' (gnuplot's "read from a command"), reaches gnuplot.
work=$tmp/work; mkdir "$work" || exit 1
rel="<touch canary_lt; \$(touch canary_dir);x"; dir="$work/$rel"
mkdir "$dir" || exit 1
a="$rel/a\`touch canary_fa\`\$(touch canary_fa2)'\";${esc}[31m.json"
b="$rel/b''''; system('touch canary_fb')'.json"
cp "$data/results-hostile.json" "$work/$a" && cp "$data/results-hostile.json" "$work/$b" ||
  exit 1
ok "plot of the hostile file" plot "$a"
no_canary "plot of the hostile file"
grep -q 'canary_specnull_bq' "$tmp/err" || fail "plot's notes do not show the strings"
pngs "$dir" 8 "plot of the hostile file"
rm -rf "$dir"/*.png "$dir"/*.tsv "$dir"/*.vars "$dir"/README.md
ok "plot of two hostile files" plot "$a" "$b"
no_canary "plot of two hostile files"
pngs "$dir" 8 "plot of two hostile files"
# the HTML page of the hostile file, into its folder: the strings shown, none as markup
ok "report of the hostile file" report "$a"
no_canary "report of the hostile file"
page "report of the hostile file" 'canary_specpool_bq' 8
ok "compare of the hostile file with itself" compare "$a" "$b"
grep -q 'canary_specpool_bq.*\\x1b\[31mRED' "$tmp/out" || fail "compare does not show the names"
# the settings that differ show the machine's strings, escaped
LC_ALL=C sed 's/^  "cpu": .*/  "cpu": "plain",/' "$work/$a" > "$tmp/plain.json"
ok "compare of the hostile file with a plain cpu" compare "$a" "$tmp/plain.json"
no_canary "compare's settings"
grep -q '^  machine.cpu: `touch canary_cpu_bq`.*\\x0d\\x1b\[31mR\\xffED.* vs plain (new)$' "$tmp/out" ||
  fail "compare's settings do not show the cpu escaped: $(grep machine.cpu "$tmp/out")"

# A bench document (data/bench-hostile.json: payloads in the allocator specs,
# the program's name, path and command, the machine, a failed run's error,
# the fidelity rows and disagreements) under a hostile file name in the
# hostile folder, through plot (the bench and fidelity charts) and report.
rm -rf "$dir"/*
c="$rel/bench\`touch canary_bench\`'\";${esc}[31m.json"
cp "$data/bench-hostile.json" "$work/$c" || exit 1
ok "plot of the hostile bench file" plot "$c"
no_canary "plot of the hostile bench file"
grep -q 'preload:broken.*canary_bq.*failed, drawn as a gap' "$tmp/err" ||
  fail "plot's notes do not show the failed allocator's name"
pngs "$dir" 2 "plot of the hostile bench file"
for f in bench fidelity; do
  clean "$dir/$f.vars" "$f.vars"
  n=$(LC_ALL=C grep -c '' "$dir/$f.tsv")
  [ "$n" -eq $((2 + $([ $f = bench ] && echo 3 || echo 2))) ] ||
    fail "$f.tsv has $n lines: a name broke a row"
done
ok "report of the hostile bench file" report "$c"
no_canary "report of the hostile bench file"
page "report of the hostile bench file" '&lt;/svg&gt;&lt;script&gt;' 2

# A trace named with payloads, an ESC sequence and a newline, through run
# (summary table, the failed run's error naming the trace, results file),
# plot, check, advise and compare.
work=$tmp/run; mkdir "$work" || exit 1
name="e${esc}[31mx${esc}]0;title${esc}\\${nl}z\`touch canary_run\`\$(touch canary_run2)'\";"
name="$name$(printf '\177\302\233') caf$(printf '\303\251')"
shown='e\\x1b\[31mx\\x1b\]0;title\\x1b\\\\x0az`touch canary_run`' # as a grep pattern
printf 'poolbench-trace 1\na 1 48\na 2 60\nf 1\nr 2 64\nf 2\n' > "$work/$name.trace"
(cd "$work" && "$pb" run --trace "$name.trace" --backend pool:chunk=16,malloc --repeat 2 \
   --warmup 0 -o r.json > "$tmp/out" 2> "$tmp/err"); rc=$?
[ "$rc" -eq 0 ] || fail "run on the hostile trace name: exit $rc (expected 0: a refusal is an answer): $(cat "$tmp/err")"
clean "$tmp/out" "run's summary"; clean "$tmp/err" "run's stderr"
grep -q '^malloc  *e\\x1b\[31mx' "$tmp/out" || fail "run's table does not show the name escaped"
grep -q "^  pool:chunk=16 on $shown.*refused" "$tmp/out" ||
  fail "run's failed-run line does not show the name escaped: $(cat "$tmp/out")"
ok "plot of the run" plot r.json -o charts
pngs "$work/charts" 4 "plot of the run"
for cmd in check advise; do
  ok "$cmd on the hostile trace name" "$cmd" "$name.trace"
  grep -q "$shown" "$tmp/out" || fail "$cmd does not show the name escaped"
done
(cd "$work" && "$pb" check --json "$name.trace" > "$tmp/out" 2> "$tmp/err"); rc=$?
[ "$rc" -eq 0 ] || fail "check --json on the hostile trace name: exit $rc"
LC_ALL=C tr -d '\t' < "$tmp/out" > "$tmp/json" # the layout's tabs
clean "$tmp/json" "check --json"
grep -q 'e\\u001b\[31mx\\u001b\]0;title\\u001b\\\\\\nz`touch canary_run`' "$tmp/out" ||
  fail "check --json does not keep the name faithfully: $(grep '"name"' "$tmp/out")"
grep -q '\\u007f\\u009b caf' "$tmp/out" || fail "check --json does not escape DEL and C1"
(cd "$work" && "$pb" advise --json "$name.trace" > "$tmp/out" 2> "$tmp/err"); rc=$?
[ "$rc" -eq 0 ] || fail "advise --json on the hostile trace name: exit $rc"
LC_ALL=C tr -d '\t' < "$tmp/out" > "$tmp/json"
clean "$tmp/json" "advise --json"
ok "compare of the run" compare r.json r.json
# an invalid trace under such a name: the problem report shows it escaped
printf 'poolbench-trace 1\nf 9\n' > "$work/bad$name.trace"
for cmd in check advise run convert; do
  case $cmd in
    run) args="--trace"; tail="-o x.json" ;;
    convert) args=""; tail="out.trace" ;;
    *) args=""; tail="" ;;
  esac
  (cd "$work" && "$pb" $cmd $args "bad$name.trace" $tail > "$tmp/out" 2> "$tmp/err"); rc=$?
  [ "$rc" -eq 2 ] || fail "$cmd on the bad trace: exit $rc (expected 2)"
  clean "$tmp/err" "$cmd's error message"
  grep -q "bad$shown.*:2: " "$tmp/err" ||
    fail "$cmd's error does not name the file escaped: $(cat "$tmp/err")"
done
no_canary "run, plot, check, advise, compare on the hostile trace name"

[ "$failures" -eq 0 ] || { echo "$failures failures"; exit 1; }
echo "hostile names: no command ran, no control character shown"
