# signal_lib.sh -- shared by the signal tests (run_signals.sh, writers_signals.sh,
# record_signals.sh), sourced after they set their arguments: a private $tmp removed
# at exit, every process listed in $started (and its children) killed if a test
# fails midway, and polling helpers over /proc.
tmp=$(mktemp -d) || exit 1
started=""
cleanup() {
  for p in $started; do
    for c in $(ps -o pid= --ppid "$p" 2>/dev/null); do kill -KILL "$c" 2>/dev/null; done
    kill -KILL "$p" 2>/dev/null
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
# background jobs of a script ignore SIGINT, and poolbench keeps an ignored signal ignored
if env --default-signal=INT true 2>/dev/null; then dfl="env --default-signal=INT"; else dfl=""; fi

# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds; 1 at the timeout
wait_for() {
  n=$(($1 * 10)); shift
  while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
  return 1
}
state() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1; }
# running PID: the process exists and is not a zombie
running() { s=$(state "$1"); [ -n "$s" ] && [ "$s" != Z ]; }
gone() { ! running "$1"; }
# exited: the process $pid has ended (a zombie counts: this VM's init reaps late)
exited() { ! kill -0 "$pid" 2>/dev/null || [ "$(state "$pid")" = Z ]; }
