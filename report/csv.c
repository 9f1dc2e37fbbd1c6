/*
 * csv.c -- writes the tidy table of csv.h. The figures are one table of
 * dotted paths into a run (docs/export.md lists them, and test_csv checks
 * that it does); each row is written field by field through the quoting and
 * defusing of pb_csv_put_text.
 */
#include "csv.h"
#include "pb_text.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Every figure's dotted path in a run, its unit and its kind, in row order. */
static const struct pb_csv_figure figures[] = {
    {"time.ns_per_op.median", "ns", PB_CSV_NUMBER},
    {"time.ns_per_op.min", "ns", PB_CSV_NUMBER},
    {"time.ns_per_op.max", "ns", PB_CSV_NUMBER},
    {"time.ns_per_op.ci_low", "ns", PB_CSV_NUMBER},
    {"time.ns_per_op.ci_high", "ns", PB_CSV_NUMBER},
    {"time.ns_per_op.ci_level", "ratio", PB_CSV_NUMBER},
    {"time.ns_per_op.noisy", "bool", PB_CSV_BOOL},
    {"time.net_ns_per_op", "ns", PB_CSV_NUMBER},
    {"time.net.median", "ns", PB_CSV_NUMBER},
    {"time.net.min", "ns", PB_CSV_NUMBER},
    {"time.net.max", "ns", PB_CSV_NUMBER},
    {"time.net.ci_low", "ns", PB_CSV_NUMBER},
    {"time.net.ci_high", "ns", PB_CSV_NUMBER},
    {"time.net.ci_level", "ratio", PB_CSV_NUMBER},
    {"time.net.noisy", "bool", PB_CSV_BOOL},
    {"time.net.within_noise", "bool", PB_CSV_BOOL},
    {"time.net.below_baseline", "bool", PB_CSV_BOOL},
    {"time.ops_per_sec.median", "1/s", PB_CSV_NUMBER},
    {"time.ops_per_sec.min", "1/s", PB_CSV_NUMBER},
    {"time.ops_per_sec.max", "1/s", PB_CSV_NUMBER},
    {"time.ops_per_sec.ci_low", "1/s", PB_CSV_NUMBER},
    {"time.ops_per_sec.ci_high", "1/s", PB_CSV_NUMBER},
    {"time.ops_per_sec.ci_level", "ratio", PB_CSV_NUMBER},
    {"time.ops_per_sec.noisy", "bool", PB_CSV_BOOL},
    {"time.cold_ns_per_op.median", "ns", PB_CSV_NUMBER},
    {"time.cold_ns_per_op.min", "ns", PB_CSV_NUMBER},
    {"time.cold_ns_per_op.max", "ns", PB_CSV_NUMBER},
    {"time.cold_ns_per_op.ci_low", "ns", PB_CSV_NUMBER},
    {"time.cold_ns_per_op.ci_high", "ns", PB_CSV_NUMBER},
    {"time.cold_ns_per_op.ci_level", "ratio", PB_CSV_NUMBER},
    {"time.cold_ns_per_op.noisy", "bool", PB_CSV_BOOL},
    {"time.rounds", "count", PB_CSV_NUMBER},
    {"time.repeats", "count", PB_CSV_NUMBER},
    {"time.warmup", "count", PB_CSV_NUMBER},
    {"time.ops", "events", PB_CSV_NUMBER},
    {"time.causes.warm.minor_faults_per_kop", "1/kop", PB_CSV_NUMBER},
    {"time.causes.warm.major_faults_per_kop", "1/kop", PB_CSV_NUMBER},
    {"time.causes.warm.voluntary_switches_per_kop", "1/kop", PB_CSV_NUMBER},
    {"time.causes.warm.involuntary_switches_per_kop", "1/kop", PB_CSV_NUMBER},
    {"time.causes.warm.system_share", "ratio", PB_CSV_NUMBER},
    {"time.causes.cold.minor_faults_per_kop", "1/kop", PB_CSV_NUMBER},
    {"time.causes.cold.major_faults_per_kop", "1/kop", PB_CSV_NUMBER},
    {"time.causes.cold.voluntary_switches_per_kop", "1/kop", PB_CSV_NUMBER},
    {"time.causes.cold.involuntary_switches_per_kop", "1/kop", PB_CSV_NUMBER},
    {"time.causes.cold.system_share", "ratio", PB_CSV_NUMBER},
    {"memory.granted_bytes_at_peak", "bytes", PB_CSV_NUMBER},
    {"memory.internal_fragmentation", "ratio", PB_CSV_NUMBER},
    {"memory.peak_footprint_bytes", "bytes", PB_CSV_NUMBER},
    {"memory.peak_resident_bytes", "bytes", PB_CSV_NUMBER},
    {"memory.occupied_page_bytes_at_peak", "bytes", PB_CSV_NUMBER},
    {"memory.wasted_page_bytes", "bytes", PB_CSV_NUMBER},
    {"memory.fragmentation", "ratio", PB_CSV_NUMBER},
    {"memory.peak_rss_bytes", "bytes", PB_CSV_NUMBER},
    {"memory.allocator_peak_resident_bytes", "bytes", PB_CSV_NUMBER},
    {"memory.resident_bytes_at_end", "bytes", PB_CSV_NUMBER},
    {"memory.occupied_page_bytes_at_end", "bytes", PB_CSV_NUMBER},
    {"memory.wasted_page_bytes_at_end", "bytes", PB_CSV_NUMBER},
    {"memory.max_wasted_page_bytes", "bytes", PB_CSV_NUMBER},
    {"memory.resident_bytes_at_live_peak", "bytes", PB_CSV_NUMBER},
    {"memory.wasted_page_bytes_at_live_peak", "bytes", PB_CSV_NUMBER},
    {"memory.mean_wasted_page_bytes", "bytes", PB_CSV_NUMBER},
    {"memory.pass_seconds", "s", PB_CSV_NUMBER},
    {"workload.events", "events", PB_CSV_NUMBER},
    {"workload.allocs", "count", PB_CSV_NUMBER},
    {"workload.frees", "count", PB_CSV_NUMBER},
    {"workload.reallocs", "count", PB_CSV_NUMBER},
    {"workload.resets", "count", PB_CSV_NUMBER},
    {"workload.peak_live_bytes", "bytes", PB_CSV_NUMBER},
    {"workload.peak_live_blocks", "count", PB_CSV_NUMBER},
    {"workload.live_blocks_at_end", "count", PB_CSV_NUMBER},
    {"workload.live_bytes_at_end", "bytes", PB_CSV_NUMBER},
    {"workload.total_requested_bytes", "bytes", PB_CSV_NUMBER},
    {"workload.threads", "count", PB_CSV_NUMBER},
    {"workload.cross_thread_frees", "count", PB_CSV_NUMBER},
    {"workload.cross_thread_reallocs", "count", PB_CSV_NUMBER},
    {"workload.longest_chain", "events", PB_CSV_NUMBER},
    /* only for a run whose latency is an object (run --latency): see has_figure */
    {"latency.ns_per_tick", "ns", PB_CSV_NUMBER},
    {"latency.timer_overhead_ns", "ns", PB_CSV_NUMBER},
    {"latency.timer_resolution_ns", "ns", PB_CSV_NUMBER},
    {"latency.every", "events", PB_CSV_NUMBER},
    {"latency.alloc.count", "count", PB_CSV_NUMBER},
    {"latency.alloc.p50_ns", "ns", PB_CSV_NUMBER},
    {"latency.alloc.p99_ns", "ns", PB_CSV_NUMBER},
    {"latency.alloc.p999_ns", "ns", PB_CSV_NUMBER},
    {"latency.alloc.max_ns", "ns", PB_CSV_NUMBER},
    {"latency.free.count", "count", PB_CSV_NUMBER},
    {"latency.free.p50_ns", "ns", PB_CSV_NUMBER},
    {"latency.free.p99_ns", "ns", PB_CSV_NUMBER},
    {"latency.free.p999_ns", "ns", PB_CSV_NUMBER},
    {"latency.free.max_ns", "ns", PB_CSV_NUMBER},
};

const struct pb_csv_figure *pb_csv_figures(size_t *n)
{
    *n = sizeof figures / sizeof figures[0];
    return figures;
}

/* Whether a spreadsheet could read s as a formula, or s starts with the
 * quote that defusing adds (so that dropping one leading ' is exact). */
static int needs_defusing(const char *s)
{
    return *s && strchr("=+-@\t\r\n'", *s) != NULL;
}

int pb_csv_put_text(FILE *out, const char *s)
{
    int quoted = strpbrk(s, ",\"\r\n") != NULL;
    if (quoted && putc('"', out) == EOF)
        return -1;
    if (needs_defusing(s) && putc('\'', out) == EOF)
        return -1;
    for (const char *p = s; *p; p++) {
        if (*p == '"' && quoted && putc('"', out) == EOF)
            return -1;
        if (putc(*p, out) == EOF)
            return -1;
    }
    return quoted && putc('"', out) == EOF ? -1 : 0;
}

int pb_csv_put_number(FILE *out, double v)
{
    if (!isfinite(v))
        return 0;
    char buf[40];
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, sizeof buf, "%.*g", digits, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return fputs(buf, out) == EOF ? -1 : 0;
}

/* The fields every row of one run shares, and how text is written. */
struct run_fields {
    const char *backend, *workload, *status, *error;
    double threads; /* NaN when the file does not tell */
    int shown;      /* text fields in pb_text.h's shown form (a terminal) */
};

/* A text field, in shown form first when rf->shown. 0 ok, -1 when writing
 * (or, for the shown form, allocating) failed. */
static int put_field(FILE *out, const struct run_fields *rf, const char *s)
{
    if (!rf->shown || !*s)
        return pb_csv_put_text(out, s);
    size_t len = 4 * strlen(s) + 1; /* every byte as \xHH at most: never cut */
    char *buf = malloc(len);
    if (!buf) {
        errno = ENOMEM;
        return -1;
    }
    int rc = pb_csv_put_text(out, pb_text_safe(s, buf, len));
    free(buf);
    return rc;
}

/* The backend column: the spec as given (options included), else the name. */
static const char *run_backend(const cJSON *run)
{
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(run, "backend_spec");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(run, "backend");
    if (cJSON_IsString(spec) && *spec->valuestring)
        return spec->valuestring;
    return cJSON_IsString(name) ? name->valuestring : "";
}

/* A run's thread count: time.threads, 1 for a timed run without it (one
 * thread). A run without time (a failed one) says nothing itself: 1 when the
 * file ran one thread count only (no config.threads, or one entry), else NaN. */
static double run_threads(const cJSON *doc, const cJSON *run)
{
    const cJSON *time = cJSON_GetObjectItemCaseSensitive(run, "time");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(time, "threads");
    if (cJSON_IsNumber(t))
        return t->valuedouble;
    if (cJSON_IsObject(time))
        return 1;
    const cJSON *counts = pb_json_at(doc, "config.threads");
    if (!counts)
        return 1;
    if (cJSON_IsArray(counts) && cJSON_GetArraySize(counts) == 1 &&
        cJSON_IsNumber(cJSON_GetArrayItem(counts, 0)))
        return cJSON_GetArrayItem(counts, 0)->valuedouble;
    return NAN;
}

static const char *string_or_empty(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* One row: the run's fields, then figure, value, unit; value NULL or
 * unusable (null, absent, another type) is an empty field. */
static int put_row(FILE *out, const struct run_fields *rf, const struct pb_csv_figure *fig,
                   const cJSON *value)
{
    int bad = put_field(out, rf, rf->backend) || putc(',', out) == EOF ||
              put_field(out, rf, rf->workload) || putc(',', out) == EOF ||
              pb_csv_put_number(out, rf->threads) || putc(',', out) == EOF ||
              put_field(out, rf, rf->status) || putc(',', out) == EOF ||
              pb_csv_put_text(out, fig ? fig->name : "") || putc(',', out) == EOF;
    if (!bad && fig && fig->kind == PB_CSV_NUMBER && cJSON_IsNumber(value))
        bad = pb_csv_put_number(out, value->valuedouble);
    else if (!bad && fig && fig->kind == PB_CSV_BOOL && cJSON_IsBool(value))
        bad = putc(cJSON_IsTrue(value) ? '1' : '0', out) == EOF;
    bad = bad || putc(',', out) == EOF || pb_csv_put_text(out, fig ? fig->unit : "") ||
          putc(',', out) == EOF || put_field(out, rf, rf->error) ||
          fputs("\r\n", out) == EOF;
    return bad ? -1 : 0;
}

/* Whether an ok run has a row for fig: the latency figures only with latency. */
static int has_figure(const cJSON *run, const struct pb_csv_figure *fig)
{
    if (strncmp(fig->name, "latency.", 8) != 0)
        return 1;
    return cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(run, "latency"));
}

/* Every row of one run; *rows counts them. 0 ok, -1 when writing failed. */
static int put_run(FILE *out, const cJSON *doc, const cJSON *run, int shown, size_t *rows)
{
    struct run_fields rf = {
        run_backend(run), pb_run_workload_name(run), string_or_empty(run, "status"), "",
        run_threads(doc, run), shown,
    };
    if (!pb_run_ok(run)) {
        rf.error = string_or_empty(run, "error");
        (*rows)++;
        return put_row(out, &rf, NULL, NULL);
    }
    for (size_t i = 0; i < sizeof figures / sizeof figures[0]; i++) {
        if (!has_figure(run, &figures[i]))
            continue;
        if (put_row(out, &rf, &figures[i], pb_json_at(run, figures[i].name)))
            return -1;
        (*rows)++;
    }
    return 0;
}

int pb_csv_write(const struct pb_results_file *f, FILE *out, int shown, size_t *rows,
                 char *err, size_t errlen)
{
    *rows = 0;
    errno = 0;
    int bad = fputs(PB_CSV_HEADER "\r\n", out) == EOF;
    const cJSON *run;
    cJSON_ArrayForEach(run, f->runs) {
        if (bad)
            break;
        bad = put_run(out, f->doc, run, shown, rows);
    }
    if (bad || ferror(out)) {
        snprintf(err, errlen, "%s", errno == ENOMEM ? "out of memory"
                                                    : strerror(errno ? errno : EIO));
        return -1;
    }
    return 0;
}
