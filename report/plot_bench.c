/*
 * plot_bench.c -- the charts of a bench document ("poolbench-bench/1",
 * bench_results.h): `bench`, the whole program's wall time and peak RSS per
 * allocator, and `fidelity`, the replay's figures against the program's
 * (plot_export.h). Bars and whiskers come from each run's distribution
 * objects (pb_plot_fig_of); a failed allocator keeps its place on the axis
 * with a label instead of a bar.
 */
#include "plot_write.h"
#include "results_fields.h"
#include "pb_text.h"
#include "summary.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A run's allocator as the charts name it: allocator_spec in shown form. */
static const char *spec_label(const cJSON *run, char *buf, size_t len)
{
    const cJSON *s = pb_res_get(run, PB_F_ALLOCATOR_SPEC);
    return pb_text_safe(cJSON_IsString(s) ? s->valuestring : "?", buf, len);
}

/* The program's name and command in shown form, cut to fit a title. */
static void put_program_vars(FILE *vars, const struct pb_results_file *file)
{
    char raw[512], shown[512], cmd[400] = "";
    pb_plot_put_gp_var(vars, "machine", pb_text_safe(pb_results_machine(file, raw, sizeof raw),
                                                     shown, sizeof shown));
    const cJSON *name = pb_res_at(file->doc, PB_RP_PROGRAM_NAME), *a;
    pb_plot_put_gp_var(vars, "program",
                       pb_text_safe(cJSON_IsString(name) ? name->valuestring : "?", shown,
                                    sizeof shown));
    size_t used = 0;
    cJSON_ArrayForEach(a, pb_res_at(file->doc, PB_RP_PROGRAM_COMMAND))
    {
        pb_text_safe(cJSON_IsString(a) ? a->valuestring : "?", shown, sizeof shown);
        if (used + strlen(shown) + 2 >= sizeof cmd - 4) {
            snprintf(cmd + used, sizeof cmd - used, " ...");
            break;
        }
        used += (size_t)snprintf(cmd + used, sizeof cmd - used, "%s%s", used ? " " : "", shown);
    }
    pb_plot_put_gp_var(vars, "command", cmd);
    fprintf(vars, "rounds = %d\n", pb_res_count(file->doc, PB_RP_CONFIG_ROUNDS));
    pb_plot_put_palette(vars);
}

/* Seconds in the unit of the largest, max: "s", or "ms" below 0.1 s. */
static const char *time_unit(double max, double *scale)
{
    *scale = !isnan(max) && max < 0.1 ? 1e-3 : 1;
    return *scale < 1 ? "ms" : "s";
}

/* The bar's label: its value ("1.18 s", "14.9 MiB", ~ when noisy), or why
 * it is missing: the run failed, or the file has no figure. */
static void bar_label(const cJSON *run, const struct pb_plot_fig *f, int bytes, double tscale,
                      char *out, size_t len)
{
    char v[32];
    if (!pb_run_ok(run))
        snprintf(out, len, "failed");
    else if (isnan(f->mid))
        snprintf(out, len, "no figure");
    else {
        if (bytes)
            pb_human_bytes(f->mid, v, sizeof v);
        else
            snprintf(v, sizeof v, "%.3g %s", f->mid / tscale, tscale < 1 ? "ms" : "s");
        snprintf(out, len, "%s%s", v, f->noisy == 1 ? " ~" : "");
    }
}

/* What the axes need: the largest whisker or bar of each panel, and how
 * many whiskers are intervals or min..max. */
struct bench_seen {
    double wall_hi, rss_hi;
    int with_ci, without_ci;
};

static void see(struct bench_seen *s, const struct pb_plot_fig *f, double *hi)
{
    double top = isnan(f->hi) ? f->mid : fmax(f->mid, f->hi);
    if (!isnan(top) && (isnan(*hi) || top > *hi))
        *hi = top;
    if (!isnan(f->lo))
        f->has_ci ? s->with_ci++ : s->without_ci++;
}

/* One allocator's row: name, the two labels, wall and RSS figures, the gap
 * flag and its colour. */
static void bench_row(FILE *tsv, const cJSON *run, size_t i, double tscale,
                      struct bench_seen *seen)
{
    char name[PB_LABEL_MAX], wl[PB_PLOT_LABEL_LEN], rl[PB_PLOT_LABEL_LEN];
    const cJSON *wd = pb_res_at(run, PB_RP_TIME_WALL_SECONDS);
    const cJSON *rd = pb_res_at(run, PB_RP_MEMORY_PEAK_RSS_BYTES);
    int ok = pb_run_ok(run);
    struct pb_plot_fig wall = pb_plot_fig_of(wd, ok ? pb_plot_finite_num(wd, PB_F_MEDIAN) : NAN);
    struct pb_plot_fig rss = pb_plot_fig_of(rd, ok ? pb_plot_finite_num(rd, PB_F_MEDIAN) : NAN);
    bar_label(run, &wall, 0, tscale, wl, sizeof wl);
    bar_label(run, &rss, 1, tscale, rl, sizeof rl);
    pb_plot_put_key(tsv, spec_label(run, name, sizeof name));
    fputc('\t', tsv);
    pb_plot_put_key(tsv, wl);
    fputc('\t', tsv);
    pb_plot_put_key(tsv, rl);
    const double nums[] = {wall.mid, wall.lo, wall.hi, rss.mid, rss.lo, rss.hi, !ok,
                           (double)(i % PB_PLOT_COLOURS + 1)};
    for (size_t k = 0; k < sizeof nums / sizeof *nums; k++)
        pb_plot_put_num(tsv, nums[k]);
    fputc('\n', tsv);
    if (seen) {
        see(seen, &wall, &seen->wall_hi);
        see(seen, &rss, &seen->rss_hi);
    }
}

/* The largest wall figure of the runs (bar or whisker), for the unit. */
static double wall_top(const cJSON *runs)
{
    struct bench_seen s = {NAN, NAN, 0, 0};
    const cJSON *run;
    cJSON_ArrayForEach(run, runs)
    {
        const cJSON *wd = pb_res_at(run, PB_RP_TIME_WALL_SECONDS);
        struct pb_plot_fig f = pb_plot_fig_of(wd, pb_plot_finite_num(wd, PB_F_MEDIAN));
        see(&s, &f, &s.wall_hi);
    }
    return s.wall_hi;
}

/* Notes: each failed allocator with its error. */
static void note_failed(const cJSON *runs, struct pb_plot_notes *notes)
{
    const cJSON *run;
    cJSON_ArrayForEach(run, runs)
    {
        if (pb_run_ok(run))
            continue;
        char name[PB_LABEL_MAX], why[PB_PLOT_NOTE_LEN];
        pb_plot_note(notes, "bench: %s failed, drawn as a gap labelled \"failed\": %s",
                     spec_label(run, name, sizeof name),
                     pb_text_safe(pb_plot_run_error(run), why, sizeof why));
    }
}

int pb_plot_write_bench(const struct pb_results_file *file, FILE *tsv, FILE *vars,
                        struct pb_plot_notes *notes)
{
    const cJSON *runs = file->runs, *run;
    double tscale;
    const char *tunit = time_unit(wall_top(runs), &tscale);
    fprintf(tsv, "# poolbench bench chart: the whole program per allocator; whiskers: the "
                 "95 %% interval of the median, or min..max without one\n"
                 "# allocator\twall_label\trss_label\twall_median_s\twall_low_s\twall_high_s\t"
                 "rss_median_bytes\trss_low_bytes\trss_high_bytes\tfailed\tcolour\n");
    struct bench_seen seen = {NAN, NAN, 0, 0};
    int rows = 0;
    cJSON_ArrayForEach(run, runs)
        bench_row(tsv, run, (size_t)rows++, tscale, &seen);
    note_failed(runs, notes);
    double bscale;
    const char *bunit = pb_plot_unit(seen.rss_hi, &bscale);
    put_program_vars(vars, file);
    fprintf(vars, "NR = %d\n", rows);
    pb_plot_put_gp_var(vars, "tunit", tunit);
    fprintf(vars, "tscale = %.17g\nwall_top = %.17g\n", tscale,
            isnan(seen.wall_hi) ? 1 : seen.wall_hi / tscale);
    pb_plot_put_gp_var(vars, "bunit", bunit);
    fprintf(vars, "bscale = %.17g\nrss_top = %.17g\n", bscale,
            isnan(seen.rss_hi) ? 1 : seen.rss_hi / bscale);
    pb_plot_put_gp_var(vars, "whisker_note",
                       seen.without_ci == 0 ? "whiskers: 95 % interval of the median"
                       : seen.with_ci == 0  ? "whiskers: min..max of the rounds (no interval)"
                                            : "whiskers: 95 % interval, or min..max where the "
                                              "file has none");
    return pb_plot_finish(tsv, vars, rows);
}

/* ---- fidelity ---------------------------------------------------------------- */

/* The bench run of allocator spec, and its index (the colour); NULL when none. */
static const cJSON *bench_run(const cJSON *runs, const char *spec, size_t *index)
{
    const cJSON *run;
    size_t i = 0;
    cJSON_ArrayForEach(run, runs)
    {
        const cJSON *s = pb_res_get(run, PB_F_ALLOCATOR_SPEC);
        if (cJSON_IsString(s) && strcmp(s->valuestring, spec) == 0) {
            *index = i;
            return run;
        }
        i++;
    }
    *index = i;
    return NULL;
}

/* The smallest and largest finite value of key over the rows. */
static void row_range(const cJSON *rows, const char *key, double *lo, double *hi)
{
    const cJSON *r;
    *lo = *hi = NAN;
    cJSON_ArrayForEach(r, rows)
    {
        double v = pb_plot_finite_num(r, key);
        if (!isnan(v)) {
            *lo = isnan(*lo) || v < *lo ? v : *lo;
            *hi = isnan(*hi) || v > *hi ? v : *hi;
        }
    }
}

/* Where a point without its x figure is drawn: left of the others. */
static double left_edge(double lo, double hi)
{
    if (isnan(lo))
        return 0;
    double span = hi > lo ? hi - lo : fabs(lo) > 0 ? fabs(lo) : 1;
    return lo - span * 0.15;
}

/* The interval of the bench run's distribution at path: lo, hi (NaN: none). */
static void run_interval(const cJSON *run, enum pb_res_path path, double mid, double *lo,
                         double *hi)
{
    const cJSON *d = pb_res_at(run, path);
    struct pb_plot_fig f = pb_plot_fig_of(d, mid);
    *lo = f.lo;
    *hi = f.hi;
}

/* One fidelity row: label, the x drawn for each panel (its figure, or the
 * left edge with gap = 1), the program's medians and intervals. */
static void fidelity_row(FILE *tsv, const cJSON *row, const cJSON *runs, const double *edge)
{
    char name[PB_PLOT_LABEL_LEN], label[PB_PLOT_LABEL_LEN + 32]; /* a point's label, cut short */
    const cJSON *s = pb_res_get(row, PB_F_ALLOCATOR_SPEC);
    pb_text_safe(cJSON_IsString(s) ? s->valuestring : "?", name, sizeof name);
    size_t idx;
    const cJSON *run = bench_run(runs, cJSON_IsString(s) ? s->valuestring : "", &idx);
    double net = pb_plot_finite_num(row, PB_F_REPLAY_NET_NS_PER_OP);
    double res = pb_plot_finite_num(row, PB_F_REPLAY_PEAK_RESIDENT_BYTES);
    double wall = pb_plot_finite_num(row, PB_F_WALL_SECONDS);
    double rss = pb_plot_finite_num(row, PB_F_PEAK_RSS_BYTES);
    double wlo, whi, rlo, rhi;
    run_interval(run, PB_RP_TIME_WALL_SECONDS, wall, &wlo, &whi);
    run_interval(run, PB_RP_MEMORY_PEAK_RSS_BYTES, rss, &rlo, &rhi);
    snprintf(label, sizeof label, "%s%s", name, isnan(net) ? " (no net ns/op)" : "");
    pb_plot_put_key(tsv, label);
    fputc('\t', tsv);
    snprintf(label, sizeof label, "%s%s", name, isnan(res) ? " (no replay peak)" : "");
    pb_plot_put_key(tsv, label);
    const double nums[] = {isnan(net) ? edge[0] : net, wall, wlo, whi, isnan(net),
                           isnan(res) ? edge[1] : res, rss, rlo, rhi, isnan(res),
                           (double)(idx % PB_PLOT_COLOURS + 1)};
    for (size_t k = 0; k < sizeof nums / sizeof *nums; k++)
        pb_plot_put_num(tsv, nums[k]);
    fputc('\n', tsv);
}

/* "+0.80 (4 allocators)", or "n/a (...)" when the file has none. */
static void put_rho_var(FILE *vars, const char *name, const cJSON *corr)
{
    double rho = pb_plot_finite_num(corr, PB_F_SPEARMAN);
    int n = pb_json_count(corr, PB_F_N);
    char text[96];
    if (isnan(rho))
        snprintf(text, sizeof text, "n/a (%d allocator%s, or no spread)", n,
                 n == 1 ? "" : "s");
    else
        snprintf(text, sizeof text, "%+.2f (%d allocators)", rho, n);
    pb_plot_put_gp_var(vars, name, text);
}

/* The fidelity chart's variables: units and where gaps sit, correlations. */
static void fidelity_vars(FILE *vars, const struct pb_results_file *file, const cJSON *f,
                          int rows)
{
    const cJSON *list = pb_res_get(f, PB_F_ROWS);
    double lo, hi, scale, tscale;
    put_program_vars(vars, file);
    fprintf(vars, "NR = %d\n", rows);
    row_range(list, PB_F_WALL_SECONDS, &lo, &hi);
    pb_plot_put_gp_var(vars, "tunit", time_unit(hi, &tscale));
    fprintf(vars, "tscale = %.17g\n", tscale);
    row_range(list, PB_F_REPLAY_PEAK_RESIDENT_BYTES, &lo, &hi);
    pb_plot_put_gp_var(vars, "xunit", pb_plot_unit(hi, &scale));
    fprintf(vars, "xscale = %.17g\n", scale);
    row_range(list, PB_F_PEAK_RSS_BYTES, &lo, &hi);
    pb_plot_put_gp_var(vars, "yunit", pb_plot_unit(hi, &scale));
    fprintf(vars, "yscale = %.17g\n", scale);
    put_rho_var(vars, "rho_time", pb_res_get(f, PB_F_TIME_CORRELATION));
    put_rho_var(vars, "rho_memory", pb_res_get(f, PB_F_MEMORY_CORRELATION));
    fprintf(vars, "disagreements = %d\n", cJSON_GetArraySize(pb_res_get(f, PB_F_DISAGREEMENTS)));
    double share = pb_plot_finite_num(pb_res_get(f, PB_F_ALLOCATION_SHARE), PB_F_SHARE);
    char text[160] = "allocation share of runtime: n/a";
    if (!isnan(share))
        snprintf(text, sizeof text, "allocation share of runtime: %.1f %%", share * 100);
    pb_plot_put_gp_var(vars, "share_note", text);
}

int pb_plot_write_fidelity(const struct pb_results_file *file, FILE *tsv, FILE *vars,
                           struct pb_plot_notes *notes)
{
    const cJSON *f = pb_res_get(file->doc, PB_F_FIDELITY), *rows = pb_res_get(f, PB_F_ROWS), *row;
    if (!cJSON_IsArray(rows))
        return 0;
    double lo, hi, edge[2];
    row_range(rows, PB_F_REPLAY_NET_NS_PER_OP, &lo, &hi);
    edge[0] = left_edge(lo, hi);
    row_range(rows, PB_F_REPLAY_PEAK_RESIDENT_BYTES, &lo, &hi);
    edge[1] = left_edge(lo, hi);
    fprintf(tsv, "# poolbench fidelity chart: per allocator, the replay's figure (x) against "
                 "the whole program's (y); gap 1: no replay figure, drawn at the left edge\n"
                 "# time_label\tmemory_label\tnet_ns_per_op\twall_s\twall_low_s\twall_high_s\t"
                 "time_gap\treplay_peak_resident_bytes\trss_bytes\trss_low_bytes\t"
                 "rss_high_bytes\tmemory_gap\tcolour\n");
    int n = 0;
    cJSON_ArrayForEach(row, rows)
    {
        fidelity_row(tsv, row, file->runs, edge);
        n++;
    }
    if (n == 0)
        pb_plot_note(notes, "fidelity: no allocator was measured both by the replay and as "
                            "a whole program: no fidelity chart");
    fidelity_vars(vars, file, f, n);
    return pb_plot_finish(tsv, vars, n);
}
