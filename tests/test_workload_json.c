/* test_workload_json.c -- the workload object: results.md field names, hand-computed
 * figures and histograms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "pb_workload_json.h"

/* Same events as tests/data/leftovers.trace; index: event */
static const char text[] = "a 1 100\n"        /* 0: live 100 */
                           "a 2 64 8\n"       /* 1: 164 */
                           "a 3 4096 4096\n"  /* 2: 4260, 3 blocks */
                           "f 2\n"            /* 3: 4196; id 2 lived 2 events */
                           "r 3 96\n"         /* 4: 196 */
                           "a 0x2 0 @zero\n"  /* 5: 196 */
                           "x\n"              /* 6: 0; lifetimes 6, 4, 1 */
                           "a 1 10\n"
                           "a 2 10\n"
                           "a 3 10\n"
                           "r 3 4\n";         /* live at end: 3 blocks, 24 bytes */

static double num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v))
        fail_msg("no number field '%s'", key);
    return v->valuedouble;
}

/* The count of the bucket [min, max] in a histogram array, 0 when absent. */
static double bucket(const cJSON *a, double min, double max)
{
    const cJSON *b;
    cJSON_ArrayForEach(b, a) {
        if (num(b, "min") == min && num(b, "max") == max)
            return num(b, "count");
    }
    return 0;
}

static void figures_and_names(void **state)
{
    (void)state;
    struct pb_workload w;
    struct pb_diag d;
    memset(&d, 0, sizeof d);
    memset(&w, 0, sizeof w);
    assert_int_equal(pb_workload_parse_text("leftovers", text, sizeof text - 1, &w, &d), 0);
    strcpy(w.name, "leftovers");
    strcpy(w.source, "trace");
    w.path = strdup("data/leftovers.trace");
    strcpy(w.sha256, "00");
    cJSON *o = pb_workload_to_json(&w);
    assert_non_null(o);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(o, "name")->valuestring, "leftovers");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(o, "source")->valuestring, "trace");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(o, "path")->valuestring,
                        "data/leftovers.trace");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(o, "sha256")->valuestring, "00");
    assert_true(num(o, "events") == 10);
    assert_true(num(o, "allocs") == 7);
    assert_true(num(o, "frees") == 1);
    assert_true(num(o, "reallocs") == 2);
    assert_true(num(o, "resets") == 1);
    assert_true(num(o, "peak_live_bytes") == 4260);
    assert_true(num(o, "peak_live_blocks") == 3);
    assert_true(num(o, "live_blocks_at_end") == 3);
    assert_true(num(o, "live_bytes_at_end") == 24);
    assert_true(num(o, "total_requested_bytes") == 4290);

    const cJSON *sh = cJSON_GetObjectItemCaseSensitive(o, "size_histogram");
    assert_true(cJSON_IsArray(sh));
    assert_int_equal(cJSON_GetArraySize(sh), 5);
    assert_true(bucket(sh, 0, 0) == 1);
    assert_true(bucket(sh, 9, 16) == 3);
    assert_true(bucket(sh, 33, 64) == 1);
    assert_true(bucket(sh, 65, 128) == 1);
    assert_true(bucket(sh, 2049, 4096) == 1);

    const cJSON *lh = cJSON_GetObjectItemCaseSensitive(o, "lifetime_histogram");
    const cJSON *lb = cJSON_GetObjectItemCaseSensitive(lh, "buckets");
    assert_int_equal(cJSON_GetArraySize(lb), 4);
    assert_true(bucket(lb, 1, 1) == 1);
    assert_true(bucket(lb, 2, 2) == 1);
    assert_true(bucket(lb, 3, 4) == 1);
    assert_true(bucket(lb, 5, 8) == 1);
    assert_true(num(lh, "unfreed") == 3);
    cJSON_Delete(o);

    /* a synthetic workload: no path or sha256 (null), its parameters instead */
    free(w.path);
    w.path = NULL;
    w.sha256[0] = '\0';
    strcpy(w.source, "synthetic");
    w.params = strdup("churn:n=10");
    o = pb_workload_to_json(&w);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, "path")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, "sha256")));
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(o, "params")->valuestring, "churn:n=10");
    cJSON_Delete(o);
    pb_workload_free(&w);
}

static void power_of_two_buckets(void **state)
{
    (void)state;
    assert_int_equal(pb_bucket_of(0), 0);
    assert_int_equal(pb_bucket_of(1), 1);
    assert_int_equal(pb_bucket_of(2), 2);
    assert_int_equal(pb_bucket_of(3), 3);
    assert_int_equal(pb_bucket_of(4), 3);
    assert_int_equal(pb_bucket_of(5), 4);
    assert_int_equal(pb_bucket_of(UINT64_MAX), 65);
    for (uint64_t v = 0; v < 5000; v++) {
        unsigned k = pb_bucket_of(v);
        assert_true(pb_bucket_min(k) <= v && v <= pb_bucket_max(k));
    }
    for (unsigned k = 1; k < 65; k++)
        assert_true(pb_bucket_min(k + 1) == pb_bucket_max(k) + 1);
    assert_true(pb_bucket_max(65) == UINT64_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(figures_and_names),
        cmocka_unit_test(power_of_two_buckets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
