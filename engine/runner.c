/*
 * runner.c -- the sequence of one run. The memory pass goes first, in a
 * process whose heap the timed replays have not yet grown, so the anonymous
 * RSS baseline of a malloc-like backend is as clean as it can be.
 */
#include "runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>

#include "pb_hmem.h"
#include "threads.h"
#include "trace_threads.h"

static int make_instance(const struct pb_run_job *job, void **self, char *err, size_t errlen)
{
    const struct pb_backend_spec *b = job->backend;
    *self = NULL;
    if (b->ops->create(b->opts, b->n_opts, self, err, errlen))
        return -1;
    return 0;
}

static void fail(struct pb_run_result *out, const struct pb_run_job *job, void *self, size_t i)
{
    const struct pb_backend_ops *ops = job->backend->ops;
    const char *reason = self ? ops->last_error(self) : "";
    out->refused = i < job->workload->n_records; /* past the end: out of memory */
    pb_describe_failure(job->workload, i, job->backend->text, reason && *reason ? reason : "refused",
                        out->error, sizeof out->error);
}

static int memory_pass(const struct pb_run_job *job, struct pb_run_result *out)
{
    void *self;
    if (make_instance(job, &self, out->error, sizeof out->error))
        return -1;
    size_t at = 0;
    int rc = pb_measure_run(job->backend->ops, self, job->workload, job->touch,
                            job->sample_every, &out->mem, &at);
    if (rc)
        fail(out, job, self, at);
    else
        out->mem_done = 1;
    if (rc == 0)
        out->n_cfg = job->backend->ops->config(self, out->cfg, PB_RUN_MAX_CFG);
    job->backend->ops->destroy(self);
    return rc;
}

/* One whole replay, timed, with the kernel's account of it (taken outside
 * the clock). 0, or -1 and *at the refused event. */
static int replay_with_usage(struct pb_replay *r, uint64_t *ns, struct pb_usage *u, size_t *at)
{
    struct rusage a;
    getrusage(RUSAGE_SELF, &a);
    int rc = pb_replay_timed(r, ns, at);
    pb_usage_since(&a, u);
    return rc;
}

/* In a process of its own (PB_PASS_TIME) the first replay is the cold one:
 * timed and kept apart, then the warm-up, then the timed replays. */
static int timed_passes(const struct pb_run_job *job, struct pb_run_result *out)
{
    void *self;
    if (make_instance(job, &self, out->error, sizeof out->error))
        return -1;
    struct pb_replay r;
    out->ns_cap = job->repeat ? job->repeat : 1;
    out->ns = pb_hmem_calloc(out->ns_cap, sizeof *out->ns);
    out->usage = pb_hmem_calloc(out->ns_cap, sizeof *out->usage);
    if (!out->ns || !out->usage ||
        pb_replay_init(&r, job->backend->ops, self, job->workload, job->touch)) {
        snprintf(out->error, sizeof out->error, "out of memory in the runner");
        job->backend->ops->destroy(self);
        return -1;
    }
    unsigned cold = job->pass == PB_PASS_TIME;
    int rc = 0;
    for (unsigned i = 0; i < cold + job->warmup + job->repeat && rc == 0; i++) {
        uint64_t ns = 0;
        size_t at = 0;
        struct pb_usage u;
        if (replay_with_usage(&r, &ns, &u, &at)) {
            fail(out, job, self, at);
            rc = -1;
        } else if (i < cold) {
            out->cold_done = 1;
            out->cold_ns = ns;
            out->cold_usage = u;
        } else if (i >= cold + job->warmup) {
            out->usage[out->n_ns] = u;
            out->ns[out->n_ns++] = ns;
        }
    }
    pb_replay_fini(&r);
    job->backend->ops->destroy(self);
    return rc;
}

static int latency_pass(const struct pb_run_job *job, struct pb_run_result *out)
{
    void *self;
    if (make_instance(job, &self, out->error, sizeof out->error))
        return -1;
    size_t at = 0;
    int rc = pb_latency_run(job->backend->ops, self, job->workload, job->touch, &out->lat, &at);
    if (rc)
        fail(out, job, self, at);
    else
        out->lat_done = 1;
    job->backend->ops->destroy(self);
    return rc;
}

int pb_run_one(const struct pb_run_job *job, struct pb_run_result *out)
{
    memset(out, 0, sizeof *out);
    int threaded = job->threads > 1;
    int traced = !threaded && pb_trace_threads_wanted(job->workload);
    if (threaded && pb_threads_refusal(job->backend->ops, job->threads, job->cross_free,
                                       out->error, sizeof out->error)) {
        out->refused = 1;
        return -1;
    }
    if (traced && pb_trace_threads_refusal(job->backend->ops, job->workload, &out->refused,
                                           out->error, sizeof out->error))
        return -1;
    int memory = job->pass != PB_PASS_TIME, timed = job->pass != PB_PASS_MEMORY;
    if (memory && memory_pass(job, out))
        return -1;
    if (timed && (threaded  ? pb_threads_timed(job, out)
                  : traced ? pb_trace_threads_timed(job, out)
                           : timed_passes(job, out)))
        return -1;
    if (memory && job->latency && latency_pass(job, out))
        return -1;
    if (memory)
        out->mem.peak_rss_ok = pb_peak_rss(&out->mem.peak_rss_bytes) == 0;
    if (threaded && job->pass == PB_PASS_ALL)
        pb_memory_note(&out->mem, "threads: the memory figures and the timeline are one copy "
                                  "replayed alone; peak_rss_bytes is the whole process, with "
                                  "%u copies replayed at once", job->threads);
    else if (threaded && memory)
        pb_memory_note(&out->mem, "threads: the memory figures, the timeline and "
                                  "peak_rss_bytes are one copy replayed alone, in a process "
                                  "of its own; the timed replays ran %u copies at once",
                       job->threads);
    if (traced && memory)
        pb_memory_note(&out->mem, "trace threads: the memory figures, the timeline and the "
                                  "latency come from the trace replayed on one thread, in "
                                  "file order; the timed replays ran its %llu threads in "
                                  "threads",
                       (unsigned long long)job->workload->fig.threads);
    out->ok = 1;
    return 0;
}

void pb_run_result_free(struct pb_run_result *r)
{
    pb_hmem_free(r->ns, r->ns_cap * sizeof *r->ns);
    pb_hmem_free(r->usage, r->ns_cap * sizeof *r->usage);
    r->ns = NULL;
    r->usage = NULL;
    size_t n = r->trace_threads ? r->trace_threads : r->threads;
    pb_hmem_free(r->thread_ns, (size_t)r->ns_cap * n * sizeof *r->thread_ns);
    pb_hmem_free(r->thread_wait_ns, (size_t)r->ns_cap * n * sizeof *r->thread_wait_ns);
    pb_hmem_free(r->thread_waits, (size_t)r->ns_cap * n * sizeof *r->thread_waits);
    pb_hmem_free(r->thread_allocs, n * sizeof *r->thread_allocs);
    pb_hmem_free(r->thread_frees, n * sizeof *r->thread_frees);
    pb_hmem_free(r->thread_tid, n * sizeof *r->thread_tid);
    pb_hmem_free(r->thread_events, n * sizeof *r->thread_events);
    r->thread_ns = r->thread_allocs = r->thread_frees = NULL;
    r->thread_wait_ns = r->thread_waits = r->thread_events = NULL;
    r->thread_tid = NULL;
    r->ns_cap = 0;
    pb_memory_free(&r->mem);
}
