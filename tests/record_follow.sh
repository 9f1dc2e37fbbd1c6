#!/bin/sh
# record_follow.sh POOLBENCH TARGET WORKDIR
# Which processes `poolbench record --follow none|exec|all` records and how
# it reports them. CMD is a wrapper shell script that execs tests/record_target
# (which forks a child and a child that execs itself again): with exec (the
# default) FILE must be the target's trace, marked as CMD's own process, and
# the wrapper's trace FILE.<pid>; with none FILE is the wrapper's alone; with
# all the children write files too. A command with many children gets a
# bounded listing: CMD's file, the largest others, a count of the rest. Names
# with control characters are shown escaped.
set -u
pb=$1; target=$2; work=$3
here=$(cd "$(dirname "$0")" && pwd)
. "$here/record_lib.sh"
rm -rf "$work" && mkdir -p "$work" || exit 1
fail() { echo "FAIL: $*"; exit 1; }

wrap="$work/wrap.sh"
printf '#!/bin/sh\nexec "%s" "$@"\n' "$target" > "$wrap" && chmod +x "$wrap" || exit 1

# run NAME ARGS...: poolbench record -o $work/NAME.trace ARGS, must exit 0; log in $log
run() {
    name=$1; shift
    out="$work/$name.trace"; log="$work/$name.log"
    "$pb" record -o "$out" "$@" > "$log" 2>&1 || { cat "$log"; fail "$name: record failed"; }
}
# files: the trace files of the last run (FILE and FILE.*), one a line
files() {
    for f in "$out" "$out".*; do
        [ -f "$f" ] && printf '%s\n' "$f"
    done
}
nfiles() { files | wc -l | tr -d ' '; }
# the followed blocks (sizes 4200..4299) of a trace
followed() { awk -v lo=4200 -v hi=4299 -f "$here/trace_filter.awk" "$1"; }
# is_like FILE EXPECTED: FILE's followed blocks are tests/data/record_EXPECTED.expected
is_like() { followed "$1" | cmp -s - "$here/data/record_$2.expected"; }
# logged PATTERN: the log has a line matching the extended regular expression
logged() { grep -Eq -- "$1" "$log" || { cat "$log"; fail "$name: no line matching /$1/"; }; }
# the pid record names as CMD's own process
main_pid() { sed -n 's/.*\.trace: [0-9]* events -- pid \([0-9]*\), wrap\.sh.s own process: .*/\1/p' "$log"; }

# --- exec (the default): the wrapper's real program is FILE ----------------
run exec -- "$wrap"
cat "$log"
[ "$(nfiles)" -eq 2 ] || fail "exec: expected FILE and the wrapper's file, got: $(files)"
is_like "$out" main || fail "exec: FILE is not the target's trace"
check_trace "$pb" "$work" "$out" || fail "exec: poolbench check rejects FILE"
pid=$(main_pid)
[ -n "$pid" ] || fail "exec: no line marks FILE as wrap.sh's own process"
logged "/exec\.trace: [0-9]+ events -- pid $pid, wrap\.sh's own process: .*record_target, exec'd from a wrapper \(1 program before it, the first /"
grep -qx "# pid: $pid" "$out" || fail "exec: FILE's pid is not $pid"
[ -f "$out.$pid" ] || fail "exec: no wrapper trace $out.$pid"
grep -q '^# command: .*sh .*wrap\.sh' "$out.$pid" || fail "exec: $out.$pid is not the wrapper's"
[ -z "$(followed "$out.$pid")" ] || fail "exec: the wrapper's trace has the target's blocks"
logged "/exec\.trace\.$pid: [0-9]+ events -- pid $pid, wrap\.sh's own process before exec \(program 1 of 2\): "
logged "not recorded \(--follow exec\): 2 child processes of wrap\.sh"

# --- none: only the wrapper's own program ---------------------------------
run none --follow none -- "$wrap"
[ "$(nfiles)" -eq 1 ] || fail "none: expected FILE only, got: $(files)"
grep -q '^# command: .*sh .*wrap\.sh' "$out" || fail "none: FILE is not the wrapper's"
[ -z "$(followed "$out")" ] || fail "none: FILE has the target's blocks"
logged "/none\.trace: [0-9]+ events -- pid [0-9]+, wrap\.sh's own process: /"
logged "not recorded \(--follow none\): 1 program that wrap\.sh's own process exec'd, the last .*record_target \(--follow exec records it\)"
logged "not recorded \(--follow none\): 2 child processes"
logged "events in 1 file$"

# --- all: every process, each marked --------------------------------------
run all --follow all -- "$wrap"
cat "$log"
[ "$(nfiles)" -eq 4 ] || fail "all: expected 4 files (target, wrapper, fork, exec), got: $(files)"
is_like "$out" main || fail "all: FILE is not the target's trace"
pid=$(main_pid)
fork_file=; exec_file=
for f in $(files); do
    is_like "$f" fork && fork_file=$f
    is_like "$f" exec && exec_file=$f
done
[ -n "$fork_file" ] && [ -n "$exec_file" ] || fail "all: fork or exec child's trace missing"
logged "/${fork_file##*/}: [0-9]+ events, [0-9]+ frees of earlier blocks dropped -- pid [0-9]+, child of $pid \(fork\): .*record_target$"
logged "/${exec_file##*/}: [0-9]+ events -- pid [0-9]+ \(child of $pid\), exec of .*record_target$"
! grep -q 'not recorded' "$log" || fail "all: something was not recorded"
logged "events in 4 files$"

# --- the target itself: none and exec keep only its own file ---------------
for mode in none exec; do
    run "direct-$mode" --follow "$mode" -- "$target"
    [ "$(nfiles)" -eq 1 ] || fail "direct $mode: expected one file, got: $(files)"
    is_like "$out" main || fail "direct $mode: FILE is not the target's trace"
    logged "record_target's own process: .*record_target$"
    logged "not recorded \(--follow $mode\): 2 child processes"
done

# --- many children: a bounded listing, the largest first -------------------
# 20 small children (exec-child), two large ones (the whole target) among them
run many --follow all -- sh -c 'i=0; while [ $i -lt 20 ]; do "$1" exec-child
    if [ $i -eq 5 ] || [ $i -eq 15 ]; then "$1"; fi; i=$((i+1)); done' sh "$target"
n=$(nfiles)
[ "$n" -gt 12 ] || fail "many: only $n files"
logged "events in $n files$"
listed=$(grep -c ' events.* -- ' "$log")
[ "$listed" -eq 9 ] || { cat "$log"; fail "many: $listed files listed, expected 9 (CMD's and 8 more)"; }
logged "^poolbench record: $((n - 9)) more files not listed \([0-9]+ events; the largest are above\)$"
head -n 1 "$log" | grep -q "many\.trace: [0-9]* events -- pid [0-9]*, sh's own process" \
    || fail "many: CMD's own file is not listed first"
sed -n '2,9s/.*: \([0-9]*\) events.*/\1/p' "$log" > "$work/many.counts"
sort -n -r -c "$work/many.counts" || fail "many: the other files are not listed largest first"
big=$(awk '$1 >= 40000' "$work/many.counts" | wc -l)
[ "$big" -eq 2 ] || fail "many: the two large children are not both listed"

# --- names from the system reach the terminal escaped ------------------------
esc=$(printf '\033')
evil="$work/wrap${esc}[2J"
cp "$wrap" "$evil" || exit 1
(cd "$work" && "$pb" record -- "$evil") > "$work/evil.log" 2>&1 \
    || { cat "$work/evil.log"; fail "evil: record failed"; }
[ -f "$evil.trace" ] || fail "evil: no trace under the command's name"
! grep -q "$esc" "$work/evil.log" || fail "evil: an escape character reached the terminal"
grep -q 'wrap\\x1b\[2J.trace: [0-9]* events -- pid [0-9]*, wrap\\x1b\[2J.s own process: ' "$work/evil.log" \
    || { cat "$work/evil.log"; fail "evil: the escaped names are not shown"; }
echo "ok"
