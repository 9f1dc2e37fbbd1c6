/*
 * arena.c -- a bump allocator over a chain of mmap'd blocks.
 *
 * Layout. Memory comes from the OS in blocks of `block` bytes (option,
 * default 1 MiB, rounded up to whole pages), each its own anonymous mmap. A
 * 16-byte header at the start of every block links it into a chain; the rest
 * is handed out by bumping a pointer. A request that cannot fit in a fresh
 * block gets a dedicated block of its own size (whole pages), kept on a
 * second list so the current block's remaining space is not abandoned.
 *
 * Invariants:
 *   - Blocks are page aligned and alignments are powers of two up to 4096, so
 *     a block can serve any alignment; the padding before an aligned block is
 *     simply skipped.
 *   - Standard blocks form one chain: those before `cur` are used up, `cur`
 *     is bumped, those after `cur` are empty (kept from before a free_all).
 *   - A size-0 request is served as one granule, so every pointer is unique.
 *   - free releases nothing (flag PB_BK_FREE_NOOP): it counts the call and
 *     the block is no longer live, but its bytes are never reused before
 *     free_all.
 *   - realloc of the most recent block, while it lies in the current standard
 *     block and the new size still fits there, grows or shrinks it in place;
 *     anything else is a new block plus a copy (the old bytes stay used).
 *   - free_all rewinds to the first standard block and keeps every standard
 *     block mapped for reuse; dedicated blocks are unmapped.
 *
 * Granule. Every block takes its size rounded up to 16 bytes (ARENA_GRAIN,
 * alignof(max_align_t)), a size-0 request 16 bytes, so the bump pointer is
 * always 16-aligned and a request aligned to 16 or less never needs padding
 * in front of it. A request aligned more than 16 skips padding up to its
 * alignment before it.
 *
 * Accounting. granted_bytes is the bytes handed to the live blocks: each
 * block's size rounded up to the granule, plus the padding skipped in front
 * of an over-aligned one. free takes the rounded size back (it is given the
 * requested size), so granted_bytes is exact for every block aligned to 16 or
 * less; the front padding of a freed over-aligned block (free is not told the
 * alignment) stays counted until free_all. The bytes themselves are never
 * reused before free_all. footprint_bytes is the sum of the lengths of all
 * mapped blocks (headers included); the tail of a block too small for the
 * next request is counted there and nowhere else.
 *
 * Check. The check op verifies: both chains end (no cycle) and their blocks
 * have the right lengths (standard = block, dedicated longer), the current
 * block is in the standard chain, the bump pointer is a granule inside it and
 * the most recent block ends there, footprint_bytes = the blocks' lengths,
 * and granted_bytes <= the bytes bumped out of the blocks. The arena keeps no
 * list of live blocks, so granted = the sum of the live blocks (rounded to
 * granules) is the contract test's to check, from outside.
 *
 * Costs: alloc is O(1): an align-up, a compare and a pointer bump; one mmap
 * per block-size worth of requests, one per oversized request. free is a
 * counter. free_all is one munmap per dedicated block. destroy unmaps every
 * block. Each block's first page becomes resident when it is mapped (the
 * header is written); the rest only when the program touches it.
 */
#include "pb_assert.h"
#include "pb_backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

extern const struct pb_backend_ops pb_backend_arena;

#define ARENA_MAX_ALIGN 4096
#define ARENA_MAX_BLOCK ((size_t)1 << 40)

/* The header at the start of every block. */
struct arena_block {
    struct arena_block *next;
    size_t len; /* mapping length */
};

/* Every block's size is rounded up to this (alignof(max_align_t)). */
#define ARENA_GRAIN ((size_t)16)

/* Bytes from a block's start to its first usable byte (keeps data 16-aligned). */
#define ARENA_HDR ((sizeof(struct arena_block) + 15) & ~(size_t)15)

struct arena {
    /* hot: touched by every alloc */
    uintptr_t bump;   /* next free byte of the current block */
    uintptr_t limit;  /* end of the current block */
    uintptr_t last;   /* most recent block, if it lies in the current block; else 0 */
    size_t last_size; /* bytes reserved for it */
    size_t granted;
    uint64_t allocs, frees; /* the only counters the fast paths touch (see arena_live) */

    /* cold */
    uint64_t reallocs, free_alls, failures;
    uint64_t null_frees;     /* free(NULL) calls: counted in frees, released nothing */
    uint64_t realloc_births; /* realloc(NULL) calls that made a block */
    uint64_t retired;        /* blocks released by free_all */
    size_t block_size;         /* mapping length of a standard block, whole pages */
    size_t page;
    struct arena_block *first; /* standard blocks, in chain order */
    struct arena_block *cur;   /* the one being bumped */
    struct arena_block *big;   /* dedicated blocks, newest first */
    size_t footprint, peak_footprint;
    char err[PB_ERR_MAX];
};

/* Live blocks, derived rather than counted: one counter per fast path keeps
 * alloc and free from read-modify-writing each other's fields. Never below 0,
 * even if a caller frees a block twice (the arena cannot tell). */
static uint64_t arena_live(const struct arena *a)
{
    uint64_t made = a->allocs + a->realloc_births;
    uint64_t gone = a->frees - a->null_frees + a->retired;
    return made > gone ? made - gone : 0;
}

static const struct pb_option_desc arena_options[] = {
    {"block", "1M", "bytes mapped per block, rounded up to whole pages (k/M/G suffixes)"},
    {NULL, NULL, NULL},
};

static size_t round_up(size_t n, size_t to)
{
    return (n + to - 1) / to * to;
}

static int arena_create(const struct pb_option *opts, size_t n, void **out, char *err,
                        size_t errlen)
{
    if (pb_options_check(&pb_backend_arena, opts, n, err, errlen))
        return -1;
    size_t block = (size_t)1 << 20;
    const char *v = pb_option_get(opts, n, "block");
    if (v && (pb_parse_size(v, &block) || block < 4096 || block > ARENA_MAX_BLOCK)) {
        snprintf(err, errlen, "arena: block=%s is not a size from 4096 to %zu bytes", v,
                 ARENA_MAX_BLOCK);
        return -1;
    }
    struct arena *a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(err, errlen, "arena: out of memory");
        return -1;
    }
    long page = sysconf(_SC_PAGESIZE);
    a->page = page > 0 ? (size_t)page : 4096;
    a->block_size = round_up(block, a->page);
    *out = a;
    return 0;
}

/* Map a block of len bytes (whole pages) and write its header; NULL and why on failure. */
static struct arena_block *map_block(struct arena *a, size_t len, size_t request)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        snprintf(a->err, sizeof a->err,
                 "arena: cannot map a %zu-byte block for a request of %zu bytes", len, request);
        return NULL;
    }
    struct arena_block *b = p;
    b->next = NULL;
    b->len = len;
    a->footprint += len;
    if (a->footprint > a->peak_footprint)
        a->peak_footprint = a->footprint;
    return b;
}

static void use_block(struct arena *a, struct arena_block *b)
{
    a->cur = b;
    a->bump = (uintptr_t)b + ARENA_HDR;
    a->limit = (uintptr_t)b + b->len;
}

/* Is align a power of two from 1 to ARENA_MAX_ALIGN? (0 wraps to SIZE_MAX.) */
static int align_ok(size_t align)
{
    return align - 1 < ARENA_MAX_ALIGN && !(align & (align - 1));
}

/* Bump need bytes aligned to align out of the current block; 0 if they do not fit. */
static uintptr_t bump_take(struct arena *a, size_t need, size_t align)
{
    uintptr_t p = (a->bump + align - 1) & ~(uintptr_t)(align - 1);
    if (p > a->limit || need > a->limit - p)
        return 0;
    a->granted += p + need - a->bump;
    a->bump = p + need;
    pb_assert(a->bump <= a->limit && a->bump % ARENA_GRAIN == 0);
    a->last = p;
    a->last_size = need;
    return p;
}

/* A dedicated block for a request too large for a standard one. */
static uintptr_t big_take(struct arena *a, size_t need, size_t align, size_t off)
{
    if (need > SIZE_MAX - off - a->page) {
        snprintf(a->err, sizeof a->err, "arena: request of %zu bytes is too large", need);
        return 0;
    }
    struct arena_block *b = map_block(a, round_up(off + need, a->page), need);
    if (!b)
        return 0;
    b->next = a->big;
    a->big = b;
    uintptr_t start = (uintptr_t)b + ARENA_HDR;
    uintptr_t p = ((uintptr_t)b + off + align - 1) & ~(uintptr_t)(align - 1);
    pb_assert(p >= start && p + need <= (uintptr_t)b + b->len); /* within its own block */
    a->granted += p + need - start;
    a->last = 0;
    return p;
}

/* Everything but the common case: bad alignment, a new or kept block, a big
 * request. Kept out of line so the fast path needs no stack frame. */
__attribute__((noinline, cold))
static uintptr_t take_slow(struct arena *a, size_t need, size_t align)
{
    if (!align_ok(align)) {
        snprintf(a->err, sizeof a->err,
                 "arena: alignment %zu is not a power of two from 1 to %d", align,
                 ARENA_MAX_ALIGN);
        a->failures++;
        return 0;
    }
    size_t off = align > ARENA_HDR ? align : ARENA_HDR; /* blocks are page aligned */
    uintptr_t p;
    if (need > a->block_size - off) {
        p = big_take(a, need, align, off);
    } else {
        struct arena_block *b = a->cur ? a->cur->next : NULL;
        if (!b) {
            b = map_block(a, a->block_size, need);
            if (b && a->cur)
                a->cur->next = b;
            else if (b)
                a->first = b;
        }
        p = 0;
        if (b) {
            use_block(a, b);
            p = bump_take(a, need, align);
        }
    }
    if (!p)
        a->failures++;
    return p;
}

/* size rounded up to the granule; a size-0 request takes one granule. */
static size_t grain(size_t size)
{
    return size ? (size + ARENA_GRAIN - 1) & ~(ARENA_GRAIN - 1) : ARENA_GRAIN;
}

/* need bytes aligned to align; 0 (reason in err) on refusal. */
static uintptr_t arena_take(struct arena *a, size_t size, size_t align)
{
    if (size > SIZE_MAX - ARENA_GRAIN) {
        snprintf(a->err, sizeof a->err, "arena: request of %zu bytes is too large", size);
        a->failures++;
        return 0;
    }
    size_t need = grain(size);
    if (align_ok(align)) {
        uintptr_t p = bump_take(a, need, align);
        if (p)
            return p;
    }
    return take_slow(a, need, align);
}

static void *arena_alloc(void *self, size_t size, size_t align)
{
    struct arena *a = self;
    uintptr_t p = arena_take(a, size, align);
    if (p)
        a->allocs++;
    return (void *)p;
}

/* Take a dead block's rounded size back from granted_bytes. */
static void ungrant(struct arena *a, size_t size)
{
    size_t g = grain(size);
    a->granted = a->granted > g ? a->granted - g : 0;
}

static int arena_free(void *self, void *ptr, size_t size)
{
    struct arena *a = self;
    a->frees++;
    if (!ptr)
        a->null_frees++;
    else
        ungrant(a, size);
    return 0;
}

static void *arena_realloc(void *self, void *ptr, size_t old_size, size_t new_size,
                           size_t align)
{
    struct arena *a = self;
    uintptr_t p = (uintptr_t)ptr;
    if (new_size > SIZE_MAX - ARENA_GRAIN) {
        snprintf(a->err, sizeof a->err, "arena: request of %zu bytes is too large", new_size);
        a->failures++;
        return NULL;
    }
    size_t need = grain(new_size);
    if (p && p == a->last && align_ok(align) && !(p & (align - 1)) && need <= a->limit - p) {
        a->granted = a->granted - a->last_size + need;
        a->bump = p + need;
        a->last_size = need;
        a->reallocs++;
        return ptr;
    }
    uintptr_t q = arena_take(a, new_size, align);
    if (!q)
        return NULL;
    if (!p) {
        a->realloc_births++;
    } else {
        memcpy((void *)q, ptr, old_size < new_size ? old_size : new_size);
        ungrant(a, old_size);
    }
    a->reallocs++;
    return (void *)q;
}

static void unmap_list(struct arena *a, struct arena_block *b)
{
    while (b) {
        struct arena_block *next = b->next;
        a->footprint -= b->len;
        munmap(b, b->len);
        b = next;
    }
}

static void arena_free_all(void *self)
{
    struct arena *a = self;
    unmap_list(a, a->big);
    a->big = NULL;
    if (a->first)
        use_block(a, a->first);
    a->last = 0;
    a->granted = 0;
    a->retired += arena_live(a);
    a->free_alls++;
}

static void arena_stats(void *self, struct pb_backend_stats *out)
{
    const struct arena *a = self;
    *out = (struct pb_backend_stats){
        .footprint_bytes = a->footprint,
        .peak_footprint_bytes = a->peak_footprint,
        .granted_bytes = a->granted,
        .live_blocks = (size_t)arena_live(a),
        .allocs = a->allocs,
        .frees = a->frees,
        .reallocs = a->reallocs,
        .free_alls = a->free_alls,
        .failures = a->failures,
    };
}

/* ---- check: the invariants above, verified ---- */

/* What check_chain learns of one chain of blocks. */
struct arena_walk {
    size_t bytes;    /* mapping lengths */
    size_t used;     /* bytes bumped out of them (standard: up to cur's bump) */
    int saw_cur;     /* cur is in this chain */
};

/* Walk one chain: standard blocks (std) are block_size long, dedicated ones
 * longer; a chain longer than the footprint allows is a cycle. */
static int check_chain(const struct arena *a, const struct arena_block *b, int std,
                       struct arena_walk *w, char *msg, size_t len)
{
    size_t most = a->footprint / a->page, n = 0;
    int before_cur = std;
    for (; b; b = b->next, n++) {
        if (n == most || (uintptr_t)b % a->page || b->len % a->page ||
            (std ? b->len != a->block_size : b->len <= a->block_size)) {
            snprintf(msg, len, "arena: %s block %zu at %p: misplaced or of the wrong length, "
                     "or the chain is longer than the footprint of %zu bytes allows",
                     std ? "standard" : "dedicated", n, (const void *)b, a->footprint);
            return -1;
        }
        w->bytes += b->len;
        if (b == a->cur) {
            w->saw_cur = 1;
            w->used += (size_t)(a->bump - ((uintptr_t)b + ARENA_HDR));
            before_cur = 0;
        } else if (before_cur || !std) {
            w->used += b->len - ARENA_HDR;
        }
    }
    return 0;
}

/* The bump pointer and the last block lie within the current block. */
static int check_bump(const struct arena *a, char *msg, size_t len)
{
    if (!a->cur) {
        if (a->first || a->bump || a->limit || a->last) {
            snprintf(msg, len, "arena: no current block, yet a chain or a bump range");
            return -1;
        }
        return 0;
    }
    uintptr_t start = (uintptr_t)a->cur + ARENA_HDR;
    if (a->limit != (uintptr_t)a->cur + a->cur->len || a->bump < start || a->bump > a->limit ||
        a->bump % ARENA_GRAIN) {
        snprintf(msg, len, "arena: bump pointer %#lx is not a granule of the current block "
                 "[%#lx, %#lx)", (unsigned long)a->bump, (unsigned long)start,
                 (unsigned long)a->limit);
        return -1;
    }
    if (a->last && (a->last < start || a->last + a->last_size != a->bump)) {
        snprintf(msg, len, "arena: the last block (%#lx, %zu bytes) does not end at the bump",
                 (unsigned long)a->last, a->last_size);
        return -1;
    }
    return 0;
}

/* The check op: chains, bump, footprint and granted bytes against the blocks. */
static int arena_check(void *self, char *msg, size_t len)
{
    const struct arena *a = self;
    struct arena_walk std = {0, 0, 0}, big = {0, 0, 0};
    if (check_bump(a, msg, len) || check_chain(a, a->first, 1, &std, msg, len) ||
        check_chain(a, a->big, 0, &big, msg, len))
        return -1;
    if (std.saw_cur != (a->cur != NULL) || big.saw_cur) {
        snprintf(msg, len, "arena: the current block is not in the chain of standard blocks");
        return -1;
    }
    if (std.bytes + big.bytes != a->footprint || a->peak_footprint < a->footprint) {
        snprintf(msg, len, "arena: blocks of %zu bytes mapped, footprint says %zu (peak %zu)",
                 std.bytes + big.bytes, a->footprint, a->peak_footprint);
        return -1;
    }
    if (a->granted > std.used + big.used) {
        snprintf(msg, len, "arena: %zu bytes granted, only %zu bumped out of the blocks",
                 a->granted, std.used + big.used);
        return -1;
    }
    return 0;
}

static int list_mappings(const struct arena_block *b, pb_mapping_fn fn, void *ctx)
{
    for (; b; b = b->next) {
        struct pb_mapping m = {(void *)b, b->len};
        if (fn(&m, ctx))
            return 1;
    }
    return 0;
}

static int arena_mappings(void *self, pb_mapping_fn fn, void *ctx)
{
    const struct arena *a = self;
    return list_mappings(a->first, fn, ctx) || list_mappings(a->big, fn, ctx);
}

static size_t arena_config(void *self, struct pb_config_entry *out, size_t max)
{
    const struct arena *a = self;
    if (max < 1)
        return 0;
    snprintf(out[0].key, sizeof out[0].key, "block");
    snprintf(out[0].value, sizeof out[0].value, "%zu", a->block_size);
    return 1;
}

static const char *arena_last_error(void *self)
{
    return ((const struct arena *)self)->err;
}

static void arena_destroy(void *self)
{
    struct arena *a = self;
    if (!a)
        return;
    unmap_list(a, a->big);
    unmap_list(a, a->first);
    free(a);
}

const struct pb_backend_ops pb_backend_arena = {
    .version = PB_BACKEND_API_VERSION,
    .name = "arena",
    .description = "bump allocator over chained mmap'd blocks; free is a no-op",
    .flags = PB_BK_OWN_MAPPINGS | PB_BK_FREE_ALL | PB_BK_FREE_NOOP,
    .options = arena_options,
    .available = NULL,
    .create = arena_create,
    .alloc = arena_alloc,
    .free = arena_free,
    .realloc = arena_realloc,
    .free_all = arena_free_all,
    .stats = arena_stats,
    .mappings = arena_mappings,
    .config = arena_config,
    .last_error = arena_last_error,
    .destroy = arena_destroy,
    .check = arena_check,
};
