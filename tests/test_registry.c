/* test_registry.c -- the backend registry and the option helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "pb_backend.h"

static void every_backend_is_complete(void **state)
{
    (void)state;
    size_t n = 0;
    for (size_t i = 0; pb_backends[i]; i++, n++) {
        const struct pb_backend_ops *ops = pb_backends[i];
        assert_int_equal(ops->version, PB_BACKEND_API_VERSION);
        assert_non_null(ops->name);
        assert_true(strlen(ops->description) > 10);
        assert_non_null(ops->create);
        assert_non_null(ops->alloc);
        assert_non_null(ops->free);
        assert_non_null(ops->stats);
        assert_non_null(ops->config);
        assert_non_null(ops->last_error);
        assert_non_null(ops->destroy);
        if (ops->flags & PB_BK_FREE_ALL)
            assert_non_null(ops->free_all);
        if (ops->flags & PB_BK_OWN_MAPPINGS) {
            assert_non_null(ops->mappings);
            assert_non_null(ops->check); /* it holds memory of its own: state to verify */
        }
        if (ops->flags & PB_BK_FIXED_SIZE)
            assert_non_null(ops->class_stats); /* its one row gives the size it serves */
        if (ops->flags & PB_BK_TAGGED)
            assert_non_null(ops->alloc_tagged);
        assert_ptr_equal(pb_backend_find(ops->name), ops);
    }
    assert_true(n >= 1);
    assert_null(pb_backend_find("no-such-backend"));
}

/* A program's own backends, linked beside the core (pb_backends_extra): one
 * built against this API, one against the next version. */
static void *extra_alloc(void *self, size_t size, size_t align)
{
    (void)self;
    (void)size;
    (void)align;
    return NULL;
}

static const struct pb_backend_ops extra_current = {
    .version = PB_BACKEND_API_VERSION,
    .name = "extra-current",
    .alloc = extra_alloc,
};

static const struct pb_backend_ops extra_newer = {
    .version = PB_BACKEND_API_VERSION + 1,
    .name = "extra-newer",
    .alloc = extra_alloc,
};

const struct pb_backend_ops *const pb_backends_extra[] = {&extra_current, &extra_newer, NULL};

static void extra_table_is_searched(void **state)
{
    (void)state;
    char err[PB_ERR_MAX] = "";
    assert_ptr_equal(pb_backend_find("extra-current"), &extra_current);
    assert_ptr_equal(pb_backend_lookup("extra-current", err, sizeof err), &extra_current);
    assert_ptr_equal(pb_backend_find("pool"), pb_backends[0]); /* the registry first */
    assert_null(pb_backend_lookup("extra-missing", err, sizeof err));
    /* every name in the message, the extra table's too; no close one to suggest */
    assert_non_null(strstr(err, "unknown backend 'extra-missing'; backends: pool, arena, "));
    assert_non_null(strstr(err, ", extra-current"));
    assert_null(strstr(err, "did you mean"));
    assert_null(pb_backend_lookup("extra-curent", err, sizeof err));
    assert_non_null(strstr(err, "unknown backend 'extra-curent' (did you mean 'extra-current'?)"));
    assert_null(pb_backend_lookup("mallco", err, sizeof err));
    assert_non_null(strstr(err, "unknown backend 'mallco' (did you mean 'malloc'?); backends: "));
}

static void other_api_version_is_refused(void **state)
{
    (void)state;
    char err[PB_ERR_MAX] = "", want[PB_ERR_MAX];
    assert_null(pb_backend_find("extra-newer"));
    assert_null(pb_backend_lookup("extra-newer", err, sizeof err));
    snprintf(want, sizeof want,
             "backend 'extra-newer' was built against backend API version %d, not %d: "
             "rebuild it",
             PB_BACKEND_API_VERSION + 1, PB_BACKEND_API_VERSION);
    assert_string_equal(err, want);
}

static void core_backends_registered_in_order(void **state)
{
    (void)state;
    const char *names[] = {"pool", "arena", "malloc", "null"};
    const unsigned flags[] = {
        PB_BK_OWN_MAPPINGS | PB_BK_FREE_ALL | PB_BK_FIXED_SIZE,
        PB_BK_OWN_MAPPINGS | PB_BK_FREE_ALL | PB_BK_FREE_NOOP,
        PB_BK_THREAD_SAFE,
        PB_BK_FREE_NOOP | PB_BK_FREE_ALL | PB_BK_NO_MEMORY | PB_BK_BASELINE,
    };
    for (size_t i = 0; i < 4; i++) {
        assert_non_null(pb_backends[i]);
        assert_string_equal(pb_backends[i]->name, names[i]);
        assert_int_equal(pb_backends[i]->flags, flags[i]);
    }
}

static void option_get_last_wins(void **state)
{
    (void)state;
    struct pb_option o[] = {{"chunk", "32"}, {"slab", "4096"}, {"chunk", "48"}};
    assert_string_equal(pb_option_get(o, 3, "chunk"), "48");
    assert_string_equal(pb_option_get(o, 3, "slab"), "4096");
    assert_null(pb_option_get(o, 3, "align"));
}

static void options_check_rejects_unknown_key(void **state)
{
    (void)state;
    char err[PB_ERR_MAX] = "";
    const struct pb_backend_ops *null = pb_backend_find("null");
    assert_non_null(null);
    struct pb_option bad[] = {{"chunck", "32"}};
    assert_int_equal(pb_options_check(null, bad, 1, err, sizeof err), -1);
    assert_non_null(strstr(err, "chunck"));
    struct pb_option good[] = {{"buffer", "64k"}};
    assert_int_equal(pb_options_check(null, good, 1, err, sizeof err), 0);
}

static void parse_size_accepts_suffixes_and_hex(void **state)
{
    (void)state;
    size_t v = 0;
    assert_int_equal(pb_parse_size("4096", &v), 0);
    assert_int_equal(v, 4096);
    assert_int_equal(pb_parse_size("64k", &v), 0);
    assert_int_equal(v, 65536);
    assert_int_equal(pb_parse_size("1M", &v), 0);
    assert_int_equal(v, 1 << 20);
    assert_int_equal(pb_parse_size("0x1000", &v), 0);
    assert_int_equal(v, 4096);
    assert_int_equal(pb_parse_size("16G", &v), 0);
    assert_int_equal(v, (size_t)16 << 30);
    assert_int_equal(pb_parse_size("020", &v), 0); /* decimal, never octal */
    assert_int_equal(v, 20);
}

static void parse_size_rejects_garbage(void **state)
{
    (void)state;
    size_t v = 7;
    assert_int_equal(pb_parse_size("", &v), -1);
    assert_int_equal(pb_parse_size("-1", &v), -1);
    assert_int_equal(pb_parse_size("12x", &v), -1);
    assert_int_equal(pb_parse_size("k", &v), -1);
    assert_int_equal(pb_parse_size("99999999999999999999", &v), -1);
    assert_int_equal(pb_parse_size(NULL, &v), -1);
    assert_int_equal(pb_parse_size("0x", &v), -1);
    assert_int_equal(pb_parse_size("1T", &v), -1);
    assert_int_equal(v, 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_backend_is_complete),
        cmocka_unit_test(core_backends_registered_in_order),
        cmocka_unit_test(extra_table_is_searched),
        cmocka_unit_test(other_api_version_is_refused),
        cmocka_unit_test(option_get_last_wins),
        cmocka_unit_test(options_check_rejects_unknown_key),
        cmocka_unit_test(parse_size_accepts_suffixes_and_hex),
        cmocka_unit_test(parse_size_rejects_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
