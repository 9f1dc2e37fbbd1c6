/*
 * fidelity.h -- does the replay predict the program? A bench document's
 * end-to-end runs beside the replay of the trace recorded from the same
 * command, allocator by allocator: both rankings, their rank correlations,
 * the pairs they order differently, and the allocation share of runtime
 * (replay net ns/op x ops / the program's wall time: the most any allocator
 * could save that program).
 */
#ifndef PB_FIDELITY_H
#define PB_FIDELITY_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* The replay backend that stands for a bench allocator: "malloc" for glibc,
 * the allocator's own spec otherwise. Returns buf. */
const char *pb_fidelity_replay_spec(const char *allocator_spec, char *buf, size_t len);

/* The fidelity object of bench (its runs) against replay (a
 * "poolbench-results/1" document of the trace, taken over and kept inside
 * as "replay"), trace the trace's path. NULL on OOM. */
cJSON *pb_fidelity_json(const cJSON *bench, cJSON *replay, const char *trace);

/* Spearman's rank correlation of x and y (n >= 2; ties get their mean
 * rank); NaN when n < 2 or either has no spread. */
double pb_spearman(const double *x, const double *y, size_t n);

#endif /* PB_FIDELITY_H */
