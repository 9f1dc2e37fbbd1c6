/* test_hybrid.c -- the hybrid backend: a pool per tag, an arena per tag
 * (reset when empty), everything else to a fallback. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend_test.h"
#include "pb_backend.h"

static const struct pb_backend_ops *hy(void)
{
    return bt_ops("hybrid");
}

/* hybrid:pool=P:arena=A:fallback=F, stats asked once (malloc counts from then on). */
static void *make(const char *pools, const char *arenas, const char *fallback)
{
    const struct pb_option o[] = {{"pool", pools}, {"arena", arenas}, {"fallback", fallback}};
    void *self = bt_make(hy(), o, 3);
    (void)bt_stats(hy(), self);
    return self;
}

static void *tagged(void *self, size_t size, unsigned tag)
{
    void *p = hy()->alloc_tagged(self, size, 16, tag);
    assert_non_null(p);
    return p;
}

/* Is p inside one of the instance's own mappings (a pool's or an arena's)? */
static int owned(void *self, const void *p)
{
    struct bt_mappings m = bt_mappings_of(hy(), self);
    for (size_t i = 0; i < m.n && i < 64; i++)
        if (bt_inside(&m.m[i], p))
            return 1;
    return 0;
}

static void hybrid_rejects_bad_options(void **state)
{
    (void)state;
    const char *bad[][2] = {
        {"pool", "0"},        {"pool", "x"},          {"pool", "2/2"},
        {"pool", "2@0"},      {"pool", "2@99999999"}, {"pool", "2;3"},
        {"arena", "3@48"},    {"pool", "70000"},      {"fallback", "pool"},
        {"fallback", "null"}, {"fallback", "mallco"},
    };
    const char *why[] = {"not a tag number", "not a tag number", "named twice",
                         "chunk", "chunk", "unexpected",
                         "unexpected", "not a tag number", "a fallback must be",
                         "a fallback must be", "unknown backend"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const struct pb_option o[] = {{bad[i][0], bad[i][1]}};
        bt_create_fails(hy(), o, 1, why[i]);
    }
    const struct pb_option dup[] = {{"pool", "2"}, {"arena", "2"}};
    bt_create_fails(hy(), dup, 2, "named twice");
    char many[200] = "1";
    for (int t = 2; t <= 40; t++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "/%d", t);
    const struct pb_option lots[] = {{"pool", many}};
    bt_create_fails(hy(), lots, 1, "at most");
}

/* A pool tag's blocks are chunk-spaced and reused LIFO; other tags go to the fallback. */
static void hybrid_pool_serves_its_tag(void **state)
{
    (void)state;
    void *self = make("2@48", "", "malloc");
    unsigned char *a = tagged(self, 40, 2), *b = tagged(self, 48, 2);
    assert_true(owned(self, a));
    assert_int_equal(b - a, 48);
    unsigned char *other = tagged(self, 40, 1), *untagged = hy()->alloc(self, 40, 16);
    assert_false(owned(self, other));
    assert_false(owned(self, untagged));
    unsigned char *big = tagged(self, 49, 2); /* larger than the chunk: a spill */
    assert_false(owned(self, big));
    assert_string_equal(bt_config_text(hy(), self, "spills"), "1");
    assert_int_equal(bt_stats(hy(), self).live_blocks, 5);
    bt_check_ok(hy(), self);
    assert_int_equal(hy()->free(self, a, 40), 0);
    assert_ptr_equal(tagged(self, 8, 2), a);
    hy()->free(self, a, 8);
    hy()->free(self, b, 48);
    hy()->free(self, other, 40);
    hy()->free(self, untagged, 40);
    hy()->free(self, big, 49);
    assert_int_equal(bt_stats(hy(), self).live_blocks, 0);
    bt_check_ok(hy(), self);
    hy()->destroy(self);
}

/* The first request sets a pool's chunk when the option does not. */
static void hybrid_pool_chunk_from_first_request(void **state)
{
    (void)state;
    void *self = make("5", "", "malloc");
    unsigned char *a = tagged(self, 24, 5), *b = tagged(self, 20, 5);
    assert_int_equal(b - a, 32); /* 24 rounded up to 16 */
    assert_string_equal(bt_config_text(hy(), self, "pool"), "5@32");
    hy()->free(self, a, 24);
    hy()->free(self, b, 20);
    hy()->destroy(self);
}

/* An arena bumps, and starts again from its base when its last block dies. */
static void hybrid_arena_resets_when_empty(void **state)
{
    (void)state;
    void *self = make("", "3", "malloc");
    unsigned char *first = tagged(self, 100, 3);
    unsigned char *second = tagged(self, 10, 3);
    assert_int_equal(second - first, 112);
    hy()->free(self, first, 100);
    assert_string_equal(bt_config_text(hy(), self, "arena_resets"), "0");
    bt_check_ok(hy(), self);
    hy()->free(self, second, 10);
    assert_string_equal(bt_config_text(hy(), self, "arena_resets"), "1");
    assert_ptr_equal(tagged(self, 64, 3), first);
    assert_int_equal(hy()->free(self, first, 64), 0);
    /* a second free of it: the arena holds no live block */
    assert_int_equal(hy()->free(self, first, 64), -1);
    assert_non_null(strstr(hy()->last_error(self), "holds no live block"));
    hy()->destroy(self);
}

/* realloc: an arena's last block grows in place; a pool block beyond its
 * chunk moves to the fallback with its bytes. */
static void hybrid_realloc_in_place_or_out(void **state)
{
    (void)state;
    void *self = make("1@32", "2", "malloc");
    unsigned char *a = tagged(self, 50, 2);
    bt_fill(a, 50, 9);
    assert_ptr_equal(hy()->realloc(self, a, 50, 5000, 16), a);
    bt_verify(a, 50, 9);
    unsigned char *p = tagged(self, 32, 1);
    bt_fill(p, 32, 4);
    assert_ptr_equal(hy()->realloc(self, p, 32, 20, 16), p);
    unsigned char *q = hy()->realloc(self, p, 20, 300, 16);
    assert_non_null(q);
    assert_false(owned(self, q));
    bt_verify(q, 20, 4);
    assert_int_equal(bt_stats(hy(), self).live_blocks, 2);
    bt_check_ok(hy(), self);
    hy()->free(self, q, 300);
    hy()->free(self, a, 5000);
    assert_int_equal(bt_stats(hy(), self).live_blocks, 0);
    bt_check_ok(hy(), self);
    hy()->destroy(self);
}

/* A write into a freed pool chunk (use after free) breaks its free list: check says so. */
static void hybrid_check_finds_a_broken_free_list(void **state)
{
    (void)state;
    void *self = make("1@64", "", "malloc");
    unsigned char *a = tagged(self, 64, 1);
    hy()->free(self, a, 64);
    bt_check_ok(hy(), self);
    memset(a, 0x41, sizeof(void *));
    bt_check_fails(hy(), self, "free list");
    hy()->destroy(self);
}

/* Footprint is the owners' writable pages plus the fallback's; free_all
 * through pools empties both and keeps the flag. */
static void hybrid_figures_and_free_all(void **state)
{
    (void)state;
    void *self = make("1@16", "2", "pools");
    assert_true(pb_backend_flags(hy(), self) & PB_BK_FREE_ALL);
    for (int i = 0; i < 1000; i++) {
        tagged(self, 16, 1);
        tagged(self, 100, 2);
        tagged(self, 100, 7);
    }
    struct pb_backend_stats st = bt_stats(hy(), self);
    assert_int_equal(st.live_blocks, 3000);
    assert_true(st.footprint_bytes >= 1000 * (16 + 112 + 100));
    assert_true(st.granted_bytes >= 1000 * (16 + 112 + 100));
    hy()->free_all(self);
    assert_int_equal(bt_stats(hy(), self).live_blocks, 0);
    bt_check_ok(hy(), self);
    hy()->destroy(self);
    void *m = make("1", "", "malloc");
    assert_false(pb_backend_flags(hy(), m) & PB_BK_FREE_ALL);
    hy()->destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hybrid_rejects_bad_options),
        cmocka_unit_test(hybrid_pool_serves_its_tag),
        cmocka_unit_test(hybrid_pool_chunk_from_first_request),
        cmocka_unit_test(hybrid_arena_resets_when_empty),
        cmocka_unit_test(hybrid_realloc_in_place_or_out),
        cmocka_unit_test(hybrid_check_finds_a_broken_free_list),
        cmocka_unit_test(hybrid_figures_and_free_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
