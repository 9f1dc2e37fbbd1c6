#!/bin/sh
# record-all.sh [POOLBENCH [NAME...]]: regenerates the shipped traces workloads/traces/*.trace.gz
# (only those NAMEd, when names are given)
# by running real Debian programs under `poolbench record` on the fixed
# inputs in src/. POOLBENCH defaults to build/poolbench of this checkout.
# Needs: sqlite3, python3, perl, gcc, git, jq, cmake (all Debian packages).
#
# Each trace starts with the header, then comment lines naming the program,
# its version, the exact command and environment, and the trace's figures,
# then the recorder's own comments and the events. The allocation sequence
# depends on the program and library versions, so a re-recording on another
# machine gives a similar, not an identical, trace.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
pb=${1:-$here/../../build/poolbench}
[ $# -gt 0 ] && shift
only=" $* "
pb=$(cd "$(dirname "$pb")" && pwd)/$(basename "$pb")
[ -x "$pb" ] || { echo "record-all.sh: no poolbench at $pb (build it first)" >&2; exit 2; }
src=$here/src
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
cp "$src"/* "$tmp"/
cd "$tmp"

# validate FILE: poolbench check when this build has it, else the test suite's checker
validate() {
    if "$pb" check --help > /dev/null 2>&1; then
        "$pb" check "$1" > /dev/null
    else
        awk -v lo=1 -v hi=0 -f "$here/../../tests/trace_filter.awk" "$1"
    fi
}

# record NAME VERSION ENVIRONMENT -- CMD [ARGS...]: runs CMD in $tmp (the
# caller has exported ENVIRONMENT), writes $here/NAME.trace.gz.
record() {
    name=$1 version=$2 envdesc=$3
    shift 4
    [ "$only" = "  " ] || case $only in *" $name "*) ;; *) return 0 ;; esac
    rm -f "$name.raw" "$name.raw".*
    # --follow all: a child would write $name.raw.<pid>, and is refused below
    "$pb" record --follow all -o "$name.raw" -- "$@" > "$name.stdout" 2> "$name.log" \
        || { cat "$name.log" >&2; echo "record-all.sh: $name failed" >&2; exit 1; }
    if ls "$name.raw".* > /dev/null 2>&1; then
        echo "record-all.sh: $name wrote more than one file (it forks): $(ls "$name.raw".*)" >&2
        exit 1
    fi
    cmdline=
    for arg in "$@"; do
        case $arg in
        *[!A-Za-z0-9_./:=-]*) cmdline="$cmdline '$arg'" ;;
        *) cmdline="$cmdline $arg" ;;
        esac
    done
    {
        echo "poolbench-trace 1"
        echo "# trace: $name, $version, on Debian $(cat /etc/debian_version 2>/dev/null), $(ldd --version | head -1)"
        echo "# made by workloads/traces/record-all.sh (inputs in workloads/traces/src/):"
        echo "#   ${envdesc:+$envdesc }poolbench record -o $name.trace --$cmdline"
        awk -f "$src/figures.awk" "$name.raw"
        tail -n +2 "$name.raw"
    } > "$name.trace"
    validate "$name.trace"
    gzip -9n < "$name.trace" > "$here/$name.trace.gz"
    printf '%-10s %9s events %9s bytes gzip\n' "$name" \
        "$(grep -c '^[afrx]' "$name.trace")" "$(wc -c < "$here/$name.trace.gz")"
}

. "$here/programs.sh"
each_program record
