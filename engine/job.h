/*
 * job.h -- one (backend, workload) run as the engine sees it: what to run
 * (struct pb_run_job) and what came out (struct pb_run_result), shared by the
 * one-thread runner and the threaded timed passes, and the message for an
 * event a backend refused.
 */
#ifndef PB_JOB_H
#define PB_JOB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "backend_spec.h"
#include "latency.h"
#include "measure.h"
#include "pb_workload.h"
#include "replay.h"

/* Which passes a measuring process runs. */
enum pb_pass {
    PB_PASS_ALL = 0,    /* memory, timed, latency: one process does everything (tests) */
    PB_PASS_MEMORY = 1, /* the memory pass, then the latency pass when asked */
    PB_PASS_TIME = 2,   /* the cold replay, the warm-up, the timed replays */
};

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
    enum pb_pass pass;      /* what this process measures */
    int cpu;                /* pin the measuring process to this CPU; -1: not pinned */
};

/* What the kernel says one replay cost the process besides wall time
 * (getrusage deltas): the causes of a figure. */
struct pb_usage {
    uint64_t minor_faults, major_faults;
    uint64_t voluntary_switches, involuntary_switches;
    uint64_t user_ns, system_ns;
};

#define PB_RUN_ERR_MAX 512
#define PB_RUN_MAX_CFG 16

/* What came out; ns[] holds one whole-replay wall time per timed repeat.
 * The arrays come from pb_hmem (never malloc): free with pb_run_result_free. */
struct pb_run_result {
    int ok;
    int refused;             /* !ok because the backend declined a request (an answer,
                                not a breakage): error says which and why */
    char error[PB_RUN_ERR_MAX];
    uint64_t *ns;
    unsigned n_ns;
    unsigned ns_cap;         /* entries ns and usage have room for (thread_ns: ns_cap * threads) */
    struct pb_usage *usage;  /* n_ns entries: each timed replay's causes */
    int cold_done;           /* the first replay of the process was timed */
    uint64_t cold_ns;        /* its wall time, page faults and all */
    struct pb_usage cold_usage;
    int mem_done;
    struct pb_memory mem;
    /* the memory pass's instance's config, read after the pass (its counters,
     * such as slabs returned, are the pass's) */
    struct pb_config_entry cfg[PB_RUN_MAX_CFG];
    size_t n_cfg;
    int lat_done;
    struct pb_latency lat;
    /* job->threads > 1: thread t's replay time in timed repeat i at
     * thread_ns[i * threads + t]; and, with one instance per thread, each
     * instance's alloc and free calls during the last timed replay. */
    unsigned threads;
    uint64_t *thread_ns;
    int per_thread_instances;
    uint64_t *thread_allocs, *thread_frees;
    /* A trace of several threads replayed in as many threads (trace_threads.h):
     * its trace_threads recorded threads, thread k being the trace's thread
     * thread_tid[k] with thread_events[k] events (x included). thread_ns,
     * thread_allocs and thread_frees as above with trace_threads in place of
     * threads; thread_wait_ns[i * trace_threads + k] is what thread k spent
     * waiting (for another thread's event, or at an x) in timed repeat i, and
     * thread_waits[...] how many of its waits found the event not yet done. */
    unsigned trace_threads;
    uint32_t *thread_tid;
    uint64_t *thread_events, *thread_wait_ns, *thread_waits;
};

/* What the process spent since getrusage gave *a (all its threads). */
struct rusage;
void pb_usage_since(const struct rusage *a, struct pb_usage *out);

/* The job as the arguments of `poolbench __child` (after the program and
 * the command): every field but the backend and the workload, which travel
 * as the backend's spec text, the workload's name and path, and the .pbt
 * file on descriptor pbt_fd. Strings point into out->buf or the job. */
#define PB_JOB_ARGV_MAX 48
struct pb_job_argv {
    char *argv[PB_JOB_ARGV_MAX];
    int argc;
    char buf[512];
};
int pb_run_job_to_argv(const struct pb_run_job *job, int result_fd, int pbt_fd,
                       struct pb_job_argv *out);

/* A job read back from those arguments; the backend spec is parsed here. */
struct pb_job_decoded {
    struct pb_run_job job;
    struct pb_backend_spec spec;
    int result_fd;
    const char *pbt;         /* the workload's .pbt file (/proc/self/fd/N) */
    const char *name, *path; /* the workload's name and path ("" when none) */
};

/* Decode argv[0..argc) (argv[0] is the command name, as getopt wants it);
 * 0 ok, 1 --help, -1 with err. Allocates nothing. */
int pb_run_job_from_argv(int argc, char **argv, struct pb_job_decoded *out, char *err,
                         size_t errlen);

/* The usage text of the decoder's options, one per line. */
void pb_run_job_usage(FILE *f);

/* Describe a refused event i of w ("FILE:LINE: a of N bytes ... refused by
 * BACKEND: reason"); backend is the whole spec, "pool:chunk=48", not its name. */
void pb_describe_failure(const struct pb_workload *w, size_t i, const char *backend,
                         const char *reason, char *out, size_t outlen);

#endif /* PB_JOB_H */
