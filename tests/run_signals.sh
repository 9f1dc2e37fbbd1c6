#!/bin/sh
# run_signals.sh POOLBENCH POOLBENCH_TESTBACKENDS -- `poolbench run` stopped by a
# signal once its first run has finished:
#  - SIGTERM, SIGHUP, SIGINT: exit 1, the finished runs written with "interrupted": true,
#    the running child killed and reaped, nothing left in $TMPDIR;
#  - SIGKILL: the running child dies with it.
# Each case runs once with a forked run that hangs (the test-only crash backend) and,
# where jemalloc can be preloaded (not in a sanitizer build), once with a process-wide
# backend's `poolbench __child`, whose workload file must never appear in $TMPDIR.
pb=$1; tb=$2
. "$(dirname "$0")/signal_lib.sh"
TMPDIR=$tmp/tmpdir; export TMPDIR
mkdir "$TMPDIR" || exit 1
# child_of PID PATTERN: a child of PID whose command line matches PATTERN, sleeping
# when PATTERN is "sleeping" (the crash backend's hang: pause())
child_of() {
  for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do
    if [ "$2" = sleeping ]; then [ "$(state "$c")" = S ] && { echo "$c"; return; }
    else tr '\0' ' ' < "/proc/$c/cmdline" 2>/dev/null | grep -q -- "$2" && { echo "$c"; return; }
    fi
  done
}
found_child() { child=$(child_of "$pid" "$1"); [ -n "$child" ]; }
tmpdir_empty() { [ -z "$(ls -A "$TMPDIR")" ]; }

# start NAME MARKER BINARY RUN-ARGS...: start a run writing $tmp/NAME.json, wait until
# its child matching MARKER runs (the null baseline has finished by then)
start() {
  name=$1; marker=$2; bin=$3; shift 3
  rm -f "$tmp/$name.json"
  $dfl "$bin" run "$@" --repeat 1 -o "$tmp/$name.json" --quiet 2> "$tmp/$name.err" &
  pid=$!; started="$started $pid"
  wait_for 60 found_child "$marker" || fail "$name: no running child '$marker' appeared"
  started="$started $child"
}

# stopped NAME SIG: SIG ends the run as an interruption
stopped() {
  name=$1; sig=$2
  kill -"$sig" "$pid"
  wait_for 30 exited || fail "$name: still running 30 s after SIG$sig"
  wait "$pid"; rc=$?
  [ "$rc" -eq 1 ] || fail "$name: exit $rc after SIG$sig, expected 1 ($(cat "$tmp/$name.err"))"
  wait_for 10 gone "$child" || fail "$name: its child $child still runs after SIG$sig"
  [ -z "$(ps -o pid= --ppid "$pid" 2>/dev/null)" ] || fail "$name: a child is left"
  tmpdir_empty || fail "$name: left in TMPDIR: $(ls -A "$TMPDIR")"
  [ -z "$(ls "$tmp" | grep '\.tmp\.')" ] || fail "$name: a temporary results file is left"
  f=$tmp/$name.json
  [ -s "$f" ] || fail "$name: no results file after SIG$sig"
  grep -q '"interrupted":[[:space:]]*true' "$f" || fail "$name: not marked interrupted"
  grep -q '"backend":[[:space:]]*"null"' "$f" || fail "$name: the finished null run is missing"
  grep -q '"memory":[[:space:]]*{' "$f" || fail "$name: no finished memory figures"
  interrupted="$interrupted $f"
}
interrupted=""   # the results files to check as JSON at the end

# every interrupted results file is valid JSON, marked interrupted, with the memory
# figures of the baseline, whose memory process finished before the signal
check_json() {
  command -v python3 > /dev/null || { echo "skip the JSON check: no python3"; return; }
  python3 - $interrupted <<'EOF' || fail "a results file is not valid or not interrupted"
import json, sys
for path in sys.argv[1:]:
    d = json.load(open(path))
    assert d["interrupted"] is True, path
    # every run is finished, or says it was cut short and keeps what it finished
    for r in d["runs"]:
        assert r["status"] == "ok" or "interrupted" in r["error"] or r["backend"] != "null", path
    assert any(r["backend"] == "null" and r["memory"] for r in d["runs"]), path
EOF
}

# killed NAME: SIGKILL on the run; its child follows it
killed() {
  name=$1
  kill -KILL "$pid"
  wait "$pid" 2>/dev/null
  wait_for 10 gone "$child" || fail "$name: child $child still runs after SIGKILL on its parent"
  wait_for 10 tmpdir_empty || fail "$name: left in TMPDIR: $(ls -A "$TMPDIR")"
}

hang="--workload churn:pairs=2000 --backend crash:after=10:mode=hang"
for sig in TERM HUP INT; do
  [ "$sig" = INT ] && [ -z "$dfl" ] && { echo "skip SIGINT: env --default-signal missing"; continue; }
  start "fork-$sig" sleeping "$tb" $hang
  stopped "fork-$sig" "$sig"
done
start fork-KILL sleeping "$tb" $hang
killed fork-KILL

# a process-wide backend: `poolbench __child`, its workload on an inherited descriptor
if "$pb" run --backend jemalloc --workload churn:pairs=10 --repeat 1 -o "$tmp/probe.json" \
     --quiet 2>/dev/null; then
  # a memory sample after every event: null (not measured) is done at once, jemalloc's
  # memory process lasts (one read of /proc/self/smaps_rollup per event)
  big="--workload churn:pairs=20000 --backend jemalloc --sample-every 1"
  for sig in TERM HUP; do
    start "child-$sig" "backend jemalloc" "$pb" $big
    tmpdir_empty || fail "child-$sig: the workload file is visible in TMPDIR: $(ls -A "$TMPDIR")"
    stopped "child-$sig" "$sig"
  done
  start child-KILL "backend jemalloc" "$pb" $big
  killed child-KILL
else
  echo "skip the jemalloc cases: it cannot be preloaded by this build"
fi
check_json
exit 0
