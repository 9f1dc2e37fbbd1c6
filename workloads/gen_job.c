/*
 * gen_job.c -- JSON job files: one object, or an array of objects, each
 *
 *     {"generator": "churn", "params": {"size": 64, "order": "fifo"}, "name": "..."}
 *
 * Every param value is a JSON number or string and goes through the same
 * reader as a spec's key=value text, so a job file and a spec mean the same.
 * Numbers are rendered back to text exactly (integers beyond 2^53 cannot be
 * exact in JSON numbers: write them as strings). Unknown fields are errors,
 * and so are keys given twice (pb_json_parse). Every job is read, checked and
 * estimated before any is generated.
 */
#include "pb_generators.h"
#include "pb_json_read.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The text of a JSON number param: an integer as digits, else the shortest round trip. */
static int number_text(const cJSON *v, char *buf, size_t len)
{
    double d = v->valuedouble;
    if (!isfinite(d))
        return -1;
    if (d == floor(d) && fabs(d) <= 9007199254740992.0) {
        snprintf(buf, len, "%.0f", d);
        return 0;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            return 0;
    }
    return 0;
}

static int set_params(struct pb_gen_args *a, const cJSON *params, const char *where, size_t k,
                      char *err, size_t errlen)
{
    if (!params)
        return 0;
    if (!cJSON_IsObject(params)) {
        snprintf(err, errlen, "%s: job %zu: \"params\" must be an object", where, k);
        return -1;
    }
    char why[256];
    for (const cJSON *p = params->child; p; p = p->next) {
        char num[64];
        const char *value = NULL;
        if (cJSON_IsString(p))
            value = p->valuestring;
        else if (cJSON_IsNumber(p) && number_text(p, num, sizeof num) == 0)
            value = num;
        if (!value) {
            snprintf(err, errlen, "%s: job %zu: param \"%s\" must be a number or a string",
                     where, k, p->string);
            return -1;
        }
        if (value == num && num[0] == '-') {
            snprintf(err, errlen, "%s: job %zu: param \"%s\" is negative", where, k, p->string);
            return -1;
        }
        if (pb_gen_args_set(a, p->string, value, why, sizeof why) != 0) {
            snprintf(err, errlen, "%s: job %zu: %s", where, k, why);
            return -1;
        }
    }
    return 0;
}

static int check_fields(const cJSON *job, const char *where, size_t k, char *err, size_t errlen)
{
    for (const cJSON *f = job->child; f; f = f->next) {
        if (strcmp(f->string, "generator") != 0 && strcmp(f->string, "params") != 0 &&
            strcmp(f->string, "name") != 0) {
            snprintf(err, errlen,
                     "%s: job %zu: unknown field \"%s\" (expected generator, params, name)",
                     where, k, f->string);
            return -1;
        }
    }
    return 0;
}

/* "name": a non-empty printable string that fits a workload's name. */
static int check_name(const cJSON *nm, const char *where, size_t k, char *err, size_t errlen)
{
    size_t max = sizeof(((struct pb_workload *)0)->name) - 1;
    if (!cJSON_IsString(nm) || nm->valuestring[0] == '\0' || strlen(nm->valuestring) > max) {
        snprintf(err, errlen, "%s: job %zu: \"name\" must be a string of 1 to %zu characters",
                 where, k, max);
        return -1;
    }
    for (const char *c = nm->valuestring; *c; c++) {
        if ((unsigned char)*c < 0x20 || *c == 0x7f) {
            snprintf(err, errlen, "%s: job %zu: \"name\" holds a control character", where, k);
            return -1;
        }
    }
    return 0;
}

/* One job object into finished args and its display name (NULL when none). */
static int read_job(const cJSON *job, const char *where, size_t k, const uint64_t *global_seed,
                    struct pb_gen_args *a, const char **name, char *err, size_t errlen)
{
    if (!cJSON_IsObject(job)) {
        snprintf(err, errlen, "%s: job %zu is not an object", where, k);
        return -1;
    }
    if (check_fields(job, where, k, err, errlen) != 0)
        return -1;
    const cJSON *gen = cJSON_GetObjectItemCaseSensitive(job, "generator");
    const cJSON *nm = cJSON_GetObjectItemCaseSensitive(job, "name");
    if (!gen) {
        snprintf(err, errlen, "%s: job %zu: missing \"generator\"", where, k);
        return -1;
    }
    if (!cJSON_IsString(gen)) {
        snprintf(err, errlen, "%s: job %zu: \"generator\" must be a string", where, k);
        return -1;
    }
    if (nm && check_name(nm, where, k, err, errlen) != 0)
        return -1;
    *name = nm ? nm->valuestring : NULL;
    char why[256];
    if (pb_gen_args_init(a, gen->valuestring, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s: job %zu: %s", where, k, why);
        return -1;
    }
    if (set_params(a, cJSON_GetObjectItemCaseSensitive(job, "params"), where, k, err,
                   errlen) != 0)
        return -1;
    if (pb_gen_args_finish(a, global_seed, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s: job %zu: %s", where, k, why);
        return -1;
    }
    return 0;
}

/* Read, check and estimate every job of root into jobs[0..n). */
static int prepare_jobs(const cJSON *root, const char *where, const uint64_t *global_seed,
                        const struct pb_gen_limits *limits, struct pb_gen_job *jobs, size_t n,
                        char *err, size_t errlen)
{
    const cJSON *job = cJSON_IsArray(root) ? root->child : root;
    for (size_t k = 0; k < n; k++, job = job->next) {
        struct pb_gen_args a;
        const char *name = NULL;
        char why[320];
        if (read_job(job, where, k, global_seed, &a, &name, err, errlen) != 0)
            return -1;
        if (pb_gen_job_init(&a, name, limits, &jobs[k], why, sizeof why) != 0) {
            snprintf(err, errlen, "%s: job %zu: %s", where, k, why);
            return -1;
        }
    }
    return 0;
}

/* Parse text and check its shape: the root (which the caller deletes) and the
 * number of jobs in *n, or NULL and err. */
static cJSON *parse_root(const char *text, size_t len, const char *where, size_t *n, char *err,
                         size_t errlen)
{
    struct pb_json_error e;
    cJSON *root = pb_json_parse(text, len, &e);
    if (!root) {
        snprintf(err, errlen, "%s:%zu:%zu: %s", where, e.line, e.column, e.message);
        return NULL;
    }
    *n = cJSON_IsArray(root) ? (size_t)cJSON_GetArraySize(root) : 1;
    if (!cJSON_IsArray(root) && !cJSON_IsObject(root))
        snprintf(err, errlen, "%s: a job file holds an object or an array of objects", where);
    else if (*n == 0)
        snprintf(err, errlen, "%s: the job array is empty", where);
    else
        return root;
    cJSON_Delete(root);
    return NULL;
}

int pb_job_prepare(const char *text, size_t len, const char *where, const uint64_t *global_seed,
                   const struct pb_gen_limits *limits, struct pb_gen_job **jobs,
                   size_t *n_jobs, char *err, size_t errlen)
{
    *jobs = NULL;
    *n_jobs = 0;
    size_t n = 0;
    cJSON *root = parse_root(text, len, where, &n, err, errlen);
    struct pb_gen_job *j = root ? calloc(n, sizeof *j) : NULL;
    int rc = -1;
    if (root && !j)
        snprintf(err, errlen, "%s: out of memory", where);
    else if (root)
        rc = prepare_jobs(root, where, global_seed, limits, j, n, err, errlen);
    cJSON_Delete(root);
    if (rc != 0) {
        pb_gen_jobs_free(j, n);
        /* keys, values and names quoted from the file stay text on a terminal */
        size_t w = strlen(where);
        if (strncmp(err, where, w) == 0)
            pb_json_printable(err + w);
        return -1;
    }
    *jobs = j;
    *n_jobs = n;
    return 0;
}

int pb_job_check(const char *text, size_t len, const char *where, const uint64_t *global_seed,
                 const struct pb_gen_limits *limits, size_t *n_jobs, char *err, size_t errlen)
{
    struct pb_gen_job *jobs = NULL;
    if (pb_job_prepare(text, len, where, global_seed, limits, &jobs, n_jobs, err, errlen) != 0)
        return -1;
    pb_gen_jobs_free(jobs, *n_jobs);
    return 0;
}

int pb_job_build(const char *text, size_t len, const char *where, const uint64_t *global_seed,
                 const struct pb_gen_limits *limits, struct pb_workload **out, size_t *n_out,
                 char *err, size_t errlen)
{
    struct pb_gen_job *jobs = NULL;
    size_t n = 0;
    *out = NULL;
    *n_out = 0;
    if (pb_job_prepare(text, len, where, global_seed, limits, &jobs, &n, err, errlen) != 0)
        return -1;
    int rc = pb_gen_jobs_build(jobs, n, out, n_out, err, errlen);
    pb_gen_jobs_free(jobs, n);
    return rc;
}
