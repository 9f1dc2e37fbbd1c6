/*
 * pb_import.h -- converting other programs' allocation logs to v1 traces.
 *
 * Today one format: the log glibc's mtrace() writes to $MALLOC_TRACE. The
 * importer writes event lines only (a, f, r); the caller writes the header and
 * closing comments, so it can also say where the file came from.
 */
#ifndef PB_IMPORT_H
#define PB_IMPORT_H

#include "pb_workload.h"

#include <stdint.h>
#include <stdio.h>

/* What an import saw and wrote. */
struct pb_import_stats {
    uint64_t lines;            /* input lines read */
    uint64_t allocs, frees, reallocs; /* events written, by kind */
    uint64_t dropped_frees;    /* frees of addresses never seen allocated: dropped */
    uint64_t unknown_reallocs; /* reallocs of unknown addresses: written as allocations */
    uint64_t failed;           /* failed calls ("+ (nil)", "!"): not written */
    uint64_t implicit_frees;   /* an address allocated again while live: f written first */
    uint64_t too_big;          /* sizes above 2^40: not written */
    uint64_t live_at_end;      /* blocks never freed */
};

/* Convert the glibc mtrace() log read from `in` (called `name` in messages)
 * into v1 trace events written to `out`. 0 on success; -1 when the input has
 * problems (each as "NAME:LINE: message" in diag, up to PB_DIAG_MAX) or out
 * of memory or a write error (line 0); then `out` holds garbage. */
int pb_import_mtrace(FILE *in, const char *name, FILE *out, struct pb_import_stats *st,
                     struct pb_diag *diag);

#endif /* PB_IMPORT_H */
