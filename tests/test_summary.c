/* test_summary.c -- the readable table: human sizes, one row per run, failures listed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem_test.h"
#include "summary.h"

/* *out: the table pb_summary_print writes for the document doc_text (malloc'd). */
static void summary_of(const char *doc_text, char **out)
{
    cJSON *doc = cJSON_Parse(doc_text);
    assert_non_null(doc);
    struct mt_buf b;
    pb_summary_print(doc, mt_open(&b));
    *out = mt_close(&b);
    cJSON_Delete(doc);
}

static void human_bytes_units(void **state)
{
    (void)state;
    char b[32];
    pb_human_bytes(512, b, sizeof b);
    assert_string_equal(b, "512 B");
    pb_human_bytes(65536, b, sizeof b);
    assert_string_equal(b, "64.0 KiB");
    pb_human_bytes(1.5 * 1048576, b, sizeof b);
    assert_string_equal(b, "1.5 MiB");
    pb_human_bytes(3.0 * 1073741824, b, sizeof b);
    assert_string_equal(b, "3.0 GiB");
}

static void table_shows_each_run(void **state)
{
    (void)state;
    const char *doc_text =
        "{\"runs\":[{\"backend\":\"pool\",\"backend_spec\":\"pool:chunk=48\","
        "\"workload\":{\"name\":\"churn\"},\"status\":\"ok\","
        "\"time\":{\"ns_per_op\":{\"median\":4.25},\"net_ns_per_op\":2.0},"
        "\"memory\":{\"peak_resident_bytes\":131072,\"internal_fragmentation\":0.25,"
        "\"wasted_page_bytes\":8192}},"
        "{\"backend\":\"pool\",\"workload\":{\"name\":\"sqlite3\"},\"status\":\"failed\","
        "\"error\":\"sqlite3.trace.gz:17: a of 1024 bytes refused\",\"time\":null,"
        "\"memory\":null}]}";
    char *out = NULL;
    summary_of(doc_text, &out);
    assert_non_null(strstr(out, "pool:chunk=48"));
    assert_non_null(strstr(out, "4.25"));
    assert_non_null(strstr(out, "+2.00"));
    assert_non_null(strstr(out, "128.0 KiB"));
    assert_non_null(strstr(out, "25.0 %"));
    assert_non_null(strstr(out, "8.0 KiB"));
    assert_non_null(strstr(out, "FAILED"));
    assert_non_null(strstr(out, "a of 1024 bytes refused"));
    free(out);
}

/* An ok run whose null baseline failed: "n/a" in the net column, and a footnote. */
static void missing_net_is_explained(void **state)
{
    (void)state;
    const char *doc_text =
        "{\"runs\":[{\"backend\":\"null\",\"workload\":{\"name\":\"big\"},"
        "\"status\":\"failed\",\"error\":\"a of 8192 bytes refused\",\"time\":null},"
        "{\"backend\":\"malloc\",\"workload\":{\"name\":\"big\"},\"status\":\"ok\","
        "\"time\":{\"ns_per_op\":{\"median\":7.5},\"net_ns_per_op\":null}}]}";
    char *out = NULL;
    summary_of(doc_text, &out);
    const char *row = strstr(out, "\nmalloc ");
    assert_non_null(row);
    const char *eol = strchr(row + 1, '\n');
    const char *na = strstr(row, " n/a ");
    if (!na || na > eol)
        fail_msg("the malloc row has no n/a net figure:\n%s", out);
    assert_non_null(strstr(out, "n/a: no net figure, because the null baseline run"));
    free(out);
}

/* A refusal is its own cell and list; a breakage is FAILED; a long spec is shown whole. */
static void refused_and_failed_apart(void **state)
{
    (void)state;
    const char *doc_text =
        "{\"runs\":[{\"backend\":\"pool\",\"backend_spec\":"
        "\"pool:chunk=48:slab=16384:align=16:return=on\",\"workload\":{\"name\":"
        "\"a-rather-long-workload-name-of-forty-chars\"},\"status\":\"refused\","
        "\"error\":\"t:3: a of 232 bytes refused\",\"time\":null,\"memory\":null},"
        "{\"backend\":\"crash\",\"workload\":{\"name\":\"w\"},\"status\":\"failed\","
        "\"error\":\"killed by signal 11\",\"time\":null,\"memory\":null}]}";
    char *out = NULL;
    summary_of(doc_text, &out);
    const char *row = strstr(out, "\npool:chunk=48:slab=16384:align=16:return=on "
                                  "a-rather-long-workload-name-of-forty-chars ");
    if (!row)
        fail_msg("the spec or the workload is cut:\n%s", out);
    const char *eol = strchr(row + 1, '\n');
    const char *cell = strstr(row, "  refused\n");
    if (!cell || cell > eol)
        fail_msg("the refused run's cell is not 'refused':\n%s", out);
    const char *refused = strstr(out, "\nrefused (the backend cannot serve the workload):\n"
                                      "  pool:chunk=48:slab=16384:align=16:return=on on "
                                      "a-rather-long-workload-name-of-forty-chars: t:3: a of 232");
    const char *failed = strstr(out, "\nfailed runs (broken: see the reason):\n  crash on w: "
                                     "killed by signal 11");
    if (!refused || !failed)
        fail_msg("refused and failed runs are not listed apart:\n%s", out);
    assert_non_null(strstr(out, "  FAILED\n"));
    free(out);
}

/* Every net figure there: no footnote. */
static void no_footnote_without_missing_net(void **state)
{
    (void)state;
    char *out = NULL;
    summary_of("{\"runs\":[{\"backend\":\"malloc\",\"workload\":{\"name\":"
               "\"w\"},\"status\":\"ok\",\"time\":{\"ns_per_op\":{\"median\":"
               "7.5},\"net_ns_per_op\":5.5}}]}",
               &out);
    assert_null(strstr(out, "n/a"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(human_bytes_units),
        cmocka_unit_test(table_shows_each_run),
        cmocka_unit_test(missing_net_is_explained),
        cmocka_unit_test(no_footnote_without_missing_net),
        cmocka_unit_test(refused_and_failed_apart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
