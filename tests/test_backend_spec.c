/* test_backend_spec.c -- "pool:chunk=48,arena,malloc" parsing, good and bad. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "backend_spec.h"

static void parses_name_and_options(void **state)
{
    (void)state;
    struct pb_backend_spec s;
    char err[256] = "";
    assert_int_equal(pb_backend_spec_parse("null:buffer=64k", &s, err, sizeof err), 0);
    assert_ptr_equal(s.ops, pb_backend_find("null"));
    assert_string_equal(s.text, "null:buffer=64k");
    assert_int_equal(s.n_opts, 1);
    assert_string_equal(s.opts[0].key, "buffer");
    assert_string_equal(s.opts[0].value, "64k");
    assert_int_equal(pb_backend_spec_parse("null", &s, err, sizeof err), 0);
    assert_int_equal(s.n_opts, 0);
}

static void parses_a_list(void **state)
{
    (void)state;
    struct pb_backend_spec s[4];
    char err[256] = "";
    int n = pb_backend_spec_parse_list("null:buffer=1M,null,null:buffer=8k:buffer=16k", s, 4,
                                       err, sizeof err);
    assert_int_equal(n, 3);
    assert_string_equal(s[0].opts[0].value, "1M");
    assert_int_equal(s[1].n_opts, 0);
    assert_int_equal(s[2].n_opts, 2);
    assert_string_equal(pb_option_get(s[2].opts, s[2].n_opts, "buffer"), "16k");
}

/* ':' or ',' before each option; after a ',' a word without '=' is the next backend. */
static void commas_between_options(void **state)
{
    (void)state;
    struct pb_backend_spec s[4];
    char err[256] = "";
    int n = pb_backend_spec_parse_list("null:buffer=1M,buffer=2M,null,null,buffer=8k:buffer=16k",
                                       s, 4, err, sizeof err);
    assert_int_equal(n, 3);
    assert_int_equal(s[0].n_opts, 2);
    assert_string_equal(pb_option_get(s[0].opts, s[0].n_opts, "buffer"), "2M");
    assert_string_equal(s[0].text, "null:buffer=1M:buffer=2M"); /* written with ':' */
    assert_int_equal(s[1].n_opts, 0);
    assert_string_equal(s[1].text, "null");
    assert_int_equal(s[2].n_opts, 2);
    assert_string_equal(s[2].text, "null:buffer=8k:buffer=16k");
    /* one spec: any ',' is a ':' */
    assert_int_equal(pb_backend_spec_parse("null,buffer=64k", s, err, sizeof err), 0);
    assert_string_equal(s[0].text, "null:buffer=64k");
    assert_string_equal(s[0].opts[0].value, "64k");
    /* a bare path after the name, then the next backend */
    n = pb_backend_spec_parse_list("preload:/a/b.so,null:buffer=4k", s, 4, err, sizeof err);
    assert_int_equal(n, 2);
    assert_string_equal(pb_option_get(s[0].opts, s[0].n_opts, "lib"), "/a/b.so");
    assert_string_equal(s[1].text, "null:buffer=4k");
    /* a bare word after a ',' is a backend, even a misspelt one */
    assert_int_equal(pb_backend_spec_parse_list("null:buffer=4k,nul", s, 4, err, sizeof err), -1);
    assert_non_null(strstr(err, "unknown backend 'nul'"));
}

static void rejects_bad_specs(void **state)
{
    (void)state;
    struct pb_backend_spec s[2];
    char err[256];
    struct {
        const char *text, *want;
    } bad[] = {
        {"nosuch", "unknown backend 'nosuch'"},
        {"null:chunk=48", "unknown option 'chunk'"},
        {"null:buffer", "not key=value"},
        {"null:=4", "not key=value"},
        {"null:buffer=", "not key=value"},
        {"null,,null", "empty backend name"},
        {"", "empty backend name"},
        {":buffer=4k", "empty backend name"},
        {"null,null,null", "too many backends"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_int_equal(pb_backend_spec_parse_list(bad[i].text, s, 2, err, sizeof err), -1);
        if (!strstr(err, bad[i].want))
            fail_msg("'%s' gave '%s', wanted '%s'", bad[i].text, err, bad[i].want);
    }
}

/* A bare path right after the name is the backend's first option; a bare word is not. */
static void path_shorthand(void **state)
{
    (void)state;
    struct pb_backend_spec s;
    char err[256] = "";
    assert_int_equal(pb_backend_spec_parse("preload:/usr/lib/libx.so", &s, err, sizeof err), 0);
    assert_int_equal(s.n_opts, 1);
    assert_string_equal(s.opts[0].key, "lib");
    assert_string_equal(s.opts[0].value, "/usr/lib/libx.so");
    assert_string_equal(s.text, "preload:/usr/lib/libx.so");
    assert_int_equal(pb_backend_spec_parse("preload:lib=/a/b.so", &s, err, sizeof err), 0);
    assert_string_equal(pb_option_get(s.opts, s.n_opts, "lib"), "/a/b.so");
    assert_int_equal(pb_backend_spec_parse("null:4096", &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "not key=value"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_name_and_options),
        cmocka_unit_test(parses_a_list),
        cmocka_unit_test(commas_between_options),
        cmocka_unit_test(rejects_bad_specs),
        cmocka_unit_test(path_shorthand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
