#!/bin/sh
# doc_links.sh SOURCE_DIR
# README.md is the newcomer's page and stays at most 10240 bytes; every
# relative link in README.md and docs/*.md -- [text](target) and ![alt](target),
# without its #anchor -- names a file or directory that exists, resolved
# against the page's own folder. Links with a scheme (https:, mailto:) and
# pure #anchors are not checked. Fails listing each broken link as
# PAGE:LINE: target.
src=${1:?usage: doc_links.sh SOURCE_DIR}
cd "$src" || exit 1
fail=0
max=10240

size=$(wc -c < README.md) || exit 1
if [ "$size" -gt "$max" ]; then
  echo "FAIL: README.md is $size bytes, over $max: move reference material to docs/"
  fail=1
fi

# links PAGE: "LINE<TAB>TARGET" for each relative link of PAGE, fenced code left out
links() {
  awk '
    /^[ \t]*(```|~~~)/ { fence = !fence; next }
    fence { next }
    {
      line = $0
      gsub(/`[^`]*`/, "", line)     # code spans hold no links
      while (match(line, /\]\([^) \t]+/)) {
        target = substr(line, RSTART + 2, RLENGTH - 2)
        line = substr(line, RSTART + RLENGTH)
        if (target ~ /^[a-zA-Z][a-zA-Z0-9+.-]*:/ || target ~ /^#/) continue
        sub(/#.*/, "", target)
        print NR "\t" target
      }
    }' "$1"
}

# The checker must find a broken link and pass a good one.
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
printf '[a](no-such-file.md) `[b](in-code.md)` [c](https://x.y/) [d](#here)\n```\n[e](fenced.md)\n```\n' \
  > "$tmp/probe.md"
[ "$(links "$tmp/probe.md")" = "$(printf '1\tno-such-file.md')" ] || {
  echo "FAIL: the checker does not read links as expected:"; links "$tmp/probe.md"; exit 1; }

checked=0
for page in README.md docs/*.md; do
  dir=$(dirname "$page")
  tab=$(printf '\t')
  while IFS="$tab" read -r line target; do
    [ -n "$target" ] || continue
    checked=$((checked + 1))
    [ -e "$dir/$target" ] && continue
    echo "FAIL: $page:$line: broken link $target"
    fail=1
  done <<EOF
$(links "$page")
EOF
done

[ "$fail" -eq 0 ] || exit 1
echo "ok: README.md $size bytes; $checked relative links in README.md and docs/*.md resolve"
