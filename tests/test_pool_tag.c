/* test_pool_tag.c -- pool-per-tag: one pool per @TAG, untagged blocks to size classes. */
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

static const struct pb_backend_ops *pt(void)
{
    return bt_ops("pool-per-tag");
}

static void *at(void *self, size_t size, size_t align, unsigned tag)
{
    void *p = pt()->alloc_tagged(self, size, align, tag);
    if (!p)
        fail_msg("alloc_tagged(%zu, %zu, %u): %s", size, align, tag, pt()->last_error(self));
    return p;
}

static struct pb_class_stats rows[512];

static size_t rows_of(void *self)
{
    size_t n = pt()->class_stats(self, rows, 512);
    assert_true(n <= 512);
    return n;
}

/* The row of tag t, or of the size class of exactly `size` when t is 0. */
static const struct pb_class_stats *row(void *self, unsigned t, size_t size)
{
    size_t n = rows_of(self);
    for (size_t i = 0; i < n; i++) {
        if (t && rows[i].kind == PB_CLASS_TAG && rows[i].tag == t)
            return &rows[i];
        if (!t && rows[i].kind == PB_CLASS_SIZE && rows[i].size == size)
            return &rows[i];
    }
    return NULL;
}

static void tag_flag_and_ops(void **state)
{
    (void)state;
    assert_true(pt()->flags & PB_BK_TAGGED);
    assert_non_null(pt()->alloc_tagged);
    assert_non_null(pt()->class_stats);
    void *self = bt_make(pt(), NULL, 0);
    assert_int_equal(bt_config_value(pt(), self, "tag_slab"), 65536);
    assert_int_equal(bt_config_value(pt(), self, "tag_pools"), 0);
    assert_int_equal(bt_stats(pt(), self).footprint_bytes, 0);
    pt()->destroy(self);
}

static void tag_two_tags_two_pools(void **state)
{
    (void)state;
    void *self = bt_make(pt(), NULL, 0);
    unsigned char *a[3], *b[2];
    for (int i = 0; i < 3; i++) {
        a[i] = at(self, 24, 16, 1);
        assert_int_equal((uintptr_t)a[i] % 16, 0);
        bt_fill(a[i], 24, (unsigned)i);
    }
    for (int i = 0; i < 2; i++) {
        b[i] = at(self, 100, 8, 2);
        assert_int_equal((uintptr_t)b[i] % 8, 0);
        bt_fill(b[i], 100, 10u + (unsigned)i);
    }
    assert_ptr_equal(a[1], a[0] + 32); /* tag 1: chunk 24 rounded to 16 */
    assert_ptr_equal(b[1], b[0] + 104); /* tag 2: chunk 100 rounded to 8 */
    assert_int_equal(bt_config_value(pt(), self, "tag_pools"), 2);
    const struct pb_class_stats *r1 = row(self, 1, 0);
    assert_non_null(r1);
    assert_int_equal(r1->size, 32);
    assert_int_equal(r1->chunks_live, 3);
    assert_int_equal(r1->slabs, 1);
    assert_int_equal(r1->footprint_bytes, 65536);
    const struct pb_class_stats *r2 = row(self, 2, 0);
    assert_non_null(r2);
    assert_int_equal(r2->size, 104);
    assert_int_equal(r2->chunks_live, 2);
    assert_int_equal(r2->chunks_carved, 2);
    /* The two tag slabs are distinct, aligned to the slab size. */
    uintptr_t slab_mask = ~(uintptr_t)65535;
    assert_true(((uintptr_t)a[0] & slab_mask) != ((uintptr_t)b[0] & slab_mask));
    /* Frees find the owner by address: LIFO reuse inside each tag. */
    assert_int_equal(pt()->free(self, a[1], 24), 0);
    assert_int_equal(pt()->free(self, b[0], 100), 0);
    assert_ptr_equal(at(self, 24, 16, 1), a[1]);
    assert_ptr_equal(at(self, 90, 8, 2), b[0]);
    bt_verify(a[0], 24, 0);
    bt_verify(a[2], 24, 2);
    bt_verify(b[1], 100, 11);
    struct pb_backend_stats st = bt_stats(pt(), self);
    assert_int_equal(st.live_blocks, 5);
    assert_int_equal(st.granted_bytes, 3 * 32 + 2 * 104);
    assert_int_equal(st.footprint_bytes, 2 * 65536);
    pt()->destroy(self);
}

static void tag_untagged_goes_to_classes(void **state)
{
    (void)state;
    void *self = bt_make(pt(), NULL, 0);
    void *u = at(self, 40, 16, 0);          /* class 48 */
    void *v = pt()->alloc(self, 40, 16);    /* plain alloc: untagged too */
    void *big = at(self, 10000, 16, 0);     /* larger than every class: the system */
    assert_non_null(v);
    assert_int_equal(bt_config_value(pt(), self, "tag_pools"), 0);
    const struct pb_class_stats *c48 = row(self, 0, 48);
    assert_non_null(c48);
    assert_int_equal(c48->chunks_live, 2);
    size_t n = rows_of(self);
    assert_int_equal(rows[n - 1].kind, PB_CLASS_SYSTEM);
    assert_int_equal(rows[n - 1].chunks_live, 1);
    assert_int_equal(pt()->free(self, u, 40), 0);
    assert_int_equal(pt()->free(self, big, 10000), 0);
    assert_ptr_equal(at(self, 33, 16, 0), u);
    assert_int_equal(row(self, 0, 48)->chunks_live, 2);
    pt()->destroy(self);
}

/* A tagged request its pool cannot serve spills to the classes, counted. */
static void tag_larger_request_spills(void **state)
{
    (void)state;
    void *self = bt_make(pt(), NULL, 0);
    void *a = at(self, 24, 16, 3);
    void *s = at(self, 40, 16, 3);  /* larger than tag 3's 32-byte chunk */
    void *t = at(self, 16, 64, 3);  /* more aligned than tag 3's pool */
    assert_int_equal((uintptr_t)t % 64, 0);
    assert_int_equal(bt_config_value(pt(), self, "tag_spills"), 2);
    assert_int_equal(row(self, 3, 0)->chunks_live, 1);
    assert_int_equal(row(self, 0, 48)->chunks_live, 1);
    assert_int_equal(pt()->free(self, s, 40), 0);
    assert_int_equal(pt()->free(self, t, 16), 0);
    assert_int_equal(pt()->free(self, a, 24), 0);
    assert_int_equal(row(self, 0, 48)->chunks_live, 0);
    assert_int_equal(row(self, 3, 0)->chunks_live, 0);
    assert_int_equal(bt_stats(pt(), self).live_blocks, 0);
    pt()->destroy(self);
}

/* A tag whose first block is larger than a slab gets no pool: all its blocks spill. */
static void tag_first_block_larger_than_slab(void **state)
{
    (void)state;
    struct pb_option o[] = {{"slab", "4096"}};
    void *self = bt_make(pt(), o, 1);
    void *big = at(self, 5000, 16, 4);
    void *small = at(self, 16, 16, 4);
    assert_int_equal(bt_config_value(pt(), self, "tag_pools"), 0);
    assert_int_equal(bt_config_value(pt(), self, "tag_spills"), 2);
    assert_null(row(self, 4, 0));
    assert_int_equal(row(self, 0, 16)->chunks_live, 1);
    assert_int_equal(pt()->free(self, big, 5000), 0);
    assert_int_equal(pt()->free(self, small, 16), 0);
    assert_int_equal(bt_stats(pt(), self).live_blocks, 0);
    pt()->destroy(self);
}

/* The seed's worry made visible: many tags, one object each, one slab each. */
static void tag_many_small_pools_cost_a_slab_each(void **state)
{
    (void)state;
    struct pb_option o[] = {{"slab", "16k"}};
    void *self = bt_make(pt(), o, 1);
    enum { TAGS = 100 };
    unsigned char *p[TAGS + 1];
    for (unsigned t = 1; t <= TAGS; t++) {
        p[t] = at(self, 16, 16, t);
        p[t][0] = 1; /* touch one page of the tag's slab */
    }
    struct pb_backend_stats st = bt_stats(pt(), self);
    assert_int_equal(st.footprint_bytes, TAGS * 16384);
    assert_int_equal(st.granted_bytes, TAGS * 16);
    assert_int_equal(bt_config_value(pt(), self, "tag_pools"), TAGS);
    size_t n = rows_of(self), tag_rows = 0;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    for (size_t i = 0; i < n; i++) {
        if (rows[i].kind != PB_CLASS_TAG)
            continue;
        tag_rows++;
        assert_int_equal(rows[i].chunks_live, 1);
        assert_int_equal(rows[i].chunks_carved, 1);
        assert_int_equal(rows[i].footprint_bytes, 16384);
        /* Lazy carving: only the touched page of each slab is resident. */
        unsigned char vec[16];
        void *base = (void *)((uintptr_t)p[rows[i].tag] & ~(uintptr_t)16383);
        assert_int_equal(mincore(base, 16384, vec), 0);
        size_t resident = 0;
        for (size_t k = 0; k < 16384 / page; k++)
            resident += vec[k] & 1;
        assert_int_equal(resident, 1);
    }
    assert_int_equal(tag_rows, TAGS);
    pt()->destroy(self);
}

static void tag_grows_by_slabs_and_free_all(void **state)
{
    (void)state;
    struct pb_option o[] = {{"slab", "4096"}};
    void *self = bt_make(pt(), o, 1);
    unsigned char *first = at(self, 64, 16, 7);
    for (int i = 1; i < 65; i++) /* 64 chunks per 4 KiB slab: the 65th maps another */
        at(self, 64, 16, 7);
    void *u = at(self, 100, 16, 0);
    assert_non_null(u);
    assert_int_equal(row(self, 7, 0)->slabs, 2);
    assert_int_equal(row(self, 7, 0)->chunks_carved, 65);
    struct pb_backend_stats st = bt_stats(pt(), self);
    assert_int_equal(st.footprint_bytes, 3 * 4096);
    assert_int_equal(st.live_blocks, 66);
    pt()->free_all(self);
    st = bt_stats(pt(), self);
    assert_int_equal(st.live_blocks, 0);
    assert_int_equal(st.granted_bytes, 0);
    assert_int_equal(st.footprint_bytes, 3 * 4096);
    assert_int_equal(st.peak_footprint_bytes, 3 * 4096);
    assert_int_equal(st.free_alls, 1);
    assert_int_equal(row(self, 7, 0)->chunks_carved, 0);
    assert_ptr_equal(at(self, 64, 16, 7), first);
    assert_ptr_equal(at(self, 100, 16, 0), u);
    pt()->destroy(self);
}

static void tag_size_zero_and_stats_exact(void **state)
{
    (void)state;
    void *self = bt_make(pt(), NULL, 0);
    void *z1 = at(self, 0, 16, 5); /* chunk: a pointer, rounded to 16 */
    void *z2 = at(self, 0, 16, 5);
    assert_ptr_not_equal(z1, z2);
    assert_int_equal(row(self, 5, 0)->size, 16);
    void *u = at(self, 0, 16, 0);
    assert_int_equal(pt()->free(self, NULL, 0), 0);
    assert_int_equal(pt()->free(self, z1, 0), 0);
    struct pb_backend_stats st = bt_stats(pt(), self);
    assert_int_equal(st.allocs, 3);
    assert_int_equal(st.frees, 2);
    assert_int_equal(st.live_blocks, 2);
    assert_int_equal(st.granted_bytes, 16 + 16);
    assert_int_equal(st.footprint_bytes, 2 * 65536); /* tag 5's slab, class 16's slab */
    assert_int_equal(st.failures, 0);
    assert_int_equal(pt()->free(self, u, 0), 0);
    pt()->destroy(self);
}

/* A write into a freed chunk (use after free), in a tag's pool and in the
 * untagged classes. */
static void tag_check_catches_use_after_free(void **state)
{
    (void)state;
    void *self = bt_make(pt(), NULL, 0);
    unsigned char *a = at(self, 24, 16, 1), *b = at(self, 24, 16, 1);
    unsigned char *u = at(self, 40, 16, 0), *v = at(self, 40, 16, 0);
    assert_int_equal(pt()->free(self, a, 24), 0);
    assert_int_equal(pt()->free(self, u, 40), 0);
    bt_check_ok(pt(), self);
    memcpy(a, &b, sizeof b);
    bt_check_fails(pt(), self, "pool-per-tag: tag 1: free list longer than the 1 carved");
    void *end = NULL;
    memcpy(a, &end, sizeof end);
    memcpy(u, &v, sizeof v);
    bt_check_fails(pt(), self, "pool-per-tag: untagged: pools: class 48: free list longer");
    memcpy(u, &end, sizeof end);
    bt_check_ok(pt(), self);
    pt()->destroy(self);
}

static void tag_rejects_bad_options(void **state)
{
    (void)state;
    const struct bt_bad_option cases[] = {
        {{"slab", "0"}, "slab=0 must be a size from 1"},
        {{"slab", "4G"}, "slab=4G"},
        {{"classes", "32/16"}, "classes must be ascending"},
        {{"chunk", "8"}, "unknown option 'chunk'"},
    };
    bt_refuses_each(pt(), cases, sizeof cases / sizeof cases[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tag_flag_and_ops),
        cmocka_unit_test(tag_two_tags_two_pools),
        cmocka_unit_test(tag_untagged_goes_to_classes),
        cmocka_unit_test(tag_larger_request_spills),
        cmocka_unit_test(tag_first_block_larger_than_slab),
        cmocka_unit_test(tag_many_small_pools_cost_a_slab_each),
        cmocka_unit_test(tag_grows_by_slabs_and_free_all),
        cmocka_unit_test(tag_size_zero_and_stats_exact),
        cmocka_unit_test(tag_check_catches_use_after_free),
        cmocka_unit_test(tag_rejects_bad_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
