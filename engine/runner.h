/*
 * runner.h -- one (backend, workload) run, the work an isolated child does:
 * the memory pass, the warm-up and timed replays, and the optional latency
 * pass, each against a fresh backend instance.
 */
#ifndef PB_RUNNER_H
#define PB_RUNNER_H

#include "job.h"

/* Do the job; 0 when every pass succeeded, else -1 and out->error. */
int pb_run_one(const struct pb_run_job *job, struct pb_run_result *out);

/* Release what pb_run_one allocated. */
void pb_run_result_free(struct pb_run_result *r);

#endif /* PB_RUNNER_H */
