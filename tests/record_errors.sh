#!/bin/sh
# record_errors.sh POOLBENCH WORKDIR
# A command that cannot be run is said so, with exit status 2 (--help), and
# without the "no trace was written" of a program that ran: not found, not
# executable, a directory (all found before the run: an old FILE stays), and
# a script whose interpreter is missing (only the exec finds that out).
set -u
pb=$1; work=$2
rm -rf "$work" && mkdir -p "$work" || exit 1
fail() { echo "FAIL: $*"; exit 1; }
out="$work/old.trace"

# refused CMD MESSAGE: record -- CMD exits 2 with "cannot run 'CMD': MESSAGE"
refused() {
    printf 'poolbench-trace 1\n# an old trace\n' > "$out" || exit 1
    "$pb" record -o "$out" -- "$1" > "$work/log" 2>&1
    rc=$?
    cat "$work/log"
    [ "$rc" -eq 2 ] || fail "$1: exit $rc, expected 2"
    grep -Fqx "poolbench record: cannot run '$1': $2" "$work/log" || fail "$1: no 'cannot run' line"
    ! grep -Eq 'writable|no trace|events in' "$work/log" || fail "$1: reported as a recording"
}

refused no-such-command-pb "No such file or directory"
grep -q 'an old trace' "$out" || fail "the old trace is gone after a command that was not found"
refused "$work/no-such-file" "No such file or directory"
printf 'echo hi\n' > "$work/not-executable" && chmod 644 "$work/not-executable"
refused "$work/not-executable" "Permission denied"
grep -q 'an old trace' "$out" || fail "the old trace is gone after a command that is not executable"
refused "$work" "Is a directory"
printf '#!/no/such/interpreter\n' > "$work/bad-interpreter" && chmod 755 "$work/bad-interpreter"
refused "$work/bad-interpreter" "No such file or directory"
[ ! -e "$out" ] || fail "bad interpreter: a trace was written"
# found in PATH but not executable there: as execvp, Permission denied
mkdir "$work/bin" && cp "$work/not-executable" "$work/bin/pb-not-exec"
(PATH="$work/bin:$PATH"; export PATH; refused pb-not-exec "Permission denied") || exit 1
# a name with a control character is shown escaped
"$pb" record -o "$out" -- "$(printf 'no\033[2Jsuch')" > "$work/log" 2>&1
rc=$?
[ "$rc" -eq 2 ] || fail "escaped name: exit $rc, expected 2"
grep -Fqx "poolbench record: cannot run 'no\\x1b[2Jsuch': No such file or directory" "$work/log" \
    || { cat "$work/log"; fail "escaped name: not shown escaped"; }
echo "ok"
