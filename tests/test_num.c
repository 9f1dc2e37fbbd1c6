/* test_num.c -- the commands' integer options: syntax, range and the message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "pb_num.h"

static void reads_values_in_range(void **state)
{
    (void)state;
    static const struct pb_num_opt repeat = {"--repeat", 1, 100000};
    static const struct pb_num_opt seed = {"--seed", 0, UINT64_MAX};
    uint64_t v = 0;
    char err[128] = "";
    assert_int_equal(pb_num_opt_parse(&repeat, "1", &v, err, sizeof err), 0);
    assert_int_equal(v, 1);
    assert_int_equal(pb_num_opt_parse(&repeat, "100000", &v, err, sizeof err), 0);
    assert_int_equal(v, 100000);
    assert_int_equal(pb_num_opt_parse(&repeat, "007", &v, err, sizeof err), 0); /* decimal */
    assert_int_equal(v, 7);
    assert_int_equal(pb_num_opt_parse(&seed, "18446744073709551615", &v, err, sizeof err), 0);
    assert_true(v == UINT64_MAX);
    assert_int_equal(pb_num_opt_parse(&seed, "0", &v, err, sizeof err), 0);
    assert_true(v == 0);
}

static void refuses_with_option_value_and_range(void **state)
{
    (void)state;
    static const struct pb_num_opt repeat = {"--repeat", 1, 100000};
    static const struct pb_num_opt seed = {"--seed", 0, UINT64_MAX};
    struct {
        const struct pb_num_opt *opt;
        const char *text, *want;
    } bad[] = {
        {&repeat, "0", "--repeat '0' is out of range: give an integer from 1 to 100000"},
        {&repeat, "100001", "--repeat '100001' is out of range"},
        {&repeat, "99999999999999999999", "--repeat '99999999999999999999' is out of range"},
        {&seed, "18446744073709551616", "--seed '18446744073709551616' is out of range: give "
                                        "an integer from 0 to 18446744073709551615"},
        {&repeat, "", "--repeat '' is not a number: give an integer from 1 to 100000"},
        {&repeat, "-1", "--repeat '-1' is not a number"},
        {&repeat, "+5", "--repeat '+5' is not a number"},
        {&repeat, " 5", "--repeat ' 5' is not a number"},
        {&repeat, "5 ", "--repeat '5 ' is not a number"},
        {&repeat, "5x", "--repeat '5x' is not a number"},
        {&repeat, "0x10", "--repeat '0x10' is not a number"},
        {&repeat, "4k", "--repeat '4k' is not a number"},
        {&repeat, "1e3", "--repeat '1e3' is not a number"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t v = 12345;
        char err[160] = "";
        assert_int_equal(pb_num_opt_parse(bad[i].opt, bad[i].text, &v, err, sizeof err), -1);
        assert_true(v == 12345); /* untouched */
        if (!strstr(err, bad[i].want))
            fail_msg("'%s' gave '%s', wanted '%s'", bad[i].text, err, bad[i].want);
    }
}

/* A very long value is cut in the message, and NULL is refused, not read. */
static void long_and_missing_values(void **state)
{
    (void)state;
    static const struct pb_num_opt warmup = {"--warmup", 0, 100000};
    char text[300], err[160] = "";
    memset(text, '7', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    uint64_t v = 0;
    assert_int_equal(pb_num_opt_parse(&warmup, text, &v, err, sizeof err), -1);
    assert_non_null(strstr(err, "7777...' is out of range: give an integer from 0 to 100000"));
    assert_int_equal(pb_num_opt_parse(&warmup, NULL, &v, err, sizeof err), -1);
    assert_non_null(strstr(err, "--warmup '' is not a number"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_values_in_range),
        cmocka_unit_test(refuses_with_option_value_and_range),
        cmocka_unit_test(long_and_missing_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
