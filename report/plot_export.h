/*
 * plot_export.h -- turns results files into the TSV data files (and small
 * gnuplot variable files) that the scripts in plots/ draw. One series is one
 * backend of one results file; several files overlay, labelled by file.
 *
 * Every NAME.tsv comes with NAME.vars: gnuplot assignments (machine, workload,
 * NS, array series[NS], array palette, unit, scale) that the script loads.
 * Missing figures (null, impossible, or a run that is not ok) are written as
 * NaN, which gnuplot leaves out, and their place gets a label saying why (a
 * label column of the TSV: the run's status, "null: REASON", ...), so no
 * chart shows a blank where a figure should be. Label columns come before
 * the numbers: gnuplot misreads an empty field that ends a line.
 *
 * Strings of the results stay data: in NAME.vars they are single-quoted
 * gnuplot strings (no backquote or macro expansion), in the TSVs literal
 * fields, with control characters and invalid UTF-8 as \xHH text (pb_text.h).
 */
#ifndef PB_PLOT_EXPORT_H
#define PB_PLOT_EXPORT_H

#include <stdio.h>

#include "results_read.h"

#define PB_PLOT_MAX_NOTES 64
#define PB_PLOT_NOTE_LEN 400
#define PB_PLOT_LOG_SPAN 64 /* byte charts switch to a log axis beyond this max/min */
#define PB_PLOT_COLD_SPAN 2 /* cold bars beyond this times the warm ones are cut (linear axis) */
#define PB_PLOT_TIME_LOG_SPAN 20 /* the time chart defaults to a log axis beyond this max/min */
#define PB_PLOT_LABEL_LEN 64 /* a label drawn on a chart (a gap's reason), cut to fit */
#define PB_PLOT_TICK_LEN 16 /* an axis tick label */
#define PB_PLOT_COLOURS 12  /* backend colours before they repeat (array palette of the .vars) */

/* The throughput chart's axis (both panels): chosen by its data (a log
 * axis beyond PB_PLOT_TIME_LOG_SPAN), or asked for (--log, --linear). */
enum pb_plot_axis { PB_PLOT_AXIS_AUTO = 0, PB_PLOT_AXIS_LOG = 1, PB_PLOT_AXIS_LINEAR = 2 };

/* What the export left out and why (failed runs, unmeasured figures). */
struct pb_plot_notes {
    size_t n;        /* notes kept */
    size_t dropped;  /* notes beyond PB_PLOT_MAX_NOTES */
    char text[PB_PLOT_MAX_NOTES][PB_PLOT_NOTE_LEN];
};

/* One series: one backend (as labelled in its file) of one results file. */
struct pb_plot_series {
    size_t file;                   /* index in the results set */
    size_t colour;                 /* index of its backend among all backends: its colour */
    char backend[PB_LABEL_MAX];    /* backend_spec or backend name */
    char label[PB_LABEL_MAX];      /* legend text: "pool", or "pool (base.json)" */
};

/* The series and workloads of a results set: workloads in order of first
 * appearance; series grouped by backend (in order of first appearance), then
 * by file, so one backend's runs from several files sit side by side. */
struct pb_plot_index {
    struct pb_plot_series *series;
    size_t n_series;
    const char **workloads;        /* names, pointing into the documents */
    size_t n_workloads;
    char machine[1024];            /* the machine(s), for titles */
};

/* One chart to draw: script plots/SCRIPT.gp on NAME.tsv into NAME.png. */
struct pb_plot_chart {
    char script[32];               /* "throughput", "memory", ... */
    char name[160];                /* file base name, e.g. "memory-churn" */
    char question[256];            /* what it answers: "Which backend is fastest ...?" */
    char caption[512];             /* what it shows, for the index page */
    char axis[PB_PLOT_NOTE_LEN];   /* throughput: its data's axis (pb_plot_time_axis) */
};

/* The charts an export produced. */
struct pb_plot_charts {
    struct pb_plot_chart *v;
    size_t n, cap;
};

/* Record a note (printf format); beyond the capacity only counted. */
void pb_plot_note(struct pb_plot_notes *notes, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Build the index of set. 0 ok; -1 (out of memory, or no runs) with err. */
int pb_plot_index_build(const struct pb_results_set *set, struct pb_plot_index *ix, char *err,
                        size_t errlen);

/* Release an index. */
void pb_plot_index_free(struct pb_plot_index *ix);

/* The run of series s on workload, or NULL when that file has none. */
const cJSON *pb_plot_find_run(const struct pb_results_set *set, const struct pb_plot_series *s,
                              const char *workload);

/* A binary unit for byte values up to max: "B", "KiB", "MiB" or "GiB", with
 * its size in *scale. */
const char *pb_plot_unit(double max, double *scale);

/* A file-name-safe form of a workload name ("mixed:max=64" -> "mixed_max_64"):
 * only [A-Za-z0-9._-], so no '/' ever; "_" for an empty name. */
void pb_plot_safe_name(const char *name, char *out, size_t len);

/* Each writer below writes one chart's TSV to tsv and its variables to vars
 * and returns the number of data rows written (0: nothing to draw), or -1
 * when writing failed. */

/* throughput: per workload and series, the gap label (why there is no bar:
 * a run's status, "not run", "no figure"), the warm ns per op (median,
 * whiskers from its interval or min..max, noisy flag), the cold one alike,
 * and the net one, never below 0 (0 within noise, not drawn below the
 * harness's cost), with its state: see the TSV's header and plots/README.md.
 * The .vars carry the axis its data choose (pb_plot_time_axis). */
int pb_plot_write_throughput(const struct pb_results_set *set, const struct pb_plot_index *ix,
                             FILE *tsv, FILE *vars, struct pb_plot_notes *notes);

/* The throughput chart's axis when its data choose: 1 (log, both panels)
 * when its bars (warm, cold and net medians above 0) span more than
 * PB_PLOT_TIME_LOG_SPAN, else 0 (linear); note says which and why ("log
 * axis: the bars span 424x (over 20x)"). */
int pb_plot_time_axis(const struct pb_results_set *set, const struct pb_plot_index *ix,
                      char *note, size_t len);

/* memory: per series that ran the workload with memory figures (or did not
 * finish it: a row of gaps with its status), the labels of its five bars
 * (value, "null: REASON", "impossible: negative"), then peak live, granted,
 * footprint, resident and wasted page bytes on one workload; the unit and
 * axis kind of every workload's chart alike. Notes each null figure once
 * for all workloads, and a series without memory figures once. */
int pb_plot_write_memory(const struct pb_results_set *set, const struct pb_plot_index *ix,
                         const char *workload, FILE *tsv, FILE *vars,
                         struct pb_plot_notes *notes);

/* timeline: one block per series (event, live, granted, footprint, resident,
 * occupied bytes) on one workload; the .vars carry the axis of every
 * workload's timeline, the floor where a 0 is drawn on a log axis and the
 * event ticks. */
int pb_plot_write_timeline(const struct pb_results_set *set, const struct pb_plot_index *ix,
                           const char *workload, FILE *tsv, FILE *vars,
                           struct pb_plot_notes *notes);

/* The ticks of an event axis from 0 to max, at most cap: a round step (1,
 * 2, 2.5 or 5 times a power of 10, about a sixth of max), each labelled
 * exactly ("0", "500k", "1.25M"), so no two labels read alike. Their
 * count; positions in at[], labels in label[]. */
size_t pb_plot_event_ticks(double max, double *at, char (*label)[PB_PLOT_TICK_LEN], size_t cap);

/* fragmentation: per workload and series, the labels of its two bars (why
 * one is missing: "n/a: null backend holds no memory", a run's status, "not
 * run", "figure null: REASON"), internal fragmentation (%) and
 * Johnstone-Wilson fragmentation (footprint / peak live - 1, %). */
int pb_plot_write_fragmentation(const struct pb_results_set *set,
                                const struct pb_plot_index *ix, FILE *tsv, FILE *vars,
                                struct pb_plot_notes *notes);

/* latency: one block per series with latency (fraction, ns, below, for
 * allocs and frees): a quantile below the run's timer resolution is given as
 * the resolution with below = 1, never as a measured figure; the .vars carry
 * the resolutions, the shares below them and the medians' legend texts. */
int pb_plot_write_latency(const struct pb_results_set *set, const struct pb_plot_index *ix,
                          const char *workload, FILE *tsv, FILE *vars,
                          struct pb_plot_notes *notes);

/* bench: per run of a bench document (file->bench), in its order: the
 * allocator, the labels of its two bars (the value, ~ when noisy; "failed";
 * "no figure"), median wall seconds with its whiskers, median peak RSS bytes
 * with its whiskers, failed (1/0) and its colour; the .vars carry the
 * program, its command, the machine, the units (s or ms; B to GiB) and
 * which whiskers are drawn. A failed run is a row of NaN figures: its place
 * on the axis stays, labelled. */
int pb_plot_write_bench(const struct pb_results_file *file, FILE *tsv, FILE *vars,
                        struct pb_plot_notes *notes);

/* fidelity: per row of the bench document's fidelity object, two points:
 * replay net ns/op against the program's median wall seconds (with the
 * program's interval) and replay peak resident bytes against its peak RSS;
 * a missing replay figure puts the point at the panel's left edge with a
 * gap flag and a label saying so. The .vars carry the rank correlations,
 * the disagreements' count and the allocation share. 0 rows: no fidelity. */
int pb_plot_write_fidelity(const struct pb_results_file *file, FILE *tsv, FILE *vars,
                           struct pb_plot_notes *notes);

/* The charts of a bench document (file->bench) into dir: bench, and
 * fidelity when the document has one; listed in out. 0 ok; -1 with err. */
int pb_plot_export_bench(const struct pb_results_file *file, const char *dir,
                         struct pb_plot_charts *out, struct pb_plot_notes *notes, char *err,
                         size_t errlen);

/* Write every chart's TSV and vars into dir (each through a temporary file
 * and a rename) and list the charts to draw in out. 0 ok; -1 with err. */
int pb_plot_export(const struct pb_results_set *set, const char *dir,
                   struct pb_plot_charts *out, struct pb_plot_notes *notes, char *err,
                   size_t errlen);

/* DIR/README.md, the index of charts (exported by pb_plot_export and drawn
 * as NAME.FORMAT): the files, the notes (each once), then per chart the
 * question it answers, its caption and its image; axis (enum pb_plot_axis)
 * says how the throughput chart was drawn. Written whole or not at all.
 * 0 ok; -1 with err. */
int pb_plot_write_index(const char *dir, const struct pb_results_set *set,
                        const struct pb_plot_charts *charts, const struct pb_plot_notes *notes,
                        const char *format, int axis, char *err, size_t errlen);

/* Release a chart list. */
void pb_plot_charts_free(struct pb_plot_charts *c);

#endif /* PB_PLOT_EXPORT_H */
