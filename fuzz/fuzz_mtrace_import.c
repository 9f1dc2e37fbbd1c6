/*
 * fuzz_mtrace_import.c -- libFuzzer target for the glibc mtrace() log
 * importer (pb_import_mtrace, fed from memory with fmemopen).
 *
 * Whatever the log, the import either fails with a message or writes events
 * that make a valid v1 trace: its output is parsed back and must be accepted,
 * with as many a, f and r events as the importer says it wrote.
 */
#include "fuzz_import.h"

#include <stdio.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static int import(FILE *in, FILE *out, void *st, struct pb_diag *diag)
{
    return pb_import_mtrace(in, "log", out, st, diag);
}

static int agrees(const struct pb_workload *w, const void *stats)
{
    const struct pb_import_stats *st = stats;
    return w->fig.allocs == st->allocs && w->fig.frees == st->frees &&
           w->fig.reallocs == st->reallocs;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    struct pb_import_stats st = {0};
    return fi_check(data, size, import, &st, agrees);
}
