/* test_opts.c -- the option rules every command applies (pb_opt_check) and the
 * one syntax of spec lists (pb_spec_list_next). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "pb_opts.h"

enum { O_FORMAT = 256, O_REPEAT, O_LOG };

static const struct option longopts[] = {
    {"output", required_argument, NULL, 'o'},
    {"workload", required_argument, NULL, 'w'},
    {"format", required_argument, NULL, O_FORMAT},
    {"repeat", required_argument, NULL, O_REPEAT},
    {"log", no_argument, NULL, O_LOG},
    {NULL, 0, NULL, 0},
};
static const struct pb_opt_number numbers[] = {
    {O_REPEAT, {"--repeat", 1, 100}},
    {0, {NULL, 0, 0}},
};
static const struct pb_opts rules = {"o:w:", longopts, "w", numbers};

/* pb_opt_check's message for c with value after the options in before[] (NULL: ok). */
static const char *check(const int *before, size_t n, int c, const char *value)
{
    static char err[160];
    unsigned seen = 0;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        assert_int_equal(pb_opt_check(&rules, before[i], "5", &seen, &v, err, sizeof err), 0);
    err[0] = '\0';
    return pb_opt_check(&rules, c, value, &seen, &v, err, sizeof err) ? err : NULL;
}

static void once_each(void **state)
{
    (void)state;
    const int o[] = {'o'}, f[] = {O_FORMAT}, w[] = {'w', 'w'}, l[] = {O_LOG};
    assert_string_equal(check(o, 1, 'o', "b"), "-o/--output given twice (it takes one value)");
    assert_string_equal(check(f, 1, O_FORMAT, "svg"), "--format given twice (it takes one value)");
    assert_null(check(w, 2, 'w', "gc")); /* repeatable */
    assert_null(check(l, 1, O_LOG, NULL)); /* no value: a flag may come again */
    assert_null(check(o, 1, O_FORMAT, "png")); /* another option */
    assert_null(check(NULL, 0, '?', NULL)); /* getopt's own error: left to the command */
}

static void no_empty_values(void **state)
{
    (void)state;
    assert_string_equal(check(NULL, 0, 'o', ""), "-o/--output given an empty value ('')");
    assert_string_equal(check(NULL, 0, 'w', ""), "-w/--workload given an empty value ('')");
    assert_string_equal(check(NULL, 0, O_FORMAT, ""), "--format given an empty value ('')");
}

static void numbers_read_against_their_range(void **state)
{
    (void)state;
    unsigned seen = 0;
    uint64_t v = 0;
    char err[160] = "";
    assert_int_equal(pb_opt_check(&rules, O_REPEAT, "42", &seen, &v, err, sizeof err), 0);
    assert_int_equal(v, 42);
    assert_string_equal(check(NULL, 0, O_REPEAT, "0"),
                        "--repeat '0' is out of range: give an integer from 1 to 100");
    assert_string_equal(check(NULL, 0, O_REPEAT, ""),
                        "--repeat '' is not a number: give an integer from 1 to 100");
    const int r[] = {O_REPEAT};
    assert_string_equal(check(r, 1, O_REPEAT, "5"), "--repeat given twice (it takes one value)");
}

/* list split by pb_spec_list_next, the specs joined with " | ". */
static const char *split(const char *list)
{
    static char out[256];
    out[0] = '\0';
    for (const char *p = list, *sep = "";; sep = " | ") {
        size_t len = pb_spec_list_next(p);
        size_t used = strlen(out);
        snprintf(out + used, sizeof out - used, "%s%.*s", sep, (int)len, p);
        if (p[len] == '\0')
            return out;
        p += len + 1;
    }
}

static void spec_lists(void **state)
{
    (void)state;
    assert_string_equal(split("pool"), "pool");
    assert_string_equal(split("pool,malloc"), "pool | malloc");
    /* ':' or ',' between options: an item with '=' belongs to the spec before */
    assert_string_equal(split("pool:chunk=48,slab=16k"), "pool:chunk=48,slab=16k");
    assert_string_equal(split("pool:chunk=48:slab=16k,arena"), "pool:chunk=48:slab=16k | arena");
    assert_string_equal(split("pool:chunk=48,slab=16k,malloc,arena:block=1M"),
                        "pool:chunk=48,slab=16k | malloc | arena:block=1M");
    /* the word after ',' runs to the next ',' or ':': a name with options of its own */
    assert_string_equal(split("malloc,pool:chunk=48,null"), "malloc | pool:chunk=48 | null");
    assert_string_equal(split("churn:size=64,live=1000"), "churn:size=64,live=1000");
    assert_string_equal(split("churn,ramp:max=64:peak=20000"), "churn | ramp:max=64:peak=20000");
    /* a bare word is a name, even a misspelt one: its parser says what is wrong */
    assert_string_equal(split("pool:chunk=48,mallco"), "pool:chunk=48 | mallco");
    assert_string_equal(split("preload:/x.so,malloc"), "preload:/x.so | malloc");
    /* empty items stay visible, for the parser to refuse */
    assert_string_equal(split(""), "");
    assert_string_equal(split(","), " | ");
    assert_string_equal(split("pool,,malloc"), "pool |  | malloc");
    assert_string_equal(split("pool,"), "pool | ");
    assert_string_equal(split("pool:chunk=48,=4"), "pool:chunk=48,=4");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(once_each),
        cmocka_unit_test(no_empty_values),
        cmocka_unit_test(numbers_read_against_their_range),
        cmocka_unit_test(spec_lists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
