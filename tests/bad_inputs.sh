#!/bin/sh
# bad_inputs.sh POOLBENCH DATADIR -- the bad-input suite: every error rule of
# the trace format, damaged files, odd paths, broken job files and bad flag
# values, run against the binary. Each must give exit status 2, a message that
# says what is wrong (matched below), nothing on stdout, and nothing written:
# every command runs in an empty directory that must still be empty after it
# (no output file, no temporary file left behind). Big fixtures are made here.
pb=$1; data=$2
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
in=$tmp/in; work=$tmp/work
mkdir "$in" "$work" || exit 1
failures=0; cases=0
wrap= # a command to run poolbench under (timeout 60 for the huge inputs)
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# run ARGS...: poolbench ARGS in $work; sets rc, out (stdout), err (stderr); killed
# after $limit seconds when limit is set (exit 124: a command that would block)
run() {
  cases=$((cases + 1))
  (cd "$work" && $wrap "$pb" "$@" >"$tmp/stdout" 2>"$tmp/stderr")
  rc=$?
  out=$(cat "$tmp/stdout"); err=$(cat "$tmp/stderr")
}

# bad REGEX ARGS...: exit 2, stderr matches REGEX, stdout empty, $work still empty
bad() {
  re=$1; shift
  run "$@"
  [ "$rc" -eq 2 ] || fail "exit $rc (expected 2): $*: $err"
  printf '%s\n' "$err" | grep -Eq -- "$re" || fail "stderr of '$*' does not match /$re/: $err"
  [ -z "$out" ] || fail "stdout of '$*' is not empty: $out"
  left=$(ls -A "$work")
  [ -z "$left" ] || fail "'$*' left files behind: $left"
  rm -rf "$work" && mkdir "$work"
}

# good REGEX ARGS...: exit 0 and stdout+stderr match REGEX
good() {
  re=$1; shift
  run "$@"
  [ "$rc" -eq 0 ] || fail "exit $rc (expected 0): $*: $err"
  printf '%s\n%s\n' "$out" "$err" | grep -Eq -- "$re" || fail "output of '$*' does not match /$re/"
  rm -rf "$work" && mkdir "$work"
}

# bad_trace NAME LINE REGEX: the trace $in/NAME is refused by check and by
# convert (to .pbt, .gz and text) with "NAME:LINE: REGEX"
bad_trace() {
  f=$in/$1; re="$1:$2: $3"
  bad "$re" check "$f"
  bad "$re" check --json "$f"
  bad "$re" convert "$f" out.pbt
  bad "$re" convert "$f" out.trace.gz
  bad "$re" convert "$f" out.trace
  bad "$re" convert "$f" -
}

# good_trace NAME REGEX: check accepts $in/NAME (summary matches REGEX) and it converts
good_trace() {
  good "$2" check "$in/$1"
  good "" convert "$in/$1" out.pbt
}

t() { name=$1; shift; printf "$@" >"$in/$name"; }

# ---- every error rule of the trace format (workloads/README.md, "Errors") ----
t unknown.trace 'a 1 8\nq 1\n';             bad_trace unknown.trace 2 "unknown event 'q' \(expected a, f, r, x or t\)"
t word.trace 'alloc 1 8\n';                 bad_trace word.trace 1 "unknown event 'alloc'"
t late_header.trace 'a 1 8\npoolbench-trace 1\n'
bad_trace late_header.trace 2 "unknown event 'poolbench-trace' \(the header may only be the first line"
t missing.trace 'a 1\n';                    bad_trace missing.trace 1 "missing SIZE \(expected 'a ID SIZE \[ALIGN\] \[@TAG\]'\)"
t missing_id.trace 'f\n';                   bad_trace missing_id.trace 1 "missing ID \(expected 'f ID'\)"
t missing_r.trace 'a 1 8\nr 1\n';           bad_trace missing_r.trace 2 "missing SIZE \(expected 'r ID SIZE'\)"
t extra.trace 'a 1 8\nf 1 2\n';             bad_trace extra.trace 2 "extra field '2' \(expected 'f ID'\)"
t extra_x.trace 'x 1\n';                    bad_trace extra_x.trace 1 "extra field '1' \(expected 'x'\)"
t extra_a.trace 'a 1 8 16 @T more\n';       bad_trace extra_a.trace 1 "extra field 'more'"
t comment_mid.trace 'a 1 8 # note\n';       bad_trace comment_mid.trace 1 "trailing comment: comments must be whole lines starting with #"
t comment_glued.trace 'a 1 8#note\n';       bad_trace comment_glued.trace 1 "SIZE '8#note' is not a number \(comments must be whole lines starting with #\)"
t nan.trace 'a 1 12k\n';                    bad_trace nan.trace 1 "SIZE '12k' is not a number"
t plus.trace 'a 1 +5\n';                    bad_trace plus.trace 1 "SIZE '\+5' is not a number \(numbers are unsigned, with no sign\)"
t minus.trace 'a -1 5\n';                   bad_trace minus.trace 1 "ID '-1' is not a number \(numbers are unsigned, with no sign\)"
t comma.trace 'a 1 1,000\n';                bad_trace comma.trace 1 "SIZE '1,000' is not a number \(no thousands separators\)"
t underscore.trace 'a 1 1_000\n';           bad_trace underscore.trace 1 "SIZE '1_000' is not a number \(no thousands separators\)"
t hex_align.trace 'a 1 8 0x10\n';           bad_trace hex_align.trace 1 "ALIGN '0x10' is not a number \(ALIGN is decimal"
t bare_hex.trace 'a 0x 8\n';                bad_trace bare_hex.trace 1 "ID '0x' is not a number"
t bad_hex.trace 'a 0x1g 8\n';               bad_trace bad_hex.trace 1 "ID '0x1g' is not a number"
t dup.trace 'a 7 32\na 8 1\na 7 32\n';      bad_trace dup.trace 3 "id 7 is already live \(allocated at line 1\)"
t dead_f.trace 'f 9\n';                     bad_trace dead_f.trace 1 "f on id 9, which is not live \(never allocated, or already freed\)"
t dead_r.trace 'a 9 1\nf 9\nr 9 8\n';       bad_trace dead_r.trace 3 "r on id 9, which is not live"
t after_x.trace 'a 9 1\nx\nf 9\n';          bad_trace after_x.trace 3 "f on id 9, which is not live"
t refused_a.trace 'a 5 1x\nf 5\n';          bad_trace refused_a.trace 2 "f on id 5, which is not live"
t tag_empty.trace 'a 1 8 @\n';              bad_trace tag_empty.trace 1 "malformed tag '@'"
t tag_slash.trace 'a 1 8 @a/b\n'
bad_trace tag_slash.trace 1 "malformed tag '@a/b': character '/' is not one of \[A-Za-z0-9_.:<>-\]"
t tag_comma.trace 'a 1 8 @map<int,int>\n';  bad_trace tag_comma.trace 1 "malformed tag '@map<int,int>': character ','"
t version.trace 'poolbench-trace 2\n';      bad_trace version.trace 1 "unsupported trace version 2"
t version_big.trace '# c\npoolbench-trace 99999999999999999999999\n'
bad_trace version_big.trace 2 "unsupported trace version 99999999999999999999999"
t header_extra.trace 'poolbench-trace 1 x\n'; bad_trace header_extra.trace 1 "extra field 'x'"

# thread lines: t TID, 0 <= TID < 65536, decimal
t t_missing.trace 'a 1 8\nt\n';             bad_trace t_missing.trace 2 "missing TID \(expected 't TID'\)"
t t_extra.trace 't 1\na 1 8\nt 1 2\n';      bad_trace t_extra.trace 3 "extra field '2' \(expected 't TID'\)"
t t_nan.trace 't one\n';                    bad_trace t_nan.trace 1 "TID 'one' is not a number"
t t_sign.trace 't -1\n';                    bad_trace t_sign.trace 1 "TID '-1' is not a number \(numbers are unsigned, with no sign\)"
t t_hex.trace 't 0x1\n';                    bad_trace t_hex.trace 1 "TID '0x1' is not a number \(TID is decimal; 0x hex is for ids and sizes\)"
t t_over.trace 'a 1 8\nt 65536\n';          bad_trace t_over.trace 2 "TID 65536 is out of range \(thread ids are below 65536\)"
t t_huge.trace 't 99999999999999999999999\n'; bad_trace t_huge.trace 1 "TID 99999999999999999999999 is out of range"
t t_comment.trace 't 1 # worker\n';          bad_trace t_comment.trace 1 "trailing comment"
t t_shared.trace 't 0\na 1 8\nt 1\na 1 8\n'; bad_trace t_shared.trace 4 "id 1 is already live \(allocated at line 2\)"
t t_max.trace 't 65535\na 1 8\nt 0\nf 1\n'
good_trace t_max.trace "threads +2; cross-thread frees 1 \(100.0% of 1 frees\)"
t t_zero.trace 't 0\na 1 8\nf 1\n';         good_trace t_zero.trace "events +2 "
good "" check "$in/t_zero.trace"
printf '%s\n' "$out" | grep -q "thread" && fail "a trace of thread 0 alone got thread lines: $out"
# 20 threads: 16 get a line, then how many more
awk 'BEGIN { for (i = 0; i < 20; i++) printf "t %d\na %d 8\n", i, i }' >"$in/t_many.trace"
good "^  \.\.\. and 4 more threads$" check "$in/t_many.trace"
[ "$(printf '%s\n' "$out" | grep -c '^  thread ')" -eq 16 ] || fail "not 16 thread lines: $out"
printf '%s\n' "$out" | grep -q '^  thread 15    1 events (allocs 1, frees 0, reallocs 0)$' ||
  fail "no line for thread 15: $out"

# bytes: NUL, non-ASCII (also in comments), a lone CR, binary garbage
t nul.trace 'a 1 8\na 2\0003 8\n';          bad_trace nul.trace 2 "binary data \(byte 0x00 at offset 9\): not a text trace"
t utf8.trace 'a 1 8\n# caf\303\251\n';      bad_trace utf8.trace 2 "binary data \(byte 0xc3 at offset 11, column 6\): not a text trace \(a trace is ASCII text, comments too\)"
t latin1.trace 'a 1 8 @caf\351\n';          bad_trace latin1.trace 1 "binary data \(byte 0xe9 at offset 10, column 11\)"
t lone_cr.trace 'a 1 8\rf 1\n';             bad_trace lone_cr.trace 1 "SIZE '8\\?f' is not a number"
t escape.trace 'a 1 8\n\033[2J 1\n';       bad_trace escape.trace 2 "unknown event '\\?\\[2J' \\(expected a, f, r, x or t\\)"
awk 'BEGIN { for (i = 0; i < 4096; i++) printf "%c", (i * 37 + 11) % 256 }' >"$in/garbage.bin"
bad "garbage.bin:[0-9]+: binary data \(byte 0x[0-9a-f]{2} at offset [0-9]+" check "$in/garbage.bin"
bad "garbage.bin:[0-9]+: " convert "$in/garbage.bin" out.pbt
head -c 3000 /dev/zero >"$in/zeros.bin"
bad "zeros.bin:1: binary data \(byte 0x00 at offset 0\): not a text trace" check "$in/zeros.bin"

# numbers at and just past every bound
t id_max.trace 'a 9223372036854775807 1\nf 0x7fffffffffffffff\n'
good_trace id_max.trace "events +2"
t id_over.trace 'a 9223372036854775808 1\n'
bad_trace id_over.trace 1 "ID 9223372036854775808 is out of range \(ids are below 2\^63\)"
t id_over_hex.trace 'a 0x8000000000000000 1\n'; bad_trace id_over_hex.trace 1 "ID 0x8000000000000000 is out of range"
t id_u64.trace 'f 18446744073709551616\n'; bad_trace id_u64.trace 1 "ID 18446744073709551616 is out of range"
t id_huge.trace 'a 0x1ffffffffffffffffffff 1\n'; bad_trace id_huge.trace 1 "ID 0x1ffffffffffffffffffff is out of range"
t size_max.trace 'a 1 1099511627776\nr 1 0x10000000000\na 2 0\n'
good_trace size_max.trace "requested +1099511627776 bytes"
t size_over.trace 'a 1 1099511627777\n'
bad_trace size_over.trace 1 "SIZE 1099511627777 is out of range \(at most 2\^40 = 1099511627776\)"
t size_over_r.trace 'a 1 8\nr 1 0x10000000001\n'; bad_trace size_over_r.trace 2 "SIZE 0x10000000001 is out of range"
t align_ok.trace 'a 1 8 1\na 2 8 4096\na 3 8 0016\n'; good_trace align_ok.trace "events +3"
t align_big.trace 'a 1 8 8192\n';           bad_trace align_big.trace 1 "ALIGN 8192 is out of range \(a power of two from 1 to 4096\)"
t align_zero.trace 'a 1 8 0\n';             bad_trace align_zero.trace 1 "ALIGN 0 is out of range"
t align_three.trace 'a 1 8 3\n';            bad_trace align_three.trace 1 "ALIGN 3 is not a power of two \(1, 2, 4, ... 4096\)"
t align_huge.trace 'a 1 8 99999999999999999999999\n'; bad_trace align_huge.trace 1 "ALIGN 99999999999999999999999 is out of range"
tag64=$(printf '%064d' 0 | tr 0 T)
t tag_max.trace "a 1 8 @$tag64\\n";         good_trace tag_max.trace "tags 1"
t tag_over.trace "a 1 8 @${tag64}U\\n";     bad_trace tag_over.trace 1 "malformed tag"
# 65535 distinct tags are fine, the 65536th is not
awk 'BEGIN { for (i = 1; i <= 65535; i++) printf "a %d 1 @t%d\n", i, i }' >"$in/tags_max.trace"
good_trace tags_max.trace "tags 65535"
{ cat "$in/tags_max.trace"; echo "a 0 1 @one_more"; } >"$in/tags_over.trace"
bad "tags_over.trace:65536: too many distinct tags \(at most 65535\)" check "$in/tags_over.trace"
bad "tags_over.trace:65536: too many distinct tags" convert "$in/tags_over.trace" out.pbt

# lines of 1 MiB: 1048576 bytes with the newline are fine, one more byte is not
awk 'BEGIN { printf "# "; for (i = 0; i < 1048573; i++) printf "x"; printf "\na 1 8\n" }' \
  >"$in/line_max.trace"
good_trace line_max.trace "events +1"
awk 'BEGIN { printf "# "; for (i = 0; i < 1048574; i++) printf "x"; printf "\nq\n" }' \
  >"$in/line_over.trace"
bad "line_over.trace:1: line too long \(more than 1048576 bytes\): not a text trace" check "$in/line_over.trace"
printf '%s\n' "$err" | grep -q "line_over.trace:2:" && fail "the parse went on after a line too long: $err"
bad "line_over.trace:1: line too long" convert "$in/line_over.trace" out.pbt
awk 'BEGIN { printf "a 1 "; for (i = 0; i < 2000000; i++) printf "9" }' >"$in/number_line.trace"
bad "number_line.trace:1: line too long" check "$in/number_line.trace"

# ---- huge inputs: refused at the first bad byte or line, not read to the end ----
# (under timeout 60, so that a regression fails instead of hanging the suite)
wrap="timeout 60"
truncate -s 50G "$in/sparse.trace" # a hole: costs no disk
bad "sparse.trace:1: binary data \(byte 0x00 at offset 0\): not a text trace" check "$in/sparse.trace"
bad "sparse.trace:1: binary data" convert "$in/sparse.trace" out.pbt
printf 'a 1 8\nf 1\n' >"$in/sparse_tail.trace" && truncate -s 50G "$in/sparse_tail.trace"
bad "sparse_tail.trace:3: binary data \(byte 0x00 at offset 10\): not a text trace" check "$in/sparse_tail.trace"
# gzip bombs, a small file that inflates to 1 GiB (100 gzip members of 10 MiB each): of NULs,
# of one endless line, and of valid events with memory capped (the parse stops at the first
# "out of memory", not one per line to the end)
bomb() { # NAME: 100 copies of the gzip'd stdin
  gzip -1 -c >"$tmp/member.gz" && for i in 1 2 3 4 5 6 7 8 9 10; do cat "$tmp/member.gz"; done >"$tmp/ten.gz" &&
    for i in 1 2 3 4 5 6 7 8 9 10; do cat "$tmp/ten.gz"; done >"$in/$1"
}
head -c 10485760 /dev/zero | bomb nul_bomb.trace.gz
bad "nul_bomb.trace.gz:1: binary data \(byte 0x00 at offset 0\): not a text trace" check "$in/nul_bomb.trace.gz"
{ printf 'a 1 8\n'; head -c 10485754 /dev/zero; } | bomb nul_bomb2.trace.gz
bad "nul_bomb2.trace.gz:2: binary data \(byte 0x00 at offset 6\)" check "$in/nul_bomb2.trace.gz"
head -c 10485760 /dev/zero | tr '\000' 7 | bomb line_bomb.trace.gz
bad "line_bomb.trace.gz:1: line too long \(more than 1048576 bytes\): not a text trace" check "$in/line_bomb.trace.gz"
head -c 10485760 /dev/zero | tr '\000' '\n' | sed 's/^/x/' | head -c 10485760 | bomb x_bomb.trace.gz
if (ulimit -d 300000 && "$pb" --help) >/dev/null 2>&1; then # not under a sanitizer's shadow memory
  wrap_sh() { (cd "$work" && ulimit -d 300000 && exec timeout 60 "$pb" "$@" >"$tmp/stdout" 2>"$tmp/stderr"); }
  cases=$((cases + 1)); wrap_sh check "$in/x_bomb.trace.gz"; rc=$?; err=$(cat "$tmp/stderr")
  [ "$rc" -eq 2 ] || fail "exit $rc (expected 2): check x_bomb.trace.gz under ulimit -d: $err"
  printf '%s\n' "$err" | grep -Eq "^$in/x_bomb.trace.gz:[0-9]+: (out of memory|too large)" || fail "x_bomb: $err"
  [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "x_bomb: the parse went on after running out of memory: $err"
else
  echo "note: poolbench does not run under ulimit -d (a sanitizer build?): the memory-capped bomb is skipped"
fi
wrap=

# ---- valid edge cases: empty, blanks only, header only, CRLF, no final newline ----
: >"$in/empty.trace";                       good_trace empty.trace "events +0 "
t blanks.trace ' \t\n\n# only a comment\n\t\n'; good_trace blanks.trace "events +0 "
t header_only.trace 'poolbench-trace 1';    good_trace header_only.trace "events +0 "
t crlf.trace 'poolbench-trace 1\r\na 1 8\r\n\r\nf 1\r\n'; good_trace crlf.trace "events +2 "
t no_newline.trace 'a 1 8\nf 1';            good_trace no_newline.trace "events +2 "
t tabs.trace '\t a\t1 \t8\t\n';             good_trace tabs.trace "events +1 "
: | gzip -c >"$in/empty.trace.gz";          good_trace empty.trace.gz "events +0 "

# ---- paths that are not trace files ----
bad "no-such.trace: cannot open: No such file or directory" check "$in/no-such.trace"
bad "no-such.trace: cannot open: No such file" convert "$in/no-such.trace" out.pbt
bad "in: is a directory, not a trace file" check "$in"
bad "is a directory" convert "$in" out.trace
mkfifo "$in/fifo.trace"
bad "fifo.trace: is not a regular file" check "$in/fifo.trace"
bad "fifo.trace: is not a regular file" convert "$in/fifo.trace" out.pbt
bad "null: is not a regular file" check /dev/null
# root reads mode-000 files, so the unreadable case only means something for other users
cp "$data/example.trace" "$in/locked.trace" && chmod 000 "$in/locked.trace"
if [ "$(id -u)" -ne 0 ]; then
  bad "locked.trace: cannot open: Permission denied" check "$in/locked.trace"
  bad "locked.trace: cannot open: Permission denied" convert "$in/locked.trace" out.pbt
else
  echo "note: running as root, the unreadable-file case is skipped (the FIFO and /dev/null cases stand in)"
fi
chmod 644 "$in/locked.trace"

# ---- outputs that cannot be written: an error, and no temporary file left behind ----
for o in d d.pbt d.gz; do
  mkdir "$work/$o"
  run convert "$data/example.trace" "$o"
  [ "$rc" -eq 2 ] || fail "convert to directory $o: exit $rc"
  printf '%s\n' "$err" | grep -Eq "cannot write $o: Is a directory" || fail "convert to directory $o: $err"
  [ "$(ls -A "$work")" = "$o" ] || fail "convert to directory $o left $(ls -A "$work")"
  run gen -w churn:live=1,pairs=1 -o "$o"
  [ "$rc" -eq 2 ] || fail "gen to directory $o: exit $rc" # refused before generating
  [ "$(ls -A "$work")" = "$o" ] || fail "gen to directory $o left $(ls -A "$work")"
  rm -rf "$work" && mkdir "$work"
done
bad "cannot write no-dir/x.pbt: No such file or directory" convert "$data/example.trace" no-dir/x.pbt

# ---- damaged compressed and binary files ----
awk 'BEGIN { for (i = 0; i < 3000; i++) printf "a %d %d\n", i, i % 500 }' | gzip -9 -c >"$in/big.trace.gz"
good_trace big.trace.gz "events +3000 "
size=$(wc -c <"$in/big.trace.gz")
head -c $((size / 2)) "$in/big.trace.gz" >"$in/half.trace.gz"
bad "half.trace.gz: truncated gzip data" check "$in/half.trace.gz"
bad "half.trace.gz: truncated gzip data" convert "$in/half.trace.gz" out.pbt
head -c $((size - 4)) "$in/big.trace.gz" >"$in/notail.trace.gz"
bad "notail.trace.gz: truncated gzip data" check "$in/notail.trace.gz"
head -c 2 "$in/big.trace.gz" >"$in/magic_only.trace.gz"
bad "magic_only.trace.gz: truncated gzip data" check "$in/magic_only.trace.gz"
{ head -c 40 "$in/big.trace.gz"; head -c 200 /dev/zero; tail -c +241 "$in/big.trace.gz"; } >"$in/holed.trace.gz"
bad "holed.trace.gz: (corrupt|truncated) gzip data" check "$in/holed.trace.gz"
"$pb" convert "$data/leftovers.trace" "$in/good.pbt" || fail "convert leftovers.trace"
pbt_size=$(wc -c <"$in/good.pbt")
for cut in 0 8 100 127 128 $((pbt_size - 1)); do
  head -c "$cut" "$in/good.pbt" >"$in/cut$cut.pbt"
done
: >"$in/cut0.pbt" # an empty file is an empty text trace, not a binary one
good "events +0 " check "$in/cut0.pbt"
bad "cut8.pbt: truncated binary trace: 8 bytes, the header alone is 128" check "$in/cut8.pbt"
bad "cut100.pbt: truncated binary trace" convert "$in/cut100.pbt" out.trace
bad "cut127.pbt: truncated binary trace" check "$in/cut127.pbt"
bad "cut128.pbt: truncated binary trace: 128 bytes, the header says $pbt_size" check "$in/cut128.pbt"
bad "truncated binary trace: $((pbt_size - 1)) bytes" convert "$in/cut$((pbt_size - 1)).pbt" out.pbt
{ cat "$in/good.pbt"; printf 'x'; } >"$in/longer.pbt"
bad "longer.pbt: corrupt binary trace: $((pbt_size + 1)) bytes, the header says $pbt_size" check "$in/longer.pbt"
# flip one byte of the events, one of the header, one of the tags at the end
for at in 140 40 $((pbt_size - 2)); do
  { head -c "$at" "$in/good.pbt"; printf '\377'; tail -c +$((at + 2)) "$in/good.pbt"; } >"$in/flip$at.pbt"
  bad "flip$at.pbt: corrupt binary trace" check "$in/flip$at.pbt"
  bad "flip$at.pbt: corrupt binary trace" convert "$in/flip$at.pbt" out.trace
done
{ head -c 8 "$in/good.pbt"; printf '\003\000\000\000'; tail -c +13 "$in/good.pbt"; } >"$in/v3.pbt"
bad "v3.pbt: unsupported binary trace version 3 \(this poolbench reads versions 1 and 2" check "$in/v3.pbt"
# header fields changed with the checksum made right (a gzip trailer holds the CRC-32 of
# its input; the .pbt one runs over bytes 128.. then 0..95): refused by the layout check
pbt_fix() {
  { tail -c +129 "$1"; head -c 96 "$1"; } | gzip -c | tail -c 8 | head -c 4 >"$tmp/crc"
  dd if="$tmp/crc" of="$1" bs=1 seek=96 conv=notrunc 2>/dev/null
}
le64() { v=$1; i=0; while [ $i -lt 8 ]; do printf '\\%03o' $((v & 255)); v=$((v >> 8)); i=$((i + 1)); done; }
pbt_set() { cp "$in/good.pbt" "$in/$1"; printf "$(le64 "$3")" | dd of="$in/$1" bs=1 seek="$2" conv=notrunc 2>/dev/null; pbt_fix "$in/$1"; }
cp "$in/good.pbt" "$in/refixed.pbt" && pbt_fix "$in/refixed.pbt"
cmp -s "$in/good.pbt" "$in/refixed.pbt" || fail "pbt_fix does not reproduce the checksum"
n_rec=$(od -An -tu8 -j24 -N8 "$in/good.pbt" | tr -d ' ')
ids_at=$(od -An -tu8 -j56 -N8 "$in/good.pbt" | tr -d ' ')
pbt_set more_events.pbt 24 $((n_rec + 1))
bad "more_events.pbt: corrupt binary trace: ids section \(offset $ids_at\) overlaps the events section, which ends at offset $((ids_at + 16))" check "$in/more_events.pbt"
bad "more_events.pbt: corrupt binary trace: ids section" convert "$in/more_events.pbt" out.trace
bad "more_events.pbt: corrupt binary trace: ids section" convert "$in/more_events.pbt" -
pbt_set fewer_events.pbt 24 $((n_rec - 1))
bad "fewer_events.pbt: corrupt binary trace: ids section \(offset $ids_at\) does not follow the events section" check "$in/fewer_events.pbt"
pbt_set huge_events.pbt 24 $(((1 << 60) + 1))
bad "huge_events.pbt: corrupt binary trace: events section \(offset 128, 1152921504606846977 x 16 bytes\) runs past the end of the file \($pbt_size bytes\)" check "$in/huge_events.pbt"
pbt_set far_tags.pbt 72 $((pbt_size + 4096))
bad "far_tags.pbt: corrupt binary trace: tags section \(offset $((pbt_size + 4096))\) starts past the end of the file" check "$in/far_tags.pbt"

# ---- broken job files: poolbench gen -w FILE.json ----
j() { name=$1; shift; printf "$@" >"$in/$name"; }
j invalid.json '{"generator": "churn",\n "params": {"size": 64,}}\n'
bad "invalid.json:2:[0-9]+: invalid JSON" gen -w "$in/invalid.json" -o out.trace
j empty.json '';                  bad "empty.json:1:1: invalid JSON" gen -w "$in/empty.json" -o out.trace
j nul.json '{"generator": "ch\000urn"}'; bad "nul.json:[0-9:]*( invalid JSON|.*unknown generator)" gen -w "$in/nul.json" -o out.trace
j number.json '42\n';             bad "number.json: a job file holds an object or an array of objects" gen -w "$in/number.json" -o out.trace
j string.json '"churn"\n';        bad "string.json: a job file holds an object or an array" gen -w "$in/string.json" -o out.trace
j empty_array.json '[]\n';        bad "empty_array.json: the job array is empty" gen -w "$in/empty_array.json" -o out.trace
j empty_object.json '{}\n';       bad "empty_object.json: job 0: missing \"generator\"" gen -w "$in/empty_object.json" -o out.trace
j not_object.json '[1]\n';        bad "not_object.json: job 0 is not an object" gen -w "$in/not_object.json" -o out.trace
j gen_number.json '{"generator": 1}\n'; bad "gen_number.json: job 0: \"generator\" must be a string" gen -w "$in/gen_number.json" -o out.trace
j unknown_gen.json '{"generator": "bogus"}\n'; bad "unknown_gen.json: job 0: unknown generator 'bogus'" gen -w "$in/unknown_gen.json" -o out.trace
j unknown_field.json '{"generator": "churn", "colour": 1}\n'
bad "unknown_field.json: job 0: unknown field \"colour\" \(expected generator, params, name\)" gen -w "$in/unknown_field.json" -o out.trace
j params_array.json '{"generator": "churn", "params": [1]}\n'
bad "params_array.json: job 0: \"params\" must be an object" gen -w "$in/params_array.json" -o out.trace
j param_bool.json '{"generator": "churn", "params": {"size": true}}\n'
bad "param_bool.json: job 0: param \"size\" must be a number or a string" gen -w "$in/param_bool.json" -o out.trace
j param_null.json '{"generator": "churn", "params": {"size": null}}\n'
bad "param \"size\" must be a number or a string" gen -w "$in/param_null.json" -o out.trace
j unknown_param.json '{"generator": "churn", "params": {"colour": "red"}}\n'
bad "unknown_param.json: job 0: unknown parameter 'colour' for [a-z]+; [a-z]+ takes " gen -w "$in/unknown_param.json" -o out.trace
j negative.json '{"generator": "churn", "params": {"size": -64}}\n'
bad "negative.json: job 0: param \"size\" is negative" gen -w "$in/negative.json" -o out.trace
j fraction.json '{"generator": "churn", "params": {"size": 6.5}}\n'
bad "fraction.json: job 0: .*size" gen -w "$in/fraction.json" -o out.trace
j huge.json '{"generator": "churn", "params": {"pairs": 1e300}}\n'
bad "huge.json: job 0: .*pairs" gen -w "$in/huge.json" -o out.trace
j inf.json '{"generator": "churn", "params": {"pairs": 1e999}}\n'
bad "inf.json: job 0: .*pairs" gen -w "$in/inf.json" -o out.trace
j u64.json '{"generator": "churn", "params": {"seed": "18446744073709551616"}}\n'
bad "u64.json: job 0: .*seed" gen -w "$in/u64.json" -o out.trace
j over_max.json '{"generator": "churn", "params": {"size": 1099511627777}}\n'
bad "over_max.json: job 0: .*size" gen -w "$in/over_max.json" -o out.trace
j promote.json '{"generator": "gc", "params": {"promote": 1.5}}\n'
bad "promote.json: job 0: .*promote" gen -w "$in/promote.json" -o out.trace
j min_max.json '{"generator": "frames", "params": {"min": 64, "max": 8}}\n'
bad "min_max.json: job 0: frames: min=64 is larger than max=8" gen -w "$in/min_max.json" -o out.trace
j name_type.json '{"generator": "churn", "name": 5}\n'
bad "name_type.json: job 0: \"name\" must be a string of 1 to 127 characters" gen -w "$in/name_type.json" -o out.trace
j second_bad.json '[{"generator": "churn"}, {"generator": "nope"}]\n'
bad "second_bad.json: job 1: unknown generator 'nope'" gen -w "$in/second_bad.json" -o out.trace
j two.json '[{"generator": "churn"}, {"generator": "churn"}]\n'
bad "two.json holds 2 workloads; gen writes one" gen -w "$in/two.json" -o out.trace
mkdir "$in/dir.json"
bad "dir.json: cannot read" gen -w "$in/dir.json" -o out.trace
bad "no-such.json: cannot open: No such file" gen -w "$in/no-such.json" -o out.trace

# ---- bad flag values ----
bad "--seed 'x' is not a number: give an integer from 0 to 18446744073709551615" gen -w churn --seed x -o out.trace
bad "--seed '-1' is not a number" gen -w churn --seed -1 -o out.trace
bad "--seed '18446744073709551616' is out of range" gen -w churn --seed 18446744073709551616 -o out.trace
bad "--seed '' is not a number" gen -w churn --seed '' -o out.trace
bad "unknown generator ''|--workload" gen -w '' -o out.trace
bad "bad value '' for size" gen -w churn:size= -o out.trace
bad "size" gen -w churn:size=99999999999999999999999 -o out.trace
bad "churn: bad value '0' for live \(expected an integer from 1 to 100000000\)" gen -w churn:live=0 -o out.trace
bad "churn: bad value '100000001' for live" gen -w churn:live=100000001 -o out.trace
bad "churn: bad value '1000000001' for pairs \(expected an integer from 0 to 1000000000\)" gen -w churn:pairs=1000000001 -o out.pbt
bad "churn: bad value '1099511627777' for size" gen -w churn:size=1099511627777 -o out.trace
bad "churn: bad value '8192' for align \(expected a power of two from 1 to 4096\)" gen -w churn:align=8192 -o out.trace
bad "gc: bad value '1.01' for promote \(expected a number from 0 to 1\)" gen -w gc:promote=1.01 -o out.trace
good "^f 0$" gen -w churn:live=1,pairs=0,size=1099511627776,align=4096 --seed 18446744073709551615 -o -
bad "gzip output is not supported" gen -w churn -o out.trace.gz
bad "unrecognized option '--bogus'" gen --bogus -w churn -o out.trace
bad "option requires an argument" gen -w
bad "unrecognized option '--bogus'" check --bogus "$data/example.trace"
bad "invalid option -- 'q'" check -q "$data/example.trace"
bad "no trace file given" check --json
bad "expected IN and OUT" convert "$data/example.trace"
bad "expected IN and OUT" convert "$data/example.trace" out.trace extra.trace
bad "expected IN and OUT" convert
bad "unrecognized option '--bogus'" convert --bogus "$data/example.trace" out.trace
bad "unknown input format" import --from bogus "$data/mtrace_sample.log" -o out.trace
bad "missing -o" import --from mtrace "$data/mtrace_sample.log"
bad "unrecognized option" import --bogus
bad "missing the input format" import "$data/mtrace_sample.log" -o out.trace
bad "the format given twice" import --from heaptrack heaptrack "$data/heaptrack_target.zst" -o out.trace
bad "expected exactly one input file" import heaptrack -o out.trace

# ---- poolbench import heaptrack: damaged captures, each with its line ----
t ht_empty.txt ''
bad "ht_empty.txt: not a heaptrack capture: no version line" import heaptrack "$in/ht_empty.txt" -o out.trace
t ht_mtrace.txt '= Start\n+ 0x1000 0x10\n'
bad "ht_mtrace.txt:1: not a heaptrack capture: expected its version line" import heaptrack "$in/ht_mtrace.txt" -o out.trace
t ht_newer.txt 'v 10500 4\n'
bad "ht_newer.txt:1: file format version 4 is newer than this importer reads" import heaptrack "$in/ht_newer.txt" -o out.trace
t ht_raw.txt 'v 10400 3\nx 9 /bin/true\nm 1 -\n'
bad "ht_raw.txt:2: this is heaptrack's raw log \('x' record\)" import heaptrack "$in/ht_raw.txt" -o out.trace
t ht_index.txt 'v 10400 3\na 10 0\n+ 0\n+ 1\n- ffffffffffffffff\n'
bad "ht_index.txt:4: allocation info number out of range in '\+' record" import heaptrack "$in/ht_index.txt" -o out.trace
bad "ht_index.txt:5: allocation info number out of range in '-' record" import heaptrack "$in/ht_index.txt" -o out.trace
t ht_string.txt 'v 10400 3\ns ffffffff abc\n'
bad "ht_string.txt:2: malformed string" import heaptrack "$in/ht_string.txt" -o out.trace
t ht_trace.txt 'v 10400 3\ni 1 0\nt 1 5\nt 9 0\n'
bad "ht_trace.txt:3: parent trace number out of range" import heaptrack "$in/ht_trace.txt" -o out.trace
bad "ht_trace.txt:4: ip number out of range" import heaptrack "$in/ht_trace.txt" -o out.trace
t ht_hex.txt 'v 10400 3\na 1A 0\n'
bad "ht_hex.txt:2: bad hex number in 'a' record" import heaptrack "$in/ht_hex.txt" -o out.trace
printf '\050\265\057\375garbage' > "$in/ht_bad.zst"
bad "ht_bad.zst: corrupt zstd data" import heaptrack "$in/ht_bad.zst" -o out.trace
head -c 300 "$data/heaptrack_target.zst" > "$in/ht_cut.zst"
bad "ht_cut.zst: truncated zstd data" import heaptrack "$in/ht_cut.zst" -o out.trace
printf '\037\213\010\000' > "$in/ht_cut.gz"
bad "ht_cut.gz: truncated gzip data" import heaptrack "$in/ht_cut.gz" -o out.trace

# ---- poolbench run: bad backends, workloads and flags (nothing run, nothing written) ----
t run_bad.trace 'a 1 8\nq 1\n'
bad "run_bad.trace:2: unknown event 'q'" run --backend pool --trace "$in/run_bad.trace"
bad "no-such.trace: cannot open: No such file" run --backend pool --trace "$in/no-such.trace"
bad "unknown backend 'nosuch'; backends: pool, arena, malloc, .* \(see poolbench list\)" run --backend nosuch --workload churn
bad "unknown backend 'mallco' \(did you mean 'malloc'\?\); backends: pool, " run --backend pool,mallco --workload churn
bad "unknown option 'chunck' for pool \(did you mean 'chunk'\?\); pool takes chunk, align, slab" run --backend pool:chunck=8 --workload churn
bad "unknown option 'slab' for malloc; malloc takes no options" run --backend malloc,slab=16k --workload churn
bad "unknown generator 'chrun' \(did you mean 'churn'\?\); generators: churn, " run --backend pool --workload chrun
bad "unknown parameter 'sise' for churn \(did you mean 'size'\?\); churn takes size, " run --backend pool --workload churn:sise=4
bad "pool: chunk=x is not a size in bytes" run --backend pool:chunk=x --workload churn
bad "backend option 'chunk' in 'pool:chunk' is not key=value" run --backend pool:chunk --workload churn
bad "--backend ',': an empty spec" run --backend , --workload churn
bad "--backend 'pool,,malloc': an empty spec" run --backend pool,,malloc --workload churn
bad "--workload 'churn,': an empty spec" run --backend pool --workload churn,
bad "preload: cannot find library /nonexistent.so" run --backend preload:lib=/nonexistent.so --workload churn
bad "unknown generator 'nosuch'" run --backend pool --workload nosuch
bad "churn: bad value 'x' for size" run --backend pool --workload churn:size=x
bad "bad.json: cannot open" run --backend pool --workload "$in/bad.json"
bad "--repeat '0' is out of range: give an integer from 1 to 100000" run --repeat 0 --workload churn
bad "--repeat 'x' is not a number" run --repeat x --workload churn
bad "--warmup '-1' is not a number" run --warmup -1 --workload churn
bad "--touch must be none, pages or full, not 'some'" run --touch some --workload churn
bad "--timeout 'x' is not a number" run --timeout x --workload churn
bad "--seed 'x' is not a number" run --seed x --workload churn
bad "unrecognized option '--bogus'" run --bogus
bad "unexpected argument 'extra'" run extra

# ---- sizes: a generated workload is estimated and refused before anything is allocated ----
# bad_fast runs like bad with the address space capped at 3 GiB (not under ASan, which
# reserves terabytes of shadow): a refusal that tried to generate would run out of memory.
vcap=3145728 # KiB; the null backend alone maps 1 GiB
ldd "$pb" 2>/dev/null | grep -q libasan && vcap=
printf '#!/bin/sh\n[ -z "%s" ] || ulimit -v %s\nexec "%s" "$@"\n' "$vcap" "$vcap" "$pb" >"$tmp/capped"
chmod +x "$tmp/capped"
bad_fast() { pb_uncapped=$pb; pb=$tmp/capped; bad "$@"; pb=$pb_uncapped; }
huge=frames:frames=100000000,objects=100000000
huge_msg="frames: frames=100000000 x objects=100000000 makes about 1\.0e16 events, more than the limit of 200000000 \(raise with --max-events\)"
bad_fast "$huge_msg" gen -w "$huge" -o out.trace
bad_fast "--workload $huge: $huge_msg" run --backend pool -w "$huge" -o out.json
bad_fast "gc: 2 x objects=1000000000 makes about 2000000000 events, more than the limit" run -w gc:objects=1000000000
bad_fast "mixed: ops=1000000000 makes about 1000002128 events" gen -w mixed:ops=1000000000 -o out.pbt
bad_fast "ramp: peak=100000000 and rounds=1000000 .* makes about 1\.8e14 events" run -w ramp:peak=100000000,rounds=1000000
bad_fast "churn: live=100000000 x size=1099511627776 holds more than 1\.8e19 bytes live at once, more than the limit of [0-9]+ bytes \(the physical memory; raise with --max-live-bytes\)" \
  run -w churn:live=100000000,pairs=0,size=1099511627776
bad_fast "churn: live=100000 x size=64 holds up to 6400000 bytes live at once, more than the limit of 1048576 bytes \(raise with --max-live-bytes\)" \
  run --max-live-bytes 1m -w churn:live=100000
bad_fast "churn: 2 x \(live=10 \+ pairs=491\) makes about 1002 events, more than the limit of 1000 \(raise with --max-events\)" \
  gen --max-events 1000 -w churn:live=10,pairs=491 -o out.trace
good "^f [0-9]+$" gen --max-events 1002 -w churn:live=10,pairs=491 -o -
good "^a 0 1099511627776$" gen -w churn:live=1,pairs=0,size=1099511627776 -o - # gen replays nothing
bad "--max-events 'x' is not a number" run --max-events x -w churn
bad "--max-live-bytes '-1' is not a number" run --max-live-bytes -1 -w churn
bad "bad --max-events '1q'" gen --max-events 1q -w churn -o out.trace
# job files: every job is estimated before any is generated, even in a long array
j huge_job.json '[{"generator": "churn"},\n {"generator": "frames", "params": {"frames": 100000000, "objects": 100000000}}]\n'
bad_fast "huge_job.json: job 1: $huge_msg" gen -w "$in/huge_job.json" -o out.trace
bad_fast "huge_job.json: job 1: $huge_msg" run --backend pool -w "$in/huge_job.json"
# 1999 jobs of 10^8 events (1.6 GB apiece, 3.2 TB together), then one too big: refused at once
awk 'BEGIN { printf "["; for (i = 0; i < 1999; i++) printf "{\"generator\": \"churn\", \"params\": {\"pairs\": 50000000}},\n";
             printf "{\"generator\": \"gc\", \"params\": {\"objects\": 1000000000}}]\n" }' >"$in/jobs2000.json"
bad_fast "jobs2000.json: job 1999: gc: 2 x objects=1000000000 makes about 2000000000 events" run -w "$in/jobs2000.json"
bad_fast "holds 2000 workloads; gen writes one" gen -w "$in/jobs2000.json" --max-events 100g -o out.trace
# keys given twice, nesting past the reader's limit, text after the value, control characters
j dup_key.json '{"generator": "churn", "params": {"size": 64,\n  "live": 2, "size": 32}}\n'
bad "dup_key.json:2:14: duplicate key \"size\" \(first at line 1\)" gen -w "$in/dup_key.json" -o out.trace
j dup_top.json '{"generator": "churn",\n"generator": "gc"}\n'
bad "dup_top.json:2:1: duplicate key \"generator\" \(first at line 1\)" run -w "$in/dup_top.json"
awk 'BEGIN { printf "{\"generator\": \"churn\", \"params\":\n"; for (i = 0; i < 1000; i++) printf "["; print "1" }' >"$in/deep.json"
bad "deep.json:2:1000: nesting deeper than 1000 levels" gen -w "$in/deep.json" -o out.trace
j trailing.json '{"generator": "churn"}\n{"generator": "gc"}\n'
bad "trailing.json:2:1: text after the JSON value" gen -w "$in/trailing.json" -o out.trace
j esc_field.json '{"generator": "churn", "\\u001b[2J": 1}\n'
bad 'esc_field.json: job 0: unknown field "\?\[2J"' gen -w "$in/esc_field.json" -o out.trace
printf '%s' "$err" | grep -q "$(printf '\033')" && fail "an escape from a job file reached stderr: $err"
# results files read by compare and plot: the same reader
sed 's/"schema": "poolbench-results\/1",/"schema": "poolbench-results\/1", "schema": "x",/' \
  "$data/compare-base.json" >"$in/dup_results.json"
bad "dup_results.json:[0-9]+:[0-9]+: not a poolbench results file: duplicate key \"schema\"" \
  compare "$data/compare-base.json" "$in/dup_results.json"
# ---- poolbench run: every integer option checked for syntax and range before anything
# runs, after a --workload and a --trace too (their lists must be freed: the ASan build's
# leak check would turn the exit status into 1) ----
for a in "--repeat 0" "--repeat 100001" "--warmup 100001" "--timeout 1000001" \
         "--seed 18446744073709551616"; do
  set -- $a
  bad "$1 '$2' is out of range: give an integer from [0-9]+ to [0-9]+" run -w churn --trace x.trace "$@"
done
for v in '' ' 5' '+5' '-1' '5x' '0x10' '1k' '1.5' '5 '; do
  v_re=$(printf '%s' "$v" | sed 's/[.+]/\\&/g')
  for o in --repeat --warmup --timeout --sample-every --seed; do
    bad "$o '$v_re' is not a number: give an integer from [0-9]+ to [0-9]+" run -w churn "$o" "$v"
  done
done
bad "--repeat '99999999999999999999999' is out of range: give an integer from 1 to 100000" run -w churn --repeat 99999999999999999999999
bad "--repeat '0' is out of range" run --trace x.trace --repeat 0
bad "unrecognized option '--bogus'" run -w churn --trace x.trace --bogus
bad "option '--repeat' requires an argument" run -w churn --trace x.trace --repeat
bad "unexpected argument 'extra'" run -w churn -- extra
bad "unexpected argument '-w'" run -- -w churn
good "usage: poolbench run" run -w churn --trace x.trace --help
# an option that takes one value, given twice; the same item listed twice
for o in --repeat --warmup --timeout --sample-every --seed; do
  bad "$o given twice \(it takes one value\)" run -w churn "$o" 1 "$o" 2
done
bad "--backend 'pool' is given twice" run --backend pool --backend malloc,pool -w churn
bad "--backend 'pool:chunk=48:slab=16k' is given twice" run -b pool:chunk=48,slab=16k -b pool:chunk=48:slab=16k -w churn
bad "--workload 'churn' is given twice" run --backend pool -w churn,ramp -w churn
bad "-o/--output given twice" run -w churn -o a.json -o b.json
bad "--touch given twice" run -w churn --touch none --touch full
bad "--threads given twice" run -w churn --threads 1 --threads 2
bad "--threads '2,2': 2 is listed twice" run -w churn --threads 2,2
bad "-w/--workload given an empty value \(''\)" run -w churn -w ''
bad "-t/--trace given an empty value" run -t ''
bad "-o/--output given an empty value" run -w churn -o ''
bad "--workload 'churn' is given twice" run -w churn -w churn
bad "--trace 'x.trace' is given twice" run --trace x.trace --trace x.trace
bad "--backend 'pool' is given twice" run --backend pool,malloc,pool -w churn
bad "--backend 'null' is given twice" run --backend null,null -w churn

# ---- preload: libraries LD_PRELOAD cannot load are refused before anything runs ----
mkdir "$in/with space" "$in/a:b"
printf '\177ELF' >"$in/with space/lib.so"; printf '\177ELF' >"$in/a:b/lib.so"
ln -s "$in/with space/lib.so" "$in/spaced_link.so"
printf 'INPUT(libc.so.6)\n' >"$in/script.so"
bad "preload: library .*with space/lib.so: LD_PRELOAD cannot load a path containing a space or colon" \
  run --backend "preload:$in/with space/lib.so" -w churn
bad "preload: library .*spaced_link.so \(.*with space/lib.so\): LD_PRELOAD cannot load a path containing a space" \
  run --backend "preload:$in/spaced_link.so" -w churn
(cd "$in" && ln -s "a:b/lib.so" colon_link.so)
bad "preload: library .*colon_link.so \(.*a:b/lib.so\): LD_PRELOAD cannot load a path containing a space or colon" \
  run --backend "preload:lib=$in/colon_link.so" -w churn
bad "preload: library $in is not a regular file" run --backend "preload:$in" -w churn
bad "preload: library /dev/null is not a regular file" run --backend preload:/dev/null -w churn
bad "preload: library .*script.so is not an ELF shared library \(a linker script\?" run --backend "preload:$in/script.so" -w churn
bad "preload: cannot find library .*no-such.so: No such file" run --backend "preload:$in/no-such.so" -w churn
# a relative path is resolved against the current directory (the message shows both)
cp "$in/script.so" "$work/rel.so"
run run --backend preload:./rel.so -w churn
[ "$rc" -eq 2 ] || fail "preload:./rel.so: exit $rc"
printf '%s\n' "$err" | grep -Fq "library ./rel.so ($(cd "$work" && pwd -P)/rel.so) is not an ELF" ||
  fail "preload:./rel.so is not resolved against the current directory: $err"
rm -rf "$work" && mkdir "$work"

# ---- every command: empty strings, options given twice, inputs that are not regular files ----
cp "$data/example.trace" "$in/t.trace"; cp "$data/compare-base.json" "$in/base.json"
for cmd in check advise; do bad "'': an empty file name is not a trace file" $cmd ''; done
bad "'': an empty file name is not a trace file" convert '' out.trace
bad "convert: '': an empty output file name" convert "$in/t.trace" ''
bad "compare: '': an empty file name" compare '' "$in/base.json"
bad "plot: '': an empty file name" plot ''
bad "import: '': an empty file name" import --from mtrace '' -o out.trace
bad "record: the command is an empty string \(''\)" record -o out.trace -- ''
bad "gen: -o/--output given an empty value \(''\)" gen -w churn -o ''
bad "import: -o/--output given an empty value" import --from mtrace "$in/t.trace" -o ''
bad "plot: -o/--output given an empty value" plot "$in/base.json" -o ''
bad "plot: --format given an empty value" plot "$in/base.json" --format ''
bad "gen: -w/--workload given twice \(it takes one value\)" gen -w churn -w gc -o out.trace
bad "gen: -o/--output given twice" gen -w churn -o a.trace -o b.trace
bad "gen: -s/--seed given twice" gen -w churn --seed 1 --seed 2 -o out.trace
bad "import: -f/--from given twice" import --from mtrace --from mtrace "$in/t.trace" -o out.trace
bad "import: -o/--output given twice" import --from mtrace "$in/t.trace" -o a.trace -o b.trace
bad "record: -o/--output given twice" record -o a.trace -o b.trace -- true
bad "plot: -o/--output given twice" plot "$in/base.json" -o a -o b
bad "plot: --format given twice" plot "$in/base.json" --format png --format svg
bad "compare: --threshold given an empty value" compare --threshold '' "$in/base.json" "$in/base.json"
bad "compare: --threshold given twice" compare --threshold 1 --threshold 2 "$in/base.json" "$in/base.json"
bad "compare: --alpha given twice" compare --alpha 0.01 --alpha 0.05 "$in/base.json" "$in/base.json"
bad "compare: --min-effect given an empty value" compare --min-effect '' "$in/base.json" "$in/base.json"
for v in 0 1 2 0x0.1 ' 0.1' 1e-2 -0.1 nan .; do
  bad "--alpha wants a level between 0 and 1 in decimal \(0.01, 0.05\), not '$v'" compare --alpha "$v" "$in/base.json" "$in/base.json"
done
bad "advise: (-k/)?--max-classes given twice" advise --max-classes 2 --max-classes 3 "$in/t.trace"
bad "advise: -s/--slab given twice" advise --slab 4k --slab 16k "$in/t.trace"
bad "advise: --max-classes '' is not a number: give an integer from 1 to 40" advise --max-classes '' "$in/t.trace"
for v in 0x10 ' 5' 1e2 +5 inf nan 5%; do
  bad "--threshold wants a percentage >= 0 in decimal \(5, 2.5\)" compare --threshold "$v" "$in/base.json" "$in/base.json"
done
# a FIFO with no writer would block the open, /dev/zero never ends, a directory is no file
rm -f "$in/fifo.json"; mkfifo "$in/fifo.json"; wrap="timeout 60"
bad "fifo.json: is not a regular file \(pipes and devices are not read\)" compare "$in/fifo.json" "$in/base.json"
bad "fifo.json: is not a regular file" plot "$in/fifo.json"
bad "zero: is not a regular file" compare /dev/zero "$in/base.json"
bad "zero: is not a regular file" plot /dev/zero
bad "in: is a directory" compare "$in" "$in/base.json"
bad "fifo.json: is not a regular file" import --from mtrace "$in/fifo.json" -o out.trace
bad "null: is not a regular file" import --from mtrace /dev/null -o out.trace
bad "zero: is not a regular file" import --from mtrace /dev/zero -o out.trace
bad "fifo.json: is not a regular file" import heaptrack "$in/fifo.json" -o out.trace
bad "zero: is not a regular file" import heaptrack /dev/zero -o out.trace
wrap=
# -- ends the options: what follows is an argument, even when it looks like one
bad "unexpected argument '--json'" list -- --json
bad "--json: cannot open" check -- --json
bad "plot: -o: No such file" plot -- -o x

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "bad inputs: $cases commands, each as expected"
exit 0
