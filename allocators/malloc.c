/*
 * malloc.c -- the C library's allocator, as the program would call it.
 *
 * Calls: libc_calls.c (shared with the preloaded backends of sysalloc.c):
 * malloc / realloc / free up to alignof(max_align_t), aligned_alloc or
 * posix_memalign above it; size 0 asks for 1 byte; alignments that are not a
 * power of two, or above 4096 (the trace format's limit), are refused.
 *
 * Accounting: granted_bytes is exact: malloc_usable_size of each block is
 * added when it is returned and subtracted just before it is freed (or
 * resized) -- from the first stats() call on. The runner's memory pass asks
 * for stats before its first alloc; its timed replays never ask, so they pay
 * only the C library's own calls (as the preloaded backends in sysalloc.c).
 *
 * footprint_bytes is mallinfo2's arena + hblkhd: what the C library holds
 * from the OS (sbrk'd heap plus mmap'd chunks) for the whole process, so it
 * includes the harness's own allocations and the library's free lists.
 * mallinfo2 walks every free chunk, so it is called once, at the first
 * stats(); later samples add the program break's growth since and the
 * chunks glibc has mmapped alone since (flagged in each block's header, kept
 * by the counting calls): O(1) per sample, and equal to mallinfo2's figure
 * while one thread allocates (tests/test_malloc.c checks it).
 * peak_footprint_bytes is the largest figure seen by the samples, not the
 * true peak between them.
 *
 * Costs: whatever the C library's calls cost and a few counter updates
 * (plus malloc_usable_size on every alloc and free once stats() was called). The library itself is
 * thread-safe (flag PB_BK_THREAD_SAFE); this instance's counters are plain
 * integers, exact when one thread uses the instance at a time.
 *
 * No check op: the heap is the C library's, not this backend's to verify
 * (alignment up to 16 is malloc's promise, see pb_backend.h's alloc).
 */
#include "libc_calls.h"
#include "pb_backend.h"
#include "pb_hmem.h"

#include <dlfcn.h>
#include <gnu/libc-version.h>
#include <malloc.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern const struct pb_backend_ops pb_backend_malloc;

struct libc_backend {
    struct pb_libc_calls calls;
    size_t peak_footprint; /* largest footprint sample seen by stats() */
    size_t base_footprint; /* mallinfo2's arena + hblkhd at the first stats() */
    uintptr_t base_brk;    /* the program break then */
};

static const struct pb_option_desc libc_options[] = {
    {NULL, NULL, NULL},
};

static int libc_create(const struct pb_option *opts, size_t n, void **out, char *err,
                       size_t errlen)
{
    if (pb_options_check(&pb_backend_malloc, opts, n, err, errlen))
        return -1;
    /* not from malloc: the C library's heap holds the trace's blocks alone */
    struct libc_backend *mb = pb_hmem_alloc(sizeof *mb);
    if (!mb) {
        snprintf(err, errlen, "malloc: out of memory");
        return -1;
    }
    mb->calls.name = "malloc";
    *out = mb;
    return 0;
}

static void *libc_alloc(void *self, size_t size, size_t align)
{
    return pb_libc_alloc(&((struct libc_backend *)self)->calls, size, align);
}

static int libc_free(void *self, void *ptr, size_t size)
{
    (void)size;
    return pb_libc_free(&((struct libc_backend *)self)->calls, ptr);
}

static void *libc_realloc(void *self, void *ptr, size_t old_size, size_t new_size,
                          size_t align)
{
    return pb_libc_realloc(&((struct libc_backend *)self)->calls, ptr, old_size, new_size,
                           align);
}

/* Whether the malloc this process calls is glibc's (not a preloaded or
 * linked-in replacement). Asked by where the symbol lives, not by glibc's
 * heap: the harness makes no malloc call, so that heap may not exist yet. */
static int glibc_serves_malloc(void)
{
    Dl_info info;
    void *(*fn)(size_t) = malloc;
    if (!dladdr((void *)fn, &info) || !info.dli_fname)
        return 0;
    const char *base = strrchr(info.dli_fname, '/');
    return strncmp(base ? base + 1 : info.dli_fname, "libc.so", 7) == 0;
}

/* mallinfo2's arena + hblkhd, without mallinfo2 after the first call (it
 * walks every free chunk: O(heap) per sample, minutes for 10^6 live blocks):
 * the figure then, plus the heap's growth since (the program break: the main
 * arena is the break's, and the memory pass runs on one thread), plus the
 * blocks glibc has mmapped alone since (counted per block, calls.mapped). */
static size_t footprint_now(struct libc_backend *mb)
{
    uintptr_t brk_now = (uintptr_t)sbrk(0);
#ifdef __SANITIZE_ADDRESS__ /* ASan's allocator serves malloc: mallinfo2 sees nothing of it */
    struct mallinfo2 any = mallinfo2();
    return any.arena + any.hblkhd;
#endif
    if (!mb->calls.counting) {
        struct mallinfo2 mi = mallinfo2();
        mb->base_footprint = mi.arena + mi.hblkhd;
        mb->base_brk = brk_now;
        /* block headers are glibc's chunks' only where glibc serves malloc */
        mb->calls.track_mapped = glibc_serves_malloc();
    }
    size_t heap = mb->base_footprint + mb->calls.mapped;
    if (brk_now >= mb->base_brk)
        return heap + (brk_now - mb->base_brk);
    size_t shrunk = mb->base_brk - brk_now;
    return heap > shrunk ? heap - shrunk : 0;
}

static void libc_stats(void *self, struct pb_backend_stats *out)
{
    struct libc_backend *mb = self;
    size_t footprint = footprint_now(mb);
    if (footprint > mb->peak_footprint)
        mb->peak_footprint = footprint;
    *out = (struct pb_backend_stats){
        .footprint_bytes = footprint,
        .peak_footprint_bytes = mb->peak_footprint,
    };
    pb_libc_stats(&mb->calls, out);
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

static int libc_direct(void *self, struct pb_direct_calls *out)
{
    return pb_libc_direct(&((const struct libc_backend *)self)->calls, out);
}

static const char *libc_last_error(void *self)
{
    return ((const struct libc_backend *)self)->calls.err;
}

static void libc_destroy(void *self)
{
    pb_hmem_free(self, sizeof(struct libc_backend));
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
    .direct_calls = libc_direct,
};
