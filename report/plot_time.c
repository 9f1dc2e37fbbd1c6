/*
 * plot_time.c -- the throughput chart's data: time per operation per
 * backend and workload, warm, cold and net of the harness (plot_export.h).
 */
#include "plot_write.h"
#include "results_fields.h"
#include "pb_stats.h"
#include "pb_text.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int is_true(const cJSON *obj, const char *key)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, key));
}

static const struct pb_plot_fig no_fig = {NAN, NAN, NAN, NAN, 0};

/* How the net bar reads (the TSV's net state column). */
enum net_state {
    NET_SHOWN = 0,          /* a bar of net_ns_per_op */
    NET_WITHIN_NOISE = 1,   /* drawn as 0, labelled "~0" */
    NET_BELOW_BASELINE = 2, /* not drawn, labelled "<0" */
    NET_BASELINE = 3,       /* the null backend itself: 0 by definition */
};

/* The net figure of an ok run's time t, never below 0: within noise it is 0,
 * below the baseline (the flag, or a negative net_ns_per_op of an older
 * file) none; *state says which (NaN: no figure, the null run failed). */
static struct pb_plot_fig net_fig_of(const cJSON *run, const cJSON *t, double *state)
{
    const cJSON *net = pb_res_get(t, PB_F_NET);
    const cJSON *backend = pb_res_get(run, PB_F_BACKEND);
    double v = pb_plot_finite_num(t, PB_F_NET_NS_PER_OP);
    struct pb_plot_fig f = no_fig;
    *state = NAN;
    if (cJSON_IsString(backend) && strcmp(backend->valuestring, "null") == 0 && v == 0) {
        *state = NET_BASELINE;
        f.mid = f.noisy = 0;
    } else if (is_true(net, PB_F_WITHIN_NOISE)) {
        *state = NET_WITHIN_NOISE;
        f = pb_plot_fig_of(net, 0);
        f.noisy = 0; /* "~0" says it */
    } else if (is_true(net, PB_F_BELOW_BASELINE) || v < 0) {
        *state = NET_BELOW_BASELINE;
    } else if (!isnan(v)) {
        *state = NET_SHOWN;
        f = pb_plot_fig_of(net, v);
    }
    return f;
}

/* What the axes and footnotes of the time chart need of its figures. */
struct time_seen {
    double lo, hi;         /* smallest above 0 and largest, bars and whiskers */
    double warm_hi;        /* largest warm bar or whisker (a first pass) */
    double top;            /* the linear axis: the figures drawn whole */
    int cut;               /* cold bars past PB_PLOT_COLD_SPAN * warm_hi, cut at the top */
    double net_lo, net_hi; /* smallest above 0 and largest net bar or whisker */
    size_t n_min, n_max;   /* samples (rounds) per warm figure */
    int rounds, replays;   /* figures whose run has rounds; of older files (timed replays) */
    int with_ci, without_ci; /* warm figures with whiskers from an interval, or min..max */
    int cold;              /* cold figures drawn */
    int net_whiskers;      /* net figures with whiskers (files with rounds) */
};

static void see_fig(struct time_seen *seen, const struct pb_plot_fig *f)
{
    pb_plot_widen(f->mid, &seen->lo, &seen->hi);
    pb_plot_widen(f->lo, &seen->lo, &seen->hi);
    pb_plot_widen(f->hi, &seen->lo, &seen->hi);
}

static void put_fig(FILE *tsv, const struct pb_plot_fig *f)
{
    pb_plot_put_num(tsv, f->mid);
    pb_plot_put_num(tsv, f->lo);
    pb_plot_put_num(tsv, f->hi);
    pb_plot_put_num(tsv, f->noisy);
}

/* The gap cell: why series s has no bar on workload, "" when it has one:
 * the status of a run that is not ok ("refused", "failed", as the file
 * says, in shown form), "not run" (the file has no such run) or "no figure"
 * (an ok run without a median); a run not ok is noted with its error. */
static void put_gap(FILE *tsv, const cJSON *run, const struct pb_plot_series *s,
                    const char *workload, int drawn, struct pb_plot_notes *notes)
{
    char status[PB_PLOT_LABEL_LEN] = "";
    if (!run) {
        snprintf(status, sizeof status, "not run");
    } else if (!pb_run_ok(run)) {
        pb_plot_run_status(run, status, sizeof status);
        pb_plot_note(notes, "%s on %s %s (a labelled gap in the charts): %s", s->label,
                     workload, status, pb_plot_run_error(run));
    } else if (!drawn) {
        snprintf(status, sizeof status, "no figure");
    }
    fputc('\t', tsv);
    pb_plot_put_key(tsv, status);
}

/* What the footnotes say about the warm figures of an ok run. */
static void see_warm(struct time_seen *seen, const cJSON *t, const cJSON *warm_d,
                     const struct pb_plot_fig *warm)
{
    size_t n = (size_t)cJSON_GetArraySize(pb_res_get(warm_d, PB_F_SAMPLES));
    seen->n_min = n < seen->n_min ? n : seen->n_min;
    seen->n_max = n > seen->n_max ? n : seen->n_max;
    int rounds = cJSON_IsNumber(pb_res_get(t, PB_F_ROUNDS));
    seen->rounds += rounds;
    seen->replays += !rounds;
    seen->with_ci += warm->has_ci;
    seen->without_ci += !warm->has_ci;
}

/* What the axes need of a run's warm, cold and net figures. */
static void see_figs(struct time_seen *seen, const struct pb_plot_fig *warm,
                     const struct pb_plot_fig *cold, const struct pb_plot_fig *net)
{
    see_fig(seen, warm);
    see_fig(seen, cold);
    seen->top = fmax(seen->top, fmax(warm->mid, warm->hi)); /* fmax skips a NaN */
    if (cold->mid > PB_PLOT_COLD_SPAN * seen->warm_hi)
        seen->cut = 1;
    else
        seen->top = fmax(seen->top, fmax(cold->mid, cold->hi));
    double unused = 0;
    pb_plot_widen(net->mid, &seen->net_lo, &seen->net_hi);
    pb_plot_widen(net->hi, &seen->net_lo, &seen->net_hi);
    pb_plot_widen(net->lo, &seen->net_lo, &unused);
    seen->cold |= !isnan(cold->mid);
    seen->net_whiskers |= !isnan(net->hi);
}

/* The figures of a series on a workload, as the chart draws them. */
struct pb_plot_figs {
    const cJSON *run, *t, *warm_d; /* the run (NULL: none), its time when ok, ns_per_op */
    struct pb_plot_fig warm, cold, net;
    double state;                  /* the net state (NaN: no net figure) */
    int negative;                  /* the file has a negative median, not drawn */
};

static struct pb_plot_figs figs_of(const struct pb_results_set *set,
                                const struct pb_plot_series *s, const char *workload)
{
    struct pb_plot_figs f = {.state = NAN};
    f.run = pb_plot_find_run(set, s, workload);
    f.t = f.run && pb_run_ok(f.run) ? pb_res_get(f.run, PB_F_TIME) : NULL;
    f.warm_d = pb_res_get(f.t, PB_F_NS_PER_OP);
    const cJSON *cold_d = pb_res_get(f.t, PB_F_COLD_NS_PER_OP);
    double mid = pb_plot_finite_num(f.warm_d, PB_F_MEDIAN);
    double cold_mid = pb_plot_finite_num(cold_d, PB_F_MEDIAN);
    f.negative = mid < 0 || cold_mid < 0;
    f.warm = pb_plot_fig_of(f.warm_d, mid < 0 ? NAN : mid);
    f.cold = pb_plot_fig_of(cold_d, cold_mid < 0 ? NAN : cold_mid);
    f.net = f.t ? net_fig_of(f.run, f.t, &f.state) : no_fig;
    return f;
}

/* The 14 cells of series s on workload (the gap label; warm, cold, net:
 * bar, whiskers, noisy; the net state). Returns 1 when it has a warm
 * figure. */
static int throughput_cells(FILE *tsv, const struct pb_results_set *set,
                            const struct pb_plot_series *s, const char *workload,
                            struct time_seen *seen, struct pb_plot_notes *notes)
{
    struct pb_plot_figs f = figs_of(set, s, workload);
    if (f.negative)
        pb_plot_note(notes, "%s on %s: a negative ns/op in the file, not drawn", s->label,
                     workload);
    if (f.state == NET_BELOW_BASELINE)
        pb_plot_note(notes, "%s on %s: net ns/op below the harness's own cost (null's), "
                            "not drawn", s->label, workload);
    put_gap(tsv, f.run, s, workload, !isnan(f.warm.mid), notes);
    put_fig(tsv, &f.warm);
    put_fig(tsv, &f.cold);
    put_fig(tsv, &f.net);
    pb_plot_put_num(tsv, f.state);
    if (isnan(f.warm.mid))
        return 0;
    see_figs(seen, &f.warm, &f.cold, &f.net);
    see_warm(seen, f.t, f.warm_d, &f.warm);
    return 1;
}

int pb_plot_time_axis(const struct pb_results_set *set, const struct pb_plot_index *ix,
                      char *note, size_t len)
{
    double lo = 0, hi = 0; /* the bars: warm, cold and net medians above 0 */
    for (size_t w = 0; w < ix->n_workloads; w++)
        for (size_t s = 0; s < ix->n_series; s++) {
            struct pb_plot_figs f = figs_of(set, &ix->series[s], ix->workloads[w]);
            if (isnan(f.warm.mid))
                continue;
            pb_plot_widen(f.warm.mid, &lo, &hi);
            pb_plot_widen(f.cold.mid, &lo, &hi);
            pb_plot_widen(f.net.mid, &lo, &hi);
        }
    double span = lo > 0 ? hi / lo : 1;
    int log = span > PB_PLOT_TIME_LOG_SPAN;
    char ratio[32];
    snprintf(note, len, "%s axis: the bars span %s (%s %dx)", log ? "log" : "linear",
             pb_plot_ratio(span, ratio, sizeof ratio), log ? "over" : "at most",
             PB_PLOT_TIME_LOG_SPAN);
    return log;
}

/* The largest warm bar or whisker of the chart: cold bars beyond
 * PB_PLOT_COLD_SPAN times it are cut on a linear axis, so that one slow first
 * replay does not flatten every warm bar. */
static double warm_top(const struct pb_results_set *set, const struct pb_plot_index *ix)
{
    double hi = 0;
    for (size_t w = 0; w < ix->n_workloads; w++) {
        for (size_t s = 0; s < ix->n_series; s++) {
            const cJSON *run = pb_plot_find_run(set, &ix->series[s], ix->workloads[w]);
            if (!run || !pb_run_ok(run))
                continue;
            const cJSON *d = pb_res_at(run, PB_RP_TIME_NS_PER_OP);
            double mid = pb_plot_finite_num(d, PB_F_MEDIAN);
            struct pb_plot_fig f = pb_plot_fig_of(d, mid < 0 ? NAN : mid);
            hi = fmax(hi, fmax(f.mid, f.hi));
        }
    }
    return hi;
}

/* The footnotes, one line per panel (note_time, note_net): what bars,
 * whiskers, marks and gaps are. */
static void put_time_notes(FILE *vars, const struct time_seen *seen)
{
    char count[64], line[PB_PLOT_NOTE_LEN];
    if (seen->n_min == seen->n_max)
        snprintf(count, sizeof count, "%zu", seen->n_max);
    else
        snprintf(count, sizeof count, "%zu-%zu", seen->n_min, seen->n_max);
    const char *whiskers = !seen->without_ci ? "95 % interval (min-max below 6 rounds)"
                           : !seen->with_ci  ? "min-max (the file has no interval)"
                                             : "95 % interval (min-max below 6 rounds or "
                                               "without one)";
    const char *over = !seen->replays  ? "rounds"
                       : !seen->rounds ? "timed replays"
                                       : "rounds (or timed replays, in files without rounds)";
    snprintf(line, sizeof line, "bars: median over %s %s, whiskers: %s; ~: noisy (interval "
             "wider than %.0f %% of the median)", count, over, whiskers, PB_NOISY_REL * 100);
    pb_plot_put_gp_var(vars, "note_time", line);
    snprintf(line, sizeof line, "net: minus null%s; ~0: within noise (drawn as 0); <0: below "
             "harness cost (not drawn)", seen->net_whiskers ? ", whiskers: the interval of the "
             "round-by-round differences, from 0" : "");
    pb_plot_put_gp_var(vars, "note_net", line);
}

/* The time chart's variables: axis ranges, has_cold, the axis (auto_log: a
 * log axis on both panels when the bars span more than PB_PLOT_TIME_LOG_SPAN,
 * axis_note says which and why) and the footnotes. The linear axis ends at
 * time_top, the figures drawn whole; cold bars past it (cold_cut) are cut
 * there, their median written on them. */
static void put_time_vars(FILE *vars, const struct time_seen *seen,
                          const struct pb_results_set *set, const struct pb_plot_index *ix)
{
    char line[PB_PLOT_NOTE_LEN];
    put_time_notes(vars, seen);
    fprintf(vars, "auto_log = %d\n", pb_plot_time_axis(set, ix, line, sizeof line));
    pb_plot_put_gp_var(vars, "axis_note", line);
    fprintf(vars, "has_cold = %d\n", seen->cold);
    fprintf(vars, "time_lo = %.9g\ntime_hi = %.9g\n", seen->lo > 0 ? seen->lo : 1,
            seen->hi > 0 ? seen->hi : 1);
    fprintf(vars, "time_top = %.9g\ncold_cut = %d\n", seen->top > 0 ? seen->top : 1, seen->cut);
    fprintf(vars, "net_lo = %.9g\nnet_hi = %.9g\n", seen->net_lo, seen->net_hi);
}

int pb_plot_write_throughput(const struct pb_results_set *set, const struct pb_plot_index *ix,
                             FILE *tsv, FILE *vars, struct pb_plot_notes *notes)
{
    struct time_seen seen = {.n_min = SIZE_MAX, .warm_hi = warm_top(set, ix)};
    int drawn = 0; /* warm figures: with none, there is nothing to chart */
    fprintf(tsv, "# ns per op, per backend: gap (why there is no bar: the status of a run "
                 "that is not ok, not run, no figure; empty when there is one), warm (the "
                 "median over rounds, whiskers low and high: its interval, or min-max without "
                 "one; noisy 1/0), cold (the first replay, the same), net (minus null's, never "
                 "below 0; state 0 drawn, 1 within noise: 0, 2 below the harness's cost: not "
                 "drawn, 3 the null baseline); NaN: no figure\n# workload");
    for (size_t s = 0; s < ix->n_series; s++)
        fprintf(tsv, "\t%s gap\tmedian\tlow\thigh\tnoisy\tcold median\tlow\thigh\tnoisy"
                     "\tnet\tlow\thigh\tnoisy\tnet state", ix->series[s].label);
    fputc('\n', tsv);
    for (size_t w = 0; w < ix->n_workloads; w++) {
        pb_plot_put_key(tsv, ix->workloads[w]);
        for (size_t s = 0; s < ix->n_series; s++)
            drawn += throughput_cells(tsv, set, &ix->series[s], ix->workloads[w], &seen, notes);
        fputc('\n', tsv);
    }
    if (!drawn)
        seen.n_min = 0;
    pb_plot_put_common_vars(vars, ix, NULL, NULL, ix->n_series);
    fprintf(vars, "NW = %zu\n", ix->n_workloads);
    put_time_vars(vars, &seen, set, ix);
    return pb_plot_finish(tsv, vars, drawn ? (int)ix->n_workloads : 0);
}
