/*
 * child_run.h -- every measurement runs in a freshly executed process:
 * poolbench itself again (`poolbench __child`, hidden), never a fork of the
 * runner, whose heap would carry what other workloads left. A process-wide
 * backend (PB_BK_PROCESS_WIDE: a malloc replacement such as jemalloc) gets
 * its library in LD_PRELOAD, since it replaces malloc only when loaded
 * before the program starts. The workload travels as an unnamed
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

/* An unnamed temporary file in $TMPDIR (or /tmp), read-write, close-on-exec,
 * its descriptor at least 10; -1 with err. Nothing is left when it is closed. */
int pb_unnamed_file(char *err, size_t errlen);

/* An unnamed temporary file in $TMPDIR (or /tmp) holding w as .pbt, written
 * once and handed to every process that measures w; its descriptor
 * (close-on-exec, at least 10), or -1 with err. Close it when done. */
int pb_child_workload_file(const struct pb_workload *w, char *err, size_t errlen);

/* Run job in a fresh `poolbench __child` process, the workload read from
 * wfd (pb_child_workload_file), with LD_PRELOAD=lib (NULL: no library
 * preloaded, and none inherited); as pb_isolate_run (*out: the run part as
 * JSON text, malloc'd). */
enum pb_isolate_end pb_child_run(const struct pb_run_job *job, int wfd, const char *lib,
                                 unsigned timeout_sec, volatile sig_atomic_t *stop, char **out,
                                 char *err, size_t errlen);

#endif /* PB_CHILD_RUN_H */
