/*
 * hybrid.c -- the advice of `advise --sites` as one allocator: a pool of its
 * own for each tag named in pool=, an arena for each tag named in arena=,
 * everything else to a fallback (default malloc). The runner calls
 * alloc_tagged (flag PB_BK_TAGGED) with each block's tag number.
 *
 *   hybrid:pool=2/5@32:arena=3:fallback=malloc
 *
 * Layout. create reserves one range of address space (PROT_NONE,
 * MAP_NORESERVE) of HY_REGION bytes per owner (a pool or an arena), owners in
 * the order of their options; an owner's pages are made writable in
 * HY_COMMIT_STEP steps as its bump pointer needs them. free gets no tag, so
 * the owner is found from the address: inside the range, (p - lo) / HY_REGION;
 * outside, the fallback's (malloc's blocks and pools' slabs are other
 * mappings). The fallback is an embedded instance (fallback.h) with limit 0:
 * no block is listed, none needs to be.
 *
 *   - A pool owner: chunk = the CHUNK of TAG@CHUNK, else the tag's first
 *     request; rounded up to 16, so every chunk is 16-aligned. Free chunks
 *     form a LIFO list threaded through them; new ones come from the bump
 *     pointer. A request larger than the chunk or aligned above 16 goes to
 *     the fallback (counted in spills), as does one its region cannot hold.
 *   - An arena owner: a bump pointer (each block rounded up to 16 and to its
 *     alignment); free only counts down the owner's live blocks, and when the
 *     count reaches 0 the bump pointer returns to the region's start (a
 *     reset: the moment the site's blocks have all died). Its pages stay
 *     writable and resident for the next phase. realloc grows the last block
 *     in place, else bumps a new one and copies.
 *
 * Invariants (the check op): for every owner base <= bump <= end <= base +
 * HY_REGION, with [base, end) writable; a pool's free list holds distinct
 * chunks of [base, bump) at chunk boundaries and free + live = carved; an
 * arena's live bytes fit in [base, bump) and live 0 means bump = base after
 * a free; the tag map and the owners agree; then the fallback's check.
 *
 * Costs: alloc_tagged: a table load (tag -> owner), then the pool's pop or
 * the arena's bump, or the fallback's own call. free: two compares and a
 * shift, then a push, a decrement or the fallback's call. Growth: an
 * mprotect per HY_COMMIT_STEP. Memory: HY_REGION of address space per owner
 * (not resident until used); footprint = the writable bytes of every owner
 * plus the fallback's; peak footprint the sum of the parts' peaks (an upper
 * bound). With fallback=malloc the instance is not PB_BK_FREE_ALL
 * (instance_flags), as malloc's blocks are listed nowhere.
 */
#include "fallback.h"
#include "pb_assert.h"
#include "pb_hmem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

extern const struct pb_backend_ops pb_backend_hybrid;

#define HY_MAX_OWNERS 32
#define HY_MAX_TAG 65535u
#define HY_REGION ((size_t)1 << 30)
#define HY_COMMIT_STEP ((size_t)64 << 10)
#define HY_ALIGN 16
#define HY_MAX_CHUNK ((size_t)1 << 20)

enum hy_kind { HY_POOL, HY_ARENA };

struct hy_owner {
    unsigned char *base, *bump, *end; /* [base, end) writable; bump <= end */
    unsigned char *free_head;         /* pool: LIFO list of free chunks */
    size_t chunk;                     /* pool: chunk size (0 until the first request) */
    size_t live_blocks, live_bytes;   /* live_bytes: each block's size rounded to 16 */
    size_t peak_end;                  /* most writable bytes held */
    uint64_t allocs, frees, resets, spills;
    unsigned tag;
    enum hy_kind kind;
};

struct hybrid {
    unsigned char *lo, *hi;  /* the reserved range: owner k at lo + k * HY_REGION */
    uint8_t *owner_of;       /* by tag (0..max_tag): owner index + 1; 0 = the fallback */
    unsigned max_tag;
    struct hy_owner owners[HY_MAX_OWNERS];
    size_t n_owners;
    struct pb_fallback fb;
    uint64_t reallocs, free_alls, failures, null_frees;
    char err[PB_ERR_MAX];
};

static const struct pb_option_desc hybrid_options[] = {
    {"pool", "", "TAG[@CHUNK]/...: a pool of its own for each tag (chunk: its first request)"},
    {"arena", "", "TAG/...: an arena for each tag, reset when its last live block is freed"},
    {"fallback", "malloc", "NAME: every other block (malloc or pools)"},
    {NULL, NULL, NULL},
};

static size_t round16(size_t n)
{
    return (n + HY_ALIGN - 1) & ~(size_t)(HY_ALIGN - 1);
}

/* ---- options ---- */

/* Parse "N" or (pools only) "N@CHUNK" at *s; advance past it. -1 and why. */
static int parse_item(const char **s, enum hy_kind kind, unsigned *tag, size_t *chunk,
                      char *err, size_t errlen)
{
    char *end;
    errno = 0;
    unsigned long t = strtoul(*s, &end, 10);
    if (end == *s || errno || t == 0 || t > HY_MAX_TAG) {
        snprintf(err, errlen, "hybrid: '%.40s' is not a tag number from 1 to %u", *s,
                 HY_MAX_TAG);
        return -1;
    }
    *tag = (unsigned)t;
    *chunk = 0;
    if (*end == '@' && kind == HY_POOL) {
        const char *c = end + 1;
        unsigned long long v = strtoull(c, &end, 10);
        if (end == c || errno || v == 0 || v > HY_MAX_CHUNK) {
            snprintf(err, errlen, "hybrid: tag %u: chunk '%.20s' must be from 1 to %zu bytes",
                     *tag, c, HY_MAX_CHUNK);
            return -1;
        }
        *chunk = round16((size_t)v);
    }
    if (*end != '\0' && *end != '/') {
        snprintf(err, errlen, "hybrid: unexpected '%.20s' in a list of tags (TAG%s/TAG...)",
                 end, kind == HY_POOL ? "[@CHUNK]" : "");
        return -1;
    }
    *s = *end ? end + 1 : end;
    return 0;
}

/* Add one owner per item of text; -1 and why (a tag twice, too many owners). */
static int add_owners(struct hybrid *h, const char *text, enum hy_kind kind, char *err,
                      size_t errlen)
{
    const char *s = text;
    while (s && *s) {
        unsigned tag;
        size_t chunk;
        if (parse_item(&s, kind, &tag, &chunk, err, errlen))
            return -1;
        for (size_t k = 0; k < h->n_owners; k++)
            if (h->owners[k].tag == tag) {
                snprintf(err, errlen, "hybrid: tag %u is named twice", tag);
                return -1;
            }
        if (h->n_owners == HY_MAX_OWNERS) {
            snprintf(err, errlen, "hybrid: at most %d pools and arenas", HY_MAX_OWNERS);
            return -1;
        }
        h->owners[h->n_owners++] = (struct hy_owner){.tag = tag, .kind = kind, .chunk = chunk};
        if (tag > h->max_tag)
            h->max_tag = tag;
    }
    return 0;
}

/* The reserved range and the tag map, once the owners are known. */
static int hybrid_map(struct hybrid *h, char *err, size_t errlen)
{
    h->owner_of = pb_hmem_alloc(h->max_tag + 1);
    if (!h->owner_of) {
        snprintf(err, errlen, "hybrid: out of memory for its tag map");
        return -1;
    }
    if (h->n_owners) {
        void *r = mmap(NULL, h->n_owners * HY_REGION, PROT_NONE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (r == MAP_FAILED) {
            snprintf(err, errlen, "hybrid: cannot reserve %zu MiB of address space: %s",
                     h->n_owners * (HY_REGION >> 20), strerror(errno));
            return -1;
        }
        h->lo = r;
        h->hi = h->lo + h->n_owners * HY_REGION;
    }
    for (size_t k = 0; k < h->n_owners; k++) {
        struct hy_owner *o = &h->owners[k];
        o->base = o->bump = o->end = h->lo + k * HY_REGION;
        h->owner_of[o->tag] = (uint8_t)(k + 1);
    }
    return 0;
}

static void hybrid_release(struct hybrid *h)
{
    pb_fallback_release(&h->fb);
    if (h->lo)
        munmap(h->lo, (size_t)(h->hi - h->lo));
    pb_hmem_free(h->owner_of, (size_t)h->max_tag + 1);
    pb_hmem_free(h, sizeof *h);
}

static int hybrid_create(const struct pb_option *opts, size_t n, void **out, char *err,
                         size_t errlen)
{
    if (pb_options_check(&pb_backend_hybrid, opts, n, err, errlen))
        return -1;
    struct hybrid *h = pb_hmem_alloc(sizeof *h); /* zeroed; not from malloc */
    if (!h) {
        snprintf(err, errlen, "hybrid: out of memory");
        return -1;
    }
    const char *pools = pb_option_get(opts, n, "pool");
    const char *arenas = pb_option_get(opts, n, "arena");
    const char *fb = pb_option_get(opts, n, "fallback");
    if (add_owners(h, pools, HY_POOL, err, errlen) ||
        add_owners(h, arenas, HY_ARENA, err, errlen) || hybrid_map(h, err, errlen) ||
        pb_fallback_init(&h->fb, "hybrid", fb ? fb : "malloc", 0, err, errlen)) {
        hybrid_release(h);
        return -1;
    }
    *out = h;
    return 0;
}

/* ---- the owners ---- */

/* Make [o->end, o->end + need) writable, in steps; -1 when the region is full. */
static int owner_grow(struct hy_owner *o, size_t need)
{
    size_t room = HY_REGION - (size_t)(o->end - o->base);
    size_t step = (need + HY_COMMIT_STEP - 1) & ~(HY_COMMIT_STEP - 1);
    if (step > room || mprotect(o->end, step, PROT_READ | PROT_WRITE))
        return -1;
    o->end += step;
    if ((size_t)(o->end - o->base) > o->peak_end)
        o->peak_end = (size_t)(o->end - o->base);
    return 0;
}

/* Bump size bytes aligned to align; NULL when the region is full. */
static unsigned char *owner_bump(struct hy_owner *o, size_t size, size_t align)
{
    uintptr_t at = ((uintptr_t)o->bump + align - 1) & ~(uintptr_t)(align - 1);
    unsigned char *p = (unsigned char *)at;
    if ((size_t)(o->end - p) < size && owner_grow(o, size - (size_t)(o->end - p)))
        return NULL;
    o->bump = p + size;
    return p;
}

/* The free chunk after p on a pool's list (its first bytes hold the link). */
static unsigned char *next_free(const unsigned char *p)
{
    unsigned char *next;
    memcpy(&next, p, sizeof next);
    return next;
}

static void *pool_take(struct hy_owner *o, size_t size, size_t align)
{
    if (!o->chunk)
        o->chunk = round16(size ? size : 1);
    if (size > o->chunk || align > HY_ALIGN)
        return NULL;
    unsigned char *p = o->free_head;
    if (p) {
        o->free_head = next_free(p);
    } else if (!(p = owner_bump(o, o->chunk, HY_ALIGN))) {
        return NULL;
    }
    o->live_blocks++;
    o->live_bytes += o->chunk;
    return p;
}

static void *arena_take(struct hy_owner *o, size_t size, size_t align)
{
    size_t bytes = round16(size ? size : 1);
    unsigned char *p = owner_bump(o, bytes, align > HY_ALIGN ? align : HY_ALIGN);
    if (!p)
        return NULL;
    o->live_blocks++;
    o->live_bytes += bytes;
    return p;
}

/* A block of owner o freed: back on the list, or counted down to a reset. */
static void owner_put(struct hy_owner *o, unsigned char *p, size_t size)
{
    pb_assert(o->live_blocks > 0);
    o->frees++;
    o->live_blocks--;
    if (o->kind == HY_POOL) {
        memcpy(p, &o->free_head, sizeof o->free_head);
        o->free_head = p;
        o->live_bytes -= o->chunk;
        return;
    }
    o->live_bytes -= round16(size ? size : 1);
    if (o->live_blocks == 0) {
        o->bump = o->base;
        o->live_bytes = 0;
        o->resets++;
    }
}

/* The owner of p, or NULL for the fallback's blocks. */
static struct hy_owner *owner_of_ptr(struct hybrid *h, const unsigned char *p)
{
    if (p < h->lo || p >= h->hi)
        return NULL;
    return &h->owners[(size_t)(p - h->lo) / HY_REGION];
}

/* ---- alloc and free ---- */

static void *fallback_alloc(struct hybrid *h, size_t size, size_t align)
{
    void *p = pb_fallback_alloc_big(&h->fb, size, align);
    if (!p) {
        pb_fallback_why(&h->fb, h->err, sizeof h->err);
        h->failures++;
    }
    return p;
}

static void *hybrid_alloc_tagged(void *self, size_t size, size_t align, unsigned tag)
{
    struct hybrid *h = self;
    unsigned k = tag <= h->max_tag ? h->owner_of[tag] : 0;
    if (k) {
        struct hy_owner *o = &h->owners[k - 1];
        void *p = o->kind == HY_POOL ? pool_take(o, size, align) : arena_take(o, size, align);
        if (p) {
            o->allocs++;
            return p;
        }
        o->spills++;
    }
    return fallback_alloc(h, size, align);
}

static void *hybrid_alloc(void *self, size_t size, size_t align)
{
    return fallback_alloc(self, size, align);
}

static int hybrid_free(void *self, void *ptr, size_t size)
{
    struct hybrid *h = self;
    if (!ptr) {
        h->null_frees++; /* counted in frees, releases nothing */
        return 0;
    }
    struct hy_owner *o = owner_of_ptr(h, ptr);
    if (o) {
        if (o->live_blocks == 0) {
            snprintf(h->err, sizeof h->err, "hybrid: free of %p: the %s of tag %u holds no "
                     "live block", ptr, o->kind == HY_POOL ? "pool" : "arena", o->tag);
            h->failures++;
            return -1;
        }
        owner_put(o, ptr, size);
        return 0;
    }
    if (pb_fallback_free_big(&h->fb, ptr, size) == 0)
        return 0;
    pb_fallback_why(&h->fb, h->err, sizeof h->err);
    h->failures++;
    return -1;
}

/* Move a block of o to the fallback (its region cannot hold the new size). */
static void *owner_move_out(struct hybrid *h, struct hy_owner *o, unsigned char *p,
                            size_t old, size_t new_size, size_t align)
{
    void *q = pb_fallback_take(&h->fb, new_size, align, h->err, sizeof h->err);
    if (!q)
        return NULL;
    memcpy(q, p, old < new_size ? old : new_size);
    owner_put(o, p, old);
    o->frees--; /* a move, not the program's free */
    o->spills++;
    return q;
}

/* An arena block resized: in place when it shrinks or is the last one and
 * the region has room, else a new block of the arena and a copy. */
static void *arena_resize(struct hy_owner *o, unsigned char *p, size_t old, size_t new_size,
                          size_t align)
{
    size_t was = round16(old ? old : 1), now = round16(new_size ? new_size : 1);
    int last = p + was == o->bump;
    if (now <= was || (last && (size_t)(o->end - p) >= now) ||
        (last && owner_grow(o, now - (size_t)(o->end - p)) == 0)) {
        if (last)
            o->bump = p + now;
        o->live_bytes = o->live_bytes - was + now;
        return p;
    }
    unsigned char *q = arena_take(o, new_size, align);
    if (!q)
        return NULL;
    memcpy(q, p, old);
    o->live_blocks--; /* one block replaced by another: p's bytes wait for the reset */
    o->live_bytes -= was;
    return q;
}

static void *owner_realloc(struct hybrid *h, struct hy_owner *o, unsigned char *p, size_t old,
                           size_t new_size, size_t align)
{
    if (o->kind == HY_POOL && new_size <= o->chunk && align <= HY_ALIGN)
        return p;
    if (o->kind == HY_ARENA && ((uintptr_t)p & (align - 1)) == 0) {
        void *q = arena_resize(o, p, old, new_size, align);
        if (q)
            return q;
    }
    return owner_move_out(h, o, p, old, new_size, align);
}

static void *hybrid_realloc(void *self, void *ptr, size_t old_size, size_t new_size,
                            size_t align)
{
    struct hybrid *h = self;
    void *q;
    struct hy_owner *o = ptr ? owner_of_ptr(h, ptr) : NULL;
    if (!ptr)
        q = pb_fallback_take(&h->fb, new_size, align, h->err, sizeof h->err);
    else if (o)
        q = owner_realloc(h, o, ptr, old_size, new_size, align);
    else
        q = pb_fallback_realloc(&h->fb, ptr, old_size, new_size, align, h->err, sizeof h->err);
    if (!q) {
        h->failures++;
        return NULL;
    }
    h->reallocs++;
    return q;
}

/* Every owner back to empty, its pages kept; the fallback's blocks through its
 * own free_all (without one the instance is not PB_BK_FREE_ALL). */
static void hybrid_free_all(void *self)
{
    struct hybrid *h = self;
    for (size_t k = 0; k < h->n_owners; k++) {
        struct hy_owner *o = &h->owners[k];
        o->bump = o->base;
        o->free_head = NULL;
        o->live_blocks = o->live_bytes = 0;
    }
    pb_fallback_free_all(&h->fb);
    h->free_alls++;
}

/* ---- figures ---- */

static void hybrid_stats(void *self, struct pb_backend_stats *out)
{
    struct hybrid *h = self; /* the fallback notes its first stats call */
    *out = (struct pb_backend_stats){.reallocs = h->reallocs, .free_alls = h->free_alls,
                                     .failures = h->failures,
                                     .allocs = h->fb.allocs,
                                     .frees = h->fb.frees + h->null_frees};
    for (size_t k = 0; k < h->n_owners; k++) {
        const struct hy_owner *o = &h->owners[k];
        out->footprint_bytes += (size_t)(o->end - o->base);
        out->peak_footprint_bytes += o->peak_end;
        out->granted_bytes += o->live_bytes;
        out->live_blocks += o->live_blocks;
        out->allocs += o->allocs;
        out->frees += o->frees;
    }
    pb_fallback_add_stats(&h->fb, out);
}

static int hybrid_mappings(void *self, pb_mapping_fn fn, void *ctx)
{
    const struct hybrid *h = self;
    for (size_t k = 0; k < h->n_owners; k++) {
        const struct hy_owner *o = &h->owners[k];
        struct pb_mapping m = {o->base, (size_t)(o->end - o->base)};
        if (m.len && fn(&m, ctx))
            return 1;
    }
    return pb_fallback_mappings(&h->fb, fn, ctx);
}

/* One row per owner (kind tag; an arena's size 0), then the fallback's. */
static size_t hybrid_class_stats(void *self, struct pb_class_stats *out, size_t max)
{
    struct hybrid *h = self; /* the fallback notes its first stats call */
    size_t n = 0;
    for (size_t k = 0; k < h->n_owners; k++, n++) {
        const struct hy_owner *o = &h->owners[k];
        if (n >= max)
            continue;
        size_t carved = o->kind == HY_POOL && o->chunk
                            ? (size_t)(o->bump - o->base) / o->chunk
                            : o->live_blocks;
        out[n] = (struct pb_class_stats){
            .kind = PB_CLASS_TAG, .tag = o->tag,
            .size = o->kind == HY_POOL ? o->chunk : 0,
            .chunks_live = o->live_blocks, .chunks_carved = carved,
            .slabs = o->end > o->base, .footprint_bytes = (size_t)(o->end - o->base),
            .allocs = o->allocs};
    }
    if (n < max) {
        struct pb_backend_stats st = {0};
        pb_fallback_add_stats(&h->fb, &st);
        out[n] = (struct pb_class_stats){.kind = PB_CLASS_SYSTEM, .chunks_live = st.live_blocks,
                                         .chunks_carved = st.live_blocks,
                                         .footprint_bytes = st.granted_bytes,
                                         .allocs = h->fb.allocs};
    }
    return n + 1;
}

/* "2@48/5@32" or "3/4": the owners of one kind with their chunks in effect. */
static void list_owners(const struct hybrid *h, enum hy_kind kind, char *out, size_t len)
{
    size_t at = 0;
    out[0] = '\0';
    for (size_t k = 0; k < h->n_owners && at < len; k++) {
        const struct hy_owner *o = &h->owners[k];
        if (o->kind != kind)
            continue;
        int w = kind == HY_POOL && o->chunk
                    ? snprintf(out + at, len - at, "%s%u@%zu", at ? "/" : "", o->tag, o->chunk)
                    : snprintf(out + at, len - at, "%s%u", at ? "/" : "", o->tag);
        at += w > 0 ? (size_t)w : 0;
    }
}

static size_t hybrid_config(void *self, struct pb_config_entry *out, size_t max)
{
    const struct hybrid *h = self;
    uint64_t resets = 0, spills = 0;
    for (size_t k = 0; k < h->n_owners; k++) {
        resets += h->owners[k].resets;
        spills += h->owners[k].spills;
    }
    struct pb_config_entry e[5];
    snprintf(e[0].key, sizeof e[0].key, "pool");
    list_owners(h, HY_POOL, e[0].value, sizeof e[0].value);
    snprintf(e[1].key, sizeof e[1].key, "arena");
    list_owners(h, HY_ARENA, e[1].value, sizeof e[1].value);
    snprintf(e[2].key, sizeof e[2].key, "fallback");
    snprintf(e[2].value, sizeof e[2].value, "%s", h->fb.ops->name);
    snprintf(e[3].key, sizeof e[3].key, "arena_resets");
    snprintf(e[3].value, sizeof e[3].value, "%llu", (unsigned long long)resets);
    snprintf(e[4].key, sizeof e[4].key, "spills");
    snprintf(e[4].value, sizeof e[4].value, "%llu", (unsigned long long)spills);
    size_t n = max < 5 ? max : 5;
    memcpy(out, e, n * sizeof *e);
    return n;
}

/* ---- check ---- */

/* A pool's free list: distinct carved chunks at chunk boundaries; free + live = carved. */
static int check_pool(const struct hy_owner *o, char *why, size_t len)
{
    size_t carved = o->chunk ? (size_t)(o->bump - o->base) / o->chunk : 0, n = 0;
    if (o->chunk && (size_t)(o->bump - o->base) % o->chunk) {
        snprintf(why, len, "bump pointer off a chunk boundary");
        return -1;
    }
    for (const unsigned char *p = o->free_head; p; n++) {
        if (n >= carved || p < o->base || p >= o->bump || (size_t)(p - o->base) % o->chunk) {
            snprintf(why, len, "free list entry %zu (%p) is not a free chunk of the pool", n,
                     (const void *)p);
            return -1;
        }
        p = next_free(p);
    }
    if (n + o->live_blocks != carved || o->live_bytes != o->live_blocks * o->chunk) {
        snprintf(why, len, "%zu free + %zu live chunks, %zu carved", n, o->live_blocks, carved);
        return -1;
    }
    return 0;
}

static int check_owner(const struct hybrid *h, size_t k, char *why, size_t len)
{
    const struct hy_owner *o = &h->owners[k];
    if (o->base != h->lo + k * HY_REGION || o->bump < o->base || o->end < o->bump ||
        (size_t)(o->end - o->base) > HY_REGION || h->owner_of[o->tag] != k + 1) {
        snprintf(why, len, "its region, bump pointer or tag map entry is out of place");
        return -1;
    }
    if (o->kind == HY_POOL)
        return check_pool(o, why, len);
    if (o->live_bytes > (size_t)(o->bump - o->base) || (o->live_blocks == 0) != (o->live_bytes == 0)) {
        snprintf(why, len, "%zu live bytes in %zu blocks, %zu bytes bumped", o->live_bytes,
                 o->live_blocks, (size_t)(o->bump - o->base));
        return -1;
    }
    return 0;
}

static int hybrid_check(void *self, char *msg, size_t len)
{
    struct hybrid *h = self; /* the fallback notes its first stats call */
    char why[PB_ERR_MAX];
    for (size_t k = 0; k < h->n_owners; k++)
        if (check_owner(h, k, why, sizeof why)) {
            snprintf(msg, len, "hybrid: the %s of tag %u: %s",
                     h->owners[k].kind == HY_POOL ? "pool" : "arena", h->owners[k].tag, why);
            return -1;
        }
    if (pb_fallback_check(&h->fb, why, sizeof why)) {
        snprintf(msg, len, "hybrid: %s", why);
        return -1;
    }
    return 0;
}

/* ---- the rest ---- */

/* free_all is whole only if the fallback's is (fallback.h). */
static unsigned hybrid_instance_flags(void *self)
{
    const struct hybrid *h = self;
    unsigned f = pb_backend_hybrid.flags;
    if (!pb_fallback_frees_all(&h->fb))
        f &= ~(unsigned)PB_BK_FREE_ALL;
    return f;
}

static const char *hybrid_last_error(void *self)
{
    return ((const struct hybrid *)self)->err;
}

static void hybrid_destroy(void *self)
{
    if (self)
        hybrid_release(self);
}

const struct pb_backend_ops pb_backend_hybrid = {
    .version = PB_BACKEND_API_VERSION,
    .name = "hybrid",
    .description = "a pool per tag in pool=, an arena per tag in arena= (reset when empty), "
                   "the rest to a fallback",
    .flags = PB_BK_TAGGED | PB_BK_OWN_MAPPINGS | PB_BK_FREE_ALL,
    .options = hybrid_options,
    .available = NULL,
    .create = hybrid_create,
    .alloc = hybrid_alloc,
    .free = hybrid_free,
    .realloc = hybrid_realloc,
    .free_all = hybrid_free_all,
    .stats = hybrid_stats,
    .mappings = hybrid_mappings,
    .config = hybrid_config,
    .last_error = hybrid_last_error,
    .destroy = hybrid_destroy,
    .alloc_tagged = hybrid_alloc_tagged,
    .class_stats = hybrid_class_stats,
    .check = hybrid_check,
    .instance_flags = hybrid_instance_flags,
};
