/*
 * pb_advise.h -- a pool set for a workload: size classes and slab size that
 * minimise the bytes wasted at the workload's live peak.
 *
 * The module reasons about sizes and slabs only: it knows no backend. Its
 * model of a pool set is "each class a pool of chunk-sized chunks carved
 * from slabs; a request goes to the smallest class that holds it; larger ones
 * to the system allocator (glibc malloc's usable sizes estimated)". The
 * command (src/cmd_advise.c) turns a recommendation into a backend spec. The
 * model and its assumptions: docs/advise.md.
 */
#ifndef PB_ADVISE_H
#define PB_ADVISE_H

#include <stddef.h>
#include <stdint.h>

#include "pb_workload.h"

#define PB_ADVISE_MAX_CLASSES 255 /* most classes one evaluated pool set holds */
#define PB_ADVISE_ALIGN 16        /* every recommended class is a multiple of this */
#define PB_ADVISE_MAX_CUTOFF 4096 /* sizes above go to the system allocator */
#define PB_ADVISE_N_SLABS 4       /* slab candidates: 4k, 16k, 64k, 256k */

/* One distinct requested size: blocks live at the peak, and a + r events. */
struct pb_size_count {
    uint64_t size;
    uint64_t live;   /* blocks of this size live after events[peak_event] */
    uint64_t allocs; /* a events of this size plus r events to it (speed relevance) */
};

/* The requested sizes of a workload, ascending, weighted by the live peak. */
struct pb_size_hist {
    struct pb_size_count *v; /* n distinct sizes, ascending */
    size_t n;
    uint64_t live_blocks;    /* sum of v[].live */
    uint64_t live_bytes;     /* sum of v[].live * size: the workload's peak_live_bytes */
    uint64_t allocs;         /* sum of v[].allocs */
    uint64_t max_size;       /* largest size ever requested (0 when none) */
};

/* Build the histogram of w's a and r sizes, with the live set after
 * events[w->fig.peak_event]. 0, or -1 and why (out of memory) in err. */
int pb_size_hist_build(const struct pb_workload *w, struct pb_size_hist *out, char *err,
                       size_t errlen);

/* Release what pb_size_hist_build allocated, and zero h. */
void pb_size_hist_free(struct pb_size_hist *h);

/* One class of an evaluated pool set, its figures at the live peak. */
struct pb_advise_class {
    uint64_t chunk;      /* chunk size in bytes */
    uint64_t live;       /* blocks live at the peak */
    uint64_t live_bytes; /* their requested bytes */
    uint64_t frag_bytes; /* live * chunk - live_bytes: internal fragmentation */
    uint64_t slabs;      /* slabs needed to hold the live blocks, packed */
    uint64_t slab_waste; /* slabs * slab - live * chunk: unused tails of the slabs */
    uint64_t allocs;     /* requests routed here over the whole workload */
    uint64_t high_water; /* most blocks live at once (pb_advise_high_water; else 0) */
};

/* A pool set (class list + slab) evaluated against a histogram. */
struct pb_advise_eval {
    uint64_t slab;           /* slab size in bytes */
    size_t n_classes;
    struct pb_advise_class cls[PB_ADVISE_MAX_CLASSES];
    uint64_t pooled_live, pooled_bytes;  /* live blocks / bytes in the classes */
    uint64_t frag_bytes;     /* sum of the classes' frag_bytes */
    uint64_t slab_waste;     /* sum of the classes' slab_waste: expected page waste */
    uint64_t sys_live, sys_bytes;        /* live blocks / bytes above the largest class */
    uint64_t sys_overhead;   /* estimated malloc usable bytes minus requested, at the peak */
    uint64_t sys_allocs;     /* requests routed to the system over the whole workload */
    uint64_t granted;        /* live * chunk over the classes + estimated usable system bytes */
    double internal_fragmentation; /* 1 - live bytes / granted (0 when nothing is live) */
    uint64_t total_waste;    /* frag_bytes + slab_waste + sys_overhead */
    uint64_t slab_footprint; /* sum of ceil(high_water / per slab) * slab (pb_advise_high_water) */
};

/* Evaluate classes[0..n) (ascending) with slabs of `slab` bytes on h: each
 * size goes to the smallest class holding it, larger ones to the system.
 * 0, or -1 and why in err (no class, too many, not ascending, a class larger
 * than the slab). */
int pb_advise_evaluate(const struct pb_size_hist *h, const uint64_t *classes, size_t n,
                       uint64_t slab, struct pb_advise_eval *out, char *err, size_t errlen);

/* Replay w's events through e's classes: each class's high-water mark of
 * live blocks, and the slabs they need (what a pool that never unmaps ends
 * up holding, when live blocks pack their slabs). 0, or -1 (out of memory). */
int pb_advise_high_water(const struct pb_workload *w, struct pb_advise_eval *e, char *err,
                         size_t errlen);

/* The optimal classes for the live sizes <= cutoff of h, at most k of them:
 * a class is the largest size it holds rounded up to PB_ADVISE_ALIGN, and the
 * classes minimise sum(live * (class - size)). Dynamic programming over the
 * sizes bucketed by PB_ADVISE_ALIGN (exact: a bucket never needs splitting).
 * Writes the classes to classes[] (room for k), their count to *n_out and the
 * internal fragmentation to *frag_out. With no live size <= cutoff, *n_out is
 * 0. 0, or -1 and why (k == 0, out of memory) in err. */
int pb_advise_classes(const struct pb_size_hist *h, uint64_t cutoff, size_t k,
                      uint64_t *classes, size_t *n_out, uint64_t *frag_out, char *err,
                      size_t errlen);

/* The estimated usable size glibc malloc gives a request of `size` bytes. */
uint64_t pb_advise_malloc_usable(uint64_t size, uint64_t page);

/* What pb_advise_recommend may choose from. */
struct pb_advise_opts {
    size_t max_classes;     /* k limit, 1..PB_ADVISE_MAX_CLASSES */
    uint64_t slab;          /* 0: try the candidates; else only this slab (whole pages) */
};

/* One slab candidate: its cut-off and the best pool set found with it. */
struct pb_advise_candidate {
    uint64_t slab;
    uint64_t cutoff;        /* min(PB_ADVISE_MAX_CUTOFF, slab / 8) */
    struct pb_advise_eval eval;
};

/* The recommendation: every slab candidate tried, the best one marked. */
struct pb_advise {
    struct pb_advise_candidate cand[PB_ADVISE_N_SLABS];
    size_t n_cand;
    size_t best;            /* index into cand[] of the least total waste */
    int weighted_by_allocs; /* 1: nothing small was live at the peak; alloc counts weighed */
};

/* For each slab candidate pick k <= max_classes minimising total expected
 * waste (internal fragmentation + slab tails + malloc overhead), then the
 * slab with the least. 0, or -1 and why in err. */
int pb_advise_recommend(const struct pb_size_hist *h, const struct pb_advise_opts *o,
                        struct pb_advise *out, char *err, size_t errlen);

#endif /* PB_ADVISE_H */
