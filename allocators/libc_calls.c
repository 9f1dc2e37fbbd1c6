/*
 * libc_calls.c -- the C library's allocation calls, counted.
 *
 * Calls: alignment up to alignof(max_align_t) uses malloc / realloc / free;
 * a larger alignment uses aligned_alloc when the size is a multiple of it
 * (C11's rule for aligned_alloc), posix_memalign otherwise, and a resize of
 * such a block is a new aligned block plus a copy (realloc keeps only the
 * fundamental alignment). A size-0 request asks for 1 byte, so the block is
 * unique on every C library. Alignments that are not a power of two, or above
 * PB_LIBC_MAX_ALIGN, are refused with a reason.
 *
 * Counting: the counters and granted bytes are kept only from the first
 * stats call on (the memory pass asks before its first alloc). The timed
 * replays never ask, so they run the library's calls alone -- no
 * malloc_usable_size, and no counter cache line bouncing between the cores
 * when threads share one instance (--threads with a thread-safe backend).
 * Refusals are always counted (failures).
 *
 * Costs: the library's own call and a predictable branch; once counting, a
 * few counter updates and one malloc_usable_size per block made or released.
 */
#include "libc_calls.h"

#include <malloc.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 0 if align is one the C library serves here, else -1 and why. */
static int check_align(struct pb_libc_calls *c, size_t align)
{
    if (align && !(align & (align - 1)) && align <= PB_LIBC_MAX_ALIGN)
        return 0;
    snprintf(c->err, sizeof c->err, "%s: alignment %zu is not a power of two from 1 to %d",
             c->name, align, PB_LIBC_MAX_ALIGN);
    c->failures++;
    return -1;
}


/* The library call for one request; NULL and why on failure. */
static void *call_alloc(struct pb_libc_calls *c, size_t size, size_t align)
{
    size_t n = size ? size : 1;
    void *p = NULL;
    if (align <= alignof(max_align_t))
        p = malloc(n);
    else if ((n & (align - 1)) == 0)
        p = aligned_alloc(align, n);
    else if (posix_memalign(&p, align, n) != 0)
        p = NULL;
    if (!p) {
        snprintf(c->err, sizeof c->err, "%s: cannot allocate %zu bytes aligned to %zu", c->name,
                 size, align);
        c->failures++;
    }
    return p;
}

/* The bytes glibc mapped for block p alone (its chunk is flagged IS_MMAPPED:
 * the size field's bit 1; the mapping is the chunk's size plus the offset
 * kept in prev_size for an aligned one), or 0: a block of the heap. */
static size_t mapped_bytes(const struct pb_libc_calls *c, const void *p)
{
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
    if (!c->track_mapped)
        return 0;
    const size_t *head = (const size_t *)p;
    size_t size = head[-1];
    return size & 2 ? (size & ~(size_t)7) + head[-2] : 0;
#else
    (void)c;
    (void)p;
    return 0;
#endif
}

static void add_mapped(struct pb_libc_calls *c, const void *p)
{
    c->mapped += mapped_bytes(c, p);
}

static void drop_mapped(struct pb_libc_calls *c, const void *p)
{
    size_t m = mapped_bytes(c, p);
    c->mapped = c->mapped > m ? c->mapped - m : 0;
}

void *pb_libc_alloc_any(struct pb_libc_calls *c, size_t size, size_t align)
{
    if (check_align(c, align))
        return NULL;
    void *p = call_alloc(c, size, align);
    if (p && c->counting) {
        c->granted += malloc_usable_size(p);
        c->live_blocks++;
        c->allocs++;
        add_mapped(c, p);
    }
    return p;
}

int pb_libc_free_counted(struct pb_libc_calls *c, void *ptr)
{
    if (c->counting) {
        c->frees++;
        if (ptr) {
            /* a block made before counting began was never added: never underflow */
            size_t u = malloc_usable_size(ptr);
            c->granted = c->granted > u ? c->granted - u : 0;
            c->live_blocks -= c->live_blocks > 0;
            drop_mapped(c, ptr);
        }
    }
    free(ptr);
    return 0;
}

void *pb_libc_realloc(struct pb_libc_calls *c, void *ptr, size_t old_size, size_t new_size,
                      size_t align)
{
    if (check_align(c, align))
        return NULL;
    if (!ptr) {
        void *q = call_alloc(c, new_size, align);
        if (q && c->counting) {
            c->granted += malloc_usable_size(q);
            c->live_blocks++;
            c->reallocs++;
            add_mapped(c, q);
        }
        return q;
    }
    size_t old_usable = c->counting ? malloc_usable_size(ptr) : 0;
    size_t old_mapped = c->counting ? mapped_bytes(c, ptr) : 0;
    void *q;
    if (align > alignof(max_align_t)) {
        q = call_alloc(c, new_size, align); /* realloc keeps only the fundamental alignment */
        if (q) {
            memcpy(q, ptr, old_size < new_size ? old_size : new_size);
            free(ptr);
        }
    } else {
        q = realloc(ptr, new_size ? new_size : 1);
        if (!q) {
            snprintf(c->err, sizeof c->err, "%s: cannot resize to %zu bytes", c->name,
                     new_size);
            c->failures++;
        }
    }
    if (!q)
        return NULL;
    if (c->counting) {
        c->granted = (c->granted > old_usable ? c->granted - old_usable : 0) +
                     malloc_usable_size(q);
        c->mapped = (c->mapped > old_mapped ? c->mapped - old_mapped : 0) + mapped_bytes(c, q);
        c->reallocs++;
    }
    return q;
}

int pb_libc_direct(const struct pb_libc_calls *c, struct pb_direct_calls *out)
{
    /* pb_libc_alloc calls malloc(size ? size : 1) for these alignments */
    if (c->counting || PB_DIRECT_MAX_ALIGN > alignof(max_align_t))
        return -1;
    out->alloc = malloc;
    out->free = free;
    return 0;
}

void pb_libc_stats(struct pb_libc_calls *c, struct pb_backend_stats *out)
{
    c->counting = 1;
    out->granted_bytes = c->granted;
    out->live_blocks = c->live_blocks;
    out->allocs = c->allocs;
    out->frees = c->frees;
    out->reallocs = c->reallocs;
    out->failures = c->failures;
}
