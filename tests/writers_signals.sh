#!/bin/sh
# writers_signals.sh POOLBENCH DATADIR -- a command writing a file, stopped by SIGTERM,
# SIGHUP or SIGINT while it writes, ends by that signal and leaves no temporary
# (*.tmp.*) behind; the target is not created, or an existing one is left as it was:
#  - `poolbench convert` to .gz (a large trace: the compression lasts);
#  - `poolbench plot`, while gnuplot draws a chart: gnuplot is ended too;
#  - `poolbench report`, while gnuplot draws an SVG: gnuplot is ended, the
#    temporary folder in $TMPDIR removed and an existing page left as it was.
# The gnuplot they run is a stand-in on PATH that draws nothing and lasts until
# killed: a real one may finish between two polls and leave no moment to signal.
pb=$1; data=$2
. "$(dirname "$0")/signal_lib.sh"
has_temp() { ls "$1" | grep -q '\.tmp\.'; }
signum() { case $1 in HUP) echo 1;; INT) echo 2;; TERM) echo 15;; esac; }

# ended_by SIG NAME: the process $pid ends by SIG (exit 128 + its number), in time
ended_by() {
  wait_for 30 exited || fail "$2: still running 30 s after SIG$1"
  wait "$pid"; rc=$?
  [ "$rc" -eq $((128 + $(signum "$1"))) ] || fail "$2: exit $rc after SIG$1"
}

mkdir "$tmp/bin"
printf '#!/bin/sh\nexec sleep 600\n' > "$tmp/bin/gnuplot" && chmod +x "$tmp/bin/gnuplot"
slowplot="env PATH=$tmp/bin:$PATH"
child_found() { child=$(ps -o pid= --ppid "$pid" | head -n 1 | tr -d ' '); [ -n "$child" ]; }

# term_while_drawing WHAT CMD...: CMD, run in the background with the stand-in
# gnuplot, gets SIGTERM once its gnuplot runs: it ends by it, and gnuplot too
term_while_drawing() {
  what=$1; shift
  $slowplot "$@" > /dev/null 2>&1 &
  pid=$!; started="$started $pid"
  wait_for 60 child_found || fail "$what: gnuplot never ran"
  started="$started $child"
  kill -TERM "$pid"
  ended_by TERM "$what"
  wait_for 10 gone "$child" || fail "$what: gnuplot ($child) still runs after $what ended"
}

"$pb" gen --workload churn:pairs=2000000 -o "$tmp/big.pbt" || fail "gen big.pbt"

# convert: TERM with no target, HUP over an existing target, INT
for sig in TERM HUP INT; do
  [ "$sig" = INT ] && [ -z "$dfl" ] && { echo "skip SIGINT: env --default-signal missing"; continue; }
  out=$tmp/out-$sig
  mkdir "$out"
  [ "$sig" = HUP ] && echo old > "$out/big.trace.gz"
  $dfl "$pb" convert "$tmp/big.pbt" "$out/big.trace.gz" &
  pid=$!; started="$started $pid"
  wait_for 60 has_temp "$out" || fail "convert SIG$sig: no temporary appeared"
  kill -"$sig" "$pid"
  ended_by "$sig" "convert SIG$sig"
  ! has_temp "$out" || fail "convert SIG$sig: left $(ls "$out")"
  if [ "$sig" = HUP ]; then
    [ "$(cat "$out/big.trace.gz")" = old ] || fail "convert SIGHUP: the existing target changed"
  else
    [ ! -e "$out/big.trace.gz" ] || fail "convert SIG$sig: the target was created"
  fi
done

# plot: TERM while gnuplot draws; no temporary left, gnuplot gone
out=$tmp/plots
term_while_drawing plot "$pb" plot "$data/results-sample.json" -o "$out"
! has_temp "$out" || fail "plot: left $(ls "$out" | grep '\.tmp\.')"

# report: TERM while gnuplot draws, over an existing page
out=$tmp/report
mkdir -p "$out" "$tmp/rtmp" && echo old > "$out/report.html"
term_while_drawing report env TMPDIR="$tmp/rtmp" "$pb" report "$data/results-sample.json" -o "$out"
[ -z "$(ls "$tmp/rtmp")" ] || fail "report: left $(ls "$tmp/rtmp") in TMPDIR"
! has_temp "$out" || fail "report: left $(ls "$out" | grep '\.tmp\.')"
[ "$(cat "$out/report.html")" = old ] || fail "report: the existing page changed"
exit 0
