/*
 * pool.c -- a fixed-size pool allocator: GingerBill's pool (the seed) grown
 * into slabs, carved lazily, with an optional checked mode.
 *
 * Layout. Memory comes from the OS in slabs of `slab` bytes (option, rounded
 * up to whole pages), each its own anonymous mmap, never from malloc. A slab
 * holds slab / chunk chunks of `chunk` bytes at offsets 0, chunk, 2*chunk...;
 * the tail slab % chunk is never used. The slab list itself (base addresses,
 * an address-sorted index and, in checked mode, the bitmaps) lives in
 * malloc'd bookkeeping outside the slabs, so a slab is nothing but chunks.
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
 *     bookkeeping (about 2 words per slab, plus slab / chunk / 8 bytes per
 *     slab in checked mode) is malloc'd and NOT counted in footprint_bytes,
 *     which counts the mapped slabs only (what mincore() can see).
 *
 * Checked mode (option checked=1) adds a bitmap of live chunks per slab and
 * finds a pointer's slab by binary search over the address-sorted index: a
 * double free, a pointer outside every slab, an interior pointer, a pointer
 * in a slab's unused tail or a free of more than a chunk is reported (-1 and
 * last_error) and the pool stays intact. alloc and free then cost
 * O(log slabs) plus a bit operation. A write into a freed chunk (use after
 * free) still corrupts the free list: the list lives in the chunks.
 * Unchecked, an invalid free silently corrupts the list, as in the seed.
 */
#include "pb_backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

extern const struct pb_backend_ops pb_backend_pool;

#define POOL_MAX_ALIGN 4096
#define POOL_MAX_SLAB ((size_t)1 << 40)

struct pool_slab {
    unsigned char *base; /* page-aligned mapping of pool->slab_size bytes */
    uint64_t *live;      /* checked mode: one bit per chunk, set while live */
};

struct pool {
    /* hot: touched by every alloc and free */
    unsigned char *free_head; /* LIFO free list, linked through the chunks */
    unsigned char *bump;      /* next uncarved chunk of slab cur */
    unsigned char *bump_end;  /* end of slab cur's last whole chunk */
    size_t chunk;             /* chunk size, multiple of align */
    size_t align;             /* largest alignment served */
    int checked;              /* checked mode */
    uint64_t allocs, frees;   /* the only counters the fast paths touch (see pool_live) */

    /* cold */
    uint64_t reallocs, free_alls, failures;
    uint64_t null_frees;      /* free(NULL) calls: counted in frees, released nothing */
    uint64_t realloc_births;  /* realloc(NULL) calls that made a block */
    uint64_t retired;         /* blocks released by free_all */
    size_t slab_size;         /* mapping length of every slab, whole pages */
    size_t per_slab;          /* chunks per slab */
    size_t bitmap_words;      /* checked mode: uint64_t words per slab bitmap */
    struct pool_slab *slabs;  /* creation order */
    size_t *by_addr;          /* indices into slabs[], sorted by base address */
    size_t n_slabs, cap_slabs;
    size_t cur;               /* slab being carved (meaningful when n_slabs > 0) */
    size_t peak_footprint;
    char err[PB_ERR_MAX];
};

/* Live blocks, derived rather than counted: one counter per fast path keeps
 * alloc and free from read-modify-writing each other's fields. */
static uint64_t pool_live(const struct pool *pl)
{
    return pl->allocs + pl->realloc_births - (pl->frees - pl->null_frees) - pl->retired;
}

static const struct pb_option_desc pool_options[] = {
    {"chunk", "64", "chunk size in bytes, rounded up to align (at least sizeof(void *))"},
    {"align", "16", "alignment of every chunk, a power of two up to 4096"},
    {"slab", "64k", "bytes mapped at a time, rounded up to whole pages (k/M/G suffixes)"},
    {"checked", "0", "1: detect double and invalid frees (a bitmap per slab)"},
    {NULL, NULL, NULL},
};

/* ---- the free list: the next pointer lives in a free chunk's first bytes ---- */

static unsigned char *chunk_next(const unsigned char *c)
{
    unsigned char *next;
    memcpy(&next, c, sizeof next);
    return next;
}

static void chunk_set_next(unsigned char *c, unsigned char *next)
{
    memcpy(c, &next, sizeof next);
}

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

/* Fill chunk, align, slab_size and checked from opts; -1 and why if invalid. */
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
    pl->chunk = chunk;
    pl->align = align;
    pl->slab_size = round_up(slab, page > 0 ? (size_t)page : 4096);
    pl->per_slab = pl->slab_size / chunk;
    pl->bitmap_words = (pl->per_slab + 63) / 64;
    pl->checked = (int)checked;
    return 0;
}

static int pool_create(const struct pb_option *opts, size_t n, void **out, char *err,
                       size_t errlen)
{
    if (pb_options_check(&pb_backend_pool, opts, n, err, errlen))
        return -1;
    struct pool *pl = calloc(1, sizeof *pl);
    if (!pl) {
        snprintf(err, errlen, "pool: out of memory");
        return -1;
    }
    if (pool_configure(pl, opts, n, err, errlen)) {
        free(pl);
        return -1;
    }
    *out = pl;
    return 0;
}

/* ---- slabs ---- */

static void set_slab_current(struct pool *pl, size_t i)
{
    pl->cur = i;
    pl->bump = pl->slabs[i].base;
    pl->bump_end = pl->bump + pl->per_slab * pl->chunk;
}

static int grow_tables(struct pool *pl)
{
    if (pl->n_slabs < pl->cap_slabs)
        return 0;
    size_t cap = pl->cap_slabs ? 2 * pl->cap_slabs : 8;
    struct pool_slab *s = realloc(pl->slabs, cap * sizeof *s);
    if (!s)
        return -1;
    pl->slabs = s;
    size_t *idx = realloc(pl->by_addr, cap * sizeof *idx);
    if (!idx)
        return -1;
    pl->by_addr = idx;
    pl->cap_slabs = cap;
    return 0;
}

/* Insert slab i into the address-sorted index. */
static void index_slab(struct pool *pl, size_t i)
{
    size_t k = pl->n_slabs - 1;
    while (k > 0 && pl->slabs[pl->by_addr[k - 1]].base > pl->slabs[i].base) {
        pl->by_addr[k] = pl->by_addr[k - 1];
        k--;
    }
    pl->by_addr[k] = i;
}

/* Map one more slab and make it current. -1 (reason in err) on failure. */
static int map_slab(struct pool *pl)
{
    if (grow_tables(pl)) {
        snprintf(pl->err, sizeof pl->err, "pool: out of memory for the slab table");
        return -1;
    }
    uint64_t *bits = NULL;
    if (pl->checked) {
        bits = calloc(pl->bitmap_words, sizeof *bits);
        if (!bits) {
            snprintf(pl->err, sizeof pl->err, "pool: out of memory for a slab bitmap");
            return -1;
        }
    }
    void *base = mmap(NULL, pl->slab_size, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) {
        free(bits);
        snprintf(pl->err, sizeof pl->err, "pool: cannot map a slab of %zu bytes",
                 pl->slab_size);
        return -1;
    }
    size_t i = pl->n_slabs++;
    pl->slabs[i].base = base;
    pl->slabs[i].live = bits;
    index_slab(pl, i);
    set_slab_current(pl, i);
    size_t footprint = pl->n_slabs * pl->slab_size;
    if (footprint > pl->peak_footprint)
        pl->peak_footprint = footprint;
    return 0;
}

/* The index in slabs[] of the slab holding p, or -1 when p is in none. */
static long find_slab(const struct pool *pl, const unsigned char *p)
{
    size_t lo = 0, hi = pl->n_slabs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const unsigned char *base = pl->slabs[pl->by_addr[mid]].base;
        if (p < base)
            hi = mid;
        else if (p >= base + pl->slab_size)
            lo = mid + 1;
        else
            return (long)pl->by_addr[mid];
    }
    return -1;
}

/* ---- chunks ---- */

/* A chunk from the free list, slab cur, the next kept slab or a new slab; NULL if none. */
static unsigned char *take_chunk(struct pool *pl)
{
    unsigned char *c = pl->free_head;
    if (c) {
        pl->free_head = chunk_next(c);
        return c;
    }
    if (pl->bump == pl->bump_end) {
        if (pl->n_slabs > 0 && pl->cur + 1 < pl->n_slabs)
            set_slab_current(pl, pl->cur + 1);
        else if (map_slab(pl))
            return NULL;
    }
    c = pl->bump;
    pl->bump += pl->chunk;
    return c;
}

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

/* Has chunk idx of slab s ever been carved since the last free_all? */
static int carved(const struct pool *pl, size_t s, size_t idx)
{
    if (s != pl->cur)
        return s < pl->cur;
    return pl->slabs[s].base + idx * pl->chunk < pl->bump;
}

/* Checked mode: mark chunk c live or free. */
static void mark_chunk(struct pool *pl, const unsigned char *c, int live)
{
    long s = find_slab(pl, c);
    size_t idx = (size_t)(c - pl->slabs[s].base) / pl->chunk;
    bit_set(pl->slabs[s].live, idx, live);
}

/* Checked mode: 0 if p is a live chunk of this pool, else -1 and why in err. */
static int check_live(struct pool *pl, const char *what, const unsigned char *p)
{
    long s = find_slab(pl, p);
    if (s < 0) {
        snprintf(pl->err, sizeof pl->err, "pool: %s of %p: not a pointer into this pool", what,
                 (const void *)p);
        return -1;
    }
    size_t off = (size_t)(p - pl->slabs[s].base);
    size_t idx = off / pl->chunk;
    if (idx >= pl->per_slab) {
        snprintf(pl->err, sizeof pl->err,
                 "pool: %s of %p: in the unused tail of a slab, not a chunk", what,
                 (const void *)p);
        return -1;
    }
    if (off % pl->chunk) {
        snprintf(pl->err, sizeof pl->err,
                 "pool: %s of %p: interior pointer, %zu bytes into a %zu-byte chunk", what,
                 (const void *)p, off % pl->chunk, pl->chunk);
        return -1;
    }
    if (!bit_get(pl->slabs[s].live, idx)) {
        const char *why = carved(pl, (size_t)s, idx)
                              ? "the chunk is already free (double free)"
                              : "the chunk is not allocated (stale, or never handed out)";
        snprintf(pl->err, sizeof pl->err, "pool: %s of %p: %s", what, (const void *)p, why);
        return -1;
    }
    return 0;
}

/* Refuse a request the pool cannot serve: 0 if it fits, else -1 and why. */
static int check_request(struct pool *pl, const char *what, size_t size, size_t align)
{
    if (size > pl->chunk) {
        snprintf(pl->err, sizeof pl->err, "pool: %s of %zu bytes exceeds chunk size %zu", what,
                 size, pl->chunk);
        return -1;
    }
    if (align > pl->align) {
        snprintf(pl->err, sizeof pl->err,
                 "pool: %s of %zu bytes aligned to %zu exceeds the pool's alignment %zu", what,
                 size, align, pl->align);
        return -1;
    }
    return 0;
}

/* Everything but the common case: refusals, slab changes, checked mode. Kept
 * out of line so the fast path in pool_alloc needs no stack frame. */
__attribute__((noinline, cold))
static void *pool_alloc_slow(struct pool *pl, size_t size, size_t align)
{
    if (check_request(pl, "request", size, align)) {
        pl->failures++;
        return NULL;
    }
    unsigned char *c = take_chunk(pl);
    if (!c) {
        pl->failures++;
        return NULL;
    }
    if (pl->checked)
        mark_chunk(pl, c, 1);
    pl->allocs++;
    return c;
}

static void *pool_alloc(void *self, size_t size, size_t align)
{
    struct pool *pl = self;
    if (size > pl->chunk || align > pl->align || pl->checked)
        return pool_alloc_slow(pl, size, align);
    unsigned char *c = pl->free_head;
    if (c) {
        pl->free_head = chunk_next(c);
    } else if (pl->bump != pl->bump_end) {
        c = pl->bump;
        pl->bump += pl->chunk;
    } else {
        return pool_alloc_slow(pl, size, align);
    }
    pl->allocs++;
    return c;
}

__attribute__((noinline, cold))
static int pool_free_checked(struct pool *pl, unsigned char *p, size_t size)
{
    if (check_live(pl, "free", p)) {
        pl->failures++;
        return -1;
    }
    if (size > pl->chunk) {
        snprintf(pl->err, sizeof pl->err,
                 "pool: free of %p: size %zu exceeds chunk size %zu", (void *)p, size,
                 pl->chunk);
        pl->failures++;
        return -1;
    }
    mark_chunk(pl, p, 0);
    chunk_set_next(p, pl->free_head);
    pl->free_head = p;
    pl->frees++;
    return 0;
}

static int pool_free(void *self, void *ptr, size_t size)
{
    struct pool *pl = self;
    unsigned char *p = ptr;
    if (!p) {
        pl->frees++;
        pl->null_frees++;
        return 0;
    }
    if (pl->checked)
        return pool_free_checked(pl, p, size);
    chunk_set_next(p, pl->free_head);
    pl->free_head = p;
    pl->frees++;
    return 0;
}

/* Within a chunk a resize is free: the same pointer. Beyond it, refused. */
static void *pool_realloc(void *self, void *ptr, size_t old_size, size_t new_size,
                          size_t align)
{
    (void)old_size;
    struct pool *pl = self;
    if (!ptr) {
        void *p = pool_alloc_slow(pl, new_size, align);
        if (p) {
            pl->allocs--;
            pl->realloc_births++;
            pl->reallocs++;
        }
        return p;
    }
    if ((pl->checked && check_live(pl, "realloc", ptr)) ||
        check_request(pl, "realloc", new_size, align)) {
        pl->failures++;
        return NULL;
    }
    pl->reallocs++;
    return ptr;
}

static void pool_free_all(void *self)
{
    struct pool *pl = self;
    pl->free_head = NULL;
    if (pl->n_slabs > 0)
        set_slab_current(pl, 0);
    if (pl->checked)
        for (size_t i = 0; i < pl->n_slabs; i++)
            memset(pl->slabs[i].live, 0, pl->bitmap_words * sizeof(uint64_t));
    pl->retired += pool_live(pl);
    pl->free_alls++;
}

static void pool_stats(void *self, struct pb_backend_stats *out)
{
    const struct pool *pl = self;
    *out = (struct pb_backend_stats){
        .footprint_bytes = pl->n_slabs * pl->slab_size,
        .peak_footprint_bytes = pl->peak_footprint,
        .granted_bytes = (size_t)pool_live(pl) * pl->chunk,
        .live_blocks = (size_t)pool_live(pl),
        .allocs = pl->allocs,
        .frees = pl->frees,
        .reallocs = pl->reallocs,
        .free_alls = pl->free_alls,
        .failures = pl->failures,
    };
}

static int pool_mappings(void *self, pb_mapping_fn fn, void *ctx)
{
    const struct pool *pl = self;
    for (size_t i = 0; i < pl->n_slabs; i++) {
        struct pb_mapping m = {pl->slabs[i].base, pl->slab_size};
        if (fn(&m, ctx))
            return 1;
    }
    return 0;
}

static size_t pool_config(void *self, struct pb_config_entry *out, size_t max)
{
    const struct pool *pl = self;
    const size_t values[] = {pl->chunk, pl->align, pl->slab_size, (size_t)pl->checked};
    size_t n = 0;
    for (; n < 4 && n < max; n++) {
        snprintf(out[n].key, sizeof out[n].key, "%s", pool_options[n].key);
        snprintf(out[n].value, sizeof out[n].value, "%zu", values[n]);
    }
    return n;
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
    for (size_t i = 0; i < pl->n_slabs; i++) {
        munmap(pl->slabs[i].base, pl->slab_size);
        free(pl->slabs[i].live);
    }
    free(pl->slabs);
    free(pl->by_addr);
    free(pl);
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
};
