/*
 * test_plot_export.c -- reading results files and writing the chart data:
 * every TSV checked against the figures of the sample results it came from.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pb_text.h"
#include "plot_export.h"
#include "results_test.h"

#define SAMPLE "data/results-sample.json"
#define SAMPLE_B "data/results-sample-b.json"

/* One writer's output, captured in memory. */
struct capture {
    char *tsv, *vars;
    size_t tsv_len, vars_len;
    FILE *t, *v;
};

static void capture_open(struct capture *c)
{
    memset(c, 0, sizeof *c);
    c->t = open_memstream(&c->tsv, &c->tsv_len);
    c->v = open_memstream(&c->vars, &c->vars_len);
    assert_non_null(c->t);
    assert_non_null(c->v);
}

static void capture_close(struct capture *c)
{
    fclose(c->t);
    fclose(c->v);
}

static void capture_free(struct capture *c)
{
    free(c->tsv);
    free(c->vars);
    c->tsv = c->vars = NULL;
}

static void read_set(struct pb_results_set *set, size_t n_files)
{
    char *paths[] = {SAMPLE, SAMPLE_B};
    char err[512];
    if (pb_results_set_read(set, paths, n_files, err, sizeof err))
        fail_msg("%s", err);
}

#define ROUNDS "data/results-rounds.json"

static void read_rounds(struct pb_results_set *set)
{
    char *paths[] = {ROUNDS};
    char err[512];
    if (pb_results_set_read(set, paths, 1, err, sizeof err))
        fail_msg("%s", err);
}

static void remove_checked(const char *dir);

/* What a test of the writers holds: the results read, their index, one
 * writer's output and, for the tests that run gnuplot, the charts exported to
 * a directory of their own. Zeroed to start; case_free frees what is there
 * and removes the directory. */
struct plot_case {
    struct pb_results_set set;
    struct pb_plot_index ix;
    struct capture c;
    struct pb_plot_charts charts;
    char dir[32];
};

static void case_read(struct plot_case *k, size_t n_files)
{
    read_set(&k->set, n_files);
}

static void case_read_rounds(struct plot_case *k)
{
    read_rounds(&k->set);
}

/* A new directory for the charts (removed by case_free). */
static void case_dir(struct plot_case *k)
{
    snprintf(k->dir, sizeof k->dir, "/tmp/pb-plot-test.XXXXXX");
    assert_non_null(mkdtemp(k->dir));
}

/* The index of k's results built, and a capture opened for a writer. */
static void case_capture(struct plot_case *k)
{
    char err[256];
    assert_int_equal(pb_plot_index_build(&k->set, &k->ix, err, sizeof err), 0);
    capture_open(&k->c);
}

/* Every chart of k's results exported to k's directory. */
static void case_export(struct plot_case *k, struct pb_plot_notes *notes)
{
    char err[512];
    assert_int_equal(pb_plot_export(&k->set, k->dir, &k->charts, notes, err, sizeof err), 0);
}

static void case_free(struct plot_case *k)
{
    capture_free(&k->c);
    pb_plot_charts_free(&k->charts);
    pb_plot_index_free(&k->ix);
    pb_results_set_free(&k->set);
    if (k->dir[0])
        remove_checked(k->dir);
}

/* The data line of tsv whose first column is key (a copy), or NULL. */
static char *line_of(const char *tsv, const char *key)
{
    size_t klen = strlen(key);
    for (const char *p = tsv; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncmp(p, key, klen) == 0 && p[klen] == '\t') {
            size_t n = strcspn(p, "\n");
            char *l = malloc(n + 1);
            memcpy(l, p, n);
            l[n] = '\0';
            return l;
        }
    }
    return NULL;
}

/* Field k (0: the key) of a TSV line, as a number (NaN for "NaN"). */
static double field(const char *line, int k)
{
    const char *p = line;
    for (int i = 0; i < k && p; i++)
        p = strchr(p, '\t') ? strchr(p, '\t') + 1 : NULL;
    assert_non_null(p);
    return strncmp(p, "NaN", 3) == 0 ? NAN : strtod(p, NULL);
}

static size_t count(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* ---- reading ------------------------------------------------------------------ */

static void test_read_sample(void **state)
{
    (void)state;
    struct pb_results_set set;
    read_set(&set, 1);
    assert_int_equal(set.n, 1);
    assert_string_equal(set.files[0].label, "results-sample.json");
    assert_int_equal(cJSON_GetArraySize(set.files[0].runs), 12);
    char m[256];
    assert_non_null(strstr(pb_results_machine(&set.files[0], m, sizeof m), "i7-8650U"));
    pb_results_set_free(&set);
}

/* Parse text; expect failure with a message containing want. */
static void expect_parse_error(const char *text, const char *want)
{
    struct pb_results_file f;
    char err[512] = "";
    assert_int_equal(pb_results_parse("x.json", text, &f, err, sizeof err), -1);
    if (!strstr(err, want))
        fail_msg("error '%s' does not contain '%s'", err, want);
    assert_non_null(strstr(err, "x.json"));
}

static void test_read_rejects_non_results(void **state)
{
    (void)state;
    expect_parse_error("{\"name\": 1}", "not a poolbench results file");
    expect_parse_error("[1, 2]", "not a poolbench results file");
    expect_parse_error("{\"schema\": \"poolbench-results/1\", ",
                       "x.json:1:34: not a poolbench results file: invalid JSON");
    expect_parse_error("{\"schema\": \"other/3\", \"machine\": {}, \"runs\": []}",
                       "schema \"other/3\" is not \"poolbench-results/1\"");
    expect_parse_error("{\"schema\": \"poolbench-results/1\", \"machine\": {}}", "runs: missing");
}

/* A results file is untrusted JSON too (pb_json_parse): a key given twice is
 * ambiguous (a lookup would see only the first), nesting has a limit, and
 * strings quoted in messages stay text. */
static void test_read_rejects_ambiguous_json(void **state)
{
    (void)state;
    expect_parse_error("{\"schema\": \"poolbench-results/1\", \"machine\": {},\n"
                       " \"runs\": [], \"runs\": [{}]}",
                       "x.json:2:14: not a poolbench results file: duplicate key \"runs\" (first "
                       "at line 2)");
    expect_parse_error("{\"schema\": \"poolbench-results/1\", \"machine\": {\"cpu\": \"a\",\n"
                       " \"cpu\": \"b\"}, \"runs\": []}",
                       "x.json:2:2: not a poolbench results file: duplicate key \"cpu\"");
    char deep[2100] = "{\"schema\": \"poolbench-results/1\", \"x\": ";
    size_t len = strlen(deep);
    memset(deep + len, '[', 1000);
    deep[len + 1000] = '\0';
    expect_parse_error(deep, "x.json:1:1039: not a poolbench results file: nesting deeper than "
                             "1000 levels");
    expect_parse_error("{\"schema\": \"\\u001b[2J\", \"machine\": {}, \"runs\": []}",
                       "x.json: schema \"?[2J\" is not \"poolbench-results/1\"");
}

/* The sample's text with the first occurrence of from replaced by to. */
static char *sample_with(const char *from, const char *to)
{
    FILE *f = fopen(SAMPLE, "rb");
    assert_non_null(f);
    static char buf[1 << 18];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *at = strstr(buf, from);
    assert_non_null(at);
    char *out = malloc(n + strlen(to) + 1);
    size_t pre = (size_t)(at - buf);
    memcpy(out, buf, pre);
    strcpy(out + pre, to);
    strcat(out, at + strlen(from));
    return out;
}

static void test_read_names_missing_field(void **state)
{
    (void)state;
    char *text = sample_with("\"peak_resident_bytes\"", "\"peak_resident_bytez\"");
    expect_parse_error(text, "runs[0].memory.peak_resident_bytes: missing");
    free(text);
    text = sample_with("\"median\"", "\"middle\"");
    expect_parse_error(text, "runs[0].time.ns_per_op.median: missing");
    free(text);
    text = sample_with("\"status\": \"ok\"", "\"status\": \"fine\"");
    expect_parse_error(text, "runs[0].status: not \"ok\", \"refused\" or \"failed\"");
    free(text);
}

static void test_read_accepts_null_figures(void **state)
{
    (void)state;
    /* the null backend's memory figures are null: reading them gives NaN */
    struct pb_results_set set;
    read_set(&set, 1);
    const cJSON *null_run = rt_run_of(&set.files[0], "null", "churn");
    assert_true(isnan(pb_json_number(null_run, "memory.peak_resident_bytes")));
    assert_true(pb_json_number(null_run, "time.ns_per_op.median") > 0);
    pb_results_set_free(&set);
}

static void test_backend_key_sorts_config(void **state)
{
    (void)state;
    cJSON *a = cJSON_Parse("{\"backend\": \"pool\", \"backend_config\": "
                           "{\"slab\": \"65536\", \"chunk\": \"64\"}}");
    cJSON *b = cJSON_Parse("{\"backend\": \"pool\", \"backend_config\": "
                           "{\"chunk\": \"64\", \"slab\": \"65536\"}}");
    char ka[256], kb[256];
    assert_string_equal(pb_run_backend_key(a, ka, sizeof ka), "pool chunk=64 slab=65536");
    assert_string_equal(pb_run_backend_key(b, kb, sizeof kb), ka);
    cJSON_Delete(a);
    cJSON_Delete(b);
}

/* ---- helpers -------------------------------------------------------------------- */

static void test_unit_and_safe_name(void **state)
{
    (void)state;
    double s;
    assert_string_equal(pb_plot_unit(1000, &s), "B");
    assert_true(s == 1);
    assert_string_equal(pb_plot_unit(64000, &s), "KiB");
    assert_true(s == 1024);
    assert_string_equal(pb_plot_unit(13.2 * 1048576, &s), "MiB");
    assert_string_equal(pb_plot_unit(NAN, &s), "B");
    char out[64];
    pb_plot_safe_name("mixed:max=64", out, sizeof out);
    assert_string_equal(out, "mixed_max_64");
    pb_plot_safe_name("espresso_small", out, sizeof out);
    assert_string_equal(out, "espresso_small");
    pb_plot_safe_name("../x y", out, sizeof out);
    assert_string_equal(out, ".._x_y");
}

static void test_index_one_file(void **state)
{
    (void)state;
    struct pb_results_set set;
    struct pb_plot_index ix;
    char err[256];
    read_set(&set, 1);
    assert_int_equal(pb_plot_index_build(&set, &ix, err, sizeof err), 0);
    assert_int_equal(ix.n_series, 4);
    assert_int_equal(ix.n_workloads, 3);
    assert_string_equal(ix.series[0].label, "null");
    assert_string_equal(ix.series[1].label, "pool");
    assert_string_equal(ix.workloads[1], "mixed:max=64");
    pb_plot_index_free(&ix);
    pb_results_set_free(&set);
}

static void test_index_overlay_groups_by_backend(void **state)
{
    (void)state;
    struct pb_results_set set;
    struct pb_plot_index ix;
    char err[256];
    read_set(&set, 2);
    assert_int_equal(pb_plot_index_build(&set, &ix, err, sizeof err), 0);
    assert_int_equal(ix.n_series, 8);
    assert_string_equal(ix.series[0].label, "null (results-sample.json)");
    assert_string_equal(ix.series[1].label, "null (results-sample-b.json)");
    assert_string_equal(ix.series[2].label, "pool (results-sample.json)");
    assert_int_equal(ix.series[2].colour, ix.series[3].colour);
    assert_int_equal(ix.series[3].file, 1);
    /* two machines: one title line per file */
    assert_non_null(strstr(ix.machine, "results-sample.json: Intel"));
    assert_non_null(strstr(ix.machine, "\nresults-sample-b.json: AMD EPYC"));
    pb_plot_index_free(&ix);
    pb_results_set_free(&set);
}

/* ---- the writers ------------------------------------------------------------------ */

/* The columns of series s (from 0) in throughput.tsv: 14 per series after
 * the workload. */
enum {
    TP_GAP = 1, TP_MED, TP_LO, TP_HI, TP_NOISY, TP_CMED, TP_CLO, TP_CHI, TP_CNOISY,
    TP_NET, TP_NLO, TP_NHI, TP_NNOISY, TP_NSTATE, TP_COLS = 14
};

static double tp_field(const char *line, int s, int col)
{
    return field(line, TP_COLS * s + col);
}

/* Field k of a TSV line as text (a copy into buf). */
static const char *text_field(const char *line, int k, char *buf, size_t len)
{
    const char *p = line;
    for (int i = 0; i < k && p; i++)
        p = strchr(p, '\t') ? strchr(p, '\t') + 1 : NULL;
    assert_non_null(p);
    size_t n = strcspn(p, "\t\n");
    assert_true(n < len);
    memcpy(buf, p, n);
    buf[n] = '\0';
    return buf;
}

/* The gap label of series s on a throughput line. */
static const char *tp_gap(const char *line, int s, char *buf, size_t len)
{
    return text_field(line, TP_COLS * s + TP_GAP, buf, len);
}

/* a equals b as %.9g writes it; NaN equals NaN */
static int near(double a, double b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b);
    return fabs(a - b) <= 1e-8 * fabs(b) + 1e-12;
}

/* The throughput TSV and vars of k's results, with their index and notes. */
static void throughput_of(struct plot_case *k, struct pb_plot_notes *notes)
{
    case_capture(k);
    assert_true(pb_plot_write_throughput(&k->set, &k->ix, k->c.t, k->c.v, notes) > 0);
    capture_close(&k->c);
}

static void test_throughput(void **state)
{
    (void)state;
    struct plot_case pc = {0};
    struct pb_plot_notes notes = {0};
    case_read(&pc, 1);
    throughput_of(&pc, &notes);
    char *churn = line_of(pc.c.tsv, "churn");
    assert_non_null(churn);
    /* series 1 (pool): a file without intervals: whiskers from min to max */
    const cJSON *pool = rt_run_of(&pc.set.files[0], "pool", "churn");
    assert_true(near(tp_field(churn, 1, TP_MED), pb_json_number(pool, "time.ns_per_op.median")));
    assert_true(near(tp_field(churn, 1, TP_LO), pb_json_number(pool, "time.ns_per_op.min")));
    assert_true(near(tp_field(churn, 1, TP_HI), pb_json_number(pool, "time.ns_per_op.max")));
    assert_true(near(tp_field(churn, 1, TP_NET), pb_json_number(pool, "time.net_ns_per_op")));
    assert_true(tp_field(churn, 1, TP_NSTATE) == 0);
    assert_true(isnan(tp_field(churn, 1, TP_CMED))); /* no cold replays in this file */
    assert_true(isnan(tp_field(churn, 1, TP_NLO)));  /* nor net intervals */
    assert_true(tp_field(churn, 0, TP_NSTATE) == 3); /* null: the baseline */
    /* the failed pool run on the trace: NaN, and a note saying why */
    char *trace = line_of(pc.c.tsv, "espresso_small");
    assert_true(isnan(tp_field(trace, 1, TP_MED)) && isnan(tp_field(trace, 1, TP_NET)));
    assert_true(isnan(tp_field(trace, 1, TP_NSTATE)));
    assert_false(isnan(tp_field(trace, 2, TP_MED))); /* arena ran */
    assert_int_equal(notes.n, 1);
    assert_non_null(strstr(notes.text[0], "pool on espresso_small failed"));
    assert_non_null(strstr(notes.text[0], "exceeds the pool's chunk"));
    /* the variables */
    assert_non_null(strstr(pc.c.vars, "NS = 4\n"));
    assert_non_null(strstr(pc.c.vars, "NW = 3\n"));
    assert_non_null(strstr(pc.c.vars, "array series[4] = ['null', 'pool', 'arena', 'malloc']"));
    assert_non_null(strstr(pc.c.vars, "machine = 'Intel(R) Core(TM) i7-8650U"));
    assert_non_null(strstr(pc.c.vars, "has_cold = 0\n"));
    assert_non_null(strstr(pc.c.vars, "note_time = 'bars: median over 10 timed replays, whiskers: "
                                   "min-max (the file has no interval); ~: noisy"));
    free(churn);
    free(trace);
    case_free(&pc);
}

/* A file without noisy flags: the flag's rule on min..max (wider than 10 %
 * of the median). */
static void test_throughput_noisy_without_flag(void **state)
{
    (void)state;
    struct plot_case pc = {0};
    case_read(&pc, 1);
    throughput_of(&pc, NULL);
    int noisy = 0, quiet = 0;
    for (size_t w = 0; w < pc.ix.n_workloads; w++) {
        char *line = line_of(pc.c.tsv, pc.ix.workloads[w]);
        for (size_t s = 0; s < pc.ix.n_series; s++) {
            const cJSON *run = pb_plot_find_run(&pc.set, &pc.ix.series[s], pc.ix.workloads[w]);
            double med = pb_json_number(run, "time.ns_per_op.median");
            if (!pb_run_ok(run))
                continue;
            double width = pb_json_number(run, "time.ns_per_op.max") -
                           pb_json_number(run, "time.ns_per_op.min");
            double want = width > 0.1 * med;
            assert_true(tp_field(line, (int)s, TP_NOISY) == want);
            noisy += want == 1;
            quiet += want == 0;
        }
        free(line);
    }
    assert_true(noisy > 0 && quiet > 0); /* the sample has both */
    case_free(&pc);
}

/* A distribution object's cells: bar = median, whiskers = ci_low..ci_high,
 * noisy = its flag. */
static void expect_dist(const char *line, int s, int col, const cJSON *dist)
{
    assert_true(near(tp_field(line, s, col), pb_json_number(dist, "median")));
    assert_true(near(tp_field(line, s, col + 1), pb_json_number(dist, "ci_low")));
    assert_true(near(tp_field(line, s, col + 2), pb_json_number(dist, "ci_high")));
    assert_true(tp_field(line, s, col + 3) ==
                cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(dist, "noisy")));
}

/* A file with rounds: the whiskers are the interval of the median, warm and
 * cold, and the noisy column its flag, for every run. */
static void test_throughput_intervals(void **state)
{
    (void)state;
    struct plot_case pc = {0};
    case_read_rounds(&pc);
    /* from 6 rounds on the interval lies inside min..max: as a longer run's */
    cJSON *narrow = cJSON_GetObjectItem(
        cJSON_GetObjectItem(rt_run_of(&pc.set.files[0], "malloc", "churn"), "time"),
        "ns_per_op");
    double mid = pb_json_number(narrow, "median");
    cJSON_ReplaceItemInObject(narrow, "min", cJSON_CreateNumber(mid * 0.5));
    cJSON_ReplaceItemInObject(narrow, "max", cJSON_CreateNumber(mid * 2));
    throughput_of(&pc, NULL);
    int noisy = 0, quiet = 0;
    for (size_t w = 0; w < pc.ix.n_workloads; w++) {
        char *line = line_of(pc.c.tsv, pc.ix.workloads[w]);
        assert_non_null(line);
        for (size_t s = 0; s < pc.ix.n_series; s++) {
            const cJSON *t = cJSON_GetObjectItem(
                pb_plot_find_run(&pc.set, &pc.ix.series[s], pc.ix.workloads[w]), "time");
            const cJSON *warm = cJSON_GetObjectItem(t, "ns_per_op");
            expect_dist(line, (int)s, TP_MED, warm);
            expect_dist(line, (int)s, TP_CMED, cJSON_GetObjectItem(t, "cold_ns_per_op"));
            noisy += cJSON_IsTrue(cJSON_GetObjectItem(warm, "noisy"));
            quiet += cJSON_IsFalse(cJSON_GetObjectItem(warm, "noisy"));
        }
        free(line);
    }
    assert_true(noisy > 0 && quiet > 0); /* the fixture has both */
    assert_non_null(strstr(pc.c.vars, "has_cold = 1\n"));
    assert_non_null(strstr(pc.c.vars, "note_time = 'bars: median over 5 rounds, whiskers: 95 % "
                                   "interval (min-max below 6 rounds); ~: noisy (interval wider "
                                   "than 10 % of the median)'\n"));
    assert_non_null(strstr(pc.c.vars, "whiskers: the interval of the round-by-round differences"));
    case_free(&pc);
}

/* A run whose file has no interval falls back to min..max, and the
 * footnote says some whiskers are. */
static void test_throughput_interval_fallback(void **state)
{
    (void)state;
    struct plot_case pc = {0};
    case_read_rounds(&pc);
    cJSON *t = cJSON_GetObjectItem(rt_run_of(&pc.set.files[0], "malloc", "churn"), "time");
    cJSON *warm = cJSON_GetObjectItem(t, "ns_per_op");
    cJSON_DeleteItemFromObject(warm, "ci_low");
    cJSON_DeleteItemFromObject(warm, "ci_high");
    cJSON_ReplaceItemInObject(warm, "min", cJSON_CreateNumber(1.25));
    cJSON_ReplaceItemInObject(warm, "max", cJSON_CreateNumber(99.5));
    throughput_of(&pc, NULL);
    char *churn = line_of(pc.c.tsv, "churn");
    assert_true(tp_field(churn, 3, TP_LO) == 1.25);
    assert_true(tp_field(churn, 3, TP_HI) == 99.5);
    assert_non_null(strstr(pc.c.vars, "whiskers: 95 % interval (min-max below 6 rounds or without "
                                   "one)"));
    free(churn);
    case_free(&pc);
}

/* Every net cell (bar and whiskers) is NaN or at least 0. */
static void expect_no_negative_net(const char *tsv, const struct pb_plot_index *ix)
{
    for (size_t w = 0; w < ix->n_workloads; w++) {
        char *line = line_of(tsv, ix->workloads[w]);
        assert_non_null(line);
        for (size_t s = 0; s < ix->n_series; s++)
            for (int col = TP_NET; col <= TP_NHI; col++)
                assert_false(tp_field(line, (int)s, col) < 0);
        free(line);
    }
}

/* Within noise: drawn as 0 with state 1 (the "~0" label), the whiskers from
 * 0 to the interval's top even though the interval starts below 0. */
static void test_throughput_net_within_noise(void **state)
{
    (void)state;
    struct plot_case pc = {0};
    case_read_rounds(&pc);
    const cJSON *net = cJSON_GetObjectItem(
        cJSON_GetObjectItem(rt_run_of(&pc.set.files[0], "pool", "mixed:max=64"), "time"), "net");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(net, "within_noise")));
    assert_true(pb_json_number(net, "ci_low") < 0);
    /* a within-noise figure the file gives as positive is drawn as 0 as well */
    cJSON *t = cJSON_GetObjectItem(rt_run_of(&pc.set.files[0], "malloc", "churn"), "time");
    cJSON_ReplaceItemInObject(t, "net_ns_per_op", cJSON_CreateNumber(0.5));
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(t, "net"), "within_noise", cJSON_CreateTrue());
    throughput_of(&pc, NULL);
    char *mixed = line_of(pc.c.tsv, "mixed:max=64"), *churn = line_of(pc.c.tsv, "churn");
    assert_true(tp_field(mixed, 1, TP_NET) == 0);
    assert_true(tp_field(mixed, 1, TP_NSTATE) == 1);
    assert_true(tp_field(mixed, 1, TP_NLO) == 0);
    assert_true(near(tp_field(mixed, 1, TP_NHI), pb_json_number(net, "ci_high")));
    assert_true(tp_field(mixed, 1, TP_NNOISY) == 0); /* "~0" says it */
    assert_true(tp_field(churn, 3, TP_NET) == 0);
    assert_true(tp_field(churn, 3, TP_NSTATE) == 1);
    expect_no_negative_net(pc.c.tsv, &pc.ix);
    free(mixed);
    free(churn);
    case_free(&pc);
}

/* Below the baseline: no bar (NaN, never a negative number), state 2 (the
 * "<0" label), no whiskers, and a note in the index. */
static void test_throughput_net_below_baseline(void **state)
{
    (void)state;
    struct plot_case pc = {0};
    struct pb_plot_notes notes = {0};
    case_read_rounds(&pc);
    const cJSON *t = cJSON_GetObjectItem(rt_run_of(&pc.set.files[0], "arena", "mixed:max=64"), "time");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(t, "net"), "below_baseline")));
    throughput_of(&pc, &notes);
    char *mixed = line_of(pc.c.tsv, "mixed:max=64");
    assert_true(isnan(tp_field(mixed, 2, TP_NET)));
    assert_true(tp_field(mixed, 2, TP_NSTATE) == 2);
    assert_true(isnan(tp_field(mixed, 2, TP_NLO)) && isnan(tp_field(mixed, 2, TP_NHI)));
    assert_int_equal(notes.n, 1);
    assert_string_equal(notes.text[0], "arena on mixed:max=64: net ns/op below the harness's "
                                       "own cost (null's), not drawn");
    expect_no_negative_net(pc.c.tsv, &pc.ix);
    free(mixed);
    case_free(&pc);
}

/* Files from before the rounds wrote negative net figures: not drawn, with
 * the "<0" state, as below the baseline. */
static void test_throughput_old_negative_net(void **state)
{
    (void)state;
    struct plot_case pc = {0};
    struct pb_plot_notes notes = {0};
    case_read(&pc, 1);
    cJSON *t = cJSON_GetObjectItem(rt_run_of(&pc.set.files[0], "arena", "churn"), "time");
    cJSON_ReplaceItemInObject(t, "net_ns_per_op", cJSON_CreateNumber(-0.75));
    throughput_of(&pc, &notes);
    char *churn = line_of(pc.c.tsv, "churn");
    assert_true(isnan(tp_field(churn, 2, TP_NET)));
    assert_true(tp_field(churn, 2, TP_NSTATE) == 2);
    assert_non_null(strstr(notes.text[0], "arena on churn: net ns/op below the harness's"));
    expect_no_negative_net(pc.c.tsv, &pc.ix);
    assert_null(strstr(pc.c.tsv, "\t-")); /* no negative number anywhere */
    free(churn);
    case_free(&pc);
}

/* No time is negative: a negative median of a hand-made file is not drawn
 * (with a note), a negative interval end is cut at 0. */
static void test_throughput_negative_time(void **state)
{
    (void)state;
    struct plot_case pc = {0};
    struct pb_plot_notes notes = {0};
    case_read_rounds(&pc);
    cJSON *t = cJSON_GetObjectItem(rt_run_of(&pc.set.files[0], "pool", "churn"), "time");
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(t, "ns_per_op"), "median",
                              cJSON_CreateNumber(-2));
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(t, "cold_ns_per_op"), "ci_low",
                              cJSON_CreateNumber(-3));
    throughput_of(&pc, &notes);
    char *churn = line_of(pc.c.tsv, "churn");
    assert_true(isnan(tp_field(churn, 1, TP_MED)) && isnan(tp_field(churn, 1, TP_LO)));
    assert_true(tp_field(churn, 1, TP_CLO) == 0);
    assert_non_null(strstr(notes.text[0], "pool on churn: a negative ns/op in the file"));
    assert_null(strstr(pc.c.tsv, "\t-"));
    free(churn);
    case_free(&pc);
}

/* A cold bar more than PB_PLOT_COLD_SPAN times the tallest warm figure is
 * cut on the linear axis (arena's first replay maps its blocks): the axis
 * ends below it, above every figure drawn whole. */
static void test_throughput_cold_cut(void **state)
{
    (void)state;
    struct plot_case pc = {0};
    case_read_rounds(&pc);
    throughput_of(&pc, NULL);
    double warm_hi = 0, top = -1, cold = pb_json_number(rt_run_of(&pc.set.files[0], "arena", "churn"),
                                                        "time.cold_ns_per_op.median");
    const cJSON *run;
    cJSON_ArrayForEach(run, pc.set.files[0].runs)
        warm_hi = fmax(warm_hi, pb_json_number(run, "time.ns_per_op.ci_high"));
    assert_true(cold > PB_PLOT_COLD_SPAN * warm_hi);
    assert_non_null(strstr(pc.c.vars, "cold_cut = 1\n"));
    const char *at = strstr(pc.c.vars, "time_top = ");
    assert_non_null(at);
    top = strtod(at + strlen("time_top = "), NULL);
    assert_true(top >= warm_hi && top < cold);
    case_free(&pc);
}

/* The columns of memory-W.tsv after the backend: five labels, five figures. */
enum { MEM_LABEL = 1, MEM_FIG = 6 };

static void test_memory_skips_unmeasured(void **state)
{
    (void)state;
    struct plot_case pc = {0};
    struct pb_plot_notes notes = {0};
    case_read(&pc, 1);
    case_capture(&pc);
    assert_int_equal(pb_plot_write_memory(&pc.set, &pc.ix, "churn", pc.c.t, pc.c.v, &notes), 3);
    capture_close(&pc.c);
    assert_null(line_of(pc.c.tsv, "null")); /* no memory figures: left out, with a note */
    assert_int_equal(notes.n, 1);
    assert_non_null(strstr(notes.text[0], "null: no memory figures on every workload"));
    char *arena = line_of(pc.c.tsv, "arena");
    const cJSON *run = rt_run_of(&pc.set.files[0], "arena", "churn");
    assert_true(field(arena, MEM_FIG + 0) == pb_json_number(run, "workload.peak_live_bytes"));
    assert_true(field(arena, MEM_FIG + 1) == pb_json_number(run, "memory.granted_bytes_at_peak"));
    assert_true(field(arena, MEM_FIG + 2) == pb_json_number(run, "memory.peak_footprint_bytes"));
    assert_true(field(arena, MEM_FIG + 3) == pb_json_number(run, "memory.peak_resident_bytes"));
    assert_true(field(arena, MEM_FIG + 4) == pb_json_number(run, "memory.wasted_page_bytes"));
    /* 64 KB of pool against 13 MB of arena: a log axis, units for the largest */
    assert_non_null(strstr(pc.c.vars, "logy = 1\n"));
    assert_non_null(strstr(pc.c.vars, "unit = 'MiB'\n"));
    assert_non_null(strstr(pc.c.vars, "array series[3] = ['pool', 'arena', 'malloc']"));
    assert_non_null(strstr(pc.c.vars, "array colour[3] = [2, 3, 4]")); /* colours of the whole set */
    free(arena);
    case_free(&pc);
}

static void test_memory_null_figure_is_nan(void **state)
{
    (void)state;
    struct plot_case pc = {0};
    case_read(&pc, 1);
    cJSON *mem = cJSON_GetObjectItem(rt_run_of(&pc.set.files[0], "malloc", "churn"), "memory");
    cJSON_ReplaceItemInObject(mem, "peak_resident_bytes", cJSON_CreateNull());
    case_capture(&pc);
    assert_int_equal(pb_plot_write_memory(&pc.set, &pc.ix, "churn", pc.c.t, pc.c.v, NULL), 3);
    capture_close(&pc.c);
    char *m = line_of(pc.c.tsv, "malloc");
    assert_true(isnan(field(m, MEM_FIG + 3)));
    assert_false(isnan(field(m, MEM_FIG + 2)));
    free(m);
    case_free(&pc);
}

static void test_timeline_blocks(void **state)
{
    (void)state;
    struct plot_case pc = {0};
    case_read(&pc, 1);
    case_capture(&pc);
    int rows = pb_plot_write_timeline(&pc.set, &pc.ix, "mixed:max=64", pc.c.t, pc.c.v, NULL);
    capture_close(&pc.c);
    int want = 0;
    const char *const b[] = {"pool", "arena", "malloc"};
    for (int i = 0; i < 3; i++)
        want += cJSON_GetArraySize(
            cJSON_GetObjectItem(rt_run_of(&pc.set.files[0], b[i], "mixed:max=64"), "timeline"));
    assert_int_equal(rows, want);
    assert_int_equal(count(pc.c.tsv, "# event\t"), 3);  /* one block per backend with memory */
    assert_int_equal(count(pc.c.tsv, "\n\n\n"), 2);     /* blocks two blank lines apart */
    assert_non_null(strstr(pc.c.vars, "NS = 3\n"));
    case_free(&pc);
}

/* Column k of series s (from 0) in fragmentation.tsv: per series the
 * labels of its two bars, then internal and Johnstone-Wilson percent. */
enum { INTERNAL_LABEL = 1, JW_LABEL, INTERNAL, JW };
#define FRAG(s, k) (4 * (s) + (k))

static void test_fragmentation_percent(void **state)
{
    (void)state;
    struct plot_case pc = {0};
    case_read(&pc, 1);
    case_capture(&pc);
    assert_int_equal(pb_plot_write_fragmentation(&pc.set, &pc.ix, pc.c.t, pc.c.v, NULL), 3); /* workloads */
    capture_close(&pc.c);
    char *mixed = line_of(pc.c.tsv, "mixed:max=64");
    const cJSON *pool = rt_run_of(&pc.set.files[0], "pool", "mixed:max=64");
    /* series null, pool, arena, malloc (null has a labelled gap) */
    assert_true(fabs(field(mixed, FRAG(1, INTERNAL)) -
                     100 * pb_json_number(pool, "memory.internal_fragmentation")) < 1e-6);
    assert_true(fabs(field(mixed, FRAG(1, JW)) - 100 * pb_json_number(pool, "memory.fragmentation")) <
                1e-6);
    char *trace = line_of(pc.c.tsv, "espresso_small");
    assert_true(isnan(field(trace, FRAG(1, INTERNAL)))); /* pool failed there */
    free(mixed);
    free(trace);
    case_free(&pc);
}

static void test_latency_without_frees(void **state)
{
    (void)state;
    struct plot_case pc = {0};
    case_read(&pc, 1);
    /* a workload freed by resets only: no free quantiles at all */
    cJSON *run;
    cJSON_ArrayForEach(run, pc.set.files[0].runs) {
        cJSON *free_part = cJSON_GetObjectItem(cJSON_GetObjectItem(run, "latency"), "free");
        if (free_part)
            cJSON_ReplaceItemInObject(free_part, "cdf_ns", cJSON_CreateArray());
    }
    case_capture(&pc);
    assert_true(pb_plot_write_latency(&pc.set, &pc.ix, "churn", pc.c.t, pc.c.v, NULL) > 0);
    capture_close(&pc.c);
    assert_non_null(strstr(pc.c.vars, "\nn_free = 0\n"));
    assert_null(strstr(pc.c.vars, "\nn_alloc = 0\n"));
    case_free(&pc);
}

static void test_latency_only_when_measured(void **state)
{
    (void)state;
    struct plot_case pc = {0};
    case_read(&pc, 1);
    case_capture(&pc);
    assert_int_equal(pb_plot_write_latency(&pc.set, &pc.ix, "espresso_small", pc.c.t, pc.c.v, NULL), 0);
    capture_close(&pc.c);
    capture_free(&pc.c);
    capture_open(&pc.c);
    int rows = pb_plot_write_latency(&pc.set, &pc.ix, "churn", pc.c.t, pc.c.v, NULL);
    capture_close(&pc.c);
    const cJSON *pool = rt_run_of(&pc.set.files[0], "pool", "churn");
    const cJSON *cdf = cJSON_GetObjectItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(pool, "latency"), "alloc"), "cdf_ns");
    int n = cJSON_GetArraySize(cdf);
    assert_int_equal(rows, 4 * n); /* four backends, one row per quantile */
    assert_non_null(strstr(pc.c.vars, "NS = 4\n"));
    char counts[64];
    snprintf(counts, sizeof counts, "n_alloc = %d\nn_free = %d\n", 4 * n, 4 * n);
    assert_non_null(strstr(pc.c.vars, counts));
    /* the last row of a block reaches fraction 1 at the largest quantile */
    char want[128];
    snprintf(want, sizeof want, "%d\t1\t%.9g\t0\t1\t", n - 1,
             cJSON_GetArrayItem(cdf, n - 1)->valuedouble); /* 0: not below the resolution */
    assert_non_null(strstr(pc.c.tsv, want));
    case_free(&pc);
}

/* ---- the whole export -------------------------------------------------------------- */

static void test_export_writes_every_chart(void **state)
{
    (void)state;
    char dir[] = "/tmp/pb-plot-test.XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct pb_results_set set;
    struct pb_plot_charts charts;
    struct pb_plot_notes notes = {0};
    char err[512];
    read_set(&set, 1);
    assert_int_equal(pb_plot_export(&set, dir, &charts, &notes, err, sizeof err), 0);
    /* throughput + fragmentation + 3 memory + 3 timelines + 2 latency (no latency on the trace) */
    assert_int_equal(charts.n, 10);
    const char *const names[] = {"throughput", "memory-churn", "timeline-mixed_max_64",
                                 "latency-churn", "memory-espresso_small", "fragmentation"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        int found = 0;
        for (size_t k = 0; k < charts.n; k++)
            found |= strcmp(charts.v[k].name, names[i]) == 0;
        assert_true(found);
        char path[512];
        snprintf(path, sizeof path, "%s/%s.tsv", dir, names[i]);
        assert_int_equal(access(path, R_OK), 0);
        snprintf(path, sizeof path, "%s/%s.vars", dir, names[i]);
        assert_int_equal(access(path, R_OK), 0);
    }
    char path[512];
    snprintf(path, sizeof path, "%s/latency-espresso_small.tsv", dir);
    assert_int_not_equal(access(path, F_OK), 0);
    /* nothing half-written left behind; clean up */
    DIR *d = opendir(dir);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' && (e->d_name[1] == '\0' || strcmp(e->d_name, "..") == 0))
            continue;
        assert_false(e->d_name[0] == '.'); /* no temporary file */
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
        files++;
    }
    closedir(d);
    rmdir(dir);
    assert_int_equal(files, 20);
    pb_plot_charts_free(&charts);
    pb_results_set_free(&set);
}

static void test_export_bad_dir(void **state)
{
    (void)state;
    struct pb_results_set set;
    struct pb_plot_charts charts;
    char err[512];
    read_set(&set, 1);
    assert_int_equal(pb_plot_export(&set, "/nonexistent/pb", &charts, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/pb"));
    pb_results_set_free(&set);
}

/* ---- strings from the results reach gnuplot as data only ------------------------------ */

#define HOSTILE "data/results-hostile.json"

/* Rename every run's workload from to to (a copy of to is kept by the document). */
static void rename_workload(struct pb_results_file *f, const char *from, const char *to)
{
    cJSON *run;
    int n = 0;
    cJSON_ArrayForEach(run, f->runs) {
        cJSON *w = cJSON_GetObjectItem(run, "workload");
        if (strcmp(cJSON_GetObjectItem(w, "name")->valuestring, from) == 0) {
            cJSON_ReplaceItemInObject(w, "name", cJSON_CreateString(to));
            n++;
        }
    }
    assert_true(n > 0);
}

/* Run gnuplot in dir on the commands cmds; its output (stdout and stderr,
 * where print writes) into out. */
static void gnuplot_in(const char *dir, const char *cmds, char *out, size_t len)
{
    char script[600], cmd[1400];
    snprintf(script, sizeof script, "%s/test.gp", dir);
    FILE *f = fopen(script, "w");
    assert_non_null(f);
    fputs(cmds, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "cd '%s' && gnuplot test.gp 2>&1", dir);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, len - 1, p);
    out[n] = '\0';
    int rc = pclose(p);
    unlink(script);
    if (rc != 0)
        fail_msg("gnuplot failed (status %d): %s", rc, out);
}

/* Remove dir and its files, failing if a file named canary* is there: a
 * command from the results ran (the payloads touch canary_* in gnuplot's
 * directory). */
static void remove_checked(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    char path[600];
    int canaries = 0;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        canaries += strncmp(e->d_name, "canary", 6) == 0;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
    assert_int_equal(canaries, 0);
}

/* The chart of kind in charts (the first one). */
static const char *chart_of(const struct pb_plot_charts *charts, const char *kind)
{
    for (size_t i = 0; i < charts->n; i++)
        if (strcmp(charts->v[i].script, kind) == 0)
            return charts->v[i].name;
    fail_msg("no %s chart", kind);
    return NULL;
}

/* gnuplot reads back the strings of the .vars files exactly as the index
 * shows them, and runs none of the commands the hostile file holds in its
 * machine, backend, backend_spec and workload strings. */
static void test_hostile_vars_read_back(void **state)
{
    (void)state;
    struct plot_case pc = {0};
    char *paths[] = {HOSTILE};
    struct pb_plot_notes notes = {0};
    char err[512], cmds[512], *out = malloc(1 << 16), want[8192];
    assert_int_equal(pb_results_set_read(&pc.set, paths, 1, err, sizeof err), 0);
    case_dir(&pc);
    assert_int_equal(pb_plot_index_build(&pc.set, &pc.ix, err, sizeof err), 0);
    case_export(&pc, &notes);
    snprintf(cmds, sizeof cmds, "load 'throughput.vars'\nprint machine\nprint workload\n"
                                "do for [i=1:NS] { print series[i] }\n"
                                "load '%s.vars'\nprint workload\n", chart_of(&pc.charts, "memory"));
    gnuplot_in(pc.dir, cmds, out, 1 << 16);
    size_t used = (size_t)snprintf(want, sizeof want, "%s\nall workloads\n", pc.ix.machine);
    for (size_t i = 0; i < pc.ix.n_series; i++)
        used += (size_t)snprintf(want + used, sizeof want - used, "%s\n", pc.ix.series[i].label);
    char shown[1024];
    snprintf(want + used, sizeof want - used, "%s\n",
             pb_text_safe(pc.ix.workloads[0], shown, sizeof shown));
    assert_string_equal(out, want);
    /* the shown forms hold the payloads, but no control character */
    assert_non_null(strstr(pc.ix.machine, "`touch canary_cpu_bq`"));
    assert_non_null(strstr(pc.ix.machine, "\\x0asystem('touch canary_cpu_nl')\\x0d\\x1b[31m"));
    assert_non_null(strstr(pc.ix.machine, "R\\xffED"));
    assert_non_null(strstr(pc.ix.series[0].label, "caf\xc3\xa9"));
    for (const char *p = out; *p; p++)
        assert_true((unsigned char)*p >= 0x20 || *p == '\n');
    free(out);
    case_free(&pc);
}

/* The first column of the TSVs reads back in gnuplot as the shown name: a
 * leading '#' (a comment), a tab or newline (a column or row), a double
 * quote (a quoted field) and backslashes (dropped by gnuplot) included. */
static void test_keys_read_back(void **state)
{
    (void)state;
    struct plot_case pc = {0};
    char *out = malloc(1 << 16);
    case_read(&pc, 1);
    case_dir(&pc);
    const char *hostile = "#1 \"q\" a\\b\\\\\tc\nd\x1b[31m`touch canary_key` caf\xc3\xa9";
    rename_workload(&pc.set.files[0], "churn", hostile);
    rename_workload(&pc.set.files[0], "mixed:max=64", "");
    case_export(&pc, NULL);
    gnuplot_in(pc.dir, "set datafile separator '\\t'\nset table 'keys.txt'\n"
                    "plot 'throughput.tsv' using 0:(1):1 with labels\nunset table\n"
                    "print system('grep -c . keys.txt')\n", out, 1 << 16);
    char path[600], line[4096];
    snprintf(path, sizeof path, "%s/keys.txt", pc.dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    const char *want[] = {"#1 'q' a\\b\\\\\\x09c\\x0ad\\x1b[31m`touch canary_key` caf\xc3\xa9", "",
                          "espresso_small"};
    size_t k = 0;
    while (fgets(line, sizeof line, f)) {
        char *a = strchr(line, '"'), *b = strrchr(line, '"');
        if (line[0] == '#' || !a || a == b)
            continue;
        *b = '\0';
        assert_true(k < 3);
        assert_string_equal(a + 1, want[k++]);
    }
    fclose(f);
    assert_int_equal(k, 3); /* every workload a row, in order */
    free(out);
    case_free(&pc);
}

/* Workloads whose safe names meet get files of their own: "a:b" and "a;b"
 * are both a_b, and a workload named "a_b-2" must not take the second's. */
static void test_chart_names_unique(void **state)
{
    (void)state;
    struct plot_case pc = {0};
    case_read(&pc, 1);
    case_dir(&pc);
    rename_workload(&pc.set.files[0], "churn", "a:b");
    rename_workload(&pc.set.files[0], "mixed:max=64", "a;b");
    rename_workload(&pc.set.files[0], "espresso_small", "a_b-2");
    case_export(&pc, NULL);
    assert_int_equal(pc.charts.n, 10);
    for (size_t i = 0; i < pc.charts.n; i++) {
        assert_null(strchr(pc.charts.v[i].name, '/'));
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(pc.charts.v[i].name, pc.charts.v[j].name);
    }
    assert_string_equal(chart_of(&pc.charts, "memory"), "memory-a_b");
    case_free(&pc);
}

/* With no Johnstone-Wilson figure above 0 (footprints at or below the live
 * bytes, as tiny runs give), the log panel has nothing to draw: the .vars
 * say so and fragmentation.gp still draws the chart. */
static void test_fragmentation_none_positive(void **state)
{
    (void)state;
    struct plot_case pc = {0};
    char script[PATH_MAX], cmds[PATH_MAX + 200], *out = malloc(1 << 16);
    case_read(&pc, 1);
    case_dir(&pc);
    cJSON *run;
    cJSON_ArrayForEach(run, pc.set.files[0].runs) {
        cJSON *m = cJSON_GetObjectItem(run, "memory");
        if (cJSON_IsNumber(cJSON_GetObjectItem(m, "fragmentation")))
            cJSON_ReplaceItemInObject(m, "fragmentation", cJSON_CreateNumber(-1));
    }
    case_export(&pc, NULL);
    assert_string_equal(chart_of(&pc.charts, "fragmentation"), "fragmentation");
    assert_non_null(realpath("../plots/fragmentation.gp", script));
    snprintf(cmds, sizeof cmds, "datafile = 'fragmentation.tsv'\nload '%s'\n"
                                "print jw_pos\n", script);
    gnuplot_in(pc.dir, cmds, out, 1 << 16); /* fails the test when gnuplot fails */
    size_t len = strlen(out); /* after any warning (the null series has no bar to draw) */
    assert_true(len >= 2 && strcmp(out + len - 2, "0\n") == 0 && (len == 2 || out[len - 3] == '\n'));
    char png[600];
    snprintf(png, sizeof png, "%s/fragmentation.png", pc.dir);
    assert_int_equal(access(png, R_OK), 0);
    free(out);
    case_free(&pc);
}

/* ---- what the charts draw: gaps, axes, colours ------------------------------------- */

/* Replace (or add) the value at the dotted path under obj; the steps exist. */
static void set_path(cJSON *obj, const char *dotted, cJSON *value)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", dotted);
    char *key = buf, *dot;
    while ((dot = strchr(key, '.'))) {
        *dot = '\0';
        obj = cJSON_GetObjectItem(obj, key);
        assert_non_null(obj);
        key = dot + 1;
    }
    if (cJSON_GetObjectItem(obj, key))
        cJSON_ReplaceItemInObject(obj, key, value);
    else
        cJSON_AddItemToObject(obj, key, value);
}

/* A run that did not finish, as the runner writes one: its status and error. */
static void set_status(cJSON *run, const char *status, const char *error)
{
    set_path(run, "status", cJSON_CreateString(status));
    set_path(run, "error", cJSON_CreateString(error));
}

/* Remove the run of backend on workload from f. */
static void delete_run(struct pb_results_file *f, const char *backend, const char *workload)
{
    const cJSON *want = rt_run_of(f, backend, workload);
    int i = 0;
    const cJSON *run;
    cJSON_ArrayForEach(run, f->runs) {
        if (run == want) {
            cJSON_DeleteItemFromArray((cJSON *)f->runs, i);
            return;
        }
        i++;
    }
}

/* The whole file at path (malloc'd; the test fails if it cannot be read). */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *s = malloc((size_t)n + 1);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    fclose(f);
    return s;
}

/* Draw chart name (its script kind) in dir as SVG with the scripts of
 * plots/, extra gnuplot commands first (e.g. "logscale=1"); the SVG text
 * (malloc'd). Fails the test when gnuplot fails. */
static char *svg_of(const char *dir, const char *kind, const char *name, const char *extra)
{
    char script[PATH_MAX], rel[64], cmds[PATH_MAX + 400], path[600], *out = malloc(1 << 16);
    snprintf(rel, sizeof rel, "../plots/%s.gp", kind);
    assert_non_null(realpath(rel, script));
    snprintf(cmds, sizeof cmds, "datafile = '%s.tsv'; fmt = 'svg'; %s\nload '%s'\n", name,
             extra ? extra : "", script);
    gnuplot_in(dir, cmds, out, 1 << 16);
    free(out);
    snprintf(path, sizeof path, "%s/%s.svg", dir, name);
    return slurp(path);
}

/* The number after "name = " in vars (NaN when missing). */
static double var_num(const char *vars, const char *name)
{
    char key[80];
    snprintf(key, sizeof key, "\n%s = ", name);
    const char *at = strstr(vars, key);
    return at ? strtod(at + strlen(key), NULL) : NAN;
}

/* Every backend without a bar has its reason at that place in both panels:
 * a run that is not ok its status as the file says ("refused", "failed",
 * anything else in shown form, escaped for gnuplot's data), a run the file
 * does not have "not run"; a bar has an empty label. */
static void test_throughput_gap_labels(void **state)
{
    (void)state;
    struct plot_case pc = {0};
    struct pb_plot_notes notes = {0};
    char gap[256];
    case_read(&pc, 1);
    case_dir(&pc);
    set_status(rt_run_of(&pc.set.files[0], "pool", "churn"), "refused",
               "a of 232 bytes (align 16) refused by pool: request exceeds chunk size 64");
    set_status(rt_run_of(&pc.set.files[0], "malloc", "churn"), "odd\n`touch canary_status`\"#\\",
               "?");
    delete_run(&pc.set.files[0], "arena", "mixed:max=64");
    throughput_of(&pc, &notes);
    char *churn = line_of(pc.c.tsv, "churn"), *mixed = line_of(pc.c.tsv, "mixed:max=64");
    char *trace = line_of(pc.c.tsv, "espresso_small");
    assert_string_equal(tp_gap(churn, 0, gap, sizeof gap), ""); /* null: a bar */
    assert_string_equal(tp_gap(churn, 1, gap, sizeof gap), "refused");
    assert_true(isnan(tp_field(churn, 1, TP_MED)) && isnan(tp_field(churn, 1, TP_NET)));
    assert_string_equal(tp_gap(churn, 2, gap, sizeof gap), "");
    assert_string_equal(tp_gap(churn, 3, gap, sizeof gap), "odd\\\\x0a`touch canary_status`'#\\\\");
    assert_string_equal(tp_gap(trace, 1, gap, sizeof gap), "failed");
    assert_string_equal(tp_gap(mixed, 2, gap, sizeof gap), "not run");
    assert_true(isnan(tp_field(mixed, 2, TP_MED)));
    int refused = 0;
    for (size_t i = 0; i < notes.n; i++)
        refused += strstr(notes.text[i], "pool on churn refused (a labelled gap in the charts): "
                                         "a of 232 bytes") != NULL;
    assert_int_equal(refused, 1);
    free(churn);
    free(mixed);
    free(trace);
    capture_free(&pc.c);
    /* the script writes the labels where the bars would be, the strings as text only */
    case_export(&pc, NULL);
    char *svg = svg_of(pc.dir, "throughput", "throughput", NULL);
    assert_true(count(svg, ">refused</text>") == 2); /* both panels */
    assert_true(count(svg, ">failed</text>") == 2);
    assert_true(count(svg, ">not run</text>") == 2);
    assert_non_null(strstr(svg, "`touch canary_status`"));
    free(svg);
    case_free(&pc);
}

/* Every ok run's warm figures of the rounds file only: medians 10..17 ns. */
static void only_warm(struct pb_results_set *set)
{
    cJSON *run;
    int k = 0;
    cJSON_ArrayForEach(run, (cJSON *)set->files[0].runs) {
        cJSON *t = cJSON_GetObjectItem(run, "time");
        cJSON_DeleteItemFromObject(t, "cold_ns_per_op");
        cJSON_DeleteItemFromObject(t, "net");
        set_path(t, "net_ns_per_op", cJSON_CreateNull());
        set_path(t, "ns_per_op.median", cJSON_CreateNumber(10 + k));
        set_path(t, "ns_per_op.ci_low", cJSON_CreateNumber(9 + k));
        set_path(t, "ns_per_op.ci_high", cJSON_CreateNumber(11 + k++));
    }
}

/* The time chart's axis: linear while its bars span at most 20x, a log axis
 * on both panels when one outlier would flatten the others; the title's note
 * says which and why. */
static void test_throughput_log_default(void **state)
{
    (void)state;
    struct plot_case pc = {0};
    case_read_rounds(&pc);
    only_warm(&pc.set);
    throughput_of(&pc, NULL);
    assert_true(var_num(pc.c.vars, "auto_log") == 0);
    assert_non_null(strstr(pc.c.vars, "axis_note = 'linear axis: the bars span 1.7x (at most 20x)'"));
    capture_free(&pc.c);
    pb_plot_index_free(&pc.ix);
    /* one slow backend on one workload: 40x the fastest */
    set_path(rt_run_of(&pc.set.files[0], "malloc", "churn"), "time.ns_per_op.median",
             cJSON_CreateNumber(400));
    throughput_of(&pc, NULL);
    assert_true(var_num(pc.c.vars, "auto_log") == 1);
    assert_non_null(strstr(pc.c.vars, "axis_note = 'log axis: the bars span 40x (over 20x)'"));
    case_free(&pc);
}

/* A log axis covers the net panel too: net_lo is above 0 and at most every
 * net figure drawn, so the panel has a bottom; both titles say the axis. */
static void test_throughput_log_both_panels(void **state)
{
    (void)state;
    struct plot_case pc = {0};
    case_read_rounds(&pc);
    case_dir(&pc);
    throughput_of(&pc, NULL);
    double net_lo = var_num(pc.c.vars, "net_lo");
    assert_true(net_lo > 0);
    int positive = 0;
    for (size_t w = 0; w < pc.ix.n_workloads; w++) {
        char *line = line_of(pc.c.tsv, pc.ix.workloads[w]);
        for (size_t s = 0; s < pc.ix.n_series; s++)
            for (int col = TP_NET; col <= TP_NHI; col++) {
                double v = tp_field(line, (int)s, col);
                assert_false(v > 0 && v < net_lo);
                positive += v > 0;
            }
        free(line);
    }
    assert_true(positive > 0);
    capture_free(&pc.c);
    case_export(&pc, NULL);
    char *svg = svg_of(pc.dir, "throughput", "throughput", "logscale = 1");
    assert_non_null(strstr(svg, "(the harness's cost); log axis, as above</text>"));
    assert_non_null(strstr(svg, "ns per op (log scale)</text>"));
    assert_non_null(strstr(svg, "net ns per op (log scale)</text>"));
    free(svg);
    svg = svg_of(pc.dir, "throughput", "throughput", "logscale = 0");
    assert_non_null(strstr(svg, "; linear axis (asked for)</text>"));
    assert_null(strstr(svg, "(log scale)"));
    free(svg);
    case_free(&pc);
}

/* Whiskers: every figure of the rounds file has both ends, around its bar. */
static void test_throughput_whiskers_bracket(void **state)
{
    (void)state;
    struct plot_case pc = {0};
    case_read_rounds(&pc);
    throughput_of(&pc, NULL);
    int seen = 0;
    for (size_t w = 0; w < pc.ix.n_workloads; w++) {
        char *line = line_of(pc.c.tsv, pc.ix.workloads[w]);
        for (size_t s = 0; s < pc.ix.n_series; s++)
            for (int col = TP_MED; col <= TP_CMED; col += TP_CMED - TP_MED) {
                double mid = tp_field(line, (int)s, col);
                assert_false(isnan(mid));
                assert_true(tp_field(line, (int)s, col + 1) <= mid);
                assert_true(tp_field(line, (int)s, col + 2) >= mid);
                seen++;
            }
        free(line);
    }
    assert_int_equal(seen, 2 * 2 * 4); /* workloads x series x (warm, cold) */
    case_free(&pc);
}

/* "rgb(  0, 114, 178)" of "#0072B2", as gnuplot's SVG writes a colour. */
static void svg_rgb(const char *hex, char *out, size_t len)
{
    unsigned v = (unsigned)strtoul(hex + 1, NULL, 16);
    snprintf(out, len, "rgb(%3u, %3u, %3u)", v >> 16, (v >> 8) & 255, v & 255);
}

/* Twelve backends get twelve colours: the .vars palette holds
 * PB_PLOT_COLOURS distinct ones, colour[] numbers the backends 1..12, and
 * the drawn chart fills a bar with each of them (the 9th no longer repeats
 * the 1st). */
static void test_palette_twelve_backends(void **state)
{
    (void)state;
    struct plot_case pc = {0};
    case_read(&pc, 1);
    case_dir(&pc);
    cJSON *runs = (cJSON *)pc.set.files[0].runs, *run;
    int n = cJSON_GetArraySize(runs);
    for (int k = 1; k <= 8; k++) /* eight more setups of malloc */
        for (int i = 0; i < n; i++) {
            run = cJSON_GetArrayItem(runs, i);
            if (strcmp(cJSON_GetObjectItem(run, "backend")->valuestring, "malloc") != 0)
                continue;
            char spec[32];
            snprintf(spec, sizeof spec, "malloc:copy%d", k);
            cJSON *copy = cJSON_Duplicate(run, 1);
            set_path(copy, "backend_spec", cJSON_CreateString(spec));
            cJSON_AddItemToArray(runs, copy);
        }
    throughput_of(&pc, NULL);
    assert_int_equal(pc.ix.n_series, 12);
    assert_int_equal(PB_PLOT_COLOURS, 12);
    assert_non_null(strstr(pc.c.vars, "array colour[12] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]"));
    const char *p = strstr(pc.c.vars, "array palette[12] = [");
    assert_non_null(p);
    char colours[12][8];
    for (int i = 0; i < 12; i++) {
        p = strchr(p, '\'');
        assert_non_null(p);
        assert_int_equal(strcspn(p + 1, "'"), 7);
        memcpy(colours[i], p + 1, 7);
        colours[i][7] = '\0';
        for (int j = 0; j < i; j++)
            assert_string_not_equal(colours[i], colours[j]);
        p += 9;
    }
    capture_free(&pc.c);
    case_export(&pc, NULL);
    char *svg = svg_of(pc.dir, "throughput", "throughput", NULL);
    for (int i = 0; i < 12; i++) {
        char rgb[64], fill[80];
        svg_rgb(colours[i], rgb, sizeof rgb);
        snprintf(fill, sizeof fill, "fill = '%s'", rgb);
        if (!strstr(svg, fill))
            fail_msg("no bar of colour %d (%s)", i + 1, colours[i]);
    }
    free(svg);
    case_free(&pc);
}

/* Notes of a run replaced by the given ones. */
static void set_notes(cJSON *run, const char *const *notes, int n)
{
    set_path(run, "notes", cJSON_CreateStringArray(notes, n));
}

/* The memory chart never draws a figure that is not one: a null figure is
 * NaN with "null: REASON" (the reason its notes give, or none), a negative
 * one "impossible: negative", a run that is not ok a row of NaN with its
 * status in the middle label; every other bar is labelled with its value.
 * Each null figure is noted once for all the workloads where it is null
 * alike. */
static void test_memory_gap_labels(void **state)
{
    (void)state;
    struct plot_case pc = {0};
    struct pb_plot_notes notes = {0};
    char label[256];
    case_read(&pc, 1);
    case_dir(&pc);
    const char *wl[] = {"churn", "mixed:max=64", "espresso_small"};
    const char *const why[] = {
        "footprint: the backend's process-wide figure minus its value before the replay",
        "peak_footprint_bytes, fragmentation: not reported: the backend's statistics give 0 "
        "bytes (the library keeps no such figure)",
        "resident bytes: not measurable for this run",
        "wasted_page_bytes: not `touch canary_note`$(touch canary_n2)\"q\"\x1b[31m\\x: rest"};
    for (int w = 0; w < 3; w++) { /* malloc's footprint: null on every workload, alike */
        cJSON *run = rt_run_of(&pc.set.files[0], "malloc", wl[w]);
        set_path(run, "memory.peak_footprint_bytes", cJSON_CreateNull());
        set_notes(run, why, w == 0 ? 3 : 4); /* the wasted pages' reason: churn has none */
    }
    cJSON *m = rt_run_of(&pc.set.files[0], "malloc", "churn");
    set_path(m, "memory.peak_resident_bytes", cJSON_CreateNull());
    set_path(m, "memory.wasted_page_bytes", cJSON_CreateNull()); /* no note for it */
    set_path(rt_run_of(&pc.set.files[0], "malloc", "mixed:max=64"), "memory.wasted_page_bytes",
             cJSON_CreateNull()); /* its note holds shell and gnuplot code: data only */
    set_path(rt_run_of(&pc.set.files[0], "arena", "churn"), "memory.wasted_page_bytes",
             cJSON_CreateNumber(-4096));
    set_status(rt_run_of(&pc.set.files[0], "pool", "churn"), "refused", "a of 232 bytes refused");
    case_capture(&pc);
    assert_int_equal(pb_plot_write_memory(&pc.set, &pc.ix, "churn", pc.c.t, pc.c.v, &notes), 3);
    capture_close(&pc.c);
    char *ml = line_of(pc.c.tsv, "malloc"), *al = line_of(pc.c.tsv, "arena"), *pl = line_of(pc.c.tsv, "pool");
    assert_string_equal(text_field(ml, MEM_LABEL + 4, label, sizeof label), "null: no reason in the file");
    assert_string_equal(text_field(ml, MEM_LABEL + 2, label, sizeof label), "null: not reported");
    assert_string_equal(text_field(ml, MEM_LABEL + 3, label, sizeof label),
                        "null: not measurable for this run");
    for (int k = 2; k <= 4; k++)
        assert_true(isnan(field(ml, MEM_FIG + k)));
    assert_true(pb_json_number(m, "workload.peak_live_bytes") == 64000);
    assert_string_equal(text_field(ml, MEM_LABEL, label, sizeof label), "62.5 KiB");
    assert_string_equal(text_field(al, MEM_LABEL + 4, label, sizeof label), "impossible: negative");
    assert_true(isnan(field(al, MEM_FIG + 4)));
    assert_string_equal(text_field(pl, MEM_LABEL + 2, label, sizeof label), "refused");
    for (int k = 0; k < 5; k++)
        assert_true(isnan(field(pl, MEM_FIG + k)));
    assert_null(strstr(pc.c.tsv, "nan")); /* no label of a missing value */
    int footprint = 0;
    for (size_t i = 0; i < notes.n; i++)
        footprint += strstr(notes.text[i], "malloc on churn (and 2 more workloads): peak "
                                           "footprint null, a labelled gap: peak_footprint_bytes, "
                                           "fragmentation: not reported") != NULL;
    assert_int_equal(footprint, 1);
    free(ml);
    free(al);
    free(pl);
    capture_free(&pc.c);
    /* the other workloads add no note of the same gap */
    struct pb_plot_notes more = {0};
    capture_open(&pc.c);
    assert_true(pb_plot_write_memory(&pc.set, &pc.ix, "mixed:max=64", pc.c.t, pc.c.v, &more) > 0);
    capture_close(&pc.c);
    for (size_t i = 0; i < more.n; i++)
        assert_null(strstr(more.text[i], "footprint null"));
    char *mm = line_of(pc.c.tsv, "malloc");
    /* cut to fit a label; the double quotes made single ones (a quoted field) */
    assert_true(strncmp(text_field(mm, MEM_LABEL + 4, label, sizeof label),
                        "null: not `touch canary_note`$(touch canary_n2)'q'", 50) == 0);
    assert_true(strlen(label) < PB_PLOT_LABEL_LEN);
    free(mm);
    capture_free(&pc.c);
    /* drawn: the reasons as labels, no "nan" */
    case_export(&pc, NULL);
    char *svg = svg_of(pc.dir, "memory", "memory-churn", NULL);
    assert_non_null(strstr(svg, ">null: not reported</text>"));
    assert_non_null(strstr(svg, ">refused</text>"));
    assert_null(strstr(svg, "nan"));
    free(svg);
    svg = svg_of(pc.dir, "memory", "memory-mixed_max_64", NULL); /* runs nothing of the note */
    assert_non_null(strstr(svg, "`touch canary_note`$(touch canary_n2)"));
    free(svg);
    case_free(&pc);
}

/* The line of name = ... in vars (a copy), or NULL. */
static char *var_line(const char *vars, const char *name)
{
    char key[80];
    snprintf(key, sizeof key, "\n%s = ", name);
    const char *at = strstr(vars, key);
    if (!at)
        return NULL;
    at++;
    size_t n = strcspn(at, "\n");
    char *l = malloc(n + 1);
    memcpy(l, at, n);
    l[n] = '\0';
    return l;
}

/* Every workload's memory chart has one scale policy: the unit, the axis
 * kind and its note come from all workloads, even where one workload alone
 * would choose another (espresso_small's figures within 2x). */
static void test_memory_one_scale_policy(void **state)
{
    (void)state;
    struct plot_case pc = {0};
    char err[256];
    case_read(&pc, 1);
    static const char *const figs[] = {"workload.peak_live_bytes", "memory.granted_bytes_at_peak",
                                       "memory.peak_footprint_bytes", "memory.peak_resident_bytes",
                                       "memory.wasted_page_bytes"};
    const char *const b[] = {"arena", "malloc"};
    for (int i = 0; i < 2; i++)
        for (int f = 0; f < 5; f++)
            set_path(rt_run_of(&pc.set.files[0], b[i], "espresso_small"), figs[f],
                     cJSON_CreateNumber(1 << 20));
    assert_int_equal(pb_plot_index_build(&pc.set, &pc.ix, err, sizeof err), 0);
    static const char *const keys[] = {"unit", "scale", "logy", "scale_note"};
    char *first[4] = {NULL};
    for (size_t w = 0; w < pc.ix.n_workloads; w++) {
        capture_open(&pc.c);
        assert_true(pb_plot_write_memory(&pc.set, &pc.ix, pc.ix.workloads[w], pc.c.t, pc.c.v, NULL) > 0);
        capture_close(&pc.c);
        for (int k = 0; k < 4; k++) {
            char *l = var_line(pc.c.vars, keys[k]);
            assert_non_null(l);
            if (!first[k])
                first[k] = l;
            else {
                assert_string_equal(l, first[k]);
                free(l);
            }
        }
        capture_free(&pc.c);
    }
    assert_string_equal(first[2], "logy = 1"); /* churn: 13 MB of arena over 12.5 KB */
    assert_non_null(strstr(first[3], "log axis on every memory chart: the figures of all "
                                     "workloads span"));
    for (int k = 0; k < 4; k++)
        free(first[k]);
    case_free(&pc);
}

/* "1.25M" as a number: 1250000. */
static double tick_value(const char *label)
{
    char *end;
    double v = strtod(label, &end);
    return *end == 'k' ? v * 1e3 : *end == 'M' ? v * 1e6 : *end == 'G' ? v * 1e9 : v;
}

/* Event ticks: from 0 in a round step to at most the last event, each label
 * exact (it reads back as its position), so no two read alike ("1M 1M 1M
 * 2M" of a format without decimals). */
static void test_timeline_ticks_distinct(void **state)
{
    (void)state;
    const double maxes[] = {0, 1, 7, 95, 1000, 10100, 402000, 1.5e6, 2.1e6, 2.5e6, 3.7e6, 123456789};
    for (size_t m = 0; m < sizeof maxes / sizeof maxes[0]; m++) {
        double at[16];
        char label[16][PB_PLOT_TICK_LEN];
        size_t n = pb_plot_event_ticks(maxes[m], at, label, 16);
        assert_true(n >= 1 && at[0] == 0);
        assert_true(maxes[m] < 4 || n >= 4);
        for (size_t i = 0; i < n; i++) {
            assert_true(at[i] <= maxes[m] || maxes[m] == 0);
            assert_true(fabs(tick_value(label[i]) - at[i]) <= 1e-9 * at[i]);
            for (size_t j = 0; j < i; j++)
                assert_string_not_equal(label[i], label[j]);
        }
    }
    double at[16];
    char label[16][PB_PLOT_TICK_LEN];
    assert_int_equal(pb_plot_event_ticks(2.1e6, at, label, 16), 5);
    assert_string_equal(label[1], "500k");
    assert_string_equal(label[3], "1.5M");
}

/* On a log axis a 0 has no place: the live bytes at 0 (as at the start and
 * the end of a run) are drawn at yfloor, below every value above 0 and above
 * 0, and counted (zeros), so the axis labels the floor "0". The .vars carry
 * the event ticks. */
static void test_timeline_floor(void **state)
{
    (void)state;
    struct plot_case pc = {0};
    case_read(&pc, 1);
    cJSON *tl = cJSON_GetObjectItem(rt_run_of(&pc.set.files[0], "pool", "churn"), "timeline");
    set_path(cJSON_GetArrayItem(tl, cJSON_GetArraySize(tl) - 1), "live_bytes", cJSON_CreateNumber(0));
    case_capture(&pc);
    assert_true(pb_plot_write_timeline(&pc.set, &pc.ix, "churn", pc.c.t, pc.c.v, NULL) > 0);
    capture_close(&pc.c);
    assert_true(var_num(pc.c.vars, "logy") == 1);
    double floor = var_num(pc.c.vars, "yfloor"), ymin = var_num(pc.c.vars, "ymin");
    assert_true(floor > 0 && floor < ymin);
    assert_true(var_num(pc.c.vars, "zeros") >= 1);
    assert_true(var_num(pc.c.vars, "NXT") >= 4);
    assert_non_null(strstr(pc.c.vars, "array xtic_label["));
    case_free(&pc);
}

/* The timeline's legend: one entry for the live bytes, one per backend and
 * one per kind of line, not one per line drawn ("pool: resident", "pool:
 * footprint", ...). */
static void test_timeline_legend(void **state)
{
    (void)state;
    struct plot_case pc = {0};
    case_read(&pc, 1);
    case_dir(&pc);
    case_export(&pc, NULL);
    char *svg = svg_of(pc.dir, "timeline", "timeline-churn", NULL);
    assert_int_equal(count(svg, ">live bytes (the workload)</text>"), 1);
    const char *const b[] = {">pool</text>", ">arena</text>", ">malloc</text>",
                             ">thick: resident (kernel)</text>", ">thin, circles: footprint</text>"};
    for (int i = 0; i < 5; i++)
        assert_int_equal(count(svg, b[i]), 1);
    assert_null(strstr(svg, ">pool: resident</text>"));
    assert_null(strstr(svg, ">pool: footprint</text>"));
    assert_null(strstr(svg, ">null</text>")); /* no memory, no line */
    free(svg);
    case_free(&pc);
}

/* Every missing fragmentation bar says why: the null backend holds no
 * memory, a run failed or was refused (its status), the file has no run, a
 * figure is null (with its note's reason); a Johnstone-Wilson figure at or
 * below 0 cannot stand on the log panel, an internal one at 0 is a bar of no
 * height. */
static void test_fragmentation_labels(void **state)
{
    (void)state;
    struct plot_case pc = {0};
    char label[256];
    case_read(&pc, 1);
    set_status(rt_run_of(&pc.set.files[0], "arena", "churn"), "refused", "a of 232 bytes refused");
    delete_run(&pc.set.files[0], "arena", "mixed:max=64");
    cJSON *m = rt_run_of(&pc.set.files[0], "malloc", "churn");
    set_path(m, "memory.fragmentation", cJSON_CreateNull());
    const char *const why[] = {"peak_footprint_bytes, fragmentation: not reported: no figure"};
    set_notes(m, why, 1);
    cJSON *mm = rt_run_of(&pc.set.files[0], "malloc", "mixed:max=64");
    set_path(mm, "memory.fragmentation", cJSON_CreateNumber(-0.5));
    set_path(mm, "memory.internal_fragmentation", cJSON_CreateNumber(0));
    case_capture(&pc);
    assert_int_equal(pb_plot_write_fragmentation(&pc.set, &pc.ix, pc.c.t, pc.c.v, NULL), 3);
    capture_close(&pc.c);
    char *churn = line_of(pc.c.tsv, "churn"), *mixed = line_of(pc.c.tsv, "mixed:max=64");
    char *trace = line_of(pc.c.tsv, "espresso_small");
    for (int k = INTERNAL_LABEL; k <= JW_LABEL; k++) {
        assert_string_equal(text_field(churn, FRAG(0, k), label, sizeof label),
                            "n/a: null backend holds no memory");
        assert_string_equal(text_field(churn, FRAG(2, k), label, sizeof label), "refused");
        assert_string_equal(text_field(mixed, FRAG(2, k), label, sizeof label), "not run");
        assert_string_equal(text_field(trace, FRAG(1, k), label, sizeof label), "failed");
    }
    assert_string_equal(text_field(churn, FRAG(3, JW_LABEL), label, sizeof label),
                        "figure null: not reported");
    assert_true(isnan(field(churn, FRAG(3, JW))));
    assert_string_equal(text_field(mixed, FRAG(3, JW_LABEL), label, sizeof label), "\xe2\x89\xa4 0");
    assert_string_equal(text_field(mixed, FRAG(3, INTERNAL_LABEL), label, sizeof label), "0");
    assert_string_equal(text_field(mixed, FRAG(1, INTERNAL_LABEL), label, sizeof label), "");
    assert_true(isnan(field(churn, FRAG(0, INTERNAL))) && isnan(field(churn, FRAG(2, JW))));
    assert_true(var_num(pc.c.vars, "jw_lo") > 0);
    free(churn);
    free(mixed);
    free(trace);
    case_free(&pc);
}

/* The block of series label in a timeline or latency TSV (a copy, from its
 * header to the blank lines after it). */
static char *block_of(const char *tsv, const char *label)
{
    char head[300];
    snprintf(head, sizeof head, "# %s:", label);
    const char *at = strstr(tsv, head);
    assert_non_null(at);
    const char *end = strstr(at, "\n\n");
    size_t n = end ? (size_t)(end - at) : strlen(at);
    char *b = malloc(n + 2);
    memcpy(b, at, n);
    b[n] = '\n';
    b[n + 1] = '\0';
    return b;
}

/* The timer's resolution: a quantile below it was not measured, so the data
 * draw it at the resolution (below = 1, exactly where the file's figure is
 * below it); the share there is under_alloc[]; a median below it reads
 * "median < R ns", never as a figure; res_lo, res_hi and the note cover the
 * runs' resolutions (a run without one cuts nothing). */
static void test_latency_resolution(void **state)
{
    (void)state;
    struct plot_case pc = {0};
    case_read(&pc, 1);
    case_dir(&pc);
    cJSON *pool = rt_run_of(&pc.set.files[0], "pool", "churn");
    cJSON *arena = rt_run_of(&pc.set.files[0], "arena", "churn");
    set_path(pool, "latency.timer_resolution_ns", cJSON_CreateNumber(5));
    set_path(arena, "latency.timer_resolution_ns", cJSON_CreateNumber(10));
    assert_true(pb_json_number(pool, "latency.alloc.p50_ns") >= 5);
    assert_true(pb_json_number(arena, "latency.alloc.p50_ns") < 10);
    case_capture(&pc);
    assert_true(pb_plot_write_latency(&pc.set, &pc.ix, "churn", pc.c.t, pc.c.v, NULL) > 0);
    capture_close(&pc.c);
    const cJSON *cdf = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(pool, "latency"),
                                                               "alloc"), "cdf_ns");
    char *b = block_of(pc.c.tsv, "pool");
    int below = 0, n = cJSON_GetArraySize(cdf);
    for (int i = 0; i < n; i++) {
        char key[16];
        snprintf(key, sizeof key, "%d", i);
        char *row = line_of(b, key);
        assert_non_null(row);
        double raw = cJSON_GetArrayItem(cdf, i)->valuedouble;
        assert_true(field(row, 3) == (raw < 5)); /* alloc below */
        assert_true(field(row, 2) >= 5);          /* never drawn below the resolution */
        if (raw >= 5)
            assert_true(near(field(row, 2), raw));
        below += raw < 5;
        free(row);
    }
    assert_true(below > 0 && below < n); /* the fixture has both */
    free(b);
    char want[128];
    snprintf(want, sizeof want, "array under_alloc[4] = [0, %.9g, ", (double)below / n);
    assert_non_null(strstr(pc.c.vars, want));
    assert_non_null(strstr(pc.c.vars, "array resolution[4] = [0, 5, 10, 0]"));
    assert_non_null(strstr(pc.c.vars, ", 0]\narray under_free[4] = [0, ")); /* malloc: none */
    assert_non_null(strstr(pc.c.vars, "'median 6.06 ns', 'median < 10 ns', 'median 18.2 ns'"));
    assert_true(var_num(pc.c.vars, "res_lo") == 5 && var_num(pc.c.vars, "res_hi") == 10);
    assert_non_null(strstr(pc.c.vars, "res_note = 'timer resolution 5-10 ns (dashed): a shorter call "
                                   "is not resolved, drawn at it; some runs give none'"));
    capture_free(&pc.c);
    /* drawn: microseconds in the micro sign, the resolution marked */
    case_export(&pc, NULL);
    char *svg = svg_of(pc.dir, "latency", "latency-churn", NULL);
    assert_non_null(strstr(svg, ">1 \xc2\xb5s</text>"));
    assert_null(strstr(svg, " us</text>"));
    assert_non_null(strstr(svg, ">timer resolution</text>"));
    assert_non_null(strstr(svg, ">arena: median &lt; 10 ns</text>"));
    free(svg);
    case_free(&pc);
}

/* The whole text of path (malloc'd). */
/* The index: every chart under its name with the question it answers, in
 * bold, then its caption; the throughput chart's axis as drawn; the notes
 * each once: the null backend's missing memory figures one line, not one
 * per workload. */
static void test_index_questions_and_notes(void **state)
{
    (void)state;
    struct plot_case pc = {0};
    struct pb_plot_notes notes = {0};
    char err[512], path[600];
    case_read(&pc, 1);
    case_dir(&pc);
    case_export(&pc, &notes);
    assert_int_equal(pb_plot_write_index(pc.dir, &pc.set, &pc.charts, &notes, "png", PB_PLOT_AXIS_AUTO,
                                         err, sizeof err), 0);
    snprintf(path, sizeof path, "%s/README.md", pc.dir);
    char *md = slurp(path);
    assert_int_equal(count(md, "\n## "), pc.charts.n); /* a heading per chart, no other */
    assert_int_equal(count(md, "\n\n**"), pc.charts.n);
    for (size_t i = 0; i < pc.charts.n; i++) {
        char want[600];
        snprintf(want, sizeof want, "\n## %s\n\n**", pc.charts.v[i].name);
        if (strchr(pc.charts.v[i].name, '_'))
            continue; /* escaped in the heading */
        assert_non_null(strstr(md, want));
        assert_non_null(strchr(pc.charts.v[i].question, '?'));
    }
    assert_int_equal(count(md, "**Which backend is fastest per workload?**"), 1);
    assert_int_equal(count(md, "**Which backend needs the least memory on "), 3);
    assert_int_equal(count(md, "no memory figures"), 1);
    assert_non_null(strstr(md, "- null: no memory figures on every workload"));
    char axis[PB_PLOT_NOTE_LEN], want[PB_PLOT_NOTE_LEN + 32];
    assert_string_equal(chart_of(&pc.charts, "throughput"), "throughput");
    snprintf(axis, sizeof axis, "%s", pc.charts.v[0].axis);
    assert_true(strncmp(axis, "log axis: the bars span ", 24) == 0 ||
                strncmp(axis, "linear axis: the bars span ", 27) == 0);
    snprintf(want, sizeof want, " Both panels: %s.\n", axis);
    assert_non_null(strstr(md, want));
    free(md);
    assert_int_equal(pb_plot_write_index(pc.dir, &pc.set, &pc.charts, &notes, "png", PB_PLOT_AXIS_LINEAR,
                                         err, sizeof err), 0);
    md = slurp(path);
    assert_non_null(strstr(md, "not drawn); a missing bar is labelled with its run's status. "
                               "Linear axes (--linear).\n"));
    free(md);
    case_free(&pc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_sample),
        cmocka_unit_test(test_read_rejects_non_results),
        cmocka_unit_test(test_read_rejects_ambiguous_json),
        cmocka_unit_test(test_read_names_missing_field),
        cmocka_unit_test(test_read_accepts_null_figures),
        cmocka_unit_test(test_backend_key_sorts_config),
        cmocka_unit_test(test_unit_and_safe_name),
        cmocka_unit_test(test_index_one_file),
        cmocka_unit_test(test_index_overlay_groups_by_backend),
        cmocka_unit_test(test_throughput),
        cmocka_unit_test(test_throughput_noisy_without_flag),
        cmocka_unit_test(test_throughput_intervals),
        cmocka_unit_test(test_throughput_interval_fallback),
        cmocka_unit_test(test_throughput_net_within_noise),
        cmocka_unit_test(test_throughput_net_below_baseline),
        cmocka_unit_test(test_throughput_old_negative_net),
        cmocka_unit_test(test_throughput_negative_time),
        cmocka_unit_test(test_throughput_cold_cut),
        cmocka_unit_test(test_memory_skips_unmeasured),
        cmocka_unit_test(test_memory_null_figure_is_nan),
        cmocka_unit_test(test_timeline_blocks),
        cmocka_unit_test(test_fragmentation_percent),
        cmocka_unit_test(test_latency_only_when_measured),
        cmocka_unit_test(test_latency_without_frees),
        cmocka_unit_test(test_export_writes_every_chart),
        cmocka_unit_test(test_export_bad_dir),
        cmocka_unit_test(test_hostile_vars_read_back),
        cmocka_unit_test(test_keys_read_back),
        cmocka_unit_test(test_chart_names_unique),
        cmocka_unit_test(test_fragmentation_none_positive),
        cmocka_unit_test(test_throughput_gap_labels),
        cmocka_unit_test(test_throughput_log_default),
        cmocka_unit_test(test_throughput_log_both_panels),
        cmocka_unit_test(test_throughput_whiskers_bracket),
        cmocka_unit_test(test_palette_twelve_backends),
        cmocka_unit_test(test_memory_gap_labels),
        cmocka_unit_test(test_memory_one_scale_policy),
        cmocka_unit_test(test_timeline_ticks_distinct),
        cmocka_unit_test(test_timeline_floor),
        cmocka_unit_test(test_timeline_legend),
        cmocka_unit_test(test_fragmentation_labels),
        cmocka_unit_test(test_latency_resolution),
        cmocka_unit_test(test_index_questions_and_notes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
