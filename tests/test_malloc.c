/* test_malloc.c -- the malloc backend: the C library's allocator, counted exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "backend_test.h"
#include "pb_backend.h"

/* Under AddressSanitizer a failed allocation must return NULL, as glibc's does,
 * instead of aborting: the refusal test asks for an impossible size. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}

static const struct pb_backend_ops *lib(void)
{
    return bt_ops("malloc");
}

static struct pb_backend_stats stats_of(void *self)
{
    return bt_stats(lib(), self);
}

/* An instance as the memory pass uses it: stats asked before the first alloc,
 * so granted bytes are counted from the start. */
static void *make(void)
{
    void *self = NULL;
    char err[PB_ERR_MAX] = "";
    if (lib()->create(NULL, 0, &self, err, sizeof err))
        fail_msg("malloc create failed: %s", err);
    assert_int_equal(stats_of(self).granted_bytes, 0);
    return self;
}

static void malloc_granted_is_usable_size(void **state)
{
    (void)state;
    void *self = make();
    enum { N = 50 };
    void *p[N];
    size_t expect = 0;
    for (unsigned i = 0; i < N; i++) {
        p[i] = lib()->alloc(self, 1 + i * 37, i % 2 ? 16 : 64);
        expect += malloc_usable_size(p[i]);
    }
    struct pb_backend_stats st = stats_of(self);
    assert_int_equal(st.granted_bytes, expect);
    assert_int_equal(st.live_blocks, N);
    for (unsigned i = 0; i < N; i += 2) {
        expect -= malloc_usable_size(p[i]);
        lib()->free(self, p[i], 1 + i * 37);
    }
    assert_int_equal(stats_of(self).granted_bytes, expect);
    for (unsigned i = 1; i < N; i += 2)
        lib()->free(self, p[i], 1 + i * 37);
    st = stats_of(self);
    assert_int_equal(st.granted_bytes, 0);
    assert_int_equal(st.live_blocks, 0);
    assert_int_equal(st.allocs, N);
    assert_int_equal(st.frees, N);
    lib()->destroy(self);
}

static void malloc_reuse_after_free(void **state)
{
    (void)state;
    void *self = make();
    void *p = lib()->alloc(self, 64, 16);
    size_t usable = malloc_usable_size(p);
    assert_int_equal(lib()->free(self, p, 64), 0);
    void *q = lib()->alloc(self, 64, 16);
    assert_non_null(q);
#ifndef __SANITIZE_ADDRESS__
    assert_ptr_equal(q, p); /* glibc's tcache hands back the chunk just freed */
#endif
    struct pb_backend_stats st = stats_of(self);
    assert_int_equal(st.live_blocks, 1);
    assert_int_equal(st.granted_bytes, malloc_usable_size(q));
    assert_int_equal(malloc_usable_size(q), usable);
    lib()->free(self, q, 64);
    lib()->destroy(self);
}

static void malloc_realloc_keeps_contents_and_alignment(void **state)
{
    (void)state;
    void *self = make();
    unsigned char *p = lib()->alloc(self, 100, 16);
    bt_fill(p, 100, 1);
    p = lib()->realloc(self, p, 100, 5000, 16);
    assert_non_null(p);
    bt_verify(p, 100, 1);
    assert_int_equal(stats_of(self).granted_bytes, malloc_usable_size(p));
    unsigned char *a = lib()->alloc(self, 300, 256);
    bt_fill(a, 300, 2);
    a = lib()->realloc(self, a, 300, 1000, 256);
    assert_non_null(a);
    assert_int_equal((uintptr_t)a % 256, 0);
    bt_verify(a, 300, 2);
    a = lib()->realloc(self, a, 1000, 10, 256);
    assert_int_equal((uintptr_t)a % 256, 0);
    bt_verify(a, 10, 2);
    struct pb_backend_stats st = stats_of(self);
    assert_int_equal(st.granted_bytes, malloc_usable_size(p) + malloc_usable_size(a));
    assert_int_equal(st.reallocs, 3);
    assert_int_equal(st.allocs, 2);
    assert_int_equal(st.live_blocks, 2);
    lib()->free(self, p, 5000);
    lib()->free(self, a, 10);
    assert_int_equal(stats_of(self).granted_bytes, 0);
    lib()->destroy(self);
}

static void malloc_refuses_bad_requests(void **state)
{
    (void)state;
    void *self = make();
    assert_null(lib()->alloc(self, 16, 24));
    assert_non_null(strstr(lib()->last_error(self), "alignment 24 is not a power of two"));
    assert_null(lib()->alloc(self, 16, 8192));
    assert_non_null(strstr(lib()->last_error(self), "alignment 8192"));
    assert_null(lib()->alloc(self, SIZE_MAX / 2, 16));
    assert_non_null(strstr(lib()->last_error(self), "cannot allocate 9223372036854775807 bytes"));
    assert_null(lib()->alloc(self, SIZE_MAX / 2, 64));
    unsigned char *p = lib()->alloc(self, 10, 16);
    bt_fill(p, 10, 4);
    assert_null(lib()->realloc(self, p, 10, SIZE_MAX / 2, 16));
    assert_non_null(strstr(lib()->last_error(self), "cannot resize"));
    bt_verify(p, 10, 4); /* the old block is intact */
    struct pb_backend_stats st = stats_of(self);
    assert_int_equal(st.failures, 5);
    assert_int_equal(st.allocs, 1);
    assert_int_equal(st.granted_bytes, malloc_usable_size(p));
    lib()->free(self, p, 10);
    lib()->destroy(self);
}

static void malloc_footprint_from_mallinfo2(void **state)
{
    (void)state;
    void *self = make();
    struct mallinfo2 mi = mallinfo2();
    struct pb_backend_stats st = stats_of(self);
    assert_int_equal(st.footprint_bytes, mi.arena + mi.hblkhd);
    assert_true(st.peak_footprint_bytes >= st.footprint_bytes);
#ifndef __SANITIZE_ADDRESS__ /* ASan's allocator is not glibc's: mallinfo2 cannot see it */
    size_t before = st.footprint_bytes;
    void *big = lib()->alloc(self, 8 << 20, 16); /* above the mmap threshold */
    st = stats_of(self);
    assert_true(st.footprint_bytes >= before + (8 << 20));
    size_t high = st.footprint_bytes;
    lib()->free(self, big, 8 << 20);
    st = stats_of(self);
    assert_true(st.footprint_bytes < high);
    assert_int_equal(st.peak_footprint_bytes, high); /* the sample stays */
    /* without mallinfo2 after the first sample: the same figure through heap
     * growth, mmapped blocks (aligned ones too), a realloc across the mmap
     * threshold and frees */
    void *small[64];
    for (int i = 0; i < 64; i++)
        small[i] = lib()->alloc(self, 4000 + (size_t)i * 100, 16);
    void *aligned = lib()->alloc(self, 3 << 20, 4096);
    void *grown = lib()->realloc(self, lib()->alloc(self, 100, 16), 100, 5 << 20, 16);
    st = stats_of(self);
    mi = mallinfo2();
    assert_int_equal(st.footprint_bytes, mi.arena + mi.hblkhd);
    for (int i = 0; i < 64; i += 2)
        lib()->free(self, small[i], 0);
    lib()->free(self, aligned, 3 << 20);
    grown = lib()->realloc(self, grown, 5 << 20, 200, 16);
    st = stats_of(self);
    mi = mallinfo2();
    assert_int_equal(st.footprint_bytes, mi.arena + mi.hblkhd);
    for (int i = 1; i < 64; i += 2)
        lib()->free(self, small[i], 0);
    lib()->free(self, grown, 200);
#endif
    lib()->destroy(self);
}

static void malloc_has_no_options(void **state)
{
    (void)state;
    struct pb_option o[] = {{"chunk", "64"}};
    void *self = NULL;
    char err[PB_ERR_MAX] = "";
    assert_int_equal(lib()->create(o, 1, &self, err, sizeof err), -1);
    assert_null(self);
    assert_non_null(strstr(err, "unknown option 'chunk'"));
    self = make();
    struct pb_config_entry cfg[2];
    assert_int_equal(lib()->config(self, cfg, 2), 1);
    assert_string_equal(cfg[0].key, "library");
    assert_non_null(strstr(cfg[0].value, "glibc"));
    assert_true(lib()->flags & PB_BK_THREAD_SAFE);
    assert_null(lib()->free_all);
    lib()->destroy(self);
}

static void malloc_counts_only_once_asked(void **state)
{
    (void)state;
    void *self = NULL;
    char err[PB_ERR_MAX] = "";
    assert_int_equal(lib()->create(NULL, 0, &self, err, sizeof err), 0);
    /* a timed replay: no stats asked, so no usable-size calls and no counters */
    void *early = lib()->alloc(self, 100, 16);
    assert_non_null(early);
    assert_int_equal(lib()->free(self, lib()->alloc(self, 10, 16), 10), 0);
    struct pb_backend_stats st = stats_of(self);
    assert_int_equal(st.granted_bytes, 0);
    assert_int_equal(st.live_blocks, 0);
    assert_int_equal(st.allocs, 0);
    assert_int_equal(st.frees, 0);
    /* from the first stats call on, everything is counted */
    void *late = lib()->alloc(self, 100, 16);
    st = stats_of(self);
    assert_int_equal(st.granted_bytes, malloc_usable_size(late));
    assert_int_equal(st.live_blocks, 1);
    assert_int_equal(st.allocs, 1);
    assert_int_equal(lib()->free(self, late, 100), 0);
    /* a block made before counting began is freed without underflow */
    assert_int_equal(lib()->free(self, early, 100), 0);
    st = stats_of(self);
    assert_int_equal(st.granted_bytes, 0);
    assert_int_equal(st.live_blocks, 0);
    assert_int_equal(st.frees, 2);
    lib()->destroy(self);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(malloc_counts_only_once_asked),
        cmocka_unit_test(malloc_granted_is_usable_size),
        cmocka_unit_test(malloc_reuse_after_free),
        cmocka_unit_test(malloc_realloc_keeps_contents_and_alignment),
        cmocka_unit_test(malloc_refuses_bad_requests),
        cmocka_unit_test(malloc_footprint_from_mallinfo2),
        cmocka_unit_test(malloc_has_no_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
