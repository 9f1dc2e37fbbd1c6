# import_lib.sh -- sourced by the import tests (import_check.sh,
# import_heaptrack.sh) once they have set pb, work and fail.

# refused_import WHAT MESSAGES ARGS...: `poolbench import ARGS -o FILE` over an
# existing FILE exits 2, says each line of MESSAGES (at the start of a line of
# its output) and leaves FILE as it was
refused_import() {
    what=$1; wants=$2; shift 2
    bad="$work/bad.trace"
    echo keep > "$bad"
    "$pb" import "$@" -o "$bad" > "$work/bad.err" 2>&1
    rc=$?
    cat "$work/bad.err"
    [ "$rc" -eq 2 ] || fail "$what: exit $rc, expected 2"
    set -f
    old_ifs=$IFS
    IFS='
'
    for want in $wants; do
        grep -q "^$want" "$work/bad.err" || fail "missing message: $want"
    done
    IFS=$old_ifs
    set +f
    [ "$(cat "$bad")" = keep ] || fail "output file changed by a rejected import"
}
