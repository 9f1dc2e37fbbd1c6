#!/bin/sh
# outfile_root.sh POOLBENCH TESTBACKENDS -- as root, an output path that
# another user planted is refused (docs/output-files.md): a symlink owned by
# someone else, in /tmp-like sticky world-writable directory or not, and a
# file of someone else in such a directory. The victim keeps its content and
# its mode, nothing runs, exit 2 names the path and why. Exit 77 (skipped)
# when not root: only root can give a file away (chown to nobody).
pb=$1; tb=$2
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (chown -h to uid 65534)"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
hang="--backend crash:after=1:mode=hang --workload churn:pairs=10 --repeat 1 --warmup 0 --timeout 5 --quiet"

mkdir "$tmp/root" "$tmp/sticky" "$tmp/plain" && chmod 700 "$tmp/root" && chmod 1777 "$tmp/sticky" || exit 1
echo secret >"$tmp/root/victim.txt" && chmod 600 "$tmp/root/victim.txt"

# refused OUT WHY CMD...: exit 2, stderr names OUT and says WHY, the victim untouched
refused() {
  o=$1; why=$2; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?
  err=$(cat "$tmp/err")
  [ "$rc" -eq 2 ] || fail "exit $rc (expected 2): $*: $err"
  printf '%s\n' "$err" | grep -qF -- "refusing to write $o: it is $why" || fail "$*: $err"
  printf '%s\n' "$err" | grep -qi timeout && fail "a run happened before the refusal: $err"
  [ "$(cat "$tmp/root/victim.txt")" = secret ] || fail "$*: the victim was written"
  [ "$(stat -c %a "$tmp/root/victim.txt")" = 600 ] || fail "$*: the victim's mode changed"
  return 0
}

# the issue's case: /tmp/shared.json -> /root/victim.txt, planted by nobody
ln -s "$tmp/root/victim.txt" "$tmp/sticky/shared.json" && chown -h 65534:65534 "$tmp/sticky/shared.json"
# shellcheck disable=SC2086
refused "$tmp/sticky/shared.json" "a symbolic link in $tmp/sticky, a sticky world-writable" \
  "$tb" run $hang -o "$tmp/sticky/shared.json"
refused "$tmp/sticky/shared.json" "a symbolic link in" \
  "$pb" gen -w churn:pairs=10 -o "$tmp/sticky/shared.json"
# someone else's link in a directory that is not sticky: refused all the same
ln -s "$tmp/root/victim.txt" "$tmp/plain/theirs.json" && chown -h 65534:65534 "$tmp/plain/theirs.json"
# shellcheck disable=SC2086
refused "$tmp/plain/theirs.json" "a symbolic link owned by uid 65534, not by you (uid 0)" \
  "$tb" run $hang -o "$tmp/plain/theirs.json"
[ -L "$tmp/sticky/shared.json" ] || fail "the link in the sticky directory was removed"
[ -L "$tmp/plain/theirs.json" ] || fail "the other user's link was removed"
# someone else's file in the sticky directory
echo theirs >"$tmp/sticky/theirs.json" && chown 65534:65534 "$tmp/sticky/theirs.json"
# shellcheck disable=SC2086
refused "$tmp/sticky/theirs.json" "owned by uid 65534, not by you (uid 0), in $tmp/sticky" \
  "$tb" run $hang -o "$tmp/sticky/theirs.json"
[ "$(cat "$tmp/sticky/theirs.json")" = theirs ] || fail "the other user's file was replaced"
[ -z "$(find "$tmp" -name '*.tmp.*')" ] || fail "temporary files left: $(find "$tmp" -name '*.tmp.*')"
exit 0
