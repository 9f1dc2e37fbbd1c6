#!/bin/sh
# preload_return.sh LIB -- PB_POOLS_RETURN: a Python program (PYTHONMALLOC=malloc)
# makes 400 000 small blocks, frees them and reads its own resident memory.
# With PB_POOLS_RETURN=0 the emptied slabs' pages go back to the kernel
# (slabs_returned > 0 in the report, and the resident memory after the frees
# at most half of what return=off keeps); with off nothing is given back.
set -u
lib=$1
command -v python3 > /dev/null || { echo "skip: no python3"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cat > "$tmp/p.py" <<'PY'
def rss():
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS'):
            return int(line.split()[1])
a = [bytes(40) + bytes([i % 256]) for i in range(400000)]
peak = rss()
del a
print(peak, rss())
PY
for r in off 0; do
  PYTHONMALLOC=malloc LD_PRELOAD=$lib PB_POOLS_RETURN=$r PB_POOLS_REPORT=$tmp/r.$r \
    python3 "$tmp/p.py" > "$tmp/o.$r" || fail "python3 failed with PB_POOLS_RETURN=$r"
done
returned=$(sed -n 's/.* slabs_returned=\([0-9]*\)$/\1/p' "$tmp/r.0" | tail -n 1)
[ "${returned:-0}" -gt 0 ] || fail "return=0 gave back no slab: $(cat "$tmp/r.0")"
grep -q ' return=0 ' "$tmp/r.0" || fail "return=0 not reported: $(cat "$tmp/r.0")"
grep -q ' slabs_returned=0$' "$tmp/r.off" || fail "return=off gave slabs back: $(cat "$tmp/r.off")"
read -r _ after_off < "$tmp/o.off"
read -r _ after_ret < "$tmp/o.0"
[ $((after_ret * 2)) -le "$after_off" ] ||
  fail "resident after the frees: $after_ret KiB with return=0, $after_off KiB with off"
echo "preload_return: ok ($returned slabs given back; $after_ret KiB resident against $after_off)"
