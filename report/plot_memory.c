/*
 * plot_memory.c -- the data of the memory and fragmentation charts
 * (plot_export.h). A bar that cannot be drawn has a label saying why: a
 * figure the file gives as null (with the reason its notes give), a run that
 * is not ok (its status), a backend that holds no memory. Every workload's
 * memory chart has one scale policy: the unit and the axis kind (linear or
 * log) come from the figures of all workloads.
 */
#include "plot_write.h"
#include "results_fields.h"
#include "pb_text.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- why a figure is missing ---------------------------------------------------- */

/* Whether the comma-separated list prefix[0..plen) ("a, b") names name. */
static int names_figure(const char *prefix, size_t plen, const char *name)
{
    size_t n = strlen(name);
    const char *end = prefix + plen;
    for (const char *p = prefix; p < end;) {
        size_t k = strcspn(p, ",");
        if (k > (size_t)(end - p))
            k = (size_t)(end - p);
        if (k == n && strncmp(p, name, n) == 0)
            return 1;
        p += k;
        while (p < end && (*p == ',' || *p == ' '))
            p++;
    }
    return 0;
}

const char *pb_plot_null_reason(const cJSON *run, const char *key, const char *alias,
                                char *buf, size_t len)
{
    const cJSON *note;
    cJSON_ArrayForEach(note, pb_res_get(run, PB_F_NOTES)) {
        const char *s = cJSON_IsString(note) ? note->valuestring : "";
        const char *colon = strstr(s, ": ");
        if (!colon)
            continue;
        const char *why = colon + 2;
        size_t plen = (size_t)(colon - s);
        int excuse = strncmp(why, "not ", 4) == 0 || strncmp(why, "cannot ", 7) == 0;
        if (!names_figure(s, plen, key) && !(alias && excuse && names_figure(s, plen, alias)))
            continue;
        size_t k = strlen(why);
        static const char *const ends[] = {": ", " (", "; "};
        for (int e = 0; e < 3; e++) {
            const char *x = strstr(why, ends[e]);
            if (x && (size_t)(x - why) < k)
                k = (size_t)(x - why);
        }
        char raw[256];
        snprintf(raw, sizeof raw, "%.*s", (int)(k < sizeof raw ? k : sizeof raw - 1), why);
        pb_text_safe(raw, buf, len);
        return s;
    }
    snprintf(buf, len, "no reason in the file");
    return NULL;
}

/* ---- memory ------------------------------------------------------------------- */

size_t pb_plot_memory_series(const struct pb_results_set *set, const struct pb_plot_index *ix,
                             const char *workload, size_t *pick)
{
    size_t n = 0;
    for (size_t s = 0; s < ix->n_series; s++) {
        const cJSON *run = pb_plot_find_run(set, &ix->series[s], workload);
        if (run && pb_run_ok(run) && pb_plot_has_memory(run))
            pick[n++] = s;
    }
    return n;
}

/* The figures of the memory chart: where they are in a run, and how its
 * notes name them when they are null. */
static const struct {
    enum pb_res_path path;
    const char *key, *alias, *name;
} memory_figs[] = {
    {PB_RP_WORKLOAD_PEAK_LIVE_BYTES, PB_F_PEAK_LIVE_BYTES, NULL, "peak live"},
    {PB_RP_MEMORY_GRANTED_BYTES_AT_PEAK, PB_F_GRANTED_BYTES_AT_PEAK, "granted bytes", "granted"},
    {PB_RP_MEMORY_PEAK_FOOTPRINT_BYTES, PB_F_PEAK_FOOTPRINT_BYTES, "footprint", "peak footprint"},
    {PB_RP_MEMORY_PEAK_RESIDENT_BYTES, PB_F_PEAK_RESIDENT_BYTES, "resident bytes", "peak resident"},
    {PB_RP_MEMORY_WASTED_PAGE_BYTES, PB_F_WASTED_PAGE_BYTES, NULL, "wasted pages"},
};
enum { MEMORY_FIGS = sizeof memory_figs / sizeof memory_figs[0] };

/* A run's row in the memory chart of its workload: its figures (ok with
 * memory figures), a gap (not ok), or none (no run, or no memory figures). */
enum memory_row { ROW_NONE, ROW_FIGURES, ROW_GAP };

static enum memory_row memory_row(const cJSON *run)
{
    if (!run)
        return ROW_NONE;
    if (!pb_run_ok(run))
        return ROW_GAP;
    return pb_plot_has_memory(run) ? ROW_FIGURES : ROW_NONE;
}

/* Figure f of an ok run as the chart draws it: NaN when null, not finite or
 * negative (no byte count is). */
static double memory_fig(const cJSON *run, int f)
{
    double v = pb_plot_finite_at(run, memory_figs[f].path);
    return v >= 0 ? v : NAN;
}

/* "62.5 KiB": v bytes as the bars' labels write them (NaN: ""). */
static void human_bytes(double v, char *buf, size_t len)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    double x = v;
    while (u < 4 && x >= 1024) {
        x /= 1024;
        u++;
    }
    if (isnan(v))
        snprintf(buf, len, "%s", "");
    else if (u == 0)
        snprintf(buf, len, "%.0f B", x);
    else
        snprintf(buf, len, "%.3g %s", x, units[u]);
}

/* The label of figure f of run: its value, or why it has no bar. */
static void memory_label(const cJSON *run, int f, char *buf, size_t len)
{
    double raw = pb_plot_finite_at(run, memory_figs[f].path);
    if (raw < 0) {
        snprintf(buf, len, "impossible: negative");
    } else if (isnan(raw)) {
        char why[PB_PLOT_LABEL_LEN - 16]; /* room for "null: " */
        pb_plot_null_reason(run, memory_figs[f].key, memory_figs[f].alias, why, sizeof why);
        snprintf(buf, len, "null: %s", why);
    } else {
        human_bytes(raw, buf, len);
    }
}

/* Whether figure f of series s is missing on workload w for the same
 * reason (label) as given. */
static int same_gap(const struct pb_results_set *set, const struct pb_plot_index *ix, size_t s,
                    size_t w, int f, const char *label)
{
    const cJSON *run = pb_plot_find_run(set, &ix->series[s], ix->workloads[w]);
    if (memory_row(run) != ROW_FIGURES || !isnan(memory_fig(run, f)))
        return 0;
    char other[PB_PLOT_LABEL_LEN];
    memory_label(run, f, other, sizeof other);
    return strcmp(other, label) == 0;
}

/* Index of workload in ix. */
static size_t workload_index(const struct pb_plot_index *ix, const char *workload)
{
    size_t w = 0;
    while (w < ix->n_workloads && strcmp(ix->workloads[w], workload) != 0)
        w++;
    return w;
}

/* Note a figure drawn as a gap once for all the workloads where it is
 * missing alike: on the first of them, naming how many more. */
static void note_gap(const struct pb_results_set *set, const struct pb_plot_index *ix,
                     size_t s, size_t w, int f, const char *label, struct pb_plot_notes *notes)
{
    for (size_t k = 0; k < w; k++)
        if (same_gap(set, ix, s, k, f, label))
            return;
    size_t more = 0;
    for (size_t k = w + 1; k < ix->n_workloads; k++)
        more += (size_t)same_gap(set, ix, s, k, f, label);
    const cJSON *run = pb_plot_find_run(set, &ix->series[s], ix->workloads[w]);
    char why[PB_PLOT_LABEL_LEN], shown[1024], wl[PB_LABEL_MAX], also[64] = "";
    const char *note = pb_plot_null_reason(run, memory_figs[f].key, memory_figs[f].alias, why,
                                           sizeof why);
    if (more)
        snprintf(also, sizeof also, " (and %zu more workload%s)", more, more > 1 ? "s" : "");
    pb_plot_note(notes, "%s on %s%s: %s %s, a labelled gap: %s", ix->series[s].label,
                 pb_text_safe(ix->workloads[w], wl, sizeof wl), also, memory_figs[f].name,
                 strncmp(label, "null", 4) == 0 ? "null" : "impossible",
                 note ? pb_text_safe(note, shown, sizeof shown) : label);
}

/* Note, once for all workloads, a series whose ok runs have no memory
 * figures (the null backend): it is left out of the memory, timeline and
 * fragmentation charts, not drawn as an empty group on each. */
static void note_no_memory(const struct pb_results_set *set, const struct pb_plot_index *ix,
                           size_t s, size_t w, struct pb_plot_notes *notes)
{
    size_t same = 0, runs = 0;
    for (size_t k = 0; k < ix->n_workloads; k++) {
        const cJSON *run = pb_plot_find_run(set, &ix->series[s], ix->workloads[k]);
        int none = run && pb_run_ok(run) && !pb_plot_has_memory(run);
        if (none && k < w)
            return; /* noted on an earlier workload */
        same += (size_t)none;
        runs += run != NULL;
    }
    const cJSON *run = pb_plot_find_run(set, &ix->series[s], ix->workloads[w]);
    char where[PB_LABEL_MAX + 64], wl[PB_LABEL_MAX], shown[1024];
    if (same == runs)
        snprintf(where, sizeof where, "%s", same > 1 ? "every workload" : "its workload");
    else
        snprintf(where, sizeof where, "%s%s", pb_text_safe(ix->workloads[w], wl, sizeof wl),
                 same > 1 ? " and others" : "");
    pb_plot_note(notes, "%s: no memory figures on %s (%s); not in the memory, timeline and "
                        "fragmentation charts", ix->series[s].label, where,
                 pb_text_safe(pb_plot_first_note(run, "all null"), shown, sizeof shown));
}

/* The byte figures of every workload's rows: one unit and one axis kind for
 * all the memory charts. */
static void memory_range(const struct pb_results_set *set, const struct pb_plot_index *ix,
                         double *lo, double *hi)
{
    for (size_t w = 0; w < ix->n_workloads; w++)
        for (size_t s = 0; s < ix->n_series; s++) {
            const cJSON *run = pb_plot_find_run(set, &ix->series[s], ix->workloads[w]);
            if (memory_row(run) == ROW_FIGURES)
                for (int f = 0; f < MEMORY_FIGS; f++)
                    pb_plot_widen(memory_fig(run, f), lo, hi);
        }
}

/* One row: the backend, the labels of its five bars (the value, or why
 * there is no bar; a run that is not ok has its status in the middle one),
 * then its five figures (NaN: no bar). Labels come first: a line that ended
 * with an empty field would be misread by gnuplot. */
static void memory_line(FILE *tsv, const struct pb_results_set *set,
                        const struct pb_plot_index *ix, size_t s, size_t w, double *lo,
                        double *hi, struct pb_plot_notes *notes)
{
    const cJSON *run = pb_plot_find_run(set, &ix->series[s], ix->workloads[w]);
    int ok = memory_row(run) == ROW_FIGURES;
    pb_plot_put_key(tsv, ix->series[s].label);
    for (int f = 0; f < MEMORY_FIGS; f++) {
        char label[PB_PLOT_LABEL_LEN] = "";
        if (ok)
            memory_label(run, f, label, sizeof label);
        else if (f == MEMORY_FIGS / 2)
            pb_plot_run_status(run, label, sizeof label);
        if (ok && isnan(memory_fig(run, f)))
            note_gap(set, ix, s, w, f, label, notes);
        fputc('\t', tsv);
        pb_plot_put_key(tsv, label);
    }
    for (int f = 0; f < MEMORY_FIGS; f++) {
        double v = ok ? memory_fig(run, f) : NAN;
        pb_plot_put_num(tsv, v);
        pb_plot_widen(v, lo, hi);
    }
    fputc('\n', tsv);
}

int pb_plot_write_memory(const struct pb_results_set *set, const struct pb_plot_index *ix,
                         const char *workload, FILE *tsv, FILE *vars,
                         struct pb_plot_notes *notes)
{
    size_t *pick = calloc(ix->n_series ? ix->n_series : 1, sizeof *pick);
    if (!pick)
        return -1;
    size_t w = workload_index(ix, workload), n = 0, drawn = 0;
    fputs("# memory on workload ", tsv);
    pb_plot_put_key(tsv, workload);
    fputs(": the label of each bar (its value, or why it has none), then the bytes (NaN: no "
          "bar: null in the file, impossible, or the run is not ok)\n# backend\tlabel: peak "
          "live\tgranted\tfootprint\tresident\twasted\tpeak live (ideal)\tgranted at peak\t"
          "peak footprint\tpeak resident\twasted pages\n", tsv);
    double lo = 0, hi = 0, all_lo = 0, all_hi = 0;
    memory_range(set, ix, &all_lo, &all_hi);
    for (size_t s = 0; s < ix->n_series; s++) {
        const cJSON *run = pb_plot_find_run(set, &ix->series[s], workload);
        enum memory_row row = memory_row(run);
        if (row == ROW_NONE && run && notes)
            note_no_memory(set, ix, s, w, notes);
        if (row == ROW_NONE)
            continue;
        memory_line(tsv, set, ix, s, w, &lo, &hi, notes);
        drawn += row == ROW_FIGURES;
        pick[n++] = s;
    }
    pb_plot_put_common_vars(vars, ix, workload, pick, n);
    pb_plot_put_scale_vars(vars, all_lo, all_hi, lo, hi, "every memory chart");
    free(pick);
    return pb_plot_finish(tsv, vars, drawn ? (int)n : 0);
}

/* ---- fragmentation ------------------------------------------------------------ */

/* The two figures of the fragmentation chart, in percent. */
static const struct {
    enum pb_res_path path;
    const char *key;
} frag_figs[] = {
    {PB_RP_MEMORY_INTERNAL_FRAGMENTATION, PB_F_INTERNAL_FRAGMENTATION},
    {PB_RP_MEMORY_FRAGMENTATION, PB_F_FRAGMENTATION},
};

/* The label of figure f (0 internal, 1 Johnstone-Wilson) of a series' run
 * on a workload, pct its percent: why it has no bar, "0" for a bar of no
 * height (internal), "<= 0" for one the log panel cannot draw (J-W), ""
 * for a bar. */
static void frag_label(const cJSON *run, int f, double pct, char *buf, size_t len)
{
    buf[0] = '\0';
    if (!run) {
        snprintf(buf, len, "not run");
    } else if (!pb_run_ok(run)) {
        pb_plot_run_status(run, buf, len);
    } else if (!pb_plot_has_memory(run)) {
        snprintf(buf, len, "n/a: %s holds no memory",
                 pb_run_is_baseline(run) ? "null backend" : "backend");
    } else if (isnan(pct)) {
        char why[PB_PLOT_LABEL_LEN - 16]; /* room for "figure null: " */
        pb_plot_null_reason(run, frag_figs[f].key, NULL, why, sizeof why);
        snprintf(buf, len, "figure null: %s", why);
    } else if (f == 1 && pct <= 0) {
        snprintf(buf, len, "%s", "\xe2\x89\xa4 0"); /* "<= 0": not on a log axis */
    } else if (pct == 0) {
        snprintf(buf, len, "0"); /* a bar of no height, not a missing one */
    }
}

/* Whether any series has memory figures on any workload: with none, there is
 * no fragmentation to chart. */
static int any_memory(const struct pb_results_set *set, const struct pb_plot_index *ix)
{
    for (size_t w = 0; w < ix->n_workloads; w++)
        for (size_t s = 0; s < ix->n_series; s++) {
            const cJSON *run = pb_plot_find_run(set, &ix->series[s], ix->workloads[w]);
            if (memory_row(run) == ROW_FIGURES)
                return 1;
        }
    return 0;
}

/* One workload's row: per series, the labels of its internal and
 * Johnstone-Wilson bars, then their percents (labels first, as above); *jw_pos counts the Johnstone-Wilson figures above 0,
 * *jw_lo gets the smallest (the bottom of the log panel). */
static void frag_line(FILE *tsv, const struct pb_results_set *set,
                      const struct pb_plot_index *ix, size_t w, size_t *jw_pos, double *jw_lo)
{
    pb_plot_put_key(tsv, ix->workloads[w]);
    for (size_t s = 0; s < ix->n_series; s++) {
        const cJSON *run = pb_plot_find_run(set, &ix->series[s], ix->workloads[w]);
        const cJSON *ok = run && pb_run_ok(run) ? run : NULL;
        double pct[2];
        char label[2][PB_PLOT_LABEL_LEN];
        for (int f = 0; f < 2; f++) {
            pct[f] = 100 * pb_plot_finite_at(ok, frag_figs[f].path);
            frag_label(run, f, pct[f], label[f], sizeof label[f]);
        }
        for (int f = 0; f < 2; f++) {
            fputc('\t', tsv);
            pb_plot_put_key(tsv, label[f]);
        }
        pb_plot_put_num(tsv, pct[0]);
        pb_plot_put_num(tsv, pct[1]);
        *jw_pos += pct[1] > 0; /* NaN compares false */
        double unused = 0;
        pb_plot_widen(pct[1], jw_lo, &unused);
    }
    fputc('\n', tsv);
}

int pb_plot_write_fragmentation(const struct pb_results_set *set,
                                const struct pb_plot_index *ix, FILE *tsv, FILE *vars,
                                struct pb_plot_notes *notes)
{
    (void)notes; /* the memory charts note the null figures */
    if (!any_memory(set, ix))
        return pb_plot_finish(tsv, vars, 0);
    fprintf(tsv, "# fragmentation per backend: the labels of its two bars (why one is missing, "
                 "empty when it is drawn), then in percent internal = 1 - peak live / granted "
                 "at peak and Johnstone-Wilson = peak footprint / peak live - 1; NaN: no bar\n"
                 "# workload");
    for (size_t s = 0; s < ix->n_series; s++)
        fprintf(tsv, "\t%s label: internal\tJohnstone-Wilson\tinternal\tJohnstone-Wilson",
                ix->series[s].label);
    fputc('\n', tsv);
    size_t jw_pos = 0; /* Johnstone-Wilson figures above 0: what a log axis can draw */
    double jw_lo = 0;
    for (size_t w = 0; w < ix->n_workloads; w++)
        frag_line(tsv, set, ix, w, &jw_pos, &jw_lo);
    pb_plot_put_common_vars(vars, ix, NULL, NULL, ix->n_series);
    fprintf(vars, "NW = %zu\njw_pos = %zu\njw_lo = %.9g\n", ix->n_workloads, jw_pos,
            jw_lo > 0 ? jw_lo : 1);
    return pb_plot_finish(tsv, vars, (int)ix->n_workloads);
}
