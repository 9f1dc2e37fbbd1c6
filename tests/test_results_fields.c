/* test_results_fields.c -- the owner of the field names: every path has its
 * text, and the accessors walk it as the readers expect. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <math.h>
#include <string.h>

#include "results_fields.h"

/* A text of keys joined by single dots: [a-z0-9_] steps, none empty. */
static int is_dotted_keys(const char *s)
{
    if (!*s || *s == '.' || s[strlen(s) - 1] == '.' || strstr(s, ".."))
        return 0;
    return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_.") == strlen(s);
}

static void every_path_has_its_own_text(void **state)
{
    (void)state;
    for (int p = 0; p < PB_RP_COUNT; p++) {
        const char *t = pb_res_path_text((enum pb_res_path)p);
        assert_non_null(t);
        assert_true(is_dotted_keys(t));
        for (int q = 0; q < p; q++)
            assert_string_not_equal(t, pb_res_path_text((enum pb_res_path)q));
    }
    assert_string_equal(pb_res_path_text(PB_RP_COUNT), "");
    assert_string_equal(pb_res_path_text(PB_RP_TIME_NS_PER_OP_MEDIAN), "time.ns_per_op.median");
    assert_string_equal(pb_res_path_text(PB_RP_MEMORY_PEAK_RESIDENT_BYTES),
                        "memory.peak_resident_bytes");
}

static void accessors_walk_the_path(void **state)
{
    (void)state;
    cJSON *run = cJSON_Parse("{\"time\": {\"ns_per_op\": {\"median\": 2.5, \"min\": null},"
                             " \"rounds\": 1e30}, \"memory\": 7}");
    assert_non_null(run);
    assert_true(pb_res_num(run, PB_RP_TIME_NS_PER_OP_MEDIAN) == 2.5);
    assert_true(isnan(pb_res_num(run, PB_RP_TIME_NS_PER_OP_MIN)));      /* null */
    assert_true(isnan(pb_res_num(run, PB_RP_TIME_NS_PER_OP_MAX)));      /* missing */
    assert_true(isnan(pb_res_num(run, PB_RP_MEMORY_PEAK_RSS_BYTES)));   /* memory not an object */
    assert_non_null(pb_res_at(run, PB_RP_TIME_NS_PER_OP));
    assert_true(cJSON_IsNull(pb_res_at(run, PB_RP_TIME_NS_PER_OP_MIN)));
    assert_null(pb_res_at(run, PB_RP_LATENCY_EVERY));
    assert_int_equal(pb_res_count(run, PB_RP_TIME_ROUNDS), INT_MAX);
    assert_int_equal(pb_res_count(run, PB_RP_TIME_REPEATS), 0);
    assert_ptr_equal(pb_res_get(run, PB_F_TIME), cJSON_GetObjectItemCaseSensitive(run, "time"));
    assert_null(pb_res_get(run, PB_F_LATENCY));
    assert_null(pb_res_get(pb_res_get(run, PB_F_MEMORY), PB_F_PEAK_RSS_BYTES));
    assert_null(pb_res_get(NULL, PB_F_TIME));
    cJSON_Delete(run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_path_has_its_own_text),
        cmocka_unit_test(accessors_walk_the_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
