/*
 * pool_core.c -- slabs of the pool core (see pool_core.h): mapping, the
 * slab tables, carving across slabs, reset and release. Only the slow paths
 * live here; the fast paths are inline in pool_core.h.
 */
#include "pool_core.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

void pb_pool_core_init(struct pb_pool_core *c, const char *who, size_t chunk, size_t align,
                       size_t slab_size, int checked, int align_slabs)
{
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
    c->cur = i;
    c->bump = c->slabs[i].base;
    c->bump_end = c->bump + c->per_slab * c->chunk;
}

static int grow_tables(struct pb_pool_core *c)
{
    if (c->n_slabs < c->cap_slabs)
        return 0;
    size_t cap = c->cap_slabs ? 2 * c->cap_slabs : 8;
    struct pb_pool_slab *s = realloc(c->slabs, cap * sizeof *s);
    if (!s)
        return -1;
    c->slabs = s;
    size_t *idx = realloc(c->by_addr, cap * sizeof *idx);
    if (!idx)
        return -1;
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
    void *base = pb_map_aligned(c->slab_size, c->align_slabs ? c->slab_size : 1);
    if (!base) {
        free(bits);
        snprintf(err, errlen, "%s: cannot map a slab of %zu bytes", c->who, c->slab_size);
        return -1;
    }
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
        munmap(c->slabs[i].base, c->slab_size);
        free(c->slabs[i].live);
    }
    free(c->slabs);
    free(c->by_addr);
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
