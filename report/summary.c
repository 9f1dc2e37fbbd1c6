/*
 * summary.c -- reads the finished results document (never the runner's
 * structs), so the table shows exactly what the file says.
 */
#include "summary.h"
#include "results_fields.h"
#include "pb_text.h"
#include "results_read.h"

#include <math.h>
#include <string.h>

void pb_human_bytes(double bytes, char *out, size_t len)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (bytes >= 1024 && u < 4) {
        bytes /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(out, len, "%.0f B", bytes);
    else
        snprintf(out, len, "%.1f %s", bytes, units[u]);
}

static void cell_number(const cJSON *v, const char *fmt, char *out, size_t len)
{
    if (cJSON_IsNumber(v))
        snprintf(out, len, fmt, v->valuedouble);
    else
        snprintf(out, len, "-");
}

static void cell_bytes(const cJSON *v, char *out, size_t len)
{
    if (cJSON_IsNumber(v))
        pb_human_bytes(v->valuedouble, out, len);
    else
        snprintf(out, len, "-");
}

/* An ok run without a net figure: its null baseline failed (its notes say so). */
static int net_missing(const cJSON *run)
{
    const cJSON *status = pb_res_get(run, PB_F_STATUS);
    const cJSON *t = pb_res_get(run, PB_F_TIME);
    return cJSON_IsString(status) && strcmp(status->valuestring, "ok") == 0 && cJSON_IsObject(t) &&
           cJSON_IsNull(pb_res_get(t, PB_F_NET_NS_PER_OP));
}

/* The warm figure: its median ("2.84"), the interval's half-width against
 * the median ("12%") and its noisy flag, both only when it has an interval. */
static void cell_time(const cJSON *dist, struct pb_summary_row *row)
{
    const cJSON *m = pb_res_get(dist, PB_F_MEDIAN);
    const cJSON *lo = pb_res_get(dist, PB_F_CI_LOW);
    const cJSON *hi = pb_res_get(dist, PB_F_CI_HIGH);
    row->spread[0] = '\0';
    row->noisy = 0;
    if (!cJSON_IsNumber(m)) {
        snprintf(row->ns, sizeof row->ns, "-");
        return;
    }
    snprintf(row->ns, sizeof row->ns, "%.2f", m->valuedouble);
    if (cJSON_IsNumber(lo) && cJSON_IsNumber(hi) && m->valuedouble > 0) {
        double half = (hi->valuedouble - lo->valuedouble) / 2 / m->valuedouble * 100;
        snprintf(row->spread, sizeof row->spread, "%.0f%%", half);
        row->noisy = cJSON_IsTrue(pb_res_get(dist, PB_F_NOISY));
    }
}

/* The net figure: "~0" within noise, "<0" below the baseline, "n/a" without one. */
static void cell_net(const cJSON *run, const cJSON *t, char *out, size_t len)
{
    const cJSON *net = pb_res_get(t, PB_F_NET);
    if (net_missing(run) &&
        !cJSON_IsTrue(pb_res_get(net, PB_F_BELOW_BASELINE)))
        snprintf(out, len, "n/a");
    else if (cJSON_IsTrue(pb_res_get(net, PB_F_WITHIN_NOISE)))
        snprintf(out, len, "~0");
    else if (cJSON_IsTrue(pb_res_get(net, PB_F_BELOW_BASELINE)))
        snprintf(out, len, "<0");
    else
        cell_number(pb_res_get(t, PB_F_NET_NS_PER_OP), "+%.2f", out, len);
}

/* The causes of the warm figure: minor faults per 1000 ops and the system time share. */
static void cell_causes(const cJSON *t, char *faults, char *sys, size_t len)
{
    const cJSON *warm = pb_res_at(t, PB_RP_CAUSES_WARM);
    cell_number(pb_res_get(warm, PB_F_MINOR_FAULTS_PER_KOP), "%.2f", faults,
                len);
    const cJSON *share = pb_res_get(warm, PB_F_SYSTEM_SHARE);
    if (cJSON_IsNumber(share))
        snprintf(sys, len, "%.0f %%", share->valuedouble * 100);
    else
        snprintf(sys, len, "-");
}

/* The run's backend as shown: its whole spec, " xN" for N threads, "xfree". */
static void backend_label(const cJSON *run, char *out, size_t len)
{
    const cJSON *b = pb_res_get(run, PB_F_BACKEND_SPEC);
    if (!cJSON_IsString(b))
        b = pb_res_get(run, PB_F_BACKEND);
    int threads = pb_run_threads(run);
    char label[PB_SUMMARY_NAME_MAX * 2];
    const cJSON *t = pb_res_get(run, PB_F_TIME);
    double traced = pb_json_number(t, PB_F_TRACE_THREADS),
           wait = pb_res_num(t, PB_RP_WAIT_SHARE_MEDIAN);
    if (threads > 1)
        snprintf(label, sizeof label, "%s x%d%s", cJSON_IsString(b) ? b->valuestring : "?",
                 threads, pb_run_cross_free(run) ? " xfree" : "");
    else if (traced > 1 && isfinite(wait))
        snprintf(label, sizeof label, "%s t%.0f w%.0f%%", cJSON_IsString(b) ? b->valuestring : "?",
                 traced, wait * 100);
    else if (traced > 1)
        snprintf(label, sizeof label, "%s t%.0f", cJSON_IsString(b) ? b->valuestring : "?",
                 traced);
    else
        snprintf(label, sizeof label, "%s", cJSON_IsString(b) ? b->valuestring : "?");
    pb_text_safe(label, out, len);
}

static void workload_label(const cJSON *run, char *out, size_t len)
{
    const cJSON *w = pb_res_at(run, PB_RP_WORKLOAD_NAME);
    pb_text_safe(cJSON_IsString(w) ? w->valuestring : "?", out, len);
}

const char *pb_summary_status(const cJSON *run)
{
    return pb_run_ok(run) ? "ok" : pb_run_refused(run) ? "refused" : "FAILED";
}

/* Widths of the name columns: the longest shown name, at least the heading. */
struct widths {
    int backend, workload;
};

static struct widths name_widths(const cJSON *runs)
{
    struct widths w = {7, 8};
    const cJSON *run;
    char b[PB_SUMMARY_NAME_MAX], l[PB_SUMMARY_NAME_MAX];
    cJSON_ArrayForEach(run, runs)
    {
        backend_label(run, b, sizeof b);
        workload_label(run, l, sizeof l);
        int nb = (int)strlen(b), nl = (int)strlen(l);
        w.backend = nb > w.backend ? nb : w.backend;
        w.workload = nl > w.workload ? nl : w.workload;
    }
    return w;
}

#define ROW_FORMAT "%-*s %-*s %16s %7s %9s %7s %5s %10s %8s %10s  %s\n"

void pb_summary_row(const cJSON *run, struct pb_summary_row *row)
{
    const cJSON *t = pb_res_get(run, PB_F_TIME);
    cell_time(pb_res_get(t, PB_F_NS_PER_OP), row);
    cell_net(run, t, row->net, sizeof row->net);
    cell_number(pb_res_at(t, PB_RP_COLD_NS_PER_OP_MEDIAN), "%.1f", row->cold, sizeof row->cold);
    cell_causes(t, row->faults, row->sys, sizeof row->faults);
    cell_bytes(pb_res_at(run, PB_RP_MEMORY_PEAK_RESIDENT_BYTES), row->resident,
               sizeof row->resident);
    const cJSON *ifr = pb_res_at(run, PB_RP_MEMORY_INTERNAL_FRAGMENTATION);
    if (cJSON_IsNumber(ifr))
        snprintf(row->frag, sizeof row->frag, "%.1f %%", ifr->valuedouble * 100);
    else
        snprintf(row->frag, sizeof row->frag, "-");
    cell_bytes(pb_res_at(run, PB_RP_MEMORY_WASTED_PAGE_BYTES), row->wasted, sizeof row->wasted);
    backend_label(run, row->backend, sizeof row->backend);
    workload_label(run, row->workload, sizeof row->workload);
    row->status = pb_summary_status(run);
    const cJSON *err = pb_res_get(run, PB_F_ERROR);
    row->reason = strcmp(row->status, "ok") != 0 && cJSON_IsString(err) ? err->valuestring
                                                                         : NULL;
}

static void print_row(const cJSON *run, struct widths wd, FILE *f)
{
    struct pb_summary_row r;
    pb_summary_row(run, &r);
    char ns[64];
    if (r.spread[0])
        snprintf(ns, sizeof ns, "%s +-%s%s", r.ns, r.spread, r.noisy ? "*" : "");
    else
        snprintf(ns, sizeof ns, "%s", r.ns);
    fprintf(f, ROW_FORMAT, wd.backend, r.backend, wd.workload, r.workload, ns, r.net, r.cold,
            r.faults, r.sys, r.resident, r.frag, r.wasted, r.status);
}

/* The runs whose status cell is `cell`, each with its backend, workload and reason. */
static void print_unfinished(const cJSON *runs, const char *cell, const char *heading, FILE *f)
{
    int n = 0;
    const cJSON *run;
    cJSON_ArrayForEach(run, runs)
    {
        if (strcmp(pb_summary_status(run), cell) != 0)
            continue;
        if (!n++)
            fprintf(f, "\n%s:\n", heading);
        const cJSON *err = pb_res_get(run, PB_F_ERROR);
        char b[PB_SUMMARY_NAME_MAX], w[PB_SUMMARY_NAME_MAX];
        backend_label(run, b, sizeof b);
        workload_label(run, w, sizeof w);
        pb_text_line(f, "  %s on %s: %s", b, w,
                     cJSON_IsString(err) ? err->valuestring : "no reason given");
    }
}

static void print_legend(const cJSON *runs, FILE *f);

void pb_summary_print(const cJSON *doc, FILE *f)
{
    const cJSON *runs = pb_res_get(doc, PB_F_RUNS);
    struct widths wd = name_widths(runs);
    fprintf(f, ROW_FORMAT, wd.backend, "backend", wd.workload, "workload", "ns/op  ", "net",
            "cold", "flt/k", "sys", "peak res.", "int.frag", "wasted pg", "status");
    const cJSON *run;
    cJSON_ArrayForEach(run, runs)
        print_row(run, wd, f);
    print_unfinished(runs, "refused", "refused (the backend cannot serve the workload)", f);
    print_unfinished(runs, "FAILED", "failed runs (broken: see the reason)", f);
    print_legend(runs, f);
}

static void print_legend(const cJSON *runs, FILE *f)
{
    const cJSON *run;
    fprintf(f, "\nns/op: warm replays, wall time / events, median over rounds (one fresh process "
               "each) +- half its interval (95 %%; min-max below 6 rounds);\n"
               "  *: noisy, the interval is wider than 10 %% of the median: pin with --cpu N, "
               "take more --rounds, or use a quieter machine.\n"
               "net: minus null's, round by round; ~0: the interval holds 0 (within noise); "
               "<0: below the harness's own cost, not a saving.\n"
               "cold: the first replay of each process; flt/k: minor page faults per 1000 ops "
               "and sys: system share of CPU time, warm.\n");
    int threaded = 0, no_net = 0, traced = 0;
    cJSON_ArrayForEach(run, runs)
    {
        threaded |= pb_run_threads(run) > 1;
        traced |= pb_json_number(pb_res_get(run, PB_F_TIME),
                                 PB_F_TRACE_THREADS) > 1;
        no_net |= net_missing(run) && !cJSON_IsTrue(pb_res_at(run, PB_RP_TIME_NET_BELOW_BASELINE));
    }
    if (no_net)
        fprintf(f, "n/a: no net figure, because the null baseline run on that workload did not "
                   "finish (see above, and the run's notes).\n");
    if (threaded)
        fprintf(f, "xN: N threads each replaying a copy, ns/op = wall / (N x events); xfree: "
                   "blocks freed by the next thread.\n");
    if (traced)
        fprintf(f, "tN wW%%: a trace of N threads replayed in N threads, ns/op = wall of the whole "
                   "replay / events, waits on other threads included;\n"
                   "  W: share of the threads' time spent waiting for another thread's event or "
                   "at an x (null's too: net subtracts it).\n");
    fprintf(f, "peak res.: most resident memory "
               "(kernel); int.frag: 1 - live/granted at the live peak; wasted pg: resident "
               "pages holding no live block, at the resident peak.\n");
}
