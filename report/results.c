/*
 * results.c -- builds the results document. Byte counts are written as JSON
 * numbers (exact up to 2^53); unmeasured figures are JSON null, with the
 * reason in the run's notes.
 */
#include "results.h"
#include "results_fields.h"
#include "pb_outfile.h"
#include "results_read.h"

#include <errno.h>
#include <gnu/libc-version.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "pb_build_info.h"
#include "pb_stats.h"

static void add_u64(cJSON *o, const char *key, uint64_t v)
{
    cJSON_AddNumberToObject(o, key, (double)v);
}

static void add_u64_or_null(cJSON *o, const char *key, int ok, uint64_t v)
{
    if (ok)
        add_u64(o, key, v);
    else
        cJSON_AddNullToObject(o, key);
}

static void add_double_or_null(cJSON *o, const char *key, int ok, double v)
{
    if (ok)
        cJSON_AddNumberToObject(o, key, v);
    else
        cJSON_AddNullToObject(o, key);
}

/* ---- header ---------------------------------------------------------------- */

static void cpu_model(char *out, size_t len)
{
    snprintf(out, len, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (strncmp(line, "model name", 10) == 0 && colon) {
            colon++;
            while (*colon == ' ' || *colon == '\t')
                colon++;
            colon[strcspn(colon, "\n")] = '\0';
            snprintf(out, len, "%s", colon);
            break;
        }
    }
    fclose(f);
}

static cJSON *machine_json(void)
{
    cJSON *m = cJSON_CreateObject();
    char cpu[256];
    cpu_model(cpu, sizeof cpu);
    cJSON_AddStringToObject(m, PB_F_CPU, cpu);
    cJSON_AddNumberToObject(m, PB_F_CORES, (double)sysconf(_SC_NPROCESSORS_ONLN));
    cJSON_AddNumberToObject(m, PB_F_PAGE_SIZE, (double)sysconf(_SC_PAGESIZE));
    struct utsname u;
    char kernel[400] = "unknown";
    if (uname(&u) == 0)
        snprintf(kernel, sizeof kernel, "%s %s %s", u.sysname, u.release, u.machine);
    cJSON_AddStringToObject(m, PB_F_KERNEL, kernel);
    char libc[64];
    snprintf(libc, sizeof libc, "glibc %s", gnu_get_libc_version());
    cJSON_AddStringToObject(m, PB_F_LIBC, libc);
    return m;
}

static cJSON *tool_json(void)
{
    cJSON *t = cJSON_CreateObject();
    cJSON_AddStringToObject(t, PB_F_VERSION, PB_VERSION);
    cJSON_AddStringToObject(t, PB_F_GIT, PB_GIT_COMMIT);
    cJSON_AddStringToObject(t, PB_F_BUILD_TYPE, PB_BUILD_TYPE);
    cJSON_AddStringToObject(t, PB_F_COMPILER, PB_COMPILER);
    cJSON_AddStringToObject(t, PB_F_CFLAGS, PB_CFLAGS);
    return t;
}

cJSON *pb_results_new(cJSON *config)
{
    return pb_results_new_schema(PB_RESULTS_SCHEMA, config);
}

cJSON *pb_results_new_schema(const char *schema, cJSON *config)
{
    cJSON *doc = cJSON_CreateObject();
    if (!doc) {
        cJSON_Delete(config);
        return NULL;
    }
    char created[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    cJSON_AddStringToObject(doc, PB_F_SCHEMA, schema);
    cJSON_AddStringToObject(doc, PB_F_CREATED, created);
    cJSON_AddItemToObject(doc, PB_F_TOOL, tool_json());
    cJSON_AddItemToObject(doc, PB_F_MACHINE, machine_json());
    cJSON_AddItemToObject(doc, PB_F_CONFIG, config ? config : cJSON_CreateObject());
    cJSON_AddBoolToObject(doc, PB_F_INTERRUPTED, 0);
    cJSON_AddItemToObject(doc, PB_F_RUNS, cJSON_CreateArray());
    return doc;
}

/* ---- one run ------------------------------------------------------------- */

/* {median, min, max, samples} of v[0..n), samples in measurement order. */
static cJSON *distribution(const double *v, size_t n)
{
    cJSON *o = cJSON_CreateObject();
    double *sorted = malloc((n ? n : 1) * sizeof *sorted);
    if (sorted)
        memcpy(sorted, v, n * sizeof *v);
    double med = sorted ? pb_median(sorted, n) : 0;
    cJSON_AddNumberToObject(o, PB_F_MEDIAN, med);
    cJSON_AddNumberToObject(o, PB_F_MIN, n && sorted ? sorted[0] : 0);
    cJSON_AddNumberToObject(o, PB_F_MAX, n && sorted ? sorted[n - 1] : 0);
    cJSON_AddItemToObject(o, PB_F_SAMPLES, cJSON_CreateDoubleArray(v, (int)n));
    free(sorted);
    return o;
}

/* The per-thread part of a --threads run: each thread's own clock, and its
 * instance's calls in the last timed replay (null when the instance is shared). */
static cJSON *per_thread_json(const struct pb_run_job *job, const struct pb_run_result *res)
{
    size_t n = res->n_ns, ops = job->workload->n_records;
    cJSON *a = cJSON_CreateArray();
    double *ns_op = calloc(n ? n : 1, sizeof *ns_op);
    for (unsigned t = 0; ns_op && t < res->threads; t++) {
        for (size_t i = 0; i < n; i++)
            ns_op[i] = ops ? (double)res->thread_ns[i * res->threads + t] / (double)ops : 0;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, PB_F_THREAD, t);
        cJSON_AddItemToObject(o, PB_F_NS_PER_OP, distribution(ns_op, n));
        add_u64_or_null(o, PB_F_ALLOCS, res->per_thread_instances, res->thread_allocs[t]);
        add_u64_or_null(o, PB_F_FREES, res->per_thread_instances, res->thread_frees[t]);
        cJSON_AddItemToArray(a, o);
    }
    free(ns_op);
    return a;
}

/* One of a trace's threads replayed in threads: its own clock over its own
 * events, what it spent waiting (ns, and as a share of each replay's wall). */
static cJSON *trace_thread_json(const struct pb_run_result *res, unsigned k, double *v)
{
    size_t n = res->n_ns;
    unsigned nt = res->trace_threads;
    uint64_t ev = res->thread_events[k];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, PB_F_THREAD, k);
    add_u64(o, PB_F_TID, res->thread_tid[k]);
    add_u64(o, PB_F_EVENTS, ev);
    for (size_t i = 0; i < n; i++)
        v[i] = ev ? (double)res->thread_ns[i * nt + k] / (double)ev : 0;
    if (ev)
        cJSON_AddItemToObject(o, PB_F_NS_PER_OP, distribution(v, n));
    else
        cJSON_AddNullToObject(o, PB_F_NS_PER_OP); /* an x is all it did */
    for (size_t i = 0; i < n; i++)
        v[i] = (double)res->thread_wait_ns[i * nt + k];
    cJSON_AddItemToObject(o, PB_F_WAIT_NS, distribution(v, n));
    for (size_t i = 0; i < n; i++)
        v[i] = res->ns[i] ? (double)res->thread_wait_ns[i * nt + k] / (double)res->ns[i] : 0;
    cJSON_AddItemToObject(o, PB_F_WAIT_SHARE, distribution(v, n));
    for (size_t i = 0; i < n; i++)
        v[i] = (double)res->thread_waits[i * nt + k];
    cJSON_AddItemToObject(o, PB_F_WAITS, distribution(v, n));
    add_u64_or_null(o, PB_F_ALLOCS, res->per_thread_instances, res->thread_allocs[k]);
    add_u64_or_null(o, PB_F_FREES, res->per_thread_instances, res->thread_frees[k]);
    return o;
}

/* The trace-threads part of the time object: the threads and the waiting,
 * each replay's summed waits and their share of the threads' time. */
static void add_trace_threads(cJSON *t, const struct pb_run_result *res)
{
    size_t n = res->n_ns;
    unsigned nt = res->trace_threads;
    double *v = calloc(n ? n : 1, sizeof *v), *share = calloc(n ? n : 1, sizeof *share);
    cJSON_AddNumberToObject(t, PB_F_TRACE_THREADS, nt);
    cJSON_AddStringToObject(t, PB_F_INSTANCES,
                            res->per_thread_instances ? PB_V_INSTANCES_PER_THREAD
                                                     : PB_V_INSTANCES_SHARED);
    cJSON *a = cJSON_AddArrayToObject(t, PB_F_PER_THREAD);
    for (unsigned k = 0; v && share && k < nt; k++)
        cJSON_AddItemToArray(a, trace_thread_json(res, k, v));
    for (size_t i = 0; v && share && i < n; i++) {
        double sum = 0;
        for (unsigned k = 0; k < nt; k++)
            sum += (double)res->thread_wait_ns[i * nt + k];
        v[i] = sum;
        share[i] = res->ns[i] ? sum / ((double)nt * (double)res->ns[i]) : 0;
    }
    cJSON *w = cJSON_AddObjectToObject(t, PB_F_WAIT);
    cJSON_AddItemToObject(w, PB_F_NS, distribution(v, v && share ? n : 0));
    cJSON_AddItemToObject(w, PB_F_SHARE, distribution(share, v && share ? n : 0));
    free(v);
    free(share);
}

cJSON *pb_usage_json(const struct pb_usage *u)
{
    cJSON *o = cJSON_CreateObject();
    add_u64(o, PB_F_MINOR_FAULTS, u->minor_faults);
    add_u64(o, PB_F_MAJOR_FAULTS, u->major_faults);
    add_u64(o, PB_F_VOLUNTARY_SWITCHES, u->voluntary_switches);
    add_u64(o, PB_F_INVOLUNTARY_SWITCHES, u->involuntary_switches);
    cJSON_AddNumberToObject(o, PB_F_USER_SECONDS, (double)u->user_ns / 1e9);
    cJSON_AddNumberToObject(o, PB_F_SYSTEM_SECONDS, (double)u->system_ns / 1e9);
    return o;
}

/* The cold replay and each timed replay's causes, when the process measured them. */
static void add_causes(cJSON *t, const struct pb_run_result *res, double ops)
{
    if (res->cold_done) {
        cJSON_AddNumberToObject(t, PB_F_COLD_NS_PER_OP, ops > 0 ? (double)res->cold_ns / ops : 0);
        cJSON_AddItemToObject(t, PB_F_COLD_USAGE, pb_usage_json(&res->cold_usage));
    }
    if (res->usage) {
        cJSON *a = cJSON_AddArrayToObject(t, PB_F_USAGE);
        for (unsigned i = 0; i < res->n_ns; i++)
            cJSON_AddItemToArray(a, pb_usage_json(&res->usage[i]));
    }
}

static cJSON *time_json(const struct pb_run_job *job, const struct pb_run_result *res)
{
    /* With N threads one replay is N copies: ops counts the events of all of them. */
    size_t n = res->n_ns, copy = job->workload->n_records;
    unsigned threads = res->threads > 1 ? res->threads : 1;
    double ops = (double)copy * threads;
    double *ns_op = calloc(n ? n : 1, sizeof *ns_op);
    double *per_sec = calloc(n ? n : 1, sizeof *per_sec);
    cJSON *t = cJSON_CreateObject();
    for (size_t i = 0; ns_op && per_sec && i < n; i++) {
        ns_op[i] = ops > 0 ? (double)res->ns[i] / ops : 0;
        per_sec[i] = res->ns[i] ? ops * 1e9 / (double)res->ns[i] : 0;
    }
    cJSON_AddItemToObject(t, PB_F_NS_PER_OP, distribution(ns_op, ns_op && per_sec ? n : 0));
    cJSON_AddItemToObject(t, PB_F_OPS_PER_SEC, distribution(per_sec, ns_op && per_sec ? n : 0));
    cJSON_AddNumberToObject(t, PB_F_REPEATS, job->repeat);
    cJSON_AddNumberToObject(t, PB_F_WARMUP, job->warmup);
    cJSON_AddNullToObject(t, PB_F_NET_NS_PER_OP); /* set by the parent against null */
    add_u64(t, PB_F_OPS, copy);
    cJSON_AddStringToObject(t, PB_F_CLOCK, "CLOCK_MONOTONIC");
    add_causes(t, res, ops);
    if (res->threads > 1) {
        cJSON_AddNumberToObject(t, PB_F_THREADS, res->threads);
        cJSON_AddNumberToObject(t, PB_F_OPS_ALL_THREADS, ops);
        cJSON_AddStringToObject(t, PB_F_INSTANCES,
                                res->per_thread_instances ? PB_V_INSTANCES_PER_THREAD
                                                          : PB_V_INSTANCES_SHARED);
        cJSON_AddBoolToObject(t, PB_F_CROSS_FREE, job->cross_free);
        cJSON_AddItemToObject(t, PB_F_PER_THREAD, per_thread_json(job, res));
    } else if (res->trace_threads > 1) {
        add_trace_threads(t, res);
    }
    free(ns_op);
    free(per_sec);
    return t;
}

static const char *class_kind(unsigned kind)
{
    return kind == PB_CLASS_TAG ? "tag" : kind == PB_CLASS_SYSTEM ? "system" : "size";
}

/* memory.classes: the backend's per-pool rows at the live peak. */
static cJSON *classes_json(const struct pb_memory *m, const struct pb_workload *w)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < m->n_classes; i++) {
        const struct pb_class_stats *c = &m->classes[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, PB_F_KIND, class_kind(c->kind));
        if (c->kind == PB_CLASS_TAG && c->tag >= 1 && c->tag <= w->n_tags)
            cJSON_AddStringToObject(o, PB_F_TAG, w->tags[c->tag - 1]);
        else if (c->kind == PB_CLASS_TAG)
            add_u64(o, PB_F_TAG, c->tag);
        add_u64(o, PB_F_SIZE, c->size);
        add_u64(o, PB_F_CHUNKS_LIVE, c->chunks_live);
        add_u64(o, PB_F_CHUNKS_CARVED, c->chunks_carved);
        add_u64(o, PB_F_SLABS, c->slabs);
        add_u64(o, PB_F_FOOTPRINT_BYTES, c->footprint_bytes);
        add_u64(o, PB_F_ALLOCS, c->allocs);
        add_double_or_null(o, PB_F_UTILISATION, c->chunks_carved > 0,
                           c->chunks_carved ? (double)c->chunks_live / (double)c->chunks_carved
                                            : 0);
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

static cJSON *memory_json(const struct pb_memory *m, const struct pb_workload *w)
{
    cJSON *o = cJSON_CreateObject();
    add_u64_or_null(o, PB_F_GRANTED_BYTES_AT_PEAK, m->granted_ok, m->granted_bytes_at_peak);
    add_double_or_null(o, PB_F_INTERNAL_FRAGMENTATION, m->internal_ok, m->internal_fragmentation);
    add_u64_or_null(o, PB_F_PEAK_FOOTPRINT_BYTES, m->footprint_ok, m->peak_footprint_bytes);
    add_u64_or_null(o, PB_F_PEAK_RESIDENT_BYTES, m->resident_ok, m->peak_resident_bytes);
    add_u64_or_null(o, PB_F_OCCUPIED_PAGE_BYTES_AT_PEAK, m->resident_ok,
                    m->occupied_page_bytes_at_peak);
    add_u64_or_null(o, PB_F_WASTED_PAGE_BYTES, m->resident_ok, m->wasted_page_bytes);
    add_double_or_null(o, PB_F_FRAGMENTATION, m->fragmentation_ok, m->fragmentation);
    add_u64_or_null(o, PB_F_PEAK_RSS_BYTES, m->peak_rss_ok, m->peak_rss_bytes);
    add_u64_or_null(o, PB_F_ALLOCATOR_PEAK_RESIDENT_BYTES, m->allocator_resident_ok,
                    m->allocator_peak_resident_bytes);
    add_u64_or_null(o, PB_F_RESIDENT_BYTES_AT_END, m->resident_ok, m->resident_bytes_at_end);
    add_u64_or_null(o, PB_F_OCCUPIED_PAGE_BYTES_AT_END, m->resident_ok,
                    m->occupied_page_bytes_at_end);
    add_u64_or_null(o, PB_F_WASTED_PAGE_BYTES_AT_END, m->resident_ok, m->wasted_page_bytes_at_end);
    add_u64_or_null(o, PB_F_MAX_WASTED_PAGE_BYTES, m->resident_ok, m->max_wasted_page_bytes);
    add_u64_or_null(o, PB_F_RESIDENT_BYTES_AT_LIVE_PEAK, m->resident_ok,
                    m->resident_bytes_at_live_peak);
    add_u64_or_null(o, PB_F_WASTED_PAGE_BYTES_AT_LIVE_PEAK, m->resident_ok,
                    m->wasted_page_bytes_at_live_peak);
    add_double_or_null(o, PB_F_MEAN_WASTED_PAGE_BYTES, m->resident_ok, m->mean_wasted_page_bytes);
    if (m->resident_method)
        cJSON_AddStringToObject(o, PB_F_RESIDENT_METHOD, m->resident_method);
    else
        cJSON_AddNullToObject(o, PB_F_RESIDENT_METHOD);
    if (m->classes_ok)
        cJSON_AddItemToObject(o, PB_F_CLASSES, classes_json(m, w));
    cJSON_AddNumberToObject(o, PB_F_PASS_SECONDS, m->pass_seconds);
    return o;
}

static cJSON *timeline_json(const struct pb_memory *m)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < m->n_timeline; i++) {
        const struct pb_mem_sample *s = &m->timeline[i];
        cJSON *o = cJSON_CreateObject();
        add_u64(o, PB_F_EVENT, s->event);
        add_u64(o, PB_F_LIVE_BYTES, s->live_bytes);
        add_u64(o, PB_F_GRANTED_BYTES, s->granted_bytes);
        add_u64(o, PB_F_FOOTPRINT_BYTES, s->footprint_bytes);
        add_u64_or_null(o, PB_F_RESIDENT_BYTES, m->resident_ok, s->resident_bytes);
        add_u64(o, PB_F_OCCUPIED_BYTES, s->occupied_bytes);
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

static cJSON *latency_stats_json(const struct pb_latency_stats *s)
{
    cJSON *o = cJSON_CreateObject();
    add_u64(o, PB_F_COUNT, s->count);
    cJSON_AddNumberToObject(o, PB_F_P50_NS, s->p50);
    cJSON_AddNumberToObject(o, PB_F_P99_NS, s->p99);
    cJSON_AddNumberToObject(o, PB_F_P999_NS, s->p999);
    cJSON_AddNumberToObject(o, PB_F_MAX_NS, s->max);
    cJSON_AddItemToObject(o, PB_F_CDF_NS, cJSON_CreateDoubleArray(s->cdf, (int)s->n_cdf));
    return o;
}

static cJSON *latency_json(const struct pb_latency *l)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, PB_F_TIMER, l->timer);
    cJSON_AddNumberToObject(o, PB_F_NS_PER_TICK, l->ns_per_tick);
    cJSON_AddNumberToObject(o, PB_F_TIMER_OVERHEAD_NS, l->overhead_ns);
    cJSON_AddNumberToObject(o, PB_F_TIMER_RESOLUTION_NS, l->resolution_ns);
    add_u64(o, PB_F_EVERY, l->every);
    cJSON_AddItemToObject(o, PB_F_ALLOC, latency_stats_json(&l->alloc));
    cJSON_AddItemToObject(o, PB_F_FREE, latency_stats_json(&l->free));
    return o;
}

cJSON *pb_run_part_json(const struct pb_run_job *job, const struct pb_run_result *res)
{
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, PB_F_STATUS, res->ok ? "ok" : res->refused ? "refused" : "failed");
    cJSON_AddNumberToObject(p, PB_F_THREADS, job->threads > 1 ? job->threads : 1);
    if (job->threads > 1)
        cJSON_AddBoolToObject(p, PB_F_CROSS_FREE, job->cross_free);
    if (!res->ok)
        cJSON_AddStringToObject(p, PB_F_ERROR, res->error);
    if (res->ok && job->pass != PB_PASS_MEMORY)
        cJSON_AddItemToObject(p, PB_F_TIME, time_json(job, res));
    else
        cJSON_AddNullToObject(p, PB_F_TIME);
    if (res->mem_done)
        cJSON_AddItemToObject(p, PB_F_MEMORY, memory_json(&res->mem, job->workload));
    else
        cJSON_AddNullToObject(p, PB_F_MEMORY);
    cJSON_AddItemToObject(p, PB_F_TIMELINE, timeline_json(&res->mem));
    if (job->latency && res->lat_done)
        cJSON_AddItemToObject(p, PB_F_LATENCY, latency_json(&res->lat));
    else if (job->latency)
        cJSON_AddNullToObject(p, PB_F_LATENCY);
    cJSON *notes = cJSON_CreateArray();
    for (int i = 0; i < res->mem.n_notes; i++)
        cJSON_AddItemToArray(notes, cJSON_CreateString(res->mem.notes[i]));
    cJSON_AddItemToObject(p, PB_F_NOTES, notes);
    if (res->n_cfg) { /* the measured instance's: its counters are the pass's */
        cJSON *bc = cJSON_AddObjectToObject(p, PB_F_BACKEND_CONFIG);
        for (size_t i = 0; i < res->n_cfg && i < PB_RUN_MAX_CFG; i++)
            cJSON_AddStringToObject(bc, res->cfg[i].key, res->cfg[i].value);
    }
    return p;
}

cJSON *pb_run_failed_part(const struct pb_run_job *job, const char *error)
{
    struct pb_run_result res;
    memset(&res, 0, sizeof res);
    snprintf(res.error, sizeof res.error, "%s", error);
    return pb_run_part_json(job, &res);
}

cJSON *pb_run_refused_part(const struct pb_run_job *job, const char *why)
{
    struct pb_run_result res;
    memset(&res, 0, sizeof res);
    res.refused = 1;
    snprintf(res.error, sizeof res.error, "%s", why);
    return pb_run_part_json(job, &res);
}

cJSON *pb_run_json(const struct pb_backend_spec *spec, const struct pb_config_entry *cfg,
                   size_t n_cfg, cJSON *workload, cJSON *part)
{
    cJSON *run = cJSON_CreateObject();
    cJSON_AddStringToObject(run, PB_F_BACKEND, spec->ops->name);
    cJSON_AddStringToObject(run, PB_F_BACKEND_SPEC, spec->text);
    cJSON_AddBoolToObject(run, PB_F_BASELINE, (spec->ops->flags & PB_BK_BASELINE) != 0);
    /* a preloaded run's own process read its config (library version): it wins */
    cJSON *bc = cJSON_DetachItemFromObjectCaseSensitive(part, PB_F_BACKEND_CONFIG);
    if (!cJSON_IsObject(bc) || !bc->child) {
        cJSON_Delete(bc);
        bc = cJSON_CreateObject();
        for (size_t i = 0; i < n_cfg; i++)
            cJSON_AddStringToObject(bc, cfg[i].key, cfg[i].value);
    }
    cJSON_AddItemToObject(run, PB_F_BACKEND_CONFIG, bc);
    cJSON_AddItemToObject(run, PB_F_WORKLOAD, workload ? workload : cJSON_CreateNull());
    while (part && part->child) {
        cJSON *item = cJSON_DetachItemViaPointer(part, part->child);
        cJSON_AddItemToObject(run, item->string, item);
    }
    cJSON_Delete(part);
    return run;
}

/* ---- writing --------------------------------------------------------------- */

static int write_text(FILE *f, const char *text)
{
    size_t len = strlen(text);
    return fwrite(text, 1, len, f) == len && fputc('\n', f) != EOF ? 0 : -1;
}

/* pb_results_write, or with unique set pb_results_write_unique. */
static int write_doc(const cJSON *doc, const char *path, int unique, char *err, size_t errlen)
{
    char *text = cJSON_Print(doc);
    if (!text) {
        snprintf(err, errlen, "out of memory printing the results");
        return -1;
    }
    struct pb_outfile o; /* "-", devices, FIFOs and symlinks: see pb_outfile.h */
    int rc = unique ? pb_outfile_open_unique(&o, path, err, errlen)
                    : pb_outfile_open(&o, path, err, errlen);
    if (rc == 0 && write_text(o.f, text) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", o.given, strerror(errno ? errno : EIO));
        pb_outfile_abort(&o);
        rc = -1;
    } else if (rc == 0) {
        rc = pb_outfile_commit(&o, err, errlen);
    }
    free(text);
    return rc;
}

int pb_results_write(const cJSON *doc, const char *path, char *err, size_t errlen)
{
    return write_doc(doc, path, 0, err, errlen);
}

int pb_results_write_unique(const cJSON *doc, const char *path, char *err, size_t errlen)
{
    return write_doc(doc, path, 1, err, errlen);
}

int pb_results_write_default(const cJSON *doc, const char *prefix, const char *latest,
                             char *err, size_t errlen)
{
    if (mkdir("results", 0777) && errno != EEXIST) {
        snprintf(err, errlen, "cannot create results/: %s", strerror(errno));
        return -1;
    }
    char stamp[64], path[256];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    snprintf(path, sizeof path, "results/%s-%s.json", prefix, stamp);
    if (pb_results_write_unique(doc, path, err, errlen))
        return -1;
    snprintf(path, sizeof path, "results/%s", latest);
    return pb_results_write(doc, path, err, errlen);
}
