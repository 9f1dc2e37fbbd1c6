/* test_null.c -- the null backend: the harness's cost, no bookkeeping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "pb_backend.h"

static void *make(const struct pb_option *o, size_t n)
{
    void *self = NULL;
    char err[PB_ERR_MAX] = "";
    assert_int_equal(pb_backend_find("null")->create(o, n, &self, err, sizeof err), 0);
    return self;
}

/* Every block is one address: mid-page up to 2048-byte alignment, the page above. */
static void null_every_block_is_one_address(void **state)
{
    (void)state;
    const struct pb_backend_ops *ops = pb_backend_find("null");
    void *self = make(NULL, 0);
    unsigned char *mid = ops->alloc(self, 100, 1);
    assert_int_equal((uintptr_t)mid % 4096, 2048);
    for (size_t align = 1; align <= 2048; align <<= 1)
        assert_ptr_equal(ops->alloc(self, 100, align), mid);
    assert_ptr_equal(ops->alloc(self, 0, 16), mid);
    assert_ptr_equal(ops->realloc(self, mid, 100, 5000, 16), mid);
    assert_ptr_equal(ops->alloc(self, 100, 4096), mid - 2048);
    struct pb_backend_stats st;
    ops->stats(self, &st);
    assert_int_equal(st.footprint_bytes, 0); /* no memory figures at all */
    assert_int_equal(st.granted_bytes, 0);
    assert_int_equal(st.live_blocks, 0);
    ops->destroy(self);
}

static void null_refuses_more_than_its_buffer(void **state)
{
    (void)state;
    const struct pb_backend_ops *ops = pb_backend_find("null");
    struct pb_option o[] = {{"buffer", "64k"}};
    void *self = make(o, 1);
    unsigned char *whole = ops->alloc(self, 65536, 16);
    assert_non_null(whole);
    memset(whole, 0x5a, 65536); /* the whole block is mapped, mid-page start or not */
    unsigned char *paged = ops->alloc(self, 65536, 4096);
    assert_int_equal((uintptr_t)paged % 4096, 0);
    memset(paged, 0x5a, 65536);
    assert_null(ops->alloc(self, 65537, 16));
    assert_non_null(strstr(ops->last_error(self), "65537"));
    struct pb_config_entry cfg[4];
    assert_int_equal(ops->config(self, cfg, 4), 1);
    assert_string_equal(cfg[0].key, "buffer");
    assert_string_equal(cfg[0].value, "65536");
    ops->destroy(self);
}

static void null_rejects_bad_options(void **state)
{
    (void)state;
    const struct pb_backend_ops *ops = pb_backend_find("null");
    void *self = NULL;
    char err[PB_ERR_MAX] = "";
    struct pb_option small[] = {{"buffer", "12"}};
    assert_int_equal(ops->create(small, 1, &self, err, sizeof err), -1);
    assert_non_null(strstr(err, "buffer=12"));
    struct pb_option unknown[] = {{"chunk", "12"}};
    assert_int_equal(ops->create(unknown, 1, &self, err, sizeof err), -1);
    assert_null(self);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(null_every_block_is_one_address),
        cmocka_unit_test(null_refuses_more_than_its_buffer),
        cmocka_unit_test(null_rejects_bad_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
