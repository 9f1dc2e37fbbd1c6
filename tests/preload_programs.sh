#!/bin/sh
# preload_programs.sh LIB SRC [STRESS] -- real programs under libpoolbench-pools.so
# (LIB) give the same stdout and stderr, byte for byte, and the same exit status as under
# glibc's malloc: the workloads of workloads/traces/record-all.sh on the inputs
# in SRC (workloads/traces/src), plus multi-threaded xz and sort, plus the
# stress program STRESS. Each run under LIB must also leave its
# PB_POOLS_REPORT line with class allocations (the library was really used).
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

# have PROG: installed? else say it is skipped
have() {
    command -v "$1" > /dev/null 2>&1 && return 0
    echo "SKIPPED: $1 is not installed"
    return 1
}

if have sqlite3; then
    compare sqlite3 sqlite3 :memory: ".read sqlite.sql"
fi
if have /usr/bin/python3; then
    compare python3 env PYTHONMALLOC=malloc PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1 \
        /usr/bin/python3 -S python_workload.py
fi
if have perl; then
    compare perl env PERL_HASH_SEED=0 PERL_PERTURB_KEYS=0 perl perl_workload.pl
fi
if have gcc; then
    awk -v n=100 -f gen_c_input.awk > input.c
    cc1=$(gcc -print-prog-name=cc1)
    if [ -x "$cc1" ]; then
        compare cc1 "$cc1" -quiet -O2 input.c -o /dev/stdout
    else
        echo "SKIPPED: cc1 not found (gcc -print-prog-name=cc1 says $cc1)"
    fi
fi
if have git; then
    if sh git_workload.sh "$tmp/repo" > /dev/null 2>&1; then
        compare git env HOME="$tmp/repo" GIT_CONFIG_NOSYSTEM=1 \
            git -C repo --no-pager log -p --stat --no-color
    else
        fail "git: git_workload.sh could not build the repository"
    fi
fi
if have jq; then
    compare jq jq -n -c -f jq_workload.jq
fi
if have cmake; then
    compare cmake cmake -P cmake_workload.cmake
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
