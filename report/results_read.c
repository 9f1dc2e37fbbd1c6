/*
 * results_read.c -- loads results files and checks their shape against the
 * contract, field by field, so that an error names the file and the field.
 */
#include "results_read.h"
#include "results_fields.h"

#include "pb_json_read.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_results.h"
#include "pb_infile.h"

/* The largest results file read: about 300 times the 63-run example. */
#define RESULTS_MAX_BYTES ((uint64_t)256 << 20)

/* Contract fields of a run's memory object (results.md). */
static const char *const memory_fields[] = {
    PB_F_GRANTED_BYTES_AT_PEAK, PB_F_INTERNAL_FRAGMENTATION, PB_F_PEAK_FOOTPRINT_BYTES,
    PB_F_PEAK_RESIDENT_BYTES, PB_F_OCCUPIED_PAGE_BYTES_AT_PEAK, PB_F_WASTED_PAGE_BYTES,
    PB_F_FRAGMENTATION, PB_F_PEAK_RSS_BYTES, NULL,
};

/* Contract fields of a timeline sample; the first two may not be null. */
static const char *const timeline_fields[] = {
    PB_F_EVENT,           PB_F_LIVE_BYTES,     PB_F_GRANTED_BYTES,
    PB_F_FOOTPRINT_BYTES, PB_F_RESIDENT_BYTES, NULL,
};

/* Where the checker is: file and field path, for messages. */
struct check {
    const char *path;
    char *err;
    size_t errlen;
};

static int fail(const struct check *c, const char *where, const char *key, const char *what)
{
    snprintf(c->err, c->errlen, "%s: %s%s%s: %s", c->path, where, *where ? "." : "", key, what);
    return -1;
}

/* The member key of obj, which must be present; NULL after an error. */
static const cJSON *need(const struct check *c, const cJSON *obj, const char *where,
                         const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v)
        fail(c, where, key, "missing");
    return v;
}

static int need_type(const struct check *c, const cJSON *obj, const char *where,
                     const char *key, int (*is)(const cJSON *), const char *type)
{
    const cJSON *v = need(c, obj, where, key);
    if (!v)
        return -1;
    return is(v) ? 0 : fail(c, where, key, type);
}

static int is_number(const cJSON *v) { return cJSON_IsNumber(v); }
static int is_string(const cJSON *v) { return cJSON_IsString(v); }
static int is_object(const cJSON *v) { return cJSON_IsObject(v); }
static int is_array(const cJSON *v) { return cJSON_IsArray(v); }
static int is_number_or_null(const cJSON *v) { return cJSON_IsNumber(v) || cJSON_IsNull(v); }

static int check_distribution(const struct check *c, const cJSON *time, const char *where,
                              const char *key)
{
    char here[128];
    snprintf(here, sizeof here, "%s.%s", where, key);
    if (need_type(c, time, where, key, is_object, "not an object"))
        return -1;
    const cJSON *d = pb_res_get(time, key);
    static const char *const stats[] = {PB_F_MEDIAN, PB_F_MIN, PB_F_MAX, NULL};
    for (int i = 0; stats[i]; i++)
        if (need_type(c, d, here, stats[i], is_number, "not a number"))
            return -1;
    if (need_type(c, d, here, PB_F_SAMPLES, is_array, "not an array"))
        return -1;
    const cJSON *s;
    cJSON_ArrayForEach(s, pb_res_get(d, PB_F_SAMPLES)) {
        if (!cJSON_IsNumber(s))
            return fail(c, here, PB_F_SAMPLES, "holds a value that is not a number");
    }
    return 0;
}

static int check_time(const struct check *c, const cJSON *run, const char *where)
{
    char here[96];
    snprintf(here, sizeof here, "%s." PB_F_TIME, where);
    if (need_type(c, run, where, PB_F_TIME, is_object, "not an object (the run is ok)"))
        return -1;
    const cJSON *t = pb_res_get(run, PB_F_TIME);
    if (check_distribution(c, t, here, PB_F_NS_PER_OP) ||
        check_distribution(c, t, here, PB_F_OPS_PER_SEC))
        return -1;
    return need_type(c, t, here, PB_F_NET_NS_PER_OP, is_number_or_null,
                     "neither a number nor null");
}

static int check_memory(const struct check *c, const cJSON *run, const char *where)
{
    char here[96];
    snprintf(here, sizeof here, "%s." PB_F_MEMORY, where);
    if (need_type(c, run, where, PB_F_MEMORY, is_object, "not an object (the run is ok)"))
        return -1;
    const cJSON *m = pb_res_get(run, PB_F_MEMORY);
    for (int i = 0; memory_fields[i]; i++)
        if (need_type(c, m, here, memory_fields[i], is_number_or_null, "neither a number nor null"))
            return -1;
    return 0;
}

static int check_timeline(const struct check *c, const cJSON *run, const char *where)
{
    if (need_type(c, run, where, PB_F_TIMELINE, is_array, "not an array"))
        return -1;
    int i = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, pb_res_get(run, PB_F_TIMELINE)) {
        char here[96];
        snprintf(here, sizeof here, "%s." PB_F_TIMELINE "[%d]", where, i++);
        if (!cJSON_IsObject(s)) {
            snprintf(c->err, c->errlen, "%s: %s: not an object", c->path, here);
            return -1;
        }
        for (int k = 0; timeline_fields[k]; k++)
            if (need_type(c, s, here, timeline_fields[k], k < 2 ? is_number : is_number_or_null,
                          k < 2 ? "not a number" : "neither a number nor null"))
                return -1;
    }
    return 0;
}

/* latency is optional; when it is an object its two halves must be whole. */
static int check_latency(const struct check *c, const cJSON *run, const char *where)
{
    const cJSON *lat = pb_res_get(run, PB_F_LATENCY);
    if (!lat || cJSON_IsNull(lat))
        return 0;
    char here[96];
    snprintf(here, sizeof here, "%s." PB_F_LATENCY, where);
    if (!cJSON_IsObject(lat))
        return fail(c, where, PB_F_LATENCY, "neither an object nor null");
    static const char *const kinds[] = {PB_F_ALLOC, PB_F_FREE};
    static const char *const stats[] = {PB_F_P50_NS, PB_F_P99_NS, PB_F_P999_NS, PB_F_MAX_NS, NULL};
    for (int k = 0; k < 2; k++) {
        char sub[128];
        snprintf(sub, sizeof sub, "%s.%s", here, kinds[k]);
        if (need_type(c, lat, here, kinds[k], is_object, "not an object"))
            return -1;
        const cJSON *o = cJSON_GetObjectItemCaseSensitive(lat, kinds[k]);
        for (int i = 0; stats[i]; i++)
            if (need_type(c, o, sub, stats[i], is_number, "not a number"))
                return -1;
        if (need_type(c, o, sub, PB_F_CDF_NS, is_array, "not an array"))
            return -1;
    }
    return 0;
}

static int check_run(const struct check *c, const cJSON *run, int i)
{
    char where[64];
    snprintf(where, sizeof where, "runs[%d]", i);
    if (!cJSON_IsObject(run)) {
        snprintf(c->err, c->errlen, "%s: %s: not an object", c->path, where);
        return -1;
    }
    if (need_type(c, run, where, PB_F_BACKEND, is_string, "not a string") ||
        need_type(c, run, where, PB_F_WORKLOAD, is_object, "not an object"))
        return -1;
    char wl[96];
    snprintf(wl, sizeof wl, "%s." PB_F_WORKLOAD, where);
    if (need_type(c, pb_res_get(run, PB_F_WORKLOAD), wl, PB_F_NAME, is_string,
                  "not a string") ||
        need_type(c, run, where, PB_F_STATUS, is_string, "not a string"))
        return -1;
    const char *status = pb_res_get(run, PB_F_STATUS)->valuestring;
    if (strcmp(status, "failed") == 0 || strcmp(status, "refused") == 0)
        return need_type(c, run, where, PB_F_ERROR, is_string,
                         "not a string (the run did not finish)");
    if (strcmp(status, "ok") != 0)
        return fail(c, where, PB_F_STATUS, "not \"ok\", \"refused\" or \"failed\"");
    if (check_time(c, run, where) || check_memory(c, run, where) ||
        check_timeline(c, run, where) || check_latency(c, run, where))
        return -1;
    return 0;
}

static int check_document(const struct check *c, const cJSON *doc)
{
    if (!cJSON_IsObject(doc)) {
        snprintf(c->err, c->errlen, "%s: not a poolbench results file (not a JSON object)",
                 c->path);
        return -1;
    }
    const cJSON *schema = pb_res_get(doc, PB_F_SCHEMA);
    if (!cJSON_IsString(schema)) {
        snprintf(c->err, c->errlen, "%s: not a poolbench results file (no \"schema\" field)",
                 c->path);
        return -1;
    }
    if (pb_bench_is_doc(doc)) {
        snprintf(c->err, c->errlen, "%s: a whole-program bench file (schema \"%s\"), not "
                 "replay results (\"%s\"): only plot and report read it, alone", c->path,
                 PB_BENCH_SCHEMA, PB_RESULTS_SCHEMA);
        return -1;
    }
    if (strcmp(schema->valuestring, PB_RESULTS_SCHEMA) != 0) {
        snprintf(c->err, c->errlen, "%s: schema \"%s\" is not \"%s\"", c->path,
                 schema->valuestring, PB_RESULTS_SCHEMA);
        return -1;
    }
    if (need_type(c, doc, "", PB_F_MACHINE, is_object, "not an object") ||
        need_type(c, doc, "", PB_F_RUNS, is_array, "not an array"))
        return -1;
    int i = 0;
    const cJSON *run;
    cJSON_ArrayForEach(run, pb_res_get(doc, PB_F_RUNS)) {
        if (check_run(c, run, i++))
            return -1;
    }
    return 0;
}

static void base_name(const char *path, char *out, size_t len)
{
    const char *slash = strrchr(path, '/');
    snprintf(out, len, "%s", slash ? slash + 1 : path);
}

/* Parse text from path and check it: a replay results document, or with
 * any a bench document too. */
static int parse_doc(const char *path, const char *text, int any, struct pb_results_file *out,
                     char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    snprintf(out->path, sizeof out->path, "%s", path);
    base_name(path, out->label, sizeof out->label);
    struct check c = {path, err, errlen};
    struct pb_json_error e;
    out->doc = pb_json_parse(text, strlen(text), &e);
    if (!out->doc) {
        snprintf(err, errlen, "%s:%zu:%zu: not a poolbench results file: %s", path, e.line,
                 e.column, e.message);
        return -1;
    }
    out->bench = any && pb_bench_is_doc(out->doc);
    int bad;
    if (out->bench) {
        char why[1024];
        bad = pb_bench_check_doc(out->doc, why, sizeof why);
        if (bad)
            snprintf(err, errlen, "%s: %s", path, why);
    } else {
        bad = check_document(&c, out->doc);
    }
    if (bad) {
        pb_results_file_free(out);
        size_t n = strlen(path);
        if (strncmp(err, path, n) == 0)
            pb_json_printable(err + n); /* field values quoted from the file stay text */
        return -1;
    }
    out->runs = pb_res_get(out->doc, PB_F_RUNS);
    return 0;
}

int pb_results_parse(const char *path, const char *text, struct pb_results_file *out,
                     char *err, size_t errlen)
{
    return parse_doc(path, text, 0, out, err, errlen);
}

int pb_results_parse_any(const char *path, const char *text, struct pb_results_file *out,
                         char *err, size_t errlen)
{
    return parse_doc(path, text, 1, out, err, errlen);
}

/* The whole file into a NUL-terminated buffer; NULL with err. A regular file
 * of at most RESULTS_MAX_BYTES (pb_infile_open: a FIFO or a device would
 * block or never end). */
static char *slurp(const char *path, char *err, size_t errlen)
{
    off_t size = 0;
    int fd = pb_infile_open(path, &size, err, errlen);
    FILE *f = fd >= 0 ? fdopen(fd, "rb") : NULL;
    if (!f) {
        if (fd >= 0) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            close(fd);
        }
        return NULL;
    }
    if ((uint64_t)size > RESULTS_MAX_BYTES) {
        snprintf(err, errlen, "%s: %llu bytes, more than a results file's %llu MiB", path,
                 (unsigned long long)size, (unsigned long long)(RESULTS_MAX_BYTES >> 20));
        fclose(f);
        return NULL;
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        len += fread(buf + len, 1, cap - len - 1, f);
        if (len < cap - 1 || len > RESULTS_MAX_BYTES) /* the file grew past the bound */
            break;
        char *bigger = realloc(buf, cap * 2);
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        snprintf(err, errlen, "%s: %s", path, buf ? "read error" : "out of memory");
        free(buf);
        return NULL;
    }
    if (len > RESULTS_MAX_BYTES) {
        snprintf(err, errlen, "%s: more than a results file's %llu MiB", path,
                 (unsigned long long)(RESULTS_MAX_BYTES >> 20));
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    return buf;
}

int pb_results_read(const char *path, struct pb_results_file *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    char *text = slurp(path, err, errlen);
    if (!text)
        return -1;
    int rc = pb_results_parse(path, text, out, err, errlen);
    free(text);
    return rc;
}

int pb_results_read_any(const char *path, struct pb_results_file *out, char *err,
                        size_t errlen)
{
    memset(out, 0, sizeof *out);
    char *text = slurp(path, err, errlen);
    if (!text)
        return -1;
    int rc = pb_results_parse_any(path, text, out, err, errlen);
    free(text);
    return rc;
}

int pb_results_set_of(struct pb_results_set *set, struct pb_results_file *f)
{
    set->n = 0;
    set->files = calloc(1, sizeof *set->files);
    if (!set->files)
        return -1;
    set->files[0] = *f;
    set->n = 1;
    memset(f, 0, sizeof *f);
    return 0;
}

void pb_results_file_free(struct pb_results_file *f)
{
    cJSON_Delete(f->doc);
    f->doc = NULL;
    f->runs = NULL;
}

int pb_results_set_read(struct pb_results_set *set, char *const *paths, size_t n, char *err,
                        size_t errlen)
{
    set->n = 0;
    set->files = calloc(n ? n : 1, sizeof *set->files);
    if (!set->files) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (pb_results_read(paths[i], &set->files[i], err, errlen)) {
            pb_results_set_free(set);
            return -1;
        }
        set->n++;
    }
    /* Two files of the same base name (a/latest.json, b/latest.json): use paths. */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            if (i != j && strcmp(set->files[i].label, set->files[j].label) == 0)
                snprintf(set->files[i].label, sizeof set->files[i].label, "%.255s",
                         set->files[i].path);
    return 0;
}

void pb_results_set_free(struct pb_results_set *set)
{
    for (size_t i = 0; i < set->n; i++)
        pb_results_file_free(&set->files[i]);
    free(set->files);
    set->files = NULL;
    set->n = 0;
}

const char *pb_run_workload_name(const cJSON *run)
{
    const cJSON *w = pb_res_get(run, PB_F_WORKLOAD);
    const cJSON *n = pb_res_get(w, PB_F_NAME);
    return cJSON_IsString(n) ? n->valuestring : "";
}

int pb_run_ok(const cJSON *run)
{
    const cJSON *s = pb_res_get(run, PB_F_STATUS);
    return cJSON_IsString(s) && strcmp(s->valuestring, "ok") == 0;
}

int pb_run_refused(const cJSON *run)
{
    const cJSON *s = pb_res_get(run, PB_F_STATUS);
    return cJSON_IsString(s) && strcmp(s->valuestring, "refused") == 0;
}

int pb_run_is_baseline(const cJSON *run)
{
    const cJSON *b = pb_res_get(run, PB_F_BASELINE);
    if (cJSON_IsBool(b))
        return cJSON_IsTrue(b);
    b = pb_res_get(run, PB_F_BACKEND); /* files written without the flag */
    return cJSON_IsString(b) && strcmp(b->valuestring, "null") == 0;
}

/* A --threads N run (N > 1) replays N copies at once: it is another setup
 * than the same backend on one thread, so labels and keys say so. The run's
 * own key first (a refused or failed run has no time), then time's. */
int pb_run_threads(const cJSON *run)
{
    const cJSON *t = pb_res_get(run, PB_F_THREADS);
    if (!cJSON_IsNumber(t))
        t = pb_res_at(run, PB_RP_TIME_THREADS);
    return cJSON_IsNumber(t) && t->valuedouble > 1 && t->valuedouble <= 1e6 ? (int)t->valuedouble
                                                                             : 1;
}

int pb_run_cross_free(const cJSON *run)
{
    const cJSON *x = pb_res_get(run, PB_F_CROSS_FREE);
    if (!cJSON_IsBool(x))
        x = pb_res_at(run, PB_RP_TIME_CROSS_FREE);
    return cJSON_IsTrue(x);
}

const char *pb_run_backend_label(const cJSON *run, char *buf, size_t len)
{
    const cJSON *spec = pb_res_get(run, PB_F_BACKEND_SPEC);
    const cJSON *name = pb_res_get(run, PB_F_BACKEND);
    const char *s = cJSON_IsString(spec) && *spec->valuestring ? spec->valuestring
                    : cJSON_IsString(name)                     ? name->valuestring
                                                               : "?";
    int threads = pb_run_threads(run);
    if (threads > 1)
        snprintf(buf, len, "%s x%d threads%s", s, threads,
                 pb_run_cross_free(run) ? " cross-free" : "");
    else
        snprintf(buf, len, "%s", s);
    return buf;
}

static int by_key(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    return strcmp(x->string ? x->string : "", y->string ? y->string : "");
}

const char *pb_run_backend_key(const cJSON *run, char *buf, size_t len)
{
    const cJSON *name = pb_res_get(run, PB_F_BACKEND);
    const cJSON *cfg = pb_res_get(run, PB_F_BACKEND_CONFIG);
    size_t used = (size_t)snprintf(buf, len, "%s", cJSON_IsString(name) ? name->valuestring : "?");
    int n = cJSON_IsObject(cfg) ? cJSON_GetArraySize(cfg) : 0;
    const cJSON **items = calloc(n ? (size_t)n : 1, sizeof *items);
    if (!items)
        return buf;
    int k = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, cfg) { items[k++] = it; }
    qsort(items, (size_t)k, sizeof *items, by_key);
    for (int i = 0; i < k && used < len; i++) {
        char val[128];
        if (cJSON_IsString(items[i]))
            snprintf(val, sizeof val, "%s", items[i]->valuestring);
        else if (cJSON_IsNumber(items[i]))
            snprintf(val, sizeof val, "%.17g", items[i]->valuedouble);
        else
            snprintf(val, sizeof val, "%s", cJSON_IsTrue(items[i]) ? "true" : "?");
        used += (size_t)snprintf(buf + used, len - used, " %s=%s", items[i]->string, val);
    }
    free(items);
    int threads = pb_run_threads(run);
    if (threads > 1 && used < len)
        snprintf(buf + used, len - used, " threads=%d%s", threads,
                 pb_run_cross_free(run) ? " cross_free" : "");
    return buf;
}

const cJSON *pb_json_at(const cJSON *obj, const char *dotted)
{
    char step[128];
    const char *p = dotted;
    while (obj && *p) {
        size_t n = strcspn(p, ".");
        if (n >= sizeof step)
            return NULL;
        memcpy(step, p, n);
        step[n] = '\0';
        obj = cJSON_GetObjectItemCaseSensitive(obj, step);
        p += n + (p[n] == '.');
    }
    return obj;
}

double pb_json_number(const cJSON *obj, const char *dotted)
{
    const cJSON *v = pb_json_at(obj, dotted);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

const char *pb_results_machine(const struct pb_results_file *f, char *buf, size_t len)
{
    const cJSON *m = pb_res_get(f->doc, PB_F_MACHINE);
    const cJSON *cpu = pb_res_get(m, PB_F_CPU);
    double cores = pb_json_number(m, PB_F_CORES);
    if (!cJSON_IsString(cpu))
        snprintf(buf, len, "unknown machine");
    else if (isnan(cores))
        snprintf(buf, len, "%s", cpu->valuestring);
    else
        snprintf(buf, len, "%s, %.0f cores", cpu->valuestring, cores);
    return buf;
}

int pb_json_count(const cJSON *obj, const char *dotted)
{
    double v = pb_json_number(obj, dotted);
    if (!(v > 0)) /* NaN too */
        return 0;
    return v >= (double)INT_MAX ? INT_MAX : (int)v;
}
