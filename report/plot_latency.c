/*
 * plot_latency.c -- the latency chart's data: the CDF of single calls per
 * backend on one workload (plot_export.h).
 */
#include "plot_write.h"
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

/* One block of the latency TSV; *na and *nf get the alloc and free quantiles. */
static void latency_block(FILE *tsv, const cJSON *lat, int *na_out, int *nf_out)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(lat, "alloc"), "cdf_ns");
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(lat, "free"), "cdf_ns");
    int na = cJSON_GetArraySize(a), nf = cJSON_GetArraySize(f);
    int n = na > nf ? na : nf;
    *na_out = na;
    *nf_out = nf;
    for (int i = 0; i < n; i++) {
        fprintf(tsv, "%d", i);
        pb_plot_put_num(tsv, i < na ? (double)(i + 1) / na : NAN);
        pb_plot_put_num(tsv, cdf_at(a, i));
        pb_plot_put_num(tsv, i < nf ? (double)(i + 1) / nf : NAN);
        pb_plot_put_num(tsv, cdf_at(f, i));
        fputc('\n', tsv);
    }
}

int pb_plot_write_latency(const struct pb_results_set *set, const struct pb_plot_index *ix,
                          const char *workload, FILE *tsv, FILE *vars,
                          struct pb_plot_notes *notes)
{
    (void)notes;
    size_t *pick = calloc(ix->n_series ? ix->n_series : 1, sizeof *pick);
    if (!pick)
        return -1;
    fputs("# latency CDF of workload ", tsv);
    pb_plot_put_key(tsv, workload);
    fputs(": one block per backend (two blank lines apart)\n", tsv);
    size_t n = 0;
    int rows = 0, n_alloc = 0, n_free = 0;
    for (size_t s = 0; s < ix->n_series; s++) {
        const cJSON *run = pb_plot_find_run(set, &ix->series[s], workload);
        const cJSON *lat = run && pb_run_ok(run)
                               ? cJSON_GetObjectItemCaseSensitive(run, "latency") : NULL;
        if (!cJSON_IsObject(lat))
            continue;
        fprintf(tsv, "%s# %s: alloc p50 %.1f p99 %.1f p99.9 %.1f max %.1f ns; free p50 %.1f "
                     "p99 %.1f p99.9 %.1f max %.1f ns\n"
                     "# i\talloc fraction\talloc ns\tfree fraction\tfree ns\n",
                n ? "\n\n" : "", ix->series[s].label, pb_json_number(lat, "alloc.p50_ns"),
                pb_json_number(lat, "alloc.p99_ns"), pb_json_number(lat, "alloc.p999_ns"),
                pb_json_number(lat, "alloc.max_ns"), pb_json_number(lat, "free.p50_ns"),
                pb_json_number(lat, "free.p99_ns"), pb_json_number(lat, "free.p999_ns"),
                pb_json_number(lat, "free.max_ns"));
        int na, nf;
        latency_block(tsv, lat, &na, &nf);
        rows += na > nf ? na : nf;
        n_alloc += na;
        n_free += nf;
        pick[n++] = s;
    }
    pb_plot_put_common_vars(vars, ix, workload, pick, n);
    /* a workload without frees (freed by resets only) has no free quantiles */
    fprintf(vars, "n_alloc = %d\nn_free = %d\n", n_alloc, n_free);
    free(pick);
    return pb_plot_finish(tsv, vars, n ? rows : 0);
}

/* ---- export ------------------------------------------------------------------------ */