/* test_pools.c -- pools: size classes routed by a table, the rest to malloc. */
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
#include "pools.h"

static const struct pb_backend_ops *pools(void)
{
    return bt_ops("pools");
}

/* The jemalloc-like default list, written out independently of the backend. */
static const size_t default_classes[] = {
    16,  32,  48,  64,  80,   96,   112,  128,  160,  192,  224,  256,  320,  384,
    448, 512, 640, 768, 896, 1024, 1280, 1536, 1792, 2048, 2560, 3072, 3584,
};
enum { N_DEFAULT = sizeof default_classes / sizeof default_classes[0] };

static struct pb_class_stats rows[64];

static size_t rows_of(void *self)
{
    size_t n = pools()->class_stats(self, rows, 64);
    assert_true(n <= 64);
    return n;
}

static void pools_default_classes(void **state)
{
    (void)state;
    void *self = bt_make(pools(), NULL, 0);
    assert_int_equal(rows_of(self), N_DEFAULT + 1);
    for (size_t k = 0; k < N_DEFAULT; k++) {
        assert_int_equal(rows[k].kind, PB_CLASS_SIZE);
        assert_int_equal(rows[k].size, default_classes[k]);
        assert_int_equal(rows[k].slabs, 0);
    }
    assert_int_equal(rows[N_DEFAULT].kind, PB_CLASS_SYSTEM);
    struct pb_config_entry cfg[8];
    size_t n = pools()->config(self, cfg, 8);
    assert_true(n >= 3);
    assert_string_equal(cfg[0].key, "classes");
    assert_true(strncmp(cfg[0].value, "16/32/48/64/80/", 15) == 0);
    char joined[512] = "";
    for (size_t i = 0; i < n; i++)
        if (strncmp(cfg[i].key, "classes", 7) == 0)
            strcat(strcat(joined, i ? "/" : ""), cfg[i].value);
    assert_non_null(strstr(joined, "/3072/3584"));
    assert_string_equal(cfg[n - 2].key, "slab");
    assert_string_equal(cfg[n - 2].value, "65536");
    assert_string_equal(cfg[n - 1].key, "return");
    assert_string_equal(cfg[n - 1].value, "off");
    assert_int_equal(bt_stats(pools(), self).footprint_bytes, 0);
    pools()->destroy(self);
}

/* Every size from 0 to the largest class lands in the smallest class that fits. */
static void pools_route_every_size(void **state)
{
    (void)state;
    void *self = bt_make(pools(), NULL, 0);
    size_t expect_allocs[N_DEFAULT] = {0};
    for (size_t size = 0; size <= 3584; size++) {
        size_t k = 0;
        while (default_classes[k] < size)
            k++;
        expect_allocs[k]++;
        unsigned char *p = pools()->alloc(self, size, 16);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 16, 0);
        bt_fill(p, size, (unsigned)size);
        if (size % 97 == 0) {
            rows_of(self);
            for (size_t j = 0; j < N_DEFAULT; j++)
                assert_int_equal(rows[j].allocs, expect_allocs[j]);
        }
    }
    rows_of(self);
    size_t granted = 0;
    for (size_t j = 0; j < N_DEFAULT; j++) {
        assert_int_equal(rows[j].allocs, expect_allocs[j]);
        assert_int_equal(rows[j].chunks_live, expect_allocs[j]);
        assert_int_equal(rows[j].chunks_carved, expect_allocs[j]);
        granted += expect_allocs[j] * default_classes[j];
    }
    assert_int_equal(rows[N_DEFAULT].allocs, 0);
    assert_int_equal(bt_stats(pools(), self).granted_bytes, granted);
    assert_int_equal(bt_stats(pools(), self).live_blocks, 3585);
    pools()->destroy(self);
}

static void pools_large_to_system_counted(void **state)
{
    (void)state;
    void *self = bt_make(pools(), NULL, 0);
    unsigned char *big = pools()->alloc(self, 3585, 16);
    unsigned char *huge = pools()->alloc(self, 1 << 20, 64);
    assert_non_null(big);
    assert_non_null(huge);
    assert_int_equal((uintptr_t)huge % 64, 0);
    bt_fill(big, 3585, 1);
    bt_fill(huge, 1 << 20, 2);
    size_t n = rows_of(self);
    struct pb_class_stats sys = rows[n - 1];
    assert_int_equal(sys.kind, PB_CLASS_SYSTEM);
    assert_int_equal(sys.allocs, 2);
    assert_int_equal(sys.chunks_live, 2);
    assert_true(sys.footprint_bytes >= 3585 + (1 << 20));
    struct pb_backend_stats st = bt_stats(pools(), self);
    assert_int_equal(st.footprint_bytes, sys.footprint_bytes); /* no slab mapped */
    assert_int_equal(st.granted_bytes, sys.footprint_bytes);
    assert_int_equal(st.live_blocks, 2);
    bt_verify(big, 3585, 1);
    assert_int_equal(pools()->free(self, big, 3585), 0);
    assert_int_equal(pools()->free(self, huge, 1 << 20), 0);
    n = rows_of(self);
    assert_int_equal(rows[n - 1].chunks_live, 0);
    assert_int_equal(rows[n - 1].footprint_bytes, 0);
    st = bt_stats(pools(), self);
    assert_int_equal(st.footprint_bytes, 0);
    assert_true(st.peak_footprint_bytes >= 3585 + (1 << 20));
    assert_int_equal(st.frees, 2);
    pools()->destroy(self);
}

/* A request more aligned than its class goes to the system; free still finds it. */
static void pools_over_aligned_to_system(void **state)
{
    (void)state;
    struct pb_option o[] = {{"classes", "8/48/64"}, {"slab", "4096"}};
    void *self = bt_make(pools(), o, 2);
    unsigned char *a8 = pools()->alloc(self, 8, 8);     /* class 8 */
    unsigned char *a16 = pools()->alloc(self, 8, 16);   /* class 8 is only 8-aligned */
    unsigned char *b16 = pools()->alloc(self, 40, 16);  /* class 48 */
    unsigned char *b32 = pools()->alloc(self, 40, 32);  /* class 48 is only 16-aligned */
    unsigned char *c64 = pools()->alloc(self, 50, 64);  /* class 64 */
    assert_int_equal((uintptr_t)a16 % 16, 0);
    assert_int_equal((uintptr_t)b32 % 32, 0);
    assert_int_equal((uintptr_t)c64 % 64, 0);
    bt_fill(a16, 8, 1);
    bt_fill(b32, 40, 2);
    rows_of(self);
    assert_int_equal(rows[0].allocs, 1);
    assert_int_equal(rows[1].allocs, 1);
    assert_int_equal(rows[2].allocs, 1);
    assert_int_equal(rows[3].kind, PB_CLASS_SYSTEM);
    assert_int_equal(rows[3].allocs, 2);
    /* Frees by size alone: the system blocks are recognised, the class ones pushed. */
    assert_int_equal(pools()->free(self, b32, 40), 0);
    assert_int_equal(pools()->free(self, b16, 40), 0);
    assert_int_equal(pools()->free(self, a16, 8), 0);
    rows_of(self);
    assert_int_equal(rows[1].chunks_live, 0);
    assert_int_equal(rows[3].chunks_live, 0);
    assert_ptr_equal(pools()->alloc(self, 33, 16), b16); /* class 48 reuses LIFO */
    assert_int_equal(pools()->free(self, a8, 8), 0);
    assert_int_equal(pools()->free(self, c64, 50), 0);
    assert_int_equal(bt_stats(pools(), self).live_blocks, 1);
    pools()->destroy(self);
}

static void pools_free_all_releases_classes_and_system(void **state)
{
    (void)state;
    void *self = bt_make(pools(), NULL, 0);
    unsigned char *first = pools()->alloc(self, 24, 16);
    for (int i = 0; i < 50; i++)
        assert_non_null(pools()->alloc(self, (size_t)i * 100, 16));
    assert_non_null(pools()->alloc(self, 100000, 16));
    size_t footprint_slabs = 0;
    size_t n = rows_of(self);
    for (size_t k = 0; k + 1 < n; k++)
        footprint_slabs += rows[k].footprint_bytes;
    pools()->free_all(self);
    struct pb_backend_stats st = bt_stats(pools(), self);
    assert_int_equal(st.live_blocks, 0);
    assert_int_equal(st.granted_bytes, 0);
    assert_int_equal(st.footprint_bytes, footprint_slabs); /* slabs kept, malloc'd freed */
    assert_int_equal(st.free_alls, 1);
    n = rows_of(self);
    for (size_t k = 0; k < n; k++) {
        assert_int_equal(rows[k].chunks_live, 0);
        if (rows[k].kind == PB_CLASS_SIZE)
            assert_int_equal(rows[k].chunks_carved, 0);
    }
    assert_ptr_equal(pools()->alloc(self, 32, 16), first); /* class 32 rewound */
    assert_int_equal(bt_stats(pools(), self).live_blocks, 1);
    pools()->destroy(self);
}

static void pools_class_grows_by_slabs(void **state)
{
    (void)state;
    struct pb_option o[] = {{"classes", "1024/3584"}, {"slab", "16k"}};
    void *self = bt_make(pools(), o, 2);
    for (int i = 0; i < 5; i++) /* 16384 / 3584 = 4 per slab */
        assert_non_null(pools()->alloc(self, 2000, 16));
    rows_of(self);
    assert_int_equal(rows[1].slabs, 2);
    assert_int_equal(rows[1].footprint_bytes, 2 * 16384);
    assert_int_equal(rows[1].chunks_carved, 5);
    assert_int_equal(rows[0].slabs, 0);
    assert_int_equal(bt_stats(pools(), self).footprint_bytes, 2 * 16384);
    assert_int_equal(bt_stats(pools(), self).peak_footprint_bytes, 2 * 16384);
    pools()->destroy(self);
}

static void pools_stats_exact(void **state)
{
    (void)state;
    struct pb_option o[] = {{"classes", "16/32/64"}, {"slab", "4096"}};
    void *self = bt_make(pools(), o, 2);
    void *p[300];
    for (int i = 0; i < 3; i++)
        p[i] = pools()->alloc(self, 20, 16); /* class 32 */
    p[3] = pools()->alloc(self, 64, 16);      /* class 64 */
    p[4] = pools()->alloc(self, 65, 16);      /* system */
    assert_int_equal(pools()->free(self, p[1], 20), 0);
    for (int i = 5; i < 5 + 130; i++)
        p[i] = pools()->alloc(self, 1, 1); /* class 16: 256 per slab */
    struct pb_backend_stats st = bt_stats(pools(), self);
    assert_int_equal(st.allocs, 135);
    assert_int_equal(st.frees, 1);
    assert_int_equal(st.live_blocks, 134);
    size_t sys_usable = st.footprint_bytes - 3 * 4096;
    assert_true(sys_usable >= 65);
    assert_int_equal(st.granted_bytes, 2 * 32 + 64 + 130 * 16 + sys_usable);
    rows_of(self);
    assert_int_equal(rows[0].chunks_live, 130);
    assert_int_equal(rows[1].chunks_live, 2);
    assert_int_equal(rows[1].chunks_carved, 3);
    assert_int_equal(rows[2].chunks_live, 1);
    assert_int_equal(rows[3].chunks_live, 1);
    assert_int_equal(rows[3].footprint_bytes, sys_usable);
    assert_int_equal(pools()->alloc(self, 17, 16), p[1]);
    assert_int_equal(st.failures, 0);
    pools()->destroy(self);
}

static void pools_rejects_bad_options_and_frees(void **state)
{
    (void)state;
    const struct bt_bad_option cases[] = {
        {{"classes", "16/8"}, "class 8 after 16: classes must be ascending"},
        {{"classes", "4/16"}, "class '4' must be a size from 8"},
        {{"classes", "16//32"}, "empty"},
        {{"classes", "16/2M"}, "class '2M'"},
        {{"classes", "16/10000"}, "slab=8192 must hold the largest class (10000"},
        {{"slab", "big"}, "slab=big is not a size"},
        {{"chunk", "64"}, "unknown option 'chunk'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct pb_option o[] = {{"slab", "8k"}, cases[i].opt};
        bt_create_fails(pools(), o, 2, cases[i].message);
    }
    void *self = bt_make(pools(), NULL, 0);
    int on_stack = 0;
    assert_int_equal(pools()->free(self, &on_stack, 5000), -1);
    assert_non_null(strstr(pools()->last_error(self), "no 5000-byte block was allocated there"));
    assert_int_equal(bt_stats(pools(), self).failures, 1);
    pools()->destroy(self);
}

/* ---- the check op: each invariant it verifies, broken on purpose ---- */

/* A write into a freed chunk of a class (use after free) links a live one in. */
static void pools_check_catches_use_after_free(void **state)
{
    (void)state;
    void *self = bt_make(pools(), NULL, 0);
    unsigned char *p = pools()->alloc(self, 40, 16);
    unsigned char *q = pools()->alloc(self, 40, 16);
    assert_int_equal(pools()->free(self, p, 40), 0);
    bt_check_ok(pools(), self);
    memcpy(p, &q, sizeof q);
    bt_check_fails(pools(), self, "pools: class 48: free list longer than the 1 carved");
    void *end = NULL;
    memcpy(p, &end, sizeof end);
    bt_check_ok(pools(), self);
    pools()->destroy(self);
}

/* The route table, the system-block set and the byte counts (pools.h). */
static void pools_check_catches_bad_bookkeeping(void **state)
{
    (void)state;
    struct pb_option o[] = {{"classes", "16/32/64"}, {"slab", "4096"}};
    void *self = bt_make(pools(), o, 2);
    struct pb_pools *ps = self;
    void *big = pools()->alloc(self, 100, 16);   /* the system */
    void *over = pools()->alloc(self, 16, 64);   /* over-aligned: the system too */
    assert_non_null(pools()->alloc(self, 20, 16));
    bt_check_ok(pools(), self);
    ps->route_table[1] = 1; /* 16 bytes to class 32 */
    bt_check_fails(pools(), self, "size 16 is routed to class 1, not the smallest that fits");
    ps->route_table[1] = 0;
    ps->footprint += 16;
    bt_check_fails(pools(), self, "2 system blocks (2 counted) of");
    ps->footprint -= 16;
    ps->slow_frees--;
    bt_check_fails(pools(), self, "1 over-aligned system blocks of 2, slow-free count 0");
    ps->slow_frees++;
    ps->slab_bytes += 4096;
    ps->footprint += 4096;
    bt_check_fails(pools(), self, "the classes hold 4096 bytes of slabs, 8192 counted");
    ps->slab_bytes -= 4096;
    ps->footprint -= 4096;
    ps->cls[1].frees++; /* class 32: a block "freed" that is not on its list */
    bt_check_fails(pools(), self, "pools: class 32: free list holds 0 chunks");
    ps->cls[1].frees--;
    assert_int_equal(pools()->free(self, big, 100), 0);
    assert_int_equal(pools()->free(self, over, 16), 0);
    bt_check_ok(pools(), self);
    pools()->destroy(self);
}

static const char *config_text(void *self, const char *key)
{
    static struct pb_config_entry cfg[16];
    size_t n = pools()->config(self, cfg, 16);
    for (size_t i = 0; i < n; i++)
        if (strcmp(cfg[i].key, key) == 0)
            return cfg[i].value;
    fail_msg("no config entry %s", key);
    return "";
}

static int collect(const struct pb_mapping *m, void *ctx)
{
    struct bt_mappings *l = ctx;
    if (l->n < 16)
        l->m[l->n] = *m;
    l->n++;
    return 0;
}

/* return=0: a class slab is given back as soon as it empties, then reused fresh. */
static void pools_return_gives_back_empty_class_slab(void **state)
{
    (void)state;
    struct pb_option o[] = {{"classes", "16/64"}, {"slab", "16k"}, {"return", "0"}};
    void *self = bt_make(pools(), o, 3);
    assert_string_equal(config_text(self, "return"), "0");
    const size_t per_slab = 16384 / 64 - 1; /* slot 0 holds the slab header */
    unsigned char **p = calloc(2 * per_slab, sizeof *p);
    for (size_t i = 0; i < 2 * per_slab; i++) {
        p[i] = pools()->alloc(self, 64, 16);
        assert_non_null(p[i]);
        bt_fill(p[i], 64, (unsigned)i);
    }
    unsigned char *small = pools()->alloc(self, 10, 16);    /* class 16 */
    unsigned char *over = pools()->alloc(self, 16, 32);     /* over-aligned: the system */
    unsigned char *large = pools()->alloc(self, 100, 16);   /* larger than 64: the system */
    assert_int_equal((uintptr_t)over % 32, 0);
    struct bt_mappings l = {.n = 0};
    pools()->mappings(self, collect, &l);
    assert_int_equal(l.n, 3);
    unsigned char *slab0 = (unsigned char *)((uintptr_t)p[0] & ~(uintptr_t)16383);
    assert_int_equal(bt_resident_pages(slab0, 16384), 4);
    for (size_t i = 0; i < per_slab; i++)
        assert_int_equal(pools()->free(self, p[i], 64), 0);
    assert_int_equal(bt_resident_pages(slab0, 16384), 0);
    assert_string_equal(config_text(self, "slabs_returned"), "1");
    rows_of(self);
    assert_int_equal(rows[1].slabs, 1);
    assert_int_equal(rows[1].chunks_live, per_slab);
    assert_int_equal(rows[1].footprint_bytes, 16384);
    assert_int_equal(rows[0].slabs, 1);
    struct pb_backend_stats st = bt_stats(pools(), self);
    size_t sys_bytes = rows[2].footprint_bytes;
    assert_int_equal(rows[2].chunks_live, 2);
    assert_int_equal(st.footprint_bytes, 2 * 16384 + sys_bytes);
    assert_int_equal(st.peak_footprint_bytes, 3 * 16384 + sys_bytes);
    assert_int_equal(st.live_blocks, per_slab + 3);
    for (size_t i = per_slab; i < 2 * per_slab; i++)
        bt_verify(p[i], 64, (unsigned)i);
    /* The next 64-byte block reuses the given-back slab, carved afresh: zeros. */
    unsigned char *q = pools()->alloc(self, 64, 16);
    assert_true(q >= slab0 && q < slab0 + 16384);
    for (size_t i = 0; i < 64; i++)
        assert_int_equal(q[i], 0);
    assert_int_equal(pools()->free(self, over, 16), 0);
    assert_int_equal(pools()->free(self, large, 100), 0);
    assert_int_equal(pools()->free(self, small, 10), 0);
    assert_int_equal(pools()->free(self, q, 64), 0);
    st = bt_stats(pools(), self);
    assert_int_equal(st.live_blocks, per_slab);
    assert_int_equal(st.footprint_bytes, 16384); /* class 16's and slab0 given back */
    free(p);
    pools()->destroy(self);
}

static void pools_return_free_all_keeps_n_per_class(void **state)
{
    (void)state;
    struct pb_option o[] = {{"classes", "16/64"}, {"slab", "4096"}, {"return", "1"}};
    void *self = bt_make(pools(), o, 3);
    for (int i = 0; i < 200; i++) {
        assert_non_null(pools()->alloc(self, 64, 16)); /* 63 per slab: 4 slabs */
        assert_non_null(pools()->alloc(self, 16, 16)); /* 255 per slab: 1 slab */
    }
    assert_int_equal(bt_stats(pools(), self).footprint_bytes, 5 * 4096);
    pools()->free_all(self);
    struct pb_backend_stats st = bt_stats(pools(), self);
    assert_int_equal(st.live_blocks, 0);
    assert_int_equal(st.footprint_bytes, 2 * 4096); /* one empty slab kept per class */
    assert_string_equal(config_text(self, "slabs_returned"), "3");
    rows_of(self);
    assert_int_equal(rows[0].slabs, 1);
    assert_int_equal(rows[1].slabs, 1);
    assert_int_equal(rows[1].chunks_carved, 0);
    for (int i = 0; i < 100; i++) {
        unsigned char *x = pools()->alloc(self, 64, 16);
        assert_non_null(x);
        bt_fill(x, 64, (unsigned)i);
    }
    assert_int_equal(bt_stats(pools(), self).live_blocks, 100);
    assert_int_equal(bt_stats(pools(), self).footprint_bytes, 3 * 4096);
    pools()->destroy(self);
}

static void pools_return_rejects_bad_values(void **state)
{
    (void)state;
    struct pb_option bad[] = {{"return", "soon"}};
    struct pb_option tight[] = {{"classes", "1024/3584"}, {"slab", "4096"}, {"return", "0"}};
    void *self = NULL;
    char err[PB_ERR_MAX] = "";
    assert_int_equal(pools()->create(bad, 1, &self, err, sizeof err), -1);
    assert_non_null(strstr(err, "pools: return=soon must be off or a count"));
    assert_int_equal(pools()->create(tight, 3, &self, err, sizeof err), -1);
    assert_non_null(strstr(err, "holds no chunk of 3584 bytes besides its"));
    assert_null(self);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pools_default_classes),
        cmocka_unit_test(pools_route_every_size),
        cmocka_unit_test(pools_large_to_system_counted),
        cmocka_unit_test(pools_over_aligned_to_system),
        cmocka_unit_test(pools_free_all_releases_classes_and_system),
        cmocka_unit_test(pools_class_grows_by_slabs),
        cmocka_unit_test(pools_stats_exact),
        cmocka_unit_test(pools_rejects_bad_options_and_frees),
        cmocka_unit_test(pools_check_catches_use_after_free),
        cmocka_unit_test(pools_check_catches_bad_bookkeeping),
        cmocka_unit_test(pools_return_gives_back_empty_class_slab),
        cmocka_unit_test(pools_return_free_all_keeps_n_per_class),
        cmocka_unit_test(pools_return_rejects_bad_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
