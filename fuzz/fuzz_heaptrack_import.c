/*
 * fuzz_heaptrack_import.c -- libFuzzer target for the heaptrack capture
 * importer (pb_import_heaptrack, fed from memory with fmemopen; zstd and
 * gzip inputs go through the decompressing reader too).
 *
 * Whatever the capture, the import either fails with a message or writes
 * events that make a valid v1 trace: its output is parsed back and must be
 * accepted, with as many a and f events and tags as the importer says.
 */
#include "pb_import.h"
#include "pb_workload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (size == 0)
        return 0; /* fmemopen refuses an empty buffer */
    FILE *in = fmemopen((void *)data, size, "r");
    if (!in)
        return 0;
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (!out) {
        fclose(in);
        return 0;
    }
    struct pb_heaptrack_stats st = {0};
    struct pb_diag diag = {0};
    int rc = pb_import_heaptrack(in, "capture", out, &st, &diag);
    fclose(in);
    fclose(out);
    if (rc != 0) {
        if (diag.count < 1)
            abort();
        free(text);
        return 0;
    }
    struct pb_workload w = {0};
    struct pb_diag back = {0};
    if (pb_workload_parse_text("imported", text, len, &w, &back) != 0) {
        pb_diag_print(&back, stderr);
        abort();
    }
    if (w.fig.allocs != st.allocs || w.fig.frees != st.frees || w.fig.reallocs != 0 ||
        w.n_tags != st.sites || st.allocs + st.too_big < st.live_at_end)
        abort();
    pb_workload_free(&w);
    free(text);
    return 0;
}
