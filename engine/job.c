/*
 * job.c -- the message for a refused event (where it is in the workload,
 * what it asked for, who refused and why), and the one codec of a run job
 * for `poolbench __child`: both directions read the same field table, so an
 * option added to the job travels without a second edit.
 */
#include "job.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>

void pb_describe_failure(const struct pb_workload *w, size_t i, const char *backend,
                         const char *reason, char *out, size_t outlen)
{
    if (i >= w->n_records) {
        snprintf(out, outlen, "%s: out of memory in the runner", backend);
        return;
    }
    static const char letters[] = "afrx";
    const struct pb_event *e = &w->events[i];
    char where[200];
    uint64_t line = pb_workload_line(w, i);
    if (line)
        snprintf(where, sizeof where, "%s:%" PRIu64, w->path ? w->path : w->name, line);
    else
        snprintf(where, sizeof where, "%s: event %zu", w->name, i);
    if (e->op == PB_OP_RESET)
        snprintf(out, outlen, "%s: x refused by %s: %s", where, backend, reason);
    else
        snprintf(out, outlen, "%s: %c of %" PRIu64 " bytes (align %u) refused by %s: %s", where,
                 letters[e->op & 3], (uint64_t)e->size, 1u << e->align_log2, backend, reason);
}

static uint64_t tv_ns(struct timeval tv)
{
    return (uint64_t)tv.tv_sec * 1000000000u + (uint64_t)tv.tv_usec * 1000u;
}

void pb_usage_since(const struct rusage *a, struct pb_usage *out)
{
    struct rusage b;
    getrusage(RUSAGE_SELF, &b);
    out->minor_faults = (uint64_t)(b.ru_minflt - a->ru_minflt);
    out->major_faults = (uint64_t)(b.ru_majflt - a->ru_majflt);
    out->voluntary_switches = (uint64_t)(b.ru_nvcsw - a->ru_nvcsw);
    out->involuntary_switches = (uint64_t)(b.ru_nivcsw - a->ru_nivcsw);
    out->user_ns = tv_ns(b.ru_utime) - tv_ns(a->ru_utime);
    out->system_ns = tv_ns(b.ru_stime) - tv_ns(a->ru_stime);
}

/* ---- the codec of `poolbench __child` ------------------------------------ */

/* The numeric fields of a job, in one table both directions read. */
enum field_kind { F_UNSIGNED, F_SIZE, F_FLAG, F_INT };
struct job_field {
    const char *name;  /* the option, without "--" */
    enum field_kind kind;
    size_t offset;     /* in struct pb_run_job */
    uint64_t min, max; /* accepted values (flags: 0, 1) */
    const char *help;
};

static const struct job_field job_fields[] = {
    {"repeat", F_UNSIGNED, offsetof(struct pb_run_job, repeat), 0, 100000,
     "timed replays"},
    {"warmup", F_UNSIGNED, offsetof(struct pb_run_job, warmup), 0, 100000,
     "untimed replays before them"},
    {"sample-every", F_SIZE, offsetof(struct pb_run_job, sample_every), 0, SIZE_MAX,
     "memory timeline: events between samples (0: about 200 samples)"},
    {"threads", F_UNSIGNED, offsetof(struct pb_run_job, threads), 0, 256,
     "copies replayed at once by the timed passes"},
    {"pass", F_UNSIGNED, offsetof(struct pb_run_job, pass), PB_PASS_ALL, PB_PASS_TIME,
     "0 every pass, 1 memory (and latency), 2 timed"},
    {"cpu", F_INT, offsetof(struct pb_run_job, cpu), 0, 1u << 20,
     "pin the process to this CPU (absent: not pinned)"},
    {"latency", F_FLAG, offsetof(struct pb_run_job, latency), 0, 1,
     "also run the latency pass"},
    {"cross-free", F_FLAG, offsetof(struct pb_run_job, cross_free), 0, 1,
     "threads hand the blocks they free to the next thread"},
};
#define N_JOB_FIELDS (sizeof job_fields / sizeof job_fields[0])

/* The string fields, decoded into struct pb_job_decoded. */
enum { S_FD, S_PBT, S_NAME, S_PATH, S_BACKEND, S_TOUCH, N_STRINGS };
static const char *const string_names[N_STRINGS] = {"fd", "pbt", "name", "path", "backend",
                                                    "touch"};

static uint64_t field_get(const struct pb_run_job *job, const struct job_field *f)
{
    const char *p = (const char *)job + f->offset;
    switch (f->kind) {
    case F_SIZE:
        return *(const size_t *)p;
    case F_FLAG:
    case F_INT:
        return (uint64_t)(int64_t) * (const int *)p;
    default:
        return *(const unsigned *)p;
    }
}

static void field_set(struct pb_run_job *job, const struct job_field *f, uint64_t v)
{
    char *p = (char *)job + f->offset;
    if (f->kind == F_SIZE)
        *(size_t *)p = (size_t)v;
    else if (f->kind == F_FLAG || f->kind == F_INT)
        *(int *)p = (int)v;
    else
        *(unsigned *)p = (unsigned)v;
}

/* Append "--name" and, unless it is NULL, value (copied into out->buf). */
static int put(struct pb_job_argv *out, size_t *used, const char *name, const char *value)
{
    const char *items[2] = {name, value};
    for (int i = 0; i < 2 && items[i]; i++) {
        size_t len = strlen(items[i]) + (i == 0 ? 3 : 1);
        if (out->argc >= PB_JOB_ARGV_MAX - 1 || *used + len > sizeof out->buf)
            return -1;
        char *at = out->buf + *used;
        snprintf(at, len, i == 0 ? "--%s" : "%s", items[i]);
        *used += len;
        out->argv[out->argc++] = at;
    }
    out->argv[out->argc] = NULL;
    return 0;
}

int pb_run_job_to_argv(const struct pb_run_job *job, int result_fd, int pbt_fd,
                       struct pb_job_argv *out)
{
    out->argc = 0;
    size_t used = 0;
    char num[32], pbt[48];
    snprintf(num, sizeof num, "%d", result_fd);
    snprintf(pbt, sizeof pbt, "/proc/self/fd/%d", pbt_fd);
    const struct pb_workload *w = job->workload;
    const char *strings[N_STRINGS] = {num, pbt, w->name, w->path ? w->path : "",
                                      job->backend->text, pb_touch_name(job->touch)};
    int rc = 0;
    for (int i = 0; i < N_STRINGS && rc == 0; i++)
        rc = put(out, &used, string_names[i], strings[i]);
    for (size_t i = 0; i < N_JOB_FIELDS && rc == 0; i++) {
        const struct job_field *f = &job_fields[i];
        uint64_t v = field_get(job, f);
        if (f->kind == F_FLAG && v)
            rc = put(out, &used, f->name, NULL);
        else if (f->kind == F_INT && (int64_t)v >= 0)
            rc = put(out, &used, f->name, (snprintf(num, sizeof num, "%d", (int)v), num));
        else if (f->kind == F_UNSIGNED || f->kind == F_SIZE)
            rc = put(out, &used, f->name,
                     (snprintf(num, sizeof num, "%llu", (unsigned long long)v), num));
    }
    return rc;
}

static int parse_u64(const char *text, uint64_t min, uint64_t max, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || end == text || *end || text[0] < '0' || text[0] > '9' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* One option's value into out; -1 with err when it is not acceptable. */
static int decode_one(int index, const char *arg, struct pb_job_decoded *out,
                      const char **strings, char *err, size_t errlen)
{
    if (index < N_STRINGS) {
        strings[index] = arg;
        return 0;
    }
    const struct job_field *f = &job_fields[index - N_STRINGS];
    uint64_t v = 1;
    if (f->kind != F_FLAG && parse_u64(arg, f->min, f->max, &v)) {
        snprintf(err, errlen, "--%s '%s': not a number from %llu to %llu", f->name, arg,
                 (unsigned long long)f->min, (unsigned long long)f->max);
        return -1;
    }
    field_set(&out->job, f, v);
    return 0;
}

/* The strings, checked and parsed into out. */
static int decode_strings(const char **s, struct pb_job_decoded *out, char *err, size_t errlen)
{
    uint64_t fd = 0;
    for (int i = S_FD; i <= S_BACKEND; i++) {
        if (!s[i] && i != S_PATH && i != S_NAME) {
            snprintf(err, errlen, "--%s is required", string_names[i]);
            return -1;
        }
    }
    if (parse_u64(s[S_FD], 0, 1024, &fd)) {
        snprintf(err, errlen, "--fd '%s': not a descriptor", s[S_FD]);
        return -1;
    }
    out->result_fd = (int)fd;
    out->pbt = s[S_PBT];
    out->name = s[S_NAME] ? s[S_NAME] : "";
    out->path = s[S_PATH] ? s[S_PATH] : "";
    if (s[S_TOUCH] && pb_touch_parse(s[S_TOUCH], &out->job.touch)) {
        snprintf(err, errlen, "--touch '%s': none, pages or full", s[S_TOUCH]);
        return -1;
    }
    if (pb_backend_spec_parse(s[S_BACKEND], &out->spec, err, errlen))
        return -1;
    out->job.backend = &out->spec;
    return 0;
}

int pb_run_job_from_argv(int argc, char **argv, struct pb_job_decoded *out, char *err,
                         size_t errlen)
{
    struct option longopts[N_STRINGS + N_JOB_FIELDS + 2];
    for (int i = 0; i < N_STRINGS; i++)
        longopts[i] = (struct option){string_names[i], required_argument, NULL, 256 + i};
    for (size_t i = 0; i < N_JOB_FIELDS; i++)
        longopts[N_STRINGS + i] = (struct option){
            job_fields[i].name, job_fields[i].kind == F_FLAG ? no_argument : required_argument,
            NULL, 256 + N_STRINGS + (int)i};
    longopts[N_STRINGS + N_JOB_FIELDS] = (struct option){"help", no_argument, NULL, 'h'};
    longopts[N_STRINGS + N_JOB_FIELDS + 1] = (struct option){NULL, 0, NULL, 0};
    memset(out, 0, sizeof *out);
    out->job.repeat = 1;
    out->job.touch = PB_TOUCH_PAGES;
    out->job.cpu = -1;
    const char *strings[N_STRINGS] = {NULL};
    optind = 0; /* a full rescan, also when getopt ran before in this process */
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        if (c == 'h')
            return 1;
        if (c < 256) {
            snprintf(err, errlen, "unknown option or missing value: '%s'", argv[optind - 1]);
            return -1;
        }
        if (decode_one(c - 256, optarg, out, strings, err, errlen))
            return -1;
    }
    if (optind < argc) {
        snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
        return -1;
    }
    return decode_strings(strings, out, err, errlen);
}

void pb_run_job_usage(FILE *f)
{
    static const char *const string_help[N_STRINGS] = {
        "descriptor the result (JSON) is written to", "the workload as a .pbt file",
        "the workload's name", "the workload's path (may be empty)",
        "the backend spec (pool:chunk=48)", "none, pages or full"};
    for (int i = 0; i < N_STRINGS; i++)
        fprintf(f, "  --%-14s %s\n", string_names[i], string_help[i]);
    for (size_t i = 0; i < N_JOB_FIELDS; i++)
        fprintf(f, "  --%-14s %s\n", job_fields[i].name, job_fields[i].help);
}
