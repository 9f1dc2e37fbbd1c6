/*
 * hand_workloads.h -- hand-built workloads for the runner's unit tests: events
 * are written straight into a struct pb_workload, and the figures the
 * measure pass needs (peak live bytes and where) are computed here, by a loop
 * independent of the workload library; and any workload as canonical trace
 * text, for the trace tests. Include after cmocka.h.
 */
#ifndef PB_HAND_WORKLOADS_H
#define PB_HAND_WORKLOADS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem_test.h"
#include "pb_workload.h"

#define TW_MAX 100000

/* A workload with room for TW_MAX events. */
static inline struct pb_workload *tw_new(const char *name)
{
    struct pb_workload *w = calloc(1, sizeof *w);
    w->events = calloc(TW_MAX, sizeof *w->events);
    snprintf(w->name, sizeof w->name, "%s", name);
    snprintf(w->source, sizeof w->source, "synthetic");
    return w;
}

/* Append one event (align_log2 4 = 16 bytes, as the trace default). */
static inline void tw_add(struct pb_workload *w, enum pb_op op, uint32_t slot, uint64_t size)
{
    struct pb_event *e = &w->events[w->n_records++];
    e->op = (uint8_t)op;
    e->slot = op == PB_OP_RESET ? 0 : slot;
    e->size = op == PB_OP_RESET ? 0 : size;
    e->align_log2 = op == PB_OP_RESET ? 0 : 4;
    if (op != PB_OP_RESET && slot + 1 > w->n_slots)
        w->n_slots = slot + 1;
}

/* Fill the counts and the peak of live bytes (first reached) from the events. */
static inline void tw_figures(struct pb_workload *w)
{
    uint64_t *sz = calloc(w->n_slots + 1, sizeof *sz);
    unsigned char *live = calloc(w->n_slots + 1, 1);
    uint64_t bytes = 0, blocks = 0;
    memset(&w->fig, 0, sizeof w->fig);
    for (size_t i = 0; i < w->n_records; i++) {
        const struct pb_event *e = &w->events[i];
        switch (e->op) {
        case PB_OP_ALLOC:
            w->fig.allocs++;
            w->fig.total_requested_bytes += e->size;
            sz[e->slot] = e->size;
            live[e->slot] = 1;
            bytes += e->size;
            blocks++;
            break;
        case PB_OP_FREE:
            w->fig.frees++;
            bytes -= sz[e->slot];
            live[e->slot] = 0;
            blocks--;
            break;
        case PB_OP_REALLOC:
            w->fig.reallocs++;
            bytes = bytes - sz[e->slot] + e->size;
            sz[e->slot] = e->size;
            break;
        default:
            w->fig.resets++;
            memset(live, 0, w->n_slots + 1);
            bytes = blocks = 0;
        }
        if (bytes > w->fig.peak_live_bytes) {
            w->fig.peak_live_bytes = bytes;
            w->fig.peak_event = i;
        }
        if (blocks > w->fig.peak_live_blocks)
            w->fig.peak_live_blocks = blocks;
    }
    w->fig.events = w->fig.allocs + w->fig.frees + w->fig.reallocs;
    w->fig.live_blocks_at_end = blocks;
    w->fig.live_bytes_at_end = bytes;
    free(sz);
    free(live);
}

static inline void tw_free(struct pb_workload *w)
{
    free(w->events);
    free(w);
}

/* w as canonical trace text, in a malloc'd NUL-terminated buffer. */
static inline char *tw_text(const struct pb_workload *w)
{
    struct mt_buf b;
    assert_int_equal(pb_workload_write_text(w, mt_open(&b)), 0);
    return mt_close(&b);
}

#endif /* PB_HAND_WORKLOADS_H */
