/*
 * plot_latency.c -- the latency chart's data: the CDF of single calls per
 * backend on one workload (plot_export.h).
 */
#include "plot_write.h"
#include "results_fields.h"
#include "pb_text.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Quantile i of a cdf_ns array of n, or NaN past its end. */
static double cdf_at(const cJSON *cdf, int i)
{
    const cJSON *v = cJSON_GetArrayItem(cdf, i);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* The timer resolution of a run's latency object: its
 * timer_resolution_ns, or 0 when the file has none or it is not above 0
 * (the counter never moved): then nothing is cut at it. */
static double resolution_of(const cJSON *lat)
{
    double r = pb_plot_finite_num(lat, PB_F_TIMER_RESOLUTION_NS);
    return r > 0 ? r : 0;
}

/* Quantile q as drawn: at least the resolution res (a shorter call was not
 * resolved: drawn at res, *below = 1). */
static double drawn_ns(double q, double res, double *below)
{
    *below = isnan(q) ? NAN : res > 0 && q < res;
    return *below == 1 ? res : q;
}

/* What one kind of call (alloc or free) of a block has: its quantiles and
 * the share of them below the resolution. */
struct cdf_side {
    const cJSON *cdf;
    int n;
    double under; /* share of the calls below the resolution */
};

static struct cdf_side side_of(const cJSON *lat, const char *key, double res)
{
    struct cdf_side s;
    s.cdf = pb_res_get(pb_res_get(lat, key), PB_F_CDF_NS);
    s.n = cJSON_GetArraySize(s.cdf);
    int k = 0;
    while (k < s.n && res > 0 && cdf_at(s.cdf, k) < res)
        k++;
    s.under = s.n ? (double)k / s.n : 0;
    return s;
}

/* Row i of one side: fraction, ns as drawn, below (NaN past its end). */
static void put_side(FILE *tsv, const struct cdf_side *s, int i, double res)
{
    double below = NAN;
    double ns = i < s->n ? drawn_ns(cdf_at(s->cdf, i), res, &below) : NAN;
    pb_plot_put_num(tsv, i < s->n ? (double)(i + 1) / s->n : NAN);
    pb_plot_put_num(tsv, ns);
    pb_plot_put_num(tsv, below);
}

/* One block of the latency TSV: a row per quantile, alloc and free side by
 * side; a to *a and f to *f. */
static int latency_block(FILE *tsv, const cJSON *lat, double res, struct cdf_side *a,
                         struct cdf_side *f)
{
    *a = side_of(lat, PB_F_ALLOC, res);
    *f = side_of(lat, PB_F_FREE, res);
    int n = a->n > f->n ? a->n : f->n;
    for (int i = 0; i < n; i++) {
        fprintf(tsv, "%d", i);
        put_side(tsv, a, i, res);
        put_side(tsv, f, i, res);
        fputc('\n', tsv);
    }
    return n;
}

/* The block's header: the backend, its percentiles as the file has them,
 * its resolution and the columns. */
static void block_header(FILE *tsv, const cJSON *lat, const char *label, double res, int first)
{
    fprintf(tsv, "%s# %s: alloc p50 %.1f p99 %.1f p99.9 %.1f max %.1f ns; free p50 %.1f "
                 "p99 %.1f p99.9 %.1f max %.1f ns; timer resolution %.1f ns (0: unknown)\n"
                 "# i\talloc fraction\talloc ns\talloc below\tfree fraction\tfree ns\tfree "
                 "below\n",
            first ? "" : "\n\n", label, pb_res_num(lat, PB_RP_ALLOC_P50_NS),
            pb_res_num(lat, PB_RP_ALLOC_P99_NS), pb_res_num(lat, PB_RP_ALLOC_P999_NS),
            pb_res_num(lat, PB_RP_ALLOC_MAX_NS), pb_res_num(lat, PB_RP_FREE_P50_NS),
            pb_res_num(lat, PB_RP_FREE_P99_NS), pb_res_num(lat, PB_RP_FREE_P999_NS),
            pb_res_num(lat, PB_RP_FREE_MAX_NS), res);
}

/* "median 52.1 ns" (the p50 at p50_path under lat), or "median < 40.1 ns"
 * when the median is below the resolution res: it was not measured. */
static void median_label(const cJSON *lat, enum pb_res_path p50_path, double res, char *buf,
                         size_t len)
{
    double p50 = pb_plot_finite_at(lat, p50_path);
    if (isnan(p50))
        snprintf(buf, len, "median n/a");
    else if (res > 0 && p50 < res)
        snprintf(buf, len, "median < %.3g ns", res);
    else
        snprintf(buf, len, "median %.3g ns", p50);
}

/* What the chart's variables say of each series drawn: its resolution, the
 * shares of its allocs and frees drawn at it, its medians' legend texts. */
struct latency_seen {
    double *res, *under_a, *under_f;
    char (*med_a)[64], (*med_f)[64];
    size_t n;
    int unknown; /* series without a resolution */
};

static void put_num_array(FILE *vars, const char *name, const double *v, size_t n)
{
    fprintf(vars, "array %s[%zu] = [", name, n ? n : 1);
    for (size_t i = 0; i < n; i++)
        fprintf(vars, "%s%.9g", i ? ", " : "", v[i]);
    fputs(n ? "]\n" : "0]\n", vars);
}

static void put_str_array(FILE *vars, const char *name, char (*v)[64], size_t n)
{
    fprintf(vars, "array %s[%zu] = [", name, n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        fputs(i ? ", " : "", vars);
        pb_plot_put_gp_string(vars, v[i]);
    }
    fputs(n ? "]\n" : "'']\n", vars);
}

/* resolution[], under_alloc[], under_free[] (the share drawn at the
 * resolution), alloc_median[], free_median[] (legend texts), res_lo,
 * res_hi and res_note (what the chart says of the timer). */
static void put_resolution_vars(FILE *vars, const struct latency_seen *ls)
{
    double lo = 0, hi = 0;
    for (size_t i = 0; i < ls->n; i++)
        pb_plot_widen(ls->res[i], &lo, &hi);
    put_num_array(vars, "resolution", ls->res, ls->n);
    put_num_array(vars, "under_alloc", ls->under_a, ls->n);
    put_num_array(vars, "under_free", ls->under_f, ls->n);
    put_str_array(vars, "alloc_median", ls->med_a, ls->n);
    put_str_array(vars, "free_median", ls->med_f, ls->n);
    fprintf(vars, "res_lo = %.9g\nres_hi = %.9g\n", lo, hi);
    char note[PB_PLOT_NOTE_LEN], range[64];
    if (lo != hi)
        snprintf(range, sizeof range, "%.3g-%.3g ns", lo, hi);
    else
        snprintf(range, sizeof range, "%.3g ns", hi);
    if (hi > 0)
        snprintf(note, sizeof note, "timer resolution %s (dashed): a shorter call is not "
                 "resolved, drawn at it%s", range, ls->unknown ? "; some runs give none" : "");
    else
        snprintf(note, sizeof note, "the file gives no timer resolution: calls under 1 ns are "
                 "drawn at 1 ns");
    pb_plot_put_gp_var(vars, "res_note", note);
}

int pb_plot_write_latency(const struct pb_results_set *set, const struct pb_plot_index *ix,
                          const char *workload, FILE *tsv, FILE *vars,
                          struct pb_plot_notes *notes)
{
    (void)notes;
    size_t cap = ix->n_series ? ix->n_series : 1;
    size_t *pick = calloc(cap, sizeof *pick);
    struct latency_seen ls = {calloc(cap, sizeof(double)), calloc(cap, sizeof(double)),
                              calloc(cap, sizeof(double)), calloc(cap, 64), calloc(cap, 64), 0,
                              0};
    int rows = -1, n_alloc = 0, n_free = 0;
    if (!pick || !ls.res || !ls.under_a || !ls.under_f || !ls.med_a || !ls.med_f)
        goto out;
    fputs("# latency CDF of workload ", tsv);
    pb_plot_put_key(tsv, workload);
    fputs(": one block per backend (two blank lines apart); a quantile below the timer "
          "resolution is drawn at it (below = 1)\n", tsv);
    rows = 0;
    for (size_t s = 0; s < ix->n_series; s++) {
        const cJSON *run = pb_plot_find_run(set, &ix->series[s], workload);
        const cJSON *lat = run && pb_run_ok(run)
                               ? pb_res_get(run, PB_F_LATENCY) : NULL;
        if (!cJSON_IsObject(lat))
            continue;
        double res = resolution_of(lat);
        block_header(tsv, lat, ix->series[s].label, res, ls.n == 0);
        struct cdf_side a, f;
        rows += latency_block(tsv, lat, res, &a, &f);
        n_alloc += a.n;
        n_free += f.n;
        ls.res[ls.n] = res;
        ls.under_a[ls.n] = a.under;
        ls.under_f[ls.n] = f.under;
        median_label(lat, PB_RP_ALLOC_P50_NS, res, ls.med_a[ls.n], 64);
        median_label(lat, PB_RP_FREE_P50_NS, res, ls.med_f[ls.n], 64);
        ls.unknown += res == 0;
        pick[ls.n++] = s;
    }
    pb_plot_put_common_vars(vars, ix, workload, pick, ls.n);
    /* a workload without frees (freed by resets only) has no free quantiles */
    fprintf(vars, "n_alloc = %d\nn_free = %d\n", n_alloc, n_free);
    put_resolution_vars(vars, &ls);
    rows = pb_plot_finish(tsv, vars, ls.n ? rows : 0);
out:
    free(pick);
    free(ls.res);
    free(ls.under_a);
    free(ls.under_f);
    free(ls.med_a);
    free(ls.med_f);
    return rows;
}
