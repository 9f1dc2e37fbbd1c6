#!/bin/sh
# preload_programs.sh LIB SRC [STRESS] -- real programs under libpoolbench-pools.so
# (LIB) give the same stdout and stderr, byte for byte, and the same exit status as under
# glibc's malloc: the programs of workloads/traces/programs.sh (record-all.sh's
# commands) on the inputs in SRC (workloads/traces/src), cc1 writing its assembly,
# multi-threaded xz and sort, and the stress program STRESS. Each run under LIB
# must also leave its PB_POOLS_REPORT line with class allocations (the library
# was really used).
# A program that is not installed is skipped with a message; the test fails
# when none ran. .ci/packages lists them all.
set -u
lib=$1; src=$2; stress=${3:-}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
cp "$src"/* "$tmp"/ || exit 1
cd "$tmp" || exit 1
failed=0; ran=0

fail() { echo "FAIL: $*"; failed=1; }

# compare NAME CMD [ARGS...]: CMD's stdout and status, glibc vs LIB
compare() {
    name=$1; shift
    "$@" > "$name.glibc" 2> "$name.glibc.err"; rc_glibc=$?
    rm -f "$name.report"
    LD_PRELOAD=$lib PB_POOLS_REPORT=$tmp/$name.report "$@" > "$name.pools" 2> "$name.pools.err"
    rc_pools=$?
    ran=$((ran + 1))
    if [ "$rc_glibc" -ne "$rc_pools" ]; then
        fail "$name: exit $rc_glibc under glibc, $rc_pools under the library"
        sed 's/^/  stderr: /' "$name.pools.err" | head -20
        return
    fi
    if ! cmp -s "$name.glibc" "$name.pools"; then
        fail "$name: stdout differs ($(wc -c < "$name.glibc") vs $(wc -c < "$name.pools") bytes)"
        diff "$name.glibc" "$name.pools" | head -10
        return
    fi
    if ! cmp -s "$name.glibc.err" "$name.pools.err"; then
        fail "$name: stderr differs"
        diff "$name.glibc.err" "$name.pools.err" | head -10
        return
    fi
    if ! grep -Eq '^libpoolbench-pools .* class_allocs=[1-9]' "$name.report" 2>/dev/null; then
        fail "$name: no report line with class allocations: the library did not serve it"
        return
    fi
    echo "ok: $name (stdout $(wc -c < "$name.glibc") bytes, stderr $(wc -c < "$name.glibc.err"), exit $rc_glibc)"
}

# have PROG: installed? else say it is skipped (the programs of programs.sh say so themselves)
have() {
    command -v "$1" > /dev/null 2>&1 && return 0
    echo "SKIPPED: $1 is not installed"
    return 1
}

# the shipped programs, exactly as record-all.sh runs them (workloads/traces/programs.sh)
program() {
    name=$1
    shift 4
    if [ -z "$1" ] || ! command -v "$1" > /dev/null 2>&1; then
        echo "SKIPPED: $name: '$1' is not installed"
        return
    fi
    compare "$name" "$@"
}
. "$src/../programs.sh"
each_program program
# cc1 again with its assembly on stdout, so the compiler's output is compared too
cc1=$(gcc -print-prog-name=cc1 2>/dev/null)
if [ -n "$cc1" ] && [ -x "$cc1" ]; then
    compare cc1-asm "$cc1" -quiet -O2 input.c -o /dev/stdout
else
    echo "SKIPPED: cc1-asm: cc1 is not installed"
fi
# multi-threaded programs: xz with 2 threads (1 MiB blocks), sort with 2 threads
awk -v n=200000 -f gen_sort_input.awk > sort-input.txt
if have xz; then
    compare xz xz -T2 --block-size=1MiB -6 -c sort-input.txt
fi
if have sort; then
    compare sort sort --parallel=2 -S 4M -t, -k2,2n -k1,1 sort-input.txt
fi
if [ -n "$stress" ]; then
    compare stress "$stress" --quiet
fi

[ "$ran" -gt 0 ] || fail "no program ran"
[ "$failed" -eq 0 ] && echo "preload_programs: $ran programs, same output under the library"
exit "$failed"
