#!/bin/sh
# bench/scale.sh -- the 10^8-event pipeline: generate a churn workload as text
# and as a .pbt, convert the text to the binary twin, check it and replay it
# against null, each step under /usr/bin/time -v (wall time and the peak RSS
# of the whole command, children included). Prints one line per step and the
# run's own peak_rss_bytes per event, then deletes the big files.
#
#   bench/scale.sh [BUILD_DIR] [DIR]     (defaults: build, /tmp)
#
# Needs about 4 GB free in DIR and 2 GB of RAM. Writes nothing in the tree.
set -eu
build=${1:-build}
dir=${2:-/tmp}
cd "$(dirname "$0")/.."
pb="$build/poolbench"
spec=churn:live=1000,pairs=50000000
trap 'rm -f "$dir/pb-scale.trace" "$dir/pb-scale.pbt" "$dir/pb-scale-gen.pbt" "$dir/pb-scale.json" "$dir/pb-scale.time"' EXIT
step() {
  name=$1
  shift
  /usr/bin/time -v "$@" >/dev/null 2>"$dir/pb-scale.time"
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$dir/pb-scale.time")
  kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$dir/pb-scale.time")
  echo "$name: wall $wall, peak RSS $kb kB"
}
step "gen (text)" "$pb" gen -w "$spec" -o "$dir/pb-scale.trace"
step "gen (.pbt)" "$pb" gen -w "$spec" -o "$dir/pb-scale-gen.pbt"
step "convert" "$pb" convert "$dir/pb-scale.trace" "$dir/pb-scale.pbt"
step "check" "$pb" check "$dir/pb-scale.pbt"
step "run null" "$pb" run --backend null --trace "$dir/pb-scale.pbt" --repeat 1 --warmup 0 \
  -o "$dir/pb-scale.json" --quiet
ls -l "$dir/pb-scale.trace" "$dir/pb-scale.pbt" "$dir/pb-scale-gen.pbt"
python3 - "$dir/pb-scale.json" <<'PY'
import json, sys
run = json.load(open(sys.argv[1]))["runs"][0]
ev, rss = run["workload"]["events"], run["memory"]["peak_rss_bytes"]
print(f"run null: {ev} events, peak_rss_bytes {rss} = {rss / ev:.2f} B/event, "
      f"{run['time']['ns_per_op']['median']:.2f} ns/op")
PY
