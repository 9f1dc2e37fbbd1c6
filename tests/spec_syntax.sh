#!/bin/sh
# spec_syntax.sh POOLBENCH -- the one syntax of --backend and --workload specs
# (pb_spec_list_next, docs/backends.md "Spec syntax"): ':' or ',' before each
# option, several specs by repeating the option or listing them with ','
# (a word without '=' after a ',' starts the next spec), and the "did you
# mean" of an unknown name or key. Small runs written to stdout, read with jq.
pb=$1
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
small="--rounds 1 --repeat 1 --warmup 0 --quiet -o -"
w_small=churn:size=48,live=5,pairs=10

# runs JQ ARGS...: poolbench run ARGS (small) exits 0; prints jq JQ of the results
runs() {
  q=$1; shift
  (cd "$tmp" && "$pb" run $small "$@" >"$tmp/out" 2>"$tmp/err") ||
    { fail "exit $? from run $*: $(cat "$tmp/err")"; return; }
  jq -c "$q" "$tmp/out"
}
# expect WANT GOT WHAT
expect() { [ "$2" = "$1" ] || fail "$3: got $2, want $1"; }
# refused REGEX ARGS...: poolbench ARGS exits 2 with stderr matching REGEX
refused() {
  re=$1; shift
  (cd "$tmp" && "$pb" "$@" >"$tmp/out" 2>"$tmp/err"); rc=$?
  [ "$rc" -eq 2 ] || fail "exit $rc (expected 2): $*"
  grep -Eq -- "$re" "$tmp/err" || fail "stderr of '$*' does not match /$re/: $(cat "$tmp/err")"
}

# ---- backends: ':' and ',' alike, lists, repetition ----
specs='[.runs[] | .backend_spec]'
expect '["null","pool:chunk=48:slab=16k"]' "$(runs "$specs" -b pool:chunk=48,slab=16k -w "$w_small")" \
  "options after ','"
expect '["null","pool:chunk=48:slab=16k"]' "$(runs "$specs" -b pool:chunk=48:slab=16k -w "$w_small")" \
  "options after ':'"
expect '"16384"' "$(runs '.runs[1].backend_config.slab' -b pool:chunk=48,slab=16k -w "$w_small")" \
  "slab=16k after ',' is an option of pool"
expect '["null","pool:chunk=48:slab=16k","malloc","arena:block=64k"]' \
  "$(runs "$specs" -b pool:chunk=48,slab=16k,malloc,arena:block=64k -w "$w_small")" "a list"
expect '["null","pool","malloc","arena"]' "$(runs "$specs" -b pool -b malloc,arena -w "$w_small")" \
  "--backend repeated"
expect '["null","pool","malloc","arena"]' "$(runs '.config.backends' -b pool -b malloc,arena -w "$w_small")" \
  "the config lists every backend"

# ---- workloads: the same rule ----
names='[.runs[] | select(.backend == "null") | .workload.name]'
expect '["churn:size=48,live=5,pairs=10"]' \
  "$(runs "$names" -b pool -w churn:size=48:live=5:pairs=10)" "a workload's options after ':'"
expect '["churn:size=48,live=5,pairs=10"]' \
  "$(runs "$names" -b pool -w churn,size=48,live=5,pairs=10)" "a workload's options after ','"
expect '["churn:size=48,live=5,pairs=10","ramp:peak=50,rounds=1,max=64"]' \
  "$(runs "$names" -b pool -w "$w_small,ramp:max=64:peak=50,rounds=1")" "a list of workloads"
expect '["churn:size=48,live=5,pairs=10","ramp:max=64:peak=50,rounds=1"]' \
  "$(runs '.config.workloads' -b pool -w "$w_small,ramp:max=64:peak=50,rounds=1")" \
  "the config lists every workload, as given"

# ---- a refused run is named by its whole spec ----
(cd "$tmp" && "$pb" run $small -b pool:chunk=48,slab=16k -w churn:size=64,live=5,pairs=10 \
   >"$tmp/out" 2>"$tmp/err"); rc=$?
expect 0 "$rc" "a request beyond the chunk is refused: an answer, exit 0"
expect '"refused"' "$(jq -c '.runs[1].status' "$tmp/out")" "the run's status"
expect '"pool:chunk=48:slab=16k"' "$(jq -c '.runs[1].backend_spec' "$tmp/out")" "the refused run's spec"
jq -r '.runs[1].error' "$tmp/out" | grep -q "refused by pool:chunk=48:slab=16k: pool: request" ||
  fail "the error does not name the whole spec: $(jq -r '.runs[1].error' "$tmp/out")"

# ---- refused ----
refused "--backend 'pool:chunk=48:slab=16k' is given twice" \
  run -b pool:chunk=48,slab=16k -b pool:chunk=48:slab=16k -w "$w_small"
refused "--backend 'pool,': an empty spec" run -b pool, -w "$w_small"
refused "--workload ',churn': an empty spec" run -b pool -w ,churn
refused "--workload 'churn' is given twice" run -b pool -w churn,churn
refused "--workload 'churn,ramp' names more than one workload; gen writes one" gen -w churn,ramp
# did you mean: the closest known name or key, and all of them
refused "unknown backend 'mallco' \(did you mean 'malloc'\?\); backends: pool, arena, malloc" \
  run -b pool:chunk=48,mallco -w churn
refused "unknown option 'chunks' for pool \(did you mean 'chunk'\?\); pool takes chunk, align, slab" \
  run -b pool:chunks=48 -w churn
refused "unknown option 'slab' for malloc; malloc takes no options" run -b malloc,slab=16k -w churn
refused "unknown generator 'mixd' \(did you mean 'mixed'\?\); generators: churn, mixed" \
  run -b pool -w churn,mixd
refused "unknown parameter 'lve' for churn \(did you mean 'live'\?\)" run -b pool -w churn,lve=4
refused "unknown parameter 'lve' for churn \(did you mean 'live'\?\)" gen -w churn:lve=4

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "spec syntax: ok"
