/*
 * test_csv.c -- the tidy CSV table of report/csv.h: the rows of a small
 * hand-made results file (data/export-small.json) read back with an RFC 4180
 * parser of the test's own, null figures as empty fields (and 0 as 0),
 * quoting, formula defusing, a failed run and a run of another non-ok
 * status, thread counts, the terminal's shown form, numbers that read back
 * exactly, a failed write, and docs/export.md listing every figure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "mem_test.h"

#define SMALL "data/export-small.json"
#define NCOL 8 /* the columns of PB_CSV_HEADER */

/* ---- an RFC 4180 reader for the checks --------------------------------------------- */

/* A parsed table: rows of NCOL fields each (the test fails on any other count). */
struct table {
    char *(*rows)[NCOL];
    size_t n;
};

/* One field from *p (quoted or not) into a new string; *p moves past it. */
static char *read_field(const char **p)
{
    size_t cap = strlen(*p) + 1, n = 0;
    char *out = malloc(cap);
    assert_non_null(out);
    const char *s = *p;
    if (*s == '"') {
        for (s++;; s++) {
            assert_true(*s != '\0'); /* an unterminated quoted field */
            if (*s == '"' && s[1] != '"')
                break;
            if (*s == '"')
                s++;
            out[n++] = *s;
        }
        s++;
        assert_true(*s == ',' || *s == '\r'); /* nothing after the closing quote */
    } else {
        for (; *s && *s != ',' && *s != '\r'; s++) {
            assert_true(*s != '"' && *s != '\n'); /* only inside quotes */
            out[n++] = *s;
        }
    }
    out[n] = '\0';
    *p = s;
    return out;
}

/* Parse text: every record ends in CRLF and has NCOL fields. */
static void parse_table(const char *text, struct table *t)
{
    memset(t, 0, sizeof *t);
    const char *p = text;
    while (*p) {
        t->rows = realloc(t->rows, (t->n + 1) * sizeof *t->rows);
        assert_non_null(t->rows);
        for (int c = 0; c < NCOL; c++) {
            t->rows[t->n][c] = read_field(&p);
            if (c < NCOL - 1) {
                assert_int_equal(*p, ',');
                p++;
            }
        }
        assert_true(p[0] == '\r' && p[1] == '\n');
        p += 2;
        t->n++;
    }
}

static void free_table(struct table *t)
{
    for (size_t i = 0; i < t->n; i++)
        for (int c = 0; c < NCOL; c++)
            free(t->rows[i][c]);
    free(t->rows);
}

/* ---- helpers --------------------------------------------------------------------- */

static void load(const char *path, struct pb_results_file *f)
{
    char err[512];
    if (pb_results_read(path, f, err, sizeof err))
        fail_msg("%s", err);
}

/* The table of f as text (shown form when shown); the caller frees it. */
static char *export_text(const struct pb_results_file *f, int shown, size_t *rows)
{
    char err[256];
    struct mt_buf b;
    int rc = pb_csv_write(f, mt_open(&b), shown, rows, err, sizeof err);
    char *buf = mt_close(&b);
    if (rc)
        fail_msg("pb_csv_write: %s", err);
    return buf;
}

static void export_table(const struct pb_results_file *f, struct table *t)
{
    size_t rows;
    char *text = export_text(f, 0, &rows);
    parse_table(text, t);
    free(text);
    assert_int_equal(t->n, rows + 1); /* the header */
}

/* The row of (backend, workload, threads, figure), or NULL. */
static char **find_row(const struct table *t, const char *backend, const char *workload,
                       const char *threads, const char *figure)
{
    for (size_t i = 1; i < t->n; i++) {
        char **r = t->rows[i];
        if (strcmp(r[0], backend) == 0 && strcmp(r[1], workload) == 0 &&
            strcmp(r[2], threads) == 0 && strcmp(r[4], figure) == 0)
            return r;
    }
    return NULL;
}

/* The value column of a row that must exist; its unit must be unit. */
static const char *value_of(const struct table *t, const char *backend, const char *threads,
                            const char *figure, const char *unit)
{
    char **r = find_row(t, backend, "churn:live=4,pairs=20", threads, figure);
    if (!r)
        r = find_row(t, backend, "'@tagged\x1b[31m", threads, figure);
    if (!r)
        fail_msg("no row for %s x%s %s", backend, threads, figure);
    assert_string_equal(r[3], "ok");
    assert_string_equal(r[6], unit);
    assert_string_equal(r[7], "");
    return r[5];
}

/* The text pb_csv_put_text writes for s. */
static char *put_text(const char *s)
{
    struct mt_buf b;
    assert_int_equal(pb_csv_put_text(mt_open(&b), s), 0);
    return mt_close(&b);
}

static void assert_put_text(const char *s, const char *want)
{
    char *got = put_text(s);
    assert_string_equal(got, want);
    free(got);
}

static void assert_put_number(double v, const char *want)
{
    struct mt_buf b;
    assert_int_equal(pb_csv_put_number(mt_open(&b), v), 0);
    char *buf = mt_close(&b);
    assert_string_equal(buf, want);
    if (*want)
        assert_true(strtod(buf, NULL) == v); /* reads back exactly */
    free(buf);
}

/* ---- the tests ------------------------------------------------------------------- */

/* The header, and the rows: every figure for each ok run (latency only with
 * latency), one row for the failed run, each with its unit. */
static void test_rows_of_small_file(void **state)
{
    (void)state;
    struct pb_results_file f;
    struct table t;
    load(SMALL, &f);
    export_table(&f, &t);
    size_t n_fig, n_latency = 0;
    const struct pb_csv_figure *figs = pb_csv_figures(&n_fig);
    for (size_t i = 0; i < n_fig; i++)
        n_latency += strncmp(pb_res_path_text(figs[i].path), "latency.", 8) == 0;
    assert_int_equal(n_latency, 14);
    /* null, pool (with latency), the failed run, pool on 2 threads */
    assert_int_equal(t.n, 1 + (n_fig - n_latency) + n_fig + 1 + (n_fig - n_latency));
    const char *header[NCOL] = {"backend", "workload", "threads", "status",
                                "figure",  "value",    "unit",    "error"};
    for (int c = 0; c < NCOL; c++)
        assert_string_equal(t.rows[0][c], header[c]);
    /* the rows of a run follow the figure table's order */
    assert_string_equal(t.rows[1][4], pb_res_path_text(figs[0].path));
    assert_string_equal(t.rows[n_fig - n_latency][4],
                        pb_res_path_text(figs[n_fig - n_latency - 1].path));
    assert_string_equal(value_of(&t, "pool:chunk=64", "1", "time.ns_per_op.median", "ns"),
                        "12.5");
    assert_string_equal(value_of(&t, "null", "1", "time.ops_per_sec.max", "1/s"),
                        "666666666.6666666");
    assert_string_equal(value_of(&t, "pool:chunk=64", "1", "memory.peak_resident_bytes",
                                 "bytes"), "65536");
    assert_string_equal(value_of(&t, "pool:chunk=64", "1", "latency.alloc.p99_ns", "ns"), "30");
    assert_string_equal(value_of(&t, "pool:chunk=64", "1", "latency.every", "events"), "1");
    assert_string_equal(value_of(&t, "null", "1", "time.ns_per_op.noisy", "bool"), "0");
    assert_string_equal(value_of(&t, "pool:chunk=64", "1", "time.ns_per_op.noisy", "bool"), "1");
    assert_string_equal(value_of(&t, "null", "1", "time.net.within_noise", "bool"), "1");
    assert_string_equal(value_of(&t, "null", "1", "workload.peak_live_bytes", "bytes"), "256");
    assert_null(find_row(&t, "null", "churn:live=4,pairs=20", "1", "latency.every"));
    free_table(&t);
    pb_results_file_free(&f);
}

/* null and absent figures are empty, never 0; a real 0 stays 0; a negative
 * number is written as it is. */
static void test_null_figures_empty(void **state)
{
    (void)state;
    struct pb_results_file f;
    struct table t;
    load(SMALL, &f);
    export_table(&f, &t);
    assert_string_equal(value_of(&t, "null", "1", "memory.peak_resident_bytes", "bytes"), "");
    assert_string_equal(value_of(&t, "null", "1", "memory.internal_fragmentation", "ratio"), "");
    assert_string_equal(value_of(&t, "null", "1", "memory.peak_rss_bytes", "bytes"), "2650112");
    assert_string_equal(value_of(&t, "pool:chunk=64", "1", "time.net_ns_per_op", "ns"), "");
    assert_string_equal(value_of(&t, "pool:chunk=64", "1", "memory.wasted_page_bytes", "bytes"),
                        "");
    assert_string_equal(value_of(&t, "pool:chunk=64", "1", "time.ns_per_op.ci_low", "ns"), "");
    assert_string_equal(value_of(&t, "pool:chunk=64", "1", "time.repeats", "count"), "");
    assert_string_equal(value_of(&t, "null", "1", "time.net_ns_per_op", "ns"), "0");
    assert_string_equal(value_of(&t, "pool:chunk=64", "1", "memory.internal_fragmentation",
                                 "ratio"), "0");
    assert_string_equal(value_of(&t, "pool:chunk=64", "1", "memory.fragmentation", "ratio"),
                        "-0.25");
    for (size_t i = 1; i < t.n; i++) /* no value is a non-number */
        if (*t.rows[i][5])
            assert_true(isfinite(strtod(t.rows[i][5], NULL)));
    free_table(&t);
    pb_results_file_free(&f);
}

/* RFC 4180: a field with , " CR or LF is quoted, its quotes doubled. */
static void test_quoting(void **state)
{
    (void)state;
    assert_put_text("plain", "plain");
    assert_put_text("", "");
    assert_put_text("pool:chunk=64", "pool:chunk=64");
    assert_put_text("churn:live=4,pairs=20", "\"churn:live=4,pairs=20\"");
    assert_put_text("say \"hi\"", "\"say \"\"hi\"\"\"");
    assert_put_text("a\nb", "\"a\nb\"");
    assert_put_text("a\rb", "\"a\rb\"");
    assert_put_text("\"", "\"\"\"\"");
    assert_put_text("tab\tinside", "tab\tinside"); /* a tab needs no quotes */
}

/* A field that starts with = + - @ TAB CR LF gets a leading ', and so does
 * one that starts with ' (dropping one leading ' gives the original back). */
static void test_formula_defusing(void **state)
{
    (void)state;
    assert_put_text("=1+1", "'=1+1");
    assert_put_text("+1", "'+1");
    assert_put_text("-2+3", "'-2+3");
    assert_put_text("@SUM(A1)", "'@SUM(A1)");
    assert_put_text("\tx", "'\tx");
    assert_put_text("\rx", "\"'\rx\"");
    assert_put_text("\nx", "\"'\nx\"");
    assert_put_text("'quoted", "''quoted");
    assert_put_text("=HYPERLINK(\"http://x\",\"a\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"a\"\")\"");
    assert_put_text("a=b", "a=b"); /* only the first character counts */
    assert_put_text("x-1", "x-1");
    /* in the table: the failed run's backend and workload */
    struct pb_results_file f;
    struct table t;
    load(SMALL, &f);
    export_table(&f, &t);
    assert_non_null(find_row(&t, "'=HYPERLINK(\"http://x\",\"a\")", "'-2+3", "", ""));
    free_table(&t);
    pb_results_file_free(&f);
}

/* A failed run is one row: status, error (quoted: it holds a comma, quotes
 * and CRLF), no figure, value or unit. With two thread counts in the file
 * and no time object, its thread count is unknown (empty). */
static void test_failed_run(void **state)
{
    (void)state;
    struct pb_results_file f;
    struct table t;
    load(SMALL, &f);
    export_table(&f, &t);
    size_t n = 0;
    for (size_t i = 1; i < t.n; i++) {
        char **r = t.rows[i];
        if (strcmp(r[3], "ok") == 0)
            continue;
        n++;
        assert_string_equal(r[0], "'=HYPERLINK(\"http://x\",\"a\")");
        assert_string_equal(r[1], "'-2+3");
        assert_string_equal(r[2], "");
        assert_string_equal(r[3], "failed");
        assert_string_equal(r[4], "");
        assert_string_equal(r[5], "");
        assert_string_equal(r[6], "");
        assert_string_equal(r[7], "event 3: refused, \"badly\"\r\nsecond line");
    }
    assert_int_equal(n, 1);
    free_table(&t);
    pb_results_file_free(&f);
}

/* Any status other than "ok" (a "refused" run, say) is one row with that
 * status; a failed run of a file with one thread count has threads 1. */
static void test_other_status(void **state)
{
    (void)state;
    struct pb_results_file f;
    struct table t;
    load(SMALL, &f);
    cJSON *run = cJSON_GetArrayItem(f.runs, 2);
    cJSON_ReplaceItemInObjectCaseSensitive(run, "status", cJSON_CreateString("refused"));
    cJSON_DeleteItemFromObjectCaseSensitive(run, "error"); /* no error: an empty one */
    cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItem(f.doc, "config"), "threads");
    export_table(&f, &t);
    char **r = find_row(&t, "'=HYPERLINK(\"http://x\",\"a\")", "'-2+3", "1", "");
    assert_non_null(r);
    assert_string_equal(r[3], "refused");
    assert_string_equal(r[5], "");
    assert_string_equal(r[7], "");
    free_table(&t);
    pb_results_file_free(&f);
}

/* threads: time.threads when there, 1 for a timed run without it. */
static void test_threads(void **state)
{
    (void)state;
    struct pb_results_file f;
    struct table t;
    load(SMALL, &f);
    export_table(&f, &t);
    assert_string_equal(value_of(&t, "pool:chunk=64", "2", "time.ns_per_op.median", "ns"), "30");
    assert_string_equal(value_of(&t, "pool:chunk=64", "2", "memory.wasted_page_bytes", "bytes"),
                        "61440");
    assert_string_equal(value_of(&t, "pool:chunk=64", "1", "time.ns_per_op.median", "ns"),
                        "12.5");
    free_table(&t);
    pb_results_file_free(&f);
}

/* For a terminal: no control character is written, text is \xHH instead;
 * to a file the bytes stay as they are. */
static void test_shown_form(void **state)
{
    (void)state;
    struct pb_results_file f;
    size_t rows;
    load(SMALL, &f);
    char *raw = export_text(&f, 0, &rows);
    char *shown = export_text(&f, 1, &rows);
    assert_non_null(strstr(raw, "'@tagged\x1b[31m,"));
    assert_non_null(strstr(shown, "'@tagged\\x1b[31m,"));
    for (const char *p = shown; *p; p++) /* only the records' CRLF */
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            assert_true((p[0] == '\r' && p[1] == '\n') || (p[0] == '\n' && p[-1] == '\r'));
    assert_non_null(strstr(shown, "\"event 3: refused, \"\"badly\"\"\\x0d\\x0asecond line\""));
    free(raw);
    free(shown);
    pb_results_file_free(&f);
}

/* Numbers: the shortest form that reads back exactly; nothing for NaN, inf. */
static void test_numbers(void **state)
{
    (void)state;
    assert_put_number(0, "0");
    assert_put_number(65536, "65536");
    assert_put_number(9007199254740992.0, "9007199254740992"); /* 2^53 */
    assert_put_number(0.1, "0.1");
    assert_put_number(0.02400000000000002, "0.02400000000000002");
    assert_put_number(-0.25, "-0.25");
    assert_put_number(1.0 / 3, "0.3333333333333333");
    assert_put_number(1e-300, "1e-300");
    assert_put_number(NAN, "");
    assert_put_number(INFINITY, "");
    assert_put_number(-INFINITY, "");
}

/* A stream that cannot be written: -1 and a message. */
static void test_write_error(void **state)
{
    (void)state;
    struct pb_results_file f;
    load(SMALL, &f);
    FILE *ro = fopen("/dev/null", "r");
    assert_non_null(ro);
    char err[256] = "";
    size_t rows;
    assert_int_equal(pb_csv_write(&f, ro, 0, &rows, err, sizeof err), -1);
    assert_true(strlen(err) > 0);
    fclose(ro);
    pb_results_file_free(&f);
}

/* docs/export.md names every figure, in backquotes, with its unit. */
static void test_doc_lists_every_figure(void **state)
{
    (void)state;
    FILE *doc = fopen("../docs/export.md", "r");
    assert_non_null(doc);
    static char text[1 << 17];
    size_t len = fread(text, 1, sizeof text - 1, doc);
    fclose(doc);
    text[len] = '\0';
    size_t n;
    const struct pb_csv_figure *figs = pb_csv_figures(&n);
    for (size_t i = 0; i < n; i++) {
        char row[160];
        snprintf(row, sizeof row, "| `%s` | %s |", pb_res_path_text(figs[i].path), figs[i].unit);
        if (!strstr(text, row))
            fail_msg("docs/export.md has no row \"%s\"", row);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_of_small_file), cmocka_unit_test(test_null_figures_empty),
        cmocka_unit_test(test_quoting),            cmocka_unit_test(test_formula_defusing),
        cmocka_unit_test(test_failed_run),         cmocka_unit_test(test_other_status),
        cmocka_unit_test(test_threads),            cmocka_unit_test(test_shown_form),
        cmocka_unit_test(test_numbers),            cmocka_unit_test(test_write_error),
        cmocka_unit_test(test_doc_lists_every_figure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
