/*
 * occupancy_ref.h -- test-only reference for the occupied-page figure: the
 * sort-based count the memory pass used before the incremental tracker
 * (src/occupancy.h), kept verbatim, and random workloads with sizes and
 * alignments that make blocks share pages and span several, to compare the
 * two on.
 */
#ifndef PB_OCCUPANCY_REF_H
#define PB_OCCUPANCY_REF_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "replay.h"
#include "hand_workloads.h"

#define PAGE 4096u

/* ---- the reference: the memory pass's former sort-based count ------------ */

struct page_range {
    uintptr_t first, last;
};

static inline void sift_down(struct page_range *r, size_t root, size_t n)
{
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= n)
            return;
        if (child + 1 < n && r[child + 1].first > r[child].first)
            child++;
        if (r[root].first >= r[child].first)
            return;
        struct page_range t = r[root];
        r[root] = r[child];
        r[child] = t;
        root = child;
    }
}

static inline void sort_ranges(struct page_range *r, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        sift_down(r, i, n);
    for (size_t end = n; end-- > 1;) {
        struct page_range t = r[0];
        r[0] = r[end];
        r[end] = t;
        sift_down(r, 0, end);
    }
}

/* Page size x distinct pages overlapping a live block of r's table; *live =
 * the live bytes. Verbatim the former pb_occupied_bytes (scratch malloc'd). */
static inline uint64_t ref_occupied(const struct pb_replay *r, uint64_t *live)
{
    struct page_range *ranges = malloc((r->n_slots + 1) * sizeof *ranges);
    assert_non_null(ranges);
    size_t n = 0;
    uint64_t live_bytes = 0;
    const uintptr_t page = r->page_size;
    for (uint32_t s = 0; s < r->n_slots; s++) {
        if (!r->slot[s].ptr)
            continue;
        live_bytes += r->slot[s].size;
        if (r->slot[s].size == 0)
            continue;
        uintptr_t p = (uintptr_t)r->slot[s].ptr;
        ranges[n].first = p / page;
        ranges[n].last = (p + r->slot[s].size - 1) / page;
        n++;
    }
    *live = live_bytes;
    uint64_t pages = 0;
    if (n > 0) {
        sort_ranges(ranges, n);
        uintptr_t first = ranges[0].first, last = ranges[0].last;
        for (size_t i = 1; i < n; i++) {
            if (ranges[i].first > last) {
                pages += last - first + 1;
                first = ranges[i].first;
                last = ranges[i].last;
            } else if (ranges[i].last > last) {
                last = ranges[i].last;
            }
        }
        pages += last - first + 1;
    }
    free(ranges);
    return pages * page;
}

static inline uint64_t rng(uint64_t *x)
{
    *x = *x * 6364136223846793005u + 1442695040888963407u;
    return *x >> 33;
}

/* Random size: mostly small, some page-sized and some spanning several. */
static inline size_t random_size(uint64_t *x)
{
    switch (rng(x) % 8) {
    case 0:
        return 0;
    case 1:
    case 2:
    case 3:
        return 1 + rng(x) % 96;
    case 4:
    case 5:
        return 1 + rng(x) % PAGE;
    case 6:
        return PAGE;
    default:
        return 1 + rng(x) % (5 * PAGE);
    }
}

struct shape {
    const char *spec_name;       /* backend */
    const char *opt_key, *opt_value;
    uint64_t max_size;           /* largest request the backend serves */
    unsigned max_align_log2;
    int resets;                  /* x events */
};

/* An alloc of a random size and alignment into slot s. */
static inline void random_alloc(struct pb_workload *w, const struct shape *sh, uint32_t s,
                                uint64_t *size, uint8_t *align, uint64_t *x)
{
    uint64_t sz = random_size(x);
    if (rng(x) % 200 == 0)
        sz = 1 + rng(x) % (3u << 20); /* now and then megabytes: malloc maps those */
    if (sz > sh->max_size)
        sz = 1 + sz % sh->max_size;
    tw_add(w, PB_OP_ALLOC, s, sz);
    align[s] = (uint8_t)(rng(x) % (sh->max_align_log2 + 1));
    w->events[w->n_records - 1].align_log2 = align[s];
    size[s] = sz;
}

/* Allocs, frees, reallocs (and resets) at random over n_slots slots. */
static inline struct pb_workload *random_workload(const struct shape *sh, uint32_t n_slots,
                                                  uint64_t seed)
{
    struct pb_workload *w = tw_new("random");
    uint64_t *size = calloc(n_slots, sizeof *size);
    uint8_t *align = calloc(n_slots, 1);
    unsigned char *live = calloc(n_slots, 1);
    uint64_t x = seed;
    while (w->n_records < TW_MAX - 1) {
        uint32_t s = (uint32_t)(rng(&x) % n_slots);
        unsigned roll = (unsigned)(rng(&x) % 1000);
        if (sh->resets && roll == 0) {
            tw_add(w, PB_OP_RESET, 0, 0);
            memset(live, 0, n_slots);
        } else if (!live[s]) {
            random_alloc(w, sh, s, size, align, &x);
            live[s] = 1;
        } else if (roll < 250) {
            uint64_t sz = 1 + random_size(&x) % sh->max_size;
            tw_add(w, PB_OP_REALLOC, s, sz);
            w->events[w->n_records - 1].align_log2 = align[s];
            size[s] = sz;
        } else {
            tw_add(w, PB_OP_FREE, s, size[s]);
            w->events[w->n_records - 1].align_log2 = align[s];
            live[s] = 0;
        }
    }
    /* whether or not each slot was drawn: the table has n_slots entries */
    w->n_slots = n_slots;
    tw_figures(w);
    free(size);
    free(align);
    free(live);
    return w;
}

#endif /* PB_OCCUPANCY_REF_H */
