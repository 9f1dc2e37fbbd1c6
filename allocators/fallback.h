/*
 * fallback.h -- an embedded second backend that serves what its owner cannot
 * (`pool:chunk=48:fallback=malloc`): created through the registry by name.
 * A block larger than the owner's limit is the fallback's by its size alone,
 * so it costs the fallback's own call and two counter updates; only the rare
 * over-aligned small block is kept in a set. Internal to allocators/. See
 * fallback.c for the invariants and costs.
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
    struct pb_sysblocks small;  /* live blocks of size <= limit (over-aligned), with size */
    size_t limit;               /* the owner's largest size: above it free routes by size */
    size_t live;                /* live blocks here, of every size (small.n of them small) */
    size_t live_when_asked;     /* live at the first stats call on it (SIZE_MAX: none yet) */
    uint64_t allocs, frees;     /* owner's alloc and free calls served here */
};

/* Create the backend called name (default options) as owner's fallback;
 * limit is the largest size owner serves itself (0: the owner tells its own
 * blocks by address, so the set is never used and free routes as it says). Refuses an unknown name,
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
    return fb->small.n && pb_sysblocks_has(&fb->small, p);
}

/* Can free_all release every block? Only through the fallback's own free_all:
 * blocks above the limit are not listed anywhere. */
static inline int pb_fallback_frees_all(const struct pb_fallback *fb)
{
    return !fb->ops || ((fb->ops->flags & PB_BK_FREE_ALL) && fb->ops->free_all);
}

/* The owner's alloc of size > limit: the fallback's call, counted. NULL: the
 * fallback's reason is fb->ops->last_error(fb->self). */
static inline void *pb_fallback_alloc_big(struct pb_fallback *fb, size_t size, size_t align)
{
    void *p = fb->ops->alloc(fb->self, size, align);
    if (p) {
        fb->allocs++;
        fb->live++;
    }
    return p;
}

/* The owner's free of a block of size > limit: the fallback's call, counted. */
static inline int pb_fallback_free_big(struct pb_fallback *fb, void *p, size_t size)
{
    fb->frees++;
    fb->live--;
    return fb->ops->free(fb->self, p, size);
}

/* "fallback NAME: its last error" into err: why the fallback's last call failed. */
void pb_fallback_why(const struct pb_fallback *fb, char *err, size_t errlen);

/* A block from the fallback (any size; a small one joins the set); NULL with
 * the reason in err. Counts an alloc. */
void *pb_fallback_alloc(struct pb_fallback *fb, size_t size, size_t align, char *err,
                        size_t errlen);

/* Same, for a move inside the owner (realloc): counts no alloc. */
void *pb_fallback_take(struct pb_fallback *fb, size_t size, size_t align, char *err,
                       size_t errlen);

/* Free a block of size bytes the fallback owns (count: 1 for the owner's free
 * call, 0 for a move); -1 and why in err. */
int pb_fallback_free(struct pb_fallback *fb, void *p, size_t size, int count, char *err,
                     size_t errlen);

/* Resize a fallback block of old bytes, keeping it there; NULL (p intact) with
 * why in err. */
void *pb_fallback_realloc(struct pb_fallback *fb, void *p, size_t old, size_t new_size,
                          size_t align, char *err, size_t errlen);

/* Release every fallback block: by its free_all when pb_fallback_frees_all;
 * else only the small ones (the owner then does not claim PB_BK_FREE_ALL). */
void pb_fallback_free_all(struct pb_fallback *fb);

/* Add the fallback's footprint, granted bytes, live blocks and resident figure to out. */
void pb_fallback_add_stats(struct pb_fallback *fb, struct pb_backend_stats *out);

/* The fallback's mappings, if it lists any (PB_BK_OWN_MAPPINGS); else 0. */
int pb_fallback_mappings(const struct pb_fallback *fb, pb_mapping_fn fn, void *ctx);

/* The live count against the fallback's own (when comparable: see
 * fallback.c), the set's count against its slots, then the fallback's check
 * op. 0, or -1 and why (no prefix). */
int pb_fallback_check(struct pb_fallback *fb, char *msg, size_t len);

/* pb_fallback_free_all, destroy the instance, free the set. */
void pb_fallback_release(struct pb_fallback *fb);

#endif /* PB_FALLBACK_H */
