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
 */
#include "pool_core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

extern const struct pb_backend_ops pb_backend_pool_small;

#define PS_MAX_ALIGN 4096
#define PS_MAX_SLAB ((size_t)1 << 30)

/* The header in a slab's first slots. */
struct ps_slab {
    struct ps_slab *next, *prev; /* on the avail list: held and not full */
    uint32_t free_head;          /* first free chunk's index; 0 = none */
    uint32_t bump;               /* next uncarved index */
    uint32_t live;               /* live chunks */
    uint32_t ref;                /* position in pool_small.slabs[] */
};

/* Where the pool keeps each slab it ever mapped. */
struct ps_ref {
    unsigned char *base;
    int returned; /* given back with MADV_DONTNEED, awaiting reuse */
};

struct pool_small {
    /* hot: touched by every alloc and free */
    struct ps_slab *avail;  /* slabs with a free or uncarved chunk; alloc serves the head */
    size_t chunk;           /* chunk size, multiple of align, >= index width */
    size_t align;           /* largest alignment served */
    uintptr_t slab_mask;    /* ~(slab - 1) */
    uint64_t recip;         /* 2^32 / chunk + 1: offset -> index by multiply and shift */
    uint32_t usable;        /* chunks per slab (slots minus the header's) */
    unsigned width;         /* index width in bytes: 2 or 4 */
    int returning;          /* return=N given */
    uint64_t allocs, frees; /* the only counters the fast paths touch */

    /* cold */
    uint32_t slots;         /* slab / chunk */
    uint32_t first;         /* first chunk index (after the header) */
    size_t slab_size;
    size_t keep_empty;      /* return=N: empty slabs kept resident */
    size_t n_empty;         /* returning: held slabs with no live chunk */
    struct ps_ref *slabs;   /* every slab mapped, creation order */
    size_t n_slabs, cap_slabs;
    uint32_t *returned;     /* stack of slabs[] positions given back */
    size_t n_returned;
    size_t peak_footprint;
    uint64_t reallocs, free_alls, failures, null_frees, realloc_births, retired;
    uint64_t slabs_returned; /* madvise calls made */
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

/* ---- indices ---- */

static inline unsigned char *slab_base(const struct ps_slab *s)
{
    return (unsigned char *)s;
}

static inline uint32_t load_index(const unsigned char *p, unsigned width)
{
    if (width == 2) {
        uint16_t v;
        memcpy(&v, p, sizeof v);
        return v;
    }
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void store_index(unsigned char *p, uint32_t i, unsigned width)
{
    if (width == 2) {
        uint16_t v = (uint16_t)i;
        memcpy(p, &v, sizeof v);
    } else {
        memcpy(p, &i, sizeof i);
    }
}

/* ---- options ---- */

static size_t round_up(size_t n, size_t to)
{
    return (n + to - 1) / to * to;
}

static size_t pow2_at_least(size_t n)
{
    size_t p = 1;
    while (p < n)
        p <<= 1;
    return p;
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

/* index=16|32 and return=off|N. */
static int mode_options(struct pool_small *pl, const struct pb_option *opts, size_t n,
                        char *err, size_t errlen)
{
    const char *iv = pb_option_get(opts, n, "index");
    pl->width = 2;
    if (iv && strcmp(iv, "32") == 0)
        pl->width = 4;
    else if (iv && strcmp(iv, "16") != 0) {
        snprintf(err, errlen, "pool-small: index=%s must be 16 or 32", iv);
        return -1;
    }
    const char *rv = pb_option_get(opts, n, "return");
    pl->returning = 0;
    if (rv && strcmp(rv, "off") != 0) {
        if (pb_parse_size(rv, &pl->keep_empty)) {
            snprintf(err, errlen,
                     "pool-small: return=%s must be off or a count of empty slabs to keep",
                     rv);
            return -1;
        }
        pl->returning = 1;
    }
    return 0;
}

/* Chunk, align, slab and the index limits; -1 and why if invalid. */
static int ps_configure(struct pool_small *pl, const struct pb_option *opts, size_t n,
                        char *err, size_t errlen)
{
    size_t chunk = 4, align = 4, slab = 64 * 1024;
    if (size_option(opts, n, "chunk", &chunk, err, errlen) ||
        size_option(opts, n, "align", &align, err, errlen) ||
        size_option(opts, n, "slab", &slab, err, errlen) ||
        mode_options(pl, opts, n, err, errlen))
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
    if (chunk < pl->width)
        chunk = pl->width; /* room for the next index */
    chunk = round_up(chunk, align);
    long page = sysconf(_SC_PAGESIZE);
    slab = pow2_at_least(slab < (size_t)page ? (size_t)page : slab);
    size_t slots = slab / chunk;
    size_t max_slots = pl->width == 2 ? (size_t)1 << 16 : (size_t)1 << 32;
    if (slots > max_slots) {
        snprintf(err, errlen,
                 "pool-small: slab=%zu / chunk=%zu gives %zu chunks per slab, more than "
                 "index=%u can address (%zu chunks plus the sentinel); use a smaller slab, "
                 "a larger chunk or index=32",
                 slab, chunk, slots, pl->width * 8, max_slots - 1);
        return -1;
    }
    size_t first = (sizeof(struct ps_slab) + chunk - 1) / chunk;
    if (slots < first + 1) {
        snprintf(err, errlen,
                 "pool-small: slab=%zu holds no chunk of %zu bytes besides its %zu-byte "
                 "header",
                 slab, chunk, sizeof(struct ps_slab));
        return -1;
    }
    pl->chunk = chunk;
    pl->align = align;
    pl->slab_size = slab;
    pl->slab_mask = ~(uintptr_t)(slab - 1);
    pl->recip = ((uint64_t)1 << 32) / chunk + 1;
    pl->slots = (uint32_t)slots; /* <= 2^28: slab <= 1 GiB, chunk >= 4 when index=32 */
    pl->first = (uint32_t)first;
    pl->usable = pl->slots - pl->first;
    return 0;
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

/* ---- slabs and the avail list ---- */

static void avail_push(struct pool_small *pl, struct ps_slab *s)
{
    s->prev = NULL;
    s->next = pl->avail;
    if (pl->avail)
        pl->avail->prev = s;
    pl->avail = s;
}

static void avail_unlink(struct pool_small *pl, struct ps_slab *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        pl->avail = s->next;
    if (s->next)
        s->next->prev = s->prev;
}

/* Write an empty slab's header (every chunk uncarved) and put it on avail. */
static void slab_start(struct pool_small *pl, uint32_t ref)
{
    struct ps_slab *s = (struct ps_slab *)pl->slabs[ref].base;
    s->free_head = 0;
    s->bump = pl->first;
    s->live = 0;
    s->ref = ref;
    avail_push(pl, s);
    if (pl->returning)
        pl->n_empty++;
}

static size_t held_slabs(const struct pool_small *pl)
{
    return pl->n_slabs - pl->n_returned;
}

static void note_footprint(struct pool_small *pl)
{
    size_t footprint = held_slabs(pl) * pl->slab_size;
    if (footprint > pl->peak_footprint)
        pl->peak_footprint = footprint;
}

/* A slab for alloc: a given-back one carved afresh, else a new mapping. */
static int add_slab(struct pool_small *pl)
{
    if (pl->n_returned > 0) {
        uint32_t ref = pl->returned[--pl->n_returned];
        pl->slabs[ref].returned = 0;
        slab_start(pl, ref);
        note_footprint(pl);
        return 0;
    }
    if (pl->n_slabs == UINT32_MAX) {
        snprintf(pl->err, sizeof pl->err, "pool-small: too many slabs");
        return -1;
    }
    if (pl->n_slabs == pl->cap_slabs) {
        size_t cap = pl->cap_slabs ? 2 * pl->cap_slabs : 8;
        struct ps_ref *t = realloc(pl->slabs, cap * sizeof *t);
        if (t)
            pl->slabs = t;
        uint32_t *r = t ? realloc(pl->returned, cap * sizeof *r) : NULL;
        if (!r) {
            snprintf(pl->err, sizeof pl->err, "pool-small: out of memory for the slab table");
            return -1;
        }
        pl->returned = r;
        pl->cap_slabs = cap;
    }
    unsigned char *base = pb_map_aligned(pl->slab_size, pl->slab_size);
    if (!base) {
        snprintf(pl->err, sizeof pl->err, "pool-small: cannot map a slab of %zu bytes",
                 pl->slab_size);
        return -1;
    }
    pl->slabs[pl->n_slabs] = (struct ps_ref){base, 0};
    slab_start(pl, (uint32_t)pl->n_slabs++);
    note_footprint(pl);
    return 0;
}

/* Give an empty held slab back to the OS; it stays mapped for reuse. */
static void slab_give_back(struct pool_small *pl, struct ps_slab *s)
{
    uint32_t ref = s->ref;
    avail_unlink(pl, s);
    pl->n_empty--;
    madvise(slab_base(s), pl->slab_size, MADV_DONTNEED);
    pl->slabs[ref].returned = 1;
    pl->returned[pl->n_returned++] = ref;
    pl->slabs_returned++;
}

/* A slab's live count fell to zero (return=N on): keep it or give it back. */
__attribute__((noinline, cold))
static void slab_emptied(struct pool_small *pl, struct ps_slab *s)
{
    pl->n_empty++;
    if (pl->n_empty > pl->keep_empty)
        slab_give_back(pl, s);
}

/* ---- alloc and free ---- */

static int check_request(struct pool_small *pl, const char *what, size_t size, size_t align)
{
    if (size > pl->chunk) {
        snprintf(pl->err, sizeof pl->err,
                 "pool-small: %s of %zu bytes exceeds chunk size %zu", what, size, pl->chunk);
        return -1;
    }
    if (align > pl->align) {
        snprintf(pl->err, sizeof pl->err,
                 "pool-small: %s of %zu bytes aligned to %zu exceeds the pool's alignment %zu",
                 what, size, align, pl->align);
        return -1;
    }
    return 0;
}

/* Take one chunk from the avail head (which exists). */
static inline unsigned char *take_from(struct pool_small *pl, struct ps_slab *s)
{
    unsigned char *p;
    uint32_t i = s->free_head;
    if (i) {
        p = slab_base(s) + (size_t)i * pl->chunk;
        s->free_head = load_index(p, pl->width);
    } else {
        p = slab_base(s) + (size_t)s->bump++ * pl->chunk;
    }
    if (s->live++ == 0 && pl->returning)
        pl->n_empty--;
    if (s->live == pl->usable) { /* full: off the avail list (it is the head) */
        pl->avail = s->next;
        if (s->next)
            s->next->prev = NULL;
    }
    return p;
}

__attribute__((noinline, cold))
static void *ps_alloc_slow(struct pool_small *pl, size_t size, size_t align)
{
    if (check_request(pl, "request", size, align) || (!pl->avail && add_slab(pl))) {
        pl->failures++;
        return NULL;
    }
    pl->allocs++;
    return take_from(pl, pl->avail);
}

static void *ps_alloc(void *self, size_t size, size_t align)
{
    struct pool_small *pl = self;
    struct ps_slab *s = pl->avail;
    if (size > pl->chunk || align > pl->align || !s)
        return ps_alloc_slow(pl, size, align);
    pl->allocs++;
    return take_from(pl, s);
}

static int ps_free(void *self, void *ptr, size_t size)
{
    (void)size;
    struct pool_small *pl = self;
    unsigned char *p = ptr;
    if (!p) {
        pl->frees++;
        pl->null_frees++;
        return 0;
    }
    struct ps_slab *s = (struct ps_slab *)((uintptr_t)p & pl->slab_mask);
    uint32_t i = (uint32_t)(((uint64_t)(p - slab_base(s)) * pl->recip) >> 32);
    store_index(p, s->free_head, pl->width);
    s->free_head = i;
    if (s->live == pl->usable)
        avail_push(pl, s);
    if (--s->live == 0 && pl->returning)
        slab_emptied(pl, s);
    pl->frees++;
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
            pl->allocs--;
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
    return pl->allocs + pl->realloc_births - (pl->frees - pl->null_frees) - pl->retired;
}

/* Every held slab emptied in place (headers rewritten); with return=N all
 * but N are given back. */
static void ps_free_all(void *self)
{
    struct pool_small *pl = self;
    pl->avail = NULL;
    pl->n_empty = 0;
    for (size_t i = pl->n_slabs; i-- > 0;)
        if (!pl->slabs[i].returned)
            slab_start(pl, (uint32_t)i);
    for (size_t i = pl->n_slabs; pl->returning && pl->n_empty > pl->keep_empty && i-- > 0;)
        if (!pl->slabs[i].returned)
            slab_give_back(pl, (struct ps_slab *)pl->slabs[i].base);
    pl->retired += ps_live(pl);
    pl->free_alls++;
}

/* ---- figures ---- */

static void ps_stats(void *self, struct pb_backend_stats *out)
{
    const struct pool_small *pl = self;
    *out = (struct pb_backend_stats){
        .footprint_bytes = held_slabs(pl) * pl->slab_size,
        .peak_footprint_bytes = pl->peak_footprint,
        .granted_bytes = (size_t)ps_live(pl) * pl->chunk,
        .live_blocks = (size_t)ps_live(pl),
        .allocs = pl->allocs,
        .frees = pl->frees,
        .reallocs = pl->reallocs,
        .free_alls = pl->free_alls,
        .failures = pl->failures,
    };
}

/* Held slabs only: a given-back slab is mapped but owns no memory. */
static int ps_mappings(void *self, pb_mapping_fn fn, void *ctx)
{
    const struct pool_small *pl = self;
    for (size_t i = 0; i < pl->n_slabs; i++) {
        if (pl->slabs[i].returned)
            continue;
        struct pb_mapping m = {pl->slabs[i].base, pl->slab_size};
        if (fn(&m, ctx))
            return 1;
    }
    return 0;
}

static size_t ps_class_stats(void *self, struct pb_class_stats *out, size_t max)
{
    const struct pool_small *pl = self;
    size_t carved = 0;
    for (size_t i = 0; i < pl->n_slabs; i++)
        if (!pl->slabs[i].returned)
            carved += ((const struct ps_slab *)pl->slabs[i].base)->bump - pl->first;
    if (max >= 1)
        out[0] = (struct pb_class_stats){
            .kind = PB_CLASS_SIZE,
            .size = pl->chunk,
            .chunks_live = (size_t)ps_live(pl),
            .chunks_carved = carved,
            .slabs = held_slabs(pl),
            .footprint_bytes = held_slabs(pl) * pl->slab_size,
            .allocs = pl->allocs + pl->realloc_births,
        };
    return 1;
}

static size_t ps_config(void *self, struct pb_config_entry *out, size_t max)
{
    const struct pool_small *pl = self;
    const size_t values[] = {pl->chunk, pl->align, pl->slab_size, (size_t)pl->width * 8};
    size_t n = 0;
    for (; n < 4 && n < max; n++) {
        snprintf(out[n].key, sizeof out[n].key, "%s", ps_options[n].key);
        snprintf(out[n].value, sizeof out[n].value, "%zu", values[n]);
    }
    if (n < max) {
        snprintf(out[n].key, sizeof out[n].key, "return");
        if (pl->returning)
            snprintf(out[n].value, sizeof out[n].value, "%zu", pl->keep_empty);
        else
            snprintf(out[n].value, sizeof out[n].value, "off");
        n++;
    }
    if (n < max) {
        snprintf(out[n].key, sizeof out[n].key, "chunks_per_slab");
        snprintf(out[n].value, sizeof out[n].value, "%u", pl->usable);
        n++;
    }
    if (n < max) {
        snprintf(out[n].key, sizeof out[n].key, "slabs_returned");
        snprintf(out[n].value, sizeof out[n].value, "%llu",
                 (unsigned long long)pl->slabs_returned);
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
    for (size_t i = 0; i < pl->n_slabs; i++)
        munmap(pl->slabs[i].base, pl->slab_size);
    free(pl->slabs);
    free(pl->returned);
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
};
