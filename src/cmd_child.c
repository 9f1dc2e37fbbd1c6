/*
 * cmd_child.c -- `poolbench __child` (hidden): one run of a process-wide
 * backend, in a process started by `poolbench run` with the backend's library
 * in LD_PRELOAD (see child_run.h). It loads the workload from the .pbt the
 * parent wrote, checks that malloc really is the library's (the backend's
 * config entry "active"), runs the job and writes the run part, with the
 * backend_config read here (where the library's version can be asked), as
 * JSON to the inherited descriptor.
 */
#include "isolate.h"
#include "pb_cli.h"

#include <errno.h>
#include <getopt.h>
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

struct child_opts {
    int fd;
    const char *pbt, *name, *path, *backend;
    struct pb_run_job job;
};

static void usage(FILE *f)
{
    fprintf(f, "usage: poolbench __child --fd N --pbt FILE --name NAME --path PATH\n"
               "                          --backend SPEC --repeat N --warmup N --touch MODE\n"
               "                          --sample-every N [--latency]\n\n"
               "Internal: one run of a process-wide backend (jemalloc, ...), started by\n"
               "poolbench run with the library preloaded. Writes the run's JSON to fd N.\n");
}

static int parse_num(const char *text, unsigned long long *out)
{
    char *end = NULL;
    errno = 0;
    *out = strtoull(text, &end, 10);
    return errno || end == text || *end || text[0] == '-' ? -1 : 0;
}

/* 0 ok, 1 --help, -1 bad usage. */
static int parse(int argc, char **argv, struct child_opts *o)
{
    enum {
        O_FD = 256, O_PBT, O_NAME, O_PATH, O_REPEAT, O_WARMUP, O_TOUCH, O_EVERY, O_LAT,
        O_THREADS, O_CROSS_FREE
    };
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {"fd", required_argument, NULL, O_FD},
        {"pbt", required_argument, NULL, O_PBT},
        {"name", required_argument, NULL, O_NAME},
        {"path", required_argument, NULL, O_PATH},
        {"backend", required_argument, NULL, 'b'},
        {"repeat", required_argument, NULL, O_REPEAT},
        {"warmup", required_argument, NULL, O_WARMUP},
        {"touch", required_argument, NULL, O_TOUCH},
        {"sample-every", required_argument, NULL, O_EVERY},
        {"latency", no_argument, NULL, O_LAT},
        {"threads", required_argument, NULL, O_THREADS},
        {"cross-free", no_argument, NULL, O_CROSS_FREE},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->fd = -1;
    o->job.repeat = 1;
    o->job.touch = PB_TOUCH_PAGES;
    int c, bad = 0;
    unsigned long long v = 0;
    while ((c = getopt_long(argc, argv, "hb:", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            usage(stdout);
            return 1;
        case O_FD:
            bad |= parse_num(optarg, &v) || v > 1024;
            o->fd = (int)v;
            break;
        case O_PBT:
            o->pbt = optarg;
            break;
        case O_NAME:
            o->name = optarg;
            break;
        case O_PATH:
            o->path = optarg;
            break;
        case 'b':
            o->backend = optarg;
            break;
        case O_REPEAT:
            bad |= parse_num(optarg, &v) || v == 0 || v > 100000;
            o->job.repeat = (unsigned)v;
            break;
        case O_WARMUP:
            bad |= parse_num(optarg, &v) || v > 100000;
            o->job.warmup = (unsigned)v;
            break;
        case O_TOUCH:
            bad |= pb_touch_parse(optarg, &o->job.touch) != 0;
            break;
        case O_EVERY:
            bad |= parse_num(optarg, &v);
            o->job.sample_every = (size_t)v;
            break;
        case O_LAT:
            o->job.latency = 1;
            break;
        case O_THREADS:
            bad |= parse_num(optarg, &v) || v == 0 || v > PB_MAX_THREADS;
            o->job.threads = (unsigned)v;
            break;
        case O_CROSS_FREE:
            o->job.cross_free = 1;
            break;
        default:
            bad = 1;
        }
    }
    if (bad || optind < argc || o->fd < 0 || !o->pbt || !o->backend) {
        usage(stderr);
        return -1;
    }
    return 0;
}

static cJSON *config_object(const struct pb_config_entry *cfg, size_t n)
{
    cJSON *bc = cJSON_CreateObject();
    for (size_t i = 0; i < n; i++)
        cJSON_AddStringToObject(bc, cfg[i].key, cfg[i].value);
    return bc;
}

/* Check the backend is this process's malloc, run the job; the run part. */
static cJSON *work(const struct pb_run_job *job)
{
    const struct pb_backend_ops *ops = job->backend->ops;
    struct pb_config_entry cfg[CHILD_MAX_CFG];
    size_t n_cfg = 0;
    char err[PB_ERR_MAX] = "", problem[PB_RUN_ERR_MAX] = "";
    void *self = NULL;
    if (ops->create(job->backend->opts, job->backend->n_opts, &self, err, sizeof err)) {
        snprintf(problem, sizeof problem, "%s", err);
    } else {
        n_cfg = ops->config(self, cfg, CHILD_MAX_CFG);
        const char *active = pb_config_value(cfg, n_cfg, "active");
        if (active && strcmp(active, "yes") != 0)
            snprintf(problem, sizeof problem, "the preload did not take effect: %s",
                     ops->last_error(self));
        ops->destroy(self);
    }
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
    if (part)
        cJSON_AddItemToObject(part, "backend_config", config_object(cfg, n_cfg));
    return part;
}

int pb_cmd_child(int argc, char **argv)
{
    if (pb_probe_mark) /* from here to the end of the measurement: no malloc (pb_hmem.h) */
        pb_probe_mark(PB_PROBE_BEGIN);
    struct child_opts o;
    int rc = parse(argc, argv, &o);
    if (rc)
        return rc > 0 ? PB_EXIT_OK : PB_EXIT_USAGE;
    struct pb_backend_spec spec;
    char err[512];
    if (pb_backend_spec_parse(o.backend, &spec, err, sizeof err)) {
        pb_text_line(stderr, "poolbench __child: %s", err);
        return PB_EXIT_USAGE;
    }
    struct pb_workload w;
    struct pb_diag diag;
    memset(&w, 0, sizeof w);
    memset(&diag, 0, sizeof diag);
    if (pb_workload_load(o.pbt, &w, &diag)) {
        pb_diag_print(&diag, stderr);
        return PB_EXIT_USAGE;
    }
    if (o.name)
        snprintf(w.name, sizeof w.name, "%s", o.name);
    if (pb_workload_set_path(&w, o.path)) {
        pb_workload_free(&w);
        pb_text_line(stderr, "poolbench __child: out of memory");
        return PB_EXIT_FAIL;
    }
    o.job.backend = &spec;
    o.job.workload = &w;
    cJSON *part = work(&o.job);
    char *text = part ? cJSON_PrintUnformatted(part) : NULL;
    cJSON_Delete(part);
    pb_workload_free(&w);
    rc = text && pb_write_all(o.fd, text, strlen(text)) == 0 ? PB_EXIT_OK : PB_EXIT_FAIL;
    free(text);
    close(o.fd);
    return rc;
}
