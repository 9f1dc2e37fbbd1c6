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
#include "results_test.h"

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

/* Two results files (a the base, b the new one) and their comparison:
 * zeroed to start, freed together by pair_free. */
struct pair {
    struct pb_results_file a, b;
    struct pb_compare_report r;
    char err[512];
};

/* a read from base and b from new_path (b left empty when it is NULL). */
static void pair_load(struct pair *p, const char *base, const char *new_path)
{
    load(base, &p->a);
    if (new_path)
        load(new_path, &p->b);
}

/* p->r: a compared with b at threshold_pct (the test fails if it refuses). */
static void pair_compare(struct pair *p, double threshold_pct)
{
    assert_int_equal(compare_at(&p->a, &p->b, threshold_pct, &p->r, p->err, sizeof p->err), 0);
}

static void pair_free(struct pair *p)
{
    pb_compare_report_free(&p->r);
    pb_results_file_free(&p->a);
    pb_results_file_free(&p->b);
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
    struct pair p = {0};
    pair_load(&p, "data/results-sample.json", NULL);
    assert_int_equal(compare_at(&p.a, &p.a, 5, &p.r, p.err, sizeof p.err), 0);
    assert_int_equal(p.r.pairs, (size_t)cJSON_GetArraySize(p.a.runs));
    assert_int_equal(p.r.regressions, 0);
    assert_int_equal(count_verdict(&p.r, "ns/op", "no significant change"), 11); /* 12 - 1 failed */
    assert_int_equal(count_verdict(&p.r, "status", "failed in both"), 1);
    assert_int_equal(p.r.changed, 0);
    assert_int_equal(p.r.n_settings, 0);  /* one file: no setting differs */
    assert_int_equal(p.r.base_replays, 11); /* a file from before rounds: noted */
    assert_int_equal(p.r.new_replays, 11);
    pair_free(&p);
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

static void test_compare_slower_faster(void **state)
{
    (void)state;
    struct pair p = {0};
    pair_load(&p, "data/results-sample.json", "data/results-sample.json");
    scale_time(rt_run_of(&p.b, "malloc", "churn"), 1.5);  /* slower by 50 %: a regression */
    scale_time(rt_run_of(&p.b, "arena", "churn"), 0.5);   /* faster */
    scale_time(rt_run_of(&p.b, "pool", "churn"), 1.5);
    pair_compare(&p, 5);
    assert_int_equal(p.r.regressions, 2);
    assert_int_equal(count_verdict(&p.r, "ns/op", "REGRESSION"), 2);
    assert_int_equal(count_verdict(&p.r, "ns/op", "faster"), 1);
    pb_compare_report_free(&p.r);
    /* a threshold above the slowdown: significant, but within it */
    pair_compare(&p, 60);
    assert_int_equal(p.r.regressions, 0);
    assert_int_equal(count_verdict(&p.r, "ns/op", "slower, within threshold"), 2);
    pair_free(&p);
}

static void set_memory(cJSON *run, const char *field, double v)
{
    cJSON_SetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(run, "memory"), field), v);
}

static void test_compare_memory_threshold(void **state)
{
    (void)state;
    struct pair p = {0};
    pair_load(&p, "data/results-sample.json", "data/results-sample.json");
    cJSON *m = rt_run_of(&p.b, "malloc", "mixed:max=64");
    double res = pb_json_number(m, "memory.peak_resident_bytes");
    set_memory(m, "peak_resident_bytes", res * 1.04); /* +4 %: more than a page, under 5 % */
    double fp = pb_json_number(rt_run_of(&p.b, "arena", "churn"), "memory.peak_footprint_bytes");
    set_memory(rt_run_of(&p.b, "arena", "churn"), "peak_footprint_bytes", fp * 1.2);
    double w = pb_json_number(rt_run_of(&p.b, "pool", "churn"), "memory.wasted_page_bytes");
    set_memory(rt_run_of(&p.b, "pool", "churn"), "wasted_page_bytes", w + 4095); /* under a page */
    pair_compare(&p, 5);
    assert_int_equal(p.r.regressions, 1);
    assert_int_equal(count_verdict(&p.r, "peak_footprint_bytes", "REGRESSION"), 1);
    pair_free(&p);
}

static void test_compare_new_failure_regresses(void **state)
{
    (void)state;
    struct pair p = {0};
    pair_load(&p, "data/results-sample.json", "data/results-sample.json");
    cJSON *run = rt_run_of(&p.b, "arena", "mixed:max=64");
    cJSON_ReplaceItemInObject(run, "status", cJSON_CreateString("failed"));
    pair_compare(&p, 5);
    assert_int_equal(p.r.regressions, 1);
    assert_int_equal(count_verdict(&p.r, "status", "REGRESSION (new run failed)"), 1);
    pb_compare_report_free(&p.r);
    /* and the other way round: fixed, not a regression */
    assert_int_equal(compare_at(&p.b, &p.a, 5, &p.r, p.err, sizeof p.err), 0);
    assert_int_equal(p.r.regressions, 0);
    assert_int_equal(count_verdict(&p.r, "status", "fixed"), 1);
    pair_free(&p);
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
    struct pair p = {0};
    pair_load(&p, "data/compare-base.json", "data/compare-base.json");
    cJSON *cfg = cJSON_GetObjectItem(rt_run_of(&p.b, "pool", "churn"), "backend_config");
    cJSON_ReplaceItemInObject(cfg, "chunk", cJSON_CreateString("128"));
    pair_compare(&p, 5);
    assert_int_equal(p.r.pairs, 2); /* pool:chunk=64 and pool:chunk=128 are not a pair */
    assert_int_equal(p.r.only_base, 1);
    assert_int_equal(p.r.only_new, 1);
    /* and the reader is told why: the one setting that differs */
    assert_int_equal(p.r.n_settings, 1);
    expect_setting(&p.r, "backend_config of pool: chunk", "64", "128");
    pair_free(&p);
}

static void test_compare_thread_count_matters(void **state)
{
    (void)state;
    struct pair p = {0};
    char label[256];
    pair_load(&p, "data/compare-base.json", "data/compare-base.json");
    cJSON *run = rt_run_of(&p.b, "pool", "churn");
    cJSON *time = cJSON_GetObjectItem(run, "time");
    cJSON_AddNumberToObject(time, "threads", 2);
    assert_string_equal(pb_run_backend_label(run, label, sizeof label), "pool x2 threads");
    pair_compare(&p, 5);
    assert_int_equal(p.r.pairs, 2); /* pool on 1 thread and on 2 are not a pair */
    assert_int_equal(p.r.only_base, 1);
    assert_int_equal(p.r.only_new, 1);
    pair_free(&p);
}

static void test_compare_mismatch_errors(void **state)
{
    (void)state;
    struct pair p = {0};
    pair_load(&p, "data/compare-base.json", "data/compare-disjoint.json");
    assert_int_equal(compare_at(&p.a, &p.b, 5, &p.r, p.err, sizeof p.err), -1);
    assert_non_null(strstr(p.err, "no (backend, workload) pair in common"));
    pb_results_file_free(&p.b);
    load("data/compare-base.json", &p.b);
    cJSON_ReplaceItemInObject(p.b.doc, "schema", cJSON_CreateString("poolbench-results/2"));
    assert_int_equal(compare_at(&p.a, &p.b, 5, &p.r, p.err, sizeof p.err), -1);
    assert_non_null(strstr(p.err, "poolbench-results/2"));
    pair_free(&p);
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
    struct pair p = {0};
    pair_load(&p, "data/compare-base.json", "data/compare-base.json");
    set_all_rounds(&p.a, seven, 7);
    set_all_rounds(&p.b, seven, 7);
    set_rounds(rt_run_of(&p.b, "pool", "churn"), seven, 7, 1.03);  /* every round 3 % slower */
    set_rounds(rt_run_of(&p.b, "malloc", "churn"), seven, 7, 0.9); /* 10 % faster */
    pair_compare(&p, 5);
    const struct pb_compare_row *pool = row_of(&p.r, "pool", "ns/op");
    /* apart in every round: p = 2 / C(14, 7), far below alpha, but 3 % is under 5 % */
    assert_true(fabs(pool->p_value - 2.0 / 3432) < 1e-12);
    assert_string_equal(pool->verdict, "slower, within threshold");
    assert_false(pool->changed);
    assert_non_null(strstr(pool->test, "7+7 rounds"));
    assert_string_equal(row_of(&p.r, "malloc", "ns/op")->verdict, "faster");
    assert_true(row_of(&p.r, "malloc", "ns/op")->changed);
    assert_string_equal(row_of(&p.r, "null", "ns/op")->verdict, "no significant change");
    assert_int_equal(p.r.changed, 1);     /* malloc, faster */
    assert_int_equal(p.r.regressions, 0); /* faster is no regression */
    assert_int_equal(p.r.base_replays + p.r.new_replays, 0);
    pb_compare_report_free(&p.r);
    /* with a 2 % threshold the same 3 % is a regression */
    pair_compare(&p, 2);
    assert_string_equal(row_of(&p.r, "pool", "ns/op")->verdict, "REGRESSION");
    assert_int_equal(p.r.regressions, 1);
    pb_compare_report_free(&p.r);
    /* an effect above the threshold without significance is no change either:
     * the new rounds straddle the old ones, one of them far out */
    const double wide[] = {9.0, 9.5, 10.03, 12.0, 14.0, 15.0, 30.0};
    set_rounds(rt_run_of(&p.b, "pool", "churn"), wide, 7, 1);
    pair_compare(&p, 5);
    pool = row_of(&p.r, "pool", "ns/op");
    assert_true(pool->new_value > pool->base * 1.05);
    assert_string_equal(pool->verdict, "no significant change");
    assert_false(pool->changed);
    pair_free(&p);
}

static void test_compare_too_few_rounds_never_changed(void **state)
{
    (void)state;
    struct pair p = {0};
    pair_load(&p, "data/compare-base.json", "data/compare-base.json");
    set_all_rounds(&p.a, seven, 3);
    set_all_rounds(&p.b, seven, 3);
    set_rounds(rt_run_of(&p.b, "pool", "churn"), seven, 3, 2); /* twice as slow, 3 rounds a side */
    pair_compare(&p, 5);
    const struct pb_compare_row *pool = row_of(&p.r, "pool", "ns/op");
    assert_string_equal(pool->verdict, "too few rounds: 3 and 3");
    assert_false(pool->changed || pool->compared || pool->regressed);
    assert_true(isnan(pool->p_value));
    assert_int_equal(p.r.regressions, 0);
    pb_compare_report_free(&p.r);
    /* 3 against 7: the smallest p is 2 / C(10, 3) = 0.0167, not below 0.01 */
    set_rounds(rt_run_of(&p.a, "pool", "churn"), seven, 7, 1);
    pair_compare(&p, 5);
    assert_string_equal(row_of(&p.r, "pool", "ns/op")->verdict, "too few rounds: 7 and 3");
    assert_int_equal(p.r.regressions, 0);
    pb_compare_report_free(&p.r);
    /* 4 and 4 reach 2/70 = 0.029: too few at alpha 0.01, a regression at 0.05 */
    set_rounds(rt_run_of(&p.a, "pool", "churn"), seven, 4, 1);
    set_rounds(rt_run_of(&p.b, "pool", "churn"), seven, 4, 2);
    pair_compare(&p, 5);
    assert_string_equal(row_of(&p.r, "pool", "ns/op")->verdict, "too few rounds: 4 and 4");
    pb_compare_report_free(&p.r);
    struct pb_compare_opts o = pb_compare_defaults();
    o.alpha = 0.05;
    assert_int_equal(pb_compare(&p.a, &p.b, &o, &p.r, p.err, sizeof p.err), 0);
    assert_string_equal(row_of(&p.r, "pool", "ns/op")->verdict, "REGRESSION");
    pair_free(&p);
}

static void test_compare_old_file_against_rounds(void **state)
{
    (void)state;
    struct pair p = {0};
    /* the base's samples: 10 replays of one process each */
    pair_load(&p, "data/compare-base.json", "data/compare-base.json");
    set_all_rounds(&p.b, seven, 7);
    pair_compare(&p, 5);
    assert_int_equal(p.r.base_replays, 3);
    assert_int_equal(p.r.new_replays, 0);
    assert_non_null(strstr(row_of(&p.r, "pool", "ns/op")->test, "10+7 replays"));
    pair_free(&p);
}

static void test_compare_memory_one_page_is_noise(void **state)
{
    (void)state;
    struct pair p = {0};
    pair_load(&p, "data/compare-base.json", "data/compare-base.json");
    /* one page more on 19 pages is 5.3 %: identical runs differ like this */
    set_memory(rt_run_of(&p.a, "malloc", "churn"), "peak_resident_bytes", 77824);
    set_memory(rt_run_of(&p.b, "malloc", "churn"), "peak_resident_bytes", 81920);
    pair_compare(&p, 5);
    assert_string_equal(row_of(&p.r, "malloc", "peak_resident_bytes")->verdict, "within threshold");
    assert_int_equal(p.r.changed, 0);
    pb_compare_report_free(&p.r);
    set_memory(rt_run_of(&p.b, "malloc", "churn"), "peak_resident_bytes", 86016); /* two pages */
    pair_compare(&p, 5);
    assert_string_equal(row_of(&p.r, "malloc", "peak_resident_bytes")->verdict, "REGRESSION");
    assert_int_equal(p.r.regressions, 1);
    pair_free(&p);
}

static void test_compare_settings_reported(void **state)
{
    (void)state;
    struct pair p = {0};
    pair_load(&p, "data/compare-base.json", "data/compare-base.json");
    cJSON *config = cJSON_GetObjectItem(p.b.doc, "config");
    cJSON_ReplaceItemInObject(config, "touch", cJSON_CreateString("full"));
    cJSON_ReplaceItemInObject(config, "repeat", cJSON_CreateNumber(3));
    cJSON_AddNumberToObject(config, "rounds", 7);
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(p.b.doc, "tool"), "git",
                              cJSON_CreateString("0123456789ab"));
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(p.b.doc, "machine"), "cores",
                              cJSON_CreateNumber(2));
    cJSON *w = cJSON_GetObjectItem(rt_run_of(&p.b, "pool", "churn"), "workload");
    cJSON_ReplaceItemInObject(w, "params", cJSON_CreateString("churn:seed=2"));
    pair_compare(&p, 5);
    assert_int_equal(p.r.n_settings, 6);
    expect_setting(&p.r, "config.touch", "pages", "full");
    expect_setting(&p.r, "config.repeat", "10", "3");
    expect_setting(&p.r, "config.rounds", "(not recorded)", "7");
    expect_setting(&p.r, "tool.git", "8854e13a1f02", "0123456789ab");
    expect_setting(&p.r, "machine.cores", "8", "2");
    expect_setting(&p.r, "workload churn: params",
                   "churn:size=64,live=1000,pairs=200000,order=random,align=16,seed=1",
                   "churn:seed=2");
    assert_int_equal(p.r.pairs, 3);       /* still compared */
    assert_int_equal(p.r.regressions, 0); /* the figures are the same */
    pair_free(&p);
}

static void test_compare_infinite_sample_not_tested(void **state)
{
    (void)state;
    struct pair p = {0};
    pair_load(&p, "data/compare-base.json", "data/compare-base.json");
    set_all_rounds(&p.a, seven, 7);
    set_all_rounds(&p.b, seven, 7);
    double inf[7];
    memcpy(inf, seven, sizeof inf);
    inf[3] = INFINITY; /* a file may hold 1e999, which reads as infinity */
    set_rounds(rt_run_of(&p.b, "pool", "churn"), inf, 7, 1);
    pair_compare(&p, 5);
    const struct pb_compare_row *pool = row_of(&p.r, "pool", "ns/op");
    assert_string_equal(pool->verdict, "not tested");
    assert_string_equal(pool->test, "a sample is not finite");
    assert_false(pool->compared || pool->changed);
    pair_free(&p);
}

static void test_compare_bad_options(void **state)
{
    (void)state;
    struct pair p = {0};
    pair_load(&p, "data/compare-base.json", NULL);
    const double alphas[] = {0, 1, -0.5, NAN};
    for (size_t i = 0; i < 4; i++) {
        struct pb_compare_opts o = pb_compare_defaults();
        o.alpha = alphas[i];
        assert_int_equal(pb_compare(&p.a, &p.a, &o, &p.r, p.err, sizeof p.err), -1);
        assert_non_null(strstr(p.err, "alpha"));
    }
    struct pb_compare_opts o = pb_compare_defaults();
    o.min_effect_pct = -1;
    assert_int_equal(pb_compare(&p.a, &p.a, &o, &p.r, p.err, sizeof p.err), -1);
    o = pb_compare_defaults();
    o.threshold_pct = INFINITY;
    assert_int_equal(pb_compare(&p.a, &p.a, &o, &p.r, p.err, sizeof p.err), -1);
    pair_free(&p);
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
