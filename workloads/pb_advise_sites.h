/*
 * pb_advise_sites.h -- per-site analysis of a workload: for each @TAG (a call
 * site when the trace comes from `record --sites`), its requests, sizes,
 * lifetimes and live peak, and what it would gain from a pool of its own, an
 * arena, or nothing but the general allocator, under a stated cost model.
 *
 * Knows no backend: a recommendation is a kind, a chunk and figures; the
 * command (cli/cmd_advise_sites.c) turns it into backend specs. The model,
 * its thresholds and its measured error: docs/advise.md, "Per site".
 */
#ifndef PB_ADVISE_SITES_H
#define PB_ADVISE_SITES_H

#include <stddef.h>
#include <stdint.h>

#include "pb_workload.h"

#define PB_SITE_FEW_SIZES 4        /* 2..4 distinct sizes are "few", more are "many" */
#define PB_SITE_SHORT_EVENTS 1024  /* a block freed within this many events is churn */
#define PB_SITE_BURST 16           /* a run of >= this many frees of one site: died together */
#define PB_SITE_MIN_ALLOCS 64      /* fewer requests than this: not worth a pool or arena */
#define PB_SITE_POOL_MAX 4096      /* largest chunk a site pool is proposed for */
#define PB_SITE_POOL_WASTE 0.25    /* most chunk bytes a pool may waste on a site's sizes */

/* How many sizes a site asks for. */
enum pb_site_sizes { PB_SITE_ONE_SIZE, PB_SITE_FEW, PB_SITE_MANY };

/* How a site's blocks die: most of its blocks (the largest share) decide. */
enum pb_site_life {
    PB_SITE_CHURN,  /* freed within PB_SITE_SHORT_EVENTS events of their birth */
    PB_SITE_PHASE,  /* freed in a run of >= PB_SITE_BURST frees of the site, or by an x */
    PB_SITE_LONG,   /* live at the end, or for more than half the trace */
    PB_SITE_MIXED,  /* none of these: freed after a while, one by one */
};

/* What a site should get. */
enum pb_site_rec { PB_SITE_GENERAL, PB_SITE_POOL, PB_SITE_ARENA };

/* Costs of the model, per event (a, f or r), in ns; and the page size. */
struct pb_site_costs {
    double malloc_ns;  /* the general allocator's event */
    double pool_ns;    /* a pool's event */
    double arena_ns;   /* an arena's event (free a no-op, reset at the end of a phase) */
    uint64_t page;     /* resident memory counts whole pages */
};

/* One site's figures and recommendation. */
struct pb_site {
    uint32_t tag;              /* workload tag number (1-based); 0 = the untagged blocks */
    uint64_t allocs;           /* a events */
    uint64_t events;           /* a + f + r events on its blocks */
    uint64_t bytes;            /* sum of a sizes */
    uint64_t min_size, max_size; /* over a and r sizes */
    uint32_t n_sizes;          /* distinct sizes, counted up to PB_SITE_FEW_SIZES + 1 */
    uint64_t sizes[PB_SITE_FEW_SIZES];
    uint64_t live_blocks, live_bytes;           /* now (scratch during the scan) */
    uint64_t peak_live_bytes, peak_live_blocks; /* each the site's own maximum */
    uint64_t churn, phase, longl, mixed;        /* blocks by how they died */
    uint64_t releases;         /* times the live count fell to 0 (an arena reset each) */
    uint64_t first_release_line; /* trace line of the first of them (0: none) */
    uint64_t epoch_bytes;      /* bytes asked since the last release (an arena's fill) */
    uint64_t arena_peak_bytes; /* largest epoch_bytes: what an arena of the site holds */
    enum pb_site_sizes size_kind;
    enum pb_site_life life;
    enum pb_site_rec rec;
    uint64_t chunk;            /* PB_SITE_POOL: the pool's chunk (max size, rounded to 16) */
    double save_ns;            /* predicted: ns saved over the whole trace (>= 0) */
    int64_t save_resident;     /* predicted: resident bytes saved at the site's peak */
    uint64_t malloc_resident, own_resident; /* the two sides of save_resident */
};

/* Every site of a workload, in tag order (untagged first when it has blocks). */
struct pb_sites {
    struct pb_site *v;
    size_t n;
    uint64_t events;           /* the workload's a + f + r */
};

/* Scan w once and fill out: figures, classification, recommendation and
 * predicted savings under costs. 0, or -1 and why (out of memory). O(events + slots). */
int pb_sites_analyse(const struct pb_workload *w, const struct pb_site_costs *costs,
                     struct pb_sites *out, char *err, size_t errlen);

/* Release what pb_sites_analyse allocated, and zero s. */
void pb_sites_free(struct pb_sites *s);

/* Names for output: "one", "few", "many"; "churn", "phase", "long", "mixed";
 * "general", "pool", "arena". */
const char *pb_site_sizes_name(enum pb_site_sizes k);
const char *pb_site_life_name(enum pb_site_life k);
const char *pb_site_rec_name(enum pb_site_rec k);

/* What `pool:chunk=C:fallback=malloc` does to w: every block whose size is
 * at most chunk and alignment at most 16 in the pool, the rest in malloc.
 * Events on pooled blocks, the predicted ns/op saving against malloc, and
 * the resident bytes saved when the most pooled blocks are live. */
struct pb_pool_prediction {
    uint64_t chunk;
    uint64_t pooled_events;    /* a + f + r on blocks the pool serves */
    uint64_t pooled_peak_blocks; /* most pooled blocks live at once */
    double save_ns_per_op;     /* (malloc_ns - pool_ns) * pooled_events / events */
    int64_t save_resident;     /* malloc's bytes for them at that peak - the pool's pages */
};

/* The prediction for a pool of chunk bytes (a multiple of 16) with fallback
 * malloc: the blocks of size <= chunk, alignment <= 16 pooled until freed or
 * resized beyond the chunk. 0, or -1 (out of memory). O(events + slots). */
int pb_sites_predict_pool(const struct pb_workload *w, const struct pb_site_costs *costs,
                          uint64_t chunk, struct pb_pool_prediction *out);

#endif /* PB_ADVISE_SITES_H */
