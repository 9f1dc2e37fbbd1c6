/*
 * html_report.c -- see html_report.h. The page is written section by
 * section straight to the stream; the caller's output file (pb_outfile)
 * makes it appear whole or not at all.
 */
#include "html_report.h"
#include "results_fields.h"

#include <stdlib.h>
#include <string.h>

#include "bench_results.h"
#include "html_parts.h"
#include "html_svg.h"
#include "pb_text.h"
#include "summary.h"
#include "verdict.h"

/* Characters a shell takes as they are: an argument made of them needs no quotes. */
#define SHELL_PLAIN                                                                             \
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:=,@%+-"

static const char page_style[] =
    "body{font-family:system-ui,sans-serif;margin:1.5em auto;max-width:75em;padding:0 1em;"
    "color:#222;background:#fff;line-height:1.4}\n"
    "h1{margin-bottom:.2em}h2{border-bottom:1px solid #ccc;margin-top:2em}\n"
    "nav a{margin-right:1em}\n"
    ".meta{color:#555}.warn{background:#fff3cd;border:1px solid #e0c060;padding:.5em}\n"
    ".verdict{border-left:4px solid #4a7;padding:.1em 1em;margin:1em 0;background:#f6fbf7}\n"
    ".verdict h3{margin:.3em 0}.verdict ul{margin:.3em 0}\n"
    ".refused{color:#7a5b00}.failed{color:#b00020}\n"
    "table{border-collapse:collapse;font-size:.9em}\n"
    "th,td{border:1px solid #ccc;padding:.25em .5em;vertical-align:top}\n"
    "th{background:#f0f0f0;text-align:left}td.num{text-align:right;white-space:nowrap}\n"
    "tr.refused td{background:#fdf8e4}tr.failed td{background:#fdecee}\n"
    ".noisy{color:#b00020;font-weight:bold}\n"
    "figure{margin:1.5em 0}figure svg{width:100%;height:auto;max-width:1100px;display:block}\n"
    "figcaption{margin-bottom:.4em}\n"
    "pre{background:#f6f6f6;padding:.6em;white-space:pre-wrap;word-break:break-all}\n"
    "dt{font-weight:bold;margin-top:.5em}dd{margin-left:1.5em}\n";

void pb_html_put_n(FILE *f, const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        int ok;
        size_t k = pb_text_char(s + i, n - i, &ok);
        if (!ok)
            for (size_t j = 0; j < k; j++)
                fprintf(f, "\\x%02x", (unsigned char)s[i + j]);
        else if (s[i] == '&')
            fputs("&amp;", f);
        else if (s[i] == '<')
            fputs("&lt;", f);
        else if (s[i] == '>')
            fputs("&gt;", f);
        else if (s[i] == '"')
            fputs("&quot;", f);
        else if (s[i] == '\'')
            fputs("&#39;", f);
        else
            fwrite(s + i, 1, k, f);
        i += k;
    }
}

void pb_html_put(FILE *f, const char *s)
{
    pb_html_put_n(f, s, strlen(s));
}

void pb_html_member(FILE *f, const cJSON *o, const char *key, const char *dflt)
{
    const cJSON *v = pb_res_get(o, key);
    if (cJSON_IsString(v))
        pb_html_put(f, v->valuestring);
    else if (cJSON_IsNumber(v))
        fprintf(f, "%.17g", v->valuedouble);
    else
        fputs(dflt, f);
}

static const char replay_nav[] =
    "<a href=\"#verdicts\">Verdicts</a><a href=\"#summary\">Summary</a>"
    "<a href=\"#charts\">Charts</a><a href=\"#setup\">Machine and command</a>"
    "<a href=\"#glossary\">What the figures mean</a>";

void pb_html_head(const struct pb_html_page *page, const char *nav, FILE *f)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<title>poolbench report: ", f);
    pb_html_put(f, page->source);
    fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", page_style);
    fputs("<h1>poolbench report</h1>\n<p class=\"meta\">Results file <code>", f);
    pb_html_put(f, page->source);
    fputs("</code>, created ", f);
    pb_html_member(f, page->doc, PB_F_CREATED, "(unknown)");
    fputs(" by poolbench ", f);
    const cJSON *tool = pb_res_get(page->doc, PB_F_TOOL);
    pb_html_member(f, tool, PB_F_VERSION, "?");
    fputs(" (git ", f);
    pb_html_member(f, tool, PB_F_GIT, "?");
    fputs(")</p>\n", f);
    if (cJSON_IsTrue(pb_res_get(page->doc, PB_F_INTERRUPTED)))
        fputs("<p class=\"warn\">The run was interrupted by a signal: only the runs that "
              "finished are here.</p>\n", f);
    fprintf(f, "<nav>%s</nav>\n", nav);
}

/* One line of a verdict, when it has text: <li class=cls>lead text</li>. */
static void put_verdict_line(FILE *f, const char *cls, const char *lead, const char *text)
{
    if (!text[0])
        return;
    fprintf(f, "<li class=\"%s\">%s", cls, lead);
    pb_html_put(f, text);
    fputs("</li>\n", f);
}

static const char replay_verdict_intro[] =
    "Fastest: the lowest median warm ns/op, when the rounds' intervals separate it from "
    "every other backend; leanest: the lowest peak resident memory. The null baseline takes "
    "no part.";

int pb_html_verdicts(const cJSON *doc, const char *intro, FILE *f, char *err, size_t errlen)
{
    struct pb_verdict *v;
    size_t n;
    if (pb_verdicts(doc, &v, &n)) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    fputs("<section id=\"verdicts\">\n<h2>Verdicts</h2>\n", f);
    if (n == 0)
        fputs("<p>No runs: nothing to judge.</p>\n", f);
    else
        fprintf(f, "<p class=\"meta\">%s</p>\n", intro);
    for (size_t i = 0; i < n; i++) {
        fputs("<div class=\"verdict\">\n<h3>", f);
        pb_html_put(f, v[i].subject);
        fputs("</h3>\n<ul>\n", f);
        put_verdict_line(f, "speed", "", v[i].speed[0] ? v[i].speed : "no backend finished");
        put_verdict_line(f, "memory", "", v[i].memory);
        put_verdict_line(f, "tradeoff", "", v[i].tradeoff);
        put_verdict_line(f, "refused", "refused (cannot serve it): ", v[i].refused);
        put_verdict_line(f, "failed", "failed (broken, see the summary): ", v[i].failed);
        put_verdict_line(f, "share", "", v[i].share);
        put_verdict_line(f, "fidelity", "", v[i].fidelity);
        fputs("</ul>\n</div>\n", f);
    }
    fputs("</section>\n", f);
    free(v);
    return 0;
}

void pb_html_num_cell(FILE *f, const char *text)
{
    fputs("<td class=\"num\">", f);
    pb_html_put(f, text);
    fputs("</td>", f);
}

static void put_row(const cJSON *run, FILE *f)
{
    struct pb_summary_row r;
    pb_summary_row(run, &r);
    const char *cls = strcmp(r.status, "ok") == 0        ? "ok"
                      : strcmp(r.status, "refused") == 0 ? "refused"
                                                         : "failed";
    fprintf(f, "<tr class=\"%s\"><td>", cls);
    pb_html_put(f, r.backend);
    fputs("</td><td>", f);
    pb_html_put(f, r.workload);
    fputs("</td><td class=\"num\">", f);
    pb_html_put(f, r.ns);
    if (r.spread[0]) {
        fputs(" &plusmn; ", f);
        pb_html_put(f, r.spread);
    }
    if (r.noisy)
        fputs(" <span class=\"noisy\" title=\"noisy: the interval is wider than 10 % of the "
              "median\">*</span>", f);
    fputs("</td>", f);
    const char *cells[] = {r.net, r.cold, r.faults, r.sys, r.resident, r.frag, r.wasted};
    for (size_t i = 0; i < sizeof cells / sizeof *cells; i++)
        pb_html_num_cell(f, cells[i]);
    fprintf(f, "<td class=\"%s\">%s</td></tr>\n", cls, r.status);
}

/* The runs whose status cell is `status`, each with its reason. */
static void put_unfinished(const cJSON *runs, const char *status, const char *cls,
                           const char *heading, FILE *f)
{
    int n = 0;
    const cJSON *run;
    cJSON_ArrayForEach(run, runs)
    {
        struct pb_summary_row r;
        pb_summary_row(run, &r);
        if (strcmp(r.status, status) != 0)
            continue;
        if (!n++)
            fprintf(f, "<h3 class=\"%s\">%s</h3>\n<ul class=\"%s\">\n", cls, heading, cls);
        fputs("<li><b>", f);
        pb_html_put(f, r.backend);
        fputs("</b> on <b>", f);
        pb_html_put(f, r.workload);
        fputs("</b>: ", f);
        pb_html_put(f, r.reason ? r.reason : "no reason given");
        fputs("</li>\n", f);
    }
    if (n)
        fputs("</ul>\n", f);
}

static void put_summary(const cJSON *doc, FILE *f)
{
    const cJSON *runs = pb_res_get(doc, PB_F_RUNS);
    fputs("<section id=\"summary\">\n<h2>Summary</h2>\n<table>\n<thead><tr>"
          "<th>backend</th><th>workload</th><th>ns/op (warm, median &plusmn; &frac12; "
          "interval)</th><th>net ns/op</th><th>cold ns/op</th><th>faults / 1000 ops</th>"
          "<th>sys (% CPU)</th><th>peak resident</th><th>internal frag.</th>"
          "<th>wasted pages</th><th>status</th></tr></thead>\n<tbody>\n", f);
    const cJSON *run;
    cJSON_ArrayForEach(run, runs)
        put_row(run, f);
    fputs("</tbody>\n</table>\n<p class=\"meta\"><span class=\"noisy\">*</span> noisy: the "
          "interval is wider than 10 % of the median. &ldquo;-&rdquo;: not measured. "
          "<a href=\"#glossary\">What the figures mean</a>.</p>\n", f);
    put_unfinished(runs, "refused", "refused",
                   "Refused (the backend cannot serve the workload: an answer)", f);
    put_unfinished(runs, "FAILED", "failed", "Failed runs (broken: see the reason)", f);
    fputs("</section>\n", f);
}

size_t pb_html_charts(const struct pb_html_page *page, FILE *f)
{
    size_t drawn = 0;
    fputs("<section id=\"charts\">\n<h2>Charts</h2>\n", f);
    if (page->n_charts == 0 && page->n_notes == 0)
        fputs("<p>No charts.</p>\n", f);
    for (size_t i = 0; i < page->n_charts; i++) {
        const struct pb_html_chart *c = &page->charts[i];
        fputs("<figure id=\"chart-", f);
        pb_html_put(f, c->name);
        fputs("\">\n<figcaption><b>", f);
        pb_html_put(f, c->name);
        fputs("</b>: ", f);
        pb_html_put(f, c->caption);
        fputs("</figcaption>\n", f);
        char why[512] = "not drawn", prefix[32];
        snprintf(prefix, sizeof prefix, "pb-c%zu-", i);
        if (c->svg && pb_svg_inline(f, c->svg, c->svg_len, prefix, why, sizeof why) == 0) {
            drawn++;
        } else {
            fputs("<p class=\"failed\">This chart is left out: ", f);
            pb_html_put(f, why);
            fputs("</p>", f);
        }
        fputs("\n</figure>\n", f);
    }
    if (page->n_notes) {
        fputs(page->n_charts ? "<h3>Left out of the charts</h3>\n<ul>\n"
                             : "<h3>No charts</h3>\n<ul>\n", f);
        for (size_t i = 0; i < page->n_notes; i++) {
            fputs("<li>", f);
            pb_html_put(f, page->notes[i]);
            fputs("</li>\n", f);
        }
        fputs("</ul>\n", f);
    }
    fputs("</section>\n", f);
    return drawn;
}

void pb_html_shell_word(FILE *f, const char *arg)
{
    if (arg[0] && strspn(arg, SHELL_PLAIN) == strlen(arg)) {
        pb_html_put(f, arg);
        return;
    }
    fputs("&#39;", f);
    for (const char *p = arg; *p;) {
        size_t k = strcspn(p, "'");
        pb_html_put_n(f, p, k);
        p += k;
        if (*p == '\'') {
            fputs("&#39;\\&#39;&#39;", f); /* '\'' */
            p++;
        }
    }
    fputs("&#39;", f);
}

void pb_html_command(const cJSON *doc, FILE *f)
{
    const cJSON *argv = pb_res_get(pb_res_get(doc, PB_F_CONFIG), PB_F_ARGV);
    fputs("<h3>Command</h3>\n", f);
    if (!cJSON_IsArray(argv)) {
        fputs("<p>This results file does not record its command line.</p>\n", f);
        return;
    }
    fputs("<pre><code>poolbench", f);
    const cJSON *a;
    cJSON_ArrayForEach(a, argv)
    {
        fputc(' ', f);
        pb_html_shell_word(f, cJSON_IsString(a) ? a->valuestring : "?");
    }
    fputs("</code></pre>\n", f);
}

void pb_html_members_table(const cJSON *o, FILE *f)
{
    fputs("<table>\n", f);
    const cJSON *m;
    cJSON_ArrayForEach(m, o)
    {
        if (!cJSON_IsString(m) && !cJSON_IsNumber(m))
            continue;
        fputs("<tr><th>", f);
        pb_html_put(f, m->string ? m->string : "?");
        fputs("</th><td>", f);
        pb_html_member(f, o, m->string, "");
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void put_setup(const cJSON *doc, FILE *f)
{
    fputs("<section id=\"setup\">\n<h2>Machine and command</h2>\n<h3>Machine</h3>\n", f);
    pb_html_members_table(pb_res_get(doc, PB_F_MACHINE), f);
    fputs("<h3>Build</h3>\n", f);
    pb_html_members_table(pb_res_get(doc, PB_F_TOOL), f);
    pb_html_command(doc, f);
    fputs("</section>\n", f);
}

/* The glossary's entries: a term and what it means (HTML, no input in it). */
static const char *const glossary[][2] = {
    {"ns/op", "Warm time per operation: wall time of a replay divided by its events, the "
              "median over the rounds (each round one fresh process). &plusmn; is half the "
              "95 % interval of that median (min to max below 6 rounds)."},
    {"* (noisy)", "The interval is wider than 10 % of the median: do not read the figure "
                  "closer than that. Pin with <code>--cpu N</code>, take more "
                  "<code>--rounds</code> or use a quieter machine."},
    {"net ns/op", "The figure minus the null backend's, round by round: the allocator "
                  "without the harness's own cost. ~0: the interval holds 0 (within noise); "
                  "&lt;0: below the harness's own cost, not a saving; n/a: the null baseline "
                  "on that workload did not finish."},
    {"cold ns/op", "The first replay of each process, before caches and page tables are "
                   "warm."},
    {"faults / 1000 ops", "Minor page faults per 1000 operations in the warm replays (the "
                          "kernel's count)."},
    {"sys", "System time over user + system CPU time in the warm replays (the kernel "
            "samples it at the tick: coarse for replays under a few ms)."},
    {"peak resident", "The largest resident memory of the memory pass's samples, as the "
                      "kernel measures it; a short peak between two samples is not seen."},
    {"internal frag.", "1 &minus; peak live / granted bytes at the live peak: the share of "
                       "granted bytes nobody asked for."},
    {"wasted pages", "Peak resident bytes minus the pages that hold at least one live "
                     "block at that moment: resident memory holding no live data."},
    {"status", "ok: the run finished; refused: the backend declined the workload (an "
               "answer, with its reason); FAILED: the run broke (crash, time-out, error)."},
    {"xN, xfree", "N threads, each replaying a copy of the workload (ns/op = wall / (N "
                  "&times; events)); xfree: each block is freed by the next thread."},
    {"fastest, leanest", "The verdicts: the lowest median warm ns/op when the intervals "
                         "separate it from every other (else &ldquo;no clear winner&rdquo;), "
                         "with the ratio and the range the intervals allow; the lowest peak "
                         "resident memory. The trade-off says what speed costs when they "
                         "differ."},
    {"charts", "throughput: ns/op per workload and backend, with whiskers and the net "
               "figure; memory: peak live, granted, footprint, resident and wasted bytes; "
               "timeline: those bytes through the replay; latency: the distribution of "
               "single calls (when measured); fragmentation: internal and "
               "footprint-over-live fragmentation."},
};

void pb_html_glossary(const char *const (*entries)[2], size_t n, FILE *f)
{
    fputs("<section id=\"glossary\">\n<h2>What the figures mean</h2>\n<dl>\n", f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "<dt>%s</dt><dd>%s</dd>\n", entries[i][0], entries[i][1]);
    fputs("</dl>\n<p class=\"meta\">docs/results.md describes every field of the results "
          "file; docs/report.md this page.</p>\n</section>\n", f);
}

int pb_html_report_write(const struct pb_html_page *page, FILE *f, size_t *drawn, char *err,
                         size_t errlen)
{
    if (pb_bench_is_doc(page->doc))
        return pb_html_bench_write(page, f, drawn, err, errlen);
    pb_html_head(page, replay_nav, f);
    if (pb_html_verdicts(page->doc, replay_verdict_intro, f, err, errlen))
        return -1;
    put_summary(page->doc, f);
    size_t n = pb_html_charts(page, f);
    if (drawn)
        *drawn = n;
    put_setup(page->doc, f);
    pb_html_glossary(glossary, sizeof glossary / sizeof *glossary, f);
    fputs("</body>\n</html>\n", f);
    if (ferror(f)) {
        snprintf(err, errlen, "cannot write the page");
        return -1;
    }
    return 0;
}
