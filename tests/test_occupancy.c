/*
 * test_occupancy.c -- the incremental occupied-page count against two
 * references: a brute-force count of pages per byte, and the sort-based
 * count the memory pass used before (kept here, test-only, as it was), read
 * from the replay's slot table at every sample of random workloads replayed
 * against the real backends.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "occupancy.h"
#include "pb_backend.h"
#include "replay.h"
#include "hand_workloads.h"
#include "occupancy_ref.h"

/* Addresses the tracker never dereferences: any page-aligned base will do. */
static void *at(uintptr_t off)
{
    return (void *)((uintptr_t)1 << 32 | off);
}

/* ---- hand-computed cases ------------------------------------------------- */

static void counts_distinct_pages_and_ignores_size_zero(void **state)
{
    (void)state;
    struct pb_occupancy o;
    assert_int_equal(pb_occupancy_init(&o, 0, PAGE), 0);
    pb_occupancy_add(&o, at(100), 50);
    pb_occupancy_add(&o, at(4000), 200); /* page 0 again, and page 1 */
    pb_occupancy_add(&o, at(3 * PAGE), 0); /* occupies nothing */
    pb_occupancy_add(&o, NULL, 77);        /* not live */
    assert_int_equal(pb_occupancy_bytes(&o), 2 * PAGE);
    assert_int_equal(o.live_bytes, 250);
    pb_occupancy_add(&o, at(6 * PAGE - 1), 2); /* 1 byte of page 5, 1 of page 6 */
    assert_int_equal(pb_occupancy_bytes(&o), 4 * PAGE);
    pb_occupancy_remove(&o, at(100), 50); /* page 0 still holds the second block */
    assert_int_equal(pb_occupancy_bytes(&o), 4 * PAGE);
    pb_occupancy_remove(&o, at(4000), 200);
    assert_int_equal(pb_occupancy_bytes(&o), 2 * PAGE);
    pb_occupancy_remove(&o, at(3 * PAGE), 0);
    pb_occupancy_remove(&o, at(6 * PAGE - 1), 2);
    assert_int_equal(pb_occupancy_bytes(&o), 0);
    assert_int_equal(o.live_bytes, 0);
    assert_int_equal(o.used, 0);
    pb_occupancy_fini(&o);
}

/* A 1 GiB block is two table cells and a sum, not 262144 updates. */
static void a_huge_block_costs_two_cells(void **state)
{
    (void)state;
    struct pb_occupancy o;
    assert_int_equal(pb_occupancy_init(&o, 0, PAGE), 0);
    uint64_t gib = (uint64_t)1 << 30;
    pb_occupancy_add(&o, at(16), gib); /* pages 0 .. 262144 */
    assert_int_equal(pb_occupancy_bytes(&o), (gib / PAGE + 1) * PAGE);
    assert_int_equal(o.used, 2);
    pb_occupancy_add(&o, at(16 + gib), 8); /* shares the last page */
    pb_occupancy_add(&o, at(8), 8);        /* shares the first */
    assert_int_equal(pb_occupancy_bytes(&o), (gib / PAGE + 1) * PAGE);
    pb_occupancy_remove(&o, at(16), gib);
    assert_int_equal(pb_occupancy_bytes(&o), 2 * PAGE);
    pb_occupancy_fini(&o);
}

static void rejects_a_page_size_not_a_power_of_two(void **state)
{
    (void)state;
    struct pb_occupancy o;
    assert_int_equal(pb_occupancy_init(&o, 0, 3000), -1);
    assert_int_equal(pb_occupancy_init(&o, 0, 0), -1);
    assert_int_equal(pb_occupancy_init(&o, 0, 16384), 0);
    pb_occupancy_add(&o, at(16380), 8); /* pages 0 and 1 of 16 KiB */
    assert_int_equal(pb_occupancy_bytes(&o), 2 * 16384);
    pb_occupancy_fini(&o);
}

/* What a cell cannot hold fails the tracker (and the pass) instead of
 * wrapping: a page number past the cell's tag bits, and more blocks ending on
 * one page than the count bits hold (only overlapping blocks could). */
static void what_a_cell_cannot_hold_fails_the_tracker(void **state)
{
    (void)state;
    struct pb_occupancy o;
    assert_int_equal(pb_occupancy_init(&o, 0, PAGE), 0);
    pb_occupancy_add(&o, (void *)(uintptr_t)((PB_OCC_PAGE_MAX + 1) * PAGE), 8);
    assert_true(o.failed);
    pb_occupancy_fini(&o);
    assert_int_equal(pb_occupancy_init(&o, 0, PAGE), 0);
    for (uint64_t i = 0; i < PB_OCC_COUNT_MAX; i++)
        pb_occupancy_add(&o, at(64), 8);
    assert_false(o.failed);
    assert_int_equal(pb_occupancy_bytes(&o), PAGE);
    pb_occupancy_add(&o, at(64), 8);
    assert_true(o.failed);
    pb_occupancy_fini(&o);
}

/* From 64 cells to hundreds of thousands and back to empty: every key moves
 * at each doubling and every delete shifts its cluster back. */
static void the_table_grows_and_empties(void **state)
{
    (void)state;
    enum { N = 200000 };
    struct pb_occupancy o;
    assert_int_equal(pb_occupancy_init(&o, 0, PAGE), 0);
    size_t first_len = o.map_len;
    for (uintptr_t i = 0; i < N; i++)
        pb_occupancy_add(&o, at(i * 3 * PAGE + 7), 1 + i % 5);
    assert_false(o.failed);
    assert_true(o.map_len > first_len);
    assert_true(2 * o.used <= o.mask + 1); /* at most half full */
    assert_int_equal(pb_occupancy_bytes(&o), (uint64_t)N * PAGE);
    for (uintptr_t i = 0; i < N; i += 2)
        pb_occupancy_remove(&o, at(i * 3 * PAGE + 7), 1 + i % 5);
    assert_int_equal(pb_occupancy_bytes(&o), (uint64_t)N / 2 * PAGE);
    for (uintptr_t i = 1; i < N; i += 2)
        pb_occupancy_remove(&o, at(i * 3 * PAGE + 7), 1 + i % 5);
    assert_int_equal(pb_occupancy_bytes(&o), 0);
    assert_int_equal(o.used, 0);
    assert_int_equal(o.inner_pages, 0);
    assert_int_equal(o.live_bytes, 0);
    for (size_t i = 0; i <= o.mask; i++)
        assert_int_equal(o.cells[i], 0);
    pb_occupancy_fini(&o);
}

/* ---- random disjoint blocks against a count of used bytes per page -------- */

enum { AREA_PAGES = 64, AREA = AREA_PAGES * PAGE, MAXB = 600 };

struct blocks {
    unsigned char used[AREA];    /* byte is in a live block */
    uint32_t per_page[AREA_PAGES]; /* used bytes per page */
    struct pb_slot slot[MAXB];
    uint64_t live;
};

/* Place a block in slot s at a random aligned free place; 0 if none found. */
static int place(struct blocks *b, size_t s, uint64_t *x)
{
    size_t size = random_size(x), align = (size_t)1 << (rng(x) % 13);
    size_t off = (size_t)rng(x) % AREA / align * align;
    if (off + size > AREA)
        return 0;
    for (size_t i = off; i < off + size; i++)
        if (b->used[i])
            return 0;
    for (size_t i = off; i < off + size; i++) {
        b->used[i] = 1;
        b->per_page[i / PAGE]++;
    }
    b->slot[s].ptr = at(off);
    b->slot[s].size = size;
    b->live += size;
    return 1;
}

static void unplace(struct blocks *b, size_t s)
{
    size_t off = (uintptr_t)b->slot[s].ptr - (uintptr_t)at(0);
    for (size_t i = off; i < off + b->slot[s].size; i++) {
        b->used[i] = 0;
        b->per_page[i / PAGE]--;
    }
    b->live -= b->slot[s].size;
    b->slot[s].ptr = NULL;
}

static uint64_t brute_occupied(const struct blocks *b)
{
    uint64_t pages = 0;
    for (size_t p = 0; p < AREA_PAGES; p++)
        pages += b->per_page[p] > 0;
    return pages * PAGE;
}

static void random_blocks_match_brute_force_and_the_sort(void **state)
{
    (void)state;
    static struct blocks b;
    memset(&b, 0, sizeof b);
    struct pb_occupancy o;
    assert_int_equal(pb_occupancy_init(&o, 0, PAGE), 0);
    struct pb_replay r = {.slot = b.slot, .n_slots = MAXB, .page_size = PAGE};
    uint64_t x = 99;
    for (int step = 0; step < 60000; step++) {
        size_t s = (size_t)rng(&x) % MAXB;
        if (b.slot[s].ptr) {
            pb_occupancy_remove(&o, b.slot[s].ptr, b.slot[s].size);
            unplace(&b, s);
        } else if (place(&b, s, &x)) {
            pb_occupancy_add(&o, b.slot[s].ptr, b.slot[s].size);
        }
        assert_int_equal(pb_occupancy_bytes(&o), brute_occupied(&b));
        assert_int_equal(o.live_bytes, b.live);
        if (step % 97 == 0) {
            uint64_t live = 0;
            assert_int_equal(pb_occupancy_bytes(&o), ref_occupied(&r, &live));
            assert_int_equal(live, b.live);
        }
    }
    assert_false(o.failed);
    pb_occupancy_fini(&o);
}

/* ---- the replay keeps the tracker equal to the sort, on real backends ---- */

/* Replay w against the backend in ranges of `every` events (1 at first),
 * comparing tracker and sort after each. */
static void replay_and_compare(const struct shape *sh, struct pb_workload *w, size_t every)
{
    const struct pb_backend_ops *ops = pb_backend_find(sh->spec_name);
    assert_non_null(ops);
    struct pb_option opt = {sh->opt_key, sh->opt_value};
    void *self = NULL;
    char err[PB_ERR_MAX];
    assert_int_equal(ops->create(&opt, sh->opt_key ? 1 : 0, &self, err, sizeof err), 0);
    struct pb_replay r;
    struct pb_occupancy o;
    assert_int_equal(pb_replay_init(&r, ops, self, w, PB_TOUCH_PAGES), 0);
    assert_int_equal(pb_occupancy_init(&o, 0, r.page_size), 0);
    r.occ = &o;
    size_t samples = 0;
    for (size_t pos = 0; pos < w->n_records; samples++) {
        size_t next = pos + (pos < 3000 ? 1 : every);
        if (next > w->n_records)
            next = w->n_records;
        size_t done = pb_replay_range(&r, pos, next);
        if (done != next)
            fprintf(stderr, "%s refused event %zu: %s\n", sh->spec_name, done,
                    ops->last_error(self));
        assert_int_equal(done, next);
        pos = next;
        uint64_t live = 0, want = ref_occupied(&r, &live);
        assert_int_equal(pb_occupancy_bytes(&o), want);
        assert_int_equal(o.live_bytes, live);
    }
    assert_true(samples > 3000);
    assert_false(o.failed);
    pb_replay_release(&r);
    pb_replay_fini(&r);
    pb_occupancy_fini(&o);
    ops->destroy(self);
}

static void replay_tracks_like_the_sort(void **state)
{
    (void)state;
    static const struct shape shapes[] = {
        {"malloc", NULL, NULL, UINT64_MAX, 12, 1},
        {"arena", NULL, NULL, 1u << 22, 12, 1},
        {"pools", NULL, NULL, UINT64_MAX, 12, 1},
        {"pool", "chunk", "64", 64, 4, 1},
        {"pool-per-tag", NULL, NULL, UINT64_MAX, 12, 1}, /* the tagged loop */
    };
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        struct pb_workload *w = random_workload(&shapes[i], 400, 7 + i);
        replay_and_compare(&shapes[i], w, 41);
        tw_free(w);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counts_distinct_pages_and_ignores_size_zero),
        cmocka_unit_test(a_huge_block_costs_two_cells),
        cmocka_unit_test(rejects_a_page_size_not_a_power_of_two),
        cmocka_unit_test(the_table_grows_and_empties),
        cmocka_unit_test(what_a_cell_cannot_hold_fails_the_tracker),
        cmocka_unit_test(random_blocks_match_brute_force_and_the_sort),
        cmocka_unit_test(replay_tracks_like_the_sort),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
