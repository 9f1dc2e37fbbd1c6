/*
 * test_compare.c -- the Mann-Whitney U test on hand-computed cases, and
 * pb_compare on results files changed in known ways.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "compare.h"

/* ---- Mann-Whitney ---------------------------------------------------------------- */

static void test_mw_separated_8_vs_8(void **state)
{
    (void)state;
    const double a[] = {1, 2, 3, 4, 5, 6, 7, 8}, b[] = {9, 10, 11, 12, 13, 14, 15, 16};
    struct pb_mw_result r;
    assert_int_equal(pb_mann_whitney(a, 8, b, 8, &r), 0);
    assert_int_equal(r.method, PB_MW_NORMAL);
    assert_true(r.u == 0);
    /* z = (32 - 0.5) / sqrt(8 * 8 * 17 / 12) = 3.3082; p = erfc(z / sqrt 2) = 0.000939 */
    assert_true(fabs(fabs(r.z) - 3.3082) < 1e-3);
    assert_true(r.p < 0.001 && r.p > 0.0009);
    assert_true(r.significant);
    assert_true(r.separated);
    /* the other way round: U = 64, same p */
    struct pb_mw_result s;
    assert_int_equal(pb_mann_whitney(b, 8, a, 8, &s), 0);
    assert_true(s.u == 64);
    assert_true(fabs(s.p - r.p) < 1e-12);
}

static void test_mw_identical_samples(void **state)
{
    (void)state;
    const double a[] = {4.1, 4.3, 4.2, 4.4, 4.0, 4.5, 4.6, 4.7};
    struct pb_mw_result r;
    assert_int_equal(pb_mann_whitney(a, 8, a, 8, &r), 0);
    assert_true(r.u == 32); /* the mean, n1 n2 / 2 */
    assert_true(r.p == 1);
    assert_false(r.significant);
    const double same[] = {3, 3, 3, 3, 3, 3, 3, 3};
    assert_int_equal(pb_mann_whitney(same, 8, same, 8, &r), 0);
    assert_true(r.p == 1); /* no spread at all: variance 0 */
}

static void test_mw_normal_with_ties(void **state)
{
    (void)state;
    const double a[] = {1, 1, 1, 1, 2, 2, 2, 2}, b[] = {2, 2, 2, 2, 3, 3, 3, 3};
    struct pb_mw_result r;
    assert_int_equal(pb_mann_whitney(a, 8, b, 8, &r), 0);
    /* U = 16 pairs a=2,b=2 at one half = 8; ties: 4^3-4 + 8^3-8 + 4^3-4 = 624;
     * var = 64/12 (17 - 624/240) = 76.8; z = (24 - 0.5)/sqrt(76.8) = 2.6816;
     * p = 0.007328 */
    assert_true(r.u == 8);
    assert_true(fabs(fabs(r.z) - 2.6816) < 1e-3);
    assert_true(fabs(r.p - 0.007328) < 1e-5);
    assert_true(r.significant);
}

static void test_mw_exact_small(void **state)
{
    (void)state;
    struct pb_mw_result r;
    const double a4[] = {1, 2, 3, 4}, b4[] = {5, 6, 7, 8};
    assert_int_equal(pb_mann_whitney(a4, 4, b4, 4, &r), 0);
    assert_int_equal(r.method, PB_MW_EXACT);
    assert_true(fabs(r.p - 2.0 / 70) < 1e-12); /* two of the C(8,4) splits are as extreme */
    assert_true(r.significant);
    const double a5[] = {1, 2, 3, 4, 5}, b5[] = {6, 7, 8, 9, 10};
    assert_int_equal(pb_mann_whitney(a5, 5, b5, 5, &r), 0);
    assert_true(fabs(r.p - 2.0 / 252) < 1e-12);
    /* a textbook pair: U = 17 of 20, two-sided exact p = 14/126 */
    const double a[] = {19, 22, 16, 29, 24}, b[] = {20, 11, 17, 12};
    assert_int_equal(pb_mann_whitney(a, 5, b, 4, &r), 0);
    assert_true(r.u == 17);
    assert_true(fabs(r.p - 14.0 / 126) < 1e-12);
    assert_false(r.significant);
}

static void test_mw_exact_with_ties(void **state)
{
    (void)state;
    const double a[] = {1, 2, 2, 3}, b[] = {2, 3, 4, 5};
    struct pb_mw_result r;
    assert_int_equal(pb_mann_whitney(a, 4, b, 4, &r), 0);
    assert_true(r.u == 2.5); /* 2 vs 2 twice, 3 vs 2, 3 vs 3: 0.5 + 0.5 + 1 + 0.5 */
    assert_int_equal(r.method, PB_MW_EXACT);
    assert_true(fabs(r.p - 0.2) < 1e-12); /* 14 of the 70 splits, by enumeration */
}

static void test_mw_too_few_uses_ranges(void **state)
{
    (void)state;
    struct pb_mw_result r;
    const double a[] = {1, 2, 3}, far[] = {7, 8, 9}, near[] = {2.5, 8, 9};
    assert_int_equal(pb_mann_whitney(a, 3, far, 3, &r), 0);
    assert_int_equal(r.method, PB_MW_RANGES);
    assert_true(isnan(r.p));
    assert_true(r.separated && r.significant);
    assert_int_equal(pb_mann_whitney(a, 3, near, 3, &r), 0);
    assert_false(r.separated || r.significant);
}

static void test_mw_empty_side(void **state)
{
    (void)state;
    const double a[] = {1};
    struct pb_mw_result r;
    assert_int_equal(pb_mann_whitney(a, 1, a, 0, &r), -1);
    assert_int_equal(pb_mann_whitney(a, 0, a, 1, &r), -1);
}

/* ---- pb_compare ---------------------------------------------------------------------- */

static void load(const char *path, struct pb_results_file *f)
{
    char err[512];
    int rc = pb_results_read(path, f, err, sizeof err);
    if (rc)
        fail_msg("%s", err);
}

static size_t count_verdict(const struct pb_compare_report *r, const char *figure,
                            const char *verdict)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++)
        n += strcmp(r->rows[i].figure, figure) == 0 && strstr(r->rows[i].verdict, verdict);
    return n;
}

static void test_compare_same_file(void **state)
{
    (void)state;
    struct pb_results_file a;
    struct pb_compare_report r;
    char err[512];
    load("data/results-sample.json", &a);
    assert_int_equal(pb_compare(&a, &a, 5, &r, err, sizeof err), 0);
    assert_int_equal(r.pairs, (size_t)cJSON_GetArraySize(a.runs));
    assert_int_equal(r.regressions, 0);
    assert_int_equal(count_verdict(&r, "ns/op", "no significant change"), 11); /* 12 - 1 failed */
    assert_int_equal(count_verdict(&r, "status", "failed in both"), 1);
    pb_compare_report_free(&r);
    pb_results_file_free(&a);
}

/* Multiply the ns_per_op samples and median of one run by f. */
static void scale_time(cJSON *run, double f)
{
    cJSON *ns = cJSON_GetObjectItem(cJSON_GetObjectItem(run, "time"), "ns_per_op");
    cJSON *s;
    cJSON_ArrayForEach(s, cJSON_GetObjectItem(ns, "samples")) { cJSON_SetNumberValue(s, s->valuedouble * f); }
    cJSON *m = cJSON_GetObjectItem(ns, "median");
    cJSON_SetNumberValue(m, m->valuedouble * f);
}

static cJSON *run_of(struct pb_results_file *f, const char *backend, const char *workload)
{
    cJSON *run;
    cJSON_ArrayForEach(run, f->runs) {
        if (strcmp(cJSON_GetObjectItem(run, "backend")->valuestring, backend) == 0 &&
            strcmp(pb_run_workload_name(run), workload) == 0)
            return run;
    }
    fail_msg("no run %s on %s", backend, workload);
    return NULL;
}

static void test_compare_slower_faster(void **state)
{
    (void)state;
    struct pb_results_file a, b;
    struct pb_compare_report r;
    char err[512];
    load("data/results-sample.json", &a);
    load("data/results-sample.json", &b);
    scale_time(run_of(&b, "malloc", "churn"), 1.5);  /* slower by 50 %: a regression */
    scale_time(run_of(&b, "arena", "churn"), 0.5);   /* faster */
    scale_time(run_of(&b, "pool", "churn"), 1.5);
    assert_int_equal(pb_compare(&a, &b, 5, &r, err, sizeof err), 0);
    assert_int_equal(r.regressions, 2);
    assert_int_equal(count_verdict(&r, "ns/op", "REGRESSION"), 2);
    assert_int_equal(count_verdict(&r, "ns/op", "faster"), 1);
    pb_compare_report_free(&r);
    /* a threshold above the slowdown: significant, but within it */
    assert_int_equal(pb_compare(&a, &b, 60, &r, err, sizeof err), 0);
    assert_int_equal(r.regressions, 0);
    assert_int_equal(count_verdict(&r, "ns/op", "slower, within threshold"), 2);
    pb_compare_report_free(&r);
    pb_results_file_free(&a);
    pb_results_file_free(&b);
}

static void set_memory(cJSON *run, const char *field, double v)
{
    cJSON_SetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(run, "memory"), field), v);
}

static void test_compare_memory_threshold(void **state)
{
    (void)state;
    struct pb_results_file a, b;
    struct pb_compare_report r;
    char err[512];
    load("data/results-sample.json", &a);
    load("data/results-sample.json", &b);
    cJSON *m = run_of(&b, "malloc", "mixed:max=64");
    double res = pb_json_number(m, "memory.peak_resident_bytes");
    set_memory(m, "peak_resident_bytes", res * 1.04); /* +4 %: more than a page, under 5 % */
    double fp = pb_json_number(run_of(&b, "arena", "churn"), "memory.peak_footprint_bytes");
    set_memory(run_of(&b, "arena", "churn"), "peak_footprint_bytes", fp * 1.2);
    double w = pb_json_number(run_of(&b, "pool", "churn"), "memory.wasted_page_bytes");
    set_memory(run_of(&b, "pool", "churn"), "wasted_page_bytes", w + 4095); /* under a page */
    assert_int_equal(pb_compare(&a, &b, 5, &r, err, sizeof err), 0);
    assert_int_equal(r.regressions, 1);
    assert_int_equal(count_verdict(&r, "peak_footprint_bytes", "REGRESSION"), 1);
    pb_compare_report_free(&r);
    pb_results_file_free(&a);
    pb_results_file_free(&b);
}

static void test_compare_new_failure_regresses(void **state)
{
    (void)state;
    struct pb_results_file a, b;
    struct pb_compare_report r;
    char err[512];
    load("data/results-sample.json", &a);
    load("data/results-sample.json", &b);
    cJSON *run = run_of(&b, "arena", "mixed:max=64");
    cJSON_ReplaceItemInObject(run, "status", cJSON_CreateString("failed"));
    assert_int_equal(pb_compare(&a, &b, 5, &r, err, sizeof err), 0);
    assert_int_equal(r.regressions, 1);
    assert_int_equal(count_verdict(&r, "status", "REGRESSION (new run failed)"), 1);
    pb_compare_report_free(&r);
    /* and the other way round: fixed, not a regression */
    assert_int_equal(pb_compare(&b, &a, 5, &r, err, sizeof err), 0);
    assert_int_equal(r.regressions, 0);
    assert_int_equal(count_verdict(&r, "status", "fixed"), 1);
    pb_compare_report_free(&r);
    pb_results_file_free(&a);
    pb_results_file_free(&b);
}

static void test_compare_backend_config_matters(void **state)
{
    (void)state;
    struct pb_results_file a, b;
    struct pb_compare_report r;
    char err[512];
    load("data/compare-base.json", &a);
    load("data/compare-base.json", &b);
    cJSON *cfg = cJSON_GetObjectItem(run_of(&b, "pool", "churn"), "backend_config");
    cJSON_ReplaceItemInObject(cfg, "chunk", cJSON_CreateString("128"));
    assert_int_equal(pb_compare(&a, &b, 5, &r, err, sizeof err), 0);
    assert_int_equal(r.pairs, 2); /* pool:chunk=64 and pool:chunk=128 are not a pair */
    assert_int_equal(r.only_base, 1);
    assert_int_equal(r.only_new, 1);
    pb_compare_report_free(&r);
    pb_results_file_free(&a);
    pb_results_file_free(&b);
}

static void test_compare_thread_count_matters(void **state)
{
    (void)state;
    struct pb_results_file a, b;
    struct pb_compare_report r;
    char err[512], label[256];
    load("data/compare-base.json", &a);
    load("data/compare-base.json", &b);
    cJSON *run = run_of(&b, "pool", "churn");
    cJSON *time = cJSON_GetObjectItem(run, "time");
    cJSON_AddNumberToObject(time, "threads", 2);
    assert_string_equal(pb_run_backend_label(run, label, sizeof label), "pool x2 threads");
    assert_int_equal(pb_compare(&a, &b, 5, &r, err, sizeof err), 0);
    assert_int_equal(r.pairs, 2); /* pool on 1 thread and on 2 are not a pair */
    assert_int_equal(r.only_base, 1);
    assert_int_equal(r.only_new, 1);
    pb_compare_report_free(&r);
    pb_results_file_free(&a);
    pb_results_file_free(&b);
}

static void test_compare_mismatch_errors(void **state)
{
    (void)state;
    struct pb_results_file a, b;
    struct pb_compare_report r;
    char err[512];
    load("data/compare-base.json", &a);
    load("data/compare-disjoint.json", &b);
    assert_int_equal(pb_compare(&a, &b, 5, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "no (backend, workload) pair in common"));
    pb_results_file_free(&b);
    load("data/compare-base.json", &b);
    cJSON_ReplaceItemInObject(b.doc, "schema", cJSON_CreateString("poolbench-results/2"));
    assert_int_equal(pb_compare(&a, &b, 5, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "poolbench-results/2"));
    pb_results_file_free(&a);
    pb_results_file_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mw_separated_8_vs_8),
        cmocka_unit_test(test_mw_identical_samples),
        cmocka_unit_test(test_mw_normal_with_ties),
        cmocka_unit_test(test_mw_exact_small),
        cmocka_unit_test(test_mw_exact_with_ties),
        cmocka_unit_test(test_mw_too_few_uses_ranges),
        cmocka_unit_test(test_mw_empty_side),
        cmocka_unit_test(test_compare_same_file),
        cmocka_unit_test(test_compare_slower_faster),
        cmocka_unit_test(test_compare_memory_threshold),
        cmocka_unit_test(test_compare_new_failure_regresses),
        cmocka_unit_test(test_compare_backend_config_matters),
        cmocka_unit_test(test_compare_thread_count_matters),
        cmocka_unit_test(test_compare_mismatch_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
