/*
 * fallback.h -- an embedded second backend that serves what its owner cannot
 * (`pool:chunk=48:fallback=malloc`): created through the registry by name,
 * its blocks tracked so free routes them back and free_all releases them.
 * Internal to allocators/. See fallback.c for the invariants and costs.
 */
#ifndef PB_FALLBACK_H
#define PB_FALLBACK_H

#include "pb_backend.h"
#include "sysblocks.h"

#include <stddef.h>
#include <stdint.h>

/* The fallback instance and the blocks it holds for its owner. */
struct pb_fallback {
    const struct pb_backend_ops *ops; /* NULL: no fallback configured */
    void *self;
    struct pb_sysblocks blocks; /* every live block, with its requested size */
    size_t small_live;          /* live blocks of size <= the owner's limit (over-aligned) */
    size_t limit;               /* the owner's largest size: above it free routes by size */
    uint64_t allocs, frees;     /* owner's alloc and free calls served here */
};

/* Create the backend called name (default options) as owner's fallback;
 * limit is the largest size owner serves itself. Refuses an unknown name,
 * owner itself, and backends that cannot stand in for malloc here
 * (process-wide, no memory, fixed size, tagged). 0, or -1 and why. */
int pb_fallback_init(struct pb_fallback *fb, const char *owner, const char *name,
                     size_t limit, char *err, size_t errlen);

/* Is fb configured? */
static inline int pb_fallback_on(const struct pb_fallback *fb)
{
    return fb->ops != NULL;
}

/* Does the fallback hold p? By size when size > limit, else by the set (O(1)). */
static inline int pb_fallback_owns(const struct pb_fallback *fb, const void *p, size_t size)
{
    if (size > fb->limit)
        return 1;
    return fb->small_live && pb_sysblocks_has(&fb->blocks, p);
}

/* A block from the fallback, tracked; NULL with the reason in err. Counts an alloc. */
void *pb_fallback_alloc(struct pb_fallback *fb, size_t size, size_t align, char *err,
                        size_t errlen);

/* Same, for a move inside the owner (realloc): counts no alloc. */
void *pb_fallback_take(struct pb_fallback *fb, size_t size, size_t align, char *err,
                       size_t errlen);

/* Free a block the fallback owns (count: 1 for the owner's free call, 0 for a move). */
int pb_fallback_free(struct pb_fallback *fb, void *p, int count, char *err, size_t errlen);

/* Resize a fallback block, keeping it there; NULL (p intact) with why in err. */
void *pb_fallback_realloc(struct pb_fallback *fb, void *p, size_t new_size, size_t align,
                          char *err, size_t errlen);

/* Release every fallback block (its free_all, or a free per block). */
void pb_fallback_free_all(struct pb_fallback *fb);

/* Add the fallback's footprint, granted bytes, live blocks and resident figure to out. */
void pb_fallback_add_stats(const struct pb_fallback *fb, struct pb_backend_stats *out);

/* The fallback's mappings, if it lists any (PB_BK_OWN_MAPPINGS); else 0. */
int pb_fallback_mappings(const struct pb_fallback *fb, pb_mapping_fn fn, void *ctx);

/* The set against the fallback's live count, small_live against the set,
 * then the fallback's own check op. 0, or -1 and why (no prefix). */
int pb_fallback_check(const struct pb_fallback *fb, char *msg, size_t len);

/* Free every block still held, destroy the instance, free the set. */
void pb_fallback_release(struct pb_fallback *fb);

#endif /* PB_FALLBACK_H */
