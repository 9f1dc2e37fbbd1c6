/*
 * compare.h -- comparing two results files run by run: the two-sided
 * Mann-Whitney U test on the per-round timing samples (pb_stats.h) together
 * with a minimum effect, thresholds on the memory figures, and the settings
 * that differ between the two files.
 */
#ifndef PB_COMPARE_H
#define PB_COMPARE_H

#include <stddef.h>

#include "results_read.h"

#define PB_COMPARE_ALPHA 0.01      /* default significance level of the time test */
#define PB_COMPARE_THRESHOLD 5.0   /* default smallest change that counts, in percent */

/* How two files are compared. */
struct pb_compare_opts {
    double alpha;          /* significance level of the time test, 0 < alpha < 1 */
    double min_effect_pct; /* time: the medians must differ by more than this percent */
    double threshold_pct;  /* memory: the figure must differ by more than this percent */
};

/* One compared figure of one (backend, workload) pair. */
struct pb_compare_row {
    char backend[PB_LABEL_MAX];    /* as labelled in the base file */
    char workload[PB_LABEL_MAX];
    char figure[48];               /* "ns/op", "peak_resident_bytes", "status", ... */
    int is_bytes;                  /* the figure is a byte count (else ns or a ratio) */
    double base, new_value;        /* NaN when not measured */
    double p_value;                /* the time test's two-sided p; NaN when not tested */
    char test[96];                 /* how the change was judged, e.g. "p=0.0006 exact, 7+7 rounds" */
    char verdict[64];              /* "REGRESSION", "faster", "no significant change", ... */
    int compared;                  /* judged: not "too few rounds", not "in one file only" */
    int changed;                   /* judged changed, either way */
    int regressed;                 /* changed for the worse */
};

/* A setting that changes figures and differs between the two files. */
struct pb_compare_setting {
    char what[PB_LABEL_MAX + 64];  /* "config.touch", "backend_config of pool: return", ... */
    char base[PB_LABEL_MAX], new_value[PB_LABEL_MAX]; /* the values as text, cut to fit;
                                                     * "(not recorded)" when absent */
};

/* Every row of a comparison, and what the reader should know about it. */
struct pb_compare_report {
    struct pb_compare_row *rows;
    size_t n, cap;
    struct pb_compare_setting *settings;
    size_t n_settings, cap_settings;
    size_t pairs;                  /* (backend, workload) pairs present in both files */
    size_t compared;               /* rows with compared set */
    size_t changed;                /* rows with changed set */
    size_t regressions;            /* rows with regressed set */
    size_t only_base, only_new;    /* runs present in just one file */
    size_t base_replays, new_replays; /* ok runs whose time samples are replays in one
                                       * process (a file from before rounds), not rounds */
};

/* The default options: PB_COMPARE_ALPHA, PB_COMPARE_THRESHOLD for both. */
struct pb_compare_opts pb_compare_defaults(void);

/* Compare every (backend with its config, workload) pair in both files.
 * Time: pb_compare_samples on the ns_per_op samples (one per round), changed
 * when significant at alpha and the medians differ by more than
 * min_effect_pct; never changed when the sizes cannot reach p < alpha
 * (pb_mwu_min_p), the row then says "too few rounds". Memory: changed when
 * larger (smaller) by more than threshold_pct and by more than one page;
 * internal fragmentation by more than threshold_pct percentage points;
 * Johnstone-Wilson fragmentation f when 1 + f moves by more than threshold_pct.
 * The settings that differ are listed (pb_compare_settings). 0 ok; -1 with err
 * when the options are out of range, the schemas differ, no pair is in both
 * files or memory runs out. */
int pb_compare(const struct pb_results_file *base, const struct pb_results_file *new_file,
               const struct pb_compare_opts *opts, struct pb_compare_report *out, char *err,
               size_t errlen);

/* The run of other with the same backend identity (pb_run_backend_key) and
 * workload name as run, or NULL. */
const cJSON *pb_compare_match(const struct pb_results_file *other, const cJSON *run);

/* Add to out->settings every setting that changes figures and differs between
 * the files: config (rounds, repeat, warmup, touch, cpu, sample_every,
 * threads, cross_free), tool (build_type, git, compiler, cflags), machine
 * (cpu, cores, kernel, libc), the backend_config of a backend both files ran
 * on a workload without a matching run, and a paired workload's params or
 * sha256. 0 ok; -1 when memory runs out. */
int pb_compare_settings(const struct pb_results_file *base, const struct pb_results_file *new_file,
                        struct pb_compare_report *out);

/* Release a report. */
void pb_compare_report_free(struct pb_compare_report *r);

#endif /* PB_COMPARE_H */
