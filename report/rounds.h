/*
 * rounds.h -- one run's figures from its processes. `poolbench run` measures
 * each (backend, workload) in several fresh processes: one memory process and
 * one timed process per round. Rounds are the independent samples: a round's
 * figure is the median of that process's timed replays, and the run's figure
 * is the median over rounds with a confidence interval (pb_stats.h), the
 * cold (first) replays apart, and the kernel's account of each (faults,
 * context switches, system time) beside them.
 */
#ifndef PB_ROUNDS_H
#define PB_ROUNDS_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* The measured part of a run from its memory process's part (taken over) and
 * the parts of its timed processes (time_parts[r] from round r, NULL when that
 * round did not run it; taken over), positions[r] its place in round r's
 * order. The result has the memory process's memory, timeline, latency and
 * notes and a time object over the rounds; NULL on OOM. */
cJSON *pb_run_merge(cJSON *memory_part, cJSON **time_parts, const unsigned *positions,
                    size_t n_rounds);

/* A run part whose timed rounds never ran (the run was stopped) as a failed
 * part that keeps what it measured: status "failed", error reason. */
void pb_run_mark_unfinished(cJSON *part, const char *reason);

/* A {median, min, max, samples, ci_low, ci_high, ci_level, ci_method, noisy}
 * object of v[0..n) (samples in the order given); NULL members when n is 0. */
cJSON *pb_dist_json(const double *v, size_t n);

/* Set run's time.net_ns_per_op and time.net against null_run, the workload's
 * null baseline, pairing their rounds: the interval of the paired differences
 * decides; one that holds 0 gives net 0 with "within_noise": true, one wholly
 * below 0 gives null with a note (a cost below the harness's own cannot be
 * measured). When the baseline has no time, a note says why. */
void pb_run_set_net_against(cJSON *run, const cJSON *null_run);

/* The median ns/op of a run, or a negative number when it has none. */
double pb_run_median_ns(const cJSON *run);

#endif /* PB_ROUNDS_H */
