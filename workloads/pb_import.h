/*
 * pb_import.h -- converting other programs' allocation logs to v1 traces.
 *
 * Two formats: the log glibc's mtrace() writes to $MALLOC_TRACE, and the
 * capture heaptrack writes (its interpreted text, plain, zstd or gzip). An
 * importer writes event lines (a, f, r) and comments only; the caller writes
 * the header and closing comments, so it can also say where the file came from.
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

/* Limits on what one heaptrack capture may hold: a capture beyond them is
 * rejected with a message (line number, limit) before memory is committed. */
#define PB_HT_MAX_LINE ((size_t)1 << 20)      /* bytes in one line */
#define PB_HT_MAX_ENTRIES ((uint64_t)1 << 26)  /* strings, ips, traces or allocation infos */
#define PB_HT_MAX_LIVE ((uint64_t)1 << 26)     /* blocks live at once */
#define PB_HT_MAX_STRING_BYTES ((uint64_t)1 << 30) /* all 's' strings together */
#define PB_HT_MAX_SITES 65000                  /* distinct site tags; then @other */

/* What a heaptrack import saw and wrote. */
struct pb_heaptrack_stats {
    uint64_t lines;             /* input lines read (decompressed) */
    uint64_t allocs, frees;     /* events written, by kind (a realloc is a free and an alloc) */
    uint64_t unmatched_frees;   /* '-' records with no live block of their allocation: dropped */
    uint64_t first_unmatched;   /* the line of the first of them, 0 when none */
    uint64_t unknown_records;   /* lines of a record kind the importer does not know: skipped */
    uint64_t first_unknown;     /* the line of the first of them, 0 when none */
    uint64_t too_big;           /* allocations above 2^40 bytes: not written, nor their frees */
    uint64_t sites;             /* distinct site tags written */
    uint64_t unnamed_sites;     /* of which, MODULE:ADDRESS tags (no function name known) */
    uint64_t other_allocs;      /* allocations tagged @other (more than PB_HT_MAX_SITES sites) */
    uint64_t untagged_allocs;   /* allocations with no site (no stack, or the allocator only) */
    uint64_t live_at_end;       /* blocks never freed */
    unsigned heaptrack_version; /* from the 'v' line, 0x010400 for 1.4.0 */
    unsigned file_version;      /* heaptrack's file format version (1 to 3) */
    int attached;               /* 1: heaptrack attached to a running process ('A') */
    const char *compression;    /* "zstd", "gzip" or "plain" */
};

/* Convert heaptrack's interpreted capture read from `in` (zstd, gzip or
 * plain; called `name` in messages) into v1 trace events written to `out`,
 * each allocation tagged with its call site. 0 on success; -1 when the input
 * has problems (each "NAME:LINE: message" in diag), is beyond a PB_HT_ limit,
 * or on out of memory or a write error; then `out` holds garbage. */
int pb_import_heaptrack(FILE *in, const char *name, FILE *out, struct pb_heaptrack_stats *st,
                        struct pb_diag *diag);

/* Same, the site of an allocation taken depth frames out (1: the innermost
 * frame that is not the allocator; 2: its caller's, past a wrapper; ...). */
int pb_import_heaptrack_depth(FILE *in, const char *name, unsigned depth, FILE *out,
                              struct pb_heaptrack_stats *st, struct pb_diag *diag);

#endif /* PB_IMPORT_H */
