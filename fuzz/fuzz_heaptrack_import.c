/*
 * fuzz_heaptrack_import.c -- libFuzzer target for the heaptrack capture
 * importer (pb_import_heaptrack, fed from memory with fmemopen; zstd and
 * gzip inputs go through the decompressing reader too).
 *
 * Whatever the capture, the import either fails with a message or writes
 * events that make a valid v1 trace: its output is parsed back and must be
 * accepted, with as many a and f events and tags as the importer says.
 */
#include "fuzz_import.h"

#include <stdio.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static int import(FILE *in, FILE *out, void *st, struct pb_diag *diag)
{
    return pb_import_heaptrack(in, "capture", out, st, diag);
}

static int agrees(const struct pb_workload *w, const void *stats)
{
    const struct pb_heaptrack_stats *st = stats;
    return w->fig.allocs == st->allocs && w->fig.frees == st->frees && w->fig.reallocs == 0 &&
           w->n_tags == st->sites && st->allocs + st->too_big >= st->live_at_end;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    struct pb_heaptrack_stats st = {0};
    return fi_check(data, size, import, &st, agrees);
}
