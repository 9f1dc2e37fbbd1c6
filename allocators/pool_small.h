/*
 * pool_small.h -- the per-slab index free-list core of pool-small, shared
 * with pools.c (its return=N mode). Internal to allocators/. See pool_small.c
 * for the invariants and costs; the fast paths are static inline here.
 */
#ifndef PB_POOL_SMALL_H
#define PB_POOL_SMALL_H

#include "pb_assert.h"
#include "pb_backend.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The header in a slab's first slots. */
struct pb_small_slab {
    struct pb_small_slab *next, *prev; /* on the avail list: held and not full */
    uint32_t free_head;                /* first free chunk's index; 0 = none */
    uint32_t bump;                     /* next uncarved index */
    uint32_t live;                     /* live chunks */
    uint32_t ref;                      /* position in pb_small_core.slabs[] */
};

/* Where the core keeps each slab it ever mapped. */
struct pb_small_ref {
    unsigned char *base;
    int returned; /* given back with MADV_DONTNEED, awaiting reuse */
};

/* One fixed-size pool with per-slab index free lists and optional page return. */
struct pb_small_core {
    /* hot: touched by every alloc and free */
    struct pb_small_slab *avail; /* slabs with a free or uncarved chunk; alloc serves the head */
    size_t chunk;           /* chunk size, multiple of align, >= index width */
    size_t align;           /* largest alignment served */
    uintptr_t slab_mask;    /* ~(slab - 1) */
    uint64_t recip;         /* 2^32 / chunk + 1: offset -> index by multiply and shift */
    uint32_t usable;        /* chunks per slab (slots minus the header's) */
    unsigned width;         /* index width in bytes: 2 or 4 */
    int returning;          /* page return on */
    uint64_t allocs, frees; /* the only counters the fast paths touch */

    /* cold */
    uint32_t slots;         /* slab / chunk */
    uint32_t first;         /* first chunk index (after the header) */
    size_t slab_size;
    size_t keep_empty;      /* returning: empty slabs kept resident */
    size_t n_empty;         /* returning: held slabs with no live chunk */
    struct pb_small_ref *slabs; /* every slab mapped, creation order */
    size_t n_slabs, cap_slabs;
    uint32_t *returned;     /* stack of slabs[] positions given back */
    size_t n_returned;
    size_t peak_footprint;  /* of held slabs */
    uint64_t slabs_returned; /* madvise calls made */
    const char *who;        /* backend name for messages */
};

/* Set up an empty core: chunk (>= width, multiple of align), slab (a power of
 * two >= a page) and index width (2 or 4 bytes) checked against the index
 * limits; returning with keep_empty kept. -1 and why in err. */
int pb_small_core_init(struct pb_small_core *c, const char *who, size_t chunk, size_t align,
                       size_t slab, unsigned width, int returning, size_t keep_empty,
                       char *err, size_t errlen);

/* Put a slab on the avail list: a given-back one carved afresh, else a new
 * mapping. -1 (reason in err) on failure. */
int pb_small_core_add_slab(struct pb_small_core *c, char *err, size_t errlen);

/* Slow part of free: slab s just became empty (returning on). */
void pb_small_core_emptied(struct pb_small_core *c, struct pb_small_slab *s);

/* Every held slab emptied in place; with page return all but keep_empty given back. */
void pb_small_core_reset(struct pb_small_core *c);

/* Unmap every slab and free the bookkeeping. */
void pb_small_core_release(struct pb_small_core *c);

/* Call fn for each held slab (given-back ones own no memory). */
int pb_small_core_mappings(const struct pb_small_core *c, pb_mapping_fn fn, void *ctx);

/* Chunks carved in held slabs since they were (re)started: O(slabs). */
size_t pb_small_core_carved(const struct pb_small_core *c);

/* Verify the core against pool_small.c's invariants, given the live blocks
 * its owner counts: every held slab's header sane and its free list made of
 * distinct carved chunks, free + live = carved per slab, the live counts
 * summing to live, the avail list exactly the held slabs with room (linked
 * both ways), the given-back stack matching the flags, the empty count
 * (page return) within keep. 0, or -1 and what is broken in msg (no backend
 * prefix). O(slabs log slabs + free chunks). */
int pb_small_core_check(const struct pb_small_core *c, uint64_t live, char *msg, size_t len);

/* Parse return=off|N for backend who: *returning and *keep_empty; -1 and why. */
int pb_return_option(const char *who, const struct pb_option *opts, size_t n, int *returning,
                     size_t *keep_empty, char *err, size_t errlen);

/* A slab size made valid for the core: a power of two >= a page, >= slab. */
size_t pb_small_slab_size(size_t slab);

/* Slabs held now (mapped and not given back). */
static inline size_t pb_small_core_held(const struct pb_small_core *c)
{
    return c->n_slabs - c->n_returned;
}

/* The next-free index a free chunk keeps in its first width bytes. */
static inline uint32_t pb_small_load_index(const unsigned char *p, unsigned width)
{
    if (width == 2) {
        uint16_t v;
        memcpy(&v, p, sizeof v);
        return v;
    }
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* Write the next-free index into a free chunk's first width bytes. */
static inline void pb_small_store_index(unsigned char *p, uint32_t i, unsigned width)
{
    if (width == 2) {
        uint16_t v = (uint16_t)i;
        memcpy(p, &v, sizeof v);
    } else {
        memcpy(p, &i, sizeof i);
    }
}

/* Take one chunk from slab s, the avail head (which must exist). Counts nothing. */
static inline unsigned char *pb_small_core_take(struct pb_small_core *c, struct pb_small_slab *s)
{
    unsigned char *base = (unsigned char *)s, *p;
    uint32_t i = s->free_head;
    pb_assert(s->live < c->usable); /* on the avail list: not full */
    if (i) {
        p = base + (size_t)i * c->chunk;
        s->free_head = pb_small_load_index(p, c->width);
    } else {
        pb_assert(s->bump < c->slots);
        p = base + (size_t)s->bump++ * c->chunk;
    }
    if (s->live++ == 0 && c->returning)
        c->n_empty--;
    if (s->live == c->usable) { /* full: off the avail list (it is the head) */
        c->avail = s->next;
        if (s->next)
            s->next->prev = NULL;
    }
    return p;
}

/* Free chunk p of this core. Counts nothing. */
static inline void pb_small_core_put(struct pb_small_core *c, unsigned char *p)
{
    struct pb_small_slab *s = (struct pb_small_slab *)((uintptr_t)p & c->slab_mask);
    uint32_t i = (uint32_t)(((uint64_t)(p - (unsigned char *)s) * c->recip) >> 32);
    pb_assert(s->live > 0 && i >= c->first && i < s->bump); /* p is a live chunk of s */
    pb_small_store_index(p, s->free_head, c->width);
    s->free_head = i;
    if (s->live == c->usable) { /* was full: back on the avail list, at its head */
        s->prev = NULL;
        s->next = c->avail;
        if (c->avail)
            c->avail->prev = s;
        c->avail = s;
    }
    if (--s->live == 0 && c->returning)
        pb_small_core_emptied(c, s);
}

#endif /* PB_POOL_SMALL_H */
