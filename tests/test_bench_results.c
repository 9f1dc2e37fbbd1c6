/* test_bench_results.c -- the bench document: a round's figures, a run's
 * distributions computed from its rounds, a failed run without figures, the
 * checks of a document read back, and the verdict on its axes (wall time and
 * peak RSS, each separated by the rounds' intervals; too few rounds name no
 * fastest). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_results.h"
#include "results_read.h"
#include "verdict.h"

/* A finished run of wall seconds w and peak RSS rss. */
static struct pb_program_result result(double w, uint64_t rss)
{
    struct pb_program_result r;
    memset(&r, 0, sizeof r);
    r.exited = 1;
    r.wall_ns = (uint64_t)(w * 1e9);
    r.user_ns = r.wall_ns / 2;
    r.max_rss_bytes = rss;
    r.minor_faults = 100;
    r.out_bytes = 3;
    snprintf(r.out_sha256, sizeof r.out_sha256, "%064d", 0);
    return r;
}

/* A run of n rounds, wall base + i * step, rss fixed. */
static cJSON *run_of(const char *spec, int n, double base, double step, uint64_t rss)
{
    cJSON *rounds = cJSON_CreateArray();
    for (int i = 0; i < n; i++) {
        struct pb_program_result r = result(base + i * step, rss);
        cJSON_AddItemToArray(rounds, pb_bench_round_json((unsigned)i, (unsigned)(i % 2), &r));
    }
    cJSON *run = pb_bench_run_json(spec, spec, strcmp(spec, "glibc") ? "/x.so" : "", NULL, 0,
                                   rounds, NULL);
    assert_non_null(run);
    return run;
}

static cJSON *doc_with(cJSON *a, cJSON *b)
{
    char *argv[] = {"prog", "-x", NULL};
    cJSON *doc = pb_bench_doc_new(cJSON_CreateObject(), pb_bench_program_json("/bin/prog", argv));
    assert_non_null(doc);
    cJSON *runs = cJSON_GetObjectItemCaseSensitive(doc, "runs");
    cJSON_AddItemToArray(runs, a);
    if (b)
        cJSON_AddItemToArray(runs, b);
    return doc;
}

static void test_round_and_distributions(void **state)
{
    (void)state;
    cJSON *run = run_of("glibc", 5, 1.0, 0.1, 4096 * 10);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(run, "status")), "ok");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(run, "library")));
    assert_true(fabs(pb_json_number(run, "time.wall_seconds.median") - 1.2) < 1e-9);
    assert_true(fabs(pb_json_number(run, "time.wall_seconds.min") - 1.0) < 1e-9);
    assert_true(fabs(pb_json_number(run, "time.user_seconds.median") - 0.6) < 1e-9);
    assert_true(pb_json_number(run, "memory.peak_rss_bytes.median") == 40960);
    assert_true(pb_json_number(run, "causes.minor_faults.median") == 100);
    assert_true(pb_json_number(run, "time.wall_seconds.ci_level") > 0.9);
    const cJSON *r0 = cJSON_GetArrayItem(cJSON_GetObjectItem(run, "rounds"), 0);
    assert_true(pb_json_number(r0, "exit_status") == 0);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(r0, "signal")));
    assert_true(pb_json_number(r0, "output_bytes") == 3);
    assert_true(pb_json_number(run, "rounds_done") == 5);
    cJSON_Delete(run);
}

static void test_killed_round_and_failed_run(void **state)
{
    (void)state;
    struct pb_program_result r = result(0.5, 4096);
    r.exited = 0;
    r.term_signal = 11;
    cJSON *o = pb_bench_round_json(0, 0, &r);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "exit_status")));
    assert_true(pb_json_number(o, "signal") == 11);
    cJSON *rounds = cJSON_CreateArray();
    cJSON_AddItemToArray(rounds, o);
    cJSON *run = pb_bench_run_json("jemalloc", "jemalloc", "/j.so", NULL, 0, rounds,
                                   "round 1: crashed");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(run, "status")), "failed");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(run, "time")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(run, "memory")));
    cJSON *doc = doc_with(run, NULL);
    char err[256];
    assert_int_equal(pb_bench_check_doc(doc, err, sizeof err), 0);
    cJSON_Delete(doc);
}

static void test_check_refuses(void **state)
{
    (void)state;
    char err[256];
    cJSON *doc = cJSON_Parse("{\"schema\":\"poolbench-results/1\",\"runs\":[]}");
    assert_int_equal(pb_bench_check_doc(doc, err, sizeof err), -1);
    assert_non_null(strstr(err, "schema"));
    cJSON_Delete(doc);
    doc = cJSON_Parse("{\"schema\":\"poolbench-bench/1\",\"program\":{\"name\":\"x\","
                      "\"command\":[\"x\"]},\"runs\":[{\"allocator\":\"glibc\","
                      "\"allocator_spec\":\"glibc\",\"status\":\"ok\",\"time\":{}}]}");
    assert_int_equal(pb_bench_check_doc(doc, err, sizeof err), -1);
    assert_non_null(strstr(err, "runs[0]: time.wall_seconds.median is missing"));
    cJSON_Delete(doc);
}

static void test_verdict_separated(void **state)
{
    (void)state;
    /* glibc 1.0-1.4 s, 8 MiB; jemalloc 2.0-2.4 s, 16 MiB: both clear */
    cJSON *doc = doc_with(run_of("glibc", 5, 1.0, 0.1, 8u << 20), run_of("jemalloc", 5, 2.0, 0.1, 16u << 20));
    struct pb_verdict *v;
    size_t n;
    assert_int_equal(pb_verdicts(doc, &v, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].subject, "prog (whole program)");
    assert_non_null(strstr(v[0].speed, "fastest glibc, 1.83x faster than jemalloc"));
    assert_non_null(strstr(v[0].memory, "leanest glibc, 8.0 MiB peak RSS"));
    assert_int_equal(v[0].tradeoff[0], '\0');
    free(v);
    cJSON_Delete(doc);
}

static void test_verdict_overlap_and_few_rounds(void **state)
{
    (void)state;
    cJSON *doc = doc_with(run_of("glibc", 5, 1.0, 0.2, 8u << 20), run_of("mimalloc", 5, 1.3, 0.2, 8u << 20));
    struct pb_verdict *v;
    size_t n;
    assert_int_equal(pb_verdicts(doc, &v, &n), 0);
    assert_non_null(strstr(v[0].speed, "no clear winner for speed (glibc, mimalloc"));
    assert_non_null(strstr(v[0].memory, "no clear leanest"));
    free(v);
    cJSON_Delete(doc);
    /* 2 rounds each, wholly apart: intervals of 50 % name no fastest */
    doc = doc_with(run_of("glibc", 2, 1.0, 0.1, 8u << 20), run_of("mimalloc", 2, 3.0, 0.1, 9u << 20));
    assert_int_equal(pb_verdicts(doc, &v, &n), 0);
    assert_non_null(strstr(v[0].speed, "too few rounds"));
    free(v);
    cJSON_Delete(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_and_distributions),
        cmocka_unit_test(test_killed_round_and_failed_run),
        cmocka_unit_test(test_check_refuses),
        cmocka_unit_test(test_verdict_separated),
        cmocka_unit_test(test_verdict_overlap_and_few_rounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
