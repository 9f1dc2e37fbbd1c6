#!/bin/sh
# worked-example.sh -- docs/worked-example.md from one script: record the
# example program with call sites, ask `advise --sites`, then measure what it
# recommends (the hybrid backend and the by-hand pool) against malloc and
# pools, and print predicted against measured savings (advise --measured).
#
# Usage: examples/worked-example.sh [BUILD_DIR [OUT_DIR]]
#   REPEAT=N (default 5) rounds per backend; CPU=N pins the replays (default 1).
set -eu
B=${1:-build}
OUT=${2:-$(mktemp -d)}
REPEAT=${REPEAT:-5}
CPU=${CPU:-1}
PB=$B/poolbench
T=$OUT/orders.trace
mkdir -p "$OUT"

echo "== record: $PB record --sites -o $T -- $B/orders"
"$PB" record --sites -o "$T" -- "$B/orders"
echo "== advise: $PB advise --sites $T"
"$PB" advise --sites "$T"
"$PB" advise --sites --json "$T" >"$OUT/advise.json"

# The forms advise prints: its per-site hybrid spec when it gives one, and the by-hand pool.
forms=$(jq -r '[.hybrid.backend_spec?, .by_hand.backend_spec] | map(select(. != null)) | join(",")' "$OUT/advise.json")
echo "== measure: $PB run --backend $forms,malloc,pools --trace $T --repeat $REPEAT --cpu $CPU"
"$PB" run --backend "$forms,malloc,pools" --trace "$T" \
    --repeat "$REPEAT" --cpu "$CPU" -o "$OUT/run.json" >/dev/null

echo "== predicted against measured: $PB advise --sites $T --measured $OUT/run.json"
"$PB" advise --sites "$T" --measured "$OUT/run.json" | sed -n '/^measured (/,$p'
echo "(files in $OUT)"
