/*
 * pools.c -- size classes: one pool (the pool backend's core) per class, the
 * rest to the system allocator. The seed's "allocating whole pages per size
 * class" question, answered with a configurable class list.
 *
 * Layout. Option `classes` lists the chunk sizes, ascending, separated by
 * `/` (the backend spec already uses `:` and `,`); the default spaces them
 * like jemalloc's small classes from 16 to 3584 (four per doubling). Each
 * class is a struct pb_pool_core (pool_core.h) with its own slabs of `slab`
 * bytes and its own LIFO free list. A request of size s goes to the smallest
 * class >= s: every class is a multiple of a quantum q (the largest power of
 * two dividing them all, 16 for the default list), so a byte table indexed by
 * ceil(s / q) gives the class in one load.
 *
 * Invariants:
 *   - A class's chunks are aligned to the largest power of two dividing its
 *     size (capped at 4096): slabs are page aligned, chunks sit at multiples
 *     of the size. The default list therefore serves the trace's default
 *     alignment 16 from every class; an 8-byte class (if listed) serves
 *     alignment <= 8 only.
 *   - Routing depends on the size alone, so free(ptr, size) finds the class
 *     from the size it is given. A request larger than the largest class, or
 *     more aligned than its class, goes to the system allocator (malloc, or
 *     aligned_alloc above 16) and its pointer is kept in a hash set with its
 *     usable size: free_all can release it, and while any over-aligned
 *     small block is live, free consults the set before trusting the size.
 *   - Each class obeys the pool's invariants (lazy carving, LIFO reuse,
 *     free_all rewinds without touching pages, slabs kept until destroy).
 *
 * Costs:
 *   - alloc, free: O(1): the pool's fast path plus one table load and a
 *     compare of the over-aligned count. System blocks: malloc or free plus a
 *     hash-set insert or delete (O(1) expected). free_all: O(classes + slabs
 *     + system blocks).
 *   - Memory: class - size per block (internal fragmentation of the
 *     spacing), plus per class one partly used slab (the seed's worry, visible
 *     per class in class_stats: chunks_carved vs slabs). footprint_bytes is the
 *     classes' slabs plus the usable bytes of live system blocks (the latter
 *     are not in the mappings: malloc's pages are the C library's).
 *   - No realloc (the runner moves the block), no checked mode.
 *
 * The check op verifies: the route table sends every size to the smallest
 * class that fits; each class's core (pool.c's check, or pool-small's in
 * return mode) against its live count; the system-block set (its count,
 * every block findable by its hash, their usable bytes = footprint_bytes -
 * slab bytes, the over-aligned ones behind slow_frees); the slab bytes = the
 * classes' footprints.
 *
 * Page return (option return=N, default off). The pool core's free list is
 * one LIFO list through all of a class's slabs, so an empty slab's chunks
 * cannot be dropped from it in O(1). With return=N each class runs instead
 * on pool-small's core (pool_small.h): per-slab index lists, slabs aligned to
 * their size (slab rounded up to a power of two, its first slot a header),
 * and per class at most N empty slabs kept resident, the next one to empty
 * given back with madvise(MADV_DONTNEED) (see pool_small.c). The default
 * mode's fast paths are untouched: in return mode the cores in cls hold no
 * slab, so alloc always misses them, and slow_frees is kept non-zero, so
 * free always takes the slow path; both cost a call and a few branches more.
 */
#include "pools.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern const struct pb_backend_ops pb_backend_pools;

#define POOLS_SYSTEM_ALIGN 16 /* what malloc guarantees on x86-64 */

const struct pb_option_desc pb_pools_options[] = {
    {"classes", PB_POOLS_DEFAULT_CLASSES,
     "chunk sizes, ascending, '/'-separated, each 8 to 1M bytes (at most 255)"},
    {"slab", "64k", "bytes mapped at a time per class, rounded up to whole pages"},
    {"return", "off", "N: per-slab lists; per class, empty slabs beyond N given back (madvise)"},
    {NULL, NULL, NULL},
};

/* ---- options ---- */

/* Build the size -> class table for sizes[0..n) (pools_classes.c). */
static int build_route(struct pb_pools *ps, const size_t *sizes, size_t n)
{
    struct pb_pools_route r = pb_pools_route_of(sizes, n);
    ps->qshift = r.qshift;
    ps->qmask = r.qmask;
    ps->max_class = sizes[n - 1];
    ps->route_table = malloc(r.entries);
    if (!ps->route_table)
        return -1;
    pb_pools_route_fill(&r, sizes, n, ps->route_table);
    ps->route = ps->route_table;
    return 0;
}

/* return=N: one pool-small core per class, slabs a power of two. */
static int init_small(struct pb_pools *ps, size_t keep, char *err, size_t errlen)
{
    ps->small = calloc(ps->n_classes, sizeof *ps->small);
    if (!ps->small) {
        pb_pools_release(ps);
        snprintf(err, errlen, "pools: out of memory");
        return -1;
    }
    size_t slab = pb_small_slab_size(ps->slab_size);
    for (size_t k = 0; k < ps->n_classes; k++) {
        const struct pb_pool_core *c = &ps->cls[k];
        unsigned width = slab / c->chunk <= ((size_t)1 << 16) ? 2 : 4;
        if (pb_small_core_init(&ps->small[k], "pools", c->chunk, c->align, slab, width, 1, keep,
                               err, errlen)) {
            pb_pools_release(ps);
            return -1;
        }
    }
    ps->slab_size = slab;
    ps->slow_frees = 1;
    return 0;
}

int pb_pools_init(struct pb_pools *ps, const struct pb_option *opts, size_t n, char *err,
                  size_t errlen)
{
    *ps = (struct pb_pools){.n_classes = 0};
    const char *text = pb_option_get(opts, n, "classes");
    const char *sv = pb_option_get(opts, n, "slab");
    size_t slab = 64 * 1024, sizes[PB_POOLS_MAX_CLASSES];
    if (sv && pb_parse_size(sv, &slab)) {
        snprintf(err, errlen, "pools: slab=%s is not a size in bytes", sv);
        return -1;
    }
    int returning = 0;
    size_t keep = 0;
    if (pb_return_option("pools", opts, n, &returning, &keep, err, errlen))
        return -1;
    const char *list = text ? text : PB_POOLS_DEFAULT_CLASSES;
    size_t nc = pb_pools_parse_classes("pools", list, sizes, err, errlen);
    if (nc == 0)
        return -1;
    long pg = sysconf(_SC_PAGESIZE);
    size_t page = pg > 0 ? (size_t)pg : 4096;
    slab = (slab + page - 1) / page * page;
    if (slab < sizes[nc - 1] || slab > ((size_t)1 << 40)) {
        snprintf(err, errlen, "pools: slab=%zu must hold the largest class (%zu bytes)", slab,
                 sizes[nc - 1]);
        return -1;
    }
    ps->cls = calloc(nc, sizeof *ps->cls);
    ps->retired = calloc(nc, sizeof *ps->retired);
    if (!ps->cls || !ps->retired || build_route(ps, sizes, nc)) {
        pb_pools_release(ps);
        snprintf(err, errlen, "pools: out of memory");
        return -1;
    }
    for (size_t i = 0; i < nc; i++) {
        pb_pool_core_init(&ps->cls[i], "pools", sizes[i], pb_pools_class_align(sizes[i]), slab,
                          0, 0);
    }
    ps->n_classes = nc;
    ps->slab_size = slab;
    return returning ? init_small(ps, keep, err, errlen) : 0;
}

static int pools_create(const struct pb_option *opts, size_t n, void **out, char *err,
                        size_t errlen)
{
    if (pb_options_check(&pb_backend_pools, opts, n, err, errlen))
        return -1;
    struct pb_pools *ps = malloc(sizeof *ps);
    if (!ps) {
        snprintf(err, errlen, "pools: out of memory");
        return -1;
    }
    if (pb_pools_init(ps, opts, n, err, errlen)) {
        free(ps);
        return -1;
    }
    *out = ps;
    return 0;
}

/* ---- alloc and free ---- */

static void note_footprint(struct pb_pools *ps)
{
    if (ps->footprint > ps->peak_footprint)
        ps->peak_footprint = ps->footprint;
}

/* To malloc / aligned_alloc, remembered in the set. */
static void *sys_alloc(struct pb_pools *ps, size_t size, size_t align)
{
    void *p;
    if (size > SIZE_MAX - align) { /* rounded up to align it would wrap to a small size */
        snprintf(ps->err, sizeof ps->err, "pools: request of %zu bytes is too large", size);
        return NULL;
    }
    if (align <= POOLS_SYSTEM_ALIGN)
        p = malloc(size ? size : 1);
    else
        p = aligned_alloc(align, size ? (size + align - 1) / align * align : align);
    if (!p) {
        snprintf(ps->err, sizeof ps->err, "pools: the system allocator refused %zu bytes", size);
        return NULL;
    }
    size_t usable = malloc_usable_size(p);
    if (pb_sysblocks_insert(&ps->sys, p, usable)) {
        free(p);
        snprintf(ps->err, sizeof ps->err, "pools: out of memory for the system-block set");
        return NULL;
    }
    ps->sys_allocs++;
    if (size <= ps->max_class) {
        ps->sys_small_live++;
        ps->slow_frees++;
        ps->sys_small_allocs++;
    }
    ps->footprint += usable;
    note_footprint(ps);
    return p;
}

/* Return mode: class k's pool-small core; slab_bytes follows its held slabs. */
static void *small_alloc(struct pb_pools *ps, size_t k)
{
    struct pb_small_core *sc = &ps->small[k];
    size_t before = pb_small_core_held(sc);
    if (!sc->avail && pb_small_core_add_slab(sc, ps->err, sizeof ps->err)) {
        ps->failures++;
        return NULL;
    }
    sc->allocs++;
    size_t grown = (pb_small_core_held(sc) - before) * sc->slab_size;
    ps->slab_bytes += grown;
    ps->footprint += grown;
    note_footprint(ps);
    return pb_small_core_take(sc, sc->avail);
}

static void small_free(struct pb_pools *ps, size_t k, void *ptr)
{
    struct pb_small_core *sc = &ps->small[k];
    size_t before = pb_small_core_held(sc);
    pb_small_core_put(sc, ptr);
    sc->frees++;
    size_t shrunk = (before - pb_small_core_held(sc)) * sc->slab_size;
    ps->slab_bytes -= shrunk;
    ps->footprint -= shrunk;
}

__attribute__((noinline, cold))
static void *pools_alloc_slow(struct pb_pools *ps, size_t size, size_t align)
{
    void *p = NULL;
    if (size <= ps->max_class) {
        struct pb_pool_core *c = &ps->cls[ps->route[(size + ps->qmask) >> ps->qshift]];
        if (align <= c->align && ps->small)
            return small_alloc(ps, (size_t)(c - ps->cls));
        if (align <= c->align) {
            size_t before = c->n_slabs;
            p = pb_pool_core_take(c, ps->err, sizeof ps->err);
            if (p) {
                c->allocs++;
                ps->slab_bytes += (c->n_slabs - before) * c->slab_size;
                ps->footprint += (c->n_slabs - before) * c->slab_size;
                note_footprint(ps);
            } else {
                ps->failures++;
            }
            return p;
        }
    }
    p = sys_alloc(ps, size, align);
    if (!p)
        ps->failures++;
    return p;
}

void *pb_pools_alloc(void *self, size_t size, size_t align)
{
    struct pb_pools *ps = self;
    if (size <= ps->max_class) {
        struct pb_pool_core *c = &ps->cls[ps->route[(size + ps->qmask) >> ps->qshift]];
        pb_assert(c->chunk >= size);
        if (align <= c->align) {
            unsigned char *p = pb_pool_core_pop(c);
            if (p) {
                c->allocs++;
                return p;
            }
        }
    }
    return pools_alloc_slow(ps, size, align);
}

__attribute__((noinline, cold))
static int pools_free_slow(struct pb_pools *ps, void *ptr, size_t size)
{
    size_t usable;
    if (pb_sysblocks_remove(&ps->sys, ptr, &usable) == 0) {
        free(ptr);
        ps->footprint -= usable;
        ps->sys_frees++;
        if (size <= ps->max_class) {
            pb_assert(ps->sys_small_live > 0 && ps->slow_frees > ps->sys_small_live - 1);
            ps->sys_small_live--;
            ps->slow_frees--;
        }
        return 0;
    }
    if (size > ps->max_class) {
        snprintf(ps->err, sizeof ps->err,
                 "pools: free of %p: no %zu-byte block was allocated there", ptr, size);
        ps->failures++;
        return -1;
    }
    size_t k = ps->route[(size + ps->qmask) >> ps->qshift];
    if (ps->small) {
        small_free(ps, k, ptr);
        return 0;
    }
    pb_pool_core_push(&ps->cls[k], ptr);
    ps->cls[k].frees++;
    return 0;
}

int pb_pools_free(void *self, void *ptr, size_t size)
{
    struct pb_pools *ps = self;
    if (!ptr) {
        ps->null_frees++;
        return 0;
    }
    if (size <= ps->max_class && ps->slow_frees == 0) {
        struct pb_pool_core *c = &ps->cls[ps->route[(size + ps->qmask) >> ps->qshift]];
        pb_pool_core_push(c, ptr);
        c->frees++;
        return 0;
    }
    return pools_free_slow(ps, ptr, size);
}

static uint64_t class_allocs(const struct pb_pools *ps, size_t k)
{
    return ps->small ? ps->small[k].allocs : ps->cls[k].allocs;
}

static uint64_t class_frees(const struct pb_pools *ps, size_t k)
{
    return ps->small ? ps->small[k].frees : ps->cls[k].frees;
}

static uint64_t class_live(const struct pb_pools *ps, size_t k)
{
    return class_allocs(ps, k) - class_frees(ps, k) - ps->retired[k];
}

void pb_pools_free_all(void *self)
{
    struct pb_pools *ps = self;
    for (size_t k = 0; k < ps->n_classes; k++) {
        ps->retired[k] += class_live(ps, k);
        pb_pool_core_reset(&ps->cls[k]);
    }
    if (ps->small) {
        ps->slab_bytes = 0;
        for (size_t k = 0; k < ps->n_classes; k++) {
            pb_small_core_reset(&ps->small[k]);
            ps->slab_bytes += pb_small_core_held(&ps->small[k]) * ps->slab_size;
        }
    }
    for (size_t i = 0; i < ps->sys.cap; i++) {
        free(ps->sys.keys[i]);
        ps->sys.keys[i] = NULL;
    }
    ps->sys.n = 0;
    ps->slow_frees -= ps->sys_small_live;
    ps->sys_small_live = 0;
    pb_assert(ps->slow_frees == (ps->small != NULL)); /* only return mode's detour is left */
    ps->footprint = ps->slab_bytes;
    ps->free_alls++;
}

/* ---- figures ---- */

void pb_pools_stats(void *self, struct pb_backend_stats *out)
{
    const struct pb_pools *ps = self;
    uint64_t allocs = ps->sys_allocs, frees = ps->sys_frees + ps->null_frees, live = ps->sys.n;
    size_t granted = ps->footprint - ps->slab_bytes;
    for (size_t k = 0; k < ps->n_classes; k++) {
        allocs += class_allocs(ps, k);
        frees += class_frees(ps, k);
        live += class_live(ps, k);
        granted += (size_t)class_live(ps, k) * ps->cls[k].chunk;
    }
    *out = (struct pb_backend_stats){
        .footprint_bytes = ps->footprint,
        .peak_footprint_bytes = ps->peak_footprint,
        .granted_bytes = granted,
        .live_blocks = (size_t)live,
        .allocs = allocs,
        .frees = frees,
        .free_alls = ps->free_alls,
        .failures = ps->failures,
    };
}

/* One row per class, then the system row. */
size_t pb_pools_class_stats(void *self, struct pb_class_stats *out, size_t max)
{
    const struct pb_pools *ps = self;
    size_t k = 0;
    for (; k < ps->n_classes && k < max; k++) {
        const struct pb_pool_core *c = &ps->cls[k];
        out[k] = (struct pb_class_stats){
            .kind = PB_CLASS_SIZE,
            .size = c->chunk,
            .chunks_live = (size_t)class_live(ps, k),
            .chunks_carved = pb_pool_core_carved(c),
            .slabs = c->n_slabs,
            .footprint_bytes = pb_pool_core_footprint(c),
            .allocs = class_allocs(ps, k),
        };
        if (ps->small) {
            const struct pb_small_core *sc = &ps->small[k];
            out[k].chunks_carved = pb_small_core_carved(sc);
            out[k].slabs = pb_small_core_held(sc);
            out[k].footprint_bytes = pb_small_core_held(sc) * sc->slab_size;
        }
    }
    if (k < max)
        out[k] = (struct pb_class_stats){
            .kind = PB_CLASS_SYSTEM,
            .chunks_live = ps->sys.n,
            .footprint_bytes = ps->footprint - ps->slab_bytes,
            .allocs = ps->sys_allocs,
        };
    return ps->n_classes + 1;
}

int pb_pools_mappings(void *self, pb_mapping_fn fn, void *ctx)
{
    const struct pb_pools *ps = self;
    for (size_t k = 0; k < ps->n_classes; k++) {
        if (ps->small ? pb_small_core_mappings(&ps->small[k], fn, ctx)
                      : pb_pool_core_mappings(&ps->cls[k], fn, ctx))
            return 1;
    }
    return 0;
}

/* classes (split over classes, classes_2, ... when longer than one value), slab. */
size_t pb_pools_config(void *self, struct pb_config_entry *out, size_t max)
{
    const struct pb_pools *ps = self;
    size_t n = 0, k = 0;
    while (k < ps->n_classes && n < max) {
        struct pb_config_entry *e = &out[n];
        if (n == 0)
            snprintf(e->key, sizeof e->key, "classes");
        else
            snprintf(e->key, sizeof e->key, "classes_%zu", n + 1);
        size_t len = 0;
        e->value[0] = '\0';
        while (k < ps->n_classes) {
            char item[24];
            int w = snprintf(item, sizeof item, "%s%zu", len ? "/" : "", ps->cls[k].chunk);
            if (len + (size_t)w >= sizeof e->value)
                break;
            memcpy(e->value + len, item, (size_t)w + 1);
            len += (size_t)w;
            k++;
        }
        n++;
    }
    if (n < max) {
        snprintf(out[n].key, sizeof out[n].key, "slab");
        snprintf(out[n].value, sizeof out[n].value, "%zu", ps->slab_size);
        n++;
    }
    if (n < max) {
        snprintf(out[n].key, sizeof out[n].key, "return");
        if (ps->small)
            snprintf(out[n].value, sizeof out[n].value, "%zu", ps->small[0].keep_empty);
        else
            snprintf(out[n].value, sizeof out[n].value, "off");
        n++;
    }
    if (n < max && ps->small) {
        uint64_t returned = 0;
        for (size_t k = 0; k < ps->n_classes; k++)
            returned += ps->small[k].slabs_returned;
        snprintf(out[n].key, sizeof out[n].key, "slabs_returned");
        snprintf(out[n].value, sizeof out[n].value, "%llu", (unsigned long long)returned);
        n++;
    }
    return n;
}

/* ---- check: the invariants above, verified ---- */

/* The classes ascend and the route table sends each size to the smallest that fits. */
static int check_route(const struct pb_pools *ps, char *msg, size_t len)
{
    if (ps->n_classes == 0 || ps->max_class != ps->cls[ps->n_classes - 1].chunk) {
        snprintf(msg, len, "%zu classes, largest %zu bytes: no route", ps->n_classes,
                 ps->max_class);
        return -1;
    }
    for (size_t j = 0; j <= ps->max_class >> ps->qshift; j++) {
        size_t k = ps->route[j], size = j << ps->qshift;
        if (k >= ps->n_classes || ps->cls[k].chunk < size ||
            (k > 0 && ps->cls[k - 1].chunk >= size)) {
            snprintf(msg, len, "size %zu is routed to class %zu, not the smallest that fits",
                     size, k);
            return -1;
        }
    }
    return 0;
}

/* The system-block set: counted, findable by probing, its usable bytes in the footprint. */
static int check_sys(const struct pb_pools *ps, char *msg, size_t len)
{
    const struct pb_sysblocks *s = &ps->sys;
    size_t n = 0, usable = 0, found;
    for (size_t i = 0; i < s->cap; i++) {
        if (!s->keys[i])
            continue;
        n++;
        usable += s->usable[i];
        size_t j = pb_sysblocks_slot(s, s->keys[i]);
        for (found = 0; found < s->cap && s->keys[j] && s->keys[j] != s->keys[i]; found++)
            j = (j + 1) & (s->cap - 1);
        if (s->keys[j] != s->keys[i]) {
            snprintf(msg, len, "system block %p cannot be found by its hash", s->keys[i]);
            return -1;
        }
    }
    if (n != s->n || 2 * n > s->cap ||
        ps->footprint < ps->slab_bytes || usable != ps->footprint - ps->slab_bytes) {
        snprintf(msg, len, "%zu system blocks (%zu counted) of %zu usable bytes, footprint %zu "
                 "minus slabs %zu", n, s->n, usable, ps->footprint, ps->slab_bytes);
        return -1;
    }
    if (ps->sys_small_live > n || ps->slow_frees != ps->sys_small_live + (ps->small != NULL)) {
        snprintf(msg, len, "%zu over-aligned system blocks of %zu, slow-free count %zu",
                 ps->sys_small_live, n, ps->slow_frees);
        return -1;
    }
    return 0;
}

/* One class's core, whichever kind holds its slabs; *bytes gets its slab bytes. */
static int check_class(const struct pb_pools *ps, size_t k, size_t *bytes, char *msg,
                       size_t len)
{
    if (class_allocs(ps, k) < class_frees(ps, k) + ps->retired[k]) {
        snprintf(msg, len, "more blocks freed than allocated");
        return -1;
    }
    if (ps->small && ps->cls[k].n_slabs) {
        snprintf(msg, len, "return mode, yet the pointer core holds slabs");
        return -1;
    }
    if (ps->small) {
        *bytes = pb_small_core_held(&ps->small[k]) * ps->small[k].slab_size;
        return pb_small_core_check(&ps->small[k], class_live(ps, k), msg, len);
    }
    *bytes = pb_pool_core_footprint(&ps->cls[k]);
    return pb_pool_core_check(&ps->cls[k], class_live(ps, k), msg, len);
}

int pb_pools_check(void *self, char *msg, size_t len)
{
    const struct pb_pools *ps = self;
    char why[PB_ERR_MAX];
    if (check_route(ps, why, sizeof why) || check_sys(ps, why, sizeof why)) {
        snprintf(msg, len, "pools: %s", why);
        return -1;
    }
    size_t slab_bytes = 0;
    for (size_t k = 0; k < ps->n_classes; k++) {
        size_t bytes = 0;
        if (check_class(ps, k, &bytes, why, sizeof why)) {
            snprintf(msg, len, "pools: class %zu: %s", ps->cls[k].chunk, why);
            return -1;
        }
        slab_bytes += bytes;
    }
    if (slab_bytes != ps->slab_bytes || ps->peak_footprint < ps->footprint) {
        snprintf(msg, len, "pools: the classes hold %zu bytes of slabs, %zu counted (peak %zu)",
                 slab_bytes, ps->slab_bytes, ps->peak_footprint);
        return -1;
    }
    return 0;
}

static const char *pools_last_error(void *self)
{
    return ((const struct pb_pools *)self)->err;
}

void pb_pools_release(struct pb_pools *ps)
{
    for (size_t k = 0; ps->cls && k < ps->n_classes; k++)
        pb_pool_core_release(&ps->cls[k]);
    for (size_t k = 0; ps->small && k < ps->n_classes; k++)
        pb_small_core_release(&ps->small[k]);
    free(ps->small);
    for (size_t i = 0; i < ps->sys.cap; i++)
        free(ps->sys.keys[i]);
    pb_sysblocks_release(&ps->sys);
    free(ps->cls);
    free(ps->retired);
    free(ps->route_table);
    *ps = (struct pb_pools){.n_classes = 0};
}

static void pools_destroy(void *self)
{
    struct pb_pools *ps = self;
    if (!ps)
        return;
    pb_pools_release(ps);
    free(ps);
}

const struct pb_backend_ops pb_backend_pools = {
    .version = PB_BACKEND_API_VERSION,
    .name = "pools",
    .description = "size classes, one pool each (jemalloc-like spacing); larger to malloc",
    .flags = PB_BK_OWN_MAPPINGS | PB_BK_FREE_ALL | PB_BK_PRELOAD_TWIN,
    .options = pb_pools_options,
    .available = NULL,
    .create = pools_create,
    .alloc = pb_pools_alloc,
    .free = pb_pools_free,
    .realloc = NULL,
    .free_all = pb_pools_free_all,
    .stats = pb_pools_stats,
    .mappings = pb_pools_mappings,
    .config = pb_pools_config,
    .last_error = pools_last_error,
    .destroy = pools_destroy,
    .class_stats = pb_pools_class_stats,
    .check = pb_pools_check,
};
