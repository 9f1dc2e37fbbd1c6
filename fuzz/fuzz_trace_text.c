/*
 * fuzz_trace_text.c -- libFuzzer target for the v1 text parser in memory
 * (pb_workload_parse_text).
 *
 * Any input must give either a workload or problems, never a crash. A
 * workload that parses must also hold up: every slot below n_slots, tags in
 * range, pb_workload_check agrees with the figures the parser computed, and
 * its canonical text (pb_workload_write_text) parses back to the same events,
 * ids and tags.
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
    check_round_trip(&w);
    pb_workload_free(&w);
    return 0;
}
