/* test_fallback.c -- a pool's embedded fallback (allocators/fallback.c): what
 * it routes by size, what it keeps in its set, what free_all can release. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "backend_test.h"
#include "pb_backend.h"

static const struct pb_backend_ops *pool(void)
{
    return bt_ops("pool");
}

/* pool:chunk=48:fallback=NAME, its stats asked once before any block (malloc
 * counts its blocks from the first stats call on, as the memory pass asks). */
static void *make(const char *fallback)
{
    const struct pb_option o[] = {{"chunk", "48"}, {"fallback", fallback}};
    void *self = bt_make(pool(), o, 2);
    (void)bt_stats(pool(), self);
    return self;
}

static size_t live(void *self)
{
    return bt_stats(pool(), self).live_blocks;
}

/* free_all is whole only through the fallback's own: malloc's blocks are listed nowhere. */
static void fallback_free_all_flag_follows_the_fallback(void **state)
{
    (void)state;
    void *m = make("malloc"), *p = make("pools");
    unsigned fm = pb_backend_flags(pool(), m), fp = pb_backend_flags(pool(), p);
    assert_false(fm & PB_BK_FREE_ALL);
    assert_false(fm & PB_BK_FIXED_SIZE);
    assert_true(fp & PB_BK_FREE_ALL);
    assert_false(fp & PB_BK_FIXED_SIZE);
    void *none = bt_make(pool(), NULL, 0);
    assert_true(pb_backend_flags(pool(), none) & PB_BK_FREE_ALL);
    assert_true(pb_backend_flags(pool(), none) & PB_BK_FIXED_SIZE);
    pool()->destroy(none);
    pool()->destroy(m);
    pool()->destroy(p);
}

/* Sizes above the chunk go to the fallback and come back by size; the pool's
 * own chunks stay on its free list. */
static void fallback_routes_by_size(void **state)
{
    (void)state;
    void *self = make("malloc");
    unsigned char *small = pool()->alloc(self, 48, 16);
    unsigned char *big = pool()->alloc(self, 4000, 16);
    assert_non_null(small);
    assert_non_null(big);
    bt_fill(big, 4000, 7);
    assert_int_equal(live(self), 2);
    assert_int_equal(bt_stats(pool(), self).granted_bytes >= 48 + 4000, 1);
    bt_check_ok(pool(), self);
    assert_int_equal(pool()->free(self, big, 4000), 0);
    assert_int_equal(pool()->free(self, small, 48), 0);
    assert_int_equal(live(self), 0);
    bt_check_ok(pool(), self);
    assert_ptr_equal(pool()->alloc(self, 40, 16), small); /* LIFO: the pool's chunk again */
    pool()->free(self, small, 40);
    pool()->destroy(self);
}

/* An over-aligned small block is the fallback's; a later free of that size
 * must find it there, and the pool's free list must not receive it. */
static void fallback_keeps_over_aligned_small_blocks(void **state)
{
    (void)state;
    void *self = make("malloc");
    unsigned char *a = pool()->alloc(self, 32, 256);
    assert_non_null(a);
    assert_int_equal((uintptr_t)a % 256, 0);
    unsigned char *b = pool()->alloc(self, 32, 16);
    assert_non_null(b);
    bt_check_ok(pool(), self);
    assert_int_equal(pool()->free(self, a, 32), 0);
    assert_int_equal(pool()->free(self, b, 32), 0);
    bt_check_ok(pool(), self);
    assert_int_equal(live(self), 0);
    unsigned char *c = pool()->alloc(self, 32, 16);
    assert_ptr_equal(c, b); /* the pool's list holds b, never a */
    pool()->free(self, c, 32);
    pool()->destroy(self);
}

/* realloc of a fallback block below the chunk keeps it in the fallback (now
 * in its set), and its free of the small size goes back there. */
static void fallback_realloc_shrinks_into_the_set(void **state)
{
    (void)state;
    void *self = make("malloc");
    unsigned char *big = pool()->alloc(self, 1000, 16);
    assert_non_null(big);
    bt_fill(big, 1000, 3);
    unsigned char *q = pool()->realloc(self, big, 1000, 20, 16);
    assert_non_null(q);
    bt_verify(q, 20, 3);
    assert_int_equal(live(self), 1);
    bt_check_ok(pool(), self);
    unsigned char *mine = pool()->alloc(self, 48, 16);
    assert_int_equal(pool()->free(self, q, 20), 0);
    assert_int_equal(live(self), 1);
    bt_check_ok(pool(), self);
    /* grown again: a pool chunk moves out to the fallback, and back by size */
    unsigned char *moved = pool()->realloc(self, mine, 48, 500, 16);
    assert_non_null(moved);
    assert_int_equal(pool()->free(self, moved, 500), 0);
    assert_int_equal(live(self), 0);
    bt_check_ok(pool(), self);
    pool()->destroy(self);
}

/* With pools behind it, free_all releases the fallback's blocks too. */
static void fallback_free_all_through_pools(void **state)
{
    (void)state;
    void *self = make("pools");
    for (int i = 0; i < 100; i++) {
        assert_non_null(pool()->alloc(self, 48, 16));
        assert_non_null(pool()->alloc(self, 100 + (size_t)i * 37, 16));
    }
    assert_non_null(pool()->alloc(self, 16, 512));
    assert_int_equal(live(self), 201);
    pool()->free_all(self);
    assert_int_equal(live(self), 0);
    bt_check_ok(pool(), self);
    pool()->destroy(self);
}

/* A free the fallback's set does not know, while it holds small blocks, is refused. */
static void fallback_refuses_an_unknown_small_free(void **state)
{
    (void)state;
    const struct pb_option o[] = {{"chunk", "48"}, {"checked", "1"}, {"fallback", "malloc"}};
    void *checked = bt_make(pool(), o, 3);
    (void)bt_stats(pool(), checked);
    unsigned char *a = pool()->alloc(checked, 32, 256);
    assert_non_null(a);
    char other[64];
    assert_int_equal(pool()->free(checked, other + 16, 32), -1);
    assert_non_null(strstr(pool()->last_error(checked), "not a pointer into this pool"));
    assert_int_equal(pool()->free(checked, a, 32), 0);
    bt_check_ok(pool(), checked);
    pool()->destroy(checked);
}

/* check and stats hold when malloc's stats are first asked with blocks live
 * (malloc counts its blocks only from then on). */
static void fallback_check_with_stats_asked_late(void **state)
{
    (void)state;
    const struct pb_option o[] = {{"chunk", "48"}, {"fallback", "malloc"}};
    void *self = bt_make(pool(), o, 2);
    void *big = pool()->alloc(self, 500, 16);
    assert_non_null(big);
    bt_check_ok(pool(), self);
    assert_int_equal(live(self), 1);
    assert_int_equal(pool()->free(self, big, 500), 0);
    bt_check_ok(pool(), self);
    assert_int_equal(live(self), 0);
    pool()->destroy(self);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fallback_free_all_flag_follows_the_fallback),
        cmocka_unit_test(fallback_routes_by_size),
        cmocka_unit_test(fallback_keeps_over_aligned_small_blocks),
        cmocka_unit_test(fallback_realloc_shrinks_into_the_set),
        cmocka_unit_test(fallback_free_all_through_pools),
        cmocka_unit_test(fallback_refuses_an_unknown_small_free),
        cmocka_unit_test(fallback_check_with_stats_asked_late),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
