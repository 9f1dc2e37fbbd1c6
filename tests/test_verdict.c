/* test_verdict.c -- the verdict per workload: a clear fastest and leanest,
 * no winner when intervals overlap, the trade-off, refusals and breakages
 * listed, the baseline and impossible figures left out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem_test.h"
#include "verdict.h"

/* A run object's text: backend, workload, threads (0: none), median ns with
 * its interval (median < 0: time null), peak resident (< 0: null). */
static void run_text(char *buf, size_t len, const char *backend, const char *workload,
                     int threads, double ns, double lo, double hi, double peak)
{
    char t[256], m[160], th[32] = "";
    if (threads)
        snprintf(th, sizeof th, ",\"threads\":%d", threads);
    if (ns < 0)
        snprintf(t, sizeof t, "null");
    else
        snprintf(t, sizeof t, "{\"ns_per_op\":{\"median\":%g,\"ci_low\":%g,\"ci_high\":%g}%s}",
                 ns, lo, hi, th);
    if (peak < 0)
        snprintf(m, sizeof m, "{\"peak_resident_bytes\":null}");
    else
        snprintf(m, sizeof m, "{\"peak_resident_bytes\":%g}", peak);
    snprintf(buf, len, 
             "{\"backend\":\"%s\",\"backend_spec\":\"%s\",\"baseline\":%s,\"workload\":"
             "{\"name\":\"%s\"},\"status\":\"ok\",\"time\":%s,\"memory\":%s}",
             backend, backend, strcmp(backend, "null") == 0 ? "true" : "false", workload, t, m);
}

/* A document of up to 8 runs given as run_text strings. */
static cJSON *doc_of(const char *const *runs, size_t n)
{
    char text[8192] = "{\"runs\":[";
    for (size_t i = 0; i < n; i++) {
        strcat(text, runs[i]);
        strcat(text, i + 1 < n ? "," : "");
    }
    strcat(text, "]}");
    cJSON *doc = cJSON_Parse(text);
    assert_non_null(doc);
    return doc;
}

static struct pb_verdict *verdicts(const cJSON *doc, size_t want)
{
    struct pb_verdict *v;
    size_t n;
    assert_int_equal(pb_verdicts(doc, &v, &n), 0);
    assert_int_equal(n, want);
    return v;
}

static const char *spec(const cJSON *run)
{
    return run ? cJSON_GetObjectItem(run, "backend_spec")->valuestring : "(none)";
}

static void clear_winner_both_ways(void **state)
{
    (void)state;
    char r[3][1024];
    run_text(r[0], 1024, "null", "churn", 0, 1.0, 0.9, 1.1, -1);
    run_text(r[1], 1024, "pool", "churn", 0, 2.0, 1.9, 2.1, 65536);
    run_text(r[2], 1024, "malloc", "churn", 0, 4.0, 3.8, 4.4, 81920);
    const char *runs[] = {r[0], r[1], r[2]};
    cJSON *doc = doc_of(runs, 3);
    struct pb_verdict *v = verdicts(doc, 1);
    assert_string_equal(v->subject, "churn");
    assert_string_equal(spec(v->fastest), "pool"); /* null, the baseline, takes no part */
    assert_string_equal(spec(v->leanest), "pool");
    if (!strstr(v->speed, "fastest pool, 2.00x faster than malloc (1.81-2.32x"))
        fail_msg("speed verdict: %s", v->speed);
    if (!strstr(v->memory, "leanest pool, 64.0 KiB peak resident against malloc with 80.0 KiB"))
        fail_msg("memory verdict: %s", v->memory);
    assert_string_equal(v->tradeoff, "");
    free(v);
    cJSON_Delete(doc);
}

static void overlapping_intervals_have_no_winner(void **state)
{
    (void)state;
    char r[3][1024];
    run_text(r[0], 1024, "pools", "w", 0, 2.0, 1.8, 2.5, 4096);
    run_text(r[1], 1024, "jemalloc", "w", 0, 2.3, 2.2, 2.6, 4096);
    run_text(r[2], 1024, "malloc", "w", 0, 9.0, 8.0, 10.0, 8192);
    const char *runs[] = {r[0], r[1], r[2]};
    cJSON *doc = doc_of(runs, 3);
    struct pb_verdict *v = verdicts(doc, 1);
    assert_null(v->fastest);
    if (!strstr(v->speed, "no clear winner for speed (pools, jemalloc:"))
        fail_msg("speed verdict: %s", v->speed);
    assert_null(strstr(v->speed, ", malloc")); /* malloc is clearly slower: not in the tie */
    assert_null(v->leanest);                  /* equal peaks tie */
    if (!strstr(v->memory, "leanest: pools, jemalloc tie at 4.0 KiB"))
        fail_msg("memory verdict: %s", v->memory);
    free(v);
    cJSON_Delete(doc);
}

static void tradeoff_when_fastest_is_not_leanest(void **state)
{
    (void)state;
    char r[2][1024];
    run_text(r[0], 1024, "pools", "sqlite3", 0, 3.0, 2.9, 3.1, 2 * 1048576.0);
    run_text(r[1], 1024, "malloc", "sqlite3", 0, 6.0, 5.8, 6.2, 1048576.0);
    const char *runs[] = {r[0], r[1]};
    cJSON *doc = doc_of(runs, 2);
    struct pb_verdict *v = verdicts(doc, 1);
    assert_string_equal(spec(v->fastest), "pools");
    assert_string_equal(spec(v->leanest), "malloc");
    if (!strstr(v->tradeoff, "pools is 2.00x faster than malloc, for +100 % peak resident "
                             "(2.0 MiB against 1.0 MiB)"))
        fail_msg("trade-off: %s", v->tradeoff);
    free(v);
    cJSON_Delete(doc);
}

static void refused_failed_and_impossible_left_out(void **state)
{
    (void)state;
    char r[2][1024];
    run_text(r[0], 1024, "arena", "w", 0, 3.0, 2.9, 3.1, -1); /* memory figure impossible */
    run_text(r[1], 1024, "malloc", "w", 0, 6.0, 5.8, 6.2, 1048576.0);
    const char *runs[] = {
        r[0], r[1],
        "{\"backend\":\"pool\",\"backend_spec\":\"pool:chunk=48\",\"workload\":{\"name\":\"w\"},"
        "\"status\":\"refused\",\"error\":\"t:3: a of 232 bytes\",\"time\":null,\"memory\":null}",
        "{\"backend\":\"crash\",\"workload\":{\"name\":\"w\"},\"status\":\"failed\","
        "\"error\":\"signal 11\",\"time\":null,\"memory\":null}"};
    cJSON *doc = doc_of(runs, 4);
    struct pb_verdict *v = verdicts(doc, 1);
    assert_string_equal(spec(v->fastest), "arena");
    assert_string_equal(spec(v->leanest), "malloc"); /* arena's null figure takes no part */
    assert_non_null(strstr(v->memory, "the only backend measured"));
    assert_string_equal(v->refused, "pool:chunk=48");
    assert_string_equal(v->failed, "crash");
    free(v);
    cJSON_Delete(doc);
}

/* One verdict per workload and thread count, in the order the runs first name them. */
static void one_verdict_per_group(void **state)
{
    (void)state;
    char r[4][1024];
    run_text(r[0], 1024, "pool", "a", 0, 2.0, 1.9, 2.1, 4096);
    run_text(r[1], 1024, "malloc", "b", 0, 3.0, 2.9, 3.1, 4096);
    run_text(r[2], 1024, "malloc", "a", 2, 3.0, 2.9, 3.1, 4096);
    run_text(r[3], 1024, "malloc", "a", 0, 5.0, 4.9, 5.1, 8192);
    const char *runs[] = {r[0], r[1], r[2], r[3]};
    cJSON *doc = doc_of(runs, 4);
    struct pb_verdict *v = verdicts(doc, 3);
    assert_string_equal(v[0].subject, "a");
    assert_string_equal(v[1].subject, "b");
    assert_string_equal(v[2].subject, "a (2 threads)");
    assert_non_null(strstr(v[0].speed, "fastest pool, 2.50x faster than malloc"));
    assert_non_null(strstr(v[1].speed, "the only backend timed"));
    free(v);
    cJSON_Delete(doc);
}

/* A run refused under --threads has no time: its own threads key keeps it in its group. */
static void refused_threaded_run_stays_in_its_group(void **state)
{
    (void)state;
    char r[1024];
    run_text(r, 1024, "malloc", "w", 2, 3.0, 2.9, 3.1, 4096);
    const char *runs[] = {
        r, "{\"backend\":\"pool\",\"workload\":{\"name\":\"w\"},\"status\":\"refused\","
           "\"error\":\"pool is not thread-safe\",\"threads\":2,\"time\":null,\"memory\":null}"};
    cJSON *doc = doc_of(runs, 2);
    struct pb_verdict *v = verdicts(doc, 1);
    assert_string_equal(v->subject, "w (2 threads)");
    assert_string_equal(v->refused, "pool");
    free(v);
    cJSON_Delete(doc);
}

/* Names from the file reach the terminal without their control bytes. */
static void printed_names_are_safe(void **state)
{
    (void)state;
    char r[1024];
    run_text(r, 1024, "pool\\u001b[2J", "w\\u001b]0;x\\u0007", 0, 2.0, 1.9, 2.1, 4096);
    const char *runs[] = {r};
    cJSON *doc = doc_of(runs, 1);
    struct mt_buf b;
    pb_verdict_print(doc, mt_open(&b));
    char *out = mt_close(&b);
    assert_non_null(strstr(out, "verdict ("));
    assert_non_null(strstr(out, "fastest pool"));
    assert_null(strchr(out, '\033'));
    assert_null(strchr(out, '\007'));
    free(out);
    cJSON_Delete(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clear_winner_both_ways),
        cmocka_unit_test(overlapping_intervals_have_no_winner),
        cmocka_unit_test(tradeoff_when_fastest_is_not_leanest),
        cmocka_unit_test(refused_failed_and_impossible_left_out),
        cmocka_unit_test(one_verdict_per_group),
        cmocka_unit_test(refused_threaded_run_stays_in_its_group),
        cmocka_unit_test(printed_names_are_safe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
