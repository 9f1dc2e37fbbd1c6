/*
 * libc_calls.h -- the C library's allocation calls with exact counters,
 * shared by the malloc backend (malloc.c) and the preloaded ones
 * (sysalloc.c), in whose process malloc IS the preloaded library's.
 * Internal to allocators/.
 */
#ifndef PB_LIBC_CALLS_H
#define PB_LIBC_CALLS_H

#include "pb_backend.h"

#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>

/* Largest alignment served: the trace format's limit. */
#define PB_LIBC_MAX_ALIGN 4096

/* Counters of one instance, kept (like granted_bytes, malloc_usable_size of
 * the live blocks) only once `counting` is set by the first stats call, so a
 * timed replay pays the library's calls alone and threads sharing the
 * instance write no shared counter. */
struct pb_libc_calls {
    const char *name; /* backend name, for messages */
    int counting;
    size_t granted, live_blocks;
    int track_mapped;  /* glibc's malloc: keep `mapped` (set by malloc.c) */
    size_t mapped;     /* bytes of the live blocks glibc mmapped alone, made since counting */
    uint64_t allocs, frees, reallocs, failures;
    char err[PB_ERR_MAX];
};

/* malloc, aligned_alloc or posix_memalign as the alignment needs; size 0
 * asks for 1 byte. NULL with the reason in c->err. */
void *pb_libc_alloc_any(struct pb_libc_calls *c, size_t size, size_t align);

/* free, counted (NULL is counted and ignored); always 0. */
int pb_libc_free_counted(struct pb_libc_calls *c, void *ptr);

/* pb_libc_alloc_any, with the timed replays' common case (not counting, a
 * fundamental alignment) inline: the call's frame and tests cost a timed
 * replay about 10 instructions per alloc (bench/floor-callgrind.sh). */
static inline void *pb_libc_alloc(struct pb_libc_calls *c, size_t size, size_t align)
{
    if (!c->counting && align - 1 < alignof(max_align_t) && (align & (align - 1)) == 0) {
        void *p = malloc(size ? size : 1);
        if (p)
            return p;
    }
    return pb_libc_alloc_any(c, size, align);
}

/* free (NULL is counted and ignored); always 0. Inline when not counting. */
static inline int pb_libc_free(struct pb_libc_calls *c, void *ptr)
{
    if (c->counting)
        return pb_libc_free_counted(c, ptr);
    free(ptr);
    return 0;
}

/* realloc, or a new aligned block plus a copy when align exceeds what
 * realloc keeps; NULL (old block intact) with the reason in c->err. */
void *pb_libc_realloc(struct pb_libc_calls *c, void *ptr, size_t old_size, size_t new_size,
                      size_t align);

/* The direct_calls op's answer: malloc and free while c keeps no counters
 * (0), else -1. */
int pb_libc_direct(const struct pb_libc_calls *c, struct pb_direct_calls *out);

/* Start counting granted bytes and fill the counter fields of out. */
void pb_libc_stats(struct pb_libc_calls *c, struct pb_backend_stats *out);

#endif /* PB_LIBC_CALLS_H */
