# figures.awk: prints a v1 trace's figures as comment lines (the names of
# results.md, "The workload's own figures"). Usage: awk -f figures.awk FILE
function flush_peak() { if (live_bytes > peak_bytes) peak_bytes = live_bytes; if (live_blocks > peak_blocks) peak_blocks = live_blocks }
$1 == "a" { size[$2] = $3; live_bytes += $3; live_blocks++; allocs++; total += $3; flush_peak(); next }
$1 == "f" { live_bytes -= size[$2]; live_blocks--; delete size[$2]; frees++; next }
$1 == "r" { live_bytes += $3 - size[$2]; size[$2] = $3; reallocs++; total_r += $3; flush_peak(); next }
$1 == "x" { for (k in size) delete size[k]; live_bytes = 0; live_blocks = 0; resets++; next }
END {
    printf "# events: %d (allocs %d, frees %d, reallocs %d, resets %d)\n", allocs + frees + reallocs, allocs, frees, reallocs, resets
    printf "# peak_live_bytes: %d, peak_live_blocks: %d\n", peak_bytes, peak_blocks
    printf "# live_blocks_at_end: %d, live_bytes_at_end: %d\n", live_blocks, live_bytes
    printf "# total_requested_bytes: %d\n", total
}
