#!/bin/sh
# check_pngs.sh POOLBENCH OUTDIR FORMAT COUNT RESULTS...
# Runs `poolbench plot RESULTS... -o OUTDIR --format FORMAT` and checks that it
# succeeds, that its index (OUTDIR/README.md) lists COUNT charts, and that each
# is a valid image of that format larger than 2 KB, with no temporary file left.
poolbench=$1; out=$2; format=$3; want=$4; shift 4
rm -rf "$out"
if ! "$poolbench" plot "$@" -o "$out" --format "$format"; then
  echo "poolbench plot failed"; exit 1
fi
index="$out/README.md"
[ -f "$index" ] || { echo "no index $index"; exit 1; }
images=$(sed -n 's/^!\[[^]]*\](\(.*\))$/\1/p' "$index")
n=0
for img in $images; do
  f="$out/$img"
  [ -f "$f" ] || { echo "missing $f"; exit 1; }
  size=$(wc -c < "$f")
  [ "$size" -gt 2048 ] || { echo "$f is only $size bytes"; exit 1; }
  case $format in
    png) magic=$(head -c 8 "$f" | od -An -tx1 | tr -d ' \n')
         [ "$magic" = "89504e470d0a1a0a" ] || { echo "$f is not a PNG ($magic)"; exit 1; } ;;
    svg) grep -q '<svg' "$f" || { echo "$f is not an SVG"; exit 1; } ;;
  esac
  n=$((n + 1))
done
[ "$n" -eq "$want" ] || { echo "index lists $n charts, want $want"; exit 1; }
left=$(find "$out" -name '.*' -type f | wc -l)
[ "$left" -eq 0 ] || { echo "temporary files left in $out"; exit 1; }
echo "$n $format charts ok in $out"
