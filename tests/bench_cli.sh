#!/bin/sh
# bench_cli.sh POOLBENCH JQ -- `poolbench bench`: rounds and their rotated order, the
# figures a round records, the program's output kept apart and compared
# (--check-output), a run that crashes, exits badly or times out failing alone, bad
# usage writing nothing, and a signal leaving the finished rounds and no program behind.
pb=$1 jq=$2
[ -x "$jq" ] || { echo "SKIP: no jq"; exit 77; }
. "$(dirname "$0")/signal_lib.sh"
cd "$tmp" || exit 1
# a second allocator every machine has: a harmless library to preload (its malloc is
# glibc's, so the program's behaviour is unchanged; only LD_PRELOAD tells them apart)
lib=$(ldd /bin/sh | awk '/libc\.so/ {print $3}')
[ -r "$lib" ] || fail "no libc path from ldd /bin/sh"
two="glibc,preload:$lib"

# 1. the figures of every round; rounds rotate the order
"$pb" bench -q --rounds 3 --warmup 1 --allocator "$two" -o one.json -- sh -c 'echo hello' \
    > out 2> err || fail "bench exit $?: $(cat err)"
[ ! -s out ] || fail "the program's output reached poolbench's: $(cat out)"
want=$(printf 'hello\n' | sha256sum | cut -d' ' -f1)
"$jq" -e --arg want "$want" '
  .schema == "poolbench-bench/1" and .program.name == "sh" and
  (.program.command == ["sh", "-c", "echo hello"]) and .interrupted == false and
  (.runs | length == 2) and
  all(.runs[]; .status == "ok" and (.rounds | length == 3) and .rounds_done == 3 and
      all(.rounds[]; .exit_status == 0 and .output_bytes == 6 and .output_sha256 == $want
          and .wall_seconds > 0 and .peak_rss_bytes > 0 and .minor_faults > 0) and
      .time.wall_seconds.median > 0 and (.time.wall_seconds.samples | length == 3) and
      .memory.peak_rss_bytes.median > 0) and
  .runs[0].library == null and (.runs[1].library | type == "string") and
  ([.runs[0].rounds[].position] == [0, 1, 0]) and ([.runs[1].rounds[].position] == [1, 0, 1])
' one.json > /dev/null || fail "one.json: $(cat one.json)"

# 2. the table and the verdict name both allocators
"$pb" bench --rounds 2 --warmup 0 --allocator "$two" -o two.json -- true > table 2> err ||
    fail "bench exit $?: $(cat err)"
grep -q "^glibc " table && grep -q "^preload:" table && grep -q "^verdict" table ||
    fail "no table or verdict: $(cat table)"
# 2 rounds: intervals of 50 % coverage name no fastest (overlapping, or too few rounds)
grep -q "^    fastest" table && fail "2 rounds gave a speed verdict: $(cat table)"
grep -q "no clear winner for speed" table || fail "no speed verdict line: $(cat table)"

# 3. --check-output fails the allocator whose output differs, and only it
"$pb" bench -q --rounds 2 --warmup 0 --check-output --allocator "$two" -o diff.json \
    -- sh -c 'echo "run${LD_PRELOAD:+ preloaded}"' 2> err
rc=$?
[ "$rc" -eq 1 ] || fail "check-output: exit $rc, expected 1"
"$jq" -e '.runs[0].status == "ok" and .runs[1].status == "failed" and
  (.runs[1].error | test("differs from glibc.s first run at byte 3 \\(line 1\\)"))' diff.json \
    > /dev/null || fail "check-output: $(cat diff.json)"
# glibc moves to the front, so the first preloaded run is checked too
"$pb" bench -q --rounds 2 --warmup 0 --check-output --allocator "preload:$lib,glibc" -o front.json \
    -- sh -c 'echo "run${LD_PRELOAD:+ preloaded}"' 2> err
"$jq" -e '.runs[0].allocator == "glibc" and .runs[0].status == "ok" and
  (.runs[1].error | test("^round 0: .*differs"))' front.json > /dev/null ||
    fail "check-output, glibc last: $(cat front.json)"
"$pb" bench -q --rounds 2 --warmup 0 --check-output --allocator "preload:$lib" -o none.json \
    -- true 2> err && fail "check-output without glibc accepted"
grep -q "add glibc" err || fail "check-output without glibc: $(cat err)"
[ ! -e none.json ] || fail "bad usage wrote none.json"

# 4. a crash, a bad exit status and a timeout fail alone
"$pb" bench -q --rounds 2 --warmup 0 --allocator "$two" -o crash.json \
    -- sh -c 'case "$LD_PRELOAD" in ?*) kill -SEGV $$;; esac; echo ok' 2> err
[ $? -eq 1 ] || fail "crash: exit not 1"
"$jq" -e '.runs[0].status == "ok" and (.runs[0].rounds | length == 2) and
  .runs[1].status == "failed" and (.runs[1].error | test("killed by signal 11")) and
  .runs[1].time == null' crash.json > /dev/null || fail "crash: $(cat crash.json)"
"$pb" bench -q --rounds 1 --warmup 0 --allocator glibc -o exit.json \
    -- sh -c 'echo oops >&2; exit 3' 2> err && fail "exit 3 passed"
"$jq" -e '.runs[0].error | test("exited with status 3 \\(expected 0\\); its last error line: oops")' \
    exit.json > /dev/null || fail "exit 3: $(cat exit.json)"
"$pb" bench -q --rounds 1 --warmup 0 --expect-exit 3 --allocator glibc -o exit3.json \
    -- sh -c 'exit 3' 2> err || fail "--expect-exit 3: $(cat err)"
start=$(date +%s)
"$pb" bench -q --rounds 2 --warmup 0 --timeout 1 --allocator glibc -o slow.json \
    -- sleep "20.$$" 2> err && fail "timeout passed"
[ $(($(date +%s) - start)) -lt 15 ] || fail "the timeout did not stop the run"
"$jq" -e '.runs[0].error | test("timeout")' slow.json > /dev/null || fail "timeout: $(cat slow.json)"
pgrep -f "sleep 20.$$" > /dev/null && fail "the timed-out program still runs"

# 5. standard input, from the start in every round
printf 'line one\nline two\n' > input
"$pb" bench -q --rounds 2 --warmup 1 --allocator glibc --stdin input -o cat.json -- cat \
    2> err || fail "stdin: $(cat err)"
want=$(sha256sum < input | cut -d' ' -f1)
"$jq" -e --arg want "$want" 'all(.runs[0].rounds[]; .output_sha256 == $want)' cat.json \
    > /dev/null || fail "stdin: $(cat cat.json)"

# 6. bad usage: exit 2, a message, nothing written
bad() {
  expect=$1; shift
  "$pb" bench -q -o bad.json "$@" > out 2> err; rc=$?
  [ "$rc" -eq 2 ] || fail "bench $*: exit $rc, expected 2"
  grep -q -- "$expect" err || fail "bench $*: no '$expect' in: $(cat err)"
  [ ! -e bad.json ] || fail "bench $*: wrote bad.json"
}
bad "missing command"
bad "cannot run 'no-such-program-x'" -- no-such-program-x
bad "did you mean" --allocator jemmaloc -- true
bad "not a malloc for a whole program" --allocator pool -- true
bad "out of range" --rounds 0 -- true
bad "input" --stdin no-such-input -- true
if [ -x /sbin/ldconfig ] && ! ldd /sbin/ldconfig > /dev/null 2>&1; then
  bad "statically linked" --allocator "$two" -- /sbin/ldconfig -p
fi

# 7. SIGTERM: the finished rounds are written, the program is killed, exit 1
"$pb" bench -q --rounds 50 --warmup 0 --allocator glibc -o sig.json -- sleep "0.3$$" 2> err &
pid=$!; started="$started $pid"
has_rounds() { [ -s sig.json ]; }
sleep 1.5
kill -TERM "$pid"
wait_for 30 exited || fail "SIGTERM: bench still runs"
wait "$pid"; rc=$?
[ "$rc" -eq 1 ] || fail "SIGTERM: exit $rc, expected 1"
"$jq" -e '.interrupted == true and .runs[0].status == "ok" and
  (.runs[0].rounds | length) >= 1 and (.runs[0].rounds | length) < 50' sig.json > /dev/null ||
    fail "SIGTERM: $(cat sig.json)"
pgrep -f "sleep 0.3$$" > /dev/null && fail "SIGTERM: the program still runs"

# 8. pools with page return: runs, output checked, the option and its count recorded
"$pb" bench -q --rounds 1 --warmup 0 --check-output --allocator glibc,pools:return=1 \
  -o ret.json -- sh -c 'echo page return' > /dev/null 2> err || fail "pools:return=1: $(cat err)"
"$jq" -e '[.runs[] | select(.allocator == "pools" and .status == "ok" and
  .allocator_config.return == "1" and (.allocator_config.slabs_returned | test("^[0-9]+$")))] |
  length == 1' ret.json > /dev/null || fail "pools:return=1 not recorded: $(cat ret.json)"
exit 0
