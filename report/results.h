/*
 * results.h -- the results document of docs/results.md, built with
 * cJSON, and its atomic write. Its keys are the PB_F_ names of
 * results_fields.h, the one place that spells them.
 */
#ifndef PB_RESULTS_H
#define PB_RESULTS_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "backend_spec.h"
#include "rounds.h"
#include "runner.h"

/* A new document: schema, created, tool, machine, the given config (taken
 * over), "interrupted": false and an empty runs array. NULL on OOM. */
cJSON *pb_results_new(cJSON *config);

/* The same with another schema of the family ("poolbench-bench/1"). */
cJSON *pb_results_new_schema(const char *schema, cJSON *config);

/* The measured part of a run (status, error, time, memory, timeline,
 * latency, notes): what an isolated child sends back. */
cJSON *pb_run_part_json(const struct pb_run_job *job, const struct pb_run_result *res);

/* The same part for a run that never produced one (crash, timeout, ...). */
cJSON *pb_run_failed_part(const struct pb_run_job *job, const char *error);

/* The same for a run the backend declined (status "refused", error saying why). */
cJSON *pb_run_refused_part(const struct pb_run_job *job, const char *why);

/* A whole run object: backend (bare name), backend_config from the instance's
 * config op (the entries given; part's own non-empty "backend_config", sent
 * by a preloaded run's process, replaces them), the workload object (taken over), then the
 * items of part (taken over and deleted). */
cJSON *pb_run_json(const struct pb_backend_spec *spec, const struct pb_config_entry *cfg,
                   size_t n_cfg, cJSON *workload, cJSON *part);

/* Write doc to path ("-": stdout) through a temporary file in the same
 * directory and a rename; an existing device or FIFO (/dev/null) is written
 * in place instead, and a symbolic link's target is replaced, not the link,
 * when the rules of pb_outfile.h allow it (all through pb_outfile).
 * 0 ok; -1 and err. */
int pb_results_write(const cJSON *doc, const char *path, char *err, size_t errlen);

/* The same to a new file that replaces nothing: path, or path numbered
 * (run-X-2.json, run-X-3.json, ...) when that name is taken. 0 ok; -1 and err. */
int pb_results_write_unique(const cJSON *doc, const char *path, char *err, size_t errlen);

/* The default output of a measuring command: results/PREFIX-STAMP.json (UTC
 * time, numbered -2, -3, ... when a run of the same second has the name) and
 * results/LATEST, results/ made when missing. 0 ok; -1 and err. */
int pb_results_write_default(const cJSON *doc, const char *prefix, const char *latest,
                             char *err, size_t errlen);

/* A process's causes as JSON: faults, context switches, user and system seconds. */
cJSON *pb_usage_json(const struct pb_usage *u);

#endif /* PB_RESULTS_H */
