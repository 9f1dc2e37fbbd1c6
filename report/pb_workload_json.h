/*
 * pb_workload_json.h -- a workload's identity and own figures as the JSON
 * object of results.md ("The workload's own figures"), shared by
 * `poolbench check --json` and the runner's results file.
 */
#ifndef PB_WORKLOAD_JSON_H
#define PB_WORKLOAD_JSON_H

#include <cjson/cJSON.h>

#include "pb_workload.h"

/* The workload object: name, source, path, sha256 (params for synthetic
 * ones), the figures of w->fig, size_histogram and lifetime_histogram (see
 * workloads/README.md). NULL when out of memory. */
cJSON *pb_workload_to_json(const struct pb_workload *w);

/* One power-of-two histogram bucket index: 0 for 0, 1 for 1, 2 for 2, k for
 * values in (2^(k-2), 2^(k-1)]; bucket k holds [pb_bucket_min(k), pb_bucket_max(k)]. */
unsigned pb_bucket_of(uint64_t v);
uint64_t pb_bucket_min(unsigned k);
uint64_t pb_bucket_max(unsigned k);

#endif /* PB_WORKLOAD_JSON_H */
