#!/bin/sh
# The layer rules of docs/architecture.md, checked on the sources: every
# quoted #include of a layer names a header of that layer or of a layer it
# may use. (The build enforces the same through each layer library's include
# folders; this names the offending line when a rule is broken.)
# usage: layers.sh SOURCE_DIR
set -u
cd "$1" || exit 2
allowed() {
    case $1 in
    common) echo "common" ;;
    allocators) echo "allocators common" ;;
    workloads) echo "workloads common" ;;
    engine) echo "engine allocators workloads common" ;;
    report) echo "report engine allocators workloads common" ;;
    cli) echo "cli report engine allocators workloads common" ;;
    preload) echo "preload allocators common" ;;
    esac
}
check_layer() {
    layer=$1
    dirs=$(allowed "$layer")
    for f in "$layer"/*.c "$layer"/*.h; do
        [ -e "$f" ] || continue
        grep -n '^#include "' "$f" | while IFS= read -r line; do
            h=$(printf '%s\n' "$line" | sed 's/^[0-9]*:#include "\([^"]*\)".*/\1/')
            [ "$h" = pb_build_info.h ] && continue # generated, part of common
            found=""
            for d in $dirs; do
                [ -e "$d/$h" ] && found=$d && break
            done
            [ -n "$found" ] ||
                echo "$f:${line%%:*}: includes \"$h\", which is not in $layer or a layer below ($dirs)"
        done
    done
}
out=""
for layer in common allocators workloads engine report cli preload; do
    out="$out$(check_layer $layer)"
done
if [ -n "$out" ]; then
    printf '%s\n' "$out"
    exit 1
fi
echo "layers: every include stays in its layer or below"
