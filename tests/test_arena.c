/* test_arena.c -- the arena backend: a bump allocator over chained mmap'd blocks. */
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

static const struct pb_backend_ops *arena(void)
{
    return bt_ops("arena");
}

static void *make_block(const char *block)
{
    struct pb_option o[] = {{"block", block}};
    void *self = NULL;
    char err[PB_ERR_MAX] = "";
    if (arena()->create(o, block ? 1 : 0, &self, err, sizeof err))
        fail_msg("arena create failed: %s", err);
    return self;
}

/* Index of the mapping holding p, or -1. */
static int mapping_of(const struct bt_mappings *l, const void *p)
{
    for (size_t i = 0; i < l->n && i < 64; i++) {
        const unsigned char *b = l->m[i].addr;
        if ((const unsigned char *)p >= b && (const unsigned char *)p < b + l->m[i].len)
            return (int)i;
    }
    return -1;
}

static void arena_bumps_in_granules_with_exact_padding(void **state)
{
    (void)state;
    void *self = make_block("4096");
    unsigned char *p0 = arena()->alloc(self, 1, 1);
    unsigned char *p1 = arena()->alloc(self, 8, 8);
    unsigned char *p2 = arena()->alloc(self, 17, 1);
    unsigned char *p3 = arena()->alloc(self, 16, 16);
    unsigned char *p4 = arena()->alloc(self, 5, 256);
    unsigned char *p5 = arena()->alloc(self, 0, 1);
    assert_int_equal((uintptr_t)p0 % 16, 0); /* a block's data starts 16-aligned */
    assert_ptr_equal(p1, p0 + 16);           /* every size rounds up to 16 bytes */
    assert_ptr_equal(p2, p0 + 32);
    assert_ptr_equal(p3, p0 + 64);           /* 17 took two granules */
    assert_int_equal((uintptr_t)p4 % 256, 0);
    size_t pad = (size_t)(p4 - (p3 + 16));   /* skipped in front of the 256-aligned block */
    assert_true(pad < 256);
    assert_ptr_equal(p5, p4 + 16);           /* a size-0 block takes a granule too */
    struct pb_backend_stats st = bt_stats(arena(), self);
    assert_int_equal(st.granted_bytes, 16 + 16 + 32 + 16 + pad + 16 + 16);
    assert_int_equal(st.live_blocks, 6);
    assert_int_equal(st.allocs, 6);
    /* free gives back the rounded size of blocks aligned to 16 or less */
    assert_int_equal(arena()->free(self, p2, 17), 0);
    assert_int_equal(bt_stats(arena(), self).granted_bytes, 16 + 16 + 16 + pad + 16 + 16);
    arena()->destroy(self);
}

static void arena_free_is_a_counted_noop(void **state)
{
    (void)state;
    void *self = make_block(NULL);
    unsigned char *p = arena()->alloc(self, 100, 16);
    assert_int_equal(arena()->free(self, p, 100), 0);
    struct pb_backend_stats st = bt_stats(arena(), self);
    assert_int_equal(st.frees, 1);
    assert_int_equal(st.live_blocks, 0);
    assert_int_equal(st.granted_bytes, 0); /* nothing live, nothing granted */
    unsigned char *q = arena()->alloc(self, 100, 16);
    assert_true(q >= p + 112); /* the bytes are never reused before free_all */
    assert_int_equal(bt_stats(arena(), self).granted_bytes, 112);
    arena()->destroy(self);
}

static void arena_free_all_rewinds_and_reuses(void **state)
{
    (void)state;
    void *self = make_block("4096");
    unsigned char *first = arena()->alloc(self, 64, 16);
    size_t n = 1;
    while (bt_mappings_of(arena(), self).n < 3) {
        assert_non_null(arena()->alloc(self, 64, 16));
        n++;
    }
    arena()->free_all(self);
    struct pb_backend_stats st = bt_stats(arena(), self);
    assert_int_equal(st.granted_bytes, 0);
    assert_int_equal(st.live_blocks, 0);
    assert_int_equal(st.footprint_bytes, 3 * 4096); /* standard blocks are kept */
    assert_int_equal(st.free_alls, 1);
    assert_ptr_equal(arena()->alloc(self, 64, 16), first);
    for (size_t i = 1; i < n; i++) {
        unsigned char *p = arena()->alloc(self, 64, 16);
        assert_non_null(p);
        bt_fill(p, 64, (unsigned)i);
    }
    assert_int_equal(bt_mappings_of(arena(), self).n, 3); /* the same blocks served it again */
    assert_int_equal(bt_stats(arena(), self).peak_footprint_bytes, 3 * 4096);
    arena()->destroy(self);
}

static void arena_grows_across_blocks(void **state)
{
    (void)state;
    void *self = make_block("4096");
    unsigned char *p = arena()->alloc(self, 64, 16);
    unsigned char *prev = p;
    size_t n = 1;
    for (;;) {
        p = arena()->alloc(self, 64, 16);
        assert_non_null(p);
        if (bt_mappings_of(arena(), self).n == 2)
            break;
        assert_ptr_equal(p, prev + 64); /* contiguous within a block */
        prev = p;
        n++;
    }
    assert_true(n >= 4096 / 64 - 1 && n < 4096 / 64); /* only the header is not data */
    struct bt_mappings l = bt_mappings_of(arena(), self);
    assert_int_equal(mapping_of(&l, prev), 0);
    assert_int_equal(mapping_of(&l, p), 1);
    assert_int_equal(l.m[1].len, 4096);
    assert_int_equal(bt_stats(arena(), self).footprint_bytes, 2 * 4096);
    assert_int_equal(bt_stats(arena(), self).granted_bytes, (n + 1) * 64);
    arena()->destroy(self);
}

static void arena_large_request_gets_its_own_block(void **state)
{
    (void)state;
    void *self = make_block("4096");
    unsigned char *a = arena()->alloc(self, 100, 16);
    unsigned char *big = arena()->alloc(self, 10000, 64);
    assert_non_null(big);
    assert_int_equal((uintptr_t)big % 64, 0);
    bt_fill(big, 10000, 9);
    struct bt_mappings l = bt_mappings_of(arena(), self);
    assert_int_equal(l.n, 2);
    int k = mapping_of(&l, big);
    assert_true(k >= 0 && mapping_of(&l, a) != k);
    assert_true(l.m[k].len >= 10000 && l.m[k].len % 4096 == 0);
    unsigned char *b = arena()->alloc(self, 100, 16);
    assert_ptr_equal(b, a + 112); /* the current block is still being bumped */
    bt_verify(big, 10000, 9);
    size_t big_len = l.m[k].len;
    assert_int_equal(bt_stats(arena(), self).footprint_bytes, 4096 + big_len);
    arena()->free_all(self);
    assert_int_equal(bt_mappings_of(arena(), self).n, 1); /* dedicated blocks are unmapped */
    struct pb_backend_stats st = bt_stats(arena(), self);
    assert_int_equal(st.footprint_bytes, 4096);
    assert_int_equal(st.peak_footprint_bytes, 4096 + big_len);
    arena()->destroy(self);
}

static void arena_realloc_resizes_the_last_block_in_place(void **state)
{
    (void)state;
    void *self = make_block("4096");
    unsigned char *p = arena()->alloc(self, 100, 16);
    bt_fill(p, 100, 1);
    assert_ptr_equal(arena()->realloc(self, p, 100, 200, 16), p);
    assert_int_equal(bt_stats(arena(), self).granted_bytes, 208);
    assert_ptr_equal(arena()->realloc(self, p, 200, 50, 16), p);
    assert_int_equal(bt_stats(arena(), self).granted_bytes, 64);
    unsigned char *q = arena()->alloc(self, 10, 16);
    assert_ptr_equal(q, p + 64); /* the shrink gave the bytes back to the bump */
    /* p is no longer the most recent block: it moves, keeping its bytes. */
    unsigned char *r = arena()->realloc(self, p, 50, 300, 16);
    assert_non_null(r);
    assert_ptr_not_equal(r, p);
    bt_verify(r, 50, 1);
    /* q and r; p's bytes are dead */
    assert_int_equal(bt_stats(arena(), self).granted_bytes, 16 + 304);
    /* Too large for the block: moves to a dedicated block. */
    bt_fill(r, 300, 2);
    unsigned char *s = arena()->realloc(self, r, 300, 5000, 16);
    assert_non_null(s);
    bt_verify(s, 300, 2);
    struct pb_backend_stats st = bt_stats(arena(), self);
    assert_int_equal(st.reallocs, 4);
    assert_int_equal(st.allocs, 2);
    assert_int_equal(st.live_blocks, 2);
    assert_non_null(arena()->realloc(self, NULL, 0, 8, 8)); /* makes a block */
    assert_int_equal(arena()->free(self, NULL, 0), 0);     /* releases none */
    st = bt_stats(arena(), self);
    assert_int_equal(st.live_blocks, 3);
    assert_int_equal(st.frees, 1);
    arena()->free_all(self);
    assert_int_equal(bt_stats(arena(), self).live_blocks, 0);
    assert_non_null(arena()->alloc(self, 8, 8));
    assert_int_equal(bt_stats(arena(), self).live_blocks, 1);
    arena()->destroy(self);
}

static void arena_refuses_bad_requests(void **state)
{
    (void)state;
    void *self = make_block(NULL);
    assert_null(arena()->alloc(self, 16, 8192));
    assert_non_null(strstr(arena()->last_error(self), "alignment 8192"));
    assert_null(arena()->alloc(self, 16, 24));
    assert_non_null(strstr(arena()->last_error(self), "alignment 24 is not a power of two"));
    assert_null(arena()->alloc(self, (size_t)1 << 62, 16));
    assert_non_null(strstr(arena()->last_error(self), "request of 4611686018427387904 bytes"));
    assert_null(arena()->alloc(self, SIZE_MAX, 16));
    assert_non_null(strstr(arena()->last_error(self), "too large"));
    struct pb_backend_stats st = bt_stats(arena(), self);
    assert_int_equal(st.failures, 4);
    assert_int_equal(st.allocs, 0);
    assert_int_equal(st.footprint_bytes, 0);
    assert_non_null(arena()->alloc(self, 16, 4096)); /* still works */
    arena()->destroy(self);
}

/* The header at each block's start (its chain link, then its length), overwritten. */
static void arena_check_catches_bad_block_header(void **state)
{
    (void)state;
    void *self = make_block("4096");
    while (bt_mappings_of(arena(), self).n < 2)
        assert_non_null(arena()->alloc(self, 64, 16));
    bt_check_ok(arena(), self);
    struct bt_mappings l = bt_mappings_of(arena(), self);
    void **first = l.m[0].addr; /* the first block's header: next, len */
    void *second = first[0];
    assert_ptr_equal(second, l.m[1].addr);
    first[0] = NULL; /* the chain loses the current block */
    bt_check_fails(arena(), self, "the current block is not in the chain of standard blocks");
    first[0] = first; /* a cycle */
    bt_check_fails(arena(), self, "or the chain is longer than the footprint");
    first[0] = second;
    size_t *len = (size_t *)&first[1];
    *len += 4096;
    bt_check_fails(arena(), self, "standard block 0 at");
    *len -= 4096;
    bt_check_ok(arena(), self);
    arena()->destroy(self);
}

static void arena_config_and_bad_options(void **state)
{
    (void)state;
    void *self = make_block("5000");
    struct pb_config_entry cfg[2];
    assert_int_equal(arena()->config(self, cfg, 2), 1);
    assert_string_equal(cfg[0].key, "block");
    assert_int_equal(strtoull(cfg[0].value, NULL, 10) % 4096, 0); /* whole pages */
    assert_true(strtoull(cfg[0].value, NULL, 10) >= 5000);
    arena()->destroy(self);
    self = make_block(NULL);
    assert_int_equal(arena()->config(self, cfg, 2), 1);
    assert_string_equal(cfg[0].value, "1048576");
    arena()->destroy(self);

    const char *bad[] = {"100", "abc", "0", "2048G"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct pb_option o[] = {{"block", bad[i]}};
        void *s = NULL;
        char err[PB_ERR_MAX] = "";
        assert_int_equal(arena()->create(o, 1, &s, err, sizeof err), -1);
        assert_null(s);
        char want[64];
        snprintf(want, sizeof want, "block=%s is not a size", bad[i]);
        assert_non_null(strstr(err, want));
    }
    struct pb_option unknown[] = {{"chunk", "64"}};
    void *s = NULL;
    char err[PB_ERR_MAX] = "";
    assert_int_equal(arena()->create(unknown, 1, &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "unknown option 'chunk'"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(arena_bumps_in_granules_with_exact_padding),
        cmocka_unit_test(arena_free_is_a_counted_noop),
        cmocka_unit_test(arena_free_all_rewinds_and_reuses),
        cmocka_unit_test(arena_grows_across_blocks),
        cmocka_unit_test(arena_large_request_gets_its_own_block),
        cmocka_unit_test(arena_realloc_resizes_the_last_block_in_place),
        cmocka_unit_test(arena_refuses_bad_requests),
        cmocka_unit_test(arena_check_catches_bad_block_header),
        cmocka_unit_test(arena_config_and_bad_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
