/*
 * plot_write.h -- what the chart writers (plot_export.c, plot_time.c,
 * plot_memory.c, plot_latency.c) share: writing TSV cells and gnuplot
 * variables so that strings of the results stay data, and reading figures.
 * Internal to report/: the public interface is plot_export.h.
 */
#ifndef PB_PLOT_WRITE_H
#define PB_PLOT_WRITE_H

#include <stdio.h>

#include "plot_export.h"
#include "results_fields.h"

/* A TSV cell: a tab, then v (%.9g), or NaN when v is not finite. */
void pb_plot_put_num(FILE *f, double v);

/* A string of a results file as a TSV field (a header line, the first
 * column, or a label column): control characters and invalid UTF-8 as \xHH
 * text, and gnuplot's special characters in a data field made literal. */
void pb_plot_put_key(FILE *f, const char *raw);

/* A gnuplot string expression for s that no gnuplot expansion touches. */
void pb_plot_put_gp_string(FILE *f, const char *s);

/* The line name = 'value' of a .vars file (value as pb_plot_put_gp_string). */
void pb_plot_put_gp_var(FILE *f, const char *name, const char *value);

/* The variables every chart has: machine, workload, NS and the arrays
 * series, lt, colour and fileno of the series ix->series[pick[i]] (pick
 * NULL: all of them). */
void pb_plot_put_common_vars(FILE *vars, const struct pb_plot_index *ix, const char *workload,
                             const size_t *pick, size_t n);

/* array palette[...] of a .vars file: the PB_PLOT_COLOURS colours of the
 * series, for the scripts' linetypes 1..PB_PLOT_COLOURS. */
void pb_plot_put_palette(FILE *vars);

/* One figure drawn as a bar: its median (mid), whiskers (lo, hi; NaN: none)
 * and noisy mark (1 or 0; NaN without a figure); has_ci: the whiskers are
 * the file's confidence interval, not min..max. */
struct pb_plot_fig {
    double mid, lo, hi, noisy;
    int has_ci;
};

/* The figure mid of the distribution object dist: whiskers from its
 * interval ci_low..ci_high, or min..max when it has none, cut at 0 (no time
 * or size is negative), none when it has neither or its low end is above its
 * high one; noisy its flag, or without one the flag's rule on the whiskers
 * (wider than PB_NOISY_REL of the median). All NaN when mid is NaN. */
struct pb_plot_fig pb_plot_fig_of(const cJSON *dist, double mid);

/* A ratio as the charts write a span: "1.7x", "40x", "6270x". Returns buf. */
const char *pb_plot_ratio(double r, char *buf, size_t len);

/* The axis of a byte chart, one policy for the charts of every workload:
 * unit and scale (for a linear axis) from the largest of all workloads'
 * figures, all_hi, and logy = 1 when all of them, from all_lo (smallest above
 * 0), span more than PB_PLOT_LOG_SPAN (a linear axis would flatten the small
 * ones); ymin, ymax the chart's own range (lo above 0, hi); scale_note says
 * which axis and why, for charts ("every memory chart"). */
void pb_plot_put_scale_vars(FILE *vars, double all_lo, double all_hi, double lo, double hi,
                            const char *charts);

/* The reason the notes of run give for its figure key (or alias, when the
 * reason starts "not " or "cannot ") being null, short (up to its next ": ",
 * " (" or "; "), in shown form, into buf: "not reported". Returns the whole
 * note, or NULL when none names the figure (buf: "no reason in the file"). */
const char *pb_plot_null_reason(const cJSON *run, const char *key, const char *alias,
                                char *buf, size_t len);

/* The series of ix whose run of workload is ok with memory figures, into
 * pick (n_series long); their count. */
size_t pb_plot_memory_series(const struct pb_results_set *set, const struct pb_plot_index *ix,
                             const char *workload, size_t *pick);

/* Widen lo (smallest above 0) and hi (largest) by v; NaN leaves them. */
void pb_plot_widen(double v, double *lo, double *hi);

/* rows, or -1 when writing tsv or vars failed. */
int pb_plot_finish(FILE *tsv, FILE *vars, int rows);

/* The run's first note, or fallback. */
const char *pb_plot_first_note(const cJSON *run, const char *fallback);

/* The run's error string, or "no reason given". */
const char *pb_plot_run_error(const cJSON *run);

/* The status of a run (not "ok") in shown form, cut to fit: what its gap
 * says in a chart. Returns buf. */
const char *pb_plot_run_status(const cJSON *run, char *buf, size_t len);

/* Whether a run has any of the byte figures charted from memory. */
int pb_plot_has_memory(const cJSON *run);

/* The number at dotted under obj: NaN when missing, null or not finite. */
double pb_plot_finite_num(const cJSON *obj, const char *dotted);

/* The same at a path of results_fields.h. */
double pb_plot_finite_at(const cJSON *obj, enum pb_res_path p);

#endif /* PB_PLOT_WRITE_H */
