/*
 * fuzz_trace_text.c -- libFuzzer target for the v1 text parser in memory
 * (pb_workload_parse_text).
 *
 * Any input must give either a workload or problems, never a crash. A
 * workload that parses must also hold up: every slot below n_slots, tags in
 * range, pb_workload_check agrees with the figures the parser computed, and
 * its canonical text (pb_workload_write_text) parses back to the same events,
 * ids, threads and tags; and each thread's figures add up to the workload's.
 */
#include "pb_workload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static void check_events(const struct pb_workload *w)
{
    for (size_t i = 0; i < w->n_records; i++) {
        const struct pb_event *e = &w->events[i];
        if (e->op > PB_OP_RESET || e->tag > w->n_tags)
            abort();
        if (e->op != PB_OP_RESET && e->slot >= w->n_slots)
            abort();
    }
}

static void check_figures(struct pb_workload *w)
{
    struct pb_workload_figures fig = w->fig;
    char err[256];
    if (pb_workload_check(w, err, sizeof err) != 0)
        abort();
    if (memcmp(&fig, &w->fig, sizeof fig) != 0)
        abort();
}

/* Two workloads' threads are the same (NULL: every record thread 0). */
static int same_tids(const struct pb_workload *a, const struct pb_workload *b)
{
    for (size_t i = 0; i < a->n_records; i++)
        if ((a->tids ? a->tids[i] : 0) != (b->tids ? b->tids[i] : 0))
            return 0;
    return 1;
}

/* The threads' own figures add up to the workload's, in tid order. */
static void check_threads(const struct pb_workload *w)
{
    struct pb_thread_figures *t;
    size_t n;
    if (pb_workload_thread_figures(w, &t, &n) != 0)
        return;
    const struct pb_workload_figures *f = &w->fig;
    uint64_t events = 0, allocs = 0, frees = 0, reallocs = 0, resets = 0, cf = 0, cr = 0;
    for (size_t i = 0; i < n; i++) {
        if (i && t[i].tid <= t[i - 1].tid)
            abort();
        events += t[i].events;
        allocs += t[i].allocs;
        frees += t[i].frees;
        reallocs += t[i].reallocs;
        resets += t[i].resets;
        cf += t[i].cross_thread_frees;
        cr += t[i].cross_thread_reallocs;
    }
    if (n != f->threads || events != f->events || allocs != f->allocs || frees != f->frees ||
        reallocs != f->reallocs || resets != f->resets || cf != f->cross_thread_frees ||
        cr != f->cross_thread_reallocs || cf > frees || cr > reallocs)
        abort();
    /* the longest chain is at least the busiest thread's records, at most all of them */
    for (size_t i = 0; i < n; i++)
        if (f->longest_chain < t[i].events + t[i].resets)
            abort();
    if (f->longest_chain > w->n_records || (w->n_records && f->longest_chain == 0))
        abort();
    free(t);
}

/* Canonical text of w parses back to the same events, ids and tags. */
static void check_round_trip(const struct pb_workload *w)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return;
    if (pb_workload_write_text(w, f) != 0)
        abort();
    fclose(f);
    struct pb_workload back = {0};
    struct pb_diag diag = {0};
    if (pb_workload_parse_text("canonical", text, len, &back, &diag) != 0) {
        pb_diag_print(&diag, stderr);
        abort();
    }
    if (back.n_records != w->n_records || back.n_slots != w->n_slots ||
        back.n_tags != w->n_tags)
        abort();
    if (w->n_records && memcmp(back.events, w->events, w->n_records * sizeof *w->events) != 0)
        abort();
    if (w->ids && w->n_records && memcmp(back.ids, w->ids, w->n_records * sizeof *w->ids) != 0)
        abort();
    if (!same_tids(&back, w) || memcmp(&back.fig, &w->fig, sizeof back.fig) != 0)
        abort();
    for (uint32_t t = 0; t < w->n_tags; t++)
        if (strcmp(back.tags[t], w->tags[t]) != 0)
            abort();
    pb_workload_free(&back);
    free(text);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    struct pb_workload w = {0};
    struct pb_diag diag = {0};
    int rc = pb_workload_parse_text("fuzz", (const char *)data, size, &w, &diag);
    if (rc != 0) {
        /* refused: at least one message, each naming the input */
        if (diag.count < 1 || diag.total < (uint64_t)diag.count)
            abort();
        for (int i = 0; i < diag.count; i++)
            if (strncmp(diag.msg[i], "fuzz:", 5) != 0)
                abort();
        pb_workload_free(&w);
        return 0;
    }
    if (diag.total != 0)
        abort();
    check_events(&w);
    check_figures(&w);
    check_threads(&w);
    check_round_trip(&w);
    pb_workload_free(&w);
    return 0;
}
