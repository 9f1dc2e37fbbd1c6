/*
 * cmd_child.c -- `poolbench __child` (hidden): one measurement, in a fresh
 * process started by `poolbench run` (see child_run.h), with the library of a
 * process-wide backend in LD_PRELOAD. It decodes the job (engine/job.h's
 * codec), pins itself when asked, maps the workload from the .pbt the parent
 * wrote, checks that a preloaded malloc really is the library's (the
 * backend's config entry "active"), runs the job's passes and only then
 * builds the run part, as JSON, on the inherited descriptor.
 */
#include "isolate.h"
#include "results_fields.h"
#include "pb_cli.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend_spec.h"
#include "child_run.h"
#include "pb_probe.h"
#include "pb_text.h"
#include "results.h"
#include "runner.h"
#include "threads.h"

#define CHILD_MAX_CFG 16

static void usage(FILE *f)
{
    fprintf(f, "usage: poolbench __child --fd N --pbt FILE --backend SPEC [OPTION]...\n\n"
               "Internal: one measurement of `poolbench run`, in a fresh process (with the\n"
               "library of a process-wide backend preloaded). Writes the run's JSON to fd N.\n\n");
    pb_run_job_usage(f);
}

/* Pin this process to cpu (no allocation); -1 with err when the kernel refuses. */
static int pin_cpu(int cpu, char *err, size_t errlen)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (cpu >= CPU_SETSIZE) {
        snprintf(err, errlen, "--cpu %d: beyond the CPUs this build can name", cpu);
        return -1;
    }
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) == 0)
        return 0;
    snprintf(err, errlen, "--cpu %d: %s", cpu, strerror(errno));
    return -1;
}

static cJSON *config_object(const struct pb_config_entry *cfg, size_t n)
{
    cJSON *bc = cJSON_CreateObject();
    for (size_t i = 0; i < n; i++)
        cJSON_AddStringToObject(bc, cfg[i].key, cfg[i].value);
    return bc;
}

/* A process-wide backend's instance must be this process's malloc (its config
 * entry "active"); its config, read here where the library can be asked, goes
 * into the part. Empty problem: fine. */
static size_t check_active(const struct pb_backend_ops *ops, const struct pb_backend_spec *b,
                           struct pb_config_entry *cfg, char *problem, size_t len)
{
    char err[PB_ERR_MAX] = "";
    void *self = NULL;
    size_t n_cfg = 0;
    if (ops->create(b->opts, b->n_opts, &self, err, sizeof err)) {
        snprintf(problem, len, "%s", err);
        return 0;
    }
    n_cfg = ops->config(self, cfg, CHILD_MAX_CFG);
    const char *active = pb_config_value(cfg, n_cfg, "active");
    if (active && strcmp(active, "yes") != 0)
        snprintf(problem, len, "the preload did not take effect: %s", ops->last_error(self));
    ops->destroy(self);
    return n_cfg;
}

/* Run the job; the run part (with the backend's config when it is process-wide). */
static cJSON *work(const struct pb_run_job *job)
{
    const struct pb_backend_ops *ops = job->backend->ops;
    struct pb_config_entry cfg[CHILD_MAX_CFG];
    char problem[PB_RUN_ERR_MAX] = "";
    int wide = (ops->flags & PB_BK_PROCESS_WIDE) != 0;
    size_t n_cfg = wide ? check_active(ops, job->backend, cfg, problem, sizeof problem) : 0;
    cJSON *part;
    if (problem[0]) {
        if (pb_probe_mark)
            pb_probe_mark(PB_PROBE_END);
        part = pb_run_failed_part(job, problem);
    } else {
        struct pb_run_result res;
        pb_run_one(job, &res);
        if (pb_probe_mark) /* the measurement is over: malloc may be called again */
            pb_probe_mark(PB_PROBE_END);
        part = pb_run_part_json(job, &res);
        pb_run_result_free(&res);
    }
    if (part && wide) { /* read here, where the library can be asked its version */
        cJSON_DeleteItemFromObjectCaseSensitive(part, PB_F_BACKEND_CONFIG);
        cJSON_AddItemToObject(part, PB_F_BACKEND_CONFIG, config_object(cfg, n_cfg));
    }
    return part;
}

int pb_cmd_child(int argc, char **argv)
{
    if (pb_probe_mark) /* from here to the end of the measurement: no malloc (pb_hmem.h) */
        pb_probe_mark(PB_PROBE_BEGIN);
    struct pb_job_decoded d;
    char err[512] = "";
    int rc = pb_run_job_from_argv(argc, argv, &d, err, sizeof err);
    if (rc == 1) {
        usage(stdout);
        return PB_EXIT_OK;
    }
    if (rc || (d.job.cpu >= 0 && pin_cpu(d.job.cpu, err, sizeof err))) {
        pb_text_line(stderr, "poolbench __child: %s", err);
        return PB_EXIT_USAGE;
    }
    struct pb_workload w;
    struct pb_diag diag;
    memset(&w, 0, sizeof w);
    memset(&diag, 0, sizeof diag);
    if (pb_workload_load(d.pbt, &w, &diag)) {
        pb_diag_print(&diag, stderr);
        return PB_EXIT_USAGE;
    }
    if (d.name[0])
        snprintf(w.name, sizeof w.name, "%s", d.name);
    if (pb_workload_set_path(&w, d.path[0] ? d.path : NULL)) {
        pb_workload_free(&w);
        pb_text_line(stderr, "poolbench __child: out of memory");
        return PB_EXIT_FAIL;
    }
    d.job.workload = &w;
    cJSON *part = work(&d.job);
    char *text = part ? cJSON_PrintUnformatted(part) : NULL;
    cJSON_Delete(part);
    pb_workload_free(&w);
    rc = text && pb_write_all(d.result_fd, text, strlen(text)) == 0 ? PB_EXIT_OK : PB_EXIT_FAIL;
    free(text);
    close(d.result_fd);
    return rc;
}
