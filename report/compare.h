/*
 * compare.h -- comparing two results files run by run: the Mann-Whitney U
 * test on the timing samples, thresholds on the memory figures.
 */
#ifndef PB_COMPARE_H
#define PB_COMPARE_H

#include <stddef.h>

#include "results_read.h"

#define PB_MW_ALPHA 0.05           /* significance level of the two-sided test */
#define PB_MW_NORMAL_MIN 8         /* both sides at least this: normal approximation */
#define PB_MW_EXACT_MIN 4          /* both at least this (and few enough): exact test */
#define PB_MW_EXACT_MAX_SUBSETS 1000000.0 /* the exact test enumerates this many at most */

/* How a Mann-Whitney p-value was found. */
enum pb_mw_method {
    PB_MW_NORMAL, /* normal approximation, tie and continuity corrected */
    PB_MW_EXACT,  /* every split of the pooled samples enumerated (ties allowed) */
    PB_MW_RANGES, /* too few samples for a p below alpha: min-max ranges compared */
};

/* The outcome of a two-sided Mann-Whitney U test of a against b. */
struct pb_mw_result {
    double u;              /* U of a: pairs with a_i > b_j, ties counting one half */
    double z;              /* standardised U (normal method; 0 otherwise) */
    double p;              /* two-sided p-value; NaN for PB_MW_RANGES */
    enum pb_mw_method method;
    int separated;         /* the min-max ranges of a and b do not overlap */
    int significant;       /* p < PB_MW_ALPHA, or separated for PB_MW_RANGES */
};

/* Test whether a and b come from the same distribution. 0 ok; -1 when a side
 * is empty or memory runs out. */
int pb_mann_whitney(const double *a, size_t na, const double *b, size_t nb,
                    struct pb_mw_result *out);

/* One compared figure of one (backend, workload) pair. */
struct pb_compare_row {
    char backend[PB_LABEL_MAX];    /* as labelled in the base file */
    char workload[PB_LABEL_MAX];
    char figure[48];               /* "ns/op", "peak_resident_bytes", "status", ... */
    int is_bytes;                  /* the figure is a byte count (else ns or a ratio) */
    double base, new_value;        /* NaN when not measured */
    char test[64];                 /* how the change was judged, e.g. "U=0 p=0.0002" */
    char verdict[48];              /* "REGRESSION", "faster", "no significant change", ... */
    int regressed;
};

/* Every row of a comparison. */
struct pb_compare_report {
    struct pb_compare_row *rows;
    size_t n, cap;
    size_t pairs;                  /* (backend, workload) pairs present in both files */
    size_t regressions;            /* rows with regressed set */
    size_t only_base, only_new;    /* runs present in just one file */
};

/* Compare every (backend with its config, workload) pair in both files:
 * time (Mann-Whitney on ns_per_op samples; a regression is significantly
 * slower by more than threshold_pct) and each memory figure (a regression is
 * larger by more than threshold_pct and at least one page; internal
 * fragmentation by more than threshold_pct percentage points; Johnstone-Wilson
 * fragmentation f when 1 + f grows by more than threshold_pct). 0 ok; -1 with err when the schemas
 * differ or no pair is in both files. */
int pb_compare(const struct pb_results_file *base, const struct pb_results_file *new_file,
               double threshold_pct, struct pb_compare_report *out, char *err, size_t errlen);

/* Release a report. */
void pb_compare_report_free(struct pb_compare_report *r);

#endif /* PB_COMPARE_H */
