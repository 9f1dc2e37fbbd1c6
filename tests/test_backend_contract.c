/*
 * test_backend_contract.c -- the contract of struct pb_backend_ops
 * (allocators/pb_backend.h), tested on every backend of the registry
 * (allocators/registry.c) with its default options, plus a few option sets
 * that switch a backend onto other code (checked mode, page return). The
 * capability flags alone say what to expect, so a new backend is tested by
 * registering it. Phases, each ending with the backend's check op and the
 * stats held against the blocks the test holds:
 *
 *   create    a fresh instance: counters 0, nothing granted, check op
 *             present (unless the backend owns no memory), config bounded
 *   align     alignments 1..8192: honoured (address, pattern) or refused
 *             cleanly; what is honoured for a size includes every smaller
 *             alignment; without PB_BK_FIXED_SIZE, all up to 4096
 *   zero      size-0 blocks are distinct, live blocks (not PB_BK_NO_MEMORY)
 *   overlap   thousands of mixed sizes, alignments (and tags, PB_BK_TAGGED):
 *             live blocks never overlap (address intervals, and a pattern
 *             per block written and verified after frees and reuse)
 *   realloc   (realloc op) grow, shrink, move keep min(old, new) bytes;
 *             realloc(NULL) makes a block; a refused resize keeps the block
 *   free_all  (PB_BK_FREE_ALL) every block released; the instance serves again
 *   refuse    impossible requests (SIZE_MAX, a fixed-size backend's chunk + 1,
 *             an alignment it does not serve) return NULL, a reason in
 *             last_error and one more failure, and the instance still works
 *   threads   PB_BK_THREAD_SAFE: one instance shared by 4 threads, blocks
 *             freed by another thread than made them; otherwise one
 *             instance per thread, concurrently (no shared state)
 *
 * Stats after every phase: allocs, frees, reallocs, failures and free_alls
 * move exactly with the calls; live_blocks is the blocks held; granted_bytes
 * is at least their sizes, 0 when none is held (after free_all for a
 * PB_BK_FREE_NOOP backend), at most footprint_bytes for a backend that owns
 * its mappings, whose footprint covers them; peak >= footprint. A
 * PB_BK_NO_MEMORY backend is held to the call counters only.
 *
 * Production backends (PB_BK_PROCESS_WIDE) are inactive in this process (no
 * preload): every request must be refused cleanly. Where the library is
 * installed, and not in the sanitizer build (an ASan program cannot have
 * another malloc preloaded), the test runs itself again with LD_PRELOAD set
 * to the library the backend's config names (`lib`, as the runner does) and
 * runs every phase there.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend_spec.h"
#include "pb_backend.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#else
#define SANITIZED 0
#endif

/* Refusal tests ask malloc for impossible sizes: under ASan it must say NULL, as glibc does. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}

/* Option sets beyond the defaults that take a backend onto other code. */
static const char *const variants[] = {
    "pool:checked=1:chunk=48:slab=4096",
    "pool:chunk=100:align=64:slab=4096",
    "pool:return=0:slab=16k",
    "pool:chunk=48:fallback=malloc",
    "pool:chunk=48:slab=4096:fallback=pools",
    "pool:checked=1:chunk=64:slab=4096:fallback=malloc",
    "pool:return=1:chunk=32:slab=16k:fallback=malloc",
    "pool-small:chunk=24:align=8:slab=4096:return=1",
    "pools:return=0:slab=16k",
    "pools:classes=8/24/64/200:slab=4096",
    "pool-per-tag:slab=4096",
    "arena:block=4096",
    "hybrid:pool=1/2@64:arena=3:fallback=malloc",
    "hybrid:pool=4@16:arena=1/2:fallback=pools",
};

/* ---- one backend spec under test ---------------------------------------- */

struct subject {
    struct pb_backend_spec spec;
    int preloaded; /* PB_BK_PROCESS_WIDE and this process has its library preloaded */
};

/* One block the test holds. */
struct block {
    unsigned char *p;
    size_t size;
    unsigned seed; /* of its pattern */
};

/* An instance, the blocks held and the counters it should show. */
struct harness {
    const struct subject *sub;
    const struct pb_backend_ops *ops;
    void *self;
    unsigned flags;   /* of this instance (pb_backend_flags): options may clear fixed-size */
    struct block *blocks;
    size_t n, cap;
    uint64_t allocs, frees, reallocs, failures, free_alls;
    size_t max_size;  /* largest request served (a fixed-size backend's chunk) */
    size_t max_align; /* largest alignment served for a 1-byte block */
    unsigned seed, rng;
    int memory;       /* blocks are real memory (not PB_BK_NO_MEMORY) */
};

static unsigned next_rand(struct harness *h)
{
    h->rng = h->rng * 1103515245u + 12345u;
    return h->rng >> 8;
}

/* Byte i of block seed's pattern (blocks made one after another differ at every byte). */
static unsigned char pattern(unsigned seed, size_t i)
{
    return (unsigned char)((seed * 0x9E3779B1u >> 24) + i * 0x9Du);
}

static void fill(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = pattern(seed, i);
}

/* The first byte of p[0..n) that is not seed's pattern, or n. */
static size_t first_wrong(const unsigned char *p, size_t n, unsigned seed)
{
    unsigned char diff = 0;
    for (size_t i = 0; i < n; i++) /* (no early exit: the loop vectorises) */
        diff |= p[i] ^ pattern(seed, i);
    if (!diff)
        return n;
    for (size_t i = 0; i < n; i++)
        if (p[i] != pattern(seed, i))
            return i;
    return n;
}

static const char *name_of(const struct harness *h)
{
    return h->sub->spec.text;
}

/* ---- stats and check -------------------------------------------------------- */

static struct pb_backend_stats stats_of(const struct harness *h)
{
    struct pb_backend_stats st;
    memset(&st, 0xa5, sizeof st);
    h->ops->stats(h->self, &st);
    return st;
}

static int sum_mapping(const struct pb_mapping *m, void *ctx)
{
    *(size_t *)ctx += m->len;
    return 0;
}

/* The counters move exactly with the calls made. */
static void want_counters(const struct harness *h, const struct pb_backend_stats *st,
                            const char *phase)
{
    if (st->allocs != h->allocs || st->frees != h->frees || st->reallocs != h->reallocs ||
        st->failures != h->failures || st->free_alls != h->free_alls)
        fail_msg("%s, %s: counters allocs %llu frees %llu reallocs %llu failures %llu "
                 "free_alls %llu; the calls made: %llu %llu %llu %llu %llu",
                 name_of(h), phase, (unsigned long long)st->allocs,
                 (unsigned long long)st->frees, (unsigned long long)st->reallocs,
                 (unsigned long long)st->failures, (unsigned long long)st->free_alls,
                 (unsigned long long)h->allocs, (unsigned long long)h->frees,
                 (unsigned long long)h->reallocs, (unsigned long long)h->failures,
                 (unsigned long long)h->free_alls);
}

/* live_blocks, granted_bytes and the footprint agree with the blocks held. */
static void want_memory(const struct harness *h, const struct pb_backend_stats *st,
                          const char *phase, int just_freed_all)
{
    size_t sizes = 0;
    for (size_t i = 0; i < h->n; i++)
        sizes += h->blocks[i].size;
    if (st->live_blocks != h->n)
        fail_msg("%s, %s: live_blocks %zu, the test holds %zu", name_of(h), phase,
                 st->live_blocks, h->n);
    if (st->granted_bytes < sizes)
        fail_msg("%s, %s: granted_bytes %zu below the %zu bytes asked for by live blocks",
                 name_of(h), phase, st->granted_bytes, sizes);
    int none_left = h->n == 0 && (!(h->flags & PB_BK_FREE_NOOP) || just_freed_all);
    if (none_left && st->granted_bytes != 0)
        fail_msg("%s, %s: granted_bytes %zu with no live block", name_of(h), phase,
                 st->granted_bytes);
    if (st->peak_footprint_bytes < st->footprint_bytes)
        fail_msg("%s, %s: peak footprint %zu below the footprint %zu", name_of(h), phase,
                 st->peak_footprint_bytes, st->footprint_bytes);
    if (h->flags & PB_BK_OWN_MAPPINGS) {
        size_t mapped = 0;
        h->ops->mappings(h->self, sum_mapping, &mapped);
        if (st->granted_bytes > st->footprint_bytes || mapped > st->footprint_bytes)
            fail_msg("%s, %s: footprint %zu below granted %zu or mapped %zu", name_of(h),
                     phase, st->footprint_bytes, st->granted_bytes, mapped);
    }
}

static int by_address(const void *a, const void *b)
{
    const struct block *x = a, *y = b;
    return x->p < y->p ? -1 : x->p > y->p;
}

/* No two live blocks share a byte (a size-0 block counts as one byte). */
static void want_disjoint(const struct harness *h, const char *phase)
{
    if (h->n < 2)
        return;
    struct block *sorted = malloc(h->n * sizeof *sorted);
    assert_non_null(sorted);
    memcpy(sorted, h->blocks, h->n * sizeof *sorted);
    qsort(sorted, h->n, sizeof *sorted, by_address);
    for (size_t i = 1; i < h->n; i++) {
        size_t len = sorted[i - 1].size ? sorted[i - 1].size : 1;
        if (sorted[i - 1].p + len > sorted[i].p)
            fail_msg("%s, %s: live blocks %p (%zu bytes) and %p overlap", name_of(h), phase,
                     (void *)sorted[i - 1].p, sorted[i - 1].size, (void *)sorted[i].p);
    }
    free(sorted);
}

/* The end of every phase: patterns intact, blocks disjoint, stats, check op. */
static void phase_end(struct harness *h, const char *phase, int just_freed_all)
{
    if (h->memory) {
        for (size_t i = 0; i < h->n; i++) {
            const struct block *b = &h->blocks[i];
            size_t at = first_wrong(b->p, b->size, b->seed);
            if (at != b->size)
                fail_msg("%s, %s: live block %p (%zu bytes) changed at byte %zu", name_of(h),
                         phase, (void *)b->p, b->size, at);
        }
        want_disjoint(h, phase);
    }
    struct pb_backend_stats st = stats_of(h);
    want_counters(h, &st, phase);
    if (h->memory)
        want_memory(h, &st, phase, just_freed_all);
    char msg[PB_ERR_MAX] = "";
    if (h->ops->check && h->ops->check(h->self, msg, sizeof msg))
        fail_msg("%s, %s: check: %s", name_of(h), phase, msg);
}

/* ---- requests, with the counters they should move --------------------------- */

static void hold(struct harness *h, unsigned char *p, size_t size)
{
    if (h->n == h->cap) {
        h->cap = h->cap ? 2 * h->cap : 256;
        h->blocks = realloc(h->blocks, h->cap * sizeof *h->blocks);
        assert_non_null(h->blocks);
    }
    struct block *b = &h->blocks[h->n++];
    *b = (struct block){p, size, ++h->seed};
    fill(p, size, b->seed);
}

/* A refusal must be clean: NULL (already seen), a reason, one more failure. */
static void refused(struct harness *h, const char *what, size_t size, size_t align)
{
    h->failures++;
    const char *why = h->ops->last_error(h->self);
    if (!why || !why[0])
        fail_msg("%s: %s of %zu bytes aligned to %zu refused without a reason", name_of(h),
                 what, size, align);
}

/* The alignment a block must have: align, except that a backend handing
 * requests to the C library (no PB_BK_OWN_MAPPINGS) gives malloc's guarantee
 * for a fundamental alignment (16 or less): the largest power of two dividing
 * the size, if smaller, as no object of that size needs more (jemalloc and
 * mimalloc give an 8-byte block 8-byte alignment). */
static size_t required_align(const struct harness *h, size_t size, size_t align)
{
    if ((h->flags & PB_BK_OWN_MAPPINGS) || align > 16)
        return align;
    size_t natural = size ? size & (~size + 1) : 1;
    return natural < align ? natural : align;
}

/* alloc (alloc_tagged for a tagged backend); the block is held. NULL when refused. */
static unsigned char *take(struct harness *h, size_t size, size_t align, unsigned tag)
{
    unsigned char *p = (h->flags & PB_BK_TAGGED)
                           ? h->ops->alloc_tagged(h->self, size, align, tag)
                           : h->ops->alloc(h->self, size, align);
    if (!p) {
        refused(h, "alloc", size, align);
        return NULL;
    }
    h->allocs++;
    if ((uintptr_t)p % required_align(h, size, align))
        fail_msg("%s: alloc of %zu bytes aligned to %zu gave %p", name_of(h), size, align,
                 (void *)p);
    hold(h, p, size);
    return p;
}

/* take() that must succeed. */
static unsigned char *must_take(struct harness *h, size_t size, size_t align, unsigned tag)
{
    unsigned char *p = take(h, size, align, tag);
    if (!p)
        fail_msg("%s: alloc of %zu bytes aligned to %zu (tag %u) refused: %s", name_of(h),
                 size, align, tag, h->ops->last_error(h->self));
    return p;
}

/* Free held block i (the last held block takes its place). */
static void give(struct harness *h, size_t i)
{
    struct block b = h->blocks[i];
    h->blocks[i] = h->blocks[--h->n];
    h->frees++;
    if (h->ops->free(h->self, b.p, b.size))
        fail_msg("%s: free of %p (%zu bytes) failed: %s", name_of(h), (void *)b.p, b.size,
                 h->ops->last_error(h->self));
}

static void give_all(struct harness *h)
{
    while (h->n)
        give(h, h->n - 1);
}

/* A size and alignment the backend serves, spread like a program's. */
static void pick(struct harness *h, size_t *size, size_t *align, unsigned *tag)
{
    unsigned r = next_rand(h) % 100;
    size_t s = r < 70 ? next_rand(h) % 65 : r < 97 ? 65 + next_rand(h) % 4032
                                               : 4097 + next_rand(h) % 200000;
    *tag = (h->flags & PB_BK_TAGGED) ? next_rand(h) % 8 : 0;
    if (*tag && next_rand(h) % 10) /* a tag is mostly one type: one size */
        s = 8 * *tag;
    *size = s > h->max_size ? s % (h->max_size + 1) : s;
    size_t a = (size_t)1 << next_rand(h) % 8; /* 1 .. 128 */
    *align = next_rand(h) % 4 ? 16 : a;
    if (*align > h->max_align)
        *align = h->max_align;
}

/* ---- setup: an instance, and what it serves ---------------------------------- */

static struct harness *harness_new(const struct subject *sub)
{
    struct harness *h = calloc(1, sizeof *h);
    assert_non_null(h);
    h->sub = sub;
    h->ops = sub->spec.ops;
    h->rng = 12345;
    char err[PB_ERR_MAX] = "";
    if (h->ops->create(sub->spec.opts, sub->spec.n_opts, &h->self, err, sizeof err))
        fail_msg("%s: create failed: %s", name_of(h), err);
    assert_non_null(h->self);
    h->flags = pb_backend_flags(h->ops, h->self);
    h->memory = !(h->flags & PB_BK_NO_MEMORY);
    stats_of(h); /* as the runner's memory pass: counting starts here */
    return h;
}

/* Learn the largest size (fixed-size: class_stats' one row) and alignment served. */
static void learn_limits(struct harness *h)
{
    h->max_size = 3 << 20;
    if (h->flags & PB_BK_FIXED_SIZE) {
        struct pb_class_stats row;
        assert_non_null(h->ops->class_stats);
        assert_true(h->ops->class_stats(h->self, &row, 1) >= 1);
        h->max_size = row.size;
    }
    h->max_align = 0;
    for (size_t align = 1; align <= 4096; align <<= 1) {
        unsigned char *p = take(h, 1, align, 0);
        if (!p)
            break;
        h->max_align = align;
        give(h, h->n - 1);
    }
    if (h->max_align == 0)
        fail_msg("%s: refuses a 1-byte block aligned to 1: %s", name_of(h),
                 h->ops->last_error(h->self));
}

static int setup(void **state)
{
    struct harness *h = harness_new(*state);
    learn_limits(h);
    *state = h;
    return 0;
}

static int teardown(void **state)
{
    struct harness *h = *state;
    h->ops->destroy(h->self);
    free(h->blocks);
    free(h);
    return 0;
}

/* ---- the phases ----------------------------------------------------------------- */

static void contract_create(void **state)
{
    struct harness *h = *state;
    /* learn_limits made and freed blocks; a fresh instance must show nothing at all */
    struct harness *fresh = harness_new(h->sub);
    struct pb_backend_stats st = stats_of(fresh);
    assert_int_equal(st.allocs + st.frees + st.reallocs + st.failures + st.free_alls, 0);
    assert_int_equal(st.live_blocks, 0);
    assert_int_equal(st.granted_bytes, 0);
    if (fresh->flags & PB_BK_OWN_MAPPINGS)
        assert_non_null(fresh->ops->mappings);
    else if (!fresh->ops->check)
        print_message("[     NOTE ] %s has no check op (it owns no memory)\n", name_of(h));
    if (fresh->flags & PB_BK_OWN_MAPPINGS)
        assert_non_null(fresh->ops->check); /* owns memory: has state to verify */
    struct pb_config_entry cfg[64];
    assert_int_equal(fresh->ops->config(fresh->self, cfg, 0), 0);
    assert_true(fresh->ops->config(fresh->self, cfg, 64) <= 64);
    assert_string_equal(fresh->ops->last_error(fresh->self), "");
    phase_end(fresh, "create", 0);
    teardown((void **)&fresh);
    phase_end(h, "create", 0);
}

/* One size at every alignment 1..8192: honoured or refused, monotone. */
static void align_one_size(struct harness *h, size_t size)
{
    int honoured_before = 1;
    for (size_t align = 1; align <= 8192; align <<= 1) {
        unsigned char *p = take(h, size, align, 0);
        if (p && !honoured_before)
            fail_msg("%s: %zu bytes aligned to %zu served, a smaller alignment refused",
                     name_of(h), size, align);
        honoured_before = p != NULL;
        int must = !(h->flags & PB_BK_FIXED_SIZE) && align <= 4096;
        if (!p && must)
            fail_msg("%s: %zu bytes aligned to %zu refused (only a fixed-size backend may "
                     "refuse an alignment up to 4096): %s",
                     name_of(h), size, align, h->ops->last_error(h->self));
    }
}

static void contract_align(void **state)
{
    struct harness *h = *state;
    size_t top = (h->flags & PB_BK_FIXED_SIZE) ? h->max_size : 70000;
    const size_t sizes[] = {1, 24, 100, 5000, top};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        if (sizes[i] <= h->max_size)
            align_one_size(h, sizes[i]);
    phase_end(h, "align", 0);
    give_all(h);
    phase_end(h, "align, all freed", 0);
}

static void contract_zero(void **state)
{
    struct harness *h = *state;
    size_t align = h->max_align < 16 ? h->max_align : 16;
    unsigned char *a = must_take(h, 0, 1, 0);
    unsigned char *b = must_take(h, 0, align, 0);
    unsigned char *c = must_take(h, 0, align, 1);
    if (h->memory && (a == b || b == c || a == c))
        fail_msg("%s: size-0 blocks %p %p %p are not distinct", name_of(h), (void *)a,
                 (void *)b, (void *)c);
    phase_end(h, "size 0", 0);
    give_all(h);
    phase_end(h, "size 0, freed", 0);
}

static void contract_overlap(void **state)
{
    struct harness *h = *state;
    enum { N = 3000, M = 1000 };
    for (unsigned i = 0; i < N; i++) {
        size_t size, align;
        unsigned tag;
        pick(h, &size, &align, &tag);
        must_take(h, size, align, tag);
    }
    phase_end(h, "overlap, made", 0);
    for (size_t i = 0; i < h->n; i += 2)
        give(h, i); /* half, scattered: the last block moves into each hole */
    phase_end(h, "overlap, half freed", 0);
    for (unsigned i = 0; i < M; i++) {
        size_t size, align;
        unsigned tag;
        pick(h, &size, &align, &tag);
        must_take(h, size, align, tag);
    }
    phase_end(h, "overlap, reused", 0);
    while (h->n)
        give(h, next_rand(h) % h->n);
    phase_end(h, "overlap, all freed", 0);
}

/* realloc p (held block i) to new_size; the held block follows it. NULL when refused. */
static unsigned char *resize(struct harness *h, size_t i, size_t new_size, size_t align)
{
    struct block *b = &h->blocks[i];
    unsigned char *q = h->ops->realloc(h->self, b->p, b->size, new_size, align);
    if (!q) {
        refused(h, "realloc", new_size, align);
        return NULL;
    }
    h->reallocs++;
    size_t kept = b->size < new_size ? b->size : new_size;
    size_t at = h->memory ? first_wrong(q, kept, b->seed) : kept;
    if (at != kept)
        fail_msg("%s: realloc from %zu to %zu bytes lost byte %zu", name_of(h), b->size,
                 new_size, at);
    if ((uintptr_t)q % required_align(h, new_size, align))
        fail_msg("%s: realloc to %zu bytes aligned to %zu gave %p", name_of(h), new_size,
                 align, (void *)q);
    b->p = q;
    b->size = new_size;
    fill(q, new_size, b->seed);
    return q;
}

static void contract_realloc(void **state)
{
    struct harness *h = *state;
    if (!h->ops->realloc) {
        print_message("[  SKIPPED ] %s: no realloc op (the runner moves blocks)\n", name_of(h));
        skip();
    }
    size_t align = h->max_align < 16 ? h->max_align : 16, top = h->max_size;
    size_t sizes[] = {0, 1, top / 3, top / 2, top, 7 < top ? 7 : top, top / 4};
    unsigned char *q = h->ops->realloc(h->self, NULL, 0, top / 2, align); /* makes a block */
    if (!q)
        fail_msg("%s: realloc(NULL) refused: %s", name_of(h), h->ops->last_error(h->self));
    h->reallocs++;
    hold(h, q, top / 2);
    must_take(h, 10 < top ? 10 : top, align, 0);
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        /* alternate between the two blocks: one is the most recent, one is not */
        if (!resize(h, k % 2, sizes[k], align))
            fail_msg("%s: realloc to %zu bytes refused: %s", name_of(h), sizes[k],
                     h->ops->last_error(h->self));
        phase_end(h, "realloc", 0);
    }
    /* more aligned than malloc's: the C library's realloc cannot keep it */
    for (size_t k = 0; h->max_align > 16 && k < 3; k++)
        if (!resize(h, k % 2, k == 1 ? 10 : top / (k + 2), h->max_align))
            fail_msg("%s: realloc aligned to %zu refused: %s", name_of(h), h->max_align,
                     h->ops->last_error(h->self));
    phase_end(h, "realloc aligned", 0);
    /* refused: too large; the block stays as it was */
    size_t too_big = (h->flags & PB_BK_FIXED_SIZE) ? top + 1 : SIZE_MAX / 2;
    if (resize(h, 0, too_big, align))
        fail_msg("%s: realloc to %zu bytes was served", name_of(h), too_big);
    phase_end(h, "realloc refused", 0);
    give_all(h);
    phase_end(h, "realloc, freed", 0);
}

static void free_all(struct harness *h)
{
    h->ops->free_all(h->self);
    h->free_alls++;
    h->n = 0;
}

static void contract_free_all(void **state)
{
    struct harness *h = *state;
    if (!(h->flags & PB_BK_FREE_ALL)) {
        print_message("[  SKIPPED ] %s: no free_all (flag free-all)\n", name_of(h));
        skip();
    }
    assert_non_null(h->ops->free_all);
    for (int round = 0; round < 3; round++) {
        for (unsigned i = 0; i < 800; i++) {
            size_t size, align;
            unsigned tag;
            pick(h, &size, &align, &tag);
            must_take(h, size, align, tag);
            if (i % 5 == 0)
                give(h, next_rand(h) % h->n);
        }
        phase_end(h, "free_all, made", 0);
        free_all(h);
        phase_end(h, "free_all", 1);
    }
    free_all(h); /* of nothing */
    phase_end(h, "free_all, empty", 1);
}

/* One request that must be refused cleanly. */
static void must_refuse(struct harness *h, size_t size, size_t align, unsigned tag)
{
    void *p = (h->flags & PB_BK_TAGGED) ? h->ops->alloc_tagged(h->self, size, align, tag)
                                             : h->ops->alloc(h->self, size, align);
    if (p) /* not touched: it cannot hold what was asked */
        fail_msg("%s: alloc of %zu bytes aligned to %zu (tag %u) was served at %p", name_of(h),
                 size, align, tag, p);
    refused(h, "alloc", size, align);
}

static void contract_refuse(void **state)
{
    struct harness *h = *state;
    must_take(h, 1, 1, 0);
    must_refuse(h, SIZE_MAX, 1, 0);
    must_refuse(h, SIZE_MAX, h->max_align, 0);
    must_refuse(h, SIZE_MAX - 4095, h->max_align, 0);
    must_refuse(h, SIZE_MAX / 2, 1, 0);
    if (h->flags & PB_BK_TAGGED) {
        must_refuse(h, SIZE_MAX, 16, 5);     /* a tag's first request */
        must_refuse(h, SIZE_MAX / 2, 16, 5); /* and its next */
        must_refuse(h, SIZE_MAX, 4096, 6);
    }
    if (h->flags & PB_BK_FIXED_SIZE)
        must_refuse(h, h->max_size + 1, 1, 0);
    if (h->max_align < 4096)
        must_refuse(h, 1, h->max_align * 2, 0);
    phase_end(h, "refuse", 0);
    h->frees++;
    assert_int_equal(h->ops->free(h->self, NULL, 0), 0); /* free(NULL): counted, nothing */
    must_take(h, h->max_size, h->max_align, 0);          /* still serves */
    must_take(h, 0, 1, 0);
    phase_end(h, "refuse, then served", 0);
    give_all(h);
    phase_end(h, "refuse, freed", 0);
}

/* ---- threads ----------------------------------------------------------------- */

enum { THREADS = 4, PER_THREAD = 2000 };

/* One thread's share: blocks made here, some freed by the next thread. */
struct worker {
    const struct pb_backend_ops *ops;
    void *self;
    int memory;
    size_t max_size;
    unsigned id;
    struct block *mine;       /* PER_THREAD blocks */
    struct block *handed;     /* the previous thread's blocks this one frees */
    pthread_barrier_t *bar;
    char fail[160];           /* "" or what went wrong */
};

static void *worker_run(void *arg)
{
    struct worker *w = arg;
    unsigned rng = 99u + w->id;
    for (unsigned i = 0; i < PER_THREAD && !w->fail[0]; i++) {
        rng = rng * 1103515245u + 12345u;
        size_t size = (rng >> 8) % (w->max_size < 200 ? w->max_size + 1 : 200);
        unsigned char *p = w->ops->alloc(w->self, size, 1);
        if (!p)
            snprintf(w->fail, sizeof w->fail, "thread %u: alloc of %zu refused", w->id, size);
        else
            fill(p, size, w->id * PER_THREAD + i);
        w->mine[i] = (struct block){p, size, w->id * PER_THREAD + i};
    }
    pthread_barrier_wait(w->bar);
    for (unsigned i = 0; i < PER_THREAD && !w->fail[0]; i++) {
        const struct block *b = &w->handed[i];
        if (w->memory && first_wrong(b->p, b->size, b->seed) != b->size)
            snprintf(w->fail, sizeof w->fail, "thread %u: a block of another changed", w->id);
        else if (i % 2 && w->ops->free(w->self, b->p, b->size))
            snprintf(w->fail, sizeof w->fail, "thread %u: free failed", w->id);
    }
    return NULL;
}

/* THREAD_SAFE: one instance, each thread frees half the blocks of the one
 * before it; else one instance per thread, each its own blocks. */
static void contract_threads(void **state)
{
    struct harness *h = *state;
    int shared = (h->flags & PB_BK_THREAD_SAFE) != 0;
    struct worker w[THREADS];
    pthread_t tid[THREADS];
    pthread_barrier_t bar;
    struct block *all = calloc(THREADS * PER_THREAD, sizeof *all);
    assert_non_null(all);
    assert_int_equal(pthread_barrier_init(&bar, NULL, THREADS), 0);
    for (unsigned t = 0; t < THREADS; t++) {
        unsigned from = shared ? (t + THREADS - 1) % THREADS : t;
        w[t] = (struct worker){h->ops, NULL, h->memory, h->max_size, t, all + t * PER_THREAD,
                               all + from * PER_THREAD, &bar, ""};
        char err[PB_ERR_MAX] = "";
        if (shared && t > 0)
            w[t].self = w[0].self;
        else if (h->ops->create(h->sub->spec.opts, h->sub->spec.n_opts, &w[t].self, err,
                                sizeof err))
            fail_msg("%s: create failed: %s", name_of(h), err);
    }
    for (unsigned t = 0; t < THREADS; t++)
        assert_int_equal(pthread_create(&tid[t], NULL, worker_run, &w[t]), 0);
    for (unsigned t = 0; t < THREADS; t++)
        assert_int_equal(pthread_join(tid[t], NULL), 0);
    pthread_barrier_destroy(&bar);
    for (unsigned t = 0; t < THREADS; t++) {
        if (w[t].fail[0])
            fail_msg("%s: %s", name_of(h), w[t].fail);
        /* the rest of each thread's blocks, freed here */
        for (unsigned i = 0; i < PER_THREAD; i += 2) {
            const struct block *b = &w[t].handed[i];
            assert_int_equal(h->ops->free(w[t].self, b->p, b->size), 0);
        }
        char msg[PB_ERR_MAX] = "";
        if ((!shared || t == 0) && h->ops->check && h->ops->check(w[t].self, msg, sizeof msg))
            fail_msg("%s, threads: check: %s", name_of(h), msg);
    }
    for (unsigned t = 0; t < THREADS; t++)
        if (!shared || t == 0)
            h->ops->destroy(w[t].self);
    free(all);
}

/* ---- production backends ------------------------------------------------------- */

/* Skip a process-wide backend that cannot run here: its library is missing,
 * or it needs an option (preload's lib=) and no installed library was found. */
static void skip_unusable(const struct subject *sub)
{
    const struct pb_backend_ops *ops = sub->spec.ops;
    char why[PB_ERR_MAX] = "";
    void *self = NULL;
    if (ops->available && ops->available(why, sizeof why)) {
        print_message("[  SKIPPED ] %s: %s\n", sub->spec.text, why);
        skip();
    }
    if (!ops->available && ops->create(sub->spec.opts, sub->spec.n_opts, &self, why, sizeof why)) {
        print_message("[  SKIPPED ] %s: %s (no installed library to give it)\n", sub->spec.text,
                      why);
        skip();
    }
    if (self)
        ops->destroy(self);
}

/* Not preloaded here: an instance is made, and refuses every request cleanly. */
static void contract_inactive(void **state)
{
    const struct subject *sub = *state;
    skip_unusable(sub);
    struct harness *h = harness_new(sub);
    must_refuse(h, 16, 16, 0);
    must_refuse(h, 0, 1, 0);
    must_refuse(h, 4096, 4096, 0);
    if (h->ops->realloc) {
        assert_null(h->ops->realloc(h->self, NULL, 0, 16, 16));
        refused(h, "realloc", 16, 16);
    }
    h->frees++;
    assert_int_equal(h->ops->free(h->self, NULL, 0), 0);
    phase_end(h, "inactive", 0);
    teardown((void **)&h);
}

/* The library a process-wide backend preloads: its config's `lib` (as the runner reads it). */
static int library_of(const struct subject *sub, char *out, size_t len)
{
    struct harness *h = harness_new(sub);
    struct pb_config_entry cfg[16];
    size_t n = h->ops->config(h->self, cfg, 16);
    int rc = -1;
    for (size_t i = 0; i < n && i < 16; i++)
        if (strcmp(cfg[i].key, "lib") == 0 && (size_t)snprintf(out, len, "%s", cfg[i].value) < len)
            rc = 0;
    teardown((void **)&h);
    return rc;
}

/* This test binary again, with the library preloaded, running every phase on it. */
static void contract_preloaded(void **state)
{
    const struct subject *sub = *state;
    char lib[PB_ERR_MAX];
    if (SANITIZED) {
        print_message("[  SKIPPED ] %s preloaded: not in the sanitizer build (the ASan "
                      "runtime must be the first malloc)\n", sub->spec.text);
        skip();
    }
    skip_unusable(sub);
    if (library_of(sub, lib, sizeof lib))
        fail_msg("%s: a process-wide backend whose config names no `lib`", sub->spec.text);
    fflush(stdout);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        setenv("LD_PRELOAD", lib, 1);
        execl("/proc/self/exe", "test_backend_contract", "--preloaded", sub->spec.text,
              (char *)NULL);
        _exit(127);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("%s: the contract failed with %s preloaded (status %#x, see above)",
                 sub->spec.text, lib, status);
}

/* ---- the test list ---------------------------------------------------------------- */

/* direct_calls, where a fresh instance offers them: blocks of the direct alloc
 * are the backend's (its free takes them, its stats count none of them) and
 * its alloc's blocks the direct free's, at malloc's alignment; a stats call
 * ends the offer when it starts counting (allocs moved). */
static void contract_direct(void **state)
{
    const struct harness *h = *state;
    const struct pb_backend_ops *ops = h->ops;
    void *self = NULL;
    char err[PB_ERR_MAX] = "";
    struct pb_direct_calls dc;
    /* a fresh instance, not harness_new's: it asks stats at once */
    assert_int_equal(ops->create(h->sub->spec.opts, h->sub->spec.n_opts, &self, err, sizeof err), 0);
    if (!ops->direct_calls || ops->direct_calls(self, &dc) != 0) {
        ops->destroy(self);
        skip();
    }
    for (size_t size = 1; size <= 4096; size *= 4) {
        unsigned char *p = dc.alloc(size);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % (size < PB_DIRECT_MAX_ALIGN ? 1 : PB_DIRECT_MAX_ALIGN), 0);
        fill(p, size, 7);
        assert_int_equal(ops->free(self, p, size), 0);
        unsigned char *q = ops->alloc(self, size, PB_DIRECT_MAX_ALIGN);
        assert_non_null(q);
        dc.free(q);
    }
    struct pb_backend_stats st, st2;
    ops->stats(self, &st);
    unsigned char *p = ops->alloc(self, 24, 8);
    assert_non_null(p);
    ops->stats(self, &st2);
    if (st2.allocs != st.allocs)
        assert_int_not_equal(ops->direct_calls(self, &dc), 0);
    assert_int_equal(ops->free(self, p, 24), 0);
    ops->destroy(self);
}

enum { MAX_SUBJECTS = 64, PHASES = 9 };

static const struct {
    const char *name;
    CMUnitTestFunction fn;
} phases[PHASES] = {
    {"create", contract_create},   {"align", contract_align},       {"size 0", contract_zero},
    {"overlap", contract_overlap}, {"realloc", contract_realloc},   {"free_all", contract_free_all},
    {"refuse", contract_refuse},   {"threads", contract_threads},   {"direct", contract_direct},
};

static struct CMUnitTest one_test(const struct subject *sub, const char *phase,
                                  CMUnitTestFunction fn, int fixture)
{
    size_t len = strlen(sub->spec.text) + strlen(phase) + 3;
    char *name = malloc(len);
    assert_non_null(name);
    snprintf(name, len, "%s: %s", sub->spec.text, phase);
    return (struct CMUnitTest){name, fn, fixture ? setup : NULL, fixture ? teardown : NULL,
                               (void *)sub};
}

/* The tests of one subject into t; how many. */
static size_t tests_of(const struct subject *sub, struct CMUnitTest *t)
{
    if ((sub->spec.ops->flags & PB_BK_PROCESS_WIDE) && !sub->preloaded) {
        t[0] = one_test(sub, "inactive without the preload", contract_inactive, 0);
        t[1] = one_test(sub, "every phase, preloaded", contract_preloaded, 0);
        return 2;
    }
    for (size_t i = 0; i < PHASES; i++)
        t[i] = one_test(sub, phases[i].name, phases[i].fn, 1);
    return PHASES;
}

static void subject_parse(struct subject *sub, const char *text)
{
    char err[PB_ERR_MAX] = "";
    if (pb_backend_spec_parse(text, &sub->spec, err, sizeof err)) {
        fprintf(stderr, "test_backend_contract: %s: %s\n", text, err);
        exit(1);
    }
}

/* A process-wide backend that needs lib= (preload) borrows another's library. */
static void give_library(struct subject *sub, const struct subject *subs, size_t n)
{
    void *self = NULL;
    char err[PB_ERR_MAX], lib[PB_ERR_MAX], text[PB_SPEC_TEXT_MAX];
    if (sub->spec.ops->create(NULL, 0, &self, err, sizeof err) == 0) {
        sub->spec.ops->destroy(self);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const struct pb_backend_ops *o = subs[i].spec.ops;
        if (&subs[i] == sub || !(o->flags & PB_BK_PROCESS_WIDE) || o->create(NULL, 0, &self, err, sizeof err))
            continue;
        o->destroy(self);
        if (library_of(&subs[i], lib, sizeof lib) == 0 &&
            (size_t)snprintf(text, sizeof text, "%s:lib=%s", sub->spec.ops->name, lib) <
                sizeof text) {
            subject_parse(sub, text);
            return;
        }
    }
}

static int run_subjects(const struct subject *subs, size_t n)
{
    struct CMUnitTest *t = calloc(n * PHASES, sizeof *t);
    size_t k = 0;
    assert_non_null(t);
    for (size_t i = 0; i < n; i++)
        k += tests_of(&subs[i], t + k);
    int failed = _cmocka_run_group_tests("backend contract", t, k, NULL, NULL);
    for (size_t i = 0; i < k; i++)
        free((char *)t[i].name);
    free(t);
    return failed;
}

int main(int argc, char **argv)
{
    static struct subject subs[MAX_SUBJECTS];
    size_t n = 0;
    if (argc == 3 && strcmp(argv[1], "--preloaded") == 0) {
        subject_parse(&subs[0], argv[2]);
        subs[0].preloaded = 1;
        return run_subjects(subs, 1);
    }
    if (argc == 2) /* a cmocka test filter, e.g. 'pools:*' */
        cmocka_set_test_filter(argv[1]);
    for (size_t i = 0; pb_backends[i] && n < MAX_SUBJECTS; i++)
        subject_parse(&subs[n++], pb_backends[i]->name);
    for (size_t i = 0; i < sizeof variants / sizeof variants[0] && n < MAX_SUBJECTS; i++)
        subject_parse(&subs[n++], variants[i]);
    for (size_t i = 0; i < n; i++)
        if (subs[i].spec.ops->flags & PB_BK_PROCESS_WIDE)
            give_library(&subs[i], subs, n);
    return run_subjects(subs, n);
}
