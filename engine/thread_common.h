/*
 * thread_common.h -- what the two threaded runners share: threads.c
 * (--threads N, copies of one workload) and trace_threads.c (a trace's
 * recorded threads) each keep their own team, and use these to start it,
 * join it and run its cold, warm-up and timed replays the same way.
 */
#ifndef PB_THREAD_COMMON_H
#define PB_THREAD_COMMON_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "job.h"
#include "team_start.h"

/* Create n threads, thread i running fn(workers + i * stride), all held by
 * gate (closed); open it once every thread exists (abandon it otherwise) and
 * join them. 0, or -1 and a message in err when a thread cannot be created. */
int pb_team_launch(pthread_t *tid, unsigned n, void *(*fn)(void *), void *workers,
                   size_t stride, struct pb_gate *gate, char *err, size_t errlen);

/* One thread's clock over a replay: pb_now_ns at its start and its end. */
struct pb_thread_clock {
    uint64_t t0, t1;
};

/* The span of one replay of n threads, first start to last end; their
 * clocks stand stride bytes apart from first (a member of each worker, as
 * pb_team_launch walks them). */
uint64_t pb_team_span(const struct pb_thread_clock *first, size_t stride, unsigned n);

/* One replay of a team: record says whether it is a timed repeat; its wall
 * time in *wall. 0, or -1 and out->error. */
typedef int (*pb_team_once_fn)(void *team, int record, struct pb_backend_stats *before,
                               struct pb_run_result *out, uint64_t *wall);

/* The cold replay (in a time pass), job->warmup warm-ups and job->repeat
 * timed repeats of team by once, each with its resource usage, as the
 * one-thread runner does; stops at the first failure. 0, or -1. */
int pb_team_replays(const struct pb_run_job *job, pb_team_once_fn once, void *team,
                    struct pb_backend_stats *before, struct pb_run_result *out);

#endif /* PB_THREAD_COMMON_H */
