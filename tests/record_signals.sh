#!/bin/sh
# record_signals.sh POOLBENCH -- SIGTERM or SIGHUP on `poolbench record` is passed on to
# the recorded program; record waits for it, reports, exits 1 and removes its list
# file from $TMPDIR. SIGKILL on record: the program gets SIGTERM (it dies with record).
pb=$1
. "$(dirname "$0")/signal_lib.sh"
TMPDIR=$tmp/tmpdir; export TMPDIR
mkdir "$TMPDIR" || exit 1

# the recorded program: record's child, once it runs sleep
program_runs() {
  child=$(ps -o pid= --ppid "$pid" | head -n 1 | tr -d ' ')
  [ -n "$child" ] && tr '\0' ' ' < "/proc/$child/cmdline" 2>/dev/null | grep -q '^sleep '
}

# start: record a program that would run for a minute
start() {
  "$pb" record -o "$tmp/sleep.trace" -- sleep 60 2> "$tmp/err" &
  pid=$!; started="$started $pid"
  wait_for 60 program_runs || fail "the recorded program never ran"
  started="$started $child"
}

for sig in TERM HUP; do
  start
  kill -"$sig" "$pid"
  wait_for 30 exited || fail "SIG$sig: record still runs 30 s later"
  wait "$pid"; rc=$?
  [ "$rc" -eq 1 ] || fail "SIG$sig: record exit $rc, expected 1"
  gone "$child" || fail "SIG$sig: the program ($child) still runs"
  grep -q "sleep was killed by signal" "$tmp/err" || fail "SIG$sig: not reported: $(cat "$tmp/err")"
  [ -z "$(ls -A "$TMPDIR")" ] || fail "SIG$sig: left in TMPDIR: $(ls -A "$TMPDIR")"
done

start
kill -KILL "$pid"
wait "$pid" 2>/dev/null
wait_for 10 gone "$child" || fail "SIGKILL: the program ($child) outlives record"
exit 0
