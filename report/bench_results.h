/*
 * bench_results.h -- the results document of `poolbench bench`
 * ("poolbench-bench/1", docs/results.md "Whole programs"): one run per
 * allocator, each with every round's measurement of the whole program and
 * the distributions over the rounds. Only this module knows its field names;
 * the readers (summary, verdict, charts) go through it.
 */
#ifndef PB_BENCH_RESULTS_H
#define PB_BENCH_RESULTS_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdio.h>

#include "pb_backend.h"
#include "program.h"

#define PB_BENCH_SCHEMA "poolbench-bench/1"

/* A new document: schema, created, tool, machine, config (taken over), the
 * program (taken over: pb_bench_program_json), "interrupted": false, runs []. */
cJSON *pb_bench_doc_new(cJSON *config, cJSON *program);

/* The program: name (argv[0]'s base name), path (resolved), command (argv). */
cJSON *pb_bench_program_json(const char *path, char *const *argv);

/* One round's object: round, position in its order, the measured figures,
 * how the program ended, its output's bytes and SHA-256. */
cJSON *pb_bench_round_json(unsigned round, unsigned position, const struct pb_program_result *r);

/* One allocator's run: allocator (bare name), allocator_spec, library
 * ("" for glibc: null), allocator_config, status ("ok", or "failed" with
 * error), rounds (taken over), and over the rounds the distributions
 * time.{wall,user,system}_seconds, memory.peak_rss_bytes and
 * causes.{minor_faults,...}. NULL on OOM. */
cJSON *pb_bench_run_json(const char *name, const char *spec, const char *lib,
                         const struct pb_config_entry *cfg, size_t n_cfg, cJSON *rounds,
                         const char *error);

/* Whether doc is a bench document (its schema). */
int pb_bench_is_doc(const cJSON *doc);

/* Check a bench document read from a file: schema, program, runs with their
 * allocator, status and, when ok, the distributions. 0 ok; -1 and err. */
int pb_bench_check_doc(const cJSON *doc, char *err, size_t errlen);

/* The table of doc's runs for the terminal. */
void pb_bench_summary_print(const cJSON *doc, FILE *f);

#endif /* PB_BENCH_RESULTS_H */
