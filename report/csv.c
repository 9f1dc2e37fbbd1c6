/*
 * csv.c -- writes the tidy table of csv.h. The figures are one table of
 * paths of results_fields.h into a run (docs/export.md lists them, and test_csv checks
 * that it does); each row is written field by field through the quoting and
 * defusing of pb_csv_put_text.
 */
#include "csv.h"
#include "results_fields.h"
#include "pb_text.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Every figure's path in a run (results_fields.h), its unit and its kind, in row order. */
static const struct pb_csv_figure figures[] = {
    {PB_RP_TIME_NS_PER_OP_MEDIAN, "ns", PB_CSV_NUMBER},
    {PB_RP_TIME_NS_PER_OP_MIN, "ns", PB_CSV_NUMBER},
    {PB_RP_TIME_NS_PER_OP_MAX, "ns", PB_CSV_NUMBER},
    {PB_RP_TIME_NS_PER_OP_CI_LOW, "ns", PB_CSV_NUMBER},
    {PB_RP_TIME_NS_PER_OP_CI_HIGH, "ns", PB_CSV_NUMBER},
    {PB_RP_TIME_NS_PER_OP_CI_LEVEL, "ratio", PB_CSV_NUMBER},
    {PB_RP_TIME_NS_PER_OP_NOISY, "bool", PB_CSV_BOOL},
    {PB_RP_TIME_NET_NS_PER_OP, "ns", PB_CSV_NUMBER},
    {PB_RP_TIME_NET_MEDIAN, "ns", PB_CSV_NUMBER},
    {PB_RP_TIME_NET_MIN, "ns", PB_CSV_NUMBER},
    {PB_RP_TIME_NET_MAX, "ns", PB_CSV_NUMBER},
    {PB_RP_TIME_NET_CI_LOW, "ns", PB_CSV_NUMBER},
    {PB_RP_TIME_NET_CI_HIGH, "ns", PB_CSV_NUMBER},
    {PB_RP_TIME_NET_CI_LEVEL, "ratio", PB_CSV_NUMBER},
    {PB_RP_TIME_NET_NOISY, "bool", PB_CSV_BOOL},
    {PB_RP_TIME_NET_WITHIN_NOISE, "bool", PB_CSV_BOOL},
    {PB_RP_TIME_NET_BELOW_BASELINE, "bool", PB_CSV_BOOL},
    {PB_RP_TIME_OPS_PER_SEC_MEDIAN, "1/s", PB_CSV_NUMBER},
    {PB_RP_TIME_OPS_PER_SEC_MIN, "1/s", PB_CSV_NUMBER},
    {PB_RP_TIME_OPS_PER_SEC_MAX, "1/s", PB_CSV_NUMBER},
    {PB_RP_TIME_OPS_PER_SEC_CI_LOW, "1/s", PB_CSV_NUMBER},
    {PB_RP_TIME_OPS_PER_SEC_CI_HIGH, "1/s", PB_CSV_NUMBER},
    {PB_RP_TIME_OPS_PER_SEC_CI_LEVEL, "ratio", PB_CSV_NUMBER},
    {PB_RP_TIME_OPS_PER_SEC_NOISY, "bool", PB_CSV_BOOL},
    {PB_RP_TIME_COLD_NS_PER_OP_MEDIAN, "ns", PB_CSV_NUMBER},
    {PB_RP_TIME_COLD_NS_PER_OP_MIN, "ns", PB_CSV_NUMBER},
    {PB_RP_TIME_COLD_NS_PER_OP_MAX, "ns", PB_CSV_NUMBER},
    {PB_RP_TIME_COLD_NS_PER_OP_CI_LOW, "ns", PB_CSV_NUMBER},
    {PB_RP_TIME_COLD_NS_PER_OP_CI_HIGH, "ns", PB_CSV_NUMBER},
    {PB_RP_TIME_COLD_NS_PER_OP_CI_LEVEL, "ratio", PB_CSV_NUMBER},
    {PB_RP_TIME_COLD_NS_PER_OP_NOISY, "bool", PB_CSV_BOOL},
    {PB_RP_TIME_ROUNDS, "count", PB_CSV_NUMBER},
    {PB_RP_TIME_REPEATS, "count", PB_CSV_NUMBER},
    {PB_RP_TIME_WARMUP, "count", PB_CSV_NUMBER},
    {PB_RP_TIME_OPS, "events", PB_CSV_NUMBER},
    {PB_RP_TIME_CAUSES_WARM_MINOR_FAULTS_PER_KOP, "1/kop", PB_CSV_NUMBER},
    {PB_RP_TIME_CAUSES_WARM_MAJOR_FAULTS_PER_KOP, "1/kop", PB_CSV_NUMBER},
    {PB_RP_TIME_CAUSES_WARM_VOLUNTARY_SWITCHES_PER_KOP, "1/kop", PB_CSV_NUMBER},
    {PB_RP_TIME_CAUSES_WARM_INVOLUNTARY_SWITCHES_PER_KOP, "1/kop", PB_CSV_NUMBER},
    {PB_RP_TIME_CAUSES_WARM_SYSTEM_SHARE, "ratio", PB_CSV_NUMBER},
    {PB_RP_TIME_CAUSES_COLD_MINOR_FAULTS_PER_KOP, "1/kop", PB_CSV_NUMBER},
    {PB_RP_TIME_CAUSES_COLD_MAJOR_FAULTS_PER_KOP, "1/kop", PB_CSV_NUMBER},
    {PB_RP_TIME_CAUSES_COLD_VOLUNTARY_SWITCHES_PER_KOP, "1/kop", PB_CSV_NUMBER},
    {PB_RP_TIME_CAUSES_COLD_INVOLUNTARY_SWITCHES_PER_KOP, "1/kop", PB_CSV_NUMBER},
    {PB_RP_TIME_CAUSES_COLD_SYSTEM_SHARE, "ratio", PB_CSV_NUMBER},
    {PB_RP_MEMORY_GRANTED_BYTES_AT_PEAK, "bytes", PB_CSV_NUMBER},
    {PB_RP_MEMORY_INTERNAL_FRAGMENTATION, "ratio", PB_CSV_NUMBER},
    {PB_RP_MEMORY_PEAK_FOOTPRINT_BYTES, "bytes", PB_CSV_NUMBER},
    {PB_RP_MEMORY_PEAK_RESIDENT_BYTES, "bytes", PB_CSV_NUMBER},
    {PB_RP_MEMORY_OCCUPIED_PAGE_BYTES_AT_PEAK, "bytes", PB_CSV_NUMBER},
    {PB_RP_MEMORY_WASTED_PAGE_BYTES, "bytes", PB_CSV_NUMBER},
    {PB_RP_MEMORY_FRAGMENTATION, "ratio", PB_CSV_NUMBER},
    {PB_RP_MEMORY_PEAK_RSS_BYTES, "bytes", PB_CSV_NUMBER},
    {PB_RP_MEMORY_ALLOCATOR_PEAK_RESIDENT_BYTES, "bytes", PB_CSV_NUMBER},
    {PB_RP_MEMORY_RESIDENT_BYTES_AT_END, "bytes", PB_CSV_NUMBER},
    {PB_RP_MEMORY_OCCUPIED_PAGE_BYTES_AT_END, "bytes", PB_CSV_NUMBER},
    {PB_RP_MEMORY_WASTED_PAGE_BYTES_AT_END, "bytes", PB_CSV_NUMBER},
    {PB_RP_MEMORY_MAX_WASTED_PAGE_BYTES, "bytes", PB_CSV_NUMBER},
    {PB_RP_MEMORY_RESIDENT_BYTES_AT_LIVE_PEAK, "bytes", PB_CSV_NUMBER},
    {PB_RP_MEMORY_WASTED_PAGE_BYTES_AT_LIVE_PEAK, "bytes", PB_CSV_NUMBER},
    {PB_RP_MEMORY_MEAN_WASTED_PAGE_BYTES, "bytes", PB_CSV_NUMBER},
    {PB_RP_MEMORY_PASS_SECONDS, "s", PB_CSV_NUMBER},
    {PB_RP_WORKLOAD_EVENTS, "events", PB_CSV_NUMBER},
    {PB_RP_WORKLOAD_ALLOCS, "count", PB_CSV_NUMBER},
    {PB_RP_WORKLOAD_FREES, "count", PB_CSV_NUMBER},
    {PB_RP_WORKLOAD_REALLOCS, "count", PB_CSV_NUMBER},
    {PB_RP_WORKLOAD_RESETS, "count", PB_CSV_NUMBER},
    {PB_RP_WORKLOAD_PEAK_LIVE_BYTES, "bytes", PB_CSV_NUMBER},
    {PB_RP_WORKLOAD_PEAK_LIVE_BLOCKS, "count", PB_CSV_NUMBER},
    {PB_RP_WORKLOAD_LIVE_BLOCKS_AT_END, "count", PB_CSV_NUMBER},
    {PB_RP_WORKLOAD_LIVE_BYTES_AT_END, "bytes", PB_CSV_NUMBER},
    {PB_RP_WORKLOAD_TOTAL_REQUESTED_BYTES, "bytes", PB_CSV_NUMBER},
    {PB_RP_WORKLOAD_THREADS, "count", PB_CSV_NUMBER},
    {PB_RP_WORKLOAD_CROSS_THREAD_FREES, "count", PB_CSV_NUMBER},
    {PB_RP_WORKLOAD_CROSS_THREAD_REALLOCS, "count", PB_CSV_NUMBER},
    {PB_RP_WORKLOAD_LONGEST_CHAIN, "events", PB_CSV_NUMBER},
    /* only for a run whose latency is an object (run --latency): see has_figure */
    {PB_RP_LATENCY_NS_PER_TICK, "ns", PB_CSV_NUMBER},
    {PB_RP_LATENCY_TIMER_OVERHEAD_NS, "ns", PB_CSV_NUMBER},
    {PB_RP_LATENCY_TIMER_RESOLUTION_NS, "ns", PB_CSV_NUMBER},
    {PB_RP_LATENCY_EVERY, "events", PB_CSV_NUMBER},
    {PB_RP_LATENCY_ALLOC_COUNT, "count", PB_CSV_NUMBER},
    {PB_RP_LATENCY_ALLOC_P50_NS, "ns", PB_CSV_NUMBER},
    {PB_RP_LATENCY_ALLOC_P99_NS, "ns", PB_CSV_NUMBER},
    {PB_RP_LATENCY_ALLOC_P999_NS, "ns", PB_CSV_NUMBER},
    {PB_RP_LATENCY_ALLOC_MAX_NS, "ns", PB_CSV_NUMBER},
    {PB_RP_LATENCY_FREE_COUNT, "count", PB_CSV_NUMBER},
    {PB_RP_LATENCY_FREE_P50_NS, "ns", PB_CSV_NUMBER},
    {PB_RP_LATENCY_FREE_P99_NS, "ns", PB_CSV_NUMBER},
    {PB_RP_LATENCY_FREE_P999_NS, "ns", PB_CSV_NUMBER},
    {PB_RP_LATENCY_FREE_MAX_NS, "ns", PB_CSV_NUMBER},
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
    const cJSON *spec = pb_res_get(run, PB_F_BACKEND_SPEC);
    const cJSON *name = pb_res_get(run, PB_F_BACKEND);
    if (cJSON_IsString(spec) && *spec->valuestring)
        return spec->valuestring;
    return cJSON_IsString(name) ? name->valuestring : "";
}

/* A run's thread count: time.threads, 1 for a timed run without it (one
 * thread). A run without time (a failed one) says nothing itself: 1 when the
 * file ran one thread count only (no config.threads, or one entry), else NaN. */
static double run_threads(const cJSON *doc, const cJSON *run)
{
    const cJSON *time = pb_res_get(run, PB_F_TIME);
    const cJSON *t = pb_res_get(time, PB_F_THREADS);
    if (cJSON_IsNumber(t))
        return t->valuedouble;
    if (cJSON_IsObject(time))
        return 1;
    const cJSON *counts = pb_res_at(doc, PB_RP_CONFIG_THREADS);
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
              pb_csv_put_text(out, fig ? pb_res_path_text(fig->path) : "") || putc(',', out) == EOF;
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
    static const char prefix[] = PB_F_LATENCY ".";
    if (strncmp(pb_res_path_text(fig->path), prefix, sizeof prefix - 1) != 0)
        return 1;
    return cJSON_IsObject(pb_res_get(run, PB_F_LATENCY));
}

/* Every row of one run; *rows counts them. 0 ok, -1 when writing failed. */
static int put_run(FILE *out, const cJSON *doc, const cJSON *run, int shown, size_t *rows)
{
    struct run_fields rf = {
        run_backend(run), pb_run_workload_name(run), string_or_empty(run, PB_F_STATUS), "",
        run_threads(doc, run), shown,
    };
    if (!pb_run_ok(run)) {
        rf.error = string_or_empty(run, PB_F_ERROR);
        (*rows)++;
        return put_row(out, &rf, NULL, NULL);
    }
    for (size_t i = 0; i < sizeof figures / sizeof figures[0]; i++) {
        if (!has_figure(run, &figures[i]))
            continue;
        if (put_row(out, &rf, &figures[i], pb_res_at(run, figures[i].path)))
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
