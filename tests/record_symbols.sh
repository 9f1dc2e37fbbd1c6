#!/bin/sh
# record_symbols.sh POOLBENCH ORDERS OUTDIR [CC]
# `poolbench record --sites` on examples/orders (built with -g), then
# `poolbench advise --sites`: the trace names its modules (# pb-module NAME
# BUILDID PATH), advise names order_new, batch_buf and config_string with
# their lines in orders.c (text, JSON, gzip'd trace); a trace whose build-id
# was changed is not resolved (and says why); hostile paths in the pb-module
# line (a FIFO, /dev/zero, a directory, a missing file, control characters)
# neither hang nor crash advise; malformed lines are counted. With CC, a
# program whose source file name holds an escape sequence: advise shows it
# escaped, never as raw bytes.
set -u
bin=$1; orders=$2; out=$3; cc=${4:-}
rm -rf "$out" && mkdir -p "$out" || exit 1
esc=$(printf '\033')
fail() { echo "FAIL: $*"; exit 1; }

# advise --sites [--json] TRACE into $out/$NAME, in bounded time, exit 0
advise() {
    name=$1; shift
    timeout 60 "$bin" advise --sites "$@" > "$out/$name" 2> "$out/$name.err"
    rc=$?
    [ "$rc" -eq 0 ] || { cat "$out/$name" "$out/$name.err"; fail "advise $* exited $rc"; }
    if grep -q "$esc" "$out/$name" "$out/$name.err"; then fail "advise $* wrote a raw ESC"; fi
}

t=$out/orders.trace
"$bin" record --sites -o "$t" -- "$orders" 40 > "$out/record.log" 2>&1 ||
    { cat "$out/record.log"; fail "record"; }
"$bin" check "$t" > "$out/check.log" 2>&1 || { cat "$out/check.log"; fail "check"; }

# the module line: NAME as in the tags, a 40-digit build-id, the absolute path
real=$(readlink -f "$orders")
grep -q "^# pb-module orders [0-9a-f]\{40\} $real\$" "$t" ||
    { grep '^# pb-module' "$t"; fail "no pb-module line for $real"; }
[ "$(grep -c '^# pb-module orders ' "$t")" -eq 1 ] || fail "orders noted more than once"
mod_line=$(grep -n '^# pb-module orders ' "$t" | cut -d: -f1)
first_use=$(grep -n '@orders:' "$t" | head -n 1 | cut -d: -f1)
[ "$mod_line" -lt "$first_use" ] || fail "the pb-module line comes after its first tag"

# names and lines, text
advise text "$t"
for fn in order_new batch_buf config_string; do
    grep -Eq "^site orders:[0-9a-f]+ \(tag [0-9]+\) in $fn \(.*examples/orders\.c:[0-9]+\)\$" \
        "$out/text" || { cat "$out/text"; fail "text does not name $fn with its line"; }
done
# the line of the call: order_new's malloc is on the line that says so
line=$(sed -n 's/.* in order_new (.*orders\.c:\([0-9]*\))$/\1/p' "$out/text")
sed -n "${line}p" "$(dirname "$0")/../examples/orders.c" | grep -q 'malloc(' ||
    fail "order_new's line $line is not its malloc call"

# JSON
advise json --json "$t"
jq -e '[.sites[] | select(.function == "order_new" and .resolved == true and
        .unresolved_reason == null and (.source | test("orders\\.c:[0-9]+$")))] | length == 1' \
    "$out/json" > /dev/null || { cat "$out/json"; fail "JSON does not name order_new"; }
jq -e '.modules >= 1 and .malformed_module_lines == 0' "$out/json" > /dev/null ||
    fail "JSON module counts"

# gzip'd
gzip -c "$t" > "$t.gz"
advise gz "$t.gz"
grep -q ' in order_new (' "$out/gz" || { cat "$out/gz"; fail "gzip'd trace not resolved"; }

# a rebuilt binary (the recorded build-id changed): never resolved, and says why
sed 's/^\(# pb-module orders \)[0-9a-f]*/\1deadbeefdeadbeef/' "$t" > "$out/rebuilt.trace"
advise rebuilt "$out/rebuilt.trace"
advise rebuilt.json --json "$out/rebuilt.trace"
grep -Eq '^site orders:[0-9a-f]+ \(tag [0-9]+\) \(not resolved: build-id differs \(rebuilt since recording\)\)$' \
    "$out/rebuilt" || { cat "$out/rebuilt"; fail "changed build-id: no reason"; }
if grep -q ' in order_new' "$out/rebuilt"; then fail "changed build-id: resolved anyway"; fi
jq -e '[.sites[] | select(.name | startswith("orders:")) |
        select(.resolved == false and .function == null and .source == null and
               .unresolved_reason == "build-id differs (rebuilt since recording)")] | length == 3' \
    "$out/rebuilt.json" > /dev/null || { cat "$out/rebuilt.json"; fail "changed build-id: JSON"; }

# hostile paths: each replaces orders's path; advise ends, says why, escapes
mkfifo "$out/fifo" || fail mkfifo
n=0
for p in "$out/fifo" /dev/zero /dev/tty /tmp /nonexistent/orders "/x${esc}[2J${esc}]0;pwned\\x07" \
    "/a\\x1b[31m\\x0a\\x0dred" "/proc/self/status"; do
    n=$((n + 1))
    # the path as sed replacement text: \ and & and | quoted
    q=$(printf '%s' "$p" | sed 's/[\\&|]/\\&/g')
    sed "s|^\(# pb-module orders [0-9a-f]*\) .*|\1 $q|" "$t" > "$out/hostile$n.trace"
    grep -q '^# pb-module orders [0-9a-f]* /' "$out/hostile$n.trace" || fail "sed for $n"
    advise "hostile$n" "$out/hostile$n.trace"
    advise "hostile$n.json" --json "$out/hostile$n.trace"
    grep -Eq '^site orders:[0-9a-f]+ \(tag [0-9]+\) \(not resolved: (not found|not a regular file|not an ELF file|cannot be opened.*)\)$' \
        "$out/hostile$n" || { cat "$out/hostile$n"; fail "hostile path $n: no reason"; }
    jq -e '[.sites[] | select(.name | startswith("orders:")) | select(.resolved == false)] | length == 3' \
        "$out/hostile$n.json" > /dev/null || fail "hostile path $n: JSON"
done

# malformed module lines: ignored, counted
{ sed -n 1p "$t"; printf '# pb-module\n# pb-module orders zz /x\n# pb-module %s\n' "$esc[1m"; sed 1d "$t"; } \
    > "$out/malformed.trace"
advise malformed "$out/malformed.trace"
grep -q '^note: 3 malformed # pb-module lines ignored (the first at line 2)$' "$out/malformed" ||
    { cat "$out/malformed"; fail "malformed lines not counted"; }
grep -q ' in order_new (' "$out/malformed" || fail "malformed lines stopped resolution"

# a source file whose name holds escape sequences: shown escaped
if [ -n "$cc" ]; then
    src="$out/ev${esc}[31mil.c"
    printf '#include <stdlib.h>\n__attribute__((noinline)) void *grab(size_t n) { void *p = malloc(n); return p; }\nint main(void) { for (int i = 0; i < 10; i++) free(grab(32)); return 0; }\n' > "$src"
    "$cc" -g -O0 -fno-builtin -o "$out/evil" "$src" || fail "cc"
    "$bin" record --sites -o "$out/evil.trace" -- "$out/evil" > /dev/null 2>&1 || fail "record evil"
    advise evil.txt "$out/evil.trace"
    advise evil.json --json "$out/evil.trace"
    grep -q ' in grab (.*ev\\x1b\[31mil\.c:2)$' "$out/evil.txt" || { cat "$out/evil.txt"; fail "escaped source"; }
    jq -e '[.sites[] | select(.function == "grab" and (.source | test("ev\\\\x1b\\[31mil\\.c:2$")))] | length == 1' \
        "$out/evil.json" > /dev/null || { cat "$out/evil.json"; fail "escaped source in JSON"; }
fi
echo "record_symbols: ok"
exit 0
