#!/bin/sh
# results_doc.sh POOLBENCH DATA_DIR DOC [JQ]
# docs/results.md names every field `poolbench run` writes: two small runs
# (every in-process backend, a synthetic workload and a tagged trace, with
# --latency, one run failing on purpose; then --threads 2; then a trace of three
# threads, replayed in threads) give the key paths
# of their results (array indices as []), and every key must appear in DOC
# as `key`. Fails listing the paths whose key is missing. Exits 77 (skipped)
# without jq (.ci/packages installs it).
set -f # the key paths below hold [], which must not glob
bin=$1; data=$2; doc=$3; jq=${4:-jq}
command -v "$jq" > /dev/null 2>&1 || { echo "skipped: no jq"; exit 77; }
[ -r "$doc" ] || { echo "FAIL: cannot read $doc"; exit 1; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# run OUT ARGS...: poolbench run ARGS -o OUT; a failed run (exit 1) is expected, 2 is not
run() {
  out=$1; shift
  "$bin" run "$@" --repeat 1 --warmup 0 --quiet -o "$out" > "$tmp/log" 2>&1
  rc=$?
  [ "$rc" -le 1 ] && [ -s "$out" ] || { cat "$tmp/log"; fail "poolbench run $* exited $rc"; }
}

# keys FILE: one line per key path, "path<TAB>key", unique
keys() {
  "$jq" -r '[paths | select(.[-1] | type == "string")
             | [(map(if type == "number" then "[]" else "." + . end) | join("") | ltrimstr(".")),
                .[-1]] | @tsv] | unique[]' "$1" || fail "$jq cannot read $1"
}

# undocumented: the paths of stdin whose key DOC does not name as `key`
undocumented() {
  while IFS="$(printf '\t')" read -r path key; do
    grep -qF -- "\`$key\`" "$doc" || printf '  %s\n' "$path"
  done
}

# The checker must see a key the page does not name.
printf '{"runs": [{"results_doc_canary_key": 1}]}\n' > "$tmp/canary.json"
[ -n "$(keys "$tmp/canary.json" | undocumented)" ] || fail "the checker missed an unknown key"

# A preloaded backend (its backend_config keys) where its library is installed.
sys=
"$bin" run --backend jemalloc --workload churn:live=1,pairs=1 --repeat 1 --warmup 0 --quiet \
  -o "$tmp/probe.json" > /dev/null 2>&1
[ $? -ne 2 ] && sys=,jemalloc
[ -n "$sys" ] || echo "note: jemalloc is not installed: its backend_config keys are not checked"

# pool and pool-small refuse the trace's 300-byte block: a failed run, with its error.
run "$tmp/one.json" \
  --backend "pool:return=1,pool-small:chunk=64:align=16:return=1,arena,malloc,pools:return=1,pool-per-tag$sys" \
  --workload churn:live=20,pairs=50 --trace "$data/run_tagged.trace" --latency
run "$tmp/two.json" --backend pool,malloc --workload churn:live=20,pairs=50 --threads 2
run "$tmp/three.json" --backend malloc --trace "$data/threads.trace"
{ keys "$tmp/one.json"; keys "$tmp/two.json"; keys "$tmp/three.json"; } | sort -u > "$tmp/keys"

# The runs must still produce what the page documents (else this test would cover less).
for p in interrupted config.threads runs[].error runs[].backend_config.slabs_returned \
         runs[].backend_config.chunks_per_slab runs[].backend_config.tag_spills \
         runs[].workload.params runs[].workload.sha256 \
         runs[].workload.lifetime_histogram.buckets[].count runs[].memory.classes[].tag \
         runs[].memory.resident_method runs[].timeline[].occupied_bytes \
         runs[].latency.alloc.cdf_ns runs[].time.per_thread[].ns_per_op.samples \
         runs[].time.per_round[].wait.share.samples runs[].time.per_thread[].wait_share.median; do
  cut -f1 "$tmp/keys" | grep -qxF -- "$p" || fail "the runs wrote no $p: the test no longer covers it"
done
if [ -n "$sys" ]; then
  cut -f1 "$tmp/keys" | grep -qxF runs[].backend_config.version || fail "no jemalloc version key"
fi

missing=$(undocumented < "$tmp/keys")
if [ -n "$missing" ]; then
  printf 'FAIL: these fields of the results are not named in %s (as `key`):\n%s\n' "$doc" "$missing"
  exit 1
fi
echo "ok: $(wc -l < "$tmp/keys") key paths, each named in $doc"
exit 0
