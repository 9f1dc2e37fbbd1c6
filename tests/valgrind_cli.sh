#!/bin/sh
# valgrind_cli.sh POOLBENCH DATADIR -- a few poolbench commands, good and bad
# input, under valgrind memcheck: any invalid access, use of uninitialised
# memory or definite leak fails the test (valgrind exits 99). Run only in the
# normal build (ASan and valgrind do not mix).
pb=$1; data=$2
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0
# vg CODE ARGS...: poolbench ARGS under memcheck must exit CODE
vg() {
  code=$1; shift
  valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
    --track-fds=no "$pb" "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  if [ "$rc" -ne "$code" ]; then
    echo "FAIL: exit $rc (expected $code) under valgrind: poolbench $*"
    cat "$tmp/err"
    failures=$((failures + 1))
  fi
}

vg 0 list
vg 0 check "$data/example.trace" "$data/leftovers.trace"
vg 0 check --json "$data/example.trace.gz" "$data/crlf_no_newline.trace"
vg 2 check "$data/many_errors.trace" "$data/dup_live.trace" "$data/no-such.trace" "$data"
vg 0 convert "$data/example.trace" "$tmp/a.pbt"
vg 0 check --json "$tmp/a.pbt"
vg 0 convert "$tmp/a.pbt" "$tmp/b.trace.gz"
vg 0 convert "$tmp/b.trace.gz" -
vg 2 convert "$data/dup_live.trace" "$tmp/bad.pbt"
head -c 200 "$tmp/a.pbt" >"$tmp/cut.pbt"
vg 2 check "$tmp/cut.pbt"
vg 0 gen -w churn:live=20,pairs=200,order=random -o "$tmp/g.trace"
vg 0 gen -w "$data/gen_job_object.json" -o "$tmp/g.pbt"
vg 0 gen -w gc:objects=500,young=50 -o -
vg 2 gen -w "$data/gen_job_array.json" -o "$tmp/two.trace"
vg 2 gen -w "$data/gen_job_invalid.json"
vg 2 gen -w churn:colour=red
vg 0 import --from mtrace "$data/mtrace_sample.log" -o "$tmp/i.trace"
vg 2 import --from mtrace "$data/mtrace_bad.log" -o "$tmp/j.trace"
vg 0 report "$data/results-rounds.json" -o "$tmp/report"
vg 0 report "$data/results-hostile.json" -o "$tmp/report"
vg 2 report "$data/not-results.json" -o "$tmp/report"
vg 0 export --csv "$data/results-sample.json" -o "$tmp/s.csv"
vg 0 export --csv "$data/results-hostile.json"
vg 2 export --csv "$data/not-results.json" -o "$tmp/n.csv"

[ "$failures" -eq 0 ] || { echo "$failures failure(s) under valgrind"; exit 1; }
exit 0
