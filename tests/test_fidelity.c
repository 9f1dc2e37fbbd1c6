/* test_fidelity.c -- replay against program: Spearman's rank correlation
 * (ties, no spread, too few), the rows pairing each allocator with its replay
 * backend (glibc with malloc), the allocation share, and the pairs the two
 * rankings order differently. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fidelity.h"
#include "results_read.h"

static void test_spearman(void **state)
{
    (void)state;
    const double up[] = {1, 2, 3, 4}, down[] = {9, 7, 5, 1}, flat[] = {2, 2, 2, 2};
    assert_true(fabs(pb_spearman(up, up, 4) - 1) < 1e-12);
    assert_true(fabs(pb_spearman(up, down, 4) + 1) < 1e-12);
    const double tx[] = {1, 1, 2}, ty[] = {1, 2, 3};
    assert_true(fabs(pb_spearman(tx, ty, 3) - 1.5 / sqrt(3.0)) < 1e-12);
    assert_true(isnan(pb_spearman(up, flat, 4)));
    assert_true(isnan(pb_spearman(up, up, 1)));
}

static void test_replay_spec(void **state)
{
    (void)state;
    char buf[64];
    assert_string_equal(pb_fidelity_replay_spec("glibc", buf, sizeof buf), "malloc");
    assert_string_equal(pb_fidelity_replay_spec("pools:slab=65536", buf, sizeof buf),
                        "pools:slab=65536");
}

/* A bench run: spec, median wall seconds (interval +-0.05), peak RSS. */
static void bench_run(char *out, size_t len, const char *spec, double wall, double rss)
{
    snprintf(out, len,
             "{\"allocator_spec\":\"%s\",\"status\":\"ok\",\"time\":{\"wall_seconds\":{"
             "\"median\":%g,\"ci_low\":%g,\"ci_high\":%g}},\"memory\":{\"peak_rss_bytes\":{"
             "\"median\":%g}}}",
             spec, wall, wall - 0.05, wall + 0.05, rss);
}

/* A replay run: backend, net ns/op, ops, peak resident. */
static void replay_run(char *out, size_t len, const char *spec, double net, double ops,
                       double peak)
{
    snprintf(out, len,
             "{\"backend\":\"%s\",\"backend_spec\":\"%s\",\"status\":\"ok\",\"time\":{"
             "\"ns_per_op\":{\"median\":%g},\"net_ns_per_op\":%g,\"ops\":%g},\"memory\":{"
             "\"peak_resident_bytes\":%g}}",
             spec, spec, net + 10, net, ops, peak);
}

static void test_rows_share_disagreements(void **state)
{
    (void)state;
    char b1[512], b2[512], b3[512], r1[512], r2[512], text[4096];
    bench_run(b1, sizeof b1, "glibc", 1.0, 8e6);
    bench_run(b2, sizeof b2, "jemalloc", 2.0, 16e6);
    bench_run(b3, sizeof b3, "tcmalloc", 3.0, 4e6); /* no replay run: no row */
    replay_run(r1, sizeof r1, "malloc", 10, 1e6, 6e6);
    replay_run(r2, sizeof r2, "jemalloc", 5, 1e6, 12e6);
    snprintf(text, sizeof text, "{\"runs\":[%s,%s,%s]}", b1, b2, b3);
    cJSON *bench = cJSON_Parse(text);
    snprintf(text, sizeof text, "{\"runs\":[%s,%s]}", r1, r2);
    cJSON *replay = cJSON_Parse(text);
    assert_non_null(bench);
    assert_non_null(replay);
    cJSON *f = pb_fidelity_json(bench, replay, "t.trace");
    assert_non_null(f);
    const cJSON *rows = cJSON_GetObjectItem(f, "rows");
    assert_int_equal(cJSON_GetArraySize(rows), 2);
    const cJSON *g = cJSON_GetArrayItem(rows, 0);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(g, "replay_backend")), "malloc");
    assert_true(fabs(pb_json_number(g, "allocation_seconds") - 0.01) < 1e-12);
    assert_true(fabs(pb_json_number(g, "allocation_share") - 0.01) < 1e-12);
    assert_true(fabs(pb_json_number(f, "allocation_share.share") - 0.01) < 1e-12);
    assert_string_equal(cJSON_GetStringValue(pb_json_at(f, "allocation_share.allocator_spec")),
                        "glibc");
    /* the replay ranks jemalloc first (5 < 10 ns/op), the program glibc (1 < 2 s) */
    assert_true(fabs(pb_json_number(f, "time_correlation.spearman") + 1) < 1e-12);
    assert_true(pb_json_number(f, "time_correlation.n") == 2);
    assert_true(fabs(pb_json_number(f, "memory_correlation.spearman") - 1) < 1e-12);
    const cJSON *d = cJSON_GetObjectItem(f, "disagreements");
    assert_int_equal(cJSON_GetArraySize(d), 1);
    const char *s = cJSON_GetStringValue(cJSON_GetArrayItem(d, 0));
    assert_non_null(strstr(s, "the replay ranks jemalloc ahead of glibc"));
    assert_null(strstr(s, "within the program's noise"));
    cJSON_Delete(f);
    cJSON_Delete(bench);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spearman),
        cmocka_unit_test(test_replay_spec),
        cmocka_unit_test(test_rows_share_disagreements),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
