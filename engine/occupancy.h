/*
 * occupancy.h -- the pages under live blocks, kept up to date block by block,
 * so the memory pass reads its `occupied` figure in O(1) at every sample
 * instead of sorting every live block.
 *
 * A block [p, p + size) with size > 0 occupies the pages p / page ..
 * (p + size - 1) / page; a block of size 0 occupies none (and counts 0 live
 * bytes). The occupied figure is page size x the distinct pages occupied by
 * at least one live block. Live blocks of an allocator are disjoint, so a
 * page strictly between a block's first and last page belongs to that block
 * alone: those inner pages are a plain sum, and only first and last pages,
 * which neighbours may share, are counted in a hash table (page -> number of
 * live blocks starting or ending on it). Each add or remove is O(1) whatever
 * the block's size.
 *
 * The table lives in anonymous mmap'd memory, never malloc, so a malloc-like
 * backend's heap and statistics never see it, and every page of it is written
 * when mapped: its resident size is always map_len, which the memory pass
 * subtracts from the process's RSS growth when the table grows mid-pass.
 */
#ifndef PB_OCCUPANCY_H
#define PB_OCCUPANCY_H

#include <stddef.h>
#include <stdint.h>

/* A table cell packs a page and its count in 64 bits: key = (page + 1) <<
 * PB_OCC_COUNT_BITS | count, 0 = empty. One cache line visit per probe, half
 * the memory of a two-word cell. */
#define PB_OCC_COUNT_BITS 20
#define PB_OCC_COUNT_MAX ((UINT64_C(1) << PB_OCC_COUNT_BITS) - 1)
#define PB_OCC_PAGE_MAX ((UINT64_C(1) << (64 - PB_OCC_COUNT_BITS)) - 2)

/* The tracker; zero-initialise, then pb_occupancy_init. */
struct pb_occupancy {
    uint64_t *cells;      /* open addressing, linear probing (see above) */
    size_t mask;          /* cells - 1 (cells is a power of two) */
    unsigned hash_shift;  /* 64 - log2(cells): Fibonacci hashing keeps the top bits */
    size_t used;          /* cells in use: the distinct first/last pages */
    uint64_t inner_pages; /* sum over live blocks of the pages strictly inside them */
    uint64_t live_bytes;  /* sum of the live blocks' sizes (size-0 blocks count 0) */
    uintptr_t page;       /* page size, a power of two */
    unsigned page_shift;  /* log2(page) */
    size_t map_len;       /* the cells' mapping, whole pages, all resident */
    int failed;           /* the table could not grow, or a page or count did not fit
                             its cell: the figures are wrong (the memory pass then
                             fails the run, as out of memory in the runner) */
};

/* Map a table of at least min_cells cells (rounded up to a power of two,
 * at least 64) for pages of page_size bytes (a power of two). 0, or -1 when
 * out of memory or page_size is not a power of two. */
int pb_occupancy_init(struct pb_occupancy *o, size_t min_cells, size_t page_size);

/* Unmap the table; o is zeroed. */
void pb_occupancy_fini(struct pb_occupancy *o);

/* A block became live at p (ignored when p is NULL). On a failed growth the
 * block is dropped and o->failed set. */
void pb_occupancy_add(struct pb_occupancy *o, const void *p, uint64_t size);

/* The block added as (p, size) is no longer live (ignored when p is NULL). */
void pb_occupancy_remove(struct pb_occupancy *o, const void *p, uint64_t size);

/* The block (old, old_size) was resized or moved to (p, size): a realloc. */
void pb_occupancy_move(struct pb_occupancy *o, const void *old, uint64_t old_size, const void *p,
                       uint64_t size);

/* Page size x distinct pages overlapping a live block, in O(1). */
uint64_t pb_occupancy_bytes(const struct pb_occupancy *o);

#endif /* PB_OCCUPANCY_H */
