/*
 * plot_timeline.c -- the timeline chart's data: live, granted, footprint,
 * resident and occupied bytes event by event, one block per backend
 * (plot_export.h). Its axes: one scale policy for every workload's timeline
 * (unit and axis kind from all of them), a floor on a log axis where a 0 is
 * drawn (the live bytes start and may end at 0), and event ticks whose
 * labels are exact, so no two read alike.
 */
#include "plot_write.h"
#include "results_fields.h"
#include "pb_text.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const sample_keys[] = {PB_F_LIVE_BYTES, PB_F_FOOTPRINT_BYTES,
                                          PB_F_RESIDENT_BYTES};

/* The plotted byte values of a timeline: smallest above 0 and largest;
 * *zeros counts the samples with one of them at 0 (below a log axis). */
static void sample_range(const cJSON *timeline, double *lo, double *hi, size_t *zeros)
{
    const cJSON *s;
    cJSON_ArrayForEach(s, timeline) {
        int zero = 0;
        for (int k = 0; k < 3; k++) {
            double v = pb_json_number(s, sample_keys[k]);
            pb_plot_widen(v, lo, hi);
            zero |= v <= 0;
        }
        *zeros += (size_t)zero;
    }
}

/* The byte range of every workload's timelines: one axis policy for all. */
static void timelines_range(const struct pb_results_set *set, const struct pb_plot_index *ix,
                            double *lo, double *hi)
{
    size_t *pick = calloc(ix->n_series ? ix->n_series : 1, sizeof *pick), zeros = 0;
    for (size_t w = 0; pick && w < ix->n_workloads; w++) {
        size_t n = pb_plot_memory_series(set, ix, ix->workloads[w], pick);
        for (size_t i = 0; i < n; i++) {
            const cJSON *run = pb_plot_find_run(set, &ix->series[pick[i]], ix->workloads[w]);
            sample_range(pb_res_get(run, PB_F_TIMELINE), lo, hi, &zeros);
        }
    }
    free(pick);
}

/* A round step of about raw: 1, 2, 2.5 or 5 times a power of 10, at least 1
 * (events are whole). */
static double nice_step(double raw)
{
    if (!(raw > 1))
        return 1;
    double mag = pow(10, floor(log10(raw)));
    static const double m[] = {1, 2, 2.5, 5};
    for (int i = 0; i < 4; i++)
        if (m[i] * mag >= raw)
            return m[i] * mag;
    return 10 * mag;
}

/* v as a tick label: "0", "750", "250k", "1.25M", with as many decimals as
 * it takes to write v exactly (a step of 1, 2, 2.5 or 5 needs at most 3). */
static void tick_label(double v, char *buf, size_t len)
{
    static const struct {
        double unit;
        const char *suffix;
    } units[] = {{1e9, "G"}, {1e6, "M"}, {1e3, "k"}, {1, ""}};
    int u = 0;
    while (u < 3 && v < units[u].unit)
        u++;
    double x = v / units[u].unit;
    int d = 0;
    while (d < 6 && fabs(x * pow(10, d) - round(x * pow(10, d))) > 1e-6 * pow(10, d))
        d++;
    snprintf(buf, len, "%.*f%s", d, x, units[u].suffix);
}

size_t pb_plot_event_ticks(double max, double *at, char (*label)[PB_PLOT_TICK_LEN], size_t cap)
{
    double step = nice_step(max / 6);
    size_t n = 0;
    for (; n < cap && (double)n * step <= max * (1 + 1e-12); n++) {
        at[n] = (double)n * step;
        tick_label(at[n], label[n], PB_PLOT_TICK_LEN);
    }
    return n;
}

/* The event axis of a timeline up to max: NXT ticks at xtic_at[] labelled
 * xtic_label[]. */
static void put_event_ticks(FILE *vars, double max)
{
    enum { CAP = 16 };
    double at[CAP];
    char label[CAP][PB_PLOT_TICK_LEN];
    size_t n = pb_plot_event_ticks(max, at, label, CAP);
    fprintf(vars, "NXT = %zu\narray xtic_at[%zu] = [", n, n ? n : 1);
    for (size_t i = 0; i < n; i++)
        fprintf(vars, "%s%.17g", i ? ", " : "", at[i]);
    fprintf(vars, "%s]\narray xtic_label[%zu] = [", n ? "" : "0", n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        fputs(i ? ", " : "", vars);
        pb_plot_put_gp_string(vars, label[i]);
    }
    fputs(n ? "]\n" : "'0']\n", vars);
}

/* One backend's block: its samples; *max_event gets the last event. */
static int timeline_block(FILE *tsv, const cJSON *tl, const char *label, int first,
                          double *max_event)
{
    static const char *const cols[] = {PB_F_EVENT,          PB_F_LIVE_BYTES,
                                       PB_F_GRANTED_BYTES,  PB_F_FOOTPRINT_BYTES,
                                       PB_F_RESIDENT_BYTES, PB_F_OCCUPIED_BYTES};
    fprintf(tsv, "%s# %s\n# event\tlive\tgranted\tfootprint\tresident\toccupied\n",
            first ? "" : "\n\n", label);
    int rows = 0;
    const cJSON *smp;
    cJSON_ArrayForEach(smp, tl) {
        double event = pb_json_number(smp, cols[0]);
        fprintf(tsv, "%.0f", event);
        for (int c = 1; c < 6; c++)
            pb_plot_put_num(tsv, pb_json_number(smp, cols[c]));
        fputc('\n', tsv);
        *max_event = fmax(*max_event, event);
        rows++;
    }
    return rows;
}

/* The y axis of a timeline: the scale policy of all workloads, and on a log
 * axis yfloor, where a 0 is drawn (and labelled "0"): half the power of 4
 * at or below the smallest value above 0, so it sits below every line and
 * between two of the axis's ticks (powers of 4); zeros counts the samples
 * drawn there. */
static void put_timeline_axis(FILE *vars, const struct pb_results_set *set,
                              const struct pb_plot_index *ix, double lo, double hi,
                              size_t zeros)
{
    double all_lo = 0, all_hi = 0;
    timelines_range(set, ix, &all_lo, &all_hi);
    pb_plot_put_scale_vars(vars, all_lo, all_hi, lo, hi, "every timeline");
    double floor4 = lo >= 1 ? pow(4, floor(log(lo) / log(4) + 1e-9)) : 1;
    fprintf(vars, "yfloor = %.17g\nzeros = %zu\n", floor4 / 2, zeros);
}

int pb_plot_write_timeline(const struct pb_results_set *set, const struct pb_plot_index *ix,
                           const char *workload, FILE *tsv, FILE *vars,
                           struct pb_plot_notes *notes)
{
    size_t *pick = calloc(ix->n_series ? ix->n_series : 1, sizeof *pick);
    if (!pick)
        return -1;
    size_t n_mem = pb_plot_memory_series(set, ix, workload, pick), n = 0, zeros = 0;
    fputs("# timeline of workload ", tsv);
    pb_plot_put_key(tsv, workload);
    fputs(": one block per backend (two blank lines apart); bytes; NaN: not measured\n", tsv);
    double lo = 0, hi = 0, max_event = 0;
    int rows = 0;
    for (size_t i = 0; i < n_mem; i++) {
        const struct pb_plot_series *s = &ix->series[pick[i]];
        const cJSON *tl = pb_res_get(pb_plot_find_run(set, s, workload), PB_F_TIMELINE);
        if (cJSON_GetArraySize(tl) == 0) {
            char wl[PB_LABEL_MAX];
            pb_plot_note(notes, "%s on %s: empty timeline, left out", s->label,
                         pb_text_safe(workload, wl, sizeof wl));
            continue;
        }
        rows += timeline_block(tsv, tl, s->label, n == 0, &max_event);
        sample_range(tl, &lo, &hi, &zeros);
        pick[n++] = pick[i];
    }
    pb_plot_put_common_vars(vars, ix, workload, pick, n);
    put_timeline_axis(vars, set, ix, lo, hi, zeros);
    put_event_ticks(vars, max_event);
    free(pick);
    return pb_plot_finish(tsv, vars, n ? rows : 0);
}
