/*
 * pool_tag.c -- one pool per @TAG of the workload (the seed's Pool<T>), the
 * untagged blocks to size classes (pools.c). It measures the seed's worry:
 * many pools, each holding a few objects in a mostly empty slab.
 *
 * Layout. The runner calls alloc_tagged (flag PB_BK_TAGGED) with the block's
 * tag number. The pool of a tag is created on the tag's first request, with
 * chunk = that request's size rounded up to its alignment (at least a
 * pointer) and that alignment; it is a struct pb_pool_core (pool_core.h)
 * whose slabs are mapped aligned to their size (option `slab`, rounded up to
 * a power of two). Untagged requests, and tagged requests a tag's pool cannot
 * serve, go to an embedded pools instance (options `classes`, `slab`).
 *
 * Invariants:
 *   - A tagged request larger than its tag's chunk or more aligned than its
 *     pool (a tag that names several sizes, a call site say) is served by the
 *     size classes and counted (config `tag_spills`): never refused, never
 *     grows the tag's chunk. A first request larger than a slab gives the tag
 *     no pool; all its blocks spill.
 *   - free gets no tag, so the owner is found from the address: a hash table
 *     maps each tag slab's base (ptr & ~(slab - 1)) to its tag; a pointer
 *     whose base is not there belongs to the size classes (their slabs and
 *     malloc's blocks are other mappings, so no base can collide).
 *   - Each tag pool obeys the pool's invariants (lazy carving, LIFO reuse,
 *     free_all rewinds, slabs kept until destroy).
 *
 * Costs:
 *   - alloc: O(1): a table load (tag -> pool) and the pool's fast path. free:
 *     O(1) expected: a mask, a hash probe (usually one), then the pool's or
 *     the classes' fast path. A tag's first request: one malloc. A new slab:
 *     an mmap of 2 * slab, trimmed, and a hash insert.
 *   - Memory: every tag in use holds at least one slab, so T tags cost at
 *     least T * slab bytes of address space, of which the untouched pages are
 *     not resident (carving is lazy); class_stats gives per tag chunks_live,
 *     chunks_carved and footprint_bytes to show it. footprint_bytes: tag slabs
 *     plus the classes' footprint (see pools.c).
 *
 * The check op verifies each tag pool (pool.c's check against the tag's live
 * count), that every slab of it is in the slab hash under its tag, the
 * counts of pools, slabs and tag bytes, then the untagged size classes
 * (pools.c's check).
 */
#include "pb_assert.h"
#include "pools.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern const struct pb_backend_ops pb_backend_pool_tag;

#define PT_MAX_TAG (1u << 20)
#define PT_MAX_SLAB ((size_t)1 << 30)

struct tag_pool {
    struct pb_pool_core c;
    uint64_t retired; /* blocks released by free_all */
};

struct pool_tag {
    /* hot */
    struct tag_pool **by_tag; /* indexed by tag number; NULL = no pool (yet) */
    size_t tag_cap;           /* entries in by_tag */
    uintptr_t slab_mask;      /* ~(slab - 1) */
    uintptr_t *slab_keys;     /* hash: tag slab base -> tag; 0 = empty slot */
    unsigned *slab_tags;
    size_t slab_cap, slab_n;  /* slab_cap a power of two (or 0), slab_n <= slab_cap / 2 */
    size_t tag_bytes;         /* bytes of tag slabs mapped */
    size_t peak_footprint;    /* of tag_bytes + classes.footprint */

    /* cold */
    size_t slab_size;
    size_t n_pools;
    uint64_t spills, failures, free_alls;
    struct pb_pools classes;  /* untagged and spilled blocks */
    char err[PB_ERR_MAX];
};

static const struct pb_option_desc pt_options[] = {
    {"slab", "64k", "bytes per slab, tags and classes; rounded up to a power of two for tags"},
    {"classes", "16/32/48/64/80/.../3584", "size classes of the untagged blocks (see pools)"},
    {NULL, NULL, NULL},
};

/* ---- the slab -> tag hash ---- */

static size_t slab_slot(const struct pool_tag *pt, uintptr_t base)
{
    uint64_t h = (uint64_t)base * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 32) & (pt->slab_cap - 1);
}

static int slab_hash_grow(struct pool_tag *pt)
{
    size_t old_cap = pt->slab_cap, cap = old_cap ? 2 * old_cap : 64;
    uintptr_t *old_keys = pt->slab_keys;
    unsigned *old_tags = pt->slab_tags;
    uintptr_t *keys = calloc(cap, sizeof *keys);
    unsigned *tags = calloc(cap, sizeof *tags);
    if (!keys || !tags) {
        free(keys);
        free(tags);
        return -1;
    }
    pt->slab_keys = keys;
    pt->slab_tags = tags;
    pt->slab_cap = cap;
    for (size_t i = 0; i < old_cap; i++) {
        if (!old_keys[i])
            continue;
        size_t j = slab_slot(pt, old_keys[i]);
        while (keys[j])
            j = (j + 1) & (cap - 1);
        keys[j] = old_keys[i];
        tags[j] = old_tags[i];
    }
    free(old_keys);
    free(old_tags);
    return 0;
}

static int slab_hash_insert(struct pool_tag *pt, uintptr_t base, unsigned tag)
{
    if (2 * (pt->slab_n + 1) > pt->slab_cap && slab_hash_grow(pt))
        return -1;
    size_t j = slab_slot(pt, base);
    while (pt->slab_keys[j])
        j = (j + 1) & (pt->slab_cap - 1);
    pt->slab_keys[j] = base;
    pt->slab_tags[j] = tag;
    pt->slab_n++;
    return 0;
}

/* The tag whose pool owns the slab at base, or 0. */
static inline unsigned slab_owner(const struct pool_tag *pt, uintptr_t base)
{
    if (pt->slab_n == 0)
        return 0;
    size_t j = slab_slot(pt, base);
    while (pt->slab_keys[j]) {
        if (pt->slab_keys[j] == base)
            return pt->slab_tags[j];
        j = (j + 1) & (pt->slab_cap - 1);
    }
    return 0;
}

/* ---- options ---- */

static int pt_create(const struct pb_option *opts, size_t n, void **out, char *err,
                     size_t errlen)
{
    if (pb_options_check(&pb_backend_pool_tag, opts, n, err, errlen))
        return -1;
    size_t slab = 64 * 1024;
    const char *sv = pb_option_get(opts, n, "slab");
    if (sv && (pb_parse_size(sv, &slab) || slab == 0 || slab > PT_MAX_SLAB)) {
        snprintf(err, errlen, "pool-per-tag: slab=%s must be a size from 1 to %zu bytes", sv,
                 PT_MAX_SLAB);
        return -1;
    }
    long pg = sysconf(_SC_PAGESIZE);
    size_t pow2 = pg > 0 ? (size_t)pg : 4096;
    while (pow2 < slab)
        pow2 <<= 1;
    struct pool_tag *pt = calloc(1, sizeof *pt);
    if (!pt) {
        snprintf(err, errlen, "pool-per-tag: out of memory");
        return -1;
    }
    if (pb_pools_init(&pt->classes, opts, n, err, errlen)) {
        free(pt);
        return -1;
    }
    pt->slab_size = pow2;
    pt->slab_mask = ~(uintptr_t)(pow2 - 1);
    *out = pt;
    return 0;
}

/* ---- alloc and free ---- */

static void note_footprint(struct pool_tag *pt)
{
    size_t footprint = pt->tag_bytes + pt->classes.footprint;
    if (footprint > pt->peak_footprint)
        pt->peak_footprint = footprint;
}

static void *classes_alloc(struct pool_tag *pt, size_t size, size_t align)
{
    void *p = pb_pools_alloc(&pt->classes, size, align);
    if (!p)
        snprintf(pt->err, sizeof pt->err, "%s", pt->classes.err);
    note_footprint(pt);
    return p;
}

/* The pool of tag, made for a first request of size and align; NULL if the
 * request cannot have one (larger than a slab) or memory is short. */
static struct tag_pool *make_tag_pool(struct pool_tag *pt, unsigned tag, size_t size,
                                      size_t align)
{
    if (tag >= pt->tag_cap) {
        size_t cap = pt->tag_cap ? pt->tag_cap : 64;
        while (cap <= tag)
            cap *= 2;
        struct tag_pool **t = realloc(pt->by_tag, cap * sizeof *t);
        if (!t)
            return NULL;
        memset(t + pt->tag_cap, 0, (cap - pt->tag_cap) * sizeof *t);
        pt->by_tag = t;
        pt->tag_cap = cap;
    }
    size_t chunk = size < sizeof(void *) ? sizeof(void *) : size;
    if (chunk <= pt->slab_size) /* (so the rounding cannot wrap) */
        chunk = (chunk + align - 1) / align * align;
    struct tag_pool *tp = calloc(1, sizeof *tp);
    if (!tp)
        return NULL;
    pt->by_tag[tag] = tp;
    if (chunk > pt->slab_size)
        return tp; /* all zero: chunk 0 serves nothing, so every request spills */
    pb_assert(chunk % align == 0 && chunk >= sizeof(void *));
    pb_pool_core_init(&tp->c, "pool-per-tag", chunk, align, pt->slab_size, 0, 1);
    pt->n_pools++;
    return tp;
}

__attribute__((noinline, cold))
static void *pt_alloc_slow(struct pool_tag *pt, size_t size, size_t align, unsigned tag)
{
    if (tag > PT_MAX_TAG) {
        snprintf(pt->err, sizeof pt->err, "pool-per-tag: tag number %u exceeds %u", tag,
                 PT_MAX_TAG);
        pt->failures++;
        return NULL;
    }
    struct tag_pool *tp = tag < pt->tag_cap ? pt->by_tag[tag] : NULL;
    if (!tp && align <= 4096)
        tp = make_tag_pool(pt, tag, size, align);
    if (!tp || size > tp->c.chunk || align > tp->c.align) {
        pt->spills++;
        return classes_alloc(pt, size, align);
    }
    size_t before = tp->c.n_slabs;
    unsigned char *p = pb_pool_core_take(&tp->c, pt->err, sizeof pt->err);
    if (p && tp->c.n_slabs != before) {
        if (slab_hash_insert(pt, (uintptr_t)tp->c.slabs[tp->c.n_slabs - 1].base, tag)) {
            snprintf(pt->err, sizeof pt->err, "pool-per-tag: out of memory for the slab hash");
            pb_pool_core_push(&tp->c, p); /* unreachable by free: the slab stays unused */
            p = NULL;
        }
        pt->tag_bytes += tp->c.slab_size;
        note_footprint(pt);
    }
    if (!p) {
        pt->failures++;
        return NULL;
    }
    tp->c.allocs++;
    return p;
}

static void *pt_alloc_tagged(void *self, size_t size, size_t align, unsigned tag)
{
    struct pool_tag *pt = self;
    if (tag == 0)
        return classes_alloc(pt, size, align);
    if (tag < pt->tag_cap) {
        struct tag_pool *tp = pt->by_tag[tag];
        if (tp && size <= tp->c.chunk && align <= tp->c.align) {
            unsigned char *p = pb_pool_core_pop(&tp->c);
            if (p) {
                tp->c.allocs++;
                return p;
            }
        }
    }
    return pt_alloc_slow(pt, size, align, tag);
}

static void *pt_alloc(void *self, size_t size, size_t align)
{
    return classes_alloc(self, size, align);
}

static int pt_free(void *self, void *ptr, size_t size)
{
    struct pool_tag *pt = self;
    unsigned tag = ptr ? slab_owner(pt, (uintptr_t)ptr & pt->slab_mask) : 0;
    if (tag) {
        struct tag_pool *tp = pt->by_tag[tag];
        pb_assert(tag < pt->tag_cap && tp && tp->c.chunk); /* only tag pools' slabs are hashed */
        pb_pool_core_push(&tp->c, ptr);
        tp->c.frees++;
        return 0;
    }
    if (pb_pools_free(&pt->classes, ptr, size)) {
        snprintf(pt->err, sizeof pt->err, "%s", pt->classes.err);
        return -1;
    }
    return 0;
}

static uint64_t tag_live(const struct tag_pool *tp)
{
    return tp->c.allocs - tp->c.frees - tp->retired;
}

static void pt_free_all(void *self)
{
    struct pool_tag *pt = self;
    for (size_t t = 0; t < pt->tag_cap; t++) {
        struct tag_pool *tp = pt->by_tag[t];
        if (tp) {
            tp->retired += tag_live(tp);
            pb_pool_core_reset(&tp->c);
        }
    }
    pb_pools_free_all(&pt->classes);
    pt->free_alls++;
}

/* ---- figures ---- */

static void pt_stats(void *self, struct pb_backend_stats *out)
{
    struct pool_tag *pt = self;
    pb_pools_stats(&pt->classes, out);
    for (size_t t = 0; t < pt->tag_cap; t++) {
        const struct tag_pool *tp = pt->by_tag[t];
        if (!tp)
            continue;
        out->allocs += tp->c.allocs;
        out->frees += tp->c.frees;
        out->live_blocks += (size_t)tag_live(tp);
        out->granted_bytes += (size_t)tag_live(tp) * tp->c.chunk;
    }
    out->footprint_bytes += pt->tag_bytes;
    out->peak_footprint_bytes = pt->peak_footprint;
    out->free_alls = pt->free_alls;
    out->failures += pt->failures;
}

/* One row per tag pool (by tag number), then the classes' rows. */
static size_t pt_class_stats(void *self, struct pb_class_stats *out, size_t max)
{
    struct pool_tag *pt = self;
    size_t n = 0;
    for (size_t t = 0; t < pt->tag_cap; t++) {
        const struct tag_pool *tp = pt->by_tag[t];
        if (!tp || tp->c.chunk == 0)
            continue;
        if (n < max)
            out[n] = (struct pb_class_stats){
                .kind = PB_CLASS_TAG,
                .tag = (unsigned)t,
                .size = tp->c.chunk,
                .chunks_live = (size_t)tag_live(tp),
                .chunks_carved = pb_pool_core_carved(&tp->c),
                .slabs = tp->c.n_slabs,
                .footprint_bytes = pb_pool_core_footprint(&tp->c),
                .allocs = tp->c.allocs,
            };
        n++;
    }
    if (n >= max)
        return n + pb_pools_class_stats(&pt->classes, out, 0);
    return n + pb_pools_class_stats(&pt->classes, out + n, max - n);
}

static int pt_mappings(void *self, pb_mapping_fn fn, void *ctx)
{
    struct pool_tag *pt = self;
    for (size_t t = 0; t < pt->tag_cap; t++)
        if (pt->by_tag[t] && pb_pool_core_mappings(&pt->by_tag[t]->c, fn, ctx))
            return 1;
    return pb_pools_mappings(&pt->classes, fn, ctx);
}

static size_t pt_config(void *self, struct pb_config_entry *out, size_t max)
{
    struct pool_tag *pt = self;
    size_t n = 0;
    if (n < max) {
        snprintf(out[n].key, sizeof out[n].key, "tag_slab");
        snprintf(out[n].value, sizeof out[n].value, "%zu", pt->slab_size);
        n++;
    }
    n += pb_pools_config(&pt->classes, out + n, max - n);
    if (n < max) {
        snprintf(out[n].key, sizeof out[n].key, "tag_pools");
        snprintf(out[n].value, sizeof out[n].value, "%zu", pt->n_pools);
        n++;
    }
    if (n < max) {
        snprintf(out[n].key, sizeof out[n].key, "tag_spills");
        snprintf(out[n].value, sizeof out[n].value, "%llu", (unsigned long long)pt->spills);
        n++;
    }
    return n;
}

/* ---- check: the invariants above, verified ---- */

/* One tag's pool: its core, and every slab of it in the slab -> tag hash. */
static int check_tag_pool(const struct pool_tag *pt, unsigned t, char *msg, size_t len)
{
    const struct tag_pool *tp = pt->by_tag[t];
    if (tp->c.chunk == 0) { /* a tag whose first request was larger than a slab */
        if (tp->c.n_slabs || tp->c.allocs || tp->c.frees) {
            snprintf(msg, len, "tag %u has no pool, yet slabs or blocks", t);
            return -1;
        }
        return 0;
    }
    if (tp->c.allocs < tp->c.frees + tp->retired) {
        snprintf(msg, len, "tag %u: more blocks freed than allocated", t);
        return -1;
    }
    char why[PB_ERR_MAX];
    if (pb_pool_core_check(&tp->c, tag_live(tp), why, sizeof why)) {
        snprintf(msg, len, "tag %u: %.200s", t, why);
        return -1;
    }
    for (size_t i = 0; i < tp->c.n_slabs; i++) {
        if (slab_owner(pt, (uintptr_t)tp->c.slabs[i].base) != t) {
            snprintf(msg, len, "tag %u: slab %p is not its own in the slab hash", t,
                     (void *)tp->c.slabs[i].base);
            return -1;
        }
    }
    return 0;
}

/* The check op: every tag pool (pool_core checks, slabs in the hash), the
 * counts of pools, slabs and bytes, then the embedded size classes. */
static int pt_check(void *self, char *msg, size_t len)
{
    struct pool_tag *pt = self;
    char why[PB_ERR_MAX];
    size_t pools = 0, slabs = 0, bytes = 0, keys = 0;
    if (pt->tag_cap && pt->by_tag[0]) {
        snprintf(msg, len, "pool-per-tag: untagged blocks have a tag pool");
        return -1;
    }
    for (size_t t = 1; t < pt->tag_cap; t++) {
        const struct tag_pool *tp = pt->by_tag[t];
        if (!tp)
            continue;
        if (check_tag_pool(pt, (unsigned)t, why, sizeof why)) {
            snprintf(msg, len, "pool-per-tag: %s", why);
            return -1;
        }
        pools += tp->c.chunk != 0;
        slabs += tp->c.n_slabs;
        bytes += pb_pool_core_footprint(&tp->c);
    }
    for (size_t j = 0; j < pt->slab_cap; j++)
        keys += pt->slab_keys[j] != 0;
    if (pools != pt->n_pools || slabs != pt->slab_n || keys != slabs || bytes != pt->tag_bytes ||
        pt->peak_footprint < pt->tag_bytes + pt->classes.footprint) {
        snprintf(msg, len,
                 "pool-per-tag: %zu tag pools, %zu slabs of %zu bytes, %zu hashed; counted "
                 "%zu pools, %zu slabs, %zu bytes",
                 pools, slabs, bytes, keys, pt->n_pools, pt->slab_n, pt->tag_bytes);
        return -1;
    }
    if (pb_pools_check(&pt->classes, why, sizeof why)) {
        snprintf(msg, len, "pool-per-tag: untagged: %s", why);
        return -1;
    }
    return 0;
}

static const char *pt_last_error(void *self)
{
    return ((const struct pool_tag *)self)->err;
}

static void pt_destroy(void *self)
{
    struct pool_tag *pt = self;
    if (!pt)
        return;
    for (size_t t = 0; t < pt->tag_cap; t++) {
        if (pt->by_tag[t]) {
            pb_pool_core_release(&pt->by_tag[t]->c);
            free(pt->by_tag[t]);
        }
    }
    free(pt->by_tag);
    free(pt->slab_keys);
    free(pt->slab_tags);
    pb_pools_release(&pt->classes);
    free(pt);
}

const struct pb_backend_ops pb_backend_pool_tag = {
    .version = PB_BACKEND_API_VERSION,
    .name = "pool-per-tag",
    .description = "one pool per @TAG (Pool<T>), chunk = the tag's first size; untagged to pools",
    .flags = PB_BK_OWN_MAPPINGS | PB_BK_FREE_ALL | PB_BK_TAGGED,
    .options = pt_options,
    .available = NULL,
    .create = pt_create,
    .alloc = pt_alloc,
    .free = pt_free,
    .realloc = NULL,
    .free_all = pt_free_all,
    .stats = pt_stats,
    .mappings = pt_mappings,
    .config = pt_config,
    .last_error = pt_last_error,
    .destroy = pt_destroy,
    .alloc_tagged = pt_alloc_tagged,
    .class_stats = pt_class_stats,
    .check = pt_check,
};
