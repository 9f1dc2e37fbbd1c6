/* test_html_report.c -- the HTML page of a results document: every string
 * from the file escaped (a hostile name never appears raw, no <script>), the
 * verdicts at its head, one table row per run, a refused run shown as
 * refused with its reason, the command; and the SVG rewriter: drawing
 * elements pass with their ids prefixed, anything else refuses the picture. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html_report.h"
#include "html_svg.h"
#include "mem_test.h"

#define HOSTILE "x</svg><script>alert(1)</script><img src=x onerror=alert(2)>\"'&amp;"

/* A run: backend, workload, status ("ok", "refused", "failed"), error (or
 * NULL), median ns with its interval, peak resident bytes. */
static void add_run(cJSON *runs, const char *backend, const char *workload, const char *status,
                    const char *error, double ns, double lo, double hi, double peak)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "backend", backend);
    cJSON_AddStringToObject(r, "backend_spec", backend);
    cJSON_AddBoolToObject(r, "baseline", strcmp(backend, "null") == 0);
    cJSON *w = cJSON_AddObjectToObject(r, "workload");
    cJSON_AddStringToObject(w, "name", workload);
    cJSON_AddStringToObject(r, "status", status);
    if (error)
        cJSON_AddStringToObject(r, "error", error);
    if (strcmp(status, "ok") == 0) {
        cJSON *t = cJSON_AddObjectToObject(r, "time");
        cJSON *d = cJSON_AddObjectToObject(t, "ns_per_op");
        cJSON_AddNumberToObject(d, "median", ns);
        cJSON_AddNumberToObject(d, "ci_low", lo);
        cJSON_AddNumberToObject(d, "ci_high", hi);
        cJSON_AddBoolToObject(d, "noisy", (hi - lo) / 2 > ns * 0.1);
        cJSON *m = cJSON_AddObjectToObject(r, "memory");
        cJSON_AddNumberToObject(m, "peak_resident_bytes", peak);
    } else {
        cJSON_AddNullToObject(r, "time");
        cJSON_AddNullToObject(r, "memory");
    }
    cJSON_AddItemToArray(runs, r);
}

/* A document with a machine, a command line and no runs yet. */
static cJSON *new_doc(const char *cpu, const char *arg)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "schema", "poolbench-results/1");
    cJSON_AddStringToObject(doc, "created", "2026-11-24T09:12:41Z");
    cJSON *m = cJSON_AddObjectToObject(doc, "machine");
    cJSON_AddStringToObject(m, "cpu", cpu);
    cJSON_AddNumberToObject(m, "cores", 8);
    cJSON *config = cJSON_AddObjectToObject(doc, "config");
    cJSON *argv = cJSON_AddArrayToObject(config, "argv");
    cJSON_AddItemToArray(argv, cJSON_CreateString("run"));
    cJSON_AddItemToArray(argv, cJSON_CreateString("--trace"));
    cJSON_AddItemToArray(argv, cJSON_CreateString(arg));
    cJSON_AddArrayToObject(doc, "runs");
    return doc;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* The page of doc with the given charts, as a string (free it). */
static char *page_of(const cJSON *doc, const struct pb_html_chart *charts, size_t n,
                     const char *const *notes, size_t n_notes)
{
    char err[256] = "";
    struct mt_buf b;
    struct pb_html_page page = {doc, "results/latest.json", charts, n, notes, n_notes};
    size_t drawn = 99;
    int rc = pb_html_report_write(&page, mt_open(&b), &drawn, err, sizeof err);
    char *out = mt_close(&b);
    if (rc)
        fail_msg("the page was not written: %s", err);
    assert_int_equal(drawn, (size_t)count(out, "<svg "));
    return out;
}

/* The text between the first a and the b after it, as a new string. */
static char *between(const char *s, const char *a, const char *b)
{
    const char *from = strstr(s, a);
    assert_non_null(from);
    const char *to = strstr(from, b);
    assert_non_null(to);
    return strndup(from, (size_t)(to - from));
}

static void hostile_names_never_raw(void **state)
{
    (void)state;
    cJSON *doc = new_doc(HOSTILE, HOSTILE);
    cJSON *runs = cJSON_GetObjectItem(doc, "runs");
    add_run(runs, "null", HOSTILE, "ok", NULL, 1.0, 0.9, 1.1, 0);
    add_run(runs, HOSTILE, HOSTILE, "ok", NULL, 2.0, 1.9, 2.1, 65536);
    add_run(runs, "pool", HOSTILE, "refused", HOSTILE, 0, 0, 0, 0);
    add_run(runs, "crash", HOSTILE, "failed", "killed by \x1b[31msignal\x1b[0m 11", 0, 0, 0, 0);
    const char *notes[] = {HOSTILE};
    char *page = page_of(doc, NULL, 0, notes, 1);
    if (strstr(page, "<script") || strstr(page, "<img") || strstr(page, "</svg>") ||
        strstr(page, "onerror=alert(2)>"))
        fail_msg("a hostile string reached the page as markup:\n%s", page);
    if (strstr(page, "\"'&amp;") || strstr(page, "\x1b"))
        fail_msg("quotes, an ampersand or ESC are not escaped:\n%s", page);
    /* the strings are there, escaped: workload, backend, error, machine, note, command */
    const char *escaped = "x&lt;/svg&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x "
                          "onerror=alert(2)&gt;&quot;&#39;&amp;amp;";
    assert_true(count(page, escaped) >= 8);
    assert_non_null(strstr(page, "killed by \\x1b[31msignal\\x1b[0m 11"));
    /* the command, shell-quoted: '...'\''...' */
    assert_non_null(strstr(page, "poolbench run --trace &#39;x&lt;/svg&gt;"));
    assert_non_null(strstr(page, "&quot;&#39;\\&#39;&#39;&amp;amp;&#39;</code>"));
    free(page);
    cJSON_Delete(doc);
}

static void verdicts_at_the_head(void **state)
{
    (void)state;
    cJSON *doc = new_doc("cpu", "t.trace");
    cJSON *runs = cJSON_GetObjectItem(doc, "runs");
    add_run(runs, "null", "churn", "ok", NULL, 1.0, 0.9, 1.1, 0);
    add_run(runs, "pool", "churn", "ok", NULL, 2.0, 1.9, 2.1, 65536);
    add_run(runs, "malloc", "churn", "ok", NULL, 4.0, 3.8, 4.4, 81920);
    add_run(runs, "pool", "mixed", "ok", NULL, 3.0, 2.0, 4.0, 65536);
    add_run(runs, "malloc", "mixed", "ok", NULL, 3.1, 2.1, 4.1, 65536);
    char *page = page_of(doc, NULL, 0, NULL, 0);
    char *verdicts = between(page, "<section id=\"verdicts\">", "</section>");
    assert_non_null(strstr(verdicts, "<h3>churn</h3>"));
    assert_non_null(strstr(verdicts, "fastest pool, 2.00x faster than malloc"));
    assert_non_null(strstr(verdicts, "leanest pool, 64.0 KiB"));
    assert_non_null(strstr(verdicts, "<h3>mixed</h3>"));
    assert_non_null(strstr(verdicts, "no clear winner"));
    /* before the summary */
    assert_true(strstr(page, "id=\"verdicts\"") < strstr(page, "id=\"summary\""));
    free(verdicts);
    free(page);
    cJSON_Delete(doc);
}

static void every_run_a_row(void **state)
{
    (void)state;
    cJSON *doc = new_doc("cpu", "t.trace");
    cJSON *runs = cJSON_GetObjectItem(doc, "runs");
    const char *backends[] = {"null", "pool:chunk=48", "malloc", "arena"};
    const char *workloads[] = {"churn", "sqlite3"};
    for (int w = 0; w < 2; w++)
        for (int b = 0; b < 4; b++)
            add_run(runs, backends[b], workloads[w], "ok", NULL, 1.0 + b, 0.9 + b, 1.1 + b,
                    4096.0 * (b + 1));
    char *page = page_of(doc, NULL, 0, NULL, 0);
    char *body = between(page, "<tbody>", "</tbody>");
    assert_int_equal(count(body, "<tr "), 8);
    for (int w = 0; w < 2; w++)
        for (int b = 0; b < 4; b++) {
            char row[256];
            snprintf(row, sizeof row, "<tr class=\"ok\"><td>%s</td><td>%s</td>", backends[b],
                     workloads[w]);
            if (!strstr(body, row))
                fail_msg("no row %s:\n%s", row, body);
        }
    /* the cells: median with its interval, peak resident in a human unit */
    assert_non_null(strstr(body, "<td class=\"num\">2.00 &plusmn; 5%</td>"));
    assert_non_null(strstr(body, "<td class=\"num\">16.0 KiB</td>"));
    free(body);
    free(page);
    cJSON_Delete(doc);
}

static void refused_with_its_reason(void **state)
{
    (void)state;
    cJSON *doc = new_doc("cpu", "t.trace");
    cJSON *runs = cJSON_GetObjectItem(doc, "runs");
    add_run(runs, "null", "sqlite3", "ok", NULL, 1.0, 0.9, 1.1, 0);
    add_run(runs, "pool", "sqlite3", "refused",
            "sqlite3.trace.gz:17: a of 1024 bytes refused by pool", 0, 0, 0, 0);
    add_run(runs, "malloc", "sqlite3", "ok", NULL, 30.0, 20.0, 40.0, 1 << 20);
    add_run(runs, "crash", "sqlite3", "failed", "killed by signal 11", 0, 0, 0, 0);
    char *page = page_of(doc, NULL, 0, NULL, 0);
    char *body = between(page, "<tbody>", "</tbody>");
    const char *row = strstr(body, "<tr class=\"refused\"><td>pool</td><td>sqlite3</td>");
    assert_non_null(row);
    const char *end = strstr(row, "</tr>");
    const char *cell = strstr(row, "<td class=\"refused\">refused</td>");
    assert_true(cell && cell < end);
    assert_non_null(strstr(body, "<td class=\"failed\">FAILED</td>"));
    /* a noisy figure is marked */
    assert_non_null(strstr(body, "30.00 &plusmn; 33% <span class=\"noisy\""));
    char *list = between(page, "<ul class=\"refused\">", "</ul>");
    assert_non_null(strstr(list, "<b>pool</b> on <b>sqlite3</b>: sqlite3.trace.gz:17: a of "
                                 "1024 bytes refused by pool"));
    char *failed = between(page, "<ul class=\"failed\">", "</ul>");
    assert_non_null(strstr(failed, "<b>crash</b> on <b>sqlite3</b>: killed by signal 11"));
    char *verdicts = between(page, "<section id=\"verdicts\">", "</section>");
    assert_non_null(strstr(verdicts, "refused (cannot serve it): pool"));
    free(verdicts);
    free(failed);
    free(list);
    free(body);
    free(page);
    cJSON_Delete(doc);
}

/* A small picture in gnuplot's manner. */
static const char good_svg[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"  standalone=\"no\"?>\n"
    "<svg viewBox=\"0 0 100 50\" xmlns=\"http://www.w3.org/2000/svg\" "
    "xmlns:xlink=\"http://www.w3.org/1999/xlink\">\n<!-- a comment -->\n"
    "<defs><path id='gpPt0' stroke='currentColor' d='M-1,0 h2'/>"
    "<pattern id='gpPat1' width='8' height='8'><path d='M0,0 L8,8'/></pattern></defs>\n"
    "<g transform=\"translate(5.00,6.00) rotate(270)\" fill=\"#ffffff\">"
    "<text>&lt;/svg>&lt;script>alert(1) Tom & Jerry &amp; &#233; &bogus;</text>"
    "<use xlink:href='#gpPt0' x='1'/><path fill='url(#gpPat1)' d='M0,0 h4'/></g>\n</svg>\n";

static char *svg_of(const char *svg, char *err, size_t errlen, int *rc)
{
    struct mt_buf b;
    *rc = pb_svg_inline(mt_open(&b), svg, strlen(svg), "c1-", err, errlen);
    return mt_close(&b);
}

static void svg_passes_prefixed_and_escaped(void **state)
{
    (void)state;
    char err[256] = "";
    int rc;
    char *out = svg_of(good_svg, err, sizeof err, &rc);
    if (rc)
        fail_msg("a good picture was refused: %s", err);
    assert_null(strstr(out, "<?xml"));
    assert_null(strstr(out, "<!--"));
    assert_non_null(strstr(out, "<svg viewBox=\"0 0 100 50\""));
    assert_non_null(strstr(out, "id=\"c1-gpPt0\""));
    assert_non_null(strstr(out, "xlink:href=\"#c1-gpPt0\""));
    assert_non_null(strstr(out, "fill=\"url(#c1-gpPat1)\""));
    assert_non_null(strstr(out, "fill=\"#ffffff\"")); /* a colour is no id */
    assert_non_null(strstr(out, "<text>&lt;/svg&gt;&lt;script&gt;alert(1) Tom &amp; Jerry "
                                "&amp; &#233; &amp;bogus;</text>"));
    assert_null(strstr(out, "<script"));
    assert_non_null(strstr(out, "</svg>"));
    free(out);
}

static void svg_refuses_markup(void **state)
{
    (void)state;
    static const char *const bad[][2] = {
        {"<svg><script>alert(1)</script></svg>", "<script>"},
        {"<svg onload=\"alert(1)\"></svg>", "event attribute onload"},
        {"<svg><g ONCLICK='x'/></svg>", "event attribute ONCLICK"},
        {"<svg><use xlink:href='http://evil/x.svg#a'/></svg>", "leads out of the picture"},
        {"<svg><use href='javascript:alert(1)'/></svg>", "leads out of the picture"},
        {"<svg><path fill='url(http://evil/)'/></svg>", "calls a function"},
        {"<svg><path fill='expression(alert(1))'/></svg>", "calls a function"},
        {"<svg><text><![CDATA[<script>]]></text></svg>", "CDATA"},
        {"<svg><foreignObject><div/></foreignObject></svg>", "<foreignObject>"},
        {"<svg><a xlink:href='#x'><text>x</text></a></svg>", "<a>"},
        {"<svg><style>*{}</style></svg>", "<style>"},
        {"<svg><g></svg>", "</svg> where </g> is due"},
        {"<svg><g>", "2 elements open"},
        {"<svg></svg><svg></svg>", "outside the one root"},
        {"<svg></svg><p>x</p>", "<p>"},
        {"<svg></svg>text", "text outside"},
        {"<svg x=\"<\"></svg>", "'<' in the value"},
        {"<svg x=1></svg>", "not quoted"},
        {"<svg><g x='1'y='2'/></svg>", "no space before"},
        {"<!DOCTYPE svg [<!ENTITY a 'b'>]><svg></svg>", "internal subset"},
        {"", "no <svg>"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char err[256] = "";
        int rc;
        char *out = svg_of(bad[i][0], err, sizeof err, &rc);
        if (rc == 0)
            fail_msg("accepted %s", bad[i][0]);
        if (!strstr(err, bad[i][1]))
            fail_msg("%s: '%s' does not say '%s'", bad[i][0], err, bad[i][1]);
        if (out && out[0])
            fail_msg("%s: refused but wrote '%s'", bad[i][0], out);
        free(out);
    }
}

static void svg_too_deep(void **state)
{
    (void)state;
    char svg[4096] = "<svg>";
    for (int i = 0; i < PB_SVG_MAX_DEPTH; i++)
        strcat(svg, "<g>");
    char err[256] = "";
    int rc;
    char *out = svg_of(svg, err, sizeof err, &rc);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(err, "nested deeper"));
    free(out);
}

static void charts_inline_or_left_out(void **state)
{
    (void)state;
    cJSON *doc = new_doc("cpu", "t.trace");
    add_run(cJSON_GetObjectItem(doc, "runs"), "pool", "churn", "ok", NULL, 2.0, 1.9, 2.1, 4096);
    static const char evil[] = "<svg><g><script>alert(1)</script></g></svg>";
    struct pb_html_chart charts[] = {
        {"throughput", "Time per operation", good_svg, strlen(good_svg)},
        {"memory-churn", "Memory on churn", evil, strlen(evil)},
        {"timeline-churn", "Memory through the replay", good_svg, strlen(good_svg)},
        {"latency-churn", "Latency", NULL, 0},
    };
    const char *notes[] = {"null on churn: no memory figures"};
    char *page = page_of(doc, charts, 4, notes, 1);
    char *sec = between(page, "<section id=\"charts\">", "</section>");
    assert_int_equal(count(sec, "<svg "), 2);
    assert_non_null(strstr(sec, "id=\"pb-c0-gpPt0\""));
    assert_non_null(strstr(sec, "id=\"pb-c2-gpPt0\"")); /* each picture its own ids */
    assert_non_null(strstr(sec, "<figure id=\"chart-memory-churn\">"));
    assert_non_null(strstr(sec, "This chart is left out: line 1: element &lt;script&gt; is "
                                "not a drawing element"));
    assert_non_null(strstr(sec, "This chart is left out: not drawn"));
    assert_non_null(strstr(sec, "<li>null on churn: no memory figures</li>"));
    assert_null(strstr(page, "<script"));
    free(sec);
    free(page);
    cJSON_Delete(doc);
}

/* A page is well-formed enough: one head, one body, a CSP, no external reference. */
static void self_contained(void **state)
{
    (void)state;
    cJSON *doc = new_doc("cpu", "t.trace");
    add_run(cJSON_GetObjectItem(doc, "runs"), "pool", "churn", "ok", NULL, 2.0, 1.9, 2.1, 4096);
    char *page = page_of(doc, NULL, 0, NULL, 0);
    assert_int_equal(strncmp(page, "<!DOCTYPE html>", 15), 0);
    assert_non_null(strstr(page, "Content-Security-Policy\" content=\"default-src 'none'"));
    assert_null(strstr(page, "src="));
    assert_null(strstr(page, "http:"));
    assert_null(strstr(page, "https:"));
    assert_int_equal(count(page, "<body>"), 1);
    assert_non_null(strstr(page, "</html>\n"));
    assert_non_null(strstr(page, "<section id=\"glossary\">"));
    free(page);
    cJSON_Delete(doc);
}

/* No runs: the page still stands, says there is nothing to judge, and why no charts. */
static void no_runs(void **state)
{
    (void)state;
    cJSON *doc = new_doc("cpu", "t.trace");
    cJSON_AddBoolToObject(doc, "interrupted", 1);
    const char *notes[] = {"the file holds no runs"};
    char *page = page_of(doc, NULL, 0, notes, 1);
    assert_non_null(strstr(page, "No runs: nothing to judge."));
    assert_non_null(strstr(page, "<h3>No charts</h3>\n<ul>\n<li>the file holds no runs</li>"));
    assert_non_null(strstr(page, "interrupted by a signal"));
    assert_int_equal(count(page, "<tr class="), 0);
    free(page);
    cJSON_Delete(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hostile_names_never_raw),
        cmocka_unit_test(verdicts_at_the_head),
        cmocka_unit_test(every_run_a_row),
        cmocka_unit_test(refused_with_its_reason),
        cmocka_unit_test(svg_passes_prefixed_and_escaped),
        cmocka_unit_test(svg_refuses_markup),
        cmocka_unit_test(svg_too_deep),
        cmocka_unit_test(charts_inline_or_left_out),
        cmocka_unit_test(self_contained),
        cmocka_unit_test(no_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
