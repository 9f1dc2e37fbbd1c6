/*
 * test_compare.c -- pb_compare on results files changed in known ways: the
 * time verdict on rounds (significance and effect both needed, too few rounds
 * never changed), files from before rounds, the memory rules, and the
 * settings that differ. The test itself is common/stats.c's (test_stats.c).
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
#include "pb_stats.h"

/* ---- pb_compare ---------------------------------------------------------------------- */

static void load(const char *path, struct pb_results_file *f)
{
    char err[512];
    int rc = pb_results_read(path, f, err, sizeof err);
    if (rc)
        fail_msg("%s", err);
}

/* pb_compare with the default alpha and threshold_pct for time and memory. */
static int compare_at(const struct pb_results_file *a, const struct pb_results_file *b,
                      double threshold_pct, struct pb_compare_report *r, char *err, size_t len)
{
    struct pb_compare_opts o = pb_compare_defaults();
    o.min_effect_pct = o.threshold_pct = threshold_pct;
    return pb_compare(a, b, &o, r, err, len);
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
    assert_int_equal(compare_at(&a, &a, 5, &r, err, sizeof err), 0);
    assert_int_equal(r.pairs, (size_t)cJSON_GetArraySize(a.runs));
    assert_int_equal(r.regressions, 0);
    assert_int_equal(count_verdict(&r, "ns/op", "no significant change"), 11); /* 12 - 1 failed */
    assert_int_equal(count_verdict(&r, "status", "failed in both"), 1);
    assert_int_equal(r.changed, 0);
    assert_int_equal(r.n_settings, 0);  /* one file: no setting differs */
    assert_int_equal(r.base_replays, 11); /* a file from before rounds: noted */
    assert_int_equal(r.new_replays, 11);
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
    assert_int_equal(compare_at(&a, &b, 5, &r, err, sizeof err), 0);
    assert_int_equal(r.regressions, 2);
    assert_int_equal(count_verdict(&r, "ns/op", "REGRESSION"), 2);
    assert_int_equal(count_verdict(&r, "ns/op", "faster"), 1);
    pb_compare_report_free(&r);
    /* a threshold above the slowdown: significant, but within it */
    assert_int_equal(compare_at(&a, &b, 60, &r, err, sizeof err), 0);
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
    assert_int_equal(compare_at(&a, &b, 5, &r, err, sizeof err), 0);
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
    assert_int_equal(compare_at(&a, &b, 5, &r, err, sizeof err), 0);
    assert_int_equal(r.regressions, 1);
    assert_int_equal(count_verdict(&r, "status", "REGRESSION (new run failed)"), 1);
    pb_compare_report_free(&r);
    /* and the other way round: fixed, not a regression */
    assert_int_equal(compare_at(&b, &a, 5, &r, err, sizeof err), 0);
    assert_int_equal(r.regressions, 0);
    assert_int_equal(count_verdict(&r, "status", "fixed"), 1);
    pb_compare_report_free(&r);
    pb_results_file_free(&a);
    pb_results_file_free(&b);
}

/* The settings entry named what, checked against its two values. */
static void expect_setting(const struct pb_compare_report *r, const char *what, const char *base,
                           const char *new_value)
{
    for (size_t i = 0; i < r->n_settings; i++) {
        if (strcmp(r->settings[i].what, what) == 0) {
            assert_string_equal(r->settings[i].base, base);
            assert_string_equal(r->settings[i].new_value, new_value);
            return;
        }
    }
    fail_msg("no setting '%s' among %zu", what, r->n_settings);
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
    assert_int_equal(compare_at(&a, &b, 5, &r, err, sizeof err), 0);
    assert_int_equal(r.pairs, 2); /* pool:chunk=64 and pool:chunk=128 are not a pair */
    assert_int_equal(r.only_base, 1);
    assert_int_equal(r.only_new, 1);
    /* and the reader is told why: the one setting that differs */
    assert_int_equal(r.n_settings, 1);
    expect_setting(&r, "backend_config of pool: chunk", "64", "128");
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
    assert_int_equal(compare_at(&a, &b, 5, &r, err, sizeof err), 0);
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
    assert_int_equal(compare_at(&a, &b, 5, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "no (backend, workload) pair in common"));
    pb_results_file_free(&b);
    load("data/compare-base.json", &b);
    cJSON_ReplaceItemInObject(b.doc, "schema", cJSON_CreateString("poolbench-results/2"));
    assert_int_equal(compare_at(&a, &b, 5, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "poolbench-results/2"));
    pb_results_file_free(&a);
    pb_results_file_free(&b);
}

/* Give run per-round samples, as `poolbench run` writes them now:
 * ns_per_op.samples = v scaled by f, its median, and time.rounds. */
static void set_rounds(cJSON *run, const double *v, size_t n, double f)
{
    double s[32];
    assert_true(n <= 32);
    for (size_t i = 0; i < n; i++)
        s[i] = v[i] * f;
    cJSON *time = cJSON_GetObjectItem(run, "time");
    cJSON *ns = cJSON_GetObjectItem(time, "ns_per_op");
    cJSON_ReplaceItemInObject(ns, "samples", cJSON_CreateDoubleArray(s, (int)n));
    cJSON_ReplaceItemInObject(ns, "median", cJSON_CreateNumber(pb_median(s, n)));
    cJSON_DeleteItemFromObject(time, "rounds");
    cJSON_AddNumberToObject(time, "rounds", (double)n);
}

/* Every run of f with the rounds v. */
static void set_all_rounds(struct pb_results_file *f, const double *v, size_t n)
{
    cJSON *run;
    cJSON_ArrayForEach(run, f->runs) { set_rounds(run, v, n, 1); }
}

static const struct pb_compare_row *row_of(const struct pb_compare_report *r,
                                           const char *backend, const char *figure)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->rows[i].backend, backend) == 0 && strcmp(r->rows[i].figure, figure) == 0)
            return &r->rows[i];
    fail_msg("no row %s %s", backend, figure);
    return NULL;
}

static const double seven[] = {10.00, 10.01, 10.02, 10.03, 10.04, 10.05, 10.06};

static void test_compare_rounds_need_effect_and_significance(void **state)
{
    (void)state;
    struct pb_results_file a, b;
    struct pb_compare_report r;
    char err[512];
    load("data/compare-base.json", &a);
    load("data/compare-base.json", &b);
    set_all_rounds(&a, seven, 7);
    set_all_rounds(&b, seven, 7);
    set_rounds(run_of(&b, "pool", "churn"), seven, 7, 1.03);  /* every round 3 % slower */
    set_rounds(run_of(&b, "malloc", "churn"), seven, 7, 0.9); /* 10 % faster */
    assert_int_equal(compare_at(&a, &b, 5, &r, err, sizeof err), 0);
    const struct pb_compare_row *pool = row_of(&r, "pool", "ns/op");
    /* apart in every round: p = 2 / C(14, 7), far below alpha, but 3 % is under 5 % */
    assert_true(fabs(pool->p_value - 2.0 / 3432) < 1e-12);
    assert_string_equal(pool->verdict, "slower, within threshold");
    assert_false(pool->changed);
    assert_non_null(strstr(pool->test, "7+7 rounds"));
    assert_string_equal(row_of(&r, "malloc", "ns/op")->verdict, "faster");
    assert_true(row_of(&r, "malloc", "ns/op")->changed);
    assert_string_equal(row_of(&r, "null", "ns/op")->verdict, "no significant change");
    assert_int_equal(r.changed, 1);     /* malloc, faster */
    assert_int_equal(r.regressions, 0); /* faster is no regression */
    assert_int_equal(r.base_replays + r.new_replays, 0);
    pb_compare_report_free(&r);
    /* with a 2 % threshold the same 3 % is a regression */
    assert_int_equal(compare_at(&a, &b, 2, &r, err, sizeof err), 0);
    assert_string_equal(row_of(&r, "pool", "ns/op")->verdict, "REGRESSION");
    assert_int_equal(r.regressions, 1);
    pb_compare_report_free(&r);
    /* an effect above the threshold without significance is no change either:
     * the new rounds straddle the old ones, one of them far out */
    const double wide[] = {9.0, 9.5, 10.03, 12.0, 14.0, 15.0, 30.0};
    set_rounds(run_of(&b, "pool", "churn"), wide, 7, 1);
    assert_int_equal(compare_at(&a, &b, 5, &r, err, sizeof err), 0);
    pool = row_of(&r, "pool", "ns/op");
    assert_true(pool->new_value > pool->base * 1.05);
    assert_string_equal(pool->verdict, "no significant change");
    assert_false(pool->changed);
    pb_compare_report_free(&r);
    pb_results_file_free(&a);
    pb_results_file_free(&b);
}

static void test_compare_too_few_rounds_never_changed(void **state)
{
    (void)state;
    struct pb_results_file a, b;
    struct pb_compare_report r;
    char err[512];
    load("data/compare-base.json", &a);
    load("data/compare-base.json", &b);
    set_all_rounds(&a, seven, 3);
    set_all_rounds(&b, seven, 3);
    set_rounds(run_of(&b, "pool", "churn"), seven, 3, 2); /* twice as slow, 3 rounds a side */
    assert_int_equal(compare_at(&a, &b, 5, &r, err, sizeof err), 0);
    const struct pb_compare_row *pool = row_of(&r, "pool", "ns/op");
    assert_string_equal(pool->verdict, "too few rounds: 3 and 3");
    assert_false(pool->changed || pool->compared || pool->regressed);
    assert_true(isnan(pool->p_value));
    assert_int_equal(r.regressions, 0);
    pb_compare_report_free(&r);
    /* 3 against 7: the smallest p is 2 / C(10, 3) = 0.0167, not below 0.01 */
    set_rounds(run_of(&a, "pool", "churn"), seven, 7, 1);
    assert_int_equal(compare_at(&a, &b, 5, &r, err, sizeof err), 0);
    assert_string_equal(row_of(&r, "pool", "ns/op")->verdict, "too few rounds: 7 and 3");
    assert_int_equal(r.regressions, 0);
    pb_compare_report_free(&r);
    /* 4 and 4 reach 2/70 = 0.029: too few at alpha 0.01, a regression at 0.05 */
    set_rounds(run_of(&a, "pool", "churn"), seven, 4, 1);
    set_rounds(run_of(&b, "pool", "churn"), seven, 4, 2);
    assert_int_equal(compare_at(&a, &b, 5, &r, err, sizeof err), 0);
    assert_string_equal(row_of(&r, "pool", "ns/op")->verdict, "too few rounds: 4 and 4");
    pb_compare_report_free(&r);
    struct pb_compare_opts o = pb_compare_defaults();
    o.alpha = 0.05;
    assert_int_equal(pb_compare(&a, &b, &o, &r, err, sizeof err), 0);
    assert_string_equal(row_of(&r, "pool", "ns/op")->verdict, "REGRESSION");
    pb_compare_report_free(&r);
    pb_results_file_free(&a);
    pb_results_file_free(&b);
}

static void test_compare_old_file_against_rounds(void **state)
{
    (void)state;
    struct pb_results_file a, b;
    struct pb_compare_report r;
    char err[512];
    load("data/compare-base.json", &a); /* samples: 10 replays of one process each */
    load("data/compare-base.json", &b);
    set_all_rounds(&b, seven, 7);
    assert_int_equal(compare_at(&a, &b, 5, &r, err, sizeof err), 0);
    assert_int_equal(r.base_replays, 3);
    assert_int_equal(r.new_replays, 0);
    assert_non_null(strstr(row_of(&r, "pool", "ns/op")->test, "10+7 replays"));
    pb_compare_report_free(&r);
    pb_results_file_free(&a);
    pb_results_file_free(&b);
}

static void test_compare_memory_one_page_is_noise(void **state)
{
    (void)state;
    struct pb_results_file a, b;
    struct pb_compare_report r;
    char err[512];
    load("data/compare-base.json", &a);
    load("data/compare-base.json", &b);
    /* one page more on 19 pages is 5.3 %: identical runs differ like this */
    set_memory(run_of(&a, "malloc", "churn"), "peak_resident_bytes", 77824);
    set_memory(run_of(&b, "malloc", "churn"), "peak_resident_bytes", 81920);
    assert_int_equal(compare_at(&a, &b, 5, &r, err, sizeof err), 0);
    assert_string_equal(row_of(&r, "malloc", "peak_resident_bytes")->verdict, "within threshold");
    assert_int_equal(r.changed, 0);
    pb_compare_report_free(&r);
    set_memory(run_of(&b, "malloc", "churn"), "peak_resident_bytes", 86016); /* two pages */
    assert_int_equal(compare_at(&a, &b, 5, &r, err, sizeof err), 0);
    assert_string_equal(row_of(&r, "malloc", "peak_resident_bytes")->verdict, "REGRESSION");
    assert_int_equal(r.regressions, 1);
    pb_compare_report_free(&r);
    pb_results_file_free(&a);
    pb_results_file_free(&b);
}

static void test_compare_settings_reported(void **state)
{
    (void)state;
    struct pb_results_file a, b;
    struct pb_compare_report r;
    char err[512];
    load("data/compare-base.json", &a);
    load("data/compare-base.json", &b);
    cJSON *config = cJSON_GetObjectItem(b.doc, "config");
    cJSON_ReplaceItemInObject(config, "touch", cJSON_CreateString("full"));
    cJSON_ReplaceItemInObject(config, "repeat", cJSON_CreateNumber(3));
    cJSON_AddNumberToObject(config, "rounds", 7);
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(b.doc, "tool"), "git",
                              cJSON_CreateString("0123456789ab"));
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(b.doc, "machine"), "cores",
                              cJSON_CreateNumber(2));
    cJSON *w = cJSON_GetObjectItem(run_of(&b, "pool", "churn"), "workload");
    cJSON_ReplaceItemInObject(w, "params", cJSON_CreateString("churn:seed=2"));
    assert_int_equal(compare_at(&a, &b, 5, &r, err, sizeof err), 0);
    assert_int_equal(r.n_settings, 6);
    expect_setting(&r, "config.touch", "pages", "full");
    expect_setting(&r, "config.repeat", "10", "3");
    expect_setting(&r, "config.rounds", "(not recorded)", "7");
    expect_setting(&r, "tool.git", "8854e13a1f02", "0123456789ab");
    expect_setting(&r, "machine.cores", "8", "2");
    expect_setting(&r, "workload churn: params",
                   "churn:size=64,live=1000,pairs=200000,order=random,align=16,seed=1",
                   "churn:seed=2");
    assert_int_equal(r.pairs, 3);       /* still compared */
    assert_int_equal(r.regressions, 0); /* the figures are the same */
    pb_compare_report_free(&r);
    pb_results_file_free(&a);
    pb_results_file_free(&b);
}

static void test_compare_infinite_sample_not_tested(void **state)
{
    (void)state;
    struct pb_results_file a, b;
    struct pb_compare_report r;
    char err[512];
    load("data/compare-base.json", &a);
    load("data/compare-base.json", &b);
    set_all_rounds(&a, seven, 7);
    set_all_rounds(&b, seven, 7);
    double inf[7];
    memcpy(inf, seven, sizeof inf);
    inf[3] = INFINITY; /* a file may hold 1e999, which reads as infinity */
    set_rounds(run_of(&b, "pool", "churn"), inf, 7, 1);
    assert_int_equal(compare_at(&a, &b, 5, &r, err, sizeof err), 0);
    const struct pb_compare_row *pool = row_of(&r, "pool", "ns/op");
    assert_string_equal(pool->verdict, "not tested");
    assert_string_equal(pool->test, "a sample is not finite");
    assert_false(pool->compared || pool->changed);
    pb_compare_report_free(&r);
    pb_results_file_free(&a);
    pb_results_file_free(&b);
}

static void test_compare_bad_options(void **state)
{
    (void)state;
    struct pb_results_file a;
    struct pb_compare_report r;
    char err[512];
    load("data/compare-base.json", &a);
    const double alphas[] = {0, 1, -0.5, NAN};
    for (size_t i = 0; i < 4; i++) {
        struct pb_compare_opts o = pb_compare_defaults();
        o.alpha = alphas[i];
        assert_int_equal(pb_compare(&a, &a, &o, &r, err, sizeof err), -1);
        assert_non_null(strstr(err, "alpha"));
    }
    struct pb_compare_opts o = pb_compare_defaults();
    o.min_effect_pct = -1;
    assert_int_equal(pb_compare(&a, &a, &o, &r, err, sizeof err), -1);
    o = pb_compare_defaults();
    o.threshold_pct = INFINITY;
    assert_int_equal(pb_compare(&a, &a, &o, &r, err, sizeof err), -1);
    pb_results_file_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compare_same_file),
        cmocka_unit_test(test_compare_slower_faster),
        cmocka_unit_test(test_compare_memory_threshold),
        cmocka_unit_test(test_compare_new_failure_regresses),
        cmocka_unit_test(test_compare_backend_config_matters),
        cmocka_unit_test(test_compare_thread_count_matters),
        cmocka_unit_test(test_compare_mismatch_errors),
        cmocka_unit_test(test_compare_rounds_need_effect_and_significance),
        cmocka_unit_test(test_compare_too_few_rounds_never_changed),
        cmocka_unit_test(test_compare_old_file_against_rounds),
        cmocka_unit_test(test_compare_memory_one_page_is_noise),
        cmocka_unit_test(test_compare_settings_reported),
        cmocka_unit_test(test_compare_infinite_sample_not_tested),
        cmocka_unit_test(test_compare_bad_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
