/*
 * results_read.h -- reading results files (docs/results.md) back in,
 * for charts and comparisons. Loading checks the shape once, so the readers
 * after it may rely on every contract field being present (a number or null).
 */
#ifndef PB_RESULTS_READ_H
#define PB_RESULTS_READ_H

#include <cjson/cJSON.h>
#include <stddef.h>

#define PB_RESULTS_SCHEMA "poolbench-results/1"
#define PB_LABEL_MAX 256

/* One results file, parsed and checked. */
struct pb_results_file {
    char path[4096];           /* as given */
    char label[PB_LABEL_MAX];  /* its base name, to tell files apart in legends */
    cJSON *doc;                /* the whole document (owned) */
    const cJSON *runs;         /* doc.runs, an array of run objects */
    int bench;                 /* a "poolbench-bench/1" document (bench_results.h), read by
                                  pb_results_read_any only: runs are allocators' runs */
};

/* Several results files, in the order given. */
struct pb_results_set {
    struct pb_results_file *files;
    size_t n;
};

/* Read and check path: JSON, schema "poolbench-results/1", machine and runs,
 * and for every run its backend, workload, status and, when ok, the time and
 * memory fields of the contract. 0 ok; -1 with err naming the file and field. */
int pb_results_read(const char *path, struct pb_results_file *out, char *err, size_t errlen);

/* Parse already-read text as if it came from path (for tests). Same checks. */
int pb_results_parse(const char *path, const char *text, struct pb_results_file *out,
                     char *err, size_t errlen);

/* Read and check path as pb_results_read does, or, when its schema is
 * "poolbench-bench/1", as a bench document (pb_bench_check_doc), out->bench
 * then set: for `plot` and `report`, which draw either. 0 ok; -1 with err
 * naming the file and field. */
int pb_results_read_any(const char *path, struct pb_results_file *out, char *err,
                        size_t errlen);

/* Parse already-read text as pb_results_read_any reads a file (for tests). */
int pb_results_parse_any(const char *path, const char *text, struct pb_results_file *out,
                         char *err, size_t errlen);

/* A set of the one file f, taken over (f is left empty). 0 ok; -1 out of memory. */
int pb_results_set_of(struct pb_results_set *set, struct pb_results_file *f);

/* Release what pb_results_read took. */
void pb_results_file_free(struct pb_results_file *f);

/* Read every path into set (labels made unique). 0 ok; -1 with err. */
int pb_results_set_read(struct pb_results_set *set, char *const *paths, size_t n, char *err,
                        size_t errlen);

/* Release a set. */
void pb_results_set_free(struct pb_results_set *set);

/* The workload name of a run ("" when absent). */
const char *pb_run_workload_name(const cJSON *run);

/* Whether a run finished ("status": "ok"). */
int pb_run_ok(const cJSON *run);

/* Whether the backend declined the run ("status": "refused"): an answer, not a breakage. */
int pb_run_refused(const cJSON *run);

/* The run's thread count (1 when not threaded) and whether blocks were freed
 * by the next thread: the run's own keys, or its time's in older files. */
int pb_run_threads(const cJSON *run);
int pb_run_cross_free(const cJSON *run);

/* Whether the run is its group's baseline (the harness's own cost: "baseline": true,
 * or backend "null" in a file without that key). */
int pb_run_is_baseline(const cJSON *run);

/* A run's backend as shown in charts: backend_spec when there is one, else
 * the bare backend name, into buf. Returns buf. */
const char *pb_run_backend_label(const cJSON *run, char *buf, size_t len);

/* A run's backend identity: the bare name plus its backend_config sorted by
 * key ("pool chunk=64 slab=65536"), so two files name the same setup alike. */
const char *pb_run_backend_key(const cJSON *run, char *buf, size_t len);

/* The item at a dotted path under obj ("time.ns_per_op.median"), or NULL
 * when a step is missing (or longer than 127 bytes). */
const cJSON *pb_json_at(const cJSON *obj, const char *dotted);

/* The number at a dotted path under obj ("time.ns_per_op.median"), or NaN
 * when a step is missing or the value is null or not a number. */
double pb_json_number(const cJSON *obj, const char *dotted);

/* A count at a dotted path under obj (rounds, n) as an int: 0 when it is
 * missing, not a number, not finite or below 0, INT_MAX above it, so that
 * no figure of a file reaches a cast it does not fit (undefined). */
int pb_json_count(const cJSON *obj, const char *dotted);

/* The machine of a file, "cpu, N cores" (or "unknown machine"), into buf. */
const char *pb_results_machine(const struct pb_results_file *f, char *buf, size_t len);

#endif /* PB_RESULTS_READ_H */
