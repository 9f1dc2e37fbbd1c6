/*
 * workload_threads.c -- the thread figures of a workload (workloads/README.md,
 * "Threads"): threads, cross-thread frees and resizes, the longest dependency
 * chain, and each thread's share.
 *
 * One pass over the records in file order, which is a topological order of
 * the dependency graph (every edge points forward in the file), so the
 * longest path is a running maximum:
 *
 *   depth(e) = 1 + max(depth of the previous record of e's thread,
 *                      depth of the previous a/f/r on e's slot,
 *                      depth of the last x)
 *   depth(x) = 1 + the largest depth so far (an x waits for every record)
 *
 * The slot's previous record is the a or r that an f or r depends on, or the
 * f that freed the slot before an a reuses it. A slot's entry from before the
 * last x is never more than that x's depth, so nothing is cleared at an x.
 * Memory: 10 bytes per slot, 8 per thread id up to the largest one used,
 * from pb_hmem (the .pbt loader runs in a preloaded backend's process).
 */
#include "pb_hmem.h"
#include "pb_workload.h"
#include "trace_internal.h"

#include <stdlib.h>
#include <string.h>

/* The pass's arrays: per slot and per thread id (0 .. max_tid). */
struct thread_pass {
    uint64_t *slot_depth;  /* depth of the slot's last a, f or r */
    uint16_t *slot_owner;  /* thread of the slot's last a or r */
    uint64_t *tid_depth;   /* depth of the thread's last record; 0: no record yet */
    uint32_t n_slots, n_tids;
};

static void pass_free(struct thread_pass *p)
{
    pb_hmem_free(p->slot_depth, (size_t)p->n_slots * sizeof *p->slot_depth);
    pb_hmem_free(p->slot_owner, (size_t)p->n_slots * sizeof *p->slot_owner);
    pb_hmem_free(p->tid_depth, (size_t)p->n_tids * sizeof *p->tid_depth);
}

static uint32_t max_tid(const struct pb_workload *w)
{
    uint32_t m = 0;
    if (w->tids)
        for (size_t i = 0; i < w->n_records; i++)
            if (w->tids[i] > m)
                m = w->tids[i];
    return m;
}

static int pass_init(struct thread_pass *p, const struct pb_workload *w)
{
    memset(p, 0, sizeof *p);
    p->n_slots = w->n_slots ? w->n_slots : 1;
    p->n_tids = max_tid(w) + 1;
    p->slot_depth = pb_hmem_calloc(p->n_slots, sizeof *p->slot_depth);
    p->slot_owner = pb_hmem_calloc(p->n_slots, sizeof *p->slot_owner);
    p->tid_depth = pb_hmem_calloc(p->n_tids, sizeof *p->tid_depth);
    if (p->slot_depth && p->slot_owner && p->tid_depth)
        return 0;
    pass_free(p);
    return -1;
}

static uint64_t max3(uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t m = a > b ? a : b;
    return m > c ? m : c;
}

/* The thread figures of w's records, which pb_workload_check has found
 * consistent, into f; and, when per is not NULL, each thread's counts into
 * per[tid] (max_tid + 1 zeroed entries). 0, or -1 when out of memory. */
static int run_pass(const struct pb_workload *w, struct pb_workload_figures *f,
                    struct pb_thread_figures *per)
{
    struct thread_pass p;
    if (pass_init(&p, w))
        return -1;
    uint64_t barrier = 0, deepest = 0, threads = 0, cross_f = 0, cross_r = 0;
    for (size_t i = 0; i < w->n_records; i++) {
        const struct pb_event *e = &w->events[i];
        uint16_t t = w->tids ? w->tids[i] : 0;
        uint64_t d;
        int cross = 0;
        threads += p.tid_depth[t] == 0;
        if (e->op == PB_OP_RESET) {
            d = deepest + 1;
        } else {
            d = 1 + max3(p.tid_depth[t], barrier, p.slot_depth[e->slot]);
            cross = e->op != PB_OP_ALLOC && p.slot_owner[e->slot] != t;
            p.slot_depth[e->slot] = d;
            if (e->op != PB_OP_FREE)
                p.slot_owner[e->slot] = t;
        }
        cross_f += cross && e->op == PB_OP_FREE;
        cross_r += cross && e->op == PB_OP_REALLOC;
        p.tid_depth[t] = d;
        if (d > deepest)
            deepest = d;
        if (e->op == PB_OP_RESET)
            barrier = d;
        if (per) {
            struct pb_thread_figures *th = &per[t];
            th->tid = t;
            th->allocs += e->op == PB_OP_ALLOC;
            th->frees += e->op == PB_OP_FREE;
            th->reallocs += e->op == PB_OP_REALLOC;
            th->resets += e->op == PB_OP_RESET;
            th->events += e->op != PB_OP_RESET;
            th->cross_thread_frees += cross && e->op == PB_OP_FREE;
            th->cross_thread_reallocs += cross && e->op == PB_OP_REALLOC;
        }
    }
    pass_free(&p);
    f->threads = threads;
    f->cross_thread_frees = cross_f;
    f->cross_thread_reallocs = cross_r;
    f->longest_chain = deepest;
    return 0;
}

int pb_workload_thread_pass(const struct pb_workload *w, struct pb_workload_figures *f)
{
    if (!w->tids) { /* one thread, 0: every record waits for the one before it */
        f->threads = w->n_records ? 1 : 0;
        f->cross_thread_frees = f->cross_thread_reallocs = 0;
        f->longest_chain = w->n_records;
        return 0;
    }
    return run_pass(w, f, NULL);
}

int pb_workload_thread_figures(const struct pb_workload *w, struct pb_thread_figures **out,
                               size_t *n)
{
    *out = NULL;
    *n = 0;
    if (w->n_records == 0)
        return 0;
    size_t n_tids = (size_t)max_tid(w) + 1;
    struct pb_thread_figures *per = calloc(n_tids, sizeof *per);
    struct pb_workload_figures f;
    if (!per || run_pass(w, &f, per)) {
        free(per);
        return -1;
    }
    size_t k = 0; /* pack the threads that made a record to the front, in tid order */
    for (size_t t = 0; t < n_tids; t++)
        if (per[t].events || per[t].resets)
            per[k++] = per[t];
    *out = per;
    *n = k;
    return 0;
}
