/* test_pool_small.c -- pool-small: index free lists per slab, chunks down to 2 bytes,
 * slabs aligned to their size, page return. */
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
#include "pool_small.h"

static const struct pb_backend_ops *ps(void)
{
    return bt_ops("pool-small");
}

static void small_defaults_in_config(void **state)
{
    (void)state;
    void *self = bt_make(ps(), NULL, 0);
    assert_int_equal(bt_config_value(ps(), self, "chunk"), 4);
    assert_int_equal(bt_config_value(ps(), self, "align"), 4);
    assert_int_equal(bt_config_value(ps(), self, "slab"), 65536);
    assert_int_equal(bt_config_value(ps(), self, "index"), 16);
    assert_string_equal(bt_config_text(ps(), self, "return"), "off");
    assert_int_equal(bt_stats(ps(), self).footprint_bytes, 0);
    assert_int_equal(bt_mappings_of(ps(), self).n, 0);
    ps()->destroy(self);
}

/* The seed's question: a chunk smaller than a pointer. 2-byte chunks, packed. */
static void small_two_byte_chunks_work(void **state)
{
    (void)state;
    struct pb_option o[] = {{"chunk", "2"}, {"align", "2"}, {"slab", "4096"}};
    void *self = bt_make(ps(), o, 3);
    assert_int_equal(bt_config_value(ps(), self, "chunk"), 2);
    size_t per_slab = bt_config_value(ps(), self, "chunks_per_slab");
    assert_true(per_slab > 2000 && per_slab < 2048); /* 2048 slots minus the header's */
    enum { N = 5000 };
    uint16_t **p = malloc(N * sizeof *p);
    for (unsigned i = 0; i < N; i++) {
        p[i] = ps()->alloc(self, 2, 2);
        assert_non_null(p[i]);
        assert_int_equal((uintptr_t)p[i] % 2, 0);
        *p[i] = (uint16_t)i;
    }
    for (unsigned i = 0; i + 1 < per_slab; i++)
        assert_ptr_equal((unsigned char *)p[i + 1], (unsigned char *)p[i] + 2); /* packed */
    for (unsigned i = 0; i < N; i += 2)
        assert_int_equal(ps()->free(self, p[i], 2), 0);
    for (unsigned i = 1; i < N; i += 2)
        assert_int_equal(*p[i], (uint16_t)i); /* frees wrote only into freed chunks */
    for (unsigned i = 0; i < N; i += 2) {
        p[i] = ps()->alloc(self, 1, 1);
        assert_non_null(p[i]);
        *p[i] = (uint16_t)i;
    }
    for (unsigned i = 0; i < N; i++)
        assert_int_equal(*p[i], (uint16_t)i);
    assert_int_equal(bt_stats(ps(), self).footprint_bytes, 3 * 4096); /* no slab more than needed */
    free(p);
    ps()->destroy(self);
}

static void small_index_limits_enforced(void **state)
{
    (void)state;
    struct {
        struct pb_option o[3];
        size_t n;
        const char *message; /* NULL: accepted */
    } cases[] = {
        /* 128 KiB / 2 = 65536 slots: 65535 chunks plus the sentinel, the most index=16 takes */
        {{{"chunk", "2"}, {"align", "2"}, {"slab", "128k"}}, 3, NULL},
        {{{"chunk", "2"}, {"align", "2"}, {"slab", "256k"}}, 3,
         "gives 131072 chunks per slab, more than index=16 can address (65535 chunks plus "
         "the sentinel)"},
        {{{"chunk", "4"}, {"slab", "1M"}, {"index", "16"}}, 3, "more than index=16"},
        {{{"chunk", "4"}, {"slab", "1M"}, {"index", "32"}}, 3, NULL},
        {{{"chunk", "1"}, {"align", "1"}, {"index", "32"}}, 3, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        void *self = NULL;
        char err[PB_ERR_MAX] = "";
        int rc = ps()->create(cases[i].o, cases[i].n, &self, err, sizeof err);
        if (!cases[i].message) {
            if (rc)
                fail_msg("case %zu refused: %s", i, err);
            ps()->destroy(self);
            continue;
        }
        assert_int_equal(rc, -1);
        assert_null(self);
        if (!strstr(err, cases[i].message))
            fail_msg("case %zu: message '%s' lacks '%s'", i, err, cases[i].message);
    }
    /* The largest index=16 slab really hands out all 65535 - header chunks, in one slab. */
    struct pb_option o[] = {{"chunk", "2"}, {"align", "2"}, {"slab", "128k"}};
    void *self = bt_make(ps(), o, 3);
    size_t per_slab = bt_config_value(ps(), self, "chunks_per_slab");
    assert_true(per_slab > 65500 && per_slab <= 65535);
    unsigned char *last = NULL;
    for (size_t i = 0; i < per_slab; i++)
        last = ps()->alloc(self, 2, 2);
    assert_int_equal(bt_mappings_of(ps(), self).n, 1);
    struct pb_mapping m = bt_mappings_of(ps(), self).m[0];
    assert_ptr_equal(last, (unsigned char *)m.addr + m.len - 2); /* index 65535 */
    assert_int_equal(ps()->free(self, last, 2), 0);
    assert_ptr_equal(ps()->alloc(self, 2, 2), last);
    assert_non_null(ps()->alloc(self, 2, 2));
    assert_int_equal(bt_mappings_of(ps(), self).n, 2);
    ps()->destroy(self);
    /* index=32: minimum chunk is 4 bytes. */
    struct pb_option o32[] = {{"chunk", "1"}, {"align", "1"}, {"index", "32"}};
    self = bt_make(ps(), o32, 3);
    assert_int_equal(bt_config_value(ps(), self, "chunk"), 4);
    ps()->destroy(self);
}

/* Slabs are mapped aligned to their size: free finds a chunk's slab by masking. */
static void small_slabs_aligned_to_their_size(void **state)
{
    (void)state;
    struct pb_option o[] = {{"chunk", "24"}, {"align", "8"}, {"slab", "8k"}};
    void *self = bt_make(ps(), o, 3);
    for (unsigned i = 0; i < 1000; i++)
        assert_non_null(ps()->alloc(self, 24, 8));
    struct bt_mappings l = bt_mappings_of(ps(), self);
    assert_true(l.n >= 3);
    for (size_t i = 0; i < l.n && i < 64; i++) {
        assert_int_equal(l.m[i].len, 8192);
        assert_int_equal((uintptr_t)l.m[i].addr % 8192, 0); /* aligned to the slab size */
    }
    ps()->destroy(self);
}

static void small_reuses_lifo_within_a_slab(void **state)
{
    (void)state;
    void *self = bt_make(ps(), NULL, 0);
    bt_expect_lifo(ps(), self, 4, 4);
    ps()->destroy(self);
}

/* A free into a full slab makes it the one alloc serves next. */
static void small_free_into_full_slab_is_served_first(void **state)
{
    (void)state;
    struct pb_option o[] = {{"chunk", "64"}, {"align", "16"}, {"slab", "4096"}};
    void *self = bt_make(ps(), o, 3);
    size_t per_slab = bt_config_value(ps(), self, "chunks_per_slab"); /* 63: slot 0 is the header */
    assert_int_equal(per_slab, 63);
    unsigned char *first = ps()->alloc(self, 64, 16);
    for (size_t i = 1; i < per_slab + 1; i++)
        assert_non_null(ps()->alloc(self, 64, 16)); /* the last one opens slab 2 */
    assert_int_equal(bt_mappings_of(ps(), self).n, 2);
    assert_int_equal(ps()->free(self, first, 64), 0);
    assert_ptr_equal(ps()->alloc(self, 64, 16), first);
    ps()->destroy(self);
}

static void small_free_all_then_reuse(void **state)
{
    (void)state;
    struct pb_option o[] = {{"chunk", "64"}, {"align", "16"}, {"slab", "4096"}};
    void *self = bt_make(ps(), o, 3);
    bt_free_all_keeps_slabs(ps(), self, 64, 16, 4096, 63);
    assert_int_equal(bt_stats(ps(), self).live_blocks, 127);
    ps()->destroy(self);
}

/* What a refusal says; a resize within the chunk keeps the pointer. */
static void small_refusal_messages_and_realloc(void **state)
{
    (void)state;
    void *self = bt_make(ps(), NULL, 0);
    assert_null(ps()->alloc(self, 5, 4));
    assert_non_null(strstr(ps()->last_error(self), "request of 5 bytes exceeds chunk size 4"));
    assert_null(ps()->alloc(self, 4, 8));
    assert_non_null(strstr(ps()->last_error(self), "aligned to 8 exceeds the pool's alignment 4"));
    void *a = ps()->alloc(self, 0, 1);
    assert_null(ps()->realloc(self, a, 0, 5, 4));
    assert_non_null(strstr(ps()->last_error(self), "realloc of 5 bytes exceeds chunk size 4"));
    assert_ptr_equal(ps()->realloc(self, a, 0, 4, 4), a);
    assert_int_equal(bt_stats(ps(), self).granted_bytes, 4); /* a size-0 block takes a chunk */
    ps()->destroy(self);
}

static void small_rejects_bad_options(void **state)
{
    (void)state;
    const struct bt_bad_option cases[] = {
        {{"align", "24"}, "align=24 must be a power of two"},
        {{"align", "8192"}, "align=8192"},
        {{"chunk", "0"}, "chunk=0"},
        {{"chunk", "x"}, "chunk=x is not a size"},
        {{"slab", "2G"}, "slab=2147483648 must be from 1 to"},
        {{"index", "8"}, "index=8 must be 16 or 32"},
        {{"return", "soon"}, "return=soon must be off or a count"},
        {{"chunk", "40000"}, "holds no chunk of 40000 bytes besides its"},
        {{"checked", "1"}, "unknown option 'checked'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        /* the bad option last, after a small slab (unless the slab is the bad one) */
        struct pb_option o[] = {{"slab", "32k"}, cases[i].opt};
        int slab = strcmp(cases[i].opt.key, "slab") == 0;
        bt_create_fails(ps(), slab ? &o[1] : o, slab ? 1 : 2, cases[i].message);
    }
}

static void small_stats_exact(void **state)
{
    (void)state;
    struct pb_option o[] = {{"chunk", "12"}, {"align", "4"}, {"slab", "4096"}};
    void *self = bt_make(ps(), o, 3);
    const size_t chunk = 12, per_slab = 4096 / 12 - 3; /* 341 slots, 3 for the 32-byte header */
    assert_int_equal(bt_config_value(ps(), self, "chunks_per_slab"), per_slab);
    void *p[400];
    bt_stats_over_two_slabs(ps(), self, 10, 4, chunk, 4096, per_slab, p);
    struct pb_class_stats cs[2];
    assert_int_equal(ps()->class_stats(self, cs, 2), 1);
    assert_int_equal(cs[0].size, chunk);
    assert_int_equal(cs[0].chunks_live, per_slab + 1);
    assert_int_equal(cs[0].chunks_carved, per_slab + 1);
    assert_int_equal(cs[0].slabs, 2);
    assert_int_equal(cs[0].footprint_bytes, 2 * 4096);
    assert_int_equal(cs[0].allocs, per_slab + 2);
    assert_int_equal(ps()->free(self, NULL, 0), 0);
    ps()->free_all(self);
    struct pb_backend_stats st = bt_stats(ps(), self);
    assert_int_equal(st.live_blocks, 0);
    assert_int_equal(st.peak_footprint_bytes, 2 * 4096);
    assert_int_equal(st.allocs, per_slab + 2);
    assert_int_equal(st.frees, 2);
    assert_int_equal(st.failures, 0);
    ps()->destroy(self);
}

/* ---- the check op: each invariant it verifies, broken on purpose ---- */

/* A write into a freed chunk (use after free) changes its next index. */
static void small_check_catches_use_after_free(void **state)
{
    (void)state;
    struct pb_option o[] = {{"chunk", "4"}, {"align", "4"}, {"slab", "4096"}};
    void *self = bt_make(ps(), o, 3);
    uint16_t *a = ps()->alloc(self, 4, 4);
    uint16_t *b = ps()->alloc(self, 4, 4);
    assert_non_null(ps()->alloc(self, 4, 4));
    assert_int_equal(ps()->free(self, a, 4), 0);
    bt_check_ok(ps(), self);
    uintptr_t base = (uintptr_t)a & ~(uintptr_t)4095;
    *a = (uint16_t)(((uintptr_t)b - base) / 4); /* a's next: the live b */
    bt_check_fails(ps(), self, "pool-small: slab 0: free list entry");
    *a = 4000; /* beyond the bump: never carved */
    bt_check_fails(ps(), self, "free list entry 4000 is not one of its 1 carved chunks");
    *a = 0;
    bt_check_ok(ps(), self);
    ps()->destroy(self);
}

/* The slab header (pool_small.h) in the slab's first slots, overwritten. */
static void small_check_catches_bad_header(void **state)
{
    (void)state;
    struct pb_option o[] = {{"chunk", "64"}, {"align", "16"}, {"slab", "4096"}};
    void *self = bt_make(ps(), o, 3);
    unsigned char *a = ps()->alloc(self, 64, 16);
    struct pb_small_slab *s = (struct pb_small_slab *)((uintptr_t)a & ~(uintptr_t)4095);
    s->live--;
    bt_check_fails(ps(), self, "free list holds 0 chunks, carved minus live is 1");
    s->live += 2;
    bt_check_fails(ps(), self, "header (ref 0, bump 2, live 2) is inconsistent");
    s->live--;
    s->next = s; /* the avail list: a cycle */
    bt_check_fails(ps(), self, "avail list entry 1");
    s->next = NULL;
    bt_check_ok(ps(), self);
    ps()->destroy(self);
}

/* Page return: the empty-slab count must stay within what return=N keeps. */
static void small_check_catches_empty_count(void **state)
{
    (void)state;
    struct pb_option o[] = {{"chunk", "64"}, {"align", "16"}, {"slab", "4096"}, {"return", "1"}};
    void *self = bt_make(ps(), o, 4);
    void *a = ps()->alloc(self, 64, 16);
    assert_int_equal(ps()->free(self, a, 64), 0);
    bt_check_ok(ps(), self);
    ((struct pb_small_core *)self)->n_empty++; /* struct pool_small opens with its core */
    bt_check_fails(ps(), self, "2 empty slabs counted, 1 held empty, 1 may be kept");
    ((struct pb_small_core *)self)->n_empty--;
    bt_check_ok(ps(), self);
    ps()->destroy(self);
}

/* Page return: a slab emptied beyond the kept count is given back and reused fresh. */
static void small_page_return_gives_back_empty_slab(void **state)
{
    (void)state;
    struct pb_option o[] = {{"chunk", "64"}, {"align", "16"}, {"slab", "64k"}, {"return", "0"}};
    void *self = bt_make(ps(), o, 4);
    size_t per_slab = bt_config_value(ps(), self, "chunks_per_slab");
    unsigned char **p = bt_alloc_filled(ps(), self, 2 * per_slab, 64, 16); /* every page resident */
    struct bt_mappings l = bt_mappings_of(ps(), self);
    assert_int_equal(l.n, 2);
    unsigned char *slab0 = l.m[0].addr;
    assert_int_equal(bt_resident_pages(slab0, 65536), 16);
    for (size_t i = 0; i < per_slab; i++) /* empties slab 0 */
        assert_int_equal(ps()->free(self, p[i], 64), 0);
    assert_int_equal(bt_resident_pages(slab0, 65536), 0); /* header page included */
    struct pb_backend_stats st = bt_stats(ps(), self);
    assert_int_equal(st.footprint_bytes, 65536);
    assert_int_equal(st.peak_footprint_bytes, 2 * 65536);
    assert_int_equal(st.live_blocks, per_slab);
    l = bt_mappings_of(ps(), self);
    assert_int_equal(l.n, 1);
    assert_ptr_not_equal(l.m[0].addr, slab0);
    assert_int_equal(bt_config_value(ps(), self, "slabs_returned"), 1);
    for (size_t i = per_slab; i < 2 * per_slab; i++)
        bt_verify(p[i], 64, (unsigned)i);
    /* Slab 1 is full: the next alloc reuses slab 0, carved afresh, reading zeros. */
    unsigned char *q = ps()->alloc(self, 64, 16);
    assert_true(q >= slab0 && q < slab0 + 65536);
    for (size_t i = 0; i < 64; i++)
        assert_int_equal(q[i], 0);
    assert_ptr_equal(ps()->alloc(self, 64, 16), q + 64); /* carved, not the old free list */
    assert_int_equal(bt_stats(ps(), self).footprint_bytes, 2 * 65536);
    assert_int_equal(bt_mappings_of(ps(), self).n, 2);
    free(p);
    ps()->destroy(self);
}

/* return=1: one empty slab stays resident (hysteresis), the second is given back. */
static void small_page_return_keeps_n_empty(void **state)
{
    (void)state;
    struct pb_option o[] = {{"chunk", "64"}, {"align", "16"}, {"slab", "16k"}, {"return", "1"}};
    void *self = bt_make(ps(), o, 4);
    size_t per_slab = bt_config_value(ps(), self, "chunks_per_slab");
    unsigned char **p = bt_alloc_filled(ps(), self, 3 * per_slab, 64, 16);
    struct bt_mappings l = bt_mappings_of(ps(), self);
    assert_int_equal(l.n, 3);
    for (size_t i = 0; i < 2 * per_slab; i++)
        assert_int_equal(ps()->free(self, p[i], 64), 0);
    assert_int_equal(bt_resident_pages(l.m[0].addr, 16384), 4); /* kept: the first to empty */
    assert_int_equal(bt_resident_pages(l.m[1].addr, 16384), 0); /* given back */
    assert_int_equal(bt_resident_pages(l.m[2].addr, 16384), 4); /* still full */
    assert_int_equal(bt_stats(ps(), self).footprint_bytes, 2 * 16384);
    assert_int_equal(bt_mappings_of(ps(), self).n, 2);
    /* Churn on the kept empty slab gives nothing back. */
    for (int k = 0; k < 100; k++) {
        void *x = ps()->alloc(self, 64, 16);
        assert_int_equal(ps()->free(self, x, 64), 0);
    }
    assert_int_equal(bt_config_value(ps(), self, "slabs_returned"), 1);
    /* free_all keeps one slab, gives the other held one back. */
    ps()->free_all(self);
    assert_int_equal(bt_stats(ps(), self).footprint_bytes, 16384);
    assert_int_equal(bt_config_value(ps(), self, "slabs_returned"), 2);
    l = bt_mappings_of(ps(), self);
    assert_int_equal(l.n, 1);
    for (size_t i = 0; i < 3 * per_slab; i++) {
        unsigned char *x = ps()->alloc(self, 64, 16);
        assert_non_null(x);
        bt_fill(x, 64, (unsigned)i);
    }
    assert_int_equal(bt_stats(ps(), self).footprint_bytes, 3 * 16384);
    assert_int_equal(bt_stats(ps(), self).live_blocks, 3 * per_slab);
    free(p);
    ps()->destroy(self);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(small_defaults_in_config),
        cmocka_unit_test(small_two_byte_chunks_work),
        cmocka_unit_test(small_index_limits_enforced),
        cmocka_unit_test(small_slabs_aligned_to_their_size),
        cmocka_unit_test(small_reuses_lifo_within_a_slab),
        cmocka_unit_test(small_free_into_full_slab_is_served_first),
        cmocka_unit_test(small_free_all_then_reuse),
        cmocka_unit_test(small_refusal_messages_and_realloc),
        cmocka_unit_test(small_rejects_bad_options),
        cmocka_unit_test(small_stats_exact),
        cmocka_unit_test(small_check_catches_use_after_free),
        cmocka_unit_test(small_check_catches_bad_header),
        cmocka_unit_test(small_check_catches_empty_count),
        cmocka_unit_test(small_page_return_gives_back_empty_slab),
        cmocka_unit_test(small_page_return_keeps_n_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
