/*
 * test_cmd_run.c -- `poolbench run` end to end: runs the binary on the small
 * traces of tests/data and checks every field of the results contract
 * (docs/results.md) and its type, the relations between the
 * figures, and the failure paths: an invalid trace writes nothing (exit 2), a
 * refused request and a crashing backend fail only their own run (exit 1),
 * -o - writes to stdout, SIGINT keeps the finished runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>

#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli_test.h"
#include "json_test.h"

/* ---- running the binary ------------------------------------------------- */

/* Start argv with stdout and stderr into files of d; the child's pid. */
static pid_t start(const struct ct_dir *d, char *const argv[])
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        ct_redirect(d);
        if (chdir(PB_TESTDATA) != 0)
            _exit(126);
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

static int run(const struct ct_dir *d, char *const argv[])
{
    return ct_finish(start(d, argv));
}

static char *dir_file(const struct ct_dir *d, const char *name)
{
    static char buf[4][160];
    static int next;
    char *p = buf[next++ % 4];
    snprintf(p, 160, "%s/%s", d->path, name);
    return p;
}

/* ---- contract checks ------------------------------------------------------ */

static int is_null(const cJSON *o, const char *key)
{
    return cJSON_IsNull(jt_get(o, key));
}

static void check_header(const cJSON *doc)
{
    assert_string_equal(jt_str(doc, "schema"), "poolbench-results/1");
    const char *created = jt_str(doc, "created");
    int y, mo, da, h, mi, s;
    char z;
    assert_int_equal(sscanf(created, "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &da, &h, &mi, &s, &z), 7);
    assert_int_equal(z, 'Z');
    const cJSON *tool = jt_obj(doc, "tool");
    const char *tool_keys[] = {"version", "git", "build_type", "compiler", "cflags"};
    for (int i = 0; i < 5; i++)
        jt_str(tool, tool_keys[i]);
    const cJSON *m = jt_obj(doc, "machine");
    assert_true(strlen(jt_str(m, "cpu")) > 0);
    assert_true(jt_num(m, "cores") >= 1);
    assert_int_equal((long)jt_num(m, "page_size"), sysconf(_SC_PAGESIZE));
    assert_true(strlen(jt_str(m, "kernel")) > 0);
    assert_true(strlen(jt_str(m, "libc")) > 0);
    const cJSON *cfg = jt_obj(doc, "config");
    assert_true(jt_num(cfg, "repeat") >= 1);
    jt_num(cfg, "warmup");
    jt_str(cfg, "touch");
    jt_num(cfg, "sample_every");
    jt_num(cfg, "timeout");
    jt_arr(cfg, "backends");
    jt_arr(doc, "runs");
    assert_true(cJSON_IsBool(jt_get(doc, "interrupted")));
}

static void check_distribution(const cJSON *d, double repeats)
{
    double med = jt_num(d, "median"), lo = jt_num(d, "min"), hi = jt_num(d, "max");
    assert_true(lo <= med && med <= hi && lo > 0);
    const cJSON *s = jt_arr(d, "samples");
    assert_int_equal(cJSON_GetArraySize(s), (int)repeats);
    const cJSON *v;
    cJSON_ArrayForEach(v, s)
        assert_true(cJSON_IsNumber(v) && v->valuedouble >= lo && v->valuedouble <= hi);
}

/* The interval of a figure over rounds lies within its min and max. */
static void check_interval(const cJSON *d)
{
    double lo = jt_num(d, "ci_low"), hi = jt_num(d, "ci_high");
    assert_true(jt_num(d, "min") <= lo && lo <= jt_num(d, "median"));
    assert_true(jt_num(d, "median") <= hi && hi <= jt_num(d, "max"));
    assert_true(jt_num(d, "ci_level") > 0 && jt_num(d, "ci_level") < 1);
    assert_true(cJSON_IsBool(jt_get(d, "noisy")));
}

static void check_time(const cJSON *t, const cJSON *workload)
{
    double repeats = jt_num(t, "repeats"), rounds = jt_num(t, "rounds");
    jt_num(t, "warmup");
    /* the samples are the rounds, one fresh process each */
    check_distribution(jt_obj(t, "ns_per_op"), rounds);
    check_distribution(jt_obj(t, "ops_per_sec"), rounds);
    check_distribution(jt_obj(t, "cold_ns_per_op"), rounds);
    if (rounds >= 2)
        check_interval(jt_obj(t, "ns_per_op"));
    const cJSON *pr = jt_arr(t, "per_round"), *r;
    assert_int_equal(cJSON_GetArraySize(pr), (int)rounds);
    cJSON_ArrayForEach(r, pr)
    {
        assert_int_equal(cJSON_GetArraySize(jt_arr(r, "replay_ns_per_op")), (int)repeats);
        assert_int_equal(cJSON_GetArraySize(jt_arr(r, "usage")), (int)repeats);
        jt_num(jt_obj(r, "cold_usage"), "minor_faults");
    }
    jt_num(jt_obj(jt_obj(t, "causes"), "warm"), "minor_faults_per_kop");
    /* never a negative cost: a number >= 0, or null when the paired interval lies
     * wholly below the null baseline (a timing outcome a loaded machine can give) */
    const cJSON *net = jt_get(t, "net_ns_per_op");
    if (cJSON_IsNull(net))
        assert_true(cJSON_IsTrue(jt_get(jt_obj(t, "net"), "below_baseline")));
    else
        assert_true(jt_num(t, "net_ns_per_op") >= 0);
    /* one op is one event; an x counts once */
    assert_int_equal((long)jt_num(t, "ops"), (long)(jt_num(workload, "events") + jt_num(workload, "resets")));
}

static const char *const memory_keys[] = {
    "granted_bytes_at_peak", "internal_fragmentation", "peak_footprint_bytes",
    "peak_resident_bytes",   "occupied_page_bytes_at_peak", "wasted_page_bytes",
    "fragmentation",         "peak_rss_bytes",
};

/* Whether a note of run names key and also holds the text also ("" for any). */
static int noted(const cJSON *run, const char *key, const char *also)
{
    const cJSON *n;
    cJSON_ArrayForEach(n, jt_arr(run, "notes"))
        if (strstr(n->valuestring, key) && strstr(n->valuestring, also))
            return 1;
    return 0;
}

/* Whether a note of run says a figure named key is not reported (and why). */
static int noted_unreported(const cJSON *run, const char *key)
{
    return noted(run, key, "not reported");
}

/* The memory figures: each a number that can be true (memory that holds the
 * live data is at least the live bytes), or null with a note saying why. */
static void check_memory(const cJSON *run, const cJSON *workload, int no_memory)
{
    const cJSON *m = jt_obj(run, "memory");
    for (size_t i = 0; i < sizeof memory_keys / sizeof memory_keys[0]; i++) {
        if (no_memory)
            assert_true(is_null(m, memory_keys[i]) || strcmp(memory_keys[i], "peak_rss_bytes") == 0);
        else if (cJSON_IsNull(jt_get(m, memory_keys[i])))
            assert_true(noted_unreported(run, strncmp(memory_keys[i], "peak_f", 6) == 0 ||
                                                      strcmp(memory_keys[i], "fragmentation") == 0
                                                  ? "peak_footprint_bytes"
                                                  : "resident bytes"));
        else
            jt_num(m, memory_keys[i]);
    }
    if (no_memory)
        return;
    double live = jt_num(workload, "peak_live_bytes");
    double granted = jt_num(m, "granted_bytes_at_peak");
    assert_true(granted >= live);
    assert_true(fabs(jt_num(m, "internal_fragmentation") - (1 - live / granted)) < 1e-12);
    if (cJSON_IsNumber(jt_get(m, "peak_footprint_bytes"))) {
        assert_true(jt_num(m, "peak_footprint_bytes") >= live);
        assert_true(fabs(jt_num(m, "fragmentation") - (jt_num(m, "peak_footprint_bytes") / live - 1)) < 1e-12);
    }
    if (cJSON_IsNumber(jt_get(m, "peak_resident_bytes"))) {
        double res = jt_num(m, "peak_resident_bytes"), occ = jt_num(m, "occupied_page_bytes_at_peak");
        double wasted = jt_num(m, "wasted_page_bytes");
        assert_true(wasted == (res > occ ? res - occ : 0));
        long page = sysconf(_SC_PAGESIZE);
        assert_int_equal((long)res % page, 0);
        assert_int_equal((long)occ % page, 0);
        assert_true(jt_num(m, "resident_bytes_at_live_peak") >= live);
    }
    assert_true(jt_num(m, "peak_rss_bytes") > 0);
}

static void check_timeline(const cJSON *tl, int no_memory, int resident)
{
    double prev = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, tl)
    {
        double ev = jt_num(s, "event");
        assert_true(ev > prev);
        prev = ev;
        jt_num(s, "live_bytes");
        jt_num(s, "granted_bytes");
        jt_num(s, "footprint_bytes");
        if (resident)
            jt_num(s, "resident_bytes");
        else
            assert_true(cJSON_IsNull(jt_get(s, "resident_bytes")));
    }
    if (!no_memory)
        assert_true(cJSON_GetArraySize(tl) > 0);
}

static const char *const figure_keys[] = {
    "events", "allocs", "frees", "reallocs", "resets", "peak_live_bytes", "peak_live_blocks",
    "live_blocks_at_end", "live_bytes_at_end", "total_requested_bytes",
};

static void check_workload(const cJSON *w)
{
    jt_str(w, "name");
    jt_str(w, "source");
    for (size_t i = 0; i < sizeof figure_keys / sizeof figure_keys[0]; i++)
        jt_num(w, figure_keys[i]);
}

/* Check one run; returns 1 when it is ok. */
static int check_run(const cJSON *run)
{
    const char *backend = jt_str(run, "backend");
    assert_null(strchr(backend, ':')); /* the bare name */
    jt_obj(run, "backend_config");
    const cJSON *w = jt_obj(run, "workload");
    check_workload(w);
    const char *status = jt_str(run, "status");
    jt_arr(run, "notes");
    if (strcmp(status, "ok") != 0) {
        if (strcmp(status, "failed") != 0 && strcmp(status, "refused") != 0)
            fail_msg("status '%s' is none of ok, refused, failed", status);
        assert_true(strlen(jt_str(run, "error")) > 0);
        return 0;
    }
    int no_memory = strcmp(backend, "null") == 0;
    check_time(jt_obj(run, "time"), w);
    if (cJSON_IsNull(jt_get(jt_obj(run, "time"), "net_ns_per_op")))
        assert_true(noted(run, "net_ns_per_op", ""));
    check_memory(run, w, no_memory);
    check_timeline(jt_arr(run, "timeline"), no_memory,
                   cJSON_IsNumber(jt_get(jt_obj(run, "memory"), "peak_resident_bytes")));
    if (no_memory)
        assert_true(cJSON_GetArraySize(jt_arr(run, "notes")) > 0);
    return 1;
}

/* ---- the tests ------------------------------------------------------------- */

static void every_contract_field_is_there(void **state)
{
    (void)state;
    struct ct_dir d;
    ct_dir_make(&d, "pb-test-run");
    char *out = dir_file(&d, "out.json");
    char *argv[] = {PB_BIN, "run", "--trace", "run_small.trace", "--backend",
                    "pool,arena,malloc", "--repeat", "3", "--warmup", "1", "-o", out,
                    "--quiet", NULL};
    assert_int_equal(run(&d, argv), 0);
    cJSON *doc = jt_load(out);
    check_header(doc);
    const cJSON *runs = jt_arr(doc, "runs");
    assert_int_equal(cJSON_GetArraySize(runs), 4); /* null is always run */
    assert_string_equal(jt_str(cJSON_GetArrayItem(runs, 0), "backend"), "null");
    const cJSON *r;
    cJSON_ArrayForEach(r, runs)
        assert_true(check_run(r));
    /* null is its own baseline */
    assert_true(jt_num(jt_obj(jt_run_of(doc, "null"), "time"), "net_ns_per_op") == 0);
    /* the pool's options in effect */
    assert_string_equal(jt_str(jt_obj(jt_run_of(doc, "pool"), "backend_config"), "chunk"), "64");
    assert_false(cJSON_IsTrue(jt_get(doc, "interrupted")));
    cJSON_Delete(doc);
    ct_dir_remove(&d);
}

static void workload_figures_equal_check_json(void **state)
{
    (void)state;
    struct ct_dir d;
    ct_dir_make(&d, "pb-test-run");
    char *out = dir_file(&d, "out.json");
    char *argv[] = {PB_BIN, "run", "--trace", "run_small.trace", "--backend", "malloc",
                    "--repeat", "1", "--warmup", "0", "-o", out, NULL};
    assert_int_equal(run(&d, argv), 0);
    char *check[] = {PB_BIN, "check", "--json", "run_small.trace", NULL};
    assert_int_equal(run(&d, check), 0);
    cJSON *doc = jt_load(out);
    cJSON *want = jt_load(dir_file(&d, "stdout"));
    const cJSON *r;
    cJSON_ArrayForEach(r, jt_get(doc, "runs"))
    {
        const cJSON *w = jt_obj(r, "workload");
        for (size_t i = 0; i < sizeof figure_keys / sizeof figure_keys[0]; i++)
            assert_true(jt_num(w, figure_keys[i]) == jt_num(want, figure_keys[i]));
        assert_string_equal(jt_str(w, "sha256"), jt_str(want, "sha256"));
        assert_string_equal(jt_str(w, "name"), jt_str(want, "name"));
    }
    /* and the hand-computed ones (see the comment in run_small.trace) */
    assert_int_equal((long)jt_num(want, "peak_live_bytes"), 208);
    assert_int_equal((long)jt_num(want, "total_requested_bytes"), 272);
    cJSON_Delete(want);
    cJSON_Delete(doc);
    ct_dir_remove(&d);
}

static void invalid_trace_writes_nothing(void **state)
{
    (void)state;
    struct ct_dir d;
    ct_dir_make(&d, "pb-test-run");
    char *out = dir_file(&d, "out.json");
    char *argv[] = {PB_BIN, "run", "--trace", "run_small.trace", "--trace", "run_bad.trace",
                    "-o", out, NULL};
    assert_int_equal(run(&d, argv), 2);
    struct stat st;
    assert_int_not_equal(stat(out, &st), 0);
    char *err = jt_slurp(dir_file(&d, "stderr"));
    assert_non_null(strstr(err, "run_bad.trace:4:"));
    free(err);
    ct_dir_remove(&d);
}

/* A job array is generated job by job, right before each job's runs: while the
 * small first job runs, the big second one (2 x 10^7 events, 320 MB) does not
 * exist yet, so the first run's process (a fork of the parent, whose memory
 * it counts) stays small. */
static void job_array_is_generated_job_by_job(void **state)
{
    (void)state;
    struct ct_dir d;
    ct_dir_make(&d, "pb-test-run");
    char *jobs = dir_file(&d, "jobs.json"), *out = dir_file(&d, "out.json");
    FILE *f = fopen(jobs, "w");
    assert_non_null(f);
    fputs("[{\"name\": \"small\", \"generator\": \"churn\", \"params\": {\"live\": 10, "
          "\"pairs\": 10}},\n {\"name\": \"big\", \"generator\": \"churn\", \"params\": "
          "{\"live\": 10, \"pairs\": 10000000}}]\n", f);
    assert_int_equal(fclose(f), 0);
    char *argv[] = {PB_BIN, "run", "--workload", jobs, "--backend", "null", "--repeat", "1",
                    "--warmup", "0", "-o", out, "--quiet", NULL};
    assert_int_equal(run(&d, argv), 0);
    cJSON *doc = jt_load(out);
    const cJSON *runs = jt_arr(doc, "runs");
    assert_int_equal(cJSON_GetArraySize(runs), 2);
    const cJSON *small = cJSON_GetArrayItem(runs, 0), *big = cJSON_GetArrayItem(runs, 1);
    assert_string_equal(jt_str(jt_obj(small, "workload"), "name"), "small");
    assert_string_equal(jt_str(jt_obj(big, "workload"), "name"), "big");
    double small_rss = jt_num(jt_obj(small, "memory"), "peak_rss_bytes");
    double big_rss = jt_num(jt_obj(big, "memory"), "peak_rss_bytes");
    if (!(big_rss > 250e6 && small_rss < 100e6))
        fail_msg("peak RSS %.0f bytes with the small job, %.0f with the big one", small_rss,
                 big_rss);
    cJSON_Delete(doc);
    ct_dir_remove(&d);
}

static void dash_writes_to_stdout(void **state)
{
    (void)state;
    struct ct_dir d;
    ct_dir_make(&d, "pb-test-run");
    char *argv[] = {PB_BIN, "run", "--trace", "run_small.trace", "--backend", "arena",
                    "--repeat", "1", "-o", "-", NULL};
    assert_int_equal(run(&d, argv), 0);
    cJSON *doc = jt_load(dir_file(&d, "stdout"));
    check_header(doc);
    assert_int_equal(cJSON_GetArraySize(jt_get(doc, "runs")), 2);
    cJSON_Delete(doc);
    ct_dir_remove(&d);
}

/* A request the backend cannot serve is an answer: status "refused", the run
 * exits 0, the table and the verdict say which backend refused and why. */
static void refused_request_is_an_answer(void **state)
{
    (void)state;
    struct ct_dir d;
    ct_dir_make(&d, "pb-test-run");
    char *out = dir_file(&d, "out.json");
    char *argv[] = {PB_BIN, "run", "--trace", "run_large.trace", "--backend", "pool:chunk=48,malloc",
                    "--repeat", "1", "-o", out, NULL};
    assert_int_equal(run(&d, argv), 0);
    cJSON *doc = jt_load(out);
    const cJSON *pool = jt_run_of(doc, "pool");
    assert_false(check_run(pool));
    assert_string_equal(jt_str(pool, "status"), "refused");
    assert_true(cJSON_IsFalse(jt_get(pool, "baseline")));
    assert_true(cJSON_IsTrue(jt_get(jt_run_of(doc, "null"), "baseline")));
    const char *err = jt_str(pool, "error");
    if (!strstr(err, "run_large.trace:4") || !strstr(err, "5000"))
        fail_msg("the error names neither line nor size: %s", err);
    assert_true(check_run(jt_run_of(doc, "malloc")));
    assert_true(check_run(jt_run_of(doc, "null")));
    char *table = jt_slurp(dir_file(&d, "stdout"));
    assert_non_null(strstr(table, "  refused\n"));        /* its status cell */
    assert_non_null(strstr(table, "pool:chunk=48 on run_large")); /* the whole spec, and why */
    assert_non_null(strstr(table, "refused (cannot serve it): pool:chunk=48"));
    assert_null(strstr(table, "FAILED"));
    free(table);
    cJSON_Delete(doc);
    ct_dir_remove(&d);
}

static void crashing_backend_fails_only_its_run(void **state)
{
    (void)state;
    struct ct_dir d;
    ct_dir_make(&d, "pb-test-run");
    char *out = dir_file(&d, "out.json");
    char *argv[] = {PB_TESTBK_BIN, "run", "--workload", "churn:pairs=2000",
                    "--backend", "malloc,crash:after=1500,pool", "--repeat", "1",
                    "-o", out, "--quiet", NULL};
    assert_int_equal(run(&d, argv), 1);
    cJSON *doc = jt_load(out);
    assert_int_equal(cJSON_GetArraySize(jt_get(doc, "runs")), 4);
    const cJSON *crash = jt_run_of(doc, "crash");
    assert_false(check_run(crash));
#if defined(__SANITIZE_ADDRESS__)
    /* the measuring process's sanitizer reports the SEGV (on its stderr) and exits 1 */
    assert_non_null(strstr(jt_str(crash, "error"), "exited with status 1"));
#else
    assert_non_null(strstr(jt_str(crash, "error"), "signal 11"));
#endif
    assert_string_equal(jt_str(jt_obj(crash, "backend_config"), "after"), "1500");
    assert_true(check_run(jt_run_of(doc, "malloc")));
    assert_true(check_run(jt_run_of(doc, "pool")));
    cJSON_Delete(doc);
    ct_dir_remove(&d);
}

static void hanging_backend_times_out(void **state)
{
    (void)state;
    struct ct_dir d;
    ct_dir_make(&d, "pb-test-run");
    char *out = dir_file(&d, "out.json");
    char *argv[] = {PB_TESTBK_BIN, "run", "--workload", "churn:pairs=2000", "--backend",
                    "crash:after=10:mode=hang,arena", "--repeat", "1", "--timeout", "1",
                    "-o", out, "--quiet", NULL};
    assert_int_equal(run(&d, argv), 1);
    cJSON *doc = jt_load(out);
    assert_non_null(strstr(jt_str(jt_run_of(doc, "crash"), "error"), "timeout"));
    assert_true(check_run(jt_run_of(doc, "arena")));
    cJSON_Delete(doc);
    ct_dir_remove(&d);
}

static void sigint_keeps_the_finished_runs(void **state)
{
    (void)state;
    struct ct_dir d;
    ct_dir_make(&d, "pb-test-run");
    char *out = dir_file(&d, "out.json");
    /* null's memory process runs first and finishes; the hanging backend's is
     * interrupted, before any timed round: null keeps its memory figures */
    char *argv[] = {PB_TESTBK_BIN, "run", "--workload", "churn:pairs=2000", "--backend",
                    "crash:after=10:mode=hang", "--repeat", "1", "-o", out, "--quiet", NULL};
    pid_t pid = start(&d, argv);
    struct stat st;
    sleep(2);
    assert_int_not_equal(stat(out, &st), 0); /* still running: nothing written yet */
    kill(pid, SIGINT);
    assert_int_equal(ct_finish(pid), 1);
    cJSON *doc = jt_load(out);
    assert_true(cJSON_IsTrue(jt_get(doc, "interrupted")));
    const cJSON *runs = jt_get(doc, "runs");
    assert_int_equal(cJSON_GetArraySize(runs), 1);
    const cJSON *null_run = cJSON_GetArrayItem(runs, 0);
    assert_string_equal(jt_str(null_run, "backend"), "null");
    assert_string_equal(jt_str(null_run, "status"), "failed");
    assert_non_null(strstr(jt_str(null_run, "error"), "interrupted"));
    jt_obj(null_run, "memory");
    cJSON_Delete(doc);
    ct_dir_remove(&d);
}

static void latency_reports_percentiles(void **state)
{
    (void)state;
    struct ct_dir d;
    ct_dir_make(&d, "pb-test-run");
    char *out = dir_file(&d, "out.json");
    char *argv[] = {PB_BIN, "run", "--workload", "churn:pairs=5000", "--backend", "pool",
                    "--repeat", "1", "--latency", "-o", out, NULL};
    assert_int_equal(run(&d, argv), 0);
    cJSON *doc = jt_load(out);
    const cJSON *lat = jt_obj(jt_run_of(doc, "pool"), "latency");
    const char *kinds[] = {"alloc", "free"};
    for (int k = 0; k < 2; k++) {
        const cJSON *s = jt_obj(lat, kinds[k]);
        assert_true(jt_num(s, "count") > 0);
        assert_true(jt_num(s, "p50_ns") <= jt_num(s, "p99_ns"));
        assert_true(jt_num(s, "p99_ns") <= jt_num(s, "p999_ns"));
        assert_true(jt_num(s, "p999_ns") <= jt_num(s, "max_ns"));
        assert_true(cJSON_GetArraySize(jt_arr(s, "cdf_ns")) > 0);
    }
    cJSON_Delete(doc);
    ct_dir_remove(&d);
}

static void default_output_goes_to_results_dir(void **state)
{
    (void)state;
    struct ct_dir d;
    ct_dir_make(&d, "pb-test-run");
    char *argv[] = {PB_BIN, "run", "--workload", "churn:pairs=100", "--backend", "pool",
                    "--repeat", "1", NULL};
    pid_t pid = fork();
    if (pid == 0) {
        /* run inside the temporary directory: results/ is relative to it */
        if (chdir(d.path) != 0)
            _exit(126);
        freopen("/dev/null", "w", stdout);
        execv(argv[0], argv);
        _exit(127);
    }
    assert_int_equal(ct_finish(pid), 0);
    char *latest = dir_file(&d, "results/latest.json");
    cJSON *doc = jt_load(latest);
    check_header(doc);
    cJSON_Delete(doc);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "ls %s/results/run-*.json >/dev/null", d.path);
    assert_int_equal(system(cmd), 0);
    ct_dir_remove(&d);
}

/* ---- --threads -------------------------------------------------------------- */

/* The per-thread part of a --threads run (results.md contract, README "Threads"). */
static void check_threads(const cJSON *run, double threads, int per_thread_instances)
{
    const cJSON *t = jt_obj(run, "time"), *w = jt_obj(run, "workload");
    double repeats = jt_num(t, "repeats");
    assert_true(jt_num(t, "threads") == threads);
    assert_true(jt_num(t, "ops_all_threads") == threads * jt_num(t, "ops"));
    assert_string_equal(jt_str(t, "instances"), per_thread_instances ? "per_thread" : "shared");
    assert_true(cJSON_IsBool(jt_get(t, "cross_free")));
    /* ns_per_op is per event of all threads: the inverse of the total throughput */
    const cJSON *ns = jt_arr(jt_obj(t, "ns_per_op"), "samples");
    const cJSON *ps = jt_arr(jt_obj(t, "ops_per_sec"), "samples");
    for (int i = 0; i < cJSON_GetArraySize(ns); i++) {
        double prod =
            cJSON_GetArrayItem(ns, i)->valuedouble * cJSON_GetArrayItem(ps, i)->valuedouble;
        assert_true(fabs(prod - 1e9) < 1e-3);
    }
    const cJSON *pt = jt_arr(t, "per_thread");
    assert_int_equal(cJSON_GetArraySize(pt), (int)threads);
    int i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, pt)
    {
        assert_int_equal((int)jt_num(e, "thread"), i++);
        check_distribution(jt_obj(e, "ns_per_op"), repeats);
        if (per_thread_instances) {
            assert_true(jt_num(e, "allocs") == jt_num(w, "allocs"));
            assert_true(jt_num(e, "frees") == jt_num(w, "frees"));
        } else {
            assert_true(is_null(e, "allocs") && is_null(e, "frees"));
        }
    }
}

static void threads_report_per_thread_fields(void **state)
{
    (void)state;
    struct ct_dir d;
    ct_dir_make(&d, "pb-test-run");
    char *out = dir_file(&d, "out.json");
    char *argv[] = {PB_BIN, "run", "--trace", "run_small.trace", "--backend", "pool,malloc",
                    "--threads", "2", "--repeat", "2", "-o", out, "--quiet", NULL};
    assert_int_equal(run(&d, argv), 0);
    cJSON *doc = jt_load(out);
    const cJSON *runs = jt_arr(doc, "runs");
    assert_int_equal(cJSON_GetArraySize(runs), 3);
    const cJSON *r;
    cJSON_ArrayForEach(r, runs)
        assert_true(check_run(r));
    check_threads(jt_run_of(doc, "null"), 2, 1);
    check_threads(jt_run_of(doc, "pool"), 2, 1);
    check_threads(jt_run_of(doc, "malloc"), 2, 0);
    const cJSON *ta = jt_arr(jt_obj(doc, "config"), "threads");
    assert_int_equal(cJSON_GetArraySize(ta), 1);
    assert_int_equal(cJSON_GetArrayItem(ta, 0)->valueint, 2);
    cJSON_Delete(doc);
    ct_dir_remove(&d);
}

/* The keys of o, in order, joined by spaces. */
static void keys_of(const cJSON *o, char *out, size_t len)
{
    out[0] = '\0';
    const cJSON *c;
    cJSON_ArrayForEach(c, o)
    {
        strncat(out, c->string, len - strlen(out) - 2);
        strcat(out, " ");
    }
}

static void one_thread_keeps_the_layout(void **state)
{
    (void)state;
    struct ct_dir d;
    ct_dir_make(&d, "pb-test-run");
    char *one = dir_file(&d, "one.json"), *plain = dir_file(&d, "plain.json");
    char *a1[] = {PB_BIN, "run", "--trace", "run_small.trace", "--backend", "pool",
                  "--threads", "1", "--repeat", "1", "-o", one, "--quiet", NULL};
    char *a2[] = {PB_BIN, "run", "--trace", "run_small.trace", "--backend", "pool",
                  "--repeat", "1", "-o", plain, "--quiet", NULL};
    assert_int_equal(run(&d, a1), 0);
    assert_int_equal(run(&d, a2), 0);
    cJSON *d1 = jt_load(one), *d2 = jt_load(plain);
    char k1[1024], k2[1024];
    keys_of(jt_obj(d1, "config"), k1, sizeof k1);
    keys_of(jt_obj(d2, "config"), k2, sizeof k2);
    assert_string_equal(k1, k2);
    assert_null(strstr(k1, "threads"));
    const cJSON *r1 = jt_run_of(d1, "pool"), *r2 = jt_run_of(d2, "pool");
    keys_of(jt_obj(r1, "time"), k1, sizeof k1);
    keys_of(jt_obj(r2, "time"), k2, sizeof k2);
    assert_string_equal(k1, k2);
    assert_null(strstr(k1, "threads"));
    keys_of(r1, k1, sizeof k1);
    keys_of(r2, k2, sizeof k2);
    assert_string_equal(k1, k2);
    cJSON_Delete(d1);
    cJSON_Delete(d2);
    ct_dir_remove(&d);
}

static void cross_free_runs_malloc_and_refuses_pool(void **state)
{
    (void)state;
    struct ct_dir d;
    ct_dir_make(&d, "pb-test-run");
    char *out = dir_file(&d, "out.json");
    char *argv[] = {PB_BIN, "run", "--workload", "churn:pairs=20000", "--backend", "pool,malloc",
                    "--threads", "2", "--cross-free", "--repeat", "2", "-o", out, "--quiet",
                    NULL};
    assert_int_equal(run(&d, argv), 0); /* a refusal is an answer */
    cJSON *doc = jt_load(out);
    const cJSON *pool = jt_run_of(doc, "pool");
    assert_false(check_run(pool));
    assert_string_equal(jt_str(pool, "status"), "refused");
    assert_string_equal(jt_str(pool, "error"),
                        "pool is not thread-safe: it cannot free blocks allocated by another "
                        "thread");
    const cJSON *m = jt_run_of(doc, "malloc");
    assert_true(check_run(m));
    check_threads(m, 2, 0);
    assert_true(cJSON_IsTrue(jt_get(jt_obj(m, "time"), "cross_free")));
    assert_true(check_run(jt_run_of(doc, "null")));
    cJSON_Delete(doc);
    ct_dir_remove(&d);
}

/* null refuses the 8192-byte blocks of its 4 KiB buffer: on that workload every
 * other run has no net figure, and its notes and the table say why. */
/* backend_config comes from the instance the memory pass measured: its
 * counters are the pass's (a pool that returns empty slabs says how many). */
static void backend_config_counts_the_measured_pass(void **state)
{
    (void)state;
    struct ct_dir d;
    ct_dir_make(&d, "pb-test-run");
    char *out = dir_file(&d, "out.json");
    char *argv[] = {PB_BIN, "run", "--workload", "ramp:max=64:peak=20000", "--backend",
                    "pool:return=0", "--rounds", "1", "--repeat", "1", "-o", out, "--quiet",
                    NULL};
    assert_int_equal(run(&d, argv), 0);
    cJSON *doc = jt_load(out);
    const cJSON *bc = jt_obj(jt_run_of(doc, "pool"), "backend_config");
    assert_true(atoi(jt_str(bc, "slabs_returned")) > 0);
    cJSON_Delete(doc);
    ct_dir_remove(&d);
}

static void failed_null_explains_missing_net(void **state)
{
    (void)state;
    struct ct_dir d;
    ct_dir_make(&d, "pb-test-run");
    char *out = dir_file(&d, "out.json");
    char *argv[] = {PB_BIN, "run", "--workload", "churn:size=8192,pairs=200", "--backend",
                    "null:buffer=4k,malloc", "--repeat", "1", "-o", out, NULL};
    assert_int_equal(run(&d, argv), 0); /* null refused: an answer, not a breakage */
    cJSON *doc = jt_load(out);
    const cJSON *m = jt_run_of(doc, "malloc");
    assert_false(check_run(jt_run_of(doc, "null")));
    assert_string_equal(jt_str(m, "status"), "ok");
    assert_true(is_null(jt_obj(m, "time"), "net_ns_per_op"));
    const cJSON *notes = jt_arr(m, "notes"), *note;
    int explained = 0;
    cJSON_ArrayForEach(note, notes)
        explained |= cJSON_IsString(note) &&
                     strstr(note->valuestring, "net_ns_per_op: null because the null baseline "
                                               "run was refused: ") &&
                     strstr(note->valuestring, "exceeds its 4096-byte buffer");
    assert_true(explained);
    char *table = jt_slurp(dir_file(&d, "stdout"));
    assert_non_null(strstr(table, " n/a "));
    assert_non_null(strstr(table, "n/a: no net figure, because the null baseline run"));
    free(table);
    cJSON_Delete(doc);
    ct_dir_remove(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_contract_field_is_there),
        cmocka_unit_test(workload_figures_equal_check_json),
        cmocka_unit_test(invalid_trace_writes_nothing),
        cmocka_unit_test(job_array_is_generated_job_by_job),
        cmocka_unit_test(dash_writes_to_stdout),
        cmocka_unit_test(refused_request_is_an_answer),
        cmocka_unit_test(crashing_backend_fails_only_its_run),
        cmocka_unit_test(hanging_backend_times_out),
        cmocka_unit_test(sigint_keeps_the_finished_runs),
        cmocka_unit_test(latency_reports_percentiles),
        cmocka_unit_test(default_output_goes_to_results_dir),
        cmocka_unit_test(threads_report_per_thread_fields),
        cmocka_unit_test(one_thread_keeps_the_layout),
        cmocka_unit_test(cross_free_runs_malloc_and_refuses_pool),
        cmocka_unit_test(failed_null_explains_missing_net),
        cmocka_unit_test(backend_config_counts_the_measured_pass),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
