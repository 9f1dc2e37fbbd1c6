/*
 * fuzz_import.h -- what the importer fuzz targets (fuzz_mtrace_import.c,
 * fuzz_heaptrack_import.c) share: feed the input to an importer from memory
 * and parse its output back as a v1 trace. Every broken promise aborts, for
 * libFuzzer to report.
 */
#ifndef PB_FUZZ_IMPORT_H
#define PB_FUZZ_IMPORT_H

#include <stdio.h>
#include <stdlib.h>

#include "pb_import.h"
#include "pb_workload.h"

/* One importer: in to out, its stats into st, its problems into diag. */
typedef int (*fi_import_fn)(FILE *in, FILE *out, void *st, struct pb_diag *diag);

/* Run import on data. 0: it succeeded, *text (len bytes, malloc'd) holds the
 * events it wrote; -1: nothing more to check (the input cannot be opened, or
 * the import failed with a message). A failure without a message aborts. */
static inline int fi_run(const unsigned char *data, size_t size, fi_import_fn import, void *st,
                         char **text, size_t *len)
{
    if (size == 0)
        return -1; /* fmemopen refuses an empty buffer */
    FILE *in = fmemopen((void *)data, size, "r");
    if (!in)
        return -1;
    *text = NULL;
    *len = 0;
    FILE *out = open_memstream(text, len);
    if (!out) {
        fclose(in);
        return -1;
    }
    struct pb_diag diag = {0};
    int rc = import(in, out, st, &diag);
    fclose(in);
    fclose(out);
    if (rc != 0) {
        if (diag.count < 1)
            abort();
        free(*text);
        return -1;
    }
    return 0;
}

/* The import's output parsed back into w: it must be a valid v1 trace. */
static inline void fi_parse_back(const char *text, size_t len, struct pb_workload *w)
{
    struct pb_diag back = {0};
    if (pb_workload_parse_text("imported", text, len, w, &back) != 0) {
        pb_diag_print(&back, stderr);
        abort();
    }
}

/* Whether the workload parsed back agrees with the importer's stats. */
typedef int (*fi_agrees_fn)(const struct pb_workload *w, const void *st);

/* The whole target: import data, then its output must parse back and agree
 * with st. Returns 0, for libFuzzer. */
static inline int fi_check(const unsigned char *data, size_t size, fi_import_fn import, void *st,
                           fi_agrees_fn agrees)
{
    char *text;
    size_t len;
    if (fi_run(data, size, import, st, &text, &len))
        return 0;
    struct pb_workload w = {0};
    fi_parse_back(text, len, &w);
    if (!agrees(&w, st))
        abort();
    pb_workload_free(&w);
    free(text);
    return 0;
}

#endif /* PB_FUZZ_IMPORT_H */
