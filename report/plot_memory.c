/*
 * plot_memory.c -- the data of the memory, timeline and fragmentation charts
 * (plot_export.h).
 */
#include "plot_write.h"
#include "pb_text.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Series of ix that ran workload successfully with memory figures, into
 * pick (n_series long); notes say why the others are left out. */
static size_t memory_series(const struct pb_results_set *set, const struct pb_plot_index *ix,
                            const char *workload, size_t *pick, struct pb_plot_notes *notes,
                            const char *chart)
{
    size_t n = 0;
    for (size_t s = 0; s < ix->n_series; s++) {
        const cJSON *run = pb_plot_find_run(set, &ix->series[s], workload);
        if (!run || !pb_run_ok(run))
            continue; /* failed runs are noted once, by the throughput chart */
        if (!pb_plot_has_memory(run)) {
            if (notes && chart)
                pb_plot_note(notes, "%s on %s: no memory figures (%s)", ix->series[s].label,
                             workload, pb_plot_first_note(run, "all null"));
            continue;
        }
        pick[n++] = s;
    }
    return n;
}

static const char *const memory_columns[] = {
    "workload.peak_live_bytes", "memory.granted_bytes_at_peak", "memory.peak_footprint_bytes",
    "memory.peak_resident_bytes", "memory.wasted_page_bytes",
};

int pb_plot_write_memory(const struct pb_results_set *set, const struct pb_plot_index *ix,
                         const char *workload, FILE *tsv, FILE *vars,
                         struct pb_plot_notes *notes)
{
    size_t *pick = calloc(ix->n_series ? ix->n_series : 1, sizeof *pick);
    if (!pick)
        return -1;
    size_t n = memory_series(set, ix, workload, pick, notes, "memory");
    fputs("# memory on workload ", tsv);
    pb_plot_put_key(tsv, workload);
    fputs(", bytes; NaN: not measured\n# backend\tpeak live (ideal)\tgranted at peak\t"
          "peak footprint\tpeak resident\twasted pages\n", tsv);
    double lo = 0, hi = 0;
    for (size_t i = 0; i < n; i++) {
        const cJSON *run = pb_plot_find_run(set, &ix->series[pick[i]], workload);
        pb_plot_put_key(tsv, ix->series[pick[i]].label);
        for (size_t c = 0; c < sizeof memory_columns / sizeof memory_columns[0]; c++) {
            double v = pb_json_number(run, memory_columns[c]);
            pb_plot_put_num(tsv, v);
            pb_plot_widen(v, &lo, &hi);
        }
        fputc('\n', tsv);
    }
    pb_plot_put_common_vars(vars, ix, workload, pick, n);
    pb_plot_put_unit_vars(vars, lo, hi);
    free(pick);
    return pb_plot_finish(tsv, vars, (int)n);
}

/* ---- timeline ----------------------------------------------------------------- */

static void sample_range(const cJSON *timeline, double *lo, double *hi)
{
    static const char *const keys[] = {"live_bytes", "footprint_bytes", "resident_bytes"};
    const cJSON *s;
    cJSON_ArrayForEach(s, timeline) {
        for (int k = 0; k < 3; k++)
            pb_plot_widen(pb_json_number(s, keys[k]), lo, hi);
    }
}

int pb_plot_write_timeline(const struct pb_results_set *set, const struct pb_plot_index *ix,
                           const char *workload, FILE *tsv, FILE *vars,
                           struct pb_plot_notes *notes)
{
    size_t *pick = calloc(ix->n_series ? ix->n_series : 1, sizeof *pick);
    if (!pick)
        return -1;
    size_t n_mem = memory_series(set, ix, workload, pick, NULL, NULL), n = 0;
    static const char *const cols[] = {"event", "live_bytes", "granted_bytes",
                                       "footprint_bytes", "resident_bytes", "occupied_bytes"};
    fputs("# timeline of workload ", tsv);
    pb_plot_put_key(tsv, workload);
    fputs(": one block per backend (two blank lines apart); bytes; NaN: not measured\n", tsv);
    double lo = 0, hi = 0;
    int rows = 0;
    for (size_t i = 0; i < n_mem; i++) {
        const struct pb_plot_series *s = &ix->series[pick[i]];
        const cJSON *tl = cJSON_GetObjectItemCaseSensitive(pb_plot_find_run(set, s, workload),
                                                           "timeline");
        if (cJSON_GetArraySize(tl) == 0) {
            pb_plot_note(notes, "%s on %s: empty timeline, left out", s->label, workload);
            continue;
        }
        fprintf(tsv, "%s# %s\n# event\tlive\tgranted\tfootprint\tresident\toccupied\n",
                n ? "\n\n" : "", s->label);
        const cJSON *smp;
        cJSON_ArrayForEach(smp, tl) {
            fprintf(tsv, "%.0f", pb_json_number(smp, cols[0]));
            for (int c = 1; c < 6; c++)
                pb_plot_put_num(tsv, pb_json_number(smp, cols[c]));
            fputc('\n', tsv);
            rows++;
        }
        sample_range(tl, &lo, &hi);
        pick[n++] = pick[i];
    }
    pb_plot_put_common_vars(vars, ix, workload, pick, n);
    pb_plot_put_unit_vars(vars, lo, hi);
    free(pick);
    return pb_plot_finish(tsv, vars, n ? rows : 0);
}

/* ---- fragmentation ------------------------------------------------------------ */

int pb_plot_write_fragmentation(const struct pb_results_set *set,
                                const struct pb_plot_index *ix, FILE *tsv, FILE *vars,
                                struct pb_plot_notes *notes)
{
    (void)notes; /* the memory chart already says which runs have no figures */
    size_t *pick = calloc(ix->n_series ? ix->n_series : 1, sizeof *pick);
    size_t *tmp = calloc(ix->n_series ? ix->n_series : 1, sizeof *tmp);
    if (!pick || !tmp) {
        free(pick);
        free(tmp);
        return -1;
    }
    size_t n = 0;
    for (size_t s = 0; s < ix->n_series; s++) { /* series with memory on any workload */
        int any = 0;
        for (size_t w = 0; w < ix->n_workloads && !any; w++) {
            size_t k = memory_series(set, ix, ix->workloads[w], tmp, NULL, NULL);
            for (size_t j = 0; j < k; j++)
                any |= tmp[j] == s;
        }
        if (any)
            pick[n++] = s;
    }
    free(tmp);
    fprintf(tsv, "# fragmentation, percent: internal = 1 - peak live / granted at peak; "
                 "Johnstone-Wilson = peak footprint / peak live - 1; NaN: not measured\n"
                 "# workload");
    for (size_t i = 0; i < n; i++)
        fprintf(tsv, "\t%s internal\tJohnstone-Wilson", ix->series[pick[i]].label);
    fputc('\n', tsv);
    size_t jw_pos = 0; /* Johnstone-Wilson figures above 0: what a log axis can draw */
    for (size_t w = 0; n && w < ix->n_workloads; w++) {
        pb_plot_put_key(tsv, ix->workloads[w]);
        for (size_t i = 0; i < n; i++) {
            const cJSON *run = pb_plot_find_run(set, &ix->series[pick[i]], ix->workloads[w]);
            const cJSON *m = run && pb_run_ok(run)
                                 ? cJSON_GetObjectItemCaseSensitive(run, "memory") : NULL;
            pb_plot_put_num(tsv, 100 * pb_json_number(m, "internal_fragmentation"));
            double jw = 100 * pb_json_number(m, "fragmentation");
            pb_plot_put_num(tsv, jw);
            jw_pos += jw > 0; /* NaN compares false */
        }
        fputc('\n', tsv);
    }
    pb_plot_put_common_vars(vars, ix, NULL, pick, n);
    fprintf(vars, "NW = %zu\njw_pos = %zu\n", ix->n_workloads, jw_pos);
    free(pick);
    return pb_plot_finish(tsv, vars, n ? (int)ix->n_workloads : 0);
}

/* ---- latency -------------------------------------------------------------------- */
