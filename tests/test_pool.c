/* test_pool.c -- the pool backend: fixed-size chunks from lazily carved slabs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "backend_test.h"
#include "pb_backend.h"
#include "pool_core.h"

static const struct pb_backend_ops *pool(void)
{
    return bt_ops("pool");
}

static void pool_defaults_in_config(void **state)
{
    (void)state;
    void *self = bt_make(pool(), NULL, 0);
    assert_int_equal(bt_config_value(pool(), self, "chunk"), 64);
    assert_int_equal(bt_config_value(pool(), self, "align"), 16);
    assert_int_equal(bt_config_value(pool(), self, "slab"), 65536);
    assert_int_equal(bt_config_value(pool(), self, "checked"), 0);
    struct pb_backend_stats st = bt_stats(pool(), self);
    assert_int_equal(st.footprint_bytes, 0); /* nothing mapped before the first alloc */
    assert_int_equal(bt_mappings_of(pool(), self).n, 0);
    pool()->destroy(self);
}

static void pool_chunk_rounded_to_alignment(void **state)
{
    (void)state;
    struct {
        const char *chunk, *align;
        size_t expect;
    } cases[] = {
        {"50", "16", 64},
        {"1", "1", sizeof(void *)},     /* room for the free-list pointer */
        {"3", "4", (sizeof(void *) + 3) / 4 * 4},
        {"24", "32", 32},
        {"4096", "4096", 4096},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct pb_option o[] = {{"chunk", cases[i].chunk}, {"align", cases[i].align}};
        void *self = bt_make(pool(), o, 2);
        assert_int_equal(bt_config_value(pool(), self, "chunk"), cases[i].expect);
        unsigned char *a = pool()->alloc(self, 1, 1);
        unsigned char *b = pool()->alloc(self, 1, 1);
        assert_int_equal((size_t)(b - a), cases[i].expect); /* carved back to back */
        pool()->destroy(self);
    }
}

static void pool_reuses_lifo(void **state)
{
    (void)state;
    void *self = bt_make(pool(), NULL, 0);
    bt_expect_lifo(pool(), self, 64, 16);
    pool()->destroy(self);
}

static void pool_free_all_then_reuse(void **state)
{
    (void)state;
    struct pb_option o[] = {{"chunk", "64"}, {"slab", "4096"}};
    void *self = bt_make(pool(), o, 2);
    bt_free_all_keeps_slabs(pool(), self, 64, 16, 4096, 4096 / 64);
    pool()->destroy(self);
}

static void pool_grows_by_slabs(void **state)
{
    (void)state;
    struct pb_option o[] = {{"chunk", "64"}, {"slab", "4096"}};
    void *self = bt_make(pool(), o, 2);
    for (int i = 0; i < 64; i++)
        assert_non_null(pool()->alloc(self, 64, 16));
    struct bt_mappings l = bt_mappings_of(pool(), self);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.m[0].len, 4096);
    void *p65 = pool()->alloc(self, 64, 16);
    assert_non_null(p65);
    l = bt_mappings_of(pool(), self);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.m[1].len, 4096);
    assert_false(bt_inside(&l.m[0], p65));
    assert_true(bt_inside(&l.m[1], p65));
    assert_int_equal((uintptr_t)l.m[1].addr % (uintptr_t)sysconf(_SC_PAGESIZE), 0);
    struct pb_backend_stats st = bt_stats(pool(), self);
    assert_int_equal(st.footprint_bytes, 2 * 4096);
    assert_int_equal(st.peak_footprint_bytes, 2 * 4096);
    pool()->destroy(self);
}

/* What a refusal says (that it is clean is the contract's business). */
static void pool_refusal_messages(void **state)
{
    (void)state;
    void *self = bt_make(pool(), NULL, 0);
    assert_null(pool()->alloc(self, 100, 16));
    assert_non_null(strstr(pool()->last_error(self), "request of 100 bytes exceeds chunk size 64"));
    assert_null(pool()->alloc(self, 16, 32));
    const char *why = pool()->last_error(self);
    assert_non_null(strstr(why, "aligned to 32"));
    assert_non_null(strstr(why, "alignment 16"));
    assert_non_null(pool()->alloc(self, 64, 16)); /* exactly a chunk is fine */
    assert_int_equal(bt_stats(pool(), self).footprint_bytes, 65536);
    pool()->destroy(self);
}

static void pool_stats_exact(void **state)
{
    (void)state;
    struct pb_option o[] = {{"chunk", "48"}, {"slab", "4096"}};
    void *self = bt_make(pool(), o, 2);
    const size_t chunk = 48, per_slab = 4096 / 48; /* 85 chunks, 16-byte tail */
    void *p[200];
    bt_stats_over_two_slabs(pool(), self, 40, 16, chunk, 4096, per_slab, p);
    pool()->free_all(self);
    struct pb_backend_stats st = bt_stats(pool(), self);
    assert_int_equal(st.granted_bytes, 0);
    assert_int_equal(st.footprint_bytes, 2 * 4096);
    assert_int_equal(st.peak_footprint_bytes, 2 * 4096);
    assert_int_equal(st.allocs, per_slab + 2);
    assert_int_equal(st.frees, 1);
    assert_int_equal(st.failures, 0);
    pool()->destroy(self);
}

static void pool_realloc_within_chunk(void **state)
{
    (void)state;
    void *self = bt_make(pool(), NULL, 0);
    unsigned char *p = pool()->alloc(self, 10, 16);
    bt_fill(p, 10, 3);
    assert_ptr_equal(pool()->realloc(self, p, 10, 64, 16), p);
    assert_ptr_equal(pool()->realloc(self, p, 64, 1, 8), p);
    assert_null(pool()->realloc(self, p, 1, 65, 16));
    assert_non_null(strstr(pool()->last_error(self), "65 bytes exceeds chunk size 64"));
    bt_verify(p, 10, 3);
    struct pb_backend_stats st = bt_stats(pool(), self);
    assert_int_equal(st.reallocs, 2);
    assert_int_equal(st.failures, 1);
    assert_int_equal(st.live_blocks, 1);
    assert_int_equal(st.granted_bytes, 64);
    void *q = pool()->realloc(self, NULL, 0, 20, 16); /* realloc(NULL) makes a block */
    assert_non_null(q);
    assert_ptr_not_equal(q, p);
    st = bt_stats(pool(), self);
    assert_int_equal(st.live_blocks, 2);
    assert_int_equal(st.allocs, 1);
    assert_int_equal(st.reallocs, 3);
    pool()->free_all(self);
    assert_int_equal(bt_stats(pool(), self).live_blocks, 0);
    assert_non_null(pool()->alloc(self, 1, 1));
    assert_int_equal(bt_stats(pool(), self).live_blocks, 1);
    pool()->destroy(self);
}

static void pool_touches_no_page_before_use(void **state)
{
    (void)state;
    struct pb_option o[] = {{"slab", "64k"}};
    void *self = bt_make(pool(), o, 1);
    unsigned char *p = pool()->alloc(self, 64, 16);
    struct bt_mappings l = bt_mappings_of(pool(), self);
    assert_int_equal(l.n, 1);
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t pages = l.m[0].len / page;
    unsigned char vec[256];
    assert_true(pages <= sizeof vec);
    size_t resident = 0;
    assert_int_equal(mincore(l.m[0].addr, l.m[0].len, vec), 0);
    for (size_t i = 0; i < pages; i++)
        resident += vec[i] & 1;
    assert_int_equal(resident, 0); /* carving wrote nothing into the slab */
    p[0] = 1;
    assert_int_equal(mincore(l.m[0].addr, l.m[0].len, vec), 0);
    resident = 0;
    for (size_t i = 0; i < pages; i++)
        resident += vec[i] & 1;
    assert_int_equal(resident, 1);
    pool()->destroy(self);
}

static void *make_checked(void)
{
    struct pb_option o[] = {{"chunk", "48"}, {"slab", "4096"}, {"checked", "1"}};
    return bt_make(pool(), o, 3);
}

static void pool_checked_catches_double_free(void **state)
{
    (void)state;
    void *self = make_checked();
    void *p = pool()->alloc(self, 48, 16);
    void *q = pool()->alloc(self, 48, 16);
    assert_int_equal(pool()->free(self, p, 48), 0);
    assert_int_equal(pool()->free(self, p, 48), -1);
    assert_non_null(strstr(pool()->last_error(self), "double free"));
    /* The free list holds p once: p comes back, then a fresh chunk. */
    assert_ptr_equal(pool()->alloc(self, 48, 16), p);
    void *r = pool()->alloc(self, 48, 16);
    assert_true(r != p && r != q);
    struct pb_backend_stats st = bt_stats(pool(), self);
    assert_int_equal(st.frees, 1);
    assert_int_equal(st.failures, 1);
    assert_int_equal(st.live_blocks, 3);
    pool()->destroy(self);
}

static void pool_checked_catches_foreign_and_interior(void **state)
{
    (void)state;
    void *self = make_checked();
    unsigned char *p = pool()->alloc(self, 48, 16);
    struct bt_mappings l = bt_mappings_of(pool(), self);
    unsigned char *base = l.m[0].addr;
    int on_stack = 0;
    void *heap = malloc(48);
    assert_int_equal(pool()->free(self, &on_stack, 4), -1);
    assert_non_null(strstr(pool()->last_error(self), "not a pointer into this pool"));
    assert_int_equal(pool()->free(self, heap, 48), -1);
    assert_non_null(strstr(pool()->last_error(self), "not a pointer into this pool"));
    free(heap);
    assert_int_equal(pool()->free(self, p + 8, 40), -1);
    assert_non_null(strstr(pool()->last_error(self), "interior pointer, 8 bytes into"));
    assert_int_equal(pool()->free(self, base + (4096 / 48) * 48, 8), -1); /* slab tail */
    assert_non_null(strstr(pool()->last_error(self), "tail"));
    assert_int_equal(pool()->free(self, p + 5 * 48, 48), -1); /* never carved */
    assert_non_null(strstr(pool()->last_error(self), "not allocated"));
    assert_int_equal(pool()->free(self, p, 49), -1); /* more than a chunk */
    assert_non_null(strstr(pool()->last_error(self), "size 49 exceeds"));
    assert_int_equal(bt_stats(pool(), self).failures, 6);
    /* Nothing was corrupted: p frees, and is the next chunk handed out. */
    assert_int_equal(pool()->free(self, p, 48), 0);
    assert_ptr_equal(pool()->alloc(self, 48, 16), p);
    unsigned char *next = pool()->alloc(self, 48, 16);
    assert_ptr_equal(next, p + 48);
    pool()->destroy(self);
}

static void pool_checked_stale_pointer_after_free_all(void **state)
{
    (void)state;
    void *self = make_checked();
    void *p = pool()->alloc(self, 48, 16);
    void *q = pool()->alloc(self, 48, 16);
    pool()->free_all(self);
    assert_int_equal(pool()->free(self, q, 48), -1);
    assert_non_null(strstr(pool()->last_error(self), "not allocated"));
    assert_null(pool()->realloc(self, p, 48, 16, 16));
    assert_ptr_equal(pool()->alloc(self, 48, 16), p);
    assert_ptr_equal(pool()->realloc(self, p, 48, 16, 16), p); /* live again */
    assert_int_equal(pool()->free(self, p, 48), 0);
    pool()->destroy(self);
}

/* ---- the check op: each invariant it verifies, broken on purpose ---- */

/* A chunk pushed on the free list twice, through the core (struct pool opens
 * with its struct pb_pool_core): the list becomes a cycle. */
static void pool_check_catches_chunk_freed_twice(void **state)
{
    (void)state;
    struct pb_option o[] = {{"chunk", "48"}, {"slab", "4096"}};
    void *self = bt_make(pool(), o, 2);
    unsigned char *p = pool()->alloc(self, 48, 16);
    assert_non_null(pool()->alloc(self, 48, 16));
    assert_int_equal(pool()->free(self, p, 48), 0);
    bt_check_ok(pool(), self);
    pb_pool_core_push((struct pb_pool_core *)self, p);
    bt_check_fails(pool(), self, "pool: free list longer than the 1 carved chunks not live");
    pool()->destroy(self);
}

/* A write into a freed chunk (use after free) links a live chunk, or a foreign
 * address, into the free list. */
static void pool_check_catches_use_after_free(void **state)
{
    (void)state;
    struct pb_option o[] = {{"chunk", "48"}, {"slab", "4096"}};
    void *self = bt_make(pool(), o, 2);
    unsigned char *p = pool()->alloc(self, 48, 16);
    unsigned char *q = pool()->alloc(self, 48, 16);
    assert_int_equal(pool()->free(self, p, 48), 0);
    memcpy(p, &q, sizeof q); /* p's next: the live q */
    bt_check_fails(pool(), self, "free list longer than the 1 carved chunks not live");
    int on_stack = 0;
    void *foreign = &on_stack;
    memcpy(p, &foreign, sizeof foreign);
    bt_check_fails(pool(), self, "lies outside every slab");
    void *interior = q + 8;
    memcpy(p, &interior, sizeof interior);
    bt_check_fails(pool(), self, "is not a chunk of slab 0");
    void *uncarved = q + 48;
    memcpy(p, &uncarved, sizeof uncarved);
    bt_check_fails(pool(), self, "was never carved");
    void *end = NULL;
    memcpy(p, &end, sizeof end);
    bt_check_ok(pool(), self);
    pool()->destroy(self);
}

/* Counters that disagree with the list: a free that released nothing. */
static void pool_check_catches_miscount(void **state)
{
    (void)state;
    void *self = bt_make(pool(), NULL, 0);
    unsigned char *p = pool()->alloc(self, 64, 16);
    assert_non_null(pool()->alloc(self, 64, 16));
    ((struct pb_pool_core *)self)->frees++; /* one block "freed", none on the list */
    bt_check_fails(pool(), self, "free list holds 0 chunks, carved minus live is 1");
    ((struct pb_pool_core *)self)->frees += 5;
    bt_check_fails(pool(), self, "6 blocks freed or retired, only 2 made");
    ((struct pb_pool_core *)self)->frees -= 6;
    assert_int_equal(pool()->free(self, p, 64), 0);
    bt_check_ok(pool(), self);
    pool()->destroy(self);
}

/* Checked mode checks the free list's head before it hands a chunk out: a
 * corrupt list refuses the request (and every one after) instead of handing
 * out a live chunk. */
static void pool_checked_refuses_after_use_after_free(void **state)
{
    (void)state;
    struct pb_option o[] = {{"chunk", "48"}, {"slab", "4096"}, {"checked", "1"}};
    void *self = bt_make(pool(), o, 3);
    unsigned char *p = pool()->alloc(self, 48, 16);
    unsigned char *q = pool()->alloc(self, 48, 16);
    assert_int_equal(pool()->free(self, p, 48), 0);
    memcpy(p, &q, sizeof q); /* use after free: p's next is the live q */
    bt_check_fails(pool(), self, "is marked live");
    assert_ptr_equal(pool()->alloc(self, 48, 16), p); /* the head itself is sound */
    assert_null(pool()->alloc(self, 48, 16));
    assert_non_null(strstr(pool()->last_error(self), "pool: corrupt (found by alloc)"));
    assert_non_null(strstr(pool()->last_error(self), "is marked live"));
    assert_int_equal(pool()->free(self, q, 48), -1); /* broken: nothing more */
    assert_non_null(strstr(pool()->last_error(self), "pool: corrupt"));
    assert_int_equal(bt_stats(pool(), self).failures, 2);
    pool()->destroy(self);
}

/* Checked mode runs the check at free_all; what it finds fails the next request. */
static void pool_checked_free_all_runs_the_check(void **state)
{
    (void)state;
    struct pb_option o[] = {{"chunk", "48"}, {"slab", "4096"}, {"checked", "1"}};
    void *self = bt_make(pool(), o, 3);
    unsigned char *p = pool()->alloc(self, 48, 16);
    assert_non_null(pool()->alloc(self, 48, 16));
    assert_int_equal(pool()->free(self, p, 48), 0);
    pool()->free_all(self);
    assert_non_null(pool()->alloc(self, 48, 16)); /* a sound pool passes */
    assert_int_equal(pool()->free(self, p, 48), 0);
    int on_stack = 0;
    void *foreign = &on_stack;
    memcpy(p, &foreign, sizeof foreign);
    pool()->free_all(self);
    assert_null(pool()->alloc(self, 48, 16));
    assert_non_null(strstr(pool()->last_error(self), "pool: corrupt (found at free_all)"));
    assert_non_null(strstr(pool()->last_error(self), "lies outside every slab"));
    pool()->destroy(self);
}

static void pool_rejects_bad_options(void **state)
{
    (void)state;
    const struct bt_bad_option cases[] = {
        {{"align", "24"}, "align=24 must be a power of two"},
        {{"align", "8192"}, "align=8192"},
        {{"align", "0"}, "align=0"},
        {{"chunk", "0"}, "chunk=0"},
        {{"chunk", "abc"}, "chunk=abc is not a size"},
        {{"slab", "32"}, "slab=32 is smaller than one chunk (64 bytes)"},
        {{"slab", "-4096"}, "slab=-4096"},
        {{"checked", "2"}, "checked=2 must be 0 or 1"},
        {{"block", "1M"}, "unknown option 'block'"},
    };
    bt_refuses_each(pool(), cases, sizeof cases / sizeof cases[0]);
}

/* return=0: a slab is given back the moment it empties; its pages leave RAM. */
static void pool_return_gives_back_empty_slab(void **state)
{
    (void)state;
    struct pb_option o[] = {{"chunk", "64"}, {"slab", "16k"}, {"return", "0"}};
    void *self = bt_make(pool(), o, 3);
    assert_string_equal(bt_config_text(pool(), self, "return"), "0");
    const size_t per_slab = 16384 / 64 - 1; /* slot 0 holds the slab header */
    unsigned char **p = bt_alloc_filled(pool(), self, 2 * per_slab, 64, 16);
    struct bt_mappings l = bt_mappings_of(pool(), self);
    assert_int_equal(l.n, 2);
    unsigned char *slab0 = (unsigned char *)((uintptr_t)p[0] & ~(uintptr_t)16383);
    assert_int_equal(bt_resident_pages(slab0, 16384), 4);
    for (size_t i = 0; i < per_slab; i++)
        assert_int_equal(pool()->free(self, p[i], 64), 0);
    assert_int_equal(bt_resident_pages(slab0, 16384), 0);
    struct pb_backend_stats st = bt_stats(pool(), self);
    assert_int_equal(st.footprint_bytes, 16384);
    assert_int_equal(st.peak_footprint_bytes, 2 * 16384);
    assert_int_equal(st.live_blocks, per_slab);
    assert_int_equal(st.granted_bytes, per_slab * 64);
    assert_int_equal(bt_mappings_of(pool(), self).n, 1);
    assert_string_equal(bt_config_text(pool(), self, "slabs_returned"), "1");
    for (size_t i = per_slab; i < 2 * per_slab; i++)
        bt_verify(p[i], 64, (unsigned)i);
    unsigned char *q = pool()->alloc(self, 64, 16); /* the given-back slab, carved afresh */
    assert_true(q >= slab0 && q < slab0 + 16384);
    for (size_t i = 0; i < 64; i++)
        assert_int_equal(q[i], 0);
    pool()->free_all(self);
    st = bt_stats(pool(), self);
    assert_int_equal(st.live_blocks, 0);
    assert_int_equal(st.footprint_bytes, 0); /* return=0 keeps no empty slab */
    assert_non_null(pool()->alloc(self, 64, 16));
    free(p);
    pool()->destroy(self);
}

static void pool_return_rejects_bad_combinations(void **state)
{
    (void)state;
    struct pb_option both[] = {{"checked", "1"}, {"return", "2"}};
    struct pb_option word[] = {{"return", "later"}};
    void *self = NULL;
    char err[PB_ERR_MAX] = "";
    assert_int_equal(pool()->create(both, 2, &self, err, sizeof err), -1);
    assert_non_null(strstr(err, "checked=1 and return=2 cannot be combined"));
    assert_int_equal(pool()->create(word, 1, &self, err, sizeof err), -1);
    assert_non_null(strstr(err, "pool: return=later must be off or a count"));
    assert_null(self);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pool_defaults_in_config),
        cmocka_unit_test(pool_chunk_rounded_to_alignment),
        cmocka_unit_test(pool_reuses_lifo),
        cmocka_unit_test(pool_free_all_then_reuse),
        cmocka_unit_test(pool_grows_by_slabs),
        cmocka_unit_test(pool_refusal_messages),
        cmocka_unit_test(pool_stats_exact),
        cmocka_unit_test(pool_realloc_within_chunk),
        cmocka_unit_test(pool_touches_no_page_before_use),
        cmocka_unit_test(pool_checked_catches_double_free),
        cmocka_unit_test(pool_checked_catches_foreign_and_interior),
        cmocka_unit_test(pool_checked_stale_pointer_after_free_all),
        cmocka_unit_test(pool_check_catches_chunk_freed_twice),
        cmocka_unit_test(pool_check_catches_use_after_free),
        cmocka_unit_test(pool_check_catches_miscount),
        cmocka_unit_test(pool_checked_refuses_after_use_after_free),
        cmocka_unit_test(pool_checked_free_all_runs_the_check),
        cmocka_unit_test(pool_rejects_bad_options),
        cmocka_unit_test(pool_return_gives_back_empty_slab),
        cmocka_unit_test(pool_return_rejects_bad_combinations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
