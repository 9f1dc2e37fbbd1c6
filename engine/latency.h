/*
 * latency.h -- the --latency pass: single alloc and free calls timed with the
 * cycle counter (rdtscp on x86-64, CLOCK_MONOTONIC elsewhere), calibrated
 * against CLOCK_MONOTONIC, with the timer's own cost subtracted. A separate
 * replay, so the timed whole replays never carry the timer.
 */
#ifndef PB_LATENCY_H
#define PB_LATENCY_H

#include <stddef.h>
#include <stdint.h>

#include "pb_backend.h"
#include "pb_workload.h"
#include "replay.h"

#define PB_LATENCY_MAX_SAMPLES 200000 /* per op kind; every Kth event is sampled */
#define PB_CDF_POINTS 200             /* quantiles kept for a CDF chart */

/* Distribution of one kind of call, in nanoseconds. */
struct pb_latency_stats {
    uint64_t count;                /* calls timed */
    double p50, p99, p999, max;
    double cdf[PB_CDF_POINTS];     /* cdf[i] = quantile (i + 1) / n_cdf */
    size_t n_cdf;
};

struct pb_latency {
    const char *timer;             /* "rdtscp" or "clock_gettime" */
    double ns_per_tick;            /* calibration */
    double overhead_ns;            /* the timer's own cost, subtracted from each sample */
    double resolution_ns;          /* smallest step between two reads (0: never moved) */
    size_t every;                  /* K: every Kth event is a candidate */
    struct pb_latency_stats alloc, free;
};

/* Time every Kth alloc/free of w against (ops, self), leaving it empty.
 * 0 ok; -1 on a refusal at *fail_event (SIZE_MAX: out of memory). */
int pb_latency_run(const struct pb_backend_ops *ops, void *self, const struct pb_workload *w,
                   enum pb_touch touch, struct pb_latency *out, size_t *fail_event);

/* Percentiles and CDF of n samples (sorted in place) into out. */
void pb_latency_summarize(double *ns, size_t n, struct pb_latency_stats *out);

#endif /* PB_LATENCY_H */
