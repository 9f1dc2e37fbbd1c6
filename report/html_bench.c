/*
 * html_bench.c -- the page of a bench document (html_parts.h): verdicts,
 * the table of the allocators' runs, the charts, the fidelity table (after
 * --replay), the program and machine, and what the figures mean. Figures
 * are read from the document (pb_json_number); a missing one reads "-".
 */
#include "html_parts.h"
#include "results_fields.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pb_text.h"
#include "results_read.h"
#include "summary.h"

static const char bench_nav[] =
    "<a href=\"#verdicts\">Verdicts</a><a href=\"#runs\">Runs</a><a href=\"#charts\">Charts</a>"
    "<a href=\"#fidelity\">Fidelity</a><a href=\"#setup\">Program and machine</a>"
    "<a href=\"#glossary\">What the figures mean</a>";

static const char bench_verdict_intro[] =
    "The whole program under each allocator. Fastest: the lowest median wall time, when the "
    "rounds' intervals separate it from every other allocator; leanest: the lowest median peak "
    "RSS, likewise separated by the intervals.";

/* kind of a figure, for its cell */
enum unit { SECONDS, BYTES, COUNT };

/* v as the table shows it: "1.177 s", "14.21 ms", "14.9 MiB", "3346"; "-" when NaN. */
static const char *show(double v, enum unit u, char *out, size_t len)
{
    if (!isfinite(v))
        snprintf(out, len, "-");
    else if (u == BYTES)
        pb_human_bytes(v, out, len);
    else if (u == COUNT)
        snprintf(out, len, "%.0f", v);
    else if (v < 0.1)
        snprintf(out, len, "%.2f ms", v * 1000);
    else
        snprintf(out, len, "%.3f s", v);
    return out;
}

/* A distribution's cell: the median, "± N %" (half its interval, or of
 * min..max without one, over the median) and the noisy mark. */
static void put_dist_cell(FILE *f, const cJSON *d, enum unit u)
{
    char v[48];
    double m = pb_json_number(d, PB_F_MEDIAN), lo = pb_json_number(d, PB_F_CI_LOW),
           hi = pb_json_number(d, PB_F_CI_HIGH);
    if (isnan(lo) || isnan(hi)) {
        lo = pb_json_number(d, PB_F_MIN);
        hi = pb_json_number(d, PB_F_MAX);
    }
    fputs("<td class=\"num\">", f);
    pb_html_put(f, show(m, u, v, sizeof v));
    if (isfinite(m) && m > 0 && isfinite(lo) && isfinite(hi) && hi >= lo)
        fprintf(f, " &plusmn; %.0f %%", (hi - lo) / 2 / m * 100);
    if (cJSON_IsTrue(pb_res_get(d, PB_F_NOISY)))
        fputs(" <span class=\"noisy\" title=\"noisy: the interval is wider than 10 % of the "
              "median\">*</span>", f);
    fputs("</td>", f);
}

static void put_run_row(const cJSON *run, FILE *f)
{
    int ok = pb_run_ok(run);
    fprintf(f, "<tr class=\"%s\"><td>", ok ? "ok" : "failed");
    pb_html_member(f, run, PB_F_ALLOCATOR_SPEC, "?");
    fputs("</td>", f);
    put_dist_cell(f, pb_res_at(run, PB_RP_TIME_WALL_SECONDS), SECONDS);
    put_dist_cell(f, pb_res_at(run, PB_RP_TIME_USER_SECONDS), SECONDS);
    put_dist_cell(f, pb_res_at(run, PB_RP_TIME_SYSTEM_SECONDS), SECONDS);
    put_dist_cell(f, pb_res_at(run, PB_RP_MEMORY_PEAK_RSS_BYTES), BYTES);
    put_dist_cell(f, pb_res_at(run, PB_RP_CAUSES_MINOR_FAULTS), COUNT);
    char n[32];
    pb_html_num_cell(f, show(pb_json_number(run, PB_F_ROUNDS_DONE), COUNT, n, sizeof n));
    fprintf(f, "<td class=\"%s\">%s</td><td>", ok ? "ok" : "failed", ok ? "ok" : "FAILED");
    if (!ok)
        pb_html_member(f, run, PB_F_ERROR, "no reason given");
    fputs("</td></tr>\n", f);
}

static void put_runs(const cJSON *doc, FILE *f)
{
    fputs("<section id=\"runs\">\n<h2>Runs</h2>\n<p class=\"meta\">", f);
    pb_html_member(f, pb_json_at(doc, PB_F_PROGRAM), PB_F_NAME, "?");
    fprintf(f, ", whole program: median over %d rounds &plusmn; half the interval, relative "
               "to the median.</p>\n<table>\n<thead><tr><th>allocator</th><th>wall time</th>"
               "<th>user CPU</th><th>system CPU</th><th>peak RSS</th><th>minor faults</th>"
               "<th>rounds</th><th>status</th><th>error</th></tr></thead>\n<tbody>\n",
            pb_res_count(doc, PB_RP_CONFIG_ROUNDS));
    const cJSON *run;
    cJSON_ArrayForEach(run, pb_res_get(doc, PB_F_RUNS))
        put_run_row(run, f);
    fputs("</tbody>\n</table>\n<p class=\"meta\"><span class=\"noisy\">*</span> noisy: the "
          "interval is wider than 10 % of the median. &ldquo;-&rdquo;: no figure (a failed "
          "run has none). <a href=\"#glossary\">What the figures mean</a>.</p>\n</section>\n",
          f);
}

/* A number member of o as a cell, printed with fmt; "-" when it has none. */
static void put_row_num(FILE *f, const cJSON *o, const char *key, const char *fmt)
{
    char v[48] = "-";
    double x = pb_json_number(o, key);
    if (isfinite(x))
        snprintf(v, sizeof v, fmt, x);
    pb_html_num_cell(f, v);
}

static void put_fidelity_row(const cJSON *r, FILE *f)
{
    char a[48], b[48];
    fputs("<tr><td>", f);
    pb_html_member(f, r, PB_F_ALLOCATOR_SPEC, "?");
    fputs("</td><td>", f);
    pb_html_member(f, r, PB_F_REPLAY_BACKEND, "?");
    fputs("</td>", f);
    put_row_num(f, r, PB_F_REPLAY_NET_NS_PER_OP, "%.2f");
    put_row_num(f, r, PB_F_REPLAY_NS_PER_OP, "%.2f");
    pb_html_num_cell(f, show(pb_json_number(r, PB_F_WALL_SECONDS), SECONDS, a, sizeof a));
    pb_html_num_cell(f, show(pb_json_number(r, PB_F_REPLAY_PEAK_RESIDENT_BYTES), BYTES, a,
                             sizeof a));
    pb_html_num_cell(f, show(pb_json_number(r, PB_F_PEAK_RSS_BYTES), BYTES, b, sizeof b));
    double share = pb_json_number(r, PB_F_ALLOCATION_SHARE);
    snprintf(a, sizeof a, isfinite(share) ? "%.1f %%" : "-", share * 100);
    pb_html_num_cell(f, a);
    fputs("</tr>\n", f);
}

/* "+0.80 over 4 allocators", or why there is none. */
static void put_correlation(FILE *f, const char *what, const cJSON *c)
{
    double rho = pb_json_number(c, PB_F_SPEARMAN);
    int n = pb_json_count(c, PB_F_N);
    fprintf(f, "<li>%s: ", what);
    if (isfinite(rho))
        fprintf(f, "Spearman %+.2f over %d allocators</li>\n", rho, n);
    else
        fprintf(f, "none (%d allocator%s: fewer than 2, or no spread)</li>\n", n,
                n == 1 ? "" : "s");
}

static void put_fidelity(const cJSON *doc, FILE *f)
{
    const cJSON *fid = pb_res_get(doc, PB_F_FIDELITY), *x;
    fputs("<section id=\"fidelity\">\n<h2>Fidelity: the replay against the program</h2>\n", f);
    if (!fid) {
        fputs("<p>This bench ran without <code>--replay TRACE</code>: no fidelity.</p>\n"
              "</section>\n", f);
        return;
    }
    fputs("<p class=\"meta\">Trace <code>", f);
    pb_html_member(f, fid, PB_F_TRACE, "?");
    fputs("</code>, replayed by <code>poolbench run</code> against each allocator's replay "
          "backend.</p>\n<table>\n<thead><tr><th>allocator</th><th>replay backend</th>"
          "<th>replay net ns/op</th><th>replay ns/op</th><th>program wall time</th>"
          "<th>replay peak resident</th><th>program peak RSS</th><th>allocation share</th>"
          "</tr></thead>\n<tbody>\n", f);
    cJSON_ArrayForEach(x, pb_res_get(fid, PB_F_ROWS))
        put_fidelity_row(x, f);
    fputs("</tbody>\n</table>\n<h3>Rank correlations</h3>\n<ul>\n", f);
    put_correlation(f, "time (replay net ns/op against wall time)",
                    pb_res_get(fid, PB_F_TIME_CORRELATION));
    put_correlation(f, "memory (replay peak resident against peak RSS)",
                    pb_res_get(fid, PB_F_MEMORY_CORRELATION));
    fputs("</ul>\n<h3>Pairs the two time rankings order differently</h3>\n", f);
    if (cJSON_GetArraySize(pb_res_get(fid, PB_F_DISAGREEMENTS)) == 0)
        fputs("<p>None: the replay orders the allocators as the program does.</p>\n", f);
    else
        fputs("<ul>\n", f);
    cJSON_ArrayForEach(x, pb_res_get(fid, PB_F_DISAGREEMENTS))
    {
        fputs("<li>", f);
        pb_html_put(f, cJSON_IsString(x) ? x->valuestring : "?");
        fputs("</li>\n", f);
    }
    if (cJSON_GetArraySize(pb_res_get(fid, PB_F_DISAGREEMENTS)) > 0)
        fputs("</ul>\n", f);
    fputs("</section>\n", f);
}

static void put_program(const cJSON *doc, FILE *f)
{
    const cJSON *p = pb_res_get(doc, PB_F_PROGRAM), *a;
    fputs("<section id=\"setup\">\n<h2>Program and machine</h2>\n<h3>Program</h3>\n<p><code>", f);
    pb_html_member(f, p, PB_F_PATH, "(path not recorded)");
    fputs("</code>, run as</p>\n<pre><code>", f);
    int first = 1;
    cJSON_ArrayForEach(a, pb_res_get(p, PB_F_COMMAND))
    {
        if (!first)
            fputc(' ', f);
        first = 0;
        pb_html_shell_word(f, cJSON_IsString(a) ? a->valuestring : "?");
    }
    fputs("</code></pre>\n<h3>Machine</h3>\n", f);
    pb_html_members_table(pb_res_get(doc, PB_F_MACHINE), f);
    fputs("<h3>Build</h3>\n", f);
    pb_html_members_table(pb_res_get(doc, PB_F_TOOL), f);
    pb_html_command(doc, f);
    fputs("</section>\n", f);
}

/* The glossary of the bench page (HTML, no input in it). */
static const char *const bench_glossary[][2] = {
    {"wall time", "From just before the program is started until its exit is seen "
                  "(<code>CLOCK_MONOTONIC</code>), the median over the rounds; loading the "
                  "allocator's library is part of it."},
    {"&plusmn;", "Half the 95 % interval of the median (order statistics over the rounds; "
                 "min to max where the file has no interval), relative to the median."},
    {"* (noisy)", "The interval is wider than 10 % of the median: do not read the figure "
                  "closer than that. Pin with <code>--cpu N</code>, take more "
                  "<code>--rounds</code> or use a quieter machine."},
    {"user CPU, system CPU", "The program's CPU time in user space and in the kernel "
                             "(<code>wait4</code>), its children's included."},
    {"peak RSS", "<code>ru_maxrss</code>: the largest resident set of the process (or of a "
                 "child it waited for), not a sum."},
    {"minor faults", "Page faults served without I/O during the run, the median over the "
                     "rounds."},
    {"status", "ok: every round ran; FAILED: a round crashed, timed out, exited with another "
               "status than expected or, with <code>--check-output</code>, printed other "
               "bytes than glibc's first run (the error says which). A failed allocator is "
               "not run again."},
    {"fastest, leanest", "The verdicts: the lowest median wall time when the intervals "
                         "separate it from every other allocator (else &ldquo;no clear "
                         "winner&rdquo;), the lowest median peak RSS likewise."},
    {"allocation share", "With <code>--replay</code>: glibc's replay net ns/op &times; the "
                         "trace's ops &divide; the program's median wall time under glibc: "
                         "the time spent inside the allocator, so no allocator can make the "
                         "program faster than that share."},
    {"rank correlation", "Spearman's: +1 when the replay orders the allocators as the program "
                         "does, &minus;1 when reversed; none below 2 allocators."},
    {"charts", "bench: wall time and peak RSS per allocator, whiskers for the interval, a "
               "failed allocator labelled; fidelity: the replay's net ns/op and peak resident "
               "bytes against the program's wall time and peak RSS, one point per "
               "allocator."},
};

int pb_html_bench_write(const struct pb_html_page *page, FILE *f, size_t *drawn, char *err,
                        size_t errlen)
{
    pb_html_head(page, bench_nav, f);
    if (pb_html_verdicts(page->doc, bench_verdict_intro, f, err, errlen))
        return -1;
    put_runs(page->doc, f);
    size_t n = pb_html_charts(page, f);
    if (drawn)
        *drawn = n;
    put_fidelity(page->doc, f);
    put_program(page->doc, f);
    pb_html_glossary(bench_glossary, sizeof bench_glossary / sizeof *bench_glossary, f);
    fputs("</body>\n</html>\n", f);
    if (ferror(f)) {
        snprintf(err, errlen, "cannot write the page");
        return -1;
    }
    return 0;
}
