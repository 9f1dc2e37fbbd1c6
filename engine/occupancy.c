/*
 * occupancy.c -- the incremental occupied-page count (occupancy.h). The hash
 * table is linear probing with backward-shift deletion (no tombstones, so
 * probe lengths stay short however long the churn), at most half full, and
 * doubles when it would be fuller. A cell is one word: the page's tag in the
 * high bits, its count in the low PB_OCC_COUNT_BITS.
 */
#include "occupancy.h"

#include <string.h>
#include <sys/mman.h>

#define MIN_CELLS 64
#define FIB 0x9E3779B97F4A7C15ull /* 2^64 / golden ratio */

/* A zeroed, resident table of n cells, in its own mapping. */
static int map_table(struct pb_occupancy *o, size_t n)
{
    size_t bytes = n * sizeof *o->cells;
    size_t len = (bytes + o->page - 1) & ~(size_t)(o->page - 1);
    void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return -1;
    /* Write every page now: the table's resident size is then exactly len. */
    memset(m, 0, len);
    o->cells = m;
    o->map_len = len;
    o->mask = n - 1;
    unsigned bits = 0;
    while (((size_t)1 << bits) < n)
        bits++;
    o->hash_shift = 64 - bits;
    o->used = 0;
    return 0;
}

int pb_occupancy_init(struct pb_occupancy *o, size_t min_cells, size_t page_size)
{
    memset(o, 0, sizeof *o);
    if (page_size == 0 || (page_size & (page_size - 1)))
        return -1;
    o->page = page_size;
    while (((uintptr_t)1 << o->page_shift) < page_size)
        o->page_shift++;
    size_t n = MIN_CELLS;
    while (n < min_cells && n <= SIZE_MAX / 4 / sizeof *o->cells)
        n *= 2;
    return map_table(o, n);
}

void pb_occupancy_fini(struct pb_occupancy *o)
{
    if (o->cells)
        munmap(o->cells, o->map_len);
    memset(o, 0, sizeof *o);
}

/* The tag of a page: what its cell holds above the count. */
static uint64_t tag_of(uint64_t page)
{
    return (page + 1) << PB_OCC_COUNT_BITS;
}

static size_t home(const struct pb_occupancy *o, uint64_t tag)
{
    return (size_t)((tag * FIB) >> o->hash_shift);
}

/* The cell holding tag, or the empty cell where it would go. */
static size_t find(const struct pb_occupancy *o, uint64_t tag)
{
    size_t i = home(o, tag);
    while (o->cells[i] && (o->cells[i] & ~PB_OCC_COUNT_MAX) != tag)
        i = (i + 1) & o->mask;
    return i;
}

/* Double the table, moving every cell; -1 (old table kept) when out of memory. */
static int grow(struct pb_occupancy *o)
{
    struct pb_occupancy old = *o;
    size_t n = (old.mask + 1) * 2;
    if (n > SIZE_MAX / 2 / sizeof *o->cells || map_table(o, n)) {
        *o = old;
        return -1;
    }
    for (size_t i = 0; i <= old.mask; i++) {
        if (!old.cells[i])
            continue;
        o->cells[find(o, old.cells[i] & ~PB_OCC_COUNT_MAX)] = old.cells[i];
        o->used++;
    }
    munmap(old.cells, old.map_len);
    return 0;
}

/* One more live block with its first or last page on page. */
static void bump(struct pb_occupancy *o, uint64_t page)
{
    if (page > PB_OCC_PAGE_MAX) {
        o->failed = 1;
        return;
    }
    uint64_t tag = tag_of(page);
    size_t i = find(o, tag);
    if (o->cells[i]) {
        if ((o->cells[i] & PB_OCC_COUNT_MAX) == PB_OCC_COUNT_MAX)
            o->failed = 1; /* more blocks end on one page than bytes it holds */
        else
            o->cells[i]++;
        return;
    }
    if (2 * (o->used + 1) > o->mask + 1) {
        if (grow(o)) {
            o->failed = 1;
            return;
        }
        i = find(o, tag);
    }
    o->cells[i] = tag | 1;
    o->used++;
}

/* Empty cell i, shifting back the cells after it that probed past it. */
static void delete_at(struct pb_occupancy *o, size_t i)
{
    for (size_t j = (i + 1) & o->mask; o->cells[j]; j = (j + 1) & o->mask) {
        size_t k = home(o, o->cells[j] & ~PB_OCC_COUNT_MAX);
        /* the cell at j may move to i when i lies on its probe path k .. j */
        if (((j - k) & o->mask) >= ((j - i) & o->mask)) {
            o->cells[i] = o->cells[j];
            i = j;
        }
    }
    o->cells[i] = 0;
    o->used--;
}

/* One live block fewer with its first or last page on page. */
static void drop(struct pb_occupancy *o, uint64_t page)
{
    if (page > PB_OCC_PAGE_MAX)
        return;
    size_t i = find(o, tag_of(page));
    if (!o->cells[i])
        return; /* never added: nothing to undo */
    if ((--o->cells[i] & PB_OCC_COUNT_MAX) == 0)
        delete_at(o, i);
}

void pb_occupancy_add(struct pb_occupancy *o, const void *p, uint64_t size)
{
    if (!p || o->failed)
        return;
    o->live_bytes += size;
    if (size == 0)
        return;
    uint64_t first = (uint64_t)(uintptr_t)p >> o->page_shift;
    uint64_t last = ((uint64_t)(uintptr_t)p + size - 1) >> o->page_shift;
    bump(o, first);
    if (last != first) {
        bump(o, last);
        o->inner_pages += last - first - 1;
    }
}

void pb_occupancy_remove(struct pb_occupancy *o, const void *p, uint64_t size)
{
    if (!p || o->failed)
        return;
    o->live_bytes -= size;
    if (size == 0)
        return;
    uint64_t first = (uint64_t)(uintptr_t)p >> o->page_shift;
    uint64_t last = ((uint64_t)(uintptr_t)p + size - 1) >> o->page_shift;
    drop(o, first);
    if (last != first) {
        drop(o, last);
        o->inner_pages -= last - first - 1;
    }
}

void pb_occupancy_move(struct pb_occupancy *o, const void *old, uint64_t old_size, const void *p,
                       uint64_t size)
{
    pb_occupancy_remove(o, old, old_size);
    pb_occupancy_add(o, p, size);
}

uint64_t pb_occupancy_bytes(const struct pb_occupancy *o)
{
    return ((uint64_t)o->used + o->inner_pages) * o->page;
}
