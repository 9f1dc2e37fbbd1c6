/*
 * pool_small.c -- a fixed-size pool whose free lists hold 16- or 32-bit chunk
 * indices instead of pointers, so chunks of 2 or 4 bytes work (the seed's
 * "store the offset in a u8 or u16"), with optional page return.
 *
 * Layout. Slabs of `slab` bytes (option, a power of two from a page to 1 GiB)
 * are mapped from the OS aligned to their own size, so the slab holding a
 * chunk p is p & ~(slab - 1): free finds it in O(1) without any table. A slab
 * is split into slab / chunk chunk slots with indices 0, 1, ... at offsets
 * index * chunk; the first slots hold the slab header (its free list head,
 * bump index, live count and links) and are never handed out, so index 0 is
 * never a chunk and serves as the end-of-list sentinel.
 *
 * Invariants:
 *   - chunk is a multiple of align and at least the index width (2 bytes for
 *     index=16, 4 for index=32): a free chunk holds the index of the next free
 *     chunk of ITS slab in its first bytes. Lists never cross slabs.
 *   - Limits, enforced at create: slab / chunk <= 2^16 (index=16) or 2^32
 *     (index=32) slots, i.e. at most 2^16 - 1 (2^32 - 1) chunks per slab plus
 *     the sentinel slot; slab <= 1 GiB, so slab offsets fit in 32 bits.
 *   - Each chunk is live, free (on its slab's list) or uncarved (at or above
 *     its slab's bump index). A slab is on the `avail` list (doubly linked
 *     through the headers) exactly when it is held and not full; alloc always
 *     serves the head of that list; a free into a full slab pushes it back.
 *   - Nothing is written into a chunk before it is handed out, except the
 *     header slots, so a fresh slab costs one resident page.
 *
 * Page return (option return=N; default off). A slab whose live count drops
 * to zero stays resident while at most N slabs are empty; the one that makes
 * it N + 1 is given back at once with madvise(MADV_DONTNEED) (return=0: every
 * slab as soon as it empties). A given-back slab keeps its address range but
 * is off every list and not in footprint_bytes nor in the mappings; when the
 * pool next needs a slab it rewrites that slab's header and carves it afresh
 * (its pages read as zero again) before it maps a new one. With per-slab
 * lists dropping an empty slab is O(1): all its chunks are its own. The trade:
 * each return costs an madvise and the next use of the slab page faults
 * again (time), for resident memory that follows the live blocks. free_all
 * keeps N slabs and gives back the rest (O(slabs)).
 *
 * Costs:
 *   - alloc, free: O(1), about twenty-five instructions: the slab header is
 *     read and written (live count, list head), an index is turned into an
 *     address with a multiply and back with a multiply by a precomputed
 *     reciprocal (exact for chunk-aligned offsets below 2^32). One counter per
 *     path (allocs or frees); the per-slab live count is kept in every mode,
 *     it tells when a slab is full. A new slab: one mmap of 2 * slab then
 *     munmap of the excess (alignment), or one header write for a given-back
 *     slab. Page return: one madvise per slab given back.
 *   - Refusals: larger than chunk or more aligned than align, with a reason.
 *   - Memory: chunk - size per live block; the header slots and the tail
 *     slab % chunk per slab; a malloc'd table of slab addresses (not counted).
 *     No checked mode: an invalid free corrupts its slab's list.
 *
 * The check op (pb_small_core_check) verifies the invariants above: every
 * held slab aligned to its size with a sane header (its position, bump within
 * the slots, live <= carved), its free list of distinct carved chunk indices
 * with free + live = carved, the live counts summing to the blocks counted,
 * the avail list exactly the held slabs that are not full (linked both
 * ways), the given-back stack matching the slabs' flags and, with page
 * return, the empty count = the held empty slabs <= N. O(slabs log slabs +
 * free chunks).
 *
 * The slab machinery (struct pb_small_core, pool_small.h) is shared with
 * pools.c, whose return=N mode runs each size class on it.
 */
#include "pool_small.h"
#include "pool_core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

extern const struct pb_backend_ops pb_backend_pool_small;

#define PS_MAX_ALIGN 4096
#define PS_MAX_SLAB ((size_t)1 << 30)

struct pool_small {
    struct pb_small_core c; /* first: its hot fields open the struct */

    /* cold */
    uint64_t reallocs, free_alls, failures, null_frees, realloc_births, retired;
    char err[PB_ERR_MAX];
};

static const struct pb_option_desc ps_options[] = {
    {"chunk", "4", "chunk size in bytes, rounded up to align (at least the index width)"},
    {"align", "4", "alignment of every chunk, a power of two up to 4096"},
    {"slab", "64k", "bytes per slab, rounded up to a power of two >= a page, <= 1G"},
    {"index", "16", "free-list index width in bits: 16 (<= 65535 chunks/slab) or 32"},
    {"return", "off", "N: give empty slabs back (MADV_DONTNEED) beyond N kept; off: never"},
    {NULL, NULL, NULL},
};

/* ---- the core ---- */

int pb_small_core_init(struct pb_small_core *c, const char *who, size_t chunk, size_t align,
                       size_t slab, unsigned width, int returning, size_t keep_empty,
                       char *err, size_t errlen)
{
    size_t slots = slab / chunk;
    size_t max_slots = width == 2 ? (size_t)1 << 16 : (size_t)1 << 32;
    if (slots > max_slots) {
        snprintf(err, errlen,
                 "%s: slab=%zu / chunk=%zu gives %zu chunks per slab, more than "
                 "index=%u can address (%zu chunks plus the sentinel); use a smaller slab, "
                 "a larger chunk or index=32",
                 who, slab, chunk, slots, width * 8, max_slots - 1);
        return -1;
    }
    size_t first = (sizeof(struct pb_small_slab) + chunk - 1) / chunk;
    if (slots < first + 1) {
        snprintf(err, errlen,
                 "%s: slab=%zu holds no chunk of %zu bytes besides its %zu-byte header", who,
                 slab, chunk, sizeof(struct pb_small_slab));
        return -1;
    }
    *c = (struct pb_small_core){
        .chunk = chunk,
        .align = align,
        .slab_mask = ~(uintptr_t)(slab - 1),
        .recip = ((uint64_t)1 << 32) / chunk + 1,
        .usable = (uint32_t)(slots - first),
        .width = width,
        .returning = returning,
        .slots = (uint32_t)slots, /* <= 2^28: slab <= 1 GiB, chunk >= 4 when index=32 */
        .first = (uint32_t)first,
        .slab_size = slab,
        .keep_empty = keep_empty,
        .who = who,
    };
    return 0;
}

static void avail_push(struct pb_small_core *c, struct pb_small_slab *s)
{
    s->prev = NULL;
    s->next = c->avail;
    if (c->avail)
        c->avail->prev = s;
    c->avail = s;
}

static void avail_unlink(struct pb_small_core *c, struct pb_small_slab *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        c->avail = s->next;
    if (s->next)
        s->next->prev = s->prev;
}

/* Write an empty slab's header (every chunk uncarved) and put it on avail. */
static void slab_start(struct pb_small_core *c, uint32_t ref)
{
    struct pb_small_slab *s = (struct pb_small_slab *)c->slabs[ref].base;
    pb_assert(((uintptr_t)s & (c->slab_size - 1)) == 0); /* free finds it by masking */
    s->free_head = 0;
    s->bump = c->first;
    s->live = 0;
    s->ref = ref;
    avail_push(c, s);
    if (c->returning)
        c->n_empty++;
}

static void note_footprint(struct pb_small_core *c)
{
    size_t footprint = pb_small_core_held(c) * c->slab_size;
    if (footprint > c->peak_footprint)
        c->peak_footprint = footprint;
}

static int grow_tables(struct pb_small_core *c)
{
    size_t cap = c->cap_slabs ? 2 * c->cap_slabs : 8;
    struct pb_small_ref *t = realloc(c->slabs, cap * sizeof *t);
    if (!t)
        return -1;
    c->slabs = t;
    uint32_t *r = realloc(c->returned, cap * sizeof *r);
    if (!r)
        return -1;
    c->returned = r;
    c->cap_slabs = cap;
    return 0;
}

int pb_small_core_add_slab(struct pb_small_core *c, char *err, size_t errlen)
{
    if (c->n_returned > 0) {
        uint32_t ref = c->returned[--c->n_returned];
        c->slabs[ref].returned = 0;
        slab_start(c, ref);
        note_footprint(c);
        return 0;
    }
    if (c->n_slabs == UINT32_MAX) {
        snprintf(err, errlen, "%s: too many slabs", c->who);
        return -1;
    }
    if (c->n_slabs == c->cap_slabs && grow_tables(c)) {
        snprintf(err, errlen, "%s: out of memory for the slab table", c->who);
        return -1;
    }
    unsigned char *base = pb_map_aligned(c->slab_size, c->slab_size);
    if (!base) {
        snprintf(err, errlen, "%s: cannot map a slab of %zu bytes", c->who, c->slab_size);
        return -1;
    }
    c->slabs[c->n_slabs] = (struct pb_small_ref){base, 0};
    slab_start(c, (uint32_t)c->n_slabs++);
    note_footprint(c);
    return 0;
}

/* Give an empty held slab back to the OS; it stays mapped for reuse. */
static void slab_give_back(struct pb_small_core *c, struct pb_small_slab *s)
{
    uint32_t ref = s->ref;
    pb_assert(s->live == 0 && c->returning);
    avail_unlink(c, s);
    c->n_empty--;
    madvise(s, c->slab_size, MADV_DONTNEED);
    c->slabs[ref].returned = 1;
    c->returned[c->n_returned++] = ref;
    c->slabs_returned++;
}

__attribute__((noinline, cold))
void pb_small_core_emptied(struct pb_small_core *c, struct pb_small_slab *s)
{
    c->n_empty++;
    if (c->n_empty > c->keep_empty)
        slab_give_back(c, s);
}

void pb_small_core_reset(struct pb_small_core *c)
{
    c->avail = NULL;
    c->n_empty = 0;
    for (size_t i = c->n_slabs; i-- > 0;)
        if (!c->slabs[i].returned)
            slab_start(c, (uint32_t)i);
    for (size_t i = c->n_slabs; c->returning && c->n_empty > c->keep_empty && i-- > 0;)
        if (!c->slabs[i].returned)
            slab_give_back(c, (struct pb_small_slab *)c->slabs[i].base);
    pb_assert(!c->returning || c->n_empty <= c->keep_empty);
}

void pb_small_core_release(struct pb_small_core *c)
{
    for (size_t i = 0; i < c->n_slabs; i++)
        munmap(c->slabs[i].base, c->slab_size);
    free(c->slabs);
    free(c->returned);
    c->slabs = NULL;
    c->returned = NULL;
    c->n_slabs = c->cap_slabs = c->n_returned = 0;
    c->avail = NULL;
}

int pb_small_core_mappings(const struct pb_small_core *c, pb_mapping_fn fn, void *ctx)
{
    for (size_t i = 0; i < c->n_slabs; i++) {
        if (c->slabs[i].returned)
            continue;
        struct pb_mapping m = {c->slabs[i].base, c->slab_size};
        if (fn(&m, ctx))
            return 1;
    }
    return 0;
}

size_t pb_small_core_carved(const struct pb_small_core *c)
{
    size_t carved = 0;
    for (size_t i = 0; i < c->n_slabs; i++)
        if (!c->slabs[i].returned)
            carved += ((const struct pb_small_slab *)c->slabs[i].base)->bump - c->first;
    return carved;
}

/* ---- check: the invariants above, verified ---- */

/* Geometry fixed at init still agrees with itself. */
static int check_geometry(const struct pb_small_core *c, char *msg, size_t len)
{
    size_t first = (sizeof(struct pb_small_slab) + c->chunk - 1) / c->chunk;
    if (c->chunk < c->width || c->align == 0 || c->chunk % c->align ||
        (c->slab_size & (c->slab_size - 1)) || c->slab_mask != ~(uintptr_t)(c->slab_size - 1) ||
        c->slots != c->slab_size / c->chunk || c->first != first ||
        c->usable != c->slots - c->first) {
        snprintf(msg, len, "chunk %zu, align %zu, slab %zu, %u slots, %u usable do not agree",
                 c->chunk, c->align, c->slab_size, c->slots, c->usable);
        return -1;
    }
    if (c->n_slabs > c->cap_slabs || c->n_returned > c->n_slabs ||
        c->peak_footprint < pb_small_core_held(c) * c->slab_size) {
        snprintf(msg, len, "%zu slabs (%zu given back) in a table of %zu, peak %zu too low",
                 c->n_slabs, c->n_returned, c->cap_slabs, c->peak_footprint);
        return -1;
    }
    size_t flagged = 0;
    for (size_t i = 0; i < c->n_slabs; i++)
        flagged += c->slabs[i].returned != 0;
    for (size_t k = 0; k < c->n_returned; k++) {
        uint32_t r = c->returned[k];
        if (r >= c->n_slabs || !c->slabs[r].returned) {
            snprintf(msg, len, "given-back stack entry %zu (slab %u) is not a given-back slab",
                     k, r);
            return -1;
        }
    }
    if (flagged != c->n_returned) {
        snprintf(msg, len, "%zu slabs flagged given back, %zu on the stack", flagged,
                 c->n_returned);
        return -1;
    }
    return 0;
}

/* One held slab's header and free list: each chunk live, free once, or uncarved. */
static int check_slab(const struct pb_small_core *c, size_t i, char *msg, size_t len)
{
    const struct pb_small_slab *s = (const struct pb_small_slab *)c->slabs[i].base;
    if ((uintptr_t)s & (c->slab_size - 1) || s->ref != i || s->bump < c->first ||
        s->bump > c->slots || s->live > s->bump - c->first) {
        snprintf(msg, len, "slab %zu at %p: header (ref %u, bump %u, live %u) is inconsistent",
                 i, (const void *)s, s->ref, s->bump, s->live);
        return -1;
    }
    /* A chunk on the list twice makes it a cycle: the walk is bounded by the count. */
    uint32_t free_chunks = s->bump - c->first - s->live, n = 0;
    for (uint32_t k = s->free_head; k; n++) {
        if (n == free_chunks || k < c->first || k >= s->bump) {
            snprintf(msg, len,
                     "slab %zu: free list entry %u is not one of its %u carved chunks not live "
                     "(a chunk on it twice, a live one, or a bad index)",
                     i, k, free_chunks);
            return -1;
        }
        k = pb_small_load_index((const unsigned char *)s + (size_t)k * c->chunk, c->width);
    }
    if (n != free_chunks) {
        snprintf(msg, len, "slab %zu: free list holds %u chunks, carved minus live is %u", i, n,
                 free_chunks);
        return -1;
    }
    return 0;
}

static int cmp_ptr(const void *a, const void *b)
{
    uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
    return x < y ? -1 : x > y;
}

/* The avail list: exactly the held slabs that are not full, linked both ways. */
static int check_avail(const struct pb_small_core *c, size_t not_full, char *msg, size_t len)
{
    size_t held = pb_small_core_held(c), n = 0;
    uintptr_t *bases = malloc((held ? held : 1) * sizeof *bases);
    if (!bases) {
        snprintf(msg, len, "out of memory for the check");
        return -1;
    }
    for (size_t i = 0; i < c->n_slabs; i++)
        if (!c->slabs[i].returned)
            bases[n++] = (uintptr_t)c->slabs[i].base;
    qsort(bases, held, sizeof *bases, cmp_ptr);
    const struct pb_small_slab *prev = NULL;
    int rc = 0;
    n = 0;
    for (const struct pb_small_slab *s = c->avail; s && rc == 0; prev = s, s = s->next, n++) {
        uintptr_t key = (uintptr_t)s;
        if (n == not_full || !bsearch(&key, bases, held, sizeof *bases, cmp_ptr) ||
            s->prev != prev || s->live >= c->usable) {
            snprintf(msg, len, "avail list entry %zu (%p) is not a held slab with room, or "
                     "its links disagree", n, (const void *)s);
            rc = -1;
        }
    }
    if (rc == 0 && n != not_full) {
        snprintf(msg, len, "avail list holds %zu slabs, %zu held slabs have room", n, not_full);
        rc = -1;
    }
    free(bases);
    return rc;
}

int pb_small_core_check(const struct pb_small_core *c, uint64_t live, char *msg, size_t len)
{
    if (check_geometry(c, msg, len))
        return -1;
    uint64_t counted = 0;
    size_t empty = 0, not_full = 0;
    for (size_t i = 0; i < c->n_slabs; i++) {
        if (c->slabs[i].returned)
            continue;
        if (check_slab(c, i, msg, len))
            return -1;
        const struct pb_small_slab *s = (const struct pb_small_slab *)c->slabs[i].base;
        counted += s->live;
        empty += s->live == 0;
        not_full += s->live < c->usable;
    }
    if (counted != live) {
        snprintf(msg, len, "the slabs hold %llu live chunks, the counts say %llu",
                 (unsigned long long)counted, (unsigned long long)live);
        return -1;
    }
    if (c->n_empty != (c->returning ? empty : 0) ||
        (c->returning && c->n_empty > c->keep_empty)) {
        snprintf(msg, len, "%zu empty slabs counted, %zu held empty, %zu may be kept",
                 c->n_empty, empty, c->keep_empty);
        return -1;
    }
    return check_avail(c, not_full, msg, len);
}

/* ---- options ---- */

static size_t round_up(size_t n, size_t to)
{
    return (n + to - 1) / to * to;
}

static int size_option(const struct pb_option *opts, size_t n, const char *key, size_t *out,
                       char *err, size_t errlen)
{
    const char *v = pb_option_get(opts, n, key);
    if (v && pb_parse_size(v, out)) {
        snprintf(err, errlen, "pool-small: %s=%s is not a size in bytes", key, v);
        return -1;
    }
    return 0;
}

/* index=16|32 into *width (bytes); -1 and why if neither. */
static int index_option(const struct pb_option *opts, size_t n, unsigned *width, char *err,
                        size_t errlen)
{
    const char *iv = pb_option_get(opts, n, "index");
    *width = 2;
    if (iv && strcmp(iv, "32") == 0)
        *width = 4;
    else if (iv && strcmp(iv, "16") != 0) {
        snprintf(err, errlen, "pool-small: index=%s must be 16 or 32", iv);
        return -1;
    }
    return 0;
}

int pb_return_option(const char *who, const struct pb_option *opts, size_t n, int *returning,
                     size_t *keep_empty, char *err, size_t errlen)
{
    const char *rv = pb_option_get(opts, n, "return");
    *returning = 0;
    *keep_empty = 0;
    if (rv && strcmp(rv, "off") != 0) {
        if (pb_parse_size(rv, keep_empty)) {
            snprintf(err, errlen, "%s: return=%s must be off or a count of empty slabs to keep",
                     who, rv);
            return -1;
        }
        *returning = 1;
    }
    return 0;
}

size_t pb_small_slab_size(size_t slab)
{
    long pg = sysconf(_SC_PAGESIZE);
    size_t p = pg > 0 ? (size_t)pg : 4096;
    while (p < slab)
        p <<= 1;
    return p;
}

/* The core from opts; -1 and why if invalid. */
static int ps_configure(struct pool_small *pl, const struct pb_option *opts, size_t n,
                        char *err, size_t errlen)
{
    size_t chunk = 4, align = 4, slab = 64 * 1024, keep = 0;
    unsigned width = 2;
    int returning = 0;
    if (size_option(opts, n, "chunk", &chunk, err, errlen) ||
        size_option(opts, n, "align", &align, err, errlen) ||
        size_option(opts, n, "slab", &slab, err, errlen) ||
        index_option(opts, n, &width, err, errlen) ||
        pb_return_option("pool-small", opts, n, &returning, &keep, err, errlen))
        return -1;
    if (align == 0 || (align & (align - 1)) || align > PS_MAX_ALIGN) {
        snprintf(err, errlen, "pool-small: align=%zu must be a power of two from 1 to %d",
                 align, PS_MAX_ALIGN);
        return -1;
    }
    if (chunk == 0 || chunk > PS_MAX_SLAB) {
        snprintf(err, errlen, "pool-small: chunk=%zu must be from 1 to %zu bytes", chunk,
                 PS_MAX_SLAB);
        return -1;
    }
    if (slab == 0 || slab > PS_MAX_SLAB) {
        snprintf(err, errlen, "pool-small: slab=%zu must be from 1 to %zu bytes", slab,
                 PS_MAX_SLAB);
        return -1;
    }
    if (chunk < width)
        chunk = width; /* room for the next index */
    chunk = round_up(chunk, align);
    return pb_small_core_init(&pl->c, "pool-small", chunk, align, pb_small_slab_size(slab),
                              width, returning, keep, err, errlen);
}

static int ps_create(const struct pb_option *opts, size_t n, void **out, char *err,
                     size_t errlen)
{
    if (pb_options_check(&pb_backend_pool_small, opts, n, err, errlen))
        return -1;
    struct pool_small *pl = calloc(1, sizeof *pl);
    if (!pl) {
        snprintf(err, errlen, "pool-small: out of memory");
        return -1;
    }
    if (ps_configure(pl, opts, n, err, errlen)) {
        free(pl);
        return -1;
    }
    *out = pl;
    return 0;
}

/* ---- alloc and free ---- */

static int check_request(struct pool_small *pl, const char *what, size_t size, size_t align)
{
    if (size > pl->c.chunk) {
        snprintf(pl->err, sizeof pl->err,
                 "pool-small: %s of %zu bytes exceeds chunk size %zu", what, size, pl->c.chunk);
        return -1;
    }
    if (align > pl->c.align) {
        snprintf(pl->err, sizeof pl->err,
                 "pool-small: %s of %zu bytes aligned to %zu exceeds the pool's alignment %zu",
                 what, size, align, pl->c.align);
        return -1;
    }
    return 0;
}

__attribute__((noinline, cold))
static void *ps_alloc_slow(struct pool_small *pl, size_t size, size_t align)
{
    if (check_request(pl, "request", size, align) ||
        (!pl->c.avail && pb_small_core_add_slab(&pl->c, pl->err, sizeof pl->err))) {
        pl->failures++;
        return NULL;
    }
    pl->c.allocs++;
    return pb_small_core_take(&pl->c, pl->c.avail);
}

static void *ps_alloc(void *self, size_t size, size_t align)
{
    struct pool_small *pl = self;
    struct pb_small_slab *s = pl->c.avail;
    if (size > pl->c.chunk || align > pl->c.align || !s)
        return ps_alloc_slow(pl, size, align);
    pl->c.allocs++;
    return pb_small_core_take(&pl->c, s);
}

static int ps_free(void *self, void *ptr, size_t size)
{
    (void)size;
    struct pool_small *pl = self;
    if (!ptr) {
        pl->c.frees++;
        pl->null_frees++;
        return 0;
    }
    pb_small_core_put(&pl->c, ptr);
    pl->c.frees++;
    return 0;
}

/* Within a chunk a resize is free: the same pointer. Beyond it, refused. */
static void *ps_realloc(void *self, void *ptr, size_t old_size, size_t new_size, size_t align)
{
    (void)old_size;
    struct pool_small *pl = self;
    if (!ptr) {
        void *p = ps_alloc_slow(pl, new_size, align);
        if (p) {
            pl->c.allocs--;
            pl->realloc_births++;
            pl->reallocs++;
        }
        return p;
    }
    if (check_request(pl, "realloc", new_size, align)) {
        pl->failures++;
        return NULL;
    }
    pl->reallocs++;
    return ptr;
}

static uint64_t ps_live(const struct pool_small *pl)
{
    return pl->c.allocs + pl->realloc_births - (pl->c.frees - pl->null_frees) - pl->retired;
}

static int ps_check(void *self, char *msg, size_t len)
{
    const struct pool_small *pl = self;
    char why[PB_ERR_MAX];
    uint64_t made = pl->c.allocs + pl->realloc_births;
    uint64_t gone = pl->c.frees - pl->null_frees + pl->retired;
    if (pl->c.frees < pl->null_frees || gone > made) {
        snprintf(msg, len, "pool-small: %llu blocks freed or retired, only %llu made",
                 (unsigned long long)gone, (unsigned long long)made);
        return -1;
    }
    if (pb_small_core_check(&pl->c, made - gone, why, sizeof why) == 0)
        return 0;
    snprintf(msg, len, "pool-small: %s", why);
    return -1;
}

static void ps_free_all(void *self)
{
    struct pool_small *pl = self;
    pb_small_core_reset(&pl->c);
    pl->retired += ps_live(pl);
    pl->free_alls++;
}

/* ---- figures ---- */

static void ps_stats(void *self, struct pb_backend_stats *out)
{
    const struct pool_small *pl = self;
    *out = (struct pb_backend_stats){
        .footprint_bytes = pb_small_core_held(&pl->c) * pl->c.slab_size,
        .peak_footprint_bytes = pl->c.peak_footprint,
        .granted_bytes = (size_t)ps_live(pl) * pl->c.chunk,
        .live_blocks = (size_t)ps_live(pl),
        .allocs = pl->c.allocs,
        .frees = pl->c.frees,
        .reallocs = pl->reallocs,
        .free_alls = pl->free_alls,
        .failures = pl->failures,
    };
}

static int ps_mappings(void *self, pb_mapping_fn fn, void *ctx)
{
    return pb_small_core_mappings(&((const struct pool_small *)self)->c, fn, ctx);
}

static size_t ps_class_stats(void *self, struct pb_class_stats *out, size_t max)
{
    const struct pool_small *pl = self;
    if (max >= 1)
        out[0] = (struct pb_class_stats){
            .kind = PB_CLASS_SIZE,
            .size = pl->c.chunk,
            .chunks_live = (size_t)ps_live(pl),
            .chunks_carved = pb_small_core_carved(&pl->c),
            .slabs = pb_small_core_held(&pl->c),
            .footprint_bytes = pb_small_core_held(&pl->c) * pl->c.slab_size,
            .allocs = pl->c.allocs + pl->realloc_births,
        };
    return 1;
}

static size_t ps_config(void *self, struct pb_config_entry *out, size_t max)
{
    const struct pool_small *pl = self;
    const size_t values[] = {pl->c.chunk, pl->c.align, pl->c.slab_size, (size_t)pl->c.width * 8};
    size_t n = 0;
    for (; n < 4 && n < max; n++) {
        snprintf(out[n].key, sizeof out[n].key, "%s", ps_options[n].key);
        snprintf(out[n].value, sizeof out[n].value, "%zu", values[n]);
    }
    if (n < max) {
        snprintf(out[n].key, sizeof out[n].key, "return");
        if (pl->c.returning)
            snprintf(out[n].value, sizeof out[n].value, "%zu", pl->c.keep_empty);
        else
            snprintf(out[n].value, sizeof out[n].value, "off");
        n++;
    }
    if (n < max) {
        snprintf(out[n].key, sizeof out[n].key, "chunks_per_slab");
        snprintf(out[n].value, sizeof out[n].value, "%u", pl->c.usable);
        n++;
    }
    if (n < max) {
        snprintf(out[n].key, sizeof out[n].key, "slabs_returned");
        snprintf(out[n].value, sizeof out[n].value, "%llu",
                 (unsigned long long)pl->c.slabs_returned);
        n++;
    }
    return n;
}

static const char *ps_last_error(void *self)
{
    return ((const struct pool_small *)self)->err;
}

static void ps_destroy(void *self)
{
    struct pool_small *pl = self;
    if (!pl)
        return;
    pb_small_core_release(&pl->c);
    free(pl);
}

const struct pb_backend_ops pb_backend_pool_small = {
    .version = PB_BACKEND_API_VERSION,
    .name = "pool-small",
    .description = "fixed-size chunks down to 2 bytes: per-slab free lists of 16/32-bit indices",
    .flags = PB_BK_OWN_MAPPINGS | PB_BK_FREE_ALL | PB_BK_FIXED_SIZE,
    .options = ps_options,
    .available = NULL,
    .create = ps_create,
    .alloc = ps_alloc,
    .free = ps_free,
    .realloc = ps_realloc,
    .free_all = ps_free_all,
    .stats = ps_stats,
    .mappings = ps_mappings,
    .config = ps_config,
    .last_error = ps_last_error,
    .destroy = ps_destroy,
    .class_stats = ps_class_stats,
    .check = ps_check,
};
