/*
 * pb_generators.h -- synthetic workloads: a table of generators driven by a
 * spec string ("churn:size=64,order=fifo") or a JSON job file.
 *
 * A generator feeds events to a struct pb_builder, the same path as the trace
 * parser, so every trace rule holds for what it makes. The same spec and seed
 * always give the same events (a PRNG of our own, no libc rand()). Nothing
 * here prints: every error comes back as -1 and a message naming the
 * generator, the key or the value at fault.
 *
 * Seeds: every generator has a `seed` parameter. A seed written in the spec
 * (or in a job file's params) wins; otherwise the caller's global seed (the
 * CLI's --seed) applies; otherwise the default, 1.
 */
#ifndef PB_GENERATORS_H
#define PB_GENERATORS_H

#include <stddef.h>
#include <stdint.h>

#include "pb_workload.h"

/* How a parameter's text is read and written back in canonical form. */
enum pb_param_type {
    PB_PARAM_UINT,     /* unsigned integer: decimal or 0x hex, optional k/m/g (x1024) */
    PB_PARAM_ALIGN,    /* a power of two from 1 to 4096 */
    PB_PARAM_FRACTION, /* a real number from 0 to 1 */
    PB_PARAM_CHOICE,   /* one word of `choices`, or an alias of one (written as the word) */
    PB_PARAM_SIZES,    /* a weighted size list: SIZExWEIGHT+SIZExWEIGHT+... */
};

/* One parameter a generator takes: shown by `poolbench list`, checked by the parser. */
struct pb_param_desc {
    const char *key;
    enum pb_param_type type;
    const char *default_value; /* parsed like a user's value */
    uint64_t min, max;         /* PB_PARAM_UINT: accepted range */
    const char *choices;       /* PB_PARAM_CHOICE: "lifo|fifo|random", then aliases
                                * "any=random" (any means random) */
    const char *help;          /* one line: meaning and unit */
};

/* Most parameters one generator may declare. */
#define PB_GEN_MAX_PARAMS 16
/* Longest canonical value of one parameter, terminator included. */
#define PB_GEN_VALUE_MAX 256
/* Most entries in a PB_PARAM_SIZES list. */
#define PB_GEN_MAX_SIZES 32

struct pb_generator;

/* What a generator will make, known from its parameters alone, before any
 * memory is committed: exact, or a bound it cannot exceed. Counts saturate at
 * UINT64_MAX rather than wrap. */
struct pb_gen_estimate {
    uint64_t records;     /* entries of the events array: a, f, r and x (16 bytes each) */
    uint64_t live_blocks; /* peak live blocks */
    uint64_t live_bytes;  /* peak live bytes (requested sizes): what a replay holds at once */
    char records_why[112]; /* the parameters behind records, "frames=F x objects=N" */
    char bytes_why[112];   /* the parameters behind live_bytes, "live=L x size=S" */
};

/* The most a workload may make: refused beyond, before generating. */
struct pb_gen_limits {
    uint64_t max_events;     /* records (--max-events) */
    uint64_t max_live_bytes; /* peak live bytes (--max-live-bytes) */
    int live_bytes_given;    /* 0: max_live_bytes is the physical memory */
};

/* Default --max-events: twice the largest configuration in use (bench/scale.sh,
 * 100,002,000 events); 3.2 GB of events. */
#define PB_GEN_DEFAULT_MAX_EVENTS 200000000ULL

/* A spec being assembled or fully parsed: one value per declared parameter. */
struct pb_gen_args {
    const struct pb_generator *gen;
    size_t n_params;                              /* entries in gen->params */
    char text[PB_GEN_MAX_PARAMS][PB_GEN_VALUE_MAX]; /* canonical text of each value */
    uint64_t num[PB_GEN_MAX_PARAMS];              /* UINT, ALIGN: value; CHOICE: index */
    double real[PB_GEN_MAX_PARAMS];               /* FRACTION: value */
    unsigned char given[PB_GEN_MAX_PARAMS];       /* 1 when the user set it */
    unsigned char set[PB_GEN_MAX_PARAMS];         /* 1 once it has a value (given or default) */
};

/* One synthetic generator. */
struct pb_generator {
    const char *name;
    const char *description;              /* one line, for `poolbench list` */
    const struct pb_param_desc *params;   /* NULL-key terminated, `seed` included */
    /* Cross-parameter checks once every value is set (min <= max, ...); may
     * fill values implied by others. 0 ok; -1 and err. May be NULL. */
    int (*check)(struct pb_gen_args *a, char *err, size_t errlen);
    /* Feed the events to b. 0 ok; -1 and err (builder refusal, out of memory). */
    int (*build)(const struct pb_gen_args *a, struct pb_builder *b, char *err, size_t errlen);
    /* What build would make (finished args), without allocating. A figure
     * that takes time in proportion to the events to count exactly is counted
     * only when a cheap bound would exceed a limit of l and the records are
     * within l->max_events. */
    void (*estimate)(const struct pb_gen_args *a, const struct pb_gen_limits *l,
                     struct pb_gen_estimate *e);
};

/* Every generator, NULL-terminated: the one table `list`, `gen` and `run` read. */
extern const struct pb_generator *const pb_generators[];

/* The generator called name, or NULL. */
const struct pb_generator *pb_generator_find(const char *name);

/* Start args for generator `name`: 0, or -1 and "unknown generator" in err
 * (with the closest name and every name). */
int pb_gen_args_init(struct pb_gen_args *a, const char *name, char *err, size_t errlen);

/* Set one parameter from text (unknown key -- with the closest and every key --,
 * bad value, key given twice -> -1 and err). */
int pb_gen_args_set(struct pb_gen_args *a, const char *key, const char *value, char *err,
                    size_t errlen);

/* Fill the unset parameters (seed from *global_seed when not NULL, the rest
 * from defaults) and run the generator's checks. 0 ok; -1 and err. */
int pb_gen_args_finish(struct pb_gen_args *a, const uint64_t *global_seed, char *err,
                       size_t errlen);

/* Parse "NAME[:key=value,...]" (',' or ':' before every pair) into finished args. */
int pb_gen_parse(const char *spec, const uint64_t *global_seed, struct pb_gen_args *a,
                 char *err, size_t errlen);

/* Write the spec to buf: with all != 0 every parameter ("the params"), else only
 * those the user gave ("the canonical spec"). Returns the length it needed. */
size_t pb_gen_format(const struct pb_gen_args *a, int all, char *buf, size_t len);

/* Index of parameter key in a->gen->params, or -1 (generators use the accessors below). */
int pb_gen_param_index(const struct pb_gen_args *a, const char *key);

/* Value accessors for generators; key must be one of the generator's params. */
uint64_t pb_gen_uint(const struct pb_gen_args *a, const char *key);
double pb_gen_fraction(const struct pb_gen_args *a, const char *key);
const char *pb_gen_text(const struct pb_gen_args *a, const char *key);
int pb_gen_given(const struct pb_gen_args *a, const char *key);

/* Run the generator on finished args into *out: source "synthetic", name =
 * display_name or the canonical spec, params = every parameter. 0 or -1 and err.
 * Call pb_gen_check_limits first: this allocates whatever the args ask for. */
int pb_gen_build(const struct pb_gen_args *a, const char *display_name, struct pb_workload *out,
                 char *err, size_t errlen);

/* The defaults: PB_GEN_DEFAULT_MAX_EVENTS, and the machine's physical memory
 * as the live-bytes limit (no limit when it cannot be read). */
void pb_gen_limits_default(struct pb_gen_limits *l);

/* Estimate what finished args make (into *e when not NULL) and refuse, with the
 * estimate and the parameters behind it in err, more records than
 * limits->max_events or more live bytes than limits->max_live_bytes (NULL:
 * the defaults). 0 ok, -1 refused. Allocates nothing. */
int pb_gen_check_limits(const struct pb_gen_args *a, const struct pb_gen_limits *limits,
                        struct pb_gen_estimate *e, char *err, size_t errlen);

/* A workload checked and ready to generate, not generated yet, so a long list
 * of them costs little memory (`poolbench run` generates each right before its runs). */
struct pb_gen_job {
    char *params;  /* the full spec, every parameter: pb_gen_parse reads it back */
    char *name;    /* the display name: the job's "name", or the canonical spec */
};

/* Check finished args against the limits (pb_gen_check_limits) and record
 * them in *job under display_name (NULL: the canonical spec). 0, or -1 and err. */
int pb_gen_job_init(const struct pb_gen_args *a, const char *display_name,
                    const struct pb_gen_limits *limits, struct pb_gen_job *job, char *err,
                    size_t errlen);

/* Read and check the workloads named by `spec`, a generator spec or a JSON
 * job file when spec ends in ".json" (an object or an array of objects):
 * every value, every cross-check and the limits (NULL: the defaults), for
 * every job before any is generated. On success *jobs is a malloc'd array of
 * *n_jobs (free with pb_gen_jobs_free); on error -1, a message in err, nothing
 * allocated. Generates nothing. */
int pb_workload_spec_prepare(const char *spec, const uint64_t *global_seed,
                             const struct pb_gen_limits *limits, struct pb_gen_job **jobs,
                             size_t *n_jobs, char *err, size_t errlen);

/* Same for a JSON job held in text (len bytes); `where` names it in messages. */
int pb_job_prepare(const char *text, size_t len, const char *where, const uint64_t *global_seed,
                   const struct pb_gen_limits *limits, struct pb_gen_job **jobs,
                   size_t *n_jobs, char *err, size_t errlen);

/* Generate one prepared job into *out. 0, or -1 and err (out of memory). */
int pb_gen_job_build(const struct pb_gen_job *job, struct pb_workload *out, char *err,
                     size_t errlen);

/* Generate n prepared jobs into a malloc'd array *out of n workloads (free
 * with pb_workload_list_free): all of them held at once. 0, or -1 and err. */
int pb_gen_jobs_build(const struct pb_gen_job *jobs, size_t n, struct pb_workload **out,
                      size_t *n_out, char *err, size_t errlen);

/* Free n prepared jobs and the array (NULL is fine). */
void pb_gen_jobs_free(struct pb_gen_job *jobs, size_t n);

/* Prepare the workloads named by `spec` (pb_workload_spec_prepare), then
 * generate them all. On success *out is a malloc'd array of *n_out workloads
 * (free with pb_workload_list_free); on error -1, a message in err, nothing
 * allocated. */
int pb_workload_spec_build(const char *spec, const uint64_t *global_seed,
                           const struct pb_gen_limits *limits, struct pb_workload **out,
                           size_t *n_out, char *err, size_t errlen);

/* Build the workloads of a JSON job held in text (len bytes); `where` names
 * it in messages. Same results as pb_workload_spec_build. */
int pb_job_build(const char *text, size_t len, const char *where, const uint64_t *global_seed,
                 const struct pb_gen_limits *limits, struct pb_workload **out, size_t *n_out,
                 char *err, size_t errlen);

/* Read and check a JSON job held in text as pb_job_build does (limits
 * included), but generate nothing (for validation and fuzzing): 0 and the
 * number of jobs, or -1 and err. */
int pb_job_check(const char *text, size_t len, const char *where, const uint64_t *global_seed,
                 const struct pb_gen_limits *limits, size_t *n_jobs, char *err, size_t errlen);

/* Free n workloads made by pb_workload_spec_build, and the array. */
void pb_workload_list_free(struct pb_workload *w, size_t n);

#endif /* PB_GENERATORS_H */
