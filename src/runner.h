/*
 * runner.h -- one (backend, workload) run, the work an isolated child does:
 * the memory pass, the warm-up and timed replays, and the optional latency
 * pass, each against a fresh backend instance.
 */
#ifndef PB_RUNNER_H
#define PB_RUNNER_H

#include <stddef.h>
#include <stdint.h>

#include "backend_spec.h"
#include "latency.h"
#include "measure.h"
#include "pb_workload.h"
#include "replay.h"

/* What to run. */
struct pb_run_job {
    const struct pb_backend_spec *backend;
    const struct pb_workload *workload;
    unsigned repeat;        /* timed replays */
    unsigned warmup;        /* untimed replays before them */
    enum pb_touch touch;
    size_t sample_every;    /* 0: about 200 samples */
    int latency;            /* run the latency pass */
    unsigned threads;       /* copies replayed at once by the timed passes (0 or 1: one) */
    int cross_free;         /* threads > 1: blocks freed by the next thread (threads.h) */
};

#define PB_RUN_ERR_MAX 512

/* What came out; ns[] holds one whole-replay wall time per timed repeat.
 * The arrays come from pb_hmem (never malloc): free with pb_run_result_free. */
struct pb_run_result {
    int ok;
    char error[PB_RUN_ERR_MAX];
    uint64_t *ns;
    unsigned n_ns;
    unsigned ns_cap;        /* entries ns has room for (thread_ns: ns_cap * threads) */
    int mem_done;
    struct pb_memory mem;
    int lat_done;
    struct pb_latency lat;
    /* job->threads > 1: thread t's replay time in timed repeat i at
     * thread_ns[i * threads + t]; and, with one instance per thread, each
     * instance's alloc and free calls during the last timed replay. */
    unsigned threads;
    uint64_t *thread_ns;
    int per_thread_instances;
    uint64_t *thread_allocs, *thread_frees;
};

/* Do the job; 0 when every pass succeeded, else -1 and out->error. */
int pb_run_one(const struct pb_run_job *job, struct pb_run_result *out);

/* Release what pb_run_one allocated. */
void pb_run_result_free(struct pb_run_result *r);

/* Describe a refused event i of w ("FILE:LINE: a of N bytes ...: reason"). */
void pb_describe_failure(const struct pb_workload *w, size_t i, const char *backend,
                         const char *reason, char *out, size_t outlen);

#endif /* PB_RUNNER_H */
