/*
 * malloc.c -- the C library's allocator, as the program would call it.
 *
 * Calls: alignment up to alignof(max_align_t) uses malloc / realloc / free;
 * a larger alignment uses aligned_alloc when the size is a multiple of it
 * (C11's rule for aligned_alloc), posix_memalign otherwise, and a resize of
 * such a block is a new aligned block plus a copy (realloc keeps only the
 * fundamental alignment). A size-0 request asks for 1 byte, so the block is
 * unique on every C library. Alignments that are not a power of two, or above
 * 4096 (the trace format's limit), are refused with a reason.
 *
 * Accounting: granted_bytes is exact: malloc_usable_size of each block is
 * added when it is returned and subtracted just before it is freed (or
 * resized) -- from the first stats() call on. The runner's memory pass asks
 * for stats before its first alloc; its timed replays never ask, so they pay
 * only the C library's own calls (as the preloaded backends in sysalloc.c). footprint_bytes is mallinfo2's arena + hblkhd: what the C
 * library holds from the OS (sbrk'd heap plus mmap'd chunks) for the whole
 * process, so it includes the harness's own allocations and the library's
 * free lists. mallinfo2 walks the arenas, so it is sampled only when stats()
 * is called, never in alloc or free; peak_footprint_bytes is the largest
 * figure seen by those samples, not the true peak between them.
 *
 * Costs: whatever the C library's calls cost and a few counter updates
 * (plus malloc_usable_size on every alloc and free once stats() was called). The library itself is
 * thread-safe (flag PB_BK_THREAD_SAFE); this instance's counters are plain
 * integers, exact when one thread uses the instance at a time.
 */
#include "pb_backend.h"

#include <gnu/libc-version.h>
#include <malloc.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const struct pb_backend_ops pb_backend_malloc;

#define MALLOC_MAX_ALIGN 4096

struct libc_backend {
    size_t granted;
    int counting; /* granted is tracked (stats() has been called) */
    size_t live_blocks;
    uint64_t allocs, frees, reallocs, failures;
    size_t peak_footprint; /* largest mallinfo2 sample seen by stats() */
    char err[PB_ERR_MAX];
};

static const struct pb_option_desc libc_options[] = {
    {NULL, NULL, NULL},
};

static int libc_create(const struct pb_option *opts, size_t n, void **out, char *err,
                         size_t errlen)
{
    if (pb_options_check(&pb_backend_malloc, opts, n, err, errlen))
        return -1;
    struct libc_backend *mb = calloc(1, sizeof *mb);
    if (!mb) {
        snprintf(err, errlen, "malloc: out of memory");
        return -1;
    }
    *out = mb;
    return 0;
}

/* 0 if align is one the backend serves, else -1 and why. */
static int check_align(struct libc_backend *mb, size_t align)
{
    if (align && !(align & (align - 1)) && align <= MALLOC_MAX_ALIGN)
        return 0;
    snprintf(mb->err, sizeof mb->err,
             "malloc: alignment %zu is not a power of two from 1 to %d", align,
             MALLOC_MAX_ALIGN);
    mb->failures++;
    return -1;
}

/* The library call for one request; NULL and why on failure. */
static void *lib_alloc(struct libc_backend *mb, size_t size, size_t align)
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
        snprintf(mb->err, sizeof mb->err, "malloc: cannot allocate %zu bytes aligned to %zu",
                 size, align);
        mb->failures++;
    }
    return p;
}

static void *libc_alloc(void *self, size_t size, size_t align)
{
    struct libc_backend *mb = self;
    if (check_align(mb, align))
        return NULL;
    void *p = lib_alloc(mb, size, align);
    if (p) {
        if (mb->counting)
            mb->granted += malloc_usable_size(p);
        mb->live_blocks++;
        mb->allocs++;
    }
    return p;
}

static int libc_free(void *self, void *ptr, size_t size)
{
    (void)size;
    struct libc_backend *mb = self;
    mb->frees++;
    if (!ptr)
        return 0;
    if (mb->counting)
        mb->granted -= malloc_usable_size(ptr);
    mb->live_blocks--;
    free(ptr);
    return 0;
}

/* A resize that must keep an alignment realloc does not promise: new block, copy, free. */
static void *realloc_aligned(struct libc_backend *mb, void *ptr, size_t old_size,
                             size_t new_size, size_t align)
{
    void *q = lib_alloc(mb, new_size, align);
    if (!q)
        return NULL;
    memcpy(q, ptr, old_size < new_size ? old_size : new_size);
    if (mb->counting)
        mb->granted -= malloc_usable_size(ptr);
    free(ptr);
    return q;
}

static void *libc_realloc(void *self, void *ptr, size_t old_size, size_t new_size,
                            size_t align)
{
    struct libc_backend *mb = self;
    if (check_align(mb, align))
        return NULL;
    void *q;
    if (!ptr) {
        q = lib_alloc(mb, new_size, align);
        if (q)
            mb->live_blocks++;
    } else if (align > alignof(max_align_t)) {
        q = realloc_aligned(mb, ptr, old_size, new_size, align);
    } else {
        size_t old_usable = mb->counting ? malloc_usable_size(ptr) : 0;
        q = realloc(ptr, new_size ? new_size : 1);
        if (!q) {
            snprintf(mb->err, sizeof mb->err, "malloc: cannot resize to %zu bytes", new_size);
            mb->failures++;
            return NULL;
        }
        mb->granted -= old_usable;
    }
    if (!q)
        return NULL;
    if (mb->counting)
        mb->granted += malloc_usable_size(q);
    mb->reallocs++;
    return q;
}

static void libc_stats(void *self, struct pb_backend_stats *out)
{
    struct libc_backend *mb = self;
    mb->counting = 1;
    struct mallinfo2 mi = mallinfo2();
    size_t footprint = mi.arena + mi.hblkhd;
    if (footprint > mb->peak_footprint)
        mb->peak_footprint = footprint;
    *out = (struct pb_backend_stats){
        .footprint_bytes = footprint,
        .peak_footprint_bytes = mb->peak_footprint,
        .granted_bytes = mb->granted,
        .live_blocks = mb->live_blocks,
        .allocs = mb->allocs,
        .frees = mb->frees,
        .reallocs = mb->reallocs,
        .free_alls = 0,
        .failures = mb->failures,
    };
}

/* No options; the one thing worth recording is which C library served the run. */
static size_t libc_config(void *self, struct pb_config_entry *out, size_t max)
{
    (void)self;
    if (max < 1)
        return 0;
    snprintf(out[0].key, sizeof out[0].key, "library");
    snprintf(out[0].value, sizeof out[0].value, "glibc %s", gnu_get_libc_version());
    return 1;
}

static const char *libc_last_error(void *self)
{
    return ((const struct libc_backend *)self)->err;
}

static void libc_destroy(void *self)
{
    free(self);
}

const struct pb_backend_ops pb_backend_malloc = {
    .version = PB_BACKEND_API_VERSION,
    .name = "malloc",
    .description = "the C library's malloc, free, realloc and aligned_alloc",
    .flags = PB_BK_THREAD_SAFE,
    .options = libc_options,
    .available = NULL,
    .create = libc_create,
    .alloc = libc_alloc,
    .free = libc_free,
    .realloc = libc_realloc,
    .free_all = NULL,
    .stats = libc_stats,
    .mappings = NULL,
    .config = libc_config,
    .last_error = libc_last_error,
    .destroy = libc_destroy,
};
