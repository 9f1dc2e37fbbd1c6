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
(cd "$work" && "$pb" plot "$a" > "$tmp/out" 2> "$tmp/err"); rc=$?
[ "$rc" -eq 0 ] || fail "plot of the hostile file: exit $rc: $(cat "$tmp/err")"
no_canary "plot of the hostile file"
clean "$tmp/out" "plot's stdout"; clean "$tmp/err" "plot's stderr"
grep -q 'canary_specnull_bq' "$tmp/err" || fail "plot's notes do not show the strings"
pngs "$dir" 8 "plot of the hostile file"
rm -rf "$dir"/*.png "$dir"/*.tsv "$dir"/*.vars "$dir"/README.md
(cd "$work" && "$pb" plot "$a" "$b" > "$tmp/out" 2> "$tmp/err"); rc=$?
[ "$rc" -eq 0 ] || fail "plot of two hostile files: exit $rc: $(cat "$tmp/err")"
no_canary "plot of two hostile files"
clean "$tmp/out" "plot's stdout (two files)"; clean "$tmp/err" "plot's stderr (two files)"
pngs "$dir" 8 "plot of two hostile files"
# the HTML page of the hostile file, into its folder: the strings shown, none as markup
(cd "$work" && "$pb" report "$a" > "$tmp/out" 2> "$tmp/err"); rc=$?
[ "$rc" -eq 0 ] || fail "report of the hostile file: exit $rc: $(cat "$tmp/err")"
no_canary "report of the hostile file"
clean "$tmp/out" "report's stdout"; clean "$tmp/err" "report's stderr"
if [ -f "$dir/report.html" ]; then
  LC_ALL=C tr -d '\t' < "$dir/report.html" > "$tmp/page" # gnuplot's SVG indents with tabs
  clean "$tmp/page" "report.html"
  if grep -q '<script' "$tmp/page"; then fail "report.html holds <script"; fi
  grep -q 'canary_specpool_bq' "$tmp/page" || fail "report.html does not show the names"
  n=$(grep -c '^<svg ' "$tmp/page")
  [ "$n" -eq 8 ] || fail "report.html has $n inline charts, want 8"
else
  fail "report of the hostile file: no $dir/report.html"
fi
(cd "$work" && "$pb" compare "$a" "$b" > "$tmp/out" 2> "$tmp/err"); rc=$?
[ "$rc" -eq 0 ] || fail "compare of the hostile file with itself: exit $rc: $(cat "$tmp/err")"
clean "$tmp/out" "compare's stdout"; clean "$tmp/err" "compare's stderr"
grep -q 'canary_specpool_bq.*\\x1b\[31mRED' "$tmp/out" || fail "compare does not show the names"
# the settings that differ show the machine's strings, escaped
LC_ALL=C sed 's/^  "cpu": .*/  "cpu": "plain",/' "$work/$a" > "$tmp/plain.json"
(cd "$work" && "$pb" compare "$a" "$tmp/plain.json" > "$tmp/out" 2> "$tmp/err"); rc=$?
[ "$rc" -eq 0 ] || fail "compare of the hostile file with a plain cpu: exit $rc: $(cat "$tmp/err")"
no_canary "compare's settings"
clean "$tmp/out" "compare's settings"
grep -q '^  machine.cpu: `touch canary_cpu_bq`.*\\x0d\\x1b\[31mR\\xffED.* vs plain (new)$' "$tmp/out" ||
  fail "compare's settings do not show the cpu escaped: $(grep machine.cpu "$tmp/out")"

# A bench document (data/bench-hostile.json: payloads in the allocator specs,
# the program's name, path and command, the machine, a failed run's error,
# the fidelity rows and disagreements) under a hostile file name in the
# hostile folder, through plot (the bench and fidelity charts) and report.
rm -rf "$dir"/*
c="$rel/bench\`touch canary_bench\`'\";${esc}[31m.json"
cp "$data/bench-hostile.json" "$work/$c" || exit 1
(cd "$work" && "$pb" plot "$c" > "$tmp/out" 2> "$tmp/err"); rc=$?
[ "$rc" -eq 0 ] || fail "plot of the hostile bench file: exit $rc: $(cat "$tmp/err")"
no_canary "plot of the hostile bench file"
clean "$tmp/out" "plot's stdout (bench)"; clean "$tmp/err" "plot's stderr (bench)"
grep -q 'preload:broken.*canary_bq.*failed, drawn as a gap' "$tmp/err" ||
  fail "plot's notes do not show the failed allocator's name"
pngs "$dir" 2 "plot of the hostile bench file"
for f in bench fidelity; do
  clean "$dir/$f.vars" "$f.vars"
  n=$(LC_ALL=C grep -c '' "$dir/$f.tsv")
  [ "$n" -eq $((2 + $([ $f = bench ] && echo 3 || echo 2))) ] ||
    fail "$f.tsv has $n lines: a name broke a row"
done
(cd "$work" && "$pb" report "$c" > "$tmp/out" 2> "$tmp/err"); rc=$?
[ "$rc" -eq 0 ] || fail "report of the hostile bench file: exit $rc: $(cat "$tmp/err")"
no_canary "report of the hostile bench file"
clean "$tmp/out" "report's stdout (bench)"; clean "$tmp/err" "report's stderr (bench)"
if [ -f "$dir/report.html" ]; then
  LC_ALL=C tr -d '\t' < "$dir/report.html" > "$tmp/page"
  clean "$tmp/page" "report.html (bench)"
  if grep -q '<script' "$tmp/page"; then fail "report.html (bench) holds <script"; fi
  grep -q '&lt;/svg&gt;&lt;script&gt;' "$tmp/page" || fail "report.html (bench) does not show the names"
  n=$(grep -c '^<svg ' "$tmp/page")
  [ "$n" -eq 2 ] || fail "report.html (bench) has $n inline charts, want 2"
else
  fail "report of the hostile bench file: no $dir/report.html"
fi

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
(cd "$work" && "$pb" plot r.json -o charts > "$tmp/out" 2> "$tmp/err"); rc=$?
[ "$rc" -eq 0 ] || fail "plot of the run: exit $rc: $(cat "$tmp/err")"
clean "$tmp/out" "plot's stdout (run)"; clean "$tmp/err" "plot's stderr (run)"
pngs "$work/charts" 4 "plot of the run"
for cmd in check advise; do
  (cd "$work" && "$pb" $cmd "$name.trace" > "$tmp/out" 2> "$tmp/err"); rc=$?
  [ "$rc" -eq 0 ] || fail "$cmd on the hostile trace name: exit $rc: $(cat "$tmp/err")"
  clean "$tmp/out" "$cmd's stdout"; clean "$tmp/err" "$cmd's stderr"
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
(cd "$work" && "$pb" compare r.json r.json > "$tmp/out" 2> "$tmp/err"); rc=$?
[ "$rc" -eq 0 ] || fail "compare of the run: exit $rc: $(cat "$tmp/err")"
clean "$tmp/out" "compare's stdout (run)"
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
