/* test_opts.c -- the option rules every command applies (pb_opt_check). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(once_each),
        cmocka_unit_test(no_empty_values),
        cmocka_unit_test(numbers_read_against_their_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
