/*
 * summary.c -- reads the finished results document (never the runner's
 * structs), so the table shows exactly what the file says.
 */
#include "summary.h"
#include "pb_text.h"

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

static const cJSON *path2(const cJSON *o, const char *a, const char *b)
{
    return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, a), b);
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
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(run, "status");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(run, "time");
    return cJSON_IsString(status) && strcmp(status->valuestring, "ok") == 0 &&
           cJSON_IsObject(t) && cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(t, "net_ns_per_op"));
}

static void print_row(const cJSON *run, FILE *f)
{
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(run, "backend_spec");
    if (!cJSON_IsString(b))
        b = cJSON_GetObjectItemCaseSensitive(run, "backend");
    const cJSON *w = path2(run, "workload", "name");
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(run, "status");
    char ns[32], net[32], res[32], frag[32], waste[32];
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(run, "time");
    cell_number(path2(t, "ns_per_op", "median"), "%.2f", ns, sizeof ns);
    cell_number(cJSON_GetObjectItemCaseSensitive(t, "net_ns_per_op"), "%+.2f", net, sizeof net);
    if (net_missing(run))
        snprintf(net, sizeof net, "n/a");
    cell_bytes(path2(run, "memory", "peak_resident_bytes"), res, sizeof res);
    const cJSON *ifr = path2(run, "memory", "internal_fragmentation");
    if (cJSON_IsNumber(ifr))
        snprintf(frag, sizeof frag, "%.1f %%", ifr->valuedouble * 100);
    else
        snprintf(frag, sizeof frag, "-");
    cell_bytes(path2(run, "memory", "wasted_page_bytes"), waste, sizeof waste);
    int ok = cJSON_IsString(status) && strcmp(status->valuestring, "ok") == 0;
    char label[64];
    const cJSON *threads = cJSON_GetObjectItemCaseSensitive(t, "threads");
    const cJSON *xfree = cJSON_GetObjectItemCaseSensitive(t, "cross_free");
    if (cJSON_IsNumber(threads))
        snprintf(label, sizeof label, "%s x%d%s", cJSON_IsString(b) ? b->valuestring : "?",
                 threads->valueint, cJSON_IsTrue(xfree) ? " xfree" : "");
    else
        snprintf(label, sizeof label, "%s", cJSON_IsString(b) ? b->valuestring : "?");
    char shown_b[23], shown_w[25]; /* the names in shown form, cut to their columns */
    pb_text_safe(label, shown_b, sizeof shown_b);
    pb_text_safe(cJSON_IsString(w) ? w->valuestring : "?", shown_w, sizeof shown_w);
    fprintf(f, "%-22s %-24s %9s %9s %11s %9s %11s  %s\n", shown_b, shown_w, ns, net, res, frag,
            waste, ok ? "ok" : "FAILED");
}

void pb_summary_print(const cJSON *doc, FILE *f)
{
    const cJSON *runs = cJSON_GetObjectItemCaseSensitive(doc, "runs");
    fprintf(f, "%-22s %-24s %9s %9s %11s %9s %11s  %s\n", "backend", "workload", "ns/op",
            "net ns/op", "peak res.", "int.frag", "wasted pg", "status");
    const cJSON *run;
    cJSON_ArrayForEach(run, runs)
        print_row(run, f);
    int failed = 0;
    cJSON_ArrayForEach(run, runs)
    {
        const cJSON *status = cJSON_GetObjectItemCaseSensitive(run, "status");
        const cJSON *err = cJSON_GetObjectItemCaseSensitive(run, "error");
        if (cJSON_IsString(status) && strcmp(status->valuestring, "ok") != 0) {
            if (!failed++)
                fprintf(f, "\nfailed runs:\n");
            const cJSON *b = cJSON_GetObjectItemCaseSensitive(run, "backend");
            pb_text_line(f, "  %s: %s", cJSON_IsString(b) ? b->valuestring : "?",
                         cJSON_IsString(err) ? err->valuestring : "unknown error");
        }
    }
    fprintf(f, "\nns/op: median wall time of a whole replay / events (CLOCK_MONOTONIC); net: "
               "minus null's median on the same workload.\n");
    int threaded = 0, no_net = 0;
    cJSON_ArrayForEach(run, runs)
    {
        threaded |= cJSON_IsNumber(path2(run, "time", "threads"));
        no_net |= net_missing(run);
    }
    if (no_net)
        fprintf(f, "n/a: no net figure, because the null baseline run on that workload failed "
                   "(see failed runs above, and the run's notes).\n");
    if (threaded)
        fprintf(f, "xN: N threads each replaying a copy, ns/op = wall / (N x events); xfree: "
                   "blocks freed by the next thread.\n");
    fprintf(f, "peak res.: most resident memory "
               "(kernel); int.frag: 1 - live/granted at the live peak; wasted pg: resident "
               "pages holding no live block, at the resident peak.\n");
}
