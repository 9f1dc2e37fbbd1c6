#!/bin/sh
# export_csv.sh POOLBENCH DATADIR DIR DOC -- poolbench export --csv end to end.
# A real small run (null and pool on churn, 2 rounds) is exported with -o and
# to standard output (the same bytes); Python's csv module reads the table
# back: the header, 8 fields in every row, one row per run and figure, every
# value empty or a finite number, and every value the number at that path in
# the JSON (null: empty). The hostile results file (payloads in every string)
# reads back the same way, no text field starts with a formula character,
# and dropping one leading ' gives every string of the file back. The sample's
# failed run is one row. Output files: written whole or not at all (a bad
# input leaves an existing file as it was, /dev/full fails with exit 1), a
# link in a sticky world-writable directory is refused, no temporary is left.
# With pandas installed, the example of DOC (docs/export.md) runs on the table.
set -u
pb=$1; data=$2; dir=$3; doc=$4
command -v python3 >/dev/null || { echo "export_csv: skipped, no python3"; exit 77; }
rm -rf "$dir" && mkdir -p "$dir" || exit 1
fail() {
  printf 'export_csv: %s\n' "$1"
  [ -f "${2:-}" ] && cat "$2"
  exit 1
}

"$pb" run --backend null,pool -w churn:pairs=1000 --rounds 2 --quiet -o "$dir/r.json" \
  >"$dir/run.out" 2>&1 || fail "poolbench run failed" "$dir/run.out"
"$pb" export --csv "$dir/r.json" -o "$dir/r.csv" >"$dir/out" 2>&1 ||
  fail "export -o failed" "$dir/out"
[ -s "$dir/out" ] && fail "export -o printed something" "$dir/out"
"$pb" export --csv "$dir/r.json" >"$dir/stdout.csv" 2>"$dir/err" ||
  fail "export to standard output failed" "$dir/err"
cmp -s "$dir/r.csv" "$dir/stdout.csv" || fail "export -o and standard output differ"

# check.py CSV JSON MODE: the table against the results file it came from
cat >"$dir/check.py" <<'EOF'
import csv, json, math, sys

path, results, mode = sys.argv[1:4]
enc = dict(encoding="utf-8", errors="surrogateescape")
with open(path, newline="", **enc) as f:
    rows = list(csv.reader(f, strict=True))
with open(results, **enc) as f:
    doc = json.load(f)
header = ["backend", "workload", "threads", "status", "figure", "value", "unit", "error"]
assert rows[0] == header, rows[0]
bad = [i for i, r in enumerate(rows) if len(r) != len(header)]
assert not bad, "rows with another column count: %s" % bad[:5]

def original(field):
    """A text field as it was in the file: one leading ' dropped."""
    return field[1:] if field.startswith("'") else field

def at(run, dotted):
    for step in dotted.split("."):
        if not isinstance(run, dict) or step not in run:
            return None
        run = run[step]
    return run

for i, r in enumerate(rows[1:], 1):
    for c in (0, 1, 3, 7):
        assert not r[c] or r[c][0] not in "=+-@\t\r\n", "row %d: %r not defused" % (i, r[c])
    if r[3] != "ok":
        assert r[4] == r[5] == r[6] == "", "row %d: a %s run with a figure" % (i, r[3])
        continue
    assert r[4] and r[6], "row %d: no figure or unit" % i
    if r[5]:
        v = float(r[5])
        assert math.isfinite(v), "row %d: %r" % (i, r[5])

# each run's rows, in file order: its strings and, for an ok run, its figures
k = 1
for run in doc["runs"]:
    spec = run.get("backend_spec") or run["backend"]
    first = rows[k]
    assert original(first[0]) == spec, (first[0], spec)
    assert original(first[1]) == run["workload"]["name"], (first[1], run["workload"]["name"])
    assert first[3] == run["status"], (first[3], run["status"])
    if run["status"] != "ok":
        assert original(first[7]) == run.get("error", ""), (first[7], run.get("error"))
        k += 1
        continue
    threads = str((run["time"] or {}).get("threads", 1))
    assert first[2] == threads, (first[2], threads)
    start = k
    while k < len(rows) and rows[k][:4] == first[:4] and (k == start or rows[k][4] != first[4]):
        want = at(run, rows[k][4])
        if want is None:
            assert rows[k][5] == "", "%s: %r for null" % (rows[k][4], rows[k][5])
        elif isinstance(want, bool):
            assert rows[k][5] == ("1" if want else "0"), (rows[k][4], rows[k][5], want)
        else:
            assert float(rows[k][5]) == want, (rows[k][4], rows[k][5], want)
        k += 1
assert k == len(rows), "%d rows left over" % (len(rows) - k)

if mode == "real":
    figs = {}
    for r in rows[1:]:
        assert r[1] == "churn:pairs=1000" and r[2] == "1" and r[3] == "ok", r
        figs.setdefault(r[0], []).append(r[4])
    assert sorted(figs) == ["null", "pool"], sorted(figs)
    assert figs["null"] == figs["pool"], "null and pool have other figures"
    assert len(set(figs["pool"])) == len(figs["pool"]), "a figure twice"
    value = {(r[0], r[4]): r[5] for r in rows[1:]}
    assert float(value["pool", "time.ns_per_op.median"]) > 0
    assert float(value["pool", "memory.peak_footprint_bytes"]) > 0
    # the null backend hands out no memory: its figures are null, so empty (never 0)
    assert value["null", "memory.peak_resident_bytes"] == ""
    assert value["null", "memory.granted_bytes_at_peak"] == ""
elif mode == "failed":
    failed = [r for r in rows[1:] if r[3] == "failed"]
    assert len(failed) == 1 and failed[0][4] == "" and failed[0][7], failed
print("%s: %d rows ok" % (path, len(rows) - 1))
EOF
python3 "$dir/check.py" "$dir/r.csv" "$dir/r.json" real >"$dir/check.out" 2>&1 ||
  fail "the exported table is wrong" "$dir/check.out"

"$pb" export --csv "$data/results-hostile.json" -o "$dir/hostile.csv" 2>"$dir/err" ||
  fail "export of the hostile file failed" "$dir/err"
python3 "$dir/check.py" "$dir/hostile.csv" "$data/results-hostile.json" hostile \
  >"$dir/check.out" 2>&1 || fail "the hostile table is wrong" "$dir/check.out"
"$pb" export --csv "$data/results-sample.json" -o "$dir/sample.csv" 2>"$dir/err" ||
  fail "export of the sample failed" "$dir/err"
python3 "$dir/check.py" "$dir/sample.csv" "$data/results-sample.json" failed \
  >"$dir/check.out" 2>&1 || fail "the sample's table is wrong" "$dir/check.out"

# whole or not at all: a bad input leaves the existing file as it was
echo keep >"$dir/keep.csv"
"$pb" export --csv "$data/not-results.json" -o "$dir/keep.csv" 2>"$dir/err"
rc=$?
[ "$rc" -eq 2 ] || fail "a bad input: exit $rc, want 2" "$dir/err"
[ "$(cat "$dir/keep.csv")" = keep ] || fail "a bad input changed the output file"
"$pb" export --csv "$dir/r.json" -o "$dir/no-such-dir/x.csv" 2>"$dir/err"
rc=$?
[ "$rc" -eq 2 ] || fail "a missing directory: exit $rc, want 2" "$dir/err"
grep -q "cannot write .*no-such-dir/x.csv" "$dir/err" || fail "no message naming the path" "$dir/err"
if [ -c /dev/full ]; then
  "$pb" export --csv "$dir/r.json" -o /dev/full 2>"$dir/err"
  rc=$?
  [ "$rc" -eq 1 ] || fail "-o /dev/full: exit $rc, want 1" "$dir/err"
  grep -q "No space left" "$dir/err" || fail "-o /dev/full: no reason given" "$dir/err"
fi
# a link in a sticky world-writable directory is never written through
mkdir "$dir/sticky" && chmod 1777 "$dir/sticky" || exit 1
ln -s ../victim.csv "$dir/sticky/link.csv" || exit 1
"$pb" export --csv "$dir/r.json" -o "$dir/sticky/link.csv" 2>"$dir/err"
rc=$?
[ "$rc" -eq 2 ] || fail "a link in a sticky directory: exit $rc, want 2" "$dir/err"
grep -q "refusing to write" "$dir/err" || fail "no refusal message" "$dir/err"
[ -e "$dir/victim.csv" ] && fail "the link's target was written"
# the pandas example of docs/export.md runs on the real table (when pandas is there)
py=""
for p in python3 /usr/bin/python3; do
  if "$p" -c 'import pandas' 2>/dev/null; then py=$p; break; fi
done
if [ -n "$py" ]; then
  sed -n '/^```python$/,/^```$/p' "$doc" | sed '1d;$d' |
    sed "s#results/today.csv#$dir/r.csv#" >"$dir/example.py"
  grep -q read_csv "$dir/example.py" || fail "no pandas example in $doc"
  "$py" "$dir/example.py" >"$dir/example.out" 2>&1 || fail "the pandas example fails" "$dir/example.out"
  grep -q "pool" "$dir/example.out" || fail "the pandas example shows no backend" "$dir/example.out"
else
  echo "export_csv: pandas not installed, the example of $doc is not run"
fi
leftover=$(find "$dir" -name '*.tmp.*' | head -3)
[ -z "$leftover" ] || fail "temporary files left: $leftover"
echo "export_csv: ok"
exit 0
