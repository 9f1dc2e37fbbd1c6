/*
 * null.c -- the harness's own cost: an allocator that does nothing.
 *
 * Invariants: every alloc returns the same address in one preallocated buffer
 * (mid-page for alignments up to 2048, the page-aligned start above that), so
 * every block aliases every other; free, realloc and free_all do
 * nothing but count. No bookkeeping at all, so the time a replay takes against
 * this backend is exactly the harness's: the event loop, the slot table and the
 * page touches. Every other backend's ns/op contains this figure too, which is
 * why the runner subtracts it (net_ns_per_op).
 *
 * Costs: O(1) everything, a compare and a few counter increments. Requests
 * larger than the buffer (option `buffer`, default 1 GiB of address space,
 * mapped MAP_NORESERVE so only touched pages cost RAM) are refused: the
 * touches must land in real memory. Memory figures are meaningless for this
 * backend (flag PB_BK_NO_MEMORY). The check op verifies the buffer is there:
 * nothing else can break.
 */
#include "pb_assert.h"
#include "pb_backend.h"
#include "pb_hmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

extern const struct pb_backend_ops pb_backend_null;

/* Where blocks aligned to 2048 or less start: mid-page. At a page-aligned
 * address every page touch 4K-aliases the harness's own page-aligned arrays
 * (false store-forwarding dependencies), and the null figure then swung
 * between about 2.1 and 3.7 ns/event from one process to the next. */
#define NULL_MID_PAGE ((size_t)2048)

struct null_backend {
    unsigned char *buffer;
    size_t buffer_size;
    struct pb_backend_stats st;
    char err[PB_ERR_MAX];
};

static const struct pb_option_desc null_options[] = {
    {"buffer", "1G", "size of the one buffer every block points into (bytes, k/M/G suffixes)"},
    {NULL, NULL, NULL},
};

static int null_create(const struct pb_option *opts, size_t n, void **out, char *err,
                       size_t errlen)
{
    if (pb_options_check(&pb_backend_null, opts, n, err, errlen))
        return -1;
    size_t size = (size_t)1 << 30;
    const char *v = pb_option_get(opts, n, "buffer");
    if (v && (pb_parse_size(v, &size) || size < 4096)) {
        snprintf(err, errlen, "null: buffer=%s is not a size of at least 4096 bytes", v);
        return -1;
    }
    struct null_backend *nb = pb_hmem_alloc(sizeof *nb); /* zeroed; not from malloc */
    if (!nb) {
        snprintf(err, errlen, "null: out of memory");
        return -1;
    }
    /* one page more, so a block of the whole buffer size also fits mid-page */
    void *p = mmap(NULL, size + 4096, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        pb_hmem_free(nb, sizeof *nb);
        snprintf(err, errlen, "null: cannot map a %zu-byte buffer", size);
        return -1;
    }
    nb->buffer = p;
    nb->buffer_size = size;
    *out = nb;
    return 0;
}

static void *null_alloc(void *self, size_t size, size_t align)
{
    struct null_backend *nb = self;
    if (size > nb->buffer_size || align > 4096) {
        nb->st.failures++;
        snprintf(nb->err, sizeof nb->err,
                 "null: request of %zu bytes (align %zu) exceeds its %zu-byte buffer", size,
                 align, nb->buffer_size);
        return NULL;
    }
    nb->st.allocs++;
    unsigned char *p = align <= NULL_MID_PAGE ? nb->buffer + NULL_MID_PAGE : nb->buffer;
    pb_assert((uintptr_t)p % align == 0); /* the buffer is page aligned */
    return p;
}

static int null_free(void *self, void *ptr, size_t size)
{
    (void)ptr;
    (void)size;
    ((struct null_backend *)self)->st.frees++;
    return 0;
}

static void *null_realloc(void *self, void *ptr, size_t old_size, size_t new_size,
                          size_t align)
{
    (void)ptr;
    (void)old_size;
    struct null_backend *nb = self;
    void *p = null_alloc(self, new_size, align);
    if (p) {
        nb->st.allocs--;
        nb->st.reallocs++;
    }
    return p;
}

static void null_free_all(void *self)
{
    ((struct null_backend *)self)->st.free_alls++;
}

static void null_stats(void *self, struct pb_backend_stats *out)
{
    *out = ((struct null_backend *)self)->st;
}

static size_t null_config(void *self, struct pb_config_entry *out, size_t max)
{
    struct null_backend *nb = self;
    if (max < 1)
        return 0;
    snprintf(out[0].key, sizeof out[0].key, "buffer");
    snprintf(out[0].value, sizeof out[0].value, "%zu", nb->buffer_size);
    return 1;
}

/* The check op: nothing can break but the buffer itself (counters only). */
static int null_check(void *self, char *msg, size_t len)
{
    const struct null_backend *nb = self;
    if (nb->buffer && nb->buffer_size >= 4096)
        return 0;
    snprintf(msg, len, "null: no buffer of at least 4096 bytes (%zu)", nb->buffer_size);
    return -1;
}

static const char *null_last_error(void *self)
{
    return ((struct null_backend *)self)->err;
}

static void null_destroy(void *self)
{
    struct null_backend *nb = self;
    if (!nb)
        return;
    munmap(nb->buffer, nb->buffer_size + 4096);
    pb_hmem_free(nb, sizeof *nb);
}

const struct pb_backend_ops pb_backend_null = {
    .version = PB_BACKEND_API_VERSION,
    .name = "null",
    .description = "no allocator at all: measures the harness's own cost per event",
    .flags = PB_BK_FREE_NOOP | PB_BK_FREE_ALL | PB_BK_NO_MEMORY | PB_BK_BASELINE,
    .options = null_options,
    .available = NULL,
    .create = null_create,
    .alloc = null_alloc,
    .free = null_free,
    .realloc = null_realloc,
    .free_all = null_free_all,
    .stats = null_stats,
    .mappings = NULL,
    .config = null_config,
    .last_error = null_last_error,
    .destroy = null_destroy,
    .check = null_check,
};
