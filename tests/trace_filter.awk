# trace_filter.awk -- validates a v1 trace written by the recorder or the
# importer (event syntax, live IDs, sizes, alignments, tags, t lines) and prints the
# events of blocks whose allocated size is in [lo, hi], IDs renumbered by
# first appearance, tags and t lines dropped. Usage: awk -v lo=N -v hi=M -f trace_filter.awk FILE
# Exits 1 with "FILE:LINE: message" on the first problem.
function bad(msg) { printf "%s:%d: %s\n", FILENAME, FNR, msg > "/dev/stderr"; failed = 1; exit 1 }
function num(s) { return s ~ /^[0-9]+$/ }
BEGIN { n = 0; seen_event = 0 }
{
    sub(/\r$/, "")
    if ($0 ~ /^[ \t]*$/ || $0 ~ /^[ \t]*#/) next
    if (!seen_event && $1 == "poolbench-trace") { if (NF != 2 || $2 != "1") bad("bad header"); seen_event = 1; next }
    seen_event = 1
    if ($1 == "a") {
        if (NF < 3 || NF > 5) bad("bad field count")
        if (!num($2) || !num($3)) bad("not a number")
        if ($2 in live) bad("a on live id " $2)
        if (length($3) > 13 || $3 + 0 > 1099511627776) bad("size out of range")
        i = 4
        if (NF >= 4 && $4 !~ /^@/) {
            if (!num($4)) bad("bad align")
            a = $4 + 0; if (a < 1 || a > 4096) bad("align out of range")
            while (a > 1) { if (a % 2) bad("align not a power of two"); a /= 2 }
            i = 5
        }
        if (NF >= i && ($i !~ /^@[A-Za-z0-9_.:<>-]+$/ || length($i) > 65)) bad("bad tag " $i)
        if (NF > i) bad("extra field")
        live[$2] = 1
        if ($3 + 0 >= lo && $3 + 0 <= hi) {
            map[$2] = ++n
            printf "a %d %s%s\n", n, $3, ($4 !~ /^@/ && NF >= 4) ? " " $4 : ""
        }
    } else if ($1 == "f") {
        if (NF != 2 || !num($2)) bad("bad free")
        if (!($2 in live)) bad("f on id not live " $2)
        delete live[$2]
        if ($2 in map) { printf "f %d\n", map[$2]; delete map[$2] }
    } else if ($1 == "r") {
        if (NF != 3 || !num($2) || !num($3)) bad("bad realloc")
        if (!($2 in live)) bad("r on id not live " $2)
        if ($2 in map) printf "r %d %s\n", map[$2], $3
    } else if ($1 == "t") {
        if (NF != 2 || !num($2) || length($2) > 5 || $2 + 0 > 65535) bad("bad t")
    } else if ($1 == "x") {
        if (NF != 1) bad("bad x")
        for (k in live) delete live[k]
        for (k in map) delete map[k]
    } else bad("unknown event " $1)
}
