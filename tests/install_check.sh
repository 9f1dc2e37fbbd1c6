#!/bin/sh
# install_check.sh BUILD_DIR DATADIR -- `cmake --install` into a temporary
# prefix, then the installed poolbench finds its own files there: the
# recorder library (lib/poolbench), the plot scripts and the shipped traces
# (share/poolbench), wherever the prefix is.
build=$1; data=$2
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null || { echo "install failed"; exit 1; }
pb=$tmp/prefix/bin/poolbench
for f in bin/poolbench lib/poolbench/libpbrecord.so share/poolbench/plots/throughput.gp \
         share/poolbench/traces/sqlite3.trace.gz; do
  [ -e "$tmp/prefix/$f" ] || { echo "not installed: $f"; exit 1; }
done
cd "$tmp" || exit 1
"$pb" record -o "$tmp/true.trace" -- true 2>/dev/null || { echo "installed record failed"; exit 1; }
"$pb" check "$tmp/true.trace" >/dev/null || { echo "recorded trace invalid"; exit 1; }
POOLBENCH_PLOTS= "$pb" plot "$data/results-sample.json" -o "$tmp/charts" >/dev/null 2>&1 ||
  { echo "installed plot failed"; exit 1; }
[ -s "$tmp/charts/throughput.png" ] || { echo "no chart from the installed scripts"; exit 1; }
echo "installed tree works"
