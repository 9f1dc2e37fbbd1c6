#!/bin/sh
# harness_no_malloc.sh POOLBENCH PROBE SANITIZED -- from the start of
# `poolbench __child` to the end of its measurement the harness makes no
# malloc call of its own: the allocator sees the trace's calls and nothing
# else (src/pb_hmem.h). PROBE (tests/malloc_probe.c) is preloaded and counts
# the malloc-family calls between the harness's marks (src/pb_probe.h).
#   null, pool: no call at all (neither backend uses malloc);
#   malloc, preload:lib=PROBE (the exec'd child's path of jemalloc & co.):
#     exactly the calls the trace's replays make, worked out from the trace
#     below, per kind (malloc, aligned, realloc, free; no calloc).
# Exit 77 (skipped) in a sanitizer build: its runtime must be first in LD_PRELOAD.
pb=$1; probe=$2; sanitized=$3
case "$sanitized" in 1|ON|on|TRUE|true) echo "SKIP: sanitizer build"; exit 77 ;; esac
if ldd "$pb" 2>/dev/null | grep -q 'lib[atm]san'; then echo "SKIP: sanitizer build"; exit 77; fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# The trace: ids apart from the slots (an ids section), 150 tags (more than
# qsort sorts on its stack), alignments 16 and 64 (aligned_alloc and
# posix_memalign), resizes of both, an x with live blocks, blocks live at the
# end. Sizes up to 128 and alignment up to 64, so pool:chunk=128:align=64 serves it.
awk 'BEGIN {
  print "poolbench-trace 1"
  for (i = 1; i <= 300; i++) {
    al = (i % 5 == 0) ? " 64" : ""
    sz = (i % 10 == 0) ? 64 : 1 + (i * 37) % 120
    print "a " 1000 + i " " sz al " @t" i % 150
  }
  for (i = 1; i <= 300; i += 7) print "r " 1000 + i " " 1 + (i * 13) % 128
  for (i = 3; i <= 300; i += 3) print "f " 1000 + i
  print "x"
  for (i = 1; i <= 100; i++) print "a " 5000 + i " " 8 + i % 100
  for (i = 2; i <= 100; i += 2) print "f " 5000 + i
}' >"$tmp/probe.trace"
"$pb" convert "$tmp/probe.trace" "$tmp/probe.pbt" >/dev/null || fail "convert"

# The malloc family's calls of one replay against the C library's malloc
# (allocators/libc_calls.c): a -> malloc (align <= 16) or aligned; r -> realloc
# (align <= 16) or aligned + free; f -> free; x and the end free the live blocks.
per_replay=$(awk '
  $1 == "a" { al = ($4 ~ /^[0-9]+$/) ? $4 : 16; live[$2] = al; if (al <= 16) m++; else g++ }
  $1 == "r" { if (live[$2] <= 16) r++; else { g++; f++ } }
  $1 == "f" { f++; delete live[$2] }
  $1 == "x" { for (k in live) { f++; delete live[k] } }
  END { for (k in live) f++; print m + 0, g + 0, r + 0, f + 0 }' "$tmp/probe.trace")
set -- $per_replay
# replays: the memory pass, 1 warm-up, 2 timed, the latency pass
replays=5
want="malloc=$(($1 * replays)) calloc=0 realloc=$(($3 * replays)) aligned=$(($2 * replays)) free=$(($4 * replays)) free_null=0"
[ "$1" -gt 0 ] && [ "$2" -gt 0 ] && [ "$3" -gt 0 ] || fail "the trace lacks a kind of call: $per_replay"

# counts BACKEND: run __child under the probe; prints "malloc=... free_null=..."
counts() {
  rm -f "$tmp/count" "$tmp/out.json"
  LD_PRELOAD=$probe PB_PROBE_OUT=$tmp/count "$pb" __child --fd 3 --pbt /proc/self/fd/4 \
    --name probe --path "$tmp/probe.trace" --backend "$1" --repeat 2 --warmup 1 \
    --touch pages --sample-every 50 --latency 3>"$tmp/out.json" 4<"$tmp/probe.pbt" \
    2>"$tmp/err" || fail "$1: __child exit $?: $(cat "$tmp/err")"
  grep -q '"status":"ok"' "$tmp/out.json" || fail "$1: the run failed: $(cat "$tmp/out.json")"
  [ -s "$tmp/count" ] || fail "$1: the probe wrote nothing (pb_probe_mark not bound?)"
  sed -n '1s/^malloc_probe: before=[0-9]* //p' "$tmp/count"
}

check() {
  backend=$1; expect=$2
  got=$(counts "$backend") || exit 1
  if [ "$got" != "$expect" ]; then
    echo "FAIL: $backend: malloc-family calls during the run:"
    echo "  got      $got"
    echo "  expected $expect"
    sed -n '2,$p' "$tmp/count"
    exit 1
  fi
  echo "ok: $backend: $got ($(sed -n '1s/^malloc_probe: \(before=[0-9]*\).*/\1/p' "$tmp/count") calls before pb_cmd_child, not checked)"
}

zero="malloc=0 calloc=0 realloc=0 aligned=0 free=0 free_null=0"
check null "$zero"
check pool:chunk=128:align=64 "$zero"
check malloc "$want"
check "preload:lib=$probe" "$want"
echo "PASS"
