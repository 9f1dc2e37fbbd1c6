/*
 * run.h -- the parts of `poolbench run`, one file each: options (run_opts.c),
 * workloads (run_workloads.c), backends (run_backends.c), the measuring
 * processes in rounds (run_rounds.c) and the command itself (cmd_run.c).
 * Internal to the CLI layer.
 */
#ifndef PB_RUN_H
#define PB_RUN_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "backend_spec.h"
#include "pb_generators.h"
#include "pb_workload.h"
#include "replay.h"

#define RUN_MAX_BACKENDS 32
#define RUN_MAX_CFG 16
#define RUN_MAX_THREAD_COUNTS 8

/* The defaults: generators at modest sizes that every default backend can serve. */
extern const char *const run_default_specs[];
extern const size_t run_n_default_specs;
extern const char run_default_backends[];

struct run_opts {
    char **backends;           /* --backend, one spec each (lists split); none: the defaults */
    size_t n_backends;
    char **specs;              /* --workload, one spec each (lists split) */
    size_t n_specs;
    const char **traces;       /* --trace */
    size_t n_traces;
    unsigned repeat, warmup, timeout;
    unsigned rounds;           /* timed processes per (backend, workload) */
    int cpu;                   /* --cpu: pin the measuring processes; -1 not pinned */
    enum pb_touch touch;
    size_t sample_every;
    int has_seed;
    uint64_t seed;             /* generators; also shuffles the rounds' order */
    int latency, quiet;
    unsigned threads[RUN_MAX_THREAD_COUNTS]; /* --threads: copies replayed at once, per run */
    size_t n_threads;
    int cross_free;
    struct pb_gen_limits limits; /* --max-events, --max-live-bytes */
    const char *output;        /* NULL: results/latest.json + a timestamped copy */
};

/* One backend ready to run: its spec and the options in effect. */
struct backend_slot {
    struct pb_backend_spec spec;
    struct pb_config_entry cfg[RUN_MAX_CFG];
    size_t n_cfg;
};

/* The workloads; each is written once as an unnamed .pbt (fd) that every
 * measuring process of it maps, and its events are then freed. */
struct workload_list {
    struct pb_workload *w;
    struct pb_gen_job *jobs;   /* jobs[i].params set: w[i] is generated when prepared */
    int *fd;                   /* the .pbt of w[i]; -1 until prepared */
    cJSON **json;              /* the results' workload object of w[i] */
    size_t n, cap;
    char **found_traces;       /* default traces discovered (owned) */
    size_t n_found;
};

/* Parse the options: 0 ok, 1 --help printed, -1 bad usage (printed). */
int run_parse_opts(int argc, char **argv, struct run_opts *o);

/* -1 (printed: "OPTION 'X' is given twice") when an item is listed twice:
 * runs nothing tells apart, in the results or in compare. */
int run_check_listed_once(const char *what, const char *const *items, size_t n);

/* Release the option lists. */
void run_free_opts(struct run_opts *o);

/* The results' config: every option, defaults filled in. */
cJSON *run_config_json(const struct run_opts *o, const struct backend_slot *b, size_t nb,
                       const struct workload_list *l, int argc, char **argv);

/* Load every trace and check every generator spec (generated later); -1 printed. */
int run_load_workloads(const struct run_opts *o, struct workload_list *l);

/* Generate w[wi] when it is a job, write its .pbt, keep its JSON object and
 * free its events; 0, or -1 with the message printed. */
int run_prepare_workload(struct workload_list *l, size_t wi);

void run_free_workloads(struct workload_list *l);

/* Parse and create every backend once (null first); -1 printed. */
int run_prepare_backends(const struct run_opts *o, struct backend_slot *b, size_t *n);

/* Measure everything into doc's runs; returns the number of failed runs. */
size_t run_measure(const struct run_opts *o, const struct backend_slot *b, size_t nb,
                   struct workload_list *l, cJSON *doc);

#endif /* PB_RUN_H */
