/*
 * pool_core.h -- the slab and free-list core of the pool backend, shared by
 * pool.c (one pool), pools.c (one per size class) and pool_tag.c (one per tag).
 *
 * Internal to allocators/: not part of the backend interface. The core keeps
 * no error buffer and counts nothing but allocs and frees; refusals, options
 * and the other counters belong to the backend that embeds it. See pool.c for
 * the invariants and costs; the fast paths here are static inline so the pool
 * compiles to the same code as when they lived in pool.c.
 */
#ifndef PB_POOL_CORE_H
#define PB_POOL_CORE_H

#include "pb_assert.h"
#include "pb_backend.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* One slab: its mapping and, in checked mode, its live-chunk bitmap. */
struct pb_pool_slab {
    unsigned char *base; /* mapping of slab_size bytes (aligned to it if align_slabs) */
    uint64_t *live;      /* checked mode: one bit per chunk, set while live */
};

struct pb_pool_core;

/* Where a core's slabs come from when not from its own mmap (pool_core_set_source):
 * slab_size bytes aligned to the core's align, or NULL when none can be had. */
typedef void *(*pb_slab_source_fn)(void *ctx, struct pb_pool_core *c);

/* One fixed-size pool: chunks carved lazily from mmap'd slabs, LIFO free list. */
struct pb_pool_core {
    /* hot: touched by every alloc and free */
    unsigned char *free_head; /* LIFO free list, linked through the chunks */
    unsigned char *bump;      /* next uncarved chunk of slab cur */
    unsigned char *bump_end;  /* end of slab cur's last whole chunk */
    size_t chunk;             /* chunk size, multiple of align, >= sizeof(void *) */
    size_t align;             /* largest alignment served */
    int checked;              /* checked mode: bitmaps are kept */
    int detour;               /* set by the embedding backend: its free takes a slow path */
    uint64_t allocs, frees;   /* the only counters the fast paths touch */

    /* cold */
    size_t slab_size;         /* mapping length of every slab, whole pages */
    size_t per_slab;          /* chunks per slab */
    size_t bitmap_words;      /* checked mode: uint64_t words per slab bitmap */
    int align_slabs;          /* map each slab aligned to slab_size (a power of two) */
    const char *who;          /* backend name for error messages */
    struct pb_pool_slab *slabs; /* creation order */
    size_t *by_addr;          /* indices into slabs[], sorted by base address */
    size_t n_slabs, cap_slabs;
    size_t cur;               /* slab being carved (meaningful when n_slabs > 0) */
    size_t peak_footprint;
    pb_slab_source_fn source; /* NULL: slabs are mapped here (pb_map_aligned) */
    void *source_ctx;
};

/* Set up an empty core; chunk, align and slab_size must already be valid
 * (chunk a multiple of align and >= sizeof(void *), slab_size whole pages >= chunk). */
void pb_pool_core_init(struct pb_pool_core *c, const char *who, size_t chunk, size_t align,
                       size_t slab_size, int checked, int align_slabs);

/* Take slabs from fn(ctx, c) instead of mmap: the preload library carves them
 * from its segments. Such slabs belong to the source: release does not unmap them. */
void pb_pool_core_set_source(struct pb_pool_core *c, pb_slab_source_fn fn, void *ctx);

/* A chunk from the free list, the current slab, the next kept slab or a new
 * slab; NULL (reason in err) if no slab can be mapped. Counts nothing. */
unsigned char *pb_pool_core_take(struct pb_pool_core *c, char *err, size_t errlen);

/* Forget every chunk (free_all): empty list, bump rewound to slab 0, bitmaps
 * cleared; no slab page is touched. */
void pb_pool_core_reset(struct pb_pool_core *c);

/* Unmap every slab and free the bookkeeping (the core itself is the caller's). */
void pb_pool_core_release(struct pb_pool_core *c);

/* Index in slabs[] of the slab holding p, or -1 (binary search, O(log slabs)). */
long pb_pool_core_find_slab(const struct pb_pool_core *c, const unsigned char *p);

/* Call fn for each slab mapping; non-zero from fn stops and is returned. */
int pb_pool_core_mappings(const struct pb_pool_core *c, pb_mapping_fn fn, void *ctx);

/* Chunks carved since the last reset (live plus free). */
size_t pb_pool_core_carved(const struct pb_pool_core *c);

/* Has chunk idx of slab s been carved since the last reset? */
int pb_pool_core_is_carved(const struct pb_pool_core *c, size_t s, size_t idx);

/* Could p be on the free list: a carved chunk of a slab, not marked live
 * (checked mode)? 0, or -1 and why in msg. O(log slabs). */
int pb_pool_core_check_entry(const struct pb_pool_core *c, const unsigned char *p, char *msg,
                             size_t len);

/* Verify the core against pool.c's invariants, given the live blocks its
 * owner counts: slab table sorted and disjoint, bump on a chunk boundary of
 * slab cur, every free-list entry a carved chunk (not marked live, checked)
 * and free + live = carved (so no chunk is on the list twice), checked
 * bitmaps marking exactly the live count. 0, or -1 and what is broken in msg
 * (no backend prefix). O(slabs + free chunks; + bitmaps when checked). */
int pb_pool_core_check(const struct pb_pool_core *c, uint64_t live, char *msg, size_t len);

/* mmap len bytes (whole pages) aligned to align (a power of two, >= a page):
 * maps len + align - page bytes and unmaps the excess. NULL on failure. */
void *pb_map_aligned(size_t len, size_t align);

/* Bytes of slabs mapped now. */
static inline size_t pb_pool_core_footprint(const struct pb_pool_core *c)
{
    return c->n_slabs * c->slab_size;
}

/* The next pointer a free chunk keeps in its first bytes. */
static inline unsigned char *pb_pool_core_next(const unsigned char *chunk)
{
    unsigned char *next;
    memcpy(&next, chunk, sizeof next);
    return next;
}

/* Fast path of alloc: pop the free list or bump the current slab; NULL when
 * both are exhausted (then call pb_pool_core_take). Counts nothing. */
static inline unsigned char *pb_pool_core_pop(struct pb_pool_core *c)
{
    unsigned char *p = c->free_head;
    if (p) {
        c->free_head = pb_pool_core_next(p);
    } else if (c->bump != c->bump_end) {
        p = c->bump;
        c->bump += c->chunk;
        pb_assert(c->bump <= c->bump_end); /* slab cur is carved in whole chunks */
    }
    return p;
}

/* Fast path of free: push p on the free list. Counts nothing. */
static inline void pb_pool_core_push(struct pb_pool_core *c, unsigned char *p)
{
    memcpy(p, &c->free_head, sizeof c->free_head);
    c->free_head = p;
}

#endif /* PB_POOL_CORE_H */
