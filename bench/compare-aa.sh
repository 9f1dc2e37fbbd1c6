#!/bin/sh
# bench/compare-aa.sh -- the false-alarm rate of `poolbench compare` on
# identical runs (A/A). Each repeat makes two identical `poolbench run`s, one
# after the other, and compares them at alpha 0.01 with the time threshold
# (--min-effect) at 5 (the default), 10, 20, 50, 100 and 200 percent; the
# memory figures keep the default threshold. It reports, for each, the repeats
# with any changed row, the repeats with a regression (exit 1), the rows
# changed / rows compared, and the largest ns/op ratio between the two runs of
# a repeat. Not part of ctest.
#
#   bench/compare-aa.sh BUILD_DIR [N]      N repeats, default 20
#   PB_AA_RUN='--backend ... --rounds 7' bench/compare-aa.sh build   another run
#
# The default run: pool, pools and malloc (and null) on churn and mixed, 7
# rounds, about 3 s here. Writes nothing in the tree. On a shared machine the
# rate depends on what else runs: say what did.
set -eu
build=${1:?usage: bench/compare-aa.sh BUILD_DIR [N]}
n=${2:-20}
cd "$(dirname "$0")/.."
pb="$build/poolbench"
run=${PB_AA_RUN:-"--backend pool,pools,malloc -w churn:pairs=100000 -w mixed:max=64 --rounds 7"}
effects="5 10 20 50 100 200"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: >"$tmp/tally"

# tally EFFECT FILE: one line "EFFECT time_changed changed compared time_compared
# regressions" for FILE
tally() {
  line=$(grep -E '^[0-9]+ pairs; ' "$2") || { echo "no summary in $2"; cat "$2"; exit 1; }
  compared=$(echo "$line" | sed -E 's/.*: ([0-9]+) compared, .*/\1/')
  changed=$(echo "$line" | sed -E 's/.* ([0-9]+) changed, .*/\1/')
  time_changed=$(awk '$3 == "ns/op" && ($NF == "REGRESSION" || $NF == "faster")' "$2" | wc -l)
  time_compared=$(awk '$3 == "ns/op" && / (exact|normal), /' "$2" | wc -l)
  regressions=$(echo "$line" | sed -E 's/.* ([0-9]+) regressions?$/\1/')
  echo "$1 $time_changed $changed $compared $time_compared $regressions" >>"$tmp/tally"
  [ "$changed" -eq 0 ] || grep -E '(REGRESSION|faster|smaller|fixed)$' "$2" | sed "s/^/  [$1 %] /"
}

start=$(date +%s)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
i=1
while [ "$i" -le "$n" ]; do
  # shellcheck disable=SC2086 # $run is a list of arguments
  "$pb" run $run --quiet -o "$tmp/a.json" >/dev/null 2>&1 || echo "repeat $i: run A had a failed run"
  # shellcheck disable=SC2086
  "$pb" run $run --quiet -o "$tmp/b.json" >/dev/null 2>&1 || echo "repeat $i: run B had a failed run"
  "$pb" compare "$tmp/a.json" "$tmp/b.json" >"$tmp/c.txt" 2>&1 || true
  ratio=$(awk '$3 == "ns/op" && $6 ~ /^x/ { r = substr($6, 2) + 0; if (r > 0 && r < 1) r = 1 / r;
               if (r > m) m = r } END { printf "%.3f", m }' "$tmp/c.txt")
  echo "repeat $i of $n: largest ns/op ratio new/base (or base/new) x$ratio"
  echo "ratio $ratio" >>"$tmp/tally"
  for e in $effects; do
    "$pb" compare --min-effect "$e" "$tmp/a.json" "$tmp/b.json" >"$tmp/c.txt" 2>&1 || true
    tally "$e" "$tmp/c.txt"
  done
  i=$((i + 1))
done
echo
echo "run:     poolbench run $run --quiet (twice per repeat)"
echo "machine: $(nproc) cores; load average (1, 5, 15 min) at the start $load_start, at the end $(cut -d' ' -f1-3 /proc/loadavg); $(($(date +%s) - start)) s"
echo "ns/op ratios between identical runs: largest x$(awk '$1 == "ratio" && $2 > m { m = $2 } END { print m }' "$tmp/tally"), median x$(awk '$1 == "ratio" { print $2 }' "$tmp/tally" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')"
printf '%-12s %-22s %-24s %-18s %s\n' "--min-effect" "repeats with a change" "repeats with exit 1" "time rows changed" \
  "all rows changed (memory at 5 %)"
for e in $effects; do
  awk -v e="$e" -v n="$n" '$1 == e { reps += ($3 > 0); t += $2; c += $3; all += $4; tc += $5; r += ($6 > 0) }
    END { printf "%-12s %-22s %-24s %-18s %s\n", e " %", reps " of " n, r " of " n " (regression)", t " of " tc,
          c " of " all }' "$tmp/tally"
done
