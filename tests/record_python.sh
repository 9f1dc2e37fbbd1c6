#!/bin/sh
# record_python.sh POOLBENCH TARGET WORKDIR LIBPYTHON
# A Python process gets the pymalloc note: tests/record_target copied under
# the name python3 (the recorder knows Python by its executable's name) must
# get the '# python: pymalloc' comment in its trace and record's note
# suggesting PYTHONMALLOC=malloc, also behind a wrapper script (FILE is then
# the Python program); so must the target with LIBPYTHON (a library named
# libpython*) preloaded, like a program embedding Python; with
# PYTHONMALLOC=malloc, and for a program that is not Python, neither.
set -u
pb=$1; target=$2; work=$3; libpy=$4
rm -rf "$work" && mkdir -p "$work" || exit 1
fail() { echo "FAIL: $*"; exit 1; }
py="$work/python3"
cp "$target" "$py" || exit 1
wrap="$work/py-wrap"
printf '#!/bin/sh\nexec "%s" "$@"\n' "$py" > "$wrap" && chmod +x "$wrap" || exit 1

# rec NAME CMD...: record CMD into $work/NAME.trace (exit 0), log in $work/NAME.log
rec() {
    name=$1; shift
    "$pb" record -o "$work/$name.trace" -- "$@" > "$work/$name.log" 2>&1 \
        || { cat "$work/$name.log"; fail "$name: record failed"; }
}
note="note: .*/NAME\.trace is a Python process \(python3\): pymalloc"

unset PYTHONMALLOC
rec py "$py" exec-child
cat "$work/py.log"
grep -q '^# python: pymalloc' "$work/py.trace" || fail "no python comment in the trace"
grep -Eq "$(echo "$note" | sed 's/NAME/py/')" "$work/py.log" || fail "no pymalloc note"
grep -q 'PYTHONMALLOC=malloc poolbench record' "$work/py.log" || fail "the note suggests no PYTHONMALLOC=malloc"

rec wrapped "$wrap" exec-child
grep -Eq "$(echo "$note" | sed 's/NAME/wrapped/')" "$work/wrapped.log" \
    || { cat "$work/wrapped.log"; fail "behind a wrapper: no note naming FILE"; }
! grep -q '^# python' "$work"/wrapped.trace.* || fail "the wrapper's trace has the python comment"

# the library is added by a wrapper: poolbench itself must not load it
rec embed sh -c 'LD_PRELOAD="$LD_PRELOAD:$2" exec "$1" exec-child' sh "$target" "$libpy"
grep -q '^# python: pymalloc' "$work/embed.trace" \
    || { cat "$work/embed.log"; fail "libpython mapped: no python comment"; }
grep -Eq 'embed\.trace is a Python process \(record_target\)' "$work/embed.log" \
    || { cat "$work/embed.log"; fail "libpython mapped: no note"; }

PYTHONMALLOC=malloc rec malloc "$py" exec-child
! grep -q '^# python' "$work/malloc.trace" || fail "PYTHONMALLOC=malloc: python comment written"
! grep -q 'pymalloc' "$work/malloc.log" || fail "PYTHONMALLOC=malloc: note printed"

rec plain "$target" exec-child
! grep -q '^# python' "$work/plain.trace" || fail "not Python: python comment written"
! grep -q 'pymalloc' "$work/plain.log" || fail "not Python: note printed"
echo "ok"
