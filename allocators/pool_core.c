/*
 * pool_core.c -- slabs of the pool core (see pool_core.h): mapping, the
 * slab tables, carving across slabs, reset and release. Only the slow paths
 * live here; the fast paths are inline in pool_core.h.
 */
#include "pool_core.h"

#include "pb_hmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

void pb_pool_core_init(struct pb_pool_core *c, const char *who, size_t chunk, size_t align,
                       size_t slab_size, int checked, int align_slabs)
{
    /* a free chunk holds the list's next pointer; chunks at multiples of chunk are aligned */
    pb_assert(chunk >= sizeof(void *) && align > 0 && chunk % align == 0 && slab_size >= chunk);
    *c = (struct pb_pool_core){
        .chunk = chunk,
        .align = align,
        .checked = checked,
        .slab_size = slab_size,
        .per_slab = slab_size / chunk,
        .bitmap_words = (slab_size / chunk + 63) / 64,
        .align_slabs = align_slabs,
        .who = who,
    };
}

void pb_pool_core_set_source(struct pb_pool_core *c, pb_slab_source_fn fn, void *ctx)
{
    c->source = fn;
    c->source_ctx = ctx;
}

void *pb_map_aligned(size_t len, size_t align)
{
    long pg = sysconf(_SC_PAGESIZE);
    size_t page = pg > 0 ? (size_t)pg : 4096;
    if (align <= page) {
        void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        return p == MAP_FAILED ? NULL : p;
    }
    size_t span = len + align - page;
    void *raw = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED)
        return NULL;
    uintptr_t start = (uintptr_t)raw;
    uintptr_t aligned = (start + align - 1) & ~(uintptr_t)(align - 1);
    size_t head = aligned - start, tail = span - head - len;
    if (head)
        munmap(raw, head);
    if (tail)
        munmap((unsigned char *)aligned + len, tail);
    return (void *)aligned;
}

static void set_slab_current(struct pb_pool_core *c, size_t i)
{
    pb_assert(i < c->n_slabs);
    c->cur = i;
    c->bump = c->slabs[i].base;
    c->bump_end = c->bump + c->per_slab * c->chunk;
}

/* The slab tables come from pb_hmem, not malloc: with a pool as the backend,
 * the process makes no malloc call during a run (tests/harness_no_malloc.sh). */
static int grow_tables(struct pb_pool_core *c)
{
    if (c->n_slabs < c->cap_slabs)
        return 0;
    size_t cap = c->cap_slabs ? 2 * c->cap_slabs : 8;
    struct pb_pool_slab *s = pb_hmem_calloc(cap, sizeof *s);
    size_t *idx = pb_hmem_calloc(cap, sizeof *idx);
    if (!s || !idx) {
        pb_hmem_free(s, cap * sizeof *s);
        pb_hmem_free(idx, cap * sizeof *idx);
        return -1;
    }
    if (c->n_slabs) {
        memcpy(s, c->slabs, c->n_slabs * sizeof *s);
        memcpy(idx, c->by_addr, c->n_slabs * sizeof *idx);
    }
    pb_hmem_free(c->slabs, c->cap_slabs * sizeof *c->slabs);
    pb_hmem_free(c->by_addr, c->cap_slabs * sizeof *c->by_addr);
    c->slabs = s;
    c->by_addr = idx;
    c->cap_slabs = cap;
    return 0;
}

/* Insert slab i into the address-sorted index. */
static void index_slab(struct pb_pool_core *c, size_t i)
{
    size_t k = c->n_slabs - 1;
    while (k > 0 && c->slabs[c->by_addr[k - 1]].base > c->slabs[i].base) {
        c->by_addr[k] = c->by_addr[k - 1];
        k--;
    }
    c->by_addr[k] = i;
}

/* Map one more slab and make it current. -1 (reason in err) on failure. */
static int map_slab(struct pb_pool_core *c, char *err, size_t errlen)
{
    if (grow_tables(c)) {
        snprintf(err, errlen, "%s: out of memory for the slab table", c->who);
        return -1;
    }
    uint64_t *bits = NULL;
    if (c->checked) {
        bits = calloc(c->bitmap_words, sizeof *bits);
        if (!bits) {
            snprintf(err, errlen, "%s: out of memory for a slab bitmap", c->who);
            return -1;
        }
    }
    void *base = c->source ? c->source(c->source_ctx, c)
                           : pb_map_aligned(c->slab_size, c->align_slabs ? c->slab_size : 1);
    if (!base) {
        free(bits);
        snprintf(err, errlen, "%s: cannot map a slab of %zu bytes", c->who, c->slab_size);
        return -1;
    }
    pb_assert((uintptr_t)base % (c->align_slabs ? c->slab_size : c->align) == 0);
    size_t i = c->n_slabs++;
    c->slabs[i].base = base;
    c->slabs[i].live = bits;
    index_slab(c, i);
    set_slab_current(c, i);
    size_t footprint = c->n_slabs * c->slab_size;
    if (footprint > c->peak_footprint)
        c->peak_footprint = footprint;
    return 0;
}

long pb_pool_core_find_slab(const struct pb_pool_core *c, const unsigned char *p)
{
    size_t lo = 0, hi = c->n_slabs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const unsigned char *base = c->slabs[c->by_addr[mid]].base;
        if (p < base)
            hi = mid;
        else if (p >= base + c->slab_size)
            lo = mid + 1;
        else
            return (long)c->by_addr[mid];
    }
    return -1;
}

unsigned char *pb_pool_core_take(struct pb_pool_core *c, char *err, size_t errlen)
{
    unsigned char *p = c->free_head;
    if (p) {
        c->free_head = pb_pool_core_next(p);
        return p;
    }
    if (c->bump == c->bump_end) {
        if (c->n_slabs > 0 && c->cur + 1 < c->n_slabs)
            set_slab_current(c, c->cur + 1);
        else if (map_slab(c, err, errlen))
            return NULL;
    }
    p = c->bump;
    c->bump += c->chunk;
    pb_assert(c->bump <= c->bump_end && (size_t)(p - c->slabs[c->cur].base) % c->chunk == 0);
    return p;
}

void pb_pool_core_reset(struct pb_pool_core *c)
{
    c->free_head = NULL;
    if (c->n_slabs > 0)
        set_slab_current(c, 0);
    if (c->checked)
        for (size_t i = 0; i < c->n_slabs; i++)
            memset(c->slabs[i].live, 0, c->bitmap_words * sizeof(uint64_t));
}

void pb_pool_core_release(struct pb_pool_core *c)
{
    for (size_t i = 0; i < c->n_slabs; i++) {
        if (!c->source) /* a source's slabs are its own */
            munmap(c->slabs[i].base, c->slab_size);
        if (c->slabs[i].live) /* checked mode's bitmaps; not even free(NULL) otherwise */
            free(c->slabs[i].live);
    }
    pb_hmem_free(c->slabs, c->cap_slabs * sizeof *c->slabs);
    pb_hmem_free(c->by_addr, c->cap_slabs * sizeof *c->by_addr);
    c->slabs = NULL;
    c->by_addr = NULL;
    c->n_slabs = c->cap_slabs = 0;
    c->free_head = c->bump = c->bump_end = NULL;
}

int pb_pool_core_mappings(const struct pb_pool_core *c, pb_mapping_fn fn, void *ctx)
{
    for (size_t i = 0; i < c->n_slabs; i++) {
        struct pb_mapping m = {c->slabs[i].base, c->slab_size};
        if (fn(&m, ctx))
            return 1;
    }
    return 0;
}

size_t pb_pool_core_carved(const struct pb_pool_core *c)
{
    if (c->n_slabs == 0)
        return 0;
    return c->cur * c->per_slab + (size_t)(c->bump - c->slabs[c->cur].base) / c->chunk;
}

int pb_pool_core_is_carved(const struct pb_pool_core *c, size_t s, size_t idx)
{
    if (s != c->cur)
        return s < c->cur;
    return c->slabs[s].base + idx * c->chunk < c->bump;
}

/* ---- check: the invariants of pool.c's block comment ---- */

/* Chunk geometry, the slab table and its address index. */
static int check_slabs(const struct pb_pool_core *c, char *msg, size_t len)
{
    if (c->chunk < sizeof(void *) || c->align == 0 || c->chunk % c->align ||
        c->per_slab != c->slab_size / c->chunk || c->per_slab == 0) {
        snprintf(msg, len, "chunk %zu, align %zu, slab %zu, %zu per slab do not agree",
                 c->chunk, c->align, c->slab_size, c->per_slab);
        return -1;
    }
    if (c->n_slabs > c->cap_slabs || c->peak_footprint < pb_pool_core_footprint(c)) {
        snprintf(msg, len, "%zu slabs in a table of %zu, peak %zu below the footprint",
                 c->n_slabs, c->cap_slabs, c->peak_footprint);
        return -1;
    }
    long pg = sysconf(_SC_PAGESIZE);
    uintptr_t to = c->align_slabs ? c->slab_size : (pg > 0 ? (uintptr_t)pg : 4096);
    for (size_t k = 0; k < c->n_slabs; k++) {
        size_t i = c->by_addr[k];
        const unsigned char *base = i < c->n_slabs ? c->slabs[i].base : NULL;
        if (!base || (uintptr_t)base % to) {
            snprintf(msg, len, "slab index entry %zu (slab %zu) is not an aligned slab", k, i);
            return -1;
        }
        if (k > 0 && c->slabs[c->by_addr[k - 1]].base + c->slab_size > base) {
            snprintf(msg, len, "slabs at %p and %p overlap or are out of address order",
                     (void *)c->slabs[c->by_addr[k - 1]].base, (const void *)base);
            return -1;
        }
    }
    return 0;
}

/* The bump pointer: within slab cur, on a chunk boundary; nothing without slabs. */
static int check_bump(const struct pb_pool_core *c, char *msg, size_t len)
{
    if (c->n_slabs == 0) {
        if (c->free_head || c->bump != c->bump_end) {
            snprintf(msg, len, "no slab, yet a free list or a bump range");
            return -1;
        }
        return 0;
    }
    const unsigned char *base = c->cur < c->n_slabs ? c->slabs[c->cur].base : NULL;
    if (!base || c->bump_end != base + c->per_slab * c->chunk || c->bump < base ||
        c->bump > c->bump_end || (size_t)(c->bump - base) % c->chunk) {
        snprintf(msg, len, "bump pointer %p is not a chunk boundary of slab %zu",
                 (void *)c->bump, c->cur);
        return -1;
    }
    return 0;
}

int pb_pool_core_check_entry(const struct pb_pool_core *c, const unsigned char *p, char *msg,
                             size_t len)
{
    long s = pb_pool_core_find_slab(c, p);
    if (s < 0) {
        snprintf(msg, len, "free-list entry %p lies outside every slab", (const void *)p);
        return -1;
    }
    size_t off = (size_t)(p - c->slabs[s].base), idx = off / c->chunk;
    if (off % c->chunk || idx >= c->per_slab) {
        snprintf(msg, len, "free-list entry %p is not a chunk of slab %ld", (const void *)p, s);
        return -1;
    }
    if (!pb_pool_core_is_carved(c, (size_t)s, idx)) {
        snprintf(msg, len, "free-list entry %p was never carved", (const void *)p);
        return -1;
    }
    if (c->checked && (c->slabs[s].live[idx / 64] >> (idx % 64) & 1)) {
        snprintf(msg, len, "free-list entry %p is marked live", (const void *)p);
        return -1;
    }
    return 0;
}

/* Checked mode: the bitmaps mark exactly `live` chunks, all of them carved. */
static int check_bitmaps(const struct pb_pool_core *c, uint64_t live, char *msg, size_t len)
{
    uint64_t marked = 0;
    for (size_t s = 0; s < c->n_slabs; s++) {
        for (size_t idx = 0; idx < c->bitmap_words * 64; idx++) {
            uint64_t word = c->slabs[s].live[idx / 64];
            if (word == 0)
                idx |= 63; /* skip the empty word */
            if (!(word >> (idx % 64) & 1))
                continue;
            if (idx >= c->per_slab || !pb_pool_core_is_carved(c, s, idx)) {
                snprintf(msg, len, "chunk %zu of slab %zu is marked live, never carved", idx,
                         s);
                return -1;
            }
            marked++;
        }
    }
    if (marked != live) {
        snprintf(msg, len, "%llu chunks are marked live, %llu are live by the counts",
                 (unsigned long long)marked, (unsigned long long)live);
        return -1;
    }
    return 0;
}

int pb_pool_core_check(const struct pb_pool_core *c, uint64_t live, char *msg, size_t len)
{
    if (check_slabs(c, msg, len) || check_bump(c, msg, len))
        return -1;
    size_t carved = pb_pool_core_carved(c);
    if (live > carved) {
        snprintf(msg, len, "%llu blocks live, only %zu chunks carved",
                 (unsigned long long)live, carved);
        return -1;
    }
    /* A chunk on the list twice makes it a cycle: the walk is bounded by the count. */
    size_t free_chunks = carved - (size_t)live, n = 0;
    for (const unsigned char *p = c->free_head; p; p = pb_pool_core_next(p), n++) {
        if (pb_pool_core_check_entry(c, p, msg, len)) /* before its next is read */
            return -1;
        if (n == free_chunks) {
            snprintf(msg, len,
                     "free list longer than the %zu carved chunks not live: a chunk on it "
                     "twice or a live one on it",
                     free_chunks);
            return -1;
        }
    }
    if (n != free_chunks) {
        snprintf(msg, len, "free list holds %zu chunks, carved minus live is %zu", n,
                 free_chunks);
        return -1;
    }
    return c->checked ? check_bitmaps(c, live, msg, len) : 0;
}
