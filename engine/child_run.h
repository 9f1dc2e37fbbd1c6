/*
 * child_run.h -- runs of a process-wide backend (PB_BK_PROCESS_WIDE: a
 * malloc replacement such as jemalloc). Its library replaces malloc only if
 * it is loaded before the program starts, so such a run is not a fork of the
 * runner: it executes poolbench itself again (`poolbench __child`, hidden)
 * with the library in LD_PRELOAD. The workload travels as an unnamed
 * temporary .pbt file, inherited on descriptor PB_CHILD_PBT_FD (its --pbt is
 * /proc/self/fd/N); the job's settings as arguments; the result comes back
 * through an inherited pipe on descriptor PB_CHILD_FD as the JSON run part.
 *
 * Convention: a process-wide backend's config() names the library to preload
 * in its entry "lib", and says in "active" (yes/no) whether the instance is
 * this process's malloc; the child refuses to measure an inactive one.
 */
#ifndef PB_CHILD_RUN_H
#define PB_CHILD_RUN_H

#include <signal.h>
#include <stddef.h>

#include "isolate.h"
#include "pb_backend.h"
#include "runner.h"

/* The descriptor the exec'd child writes its result to. */
#define PB_CHILD_FD 3

/* The descriptor of the workload file the exec'd child reads. */
#define PB_CHILD_PBT_FD 4

/* The value of key among a backend's config entries; NULL if absent. */
const char *pb_config_value(const struct pb_config_entry *cfg, size_t n, const char *key);

/* Run job in `poolbench __child` with LD_PRELOAD=lib; as pb_isolate_run
 * (*out: the run part as JSON text, malloc'd). */
enum pb_isolate_end pb_child_run(const struct pb_run_job *job, const char *lib,
                                 unsigned timeout_sec, volatile sig_atomic_t *stop, char **out,
                                 char *err, size_t errlen);

#endif /* PB_CHILD_RUN_H */
