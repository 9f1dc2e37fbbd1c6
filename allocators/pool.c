/*
 * pool.c -- a fixed-size pool allocator: GingerBill's pool (the seed) grown
 * into slabs, carved lazily, with an optional checked mode.
 *
 * Layout. Memory comes from the OS in slabs of `slab` bytes (option, rounded
 * up to whole pages), each its own anonymous mmap, never from malloc. A slab
 * holds slab / chunk chunks of `chunk` bytes at offsets 0, chunk, 2*chunk...;
 * the tail slab % chunk is never used. The slab list itself (base addresses,
 * an address-sorted index and, in checked mode, the bitmaps) lives in
 * bookkeeping outside the slabs, so a slab is nothing but chunks. The
 * instance and the slab tables are mmap'd (pb_hmem.h), never malloc'd, so a
 * run against the pool makes no malloc call (tests/harness_no_malloc.sh);
 * only checked mode's bitmaps are malloc'd.
 *
 * Invariants:
 *   - chunk is a multiple of align and at least sizeof(void *): a free chunk
 *     holds the free list's next pointer in its first bytes (the seed's
 *     stated limitation; a pool of 1-byte objects still pays 8 bytes each).
 *     Slabs are page aligned and align <= 4096 <= page size, so every chunk
 *     is aligned to align.
 *   - Each chunk is in exactly one state: live (handed out), free (on the
 *     LIFO free list) or uncarved. Slabs [0, cur) are fully carved, slab cur
 *     is carved below the bump pointer, slabs after cur are uncarved (they
 *     exist only after a free_all rewound the pool).
 *   - alloc pops the free list first (the most recently freed chunk comes
 *     back first), then bumps through slab cur, then moves to the next kept
 *     slab, and only then maps a new one. No chunk is written before it is
 *     handed out, so a page becomes resident only when the program touches
 *     it (GingerBill's pool_free_all threads the list through every chunk and
 *     so makes the whole pool resident up front).
 *   - free_all empties the free list and rewinds the bump to slab 0 without
 *     touching a slab's pages; slabs stay mapped until destroy.
 *
 * Costs:
 *   - alloc, free: O(1), about fifteen instructions each (a load and a store
 *     of the list head, or a pointer bump; the refusal compares; one counter:
 *     live blocks are derived from the counters, not kept). A new slab costs
 *     one mmap per slab / chunk allocations. free_all: O(slabs) on the
 *     bookkeeping only. destroy: one munmap per slab.
 *   - Refusals: a request larger than chunk, or aligned more than align, is
 *     refused with a reason (no fallback).
 *   - Memory: internal waste chunk - size per live block; the slab tail; the
 *     bookkeeping (whole pages: the instance, and tables of about 2 words per
 *     slab; plus slab / chunk / 8 bytes per slab in checked mode) is NOT
 *     counted in footprint_bytes, which counts the mapped slabs only (what
 *     mincore() can see).
 *
 * Checked mode (option checked=1) adds a bitmap of live chunks per slab and
 * finds a pointer's slab by binary search over the address-sorted index: a
 * double free, a pointer outside every slab, an interior pointer, a pointer
 * in a slab's unused tail or a free of more than a chunk is reported (-1 and
 * last_error) and the pool stays intact. alloc and free then cost
 * O(log slabs) plus a bit operation. A write into a freed chunk (use after
 * free) still corrupts the free list (the list lives in the chunks), but
 * checked mode notices: before each alloc it checks that the list's head is
 * a free chunk of this pool, and every free_all runs the check op. A pool
 * found corrupt refuses every request from then on, saying what it found.
 * Unchecked, an invalid free silently corrupts the list, as in the seed.
 *
 * The check op (pb_pool_core_check, pool_core.c) verifies the invariants
 * above: the slab table sorted by address and disjoint, the bump pointer on a
 * chunk boundary of slab cur, every free-list entry a carved chunk of a slab
 * (checked: not marked live), free-list length + live blocks = chunks carved,
 * so no chunk is on the list twice or both live and free; checked, the
 * bitmaps mark exactly the live count. In return mode pool-small's check
 * (pool_small.c) runs on its core instead. O(slabs + free chunks).
 *
 * The slab and free-list core (struct pb_pool_core, pool_core.h/.c) is shared
 * with pools.c and pool_tag.c; its fast paths are inline, so this file's
 * alloc and free compile as before.
 *
 * Page return (option return=N, default off). With one LIFO list threaded
 * through every slab, an empty slab's chunks are scattered over the list and
 * cannot be dropped in O(1). So return=N runs the pool on pool-small's core
 * instead (pool_small.h): per-slab free lists of chunk indices, slabs aligned
 * to their size (slab rounded up to a power of two; the first chunk slot of
 * each holds a 32-byte header), at most N empty slabs kept resident and the
 * next one to empty given back with madvise(MADV_DONTNEED); see pool_small.c.
 * The default fast paths are unchanged: in return mode the pool core holds no
 * slab, so alloc always falls to the slow path, and `detour` sends free to
 * its slow path; each costs a call more. Not combinable with checked=1.
 *
 * Fallback (option fallback=NAME, default none). Requests the pool would
 * refuse (larger than a chunk, more aligned than the pool) go instead to an
 * embedded instance of the registered backend NAME, default options
 * (fallback.h: malloc or pools; not a fixed-size, tagged, process-wide or
 * memoryless one, nor one whose free releases nothing). alloc and free
 * route by size first: a block larger than a chunk is the fallback's, one
 * call away (pool_alloc_big, pool_free_big: the fallback's call and two
 * counters, as a program's `size > 48 ? malloc : pool` would pay). One that
 * fits a chunk is the pool's, unless over-aligned small fallback blocks are
 * live: then `detour` is set and the slow free asks the fallback's set
 * (fallback.c). A realloc beyond the chunk moves the block to the fallback
 * (counted in moved_out, so the pool's live count stays derived); a
 * fallback block stays there. The instance is then not PB_BK_FIXED_SIZE,
 * and not PB_BK_FREE_ALL unless the fallback has a free_all of its own
 * (pools: yes; malloc: no, its blocks are listed nowhere, so the runner
 * frees them one by one) (instance_flags). Stats add the fallback's figures (fallback.c: its
 * footprint and granted bytes; the peak footprint is the sum of the two
 * peaks, an upper bound); class_stats gives it a second row (kind system);
 * mappings list its mappings only if it owns any (pools), not malloc's.
 */
#include "fallback.h"
#include "pb_assert.h"
#include "pb_hmem.h"
#include "pool_core.h"
#include "pool_small.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern const struct pb_backend_ops pb_backend_pool;

#define POOL_MAX_ALIGN 4096
#define POOL_MAX_SLAB ((size_t)1 << 40)

struct pool {
    struct pb_pool_core c;    /* first: its hot fields open the struct */

    /* cold */
    uint64_t reallocs, free_alls, failures;
    uint64_t null_frees;      /* free(NULL) calls: counted in frees, released nothing */
    uint64_t realloc_births;  /* realloc(NULL) calls that made a block */
    uint64_t retired;         /* blocks released by free_all */
    uint64_t moved_out;       /* pool blocks a realloc moved to the fallback */
    struct pb_fallback fb;    /* fallback=NAME: what the pool refuses goes there */
    struct pb_small_core *small; /* return=N: the slabs live here instead of in c */
    int broken;               /* checked mode found the pool corrupt: refuse everything */
    char err[PB_ERR_MAX];     /* (when broken: why, kept until destroy) */
};

/* Live blocks, derived rather than counted: one counter per fast path keeps
 * alloc and free from read-modify-writing each other's fields. */
static uint64_t pool_live(const struct pool *pl)
{
    pb_assert(pl->c.frees >= pl->null_frees);
    return pl->c.allocs + pl->realloc_births - (pl->c.frees - pl->null_frees) - pl->retired -
           pl->moved_out;
}

static const struct pb_option_desc pool_options[] = {
    {"chunk", "64", "chunk size in bytes, rounded up to align (at least sizeof(void *))"},
    {"align", "16", "alignment of every chunk, a power of two up to 4096"},
    {"slab", "64k", "bytes mapped at a time, rounded up to whole pages (k/M/G suffixes)"},
    {"checked", "0", "1: detect double and invalid frees (a bitmap per slab)"},
    {"return", "off", "N: per-slab lists; empty slabs beyond N given back (madvise)"},
    {"fallback", "none", "NAME: requests the pool refuses go to backend NAME (malloc, pools)"},
    {NULL, NULL, NULL},
};

/* ---- options ---- */

static int size_option(const struct pb_option *opts, size_t n, const char *key, size_t *out,
                       char *err, size_t errlen)
{
    const char *v = pb_option_get(opts, n, key);
    if (v && pb_parse_size(v, out)) {
        snprintf(err, errlen, "pool: %s=%s is not a size in bytes", key, v);
        return -1;
    }
    return 0;
}

static size_t round_up(size_t n, size_t to)
{
    return (n + to - 1) / to * to;
}

/* return=N: the slabs on a pool-small core; -1 and why if invalid. */
static int pool_configure_return(struct pool *pl, const struct pb_option *opts, size_t n,
                                 size_t slab, char *err, size_t errlen)
{
    int returning;
    size_t keep;
    if (pb_return_option("pool", opts, n, &returning, &keep, err, errlen))
        return -1;
    if (!returning)
        return 0;
    if (pl->c.checked) {
        snprintf(err, errlen, "pool: checked=1 and return=%zu cannot be combined", keep);
        return -1;
    }
    if (slab > ((size_t)1 << 30)) {
        snprintf(err, errlen, "pool: slab=%zu exceeds 1 GiB, the limit with return", slab);
        return -1;
    }
    pl->small = pb_hmem_alloc(sizeof *pl->small);
    if (!pl->small) {
        snprintf(err, errlen, "pool: out of memory");
        return -1;
    }
    size_t pow2 = pb_small_slab_size(slab);
    unsigned width = pow2 / pl->c.chunk <= ((size_t)1 << 16) ? 2 : 4;
    if (pb_small_core_init(pl->small, "pool", pl->c.chunk, pl->c.align, pow2, width, 1, keep,
                           err, errlen)) {
        pb_hmem_free(pl->small, sizeof *pl->small);
        pl->small = NULL;
        return -1;
    }
    pl->c.slab_size = pow2;
    pl->c.detour = 1;
    return 0;
}

/* Set up the core from opts; -1 and why if invalid. */
static int pool_configure(struct pool *pl, const struct pb_option *opts, size_t n,
                          char *err, size_t errlen)
{
    size_t chunk = 64, align = 16, slab = 64 * 1024, checked = 0;
    if (size_option(opts, n, "chunk", &chunk, err, errlen) ||
        size_option(opts, n, "align", &align, err, errlen) ||
        size_option(opts, n, "slab", &slab, err, errlen))
        return -1;
    const char *cv = pb_option_get(opts, n, "checked");
    if (cv && strcmp(cv, "0") != 0 && strcmp(cv, "1") != 0) {
        snprintf(err, errlen, "pool: checked=%s must be 0 or 1", cv);
        return -1;
    }
    checked = cv && strcmp(cv, "1") == 0;
    if (align == 0 || (align & (align - 1)) || align > POOL_MAX_ALIGN) {
        snprintf(err, errlen, "pool: align=%zu must be a power of two from 1 to %d", align,
                 POOL_MAX_ALIGN);
        return -1;
    }
    if (chunk == 0 || chunk > POOL_MAX_SLAB) {
        snprintf(err, errlen, "pool: chunk=%zu must be from 1 to %zu bytes", chunk,
                 POOL_MAX_SLAB);
        return -1;
    }
    if (chunk < sizeof(void *))
        chunk = sizeof(void *); /* room for the free list's next pointer */
    chunk = round_up(chunk, align);
    if (slab < chunk) {
        snprintf(err, errlen, "pool: slab=%zu is smaller than one chunk (%zu bytes)", slab,
                 chunk);
        return -1;
    }
    if (slab > POOL_MAX_SLAB) {
        snprintf(err, errlen, "pool: slab=%zu exceeds the limit of %zu bytes", slab,
                 POOL_MAX_SLAB);
        return -1;
    }
    long page = sysconf(_SC_PAGESIZE);
    pb_pool_core_init(&pl->c, "pool", chunk, align,
                      round_up(slab, page > 0 ? (size_t)page : 4096), (int)checked, 0);
    pl->c.detour = (int)checked;
    if (pool_configure_return(pl, opts, n, slab, err, errlen))
        return -1;
    const char *fv = pb_option_get(opts, n, "fallback");
    if (!fv || strcmp(fv, "none") == 0)
        return 0;
    if (pb_fallback_init(&pl->fb, "pool", fv, pl->c.chunk, err, errlen)) {
        pb_pool_core_release(&pl->c);
        if (pl->small)
            pb_small_core_release(pl->small);
        pb_hmem_free(pl->small, sizeof *pl->small);
        return -1;
    }
    return 0;
}

static int pool_create(const struct pb_option *opts, size_t n, void **out, char *err,
                       size_t errlen)
{
    if (pb_options_check(&pb_backend_pool, opts, n, err, errlen))
        return -1;
    struct pool *pl = pb_hmem_alloc(sizeof *pl); /* zeroed; not from malloc */
    if (!pl) {
        snprintf(err, errlen, "pool: out of memory");
        return -1;
    }
    if (pool_configure(pl, opts, n, err, errlen)) {
        pb_hmem_free(pl, sizeof *pl);
        return -1;
    }
    *out = pl;
    return 0;
}

/* ---- checked mode ---- */

static void bit_set(uint64_t *bits, size_t i, int on)
{
    if (on)
        bits[i / 64] |= (uint64_t)1 << (i % 64);
    else
        bits[i / 64] &= ~((uint64_t)1 << (i % 64));
}

static int bit_get(const uint64_t *bits, size_t i)
{
    return (int)((bits[i / 64] >> (i % 64)) & 1);
}

/* Checked mode: mark chunk p live or free. */
static void mark_chunk(struct pb_pool_core *c, const unsigned char *p, int live)
{
    long s = pb_pool_core_find_slab(c, p);
    size_t idx = (size_t)(p - c->slabs[s].base) / c->chunk;
    bit_set(c->slabs[s].live, idx, live);
}

/* Checked mode: 0 if p is a live chunk of this pool, else -1 and why in err. */
static int check_live(struct pool *pl, const char *what, const unsigned char *p)
{
    const struct pb_pool_core *c = &pl->c;
    long s = pb_pool_core_find_slab(c, p);
    if (s < 0) {
        snprintf(pl->err, sizeof pl->err, "pool: %s of %p: not a pointer into this pool", what,
                 (const void *)p);
        return -1;
    }
    size_t off = (size_t)(p - c->slabs[s].base);
    size_t idx = off / c->chunk;
    if (idx >= c->per_slab) {
        snprintf(pl->err, sizeof pl->err,
                 "pool: %s of %p: in the unused tail of a slab, not a chunk", what,
                 (const void *)p);
        return -1;
    }
    if (off % c->chunk) {
        snprintf(pl->err, sizeof pl->err,
                 "pool: %s of %p: interior pointer, %zu bytes into a %zu-byte chunk", what,
                 (const void *)p, off % c->chunk, c->chunk);
        return -1;
    }
    if (!bit_get(c->slabs[s].live, idx)) {
        const char *why = pb_pool_core_is_carved(c, (size_t)s, idx)
                              ? "the chunk is already free (double free)"
                              : "the chunk is not allocated (stale, or never handed out)";
        snprintf(pl->err, sizeof pl->err, "pool: %s of %p: %s", what, (const void *)p, why);
        return -1;
    }
    return 0;
}

/* ---- alloc and free ---- */

/* Free takes the slow path in checked and return modes, and while the
 * fallback holds small (over-aligned) blocks a size cannot tell apart. */
static void pool_route(struct pool *pl)
{
    pl->c.detour = pl->c.checked || pl->small || pl->fb.small.n;
}

/* Refuse a request the pool cannot serve: 0 if it fits, else -1 and why. */
static int check_request(struct pool *pl, const char *what, size_t size, size_t align)
{
    if (size > pl->c.chunk) {
        snprintf(pl->err, sizeof pl->err, "pool: %s of %zu bytes exceeds chunk size %zu", what,
                 size, pl->c.chunk);
        return -1;
    }
    if (align > pl->c.align) {
        snprintf(pl->err, sizeof pl->err,
                 "pool: %s of %zu bytes aligned to %zu exceeds the pool's alignment %zu", what,
                 size, align, pl->c.align);
        return -1;
    }
    return 0;
}

/* Checked mode found the pool corrupt: from now on every request is refused
 * with why (the free list cannot be trusted, so nothing more is handed out). */
static void pool_break(struct pool *pl, const char *when, const char *why)
{
    snprintf(pl->err, sizeof pl->err, "pool: corrupt (found %s): %.200s", when, why);
    pl->broken = 1;
}

/* Checked mode: a chunk, after making sure the free list's head is a free
 * chunk of this pool: a write into a freed block (use after free) shows here
 * instead of handing out a live or foreign address. */
static unsigned char *checked_take(struct pool *pl)
{
    char why[PB_ERR_MAX];
    if (pl->c.free_head && pb_pool_core_check_entry(&pl->c, pl->c.free_head, why, sizeof why)) {
        pool_break(pl, "by alloc", why);
        return NULL;
    }
    unsigned char *p = pb_pool_core_take(&pl->c, pl->err, sizeof pl->err);
    if (p)
        mark_chunk(&pl->c, p, 1);
    return p;
}

/* Everything but the common case: refusals, slab changes, checked mode. Kept
 * out of line so the fast path in pool_alloc needs no stack frame. */
__attribute__((noinline, cold))
static void *pool_alloc_slow(struct pool *pl, size_t size, size_t align)
{
    if (pl->broken) {
        pl->failures++;
        return NULL;
    }
    if (check_request(pl, "request", size, align)) {
        void *q = pb_fallback_on(&pl->fb)
                      ? pb_fallback_alloc(&pl->fb, size, align, pl->err, sizeof pl->err)
                      : NULL;
        if (!q)
            pl->failures++;
        pool_route(pl);
        return q;
    }
    unsigned char *p;
    if (pl->small) {
        if (!pl->small->avail && pb_small_core_add_slab(pl->small, pl->err, sizeof pl->err)) {
            pl->failures++;
            return NULL;
        }
        pl->c.allocs++;
        return pb_small_core_take(pl->small, pl->small->avail);
    }
    p = pl->c.checked ? checked_take(pl) : pb_pool_core_take(&pl->c, pl->err, sizeof pl->err);
    if (!p) {
        pl->failures++;
        return NULL;
    }
    pb_assert((uintptr_t)p % pl->c.align == 0);
    pl->c.allocs++;
    return p;
}

/* Larger than a chunk: the fallback's, with no more than its own call. */
__attribute__((noinline))
static void *pool_alloc_big(struct pool *pl, size_t size, size_t align)
{
    if (!pb_fallback_on(&pl->fb) || pl->broken)
        return pool_alloc_slow(pl, size, align);
    void *p = pb_fallback_alloc_big(&pl->fb, size, align);
    if (!p) {
        pb_fallback_why(&pl->fb, pl->err, sizeof pl->err);
        pl->failures++;
    }
    return p;
}

static void *pool_alloc(void *self, size_t size, size_t align)
{
    struct pool *pl = self;
    if (size > pl->c.chunk)
        return pool_alloc_big(pl, size, align);
    if (align > pl->c.align || pl->c.checked)
        return pool_alloc_slow(pl, size, align);
    /* pb_pool_core_pop spelled out: its NULL test would cost the bump path a branch. */
    unsigned char *p = pl->c.free_head;
    if (p) {
        pl->c.free_head = pb_pool_core_next(p);
    } else if (pl->c.bump != pl->c.bump_end) {
        p = pl->c.bump;
        pl->c.bump += pl->c.chunk;
    } else {
        return pool_alloc_slow(pl, size, align);
    }
    pl->c.allocs++;
    return p;
}

/* Free in checked or return mode, or with a fallback. */
__attribute__((noinline, cold))
static int pool_free_slow(struct pool *pl, unsigned char *p, size_t size)
{
    if (pb_fallback_on(&pl->fb) && pb_fallback_owns(&pl->fb, p, size)) {
        int rc = pb_fallback_free(&pl->fb, p, size, 1, pl->err, sizeof pl->err);
        pool_route(pl);
        if (rc == 0)
            return 0;
        pl->failures++;
        return -1;
    }
    if (pl->small) {
        pb_small_core_put(pl->small, p);
        pl->c.frees++;
        return 0;
    }
    if (!pl->c.checked) { /* the detour was for the fallback's set only */
        pb_pool_core_push(&pl->c, p);
        pl->c.frees++;
        return 0;
    }
    if (pl->broken || check_live(pl, "free", p)) {
        pl->failures++;
        return -1;
    }
    if (size > pl->c.chunk) {
        snprintf(pl->err, sizeof pl->err,
                 "pool: free of %p: size %zu exceeds chunk size %zu", (void *)p, size,
                 pl->c.chunk);
        pl->failures++;
        return -1;
    }
    mark_chunk(&pl->c, p, 0);
    pb_pool_core_push(&pl->c, p);
    pl->c.frees++;
    return 0;
}

/* Larger than a chunk, with a fallback: the fallback's block. */
__attribute__((noinline))
static int pool_free_big(struct pool *pl, unsigned char *p, size_t size)
{
    if (pb_fallback_free_big(&pl->fb, p, size) == 0)
        return 0;
    pb_fallback_why(&pl->fb, pl->err, sizeof pl->err);
    pl->failures++;
    return -1;
}

static int pool_free(void *self, void *ptr, size_t size)
{
    struct pool *pl = self;
    unsigned char *p = ptr;
    if (!p) {
        pl->c.frees++;
        pl->null_frees++;
        return 0;
    }
    if (size > pl->c.chunk && pb_fallback_on(&pl->fb))
        return pool_free_big(pl, p, size);
    if (pl->c.detour)
        return pool_free_slow(pl, p, size);
    pb_pool_core_push(&pl->c, p);
    pl->c.frees++;
    return 0;
}

/* Give a pool chunk back without counting a free call (a realloc moved it). */
static void pool_unhold(struct pool *pl, unsigned char *p)
{
    if (pl->c.checked)
        mark_chunk(&pl->c, p, 0);
    if (pl->small)
        pb_small_core_put(pl->small, p);
    else
        pb_pool_core_push(&pl->c, p);
    pl->moved_out++;
}

/* realloc with a fallback: a fallback block stays there; a pool block that
 * no longer fits moves to the fallback. */
static void *pool_realloc_fallback(struct pool *pl, void *ptr, size_t old_size,
                                   size_t new_size, size_t align)
{
    void *q;
    if (pb_fallback_owns(&pl->fb, ptr, old_size)) {
        q = pb_fallback_realloc(&pl->fb, ptr, old_size, new_size, align, pl->err,
                                sizeof pl->err);
    } else if (pl->c.checked && check_live(pl, "realloc", ptr)) {
        q = NULL;
    } else if (check_request(pl, "realloc", new_size, align) == 0) {
        q = ptr;
    } else {
        q = pb_fallback_take(&pl->fb, new_size, align, pl->err, sizeof pl->err);
        if (q) {
            memcpy(q, ptr, old_size < new_size ? old_size : new_size);
            pool_unhold(pl, ptr);
        }
    }
    pool_route(pl);
    if (!q) {
        pl->failures++;
        return NULL;
    }
    pl->reallocs++;
    return q;
}

/* Within a chunk a resize is free: the same pointer. Beyond it, refused
 * (or, with a fallback, moved there). */
static void *pool_realloc(void *self, void *ptr, size_t old_size, size_t new_size,
                          size_t align)
{
    (void)old_size;
    struct pool *pl = self;
    if (!ptr && pb_fallback_on(&pl->fb) && !pl->broken &&
        check_request(pl, "realloc", new_size, align)) {
        void *q = pb_fallback_take(&pl->fb, new_size, align, pl->err, sizeof pl->err);
        if (q)
            pl->reallocs++;
        else
            pl->failures++;
        pool_route(pl);
        return q;
    }
    if (!ptr) {
        void *p = pool_alloc_slow(pl, new_size, align);
        if (p) {
            pl->c.allocs--;
            pl->realloc_births++;
            pl->reallocs++;
        }
        return p;
    }
    if (pb_fallback_on(&pl->fb) && !pl->broken)
        return pool_realloc_fallback(pl, ptr, old_size, new_size, align);
    if (pl->broken || (pl->c.checked && check_live(pl, "realloc", ptr)) ||
        check_request(pl, "realloc", new_size, align)) {
        pl->failures++;
        return NULL;
    }
    pl->reallocs++;
    return ptr;
}

/* The counts against the core that holds the slabs; -1 and why (unprefixed). */
static int pool_verify(struct pool *pl, char *why, size_t len)
{
    uint64_t made = pl->c.allocs + pl->realloc_births;
    uint64_t gone = pl->c.frees - pl->null_frees + pl->retired;
    if (pl->c.frees < pl->null_frees || gone > made) {
        snprintf(why, len, "%llu blocks freed or retired, only %llu made",
                 (unsigned long long)gone, (unsigned long long)made);
        return -1;
    }
    if (pl->small && pl->c.n_slabs) {
        snprintf(why, len, "return mode, yet the pointer core holds slabs");
        return -1;
    }
    gone += pl->moved_out;
    if (gone > made) {
        snprintf(why, len, "%llu blocks moved to the fallback, more than remain",
                 (unsigned long long)pl->moved_out);
        return -1;
    }
    if (pb_fallback_check(&pl->fb, why, len))
        return -1;
    if (pl->small)
        return pb_small_core_check(pl->small, made - gone, why, len);
    return pb_pool_core_check(&pl->c, made - gone, why, len);
}

static int pool_check(void *self, char *msg, size_t len)
{
    char why[PB_ERR_MAX];
    if (pool_verify(self, why, sizeof why) == 0)
        return 0;
    snprintf(msg, len, "pool: %s", why);
    return -1;
}

static void pool_free_all(void *self)
{
    struct pool *pl = self;
    char why[PB_ERR_MAX];
    if (pl->c.checked && !pl->broken && pool_verify(pl, why, sizeof why))
        pool_break(pl, "at free_all", why);
    pb_pool_core_reset(&pl->c);
    if (pl->small)
        pb_small_core_reset(pl->small);
    pl->retired += pool_live(pl);
    pb_fallback_free_all(&pl->fb);
    pool_route(pl);
    pl->free_alls++;
}

/* Bytes of slabs held now, and at most, whichever core holds them. */
static size_t pool_footprint(const struct pool *pl)
{
    if (pl->small)
        return pb_small_core_held(pl->small) * pl->small->slab_size;
    return pb_pool_core_footprint(&pl->c);
}

static size_t pool_peak_footprint(const struct pool *pl)
{
    return pl->small ? pl->small->peak_footprint : pl->c.peak_footprint;
}

static void pool_stats(void *self, struct pb_backend_stats *out)
{
    struct pool *pl = self; /* the fallback notes its first stats call */
    *out = (struct pb_backend_stats){
        .footprint_bytes = pool_footprint(pl),
        .peak_footprint_bytes = pool_peak_footprint(pl),
        .granted_bytes = (size_t)pool_live(pl) * pl->c.chunk,
        .live_blocks = (size_t)pool_live(pl),
        .allocs = pl->c.allocs + pl->fb.allocs,
        .frees = pl->c.frees + pl->fb.frees,
        .reallocs = pl->reallocs,
        .free_alls = pl->free_alls,
        .failures = pl->failures,
    };
    pb_fallback_add_stats(&pl->fb, out);
}

static int pool_mappings(void *self, pb_mapping_fn fn, void *ctx)
{
    const struct pool *pl = self;
    int rc = pl->small ? pb_small_core_mappings(pl->small, fn, ctx)
                       : pb_pool_core_mappings(&pl->c, fn, ctx);
    return rc ? rc : pb_fallback_mappings(&pl->fb, fn, ctx);
}

/* The one pool as one row, so utilisation reads the same for every pool backend. */
static size_t pool_class_stats(void *self, struct pb_class_stats *out, size_t max)
{
    struct pool *pl = self; /* the fallback notes its first stats call */
    if (max >= 1)
        out[0] = (struct pb_class_stats){
            .kind = PB_CLASS_SIZE,
            .size = pl->c.chunk,
            .chunks_live = (size_t)pool_live(pl),
            .chunks_carved = pl->small ? pb_small_core_carved(pl->small)
                                       : pb_pool_core_carved(&pl->c),
            .slabs = pl->small ? pb_small_core_held(pl->small) : pl->c.n_slabs,
            .footprint_bytes = pool_footprint(pl),
            .allocs = pl->c.allocs + pl->realloc_births,
        };
    if (!pb_fallback_on(&pl->fb))
        return 1;
    if (max >= 2) {
        struct pb_backend_stats st = {0};
        pb_fallback_add_stats(&pl->fb, &st);
        out[1] = (struct pb_class_stats){
            .kind = PB_CLASS_SYSTEM,
            .chunks_live = st.live_blocks,
            .chunks_carved = st.live_blocks,
            .footprint_bytes = st.granted_bytes,
            .allocs = pl->fb.allocs,
        };
    }
    return 2;
}

static size_t pool_config(void *self, struct pb_config_entry *out, size_t max)
{
    const struct pool *pl = self;
    const size_t values[] = {pl->c.chunk, pl->c.align, pl->c.slab_size, (size_t)pl->c.checked};
    size_t n = 0;
    for (; n < 4 && n < max; n++) {
        snprintf(out[n].key, sizeof out[n].key, "%s", pool_options[n].key);
        snprintf(out[n].value, sizeof out[n].value, "%zu", values[n]);
    }
    if (n < max) {
        snprintf(out[n].key, sizeof out[n].key, "return");
        if (pl->small)
            snprintf(out[n].value, sizeof out[n].value, "%zu", pl->small->keep_empty);
        else
            snprintf(out[n].value, sizeof out[n].value, "off");
        n++;
    }
    if (n < max && pl->small) {
        snprintf(out[n].key, sizeof out[n].key, "slabs_returned");
        snprintf(out[n].value, sizeof out[n].value, "%llu",
                 (unsigned long long)pl->small->slabs_returned);
        n++;
    }
    if (n < max) {
        snprintf(out[n].key, sizeof out[n].key, "fallback");
        snprintf(out[n].value, sizeof out[n].value, "%s",
                 pb_fallback_on(&pl->fb) ? pl->fb.ops->name : "none");
        n++;
    }
    return n;
}

/* With a fallback the pool serves every size: not PB_BK_FIXED_SIZE; and
 * free_all is whole only if the fallback's is (fallback.h). */
static unsigned pool_instance_flags(void *self)
{
    const struct pool *pl = self;
    unsigned f = pb_backend_pool.flags;
    if (pb_fallback_on(&pl->fb))
        f &= ~(unsigned)PB_BK_FIXED_SIZE;
    if (!pb_fallback_frees_all(&pl->fb))
        f &= ~(unsigned)PB_BK_FREE_ALL;
    return f;
}

static const char *pool_last_error(void *self)
{
    return ((const struct pool *)self)->err;
}

static void pool_destroy(void *self)
{
    struct pool *pl = self;
    if (!pl)
        return;
    pb_fallback_release(&pl->fb);
    pb_pool_core_release(&pl->c);
    if (pl->small)
        pb_small_core_release(pl->small);
    pb_hmem_free(pl->small, sizeof *pl->small);
    pb_hmem_free(pl, sizeof *pl);
}

const struct pb_backend_ops pb_backend_pool = {
    .version = PB_BACKEND_API_VERSION,
    .name = "pool",
    .description = "fixed-size chunks carved lazily from mmap'd slabs, LIFO free list",
    .flags = PB_BK_OWN_MAPPINGS | PB_BK_FREE_ALL | PB_BK_FIXED_SIZE,
    .options = pool_options,
    .available = NULL,
    .create = pool_create,
    .alloc = pool_alloc,
    .free = pool_free,
    .realloc = pool_realloc,
    .free_all = pool_free_all,
    .stats = pool_stats,
    .mappings = pool_mappings,
    .config = pool_config,
    .last_error = pool_last_error,
    .destroy = pool_destroy,
    .class_stats = pool_class_stats,
    .check = pool_check,
    .instance_flags = pool_instance_flags,
};
