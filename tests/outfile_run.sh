#!/bin/sh
# outfile_run.sh POOLBENCH TESTBACKENDS -- output paths of the long commands
# (docs/output-files.md): an -o that cannot be written is refused before
# anything runs (exit 2, naming the user's path, not a temporary); two runs of
# the same second keep two timestamped copies; a replaced file (or trace) keeps its mode;
# an own symlink is followed, a symlink in a sticky world-writable directory is not.
pb=$1; tb=$2
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
quick="--backend malloc --workload churn:pairs=10 --repeat 1 --warmup 0 --quiet"

# refused OUT CMD...: exit 2, stderr names OUT and no temporary; sets err
refused() {
  o=$1; shift
  "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?
  err=$(cat "$tmp/err")
  [ "$rc" -eq 2 ] || fail "exit $rc (expected 2): $*: $err"
  printf '%s\n' "$err" | grep -qF -- "$o" || fail "the message does not name $o: $err"
  printf '%s\n' "$err" | grep -q '\.tmp' && fail "the message names a temporary: $err"
  return 0
}

# ---- an unwritable -o is found before the first run ----
# A run that started would hang in crash:mode=hang until --timeout: it must not start.
hang="--backend crash:after=1:mode=hang --workload churn:pairs=10 --repeat 1 --warmup 0 --timeout 5 --quiet"
touch "$tmp/plain"
for o in "$tmp/no-such-dir/x.json" "$tmp/plain/x.json"; do
  # shellcheck disable=SC2086
  refused "$o" "$tb" run $hang -o "$o"
  printf '%s\n' "$err" | grep -qi timeout && fail "a run happened before the refusal: $err"
done
if [ "$(id -u)" -ne 0 ]; then # root writes into a read-only directory all the same
  mkdir "$tmp/ro" && chmod 555 "$tmp/ro"
  # shellcheck disable=SC2086
  refused "$tmp/ro/x.json" "$tb" run $hang -o "$tmp/ro/x.json"
  chmod 755 "$tmp/ro"
fi
# the default results/ under a plain file: refused too
mkdir "$tmp/cwd1" && touch "$tmp/cwd1/results"
# shellcheck disable=SC2086
(cd "$tmp/cwd1" && refused "results/latest.json" "$tb" run $hang) || exit 1
# record: CMD never runs; gen and convert: refused before any work
refused "$tmp/no-such-dir/x.trace" "$pb" record -o "$tmp/no-such-dir/x.trace" -- touch "$tmp/ran"
[ -e "$tmp/ran" ] && fail "record ran its command although the trace could not be written"
refused "$tmp/plain/x.trace" "$pb" gen -w churn:pairs=10 -o "$tmp/plain/x.trace"
refused "$tmp/no-such-dir/x.pbt" "$pb" convert "$tmp/plain" "$tmp/no-such-dir/x.pbt"

# ---- two runs of the same second: two timestamped copies ----
mkdir "$tmp/cwd2" && cd "$tmp/cwd2" || exit 1
# shellcheck disable=SC2086
"$pb" run $quick || fail "first run: exit $?"
# shellcheck disable=SC2086
"$pb" run $quick || fail "second run: exit $?"
n=$(find results -name 'run-*.json' | wc -l)
[ "$n" -eq 2 ] || fail "two runs left $n timestamped copies: $(ls results)"
# shellcheck disable=SC2012 # the names are ours
last=$(ls -t results/run-*.json | head -n 1)
cmp -s "$last" results/latest.json || fail "latest.json is not the newest copy $last"
# The same for sure: every name of the next seconds is taken, so the run must number its copy.
mkdir -p "$tmp/cwd3/results" && cd "$tmp/cwd3" || exit 1
now=$(date -u +%s)
for i in 0 1 2 3 4 5 6 7 8 9 10; do
  echo placeholder >"results/run-$(date -u -d "@$((now + i))" +%Y%m%d-%H%M%S).json"
done
# shellcheck disable=SC2086
"$pb" run $quick || fail "run beside taken names: exit $?"
for f in results/run-*.json; do
  case $f in
    *-2.json) grep -q '"schema"' "$f" || fail "$f is not a results file" ;;
    *) [ "$(cat "$f")" = placeholder ] || fail "$f was replaced" ;;
  esac
done
[ "$(find results -name '*-2.json' | wc -l)" -eq 1 ] || fail "no numbered copy: $(ls results)"
cd "$tmp" || exit 1

# ---- a replaced file keeps its mode; links ----
echo old >"$tmp/kept.json" && chmod 600 "$tmp/kept.json"
# shellcheck disable=SC2086
(umask 022 && "$pb" run $quick -o "$tmp/kept.json") || fail "run -o an existing file"
[ "$(stat -c %a "$tmp/kept.json")" = 600 ] || fail "mode $(stat -c %a "$tmp/kept.json"), not 600"
echo old >"$tmp/kept.trace" && chmod 600 "$tmp/kept.trace" # record writes a new file: same rule
(umask 022 && "$pb" record -o "$tmp/kept.trace" -- true 2>/dev/null) || fail "record over a trace"
[ "$(stat -c %a "$tmp/kept.trace")" = 600 ] || fail "record: mode $(stat -c %a "$tmp/kept.trace")"
ln -s kept.json "$tmp/mine.json" # own link, own (not sticky) directory: followed
# shellcheck disable=SC2086
"$pb" run $quick -o "$tmp/mine.json" || fail "run -o an own link"
[ -L "$tmp/mine.json" ] || fail "the own link was replaced"
grep -q '"schema"' "$tmp/kept.json" || fail "the own link's target was not written"
mkdir "$tmp/sticky" && chmod 1777 "$tmp/sticky"
echo mine >"$tmp/victim.txt" && chmod 600 "$tmp/victim.txt"
ln -s "$tmp/victim.txt" "$tmp/sticky/shared.json" # a link in a sticky world-writable directory
# shellcheck disable=SC2086
refused "$tmp/sticky/shared.json" "$pb" run $quick -o "$tmp/sticky/shared.json"
printf '%s\n' "$err" | grep -q "symbolic link in $tmp/sticky, a sticky world-writable directory" ||
  fail "the refusal does not say why: $err"
[ "$(cat "$tmp/victim.txt")" = mine ] || fail "the link's target was written"
[ "$(stat -c %a "$tmp/victim.txt")" = 600 ] || fail "the link's target changed mode"
[ -z "$(find "$tmp" -name '*.tmp.*')" ] || fail "temporary files left: $(find "$tmp" -name '*.tmp.*')"
exit 0
