/*
 * bench_results.c -- the bench document, written and read. Every figure of
 * a run is computed here from its rounds' objects (the rounds are the
 * samples), so the file holds one truth: a reader can recompute each
 * median from the samples it lists.
 */
#include "bench_results.h"
#include "results_fields.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pb_text.h"
#include "results.h"
#include "results_read.h"
#include "rounds.h"
#include "summary.h"

cJSON *pb_bench_doc_new(cJSON *config, cJSON *program)
{
    cJSON *doc = pb_results_new_schema(PB_BENCH_SCHEMA, config);
    if (!doc || !program) {
        cJSON_Delete(doc);
        cJSON_Delete(program);
        return NULL;
    }
    cJSON *runs = cJSON_DetachItemFromObjectCaseSensitive(doc, PB_F_RUNS);
    cJSON_AddItemToObject(doc, PB_F_PROGRAM, program);
    cJSON_AddItemToObject(doc, PB_F_RUNS, runs);
    return doc;
}

cJSON *pb_bench_program_json(const char *path, char *const *argv)
{
    cJSON *p = cJSON_CreateObject(), *cmd = cJSON_CreateArray();
    const char *base = strrchr(argv[0], '/');
    cJSON_AddStringToObject(p, PB_F_NAME, base ? base + 1 : argv[0]);
    cJSON_AddStringToObject(p, PB_F_PATH, path);
    for (size_t i = 0; argv[i]; i++)
        cJSON_AddItemToArray(cmd, cJSON_CreateString(argv[i]));
    cJSON_AddItemToObject(p, PB_F_COMMAND, cmd);
    return p;
}

/* The figures of a round, in the order the readers list them. */
static const char *const figure_keys[] = {
    PB_F_WALL_SECONDS,  PB_F_USER_SECONDS, PB_F_SYSTEM_SECONDS,     PB_F_PEAK_RSS_BYTES,
    PB_F_MINOR_FAULTS,  PB_F_MAJOR_FAULTS, PB_F_VOLUNTARY_SWITCHES, PB_F_INVOLUNTARY_SWITCHES,
};
#define N_FIGURES 8

/* Where each figure's distribution goes in a run: object, then key. */
static const char *const figure_home[N_FIGURES] = {
    PB_F_TIME,   PB_F_TIME,   PB_F_TIME,   PB_F_MEMORY,
    PB_F_CAUSES, PB_F_CAUSES, PB_F_CAUSES, PB_F_CAUSES,
};

cJSON *pb_bench_round_json(unsigned round, unsigned position, const struct pb_program_result *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, PB_F_ROUND, round);
    cJSON_AddNumberToObject(o, PB_F_POSITION, position);
    const double v[N_FIGURES] = {
        r->wall_ns / 1e9,         r->user_ns / 1e9,         r->sys_ns / 1e9,
        (double)r->max_rss_bytes, (double)r->minor_faults, (double)r->major_faults,
        (double)r->voluntary_switches, (double)r->involuntary_switches,
    };
    for (int i = 0; i < N_FIGURES; i++)
        cJSON_AddNumberToObject(o, figure_keys[i], v[i]);
    if (r->exited)
        cJSON_AddNumberToObject(o, PB_F_EXIT_STATUS, r->exit_status);
    else
        cJSON_AddNullToObject(o, PB_F_EXIT_STATUS);
    if (!r->exited)
        cJSON_AddNumberToObject(o, PB_F_SIGNAL, r->term_signal);
    else
        cJSON_AddNullToObject(o, PB_F_SIGNAL);
    cJSON_AddNumberToObject(o, PB_F_OUTPUT_BYTES, (double)r->out_bytes);
    cJSON_AddStringToObject(o, PB_F_OUTPUT_SHA256, r->out_sha256);
    return o;
}

/* The distribution over rounds of figure i; NULL on OOM. */
static cJSON *figure_dist(const cJSON *rounds, int i)
{
    size_t n = (size_t)cJSON_GetArraySize(rounds), k = 0;
    double *v = malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return NULL;
    const cJSON *r;
    cJSON_ArrayForEach(r, rounds)
    {
        const cJSON *x = pb_res_get(r, figure_keys[i]);
        if (cJSON_IsNumber(x))
            v[k++] = x->valuedouble;
    }
    cJSON *d = pb_dist_json(v, k);
    free(v);
    return d;
}

static cJSON *config_json(const struct pb_config_entry *cfg, size_t n)
{
    cJSON *o = cJSON_CreateObject();
    for (size_t i = 0; i < n; i++)
        cJSON_AddStringToObject(o, cfg[i].key, cfg[i].value);
    return o;
}

cJSON *pb_bench_run_json(const char *name, const char *spec, const char *lib,
                         const struct pb_config_entry *cfg, size_t n_cfg, cJSON *rounds,
                         const char *error)
{
    cJSON *run = cJSON_CreateObject();
    if (!run) {
        cJSON_Delete(rounds);
        return NULL;
    }
    cJSON_AddStringToObject(run, PB_F_ALLOCATOR, name);
    cJSON_AddStringToObject(run, PB_F_ALLOCATOR_SPEC, spec);
    lib && lib[0] ? (void)cJSON_AddStringToObject(run, PB_F_LIBRARY, lib)
                  : (void)cJSON_AddNullToObject(run, PB_F_LIBRARY);
    cJSON_AddItemToObject(run, PB_F_ALLOCATOR_CONFIG, config_json(cfg, n_cfg));
    cJSON_AddStringToObject(run, PB_F_STATUS, error ? "failed" : "ok");
    if (error)
        cJSON_AddStringToObject(run, PB_F_ERROR, error);
    cJSON_AddNumberToObject(run, PB_F_ROUNDS_DONE, cJSON_GetArraySize(rounds));
    const char *homes[] = {PB_F_TIME, PB_F_MEMORY, PB_F_CAUSES};
    for (int h = 0; h < 3; h++) {
        cJSON *o = error ? cJSON_CreateNull() : cJSON_CreateObject();
        for (int i = 0; i < N_FIGURES && !error; i++)
            if (strcmp(figure_home[i], homes[h]) == 0)
                cJSON_AddItemToObject(o, figure_keys[i], figure_dist(rounds, i));
        cJSON_AddItemToObject(run, homes[h], o);
    }
    cJSON_AddItemToObject(run, PB_F_ROUNDS, rounds);
    return run;
}

int pb_bench_is_doc(const cJSON *doc)
{
    const cJSON *s = pb_res_get(doc, PB_F_SCHEMA);
    return cJSON_IsString(s) && strcmp(s->valuestring, PB_BENCH_SCHEMA) == 0;
}

/* An ok run's distributions are objects with a number or null median. */
static int check_run(const cJSON *run, int i, char *err, size_t errlen)
{
    if (!cJSON_IsString(pb_res_get(run, PB_F_ALLOCATOR)) ||
        !cJSON_IsString(pb_res_get(run, PB_F_ALLOCATOR_SPEC))) {
        snprintf(err, errlen, "runs[%d]: no allocator or allocator_spec", i);
        return -1;
    }
    const cJSON *st = pb_res_get(run, PB_F_STATUS);
    if (!cJSON_IsString(st) || (strcmp(st->valuestring, "ok") && strcmp(st->valuestring, "failed"))) {
        snprintf(err, errlen, "runs[%d]: status is not \"ok\" or \"failed\"", i);
        return -1;
    }
    if (strcmp(st->valuestring, "ok") != 0)
        return 0;
    for (int k = 0; k < N_FIGURES; k++) {
        const cJSON *m =
            pb_res_get(pb_res_get(pb_res_get(run, figure_home[k]), figure_keys[k]), PB_F_MEDIAN);
        if (!cJSON_IsNumber(m) && !cJSON_IsNull(m)) {
            snprintf(err, errlen, PB_F_RUNS "[%d]: %s.%s." PB_F_MEDIAN " is missing", i,
                     figure_home[k], figure_keys[k]);
            return -1;
        }
    }
    return 0;
}

/* fidelity, when present: an object whose rows are objects naming their
 * allocator, its disagreements strings. */
static int check_fidelity(const cJSON *f, char *err, size_t errlen)
{
    if (!f)
        return 0;
    const cJSON *rows = pb_res_get(f, PB_F_ROWS), *d = pb_res_get(f, PB_F_DISAGREEMENTS), *x;
    if (!cJSON_IsObject(f) || !cJSON_IsArray(rows)) {
        snprintf(err, errlen, "fidelity: %s", cJSON_IsObject(f) ? "rows is not an array"
                                                                : "not an object");
        return -1;
    }
    int i = 0;
    cJSON_ArrayForEach(x, rows)
    {
        if (!cJSON_IsObject(x) || !cJSON_IsString(pb_res_get(x, PB_F_ALLOCATOR_SPEC))) {
            snprintf(err, errlen, "fidelity.rows[%d]: not an object with an allocator_spec", i);
            return -1;
        }
        i++;
    }
    i = 0;
    cJSON_ArrayForEach(x, d)
    {
        if (!cJSON_IsString(x)) {
            snprintf(err, errlen, "fidelity.disagreements[%d]: not a string", i);
            return -1;
        }
        i++;
    }
    if (d && !cJSON_IsArray(d)) {
        snprintf(err, errlen, "fidelity.disagreements: not an array");
        return -1;
    }
    return 0;
}

int pb_bench_check_doc(const cJSON *doc, char *err, size_t errlen)
{
    if (!pb_bench_is_doc(doc)) {
        snprintf(err, errlen, "schema is not \"%s\"", PB_BENCH_SCHEMA);
        return -1;
    }
    const cJSON *p = pb_res_get(doc, PB_F_PROGRAM);
    if (!cJSON_IsString(pb_res_get(p, PB_F_NAME)) || !cJSON_IsArray(pb_res_get(p, PB_F_COMMAND))) {
        snprintf(err, errlen, "program: no name (a string) and command (an array)");
        return -1;
    }
    const cJSON *runs = pb_res_get(doc, PB_F_RUNS), *run;
    if (!cJSON_IsArray(runs)) {
        snprintf(err, errlen, "runs: not an array");
        return -1;
    }
    int i = 0;
    cJSON_ArrayForEach(run, runs)
    {
        if (!cJSON_IsObject(run)) {
            snprintf(err, errlen, "runs[%d]: not an object", i);
            return -1;
        }
        if (check_run(run, i++, err, errlen))
            return -1;
    }
    return check_fidelity(pb_res_get(doc, PB_F_FIDELITY), err, errlen);
}

/* ---- the table ---------------------------------------------------------------- */

/* "0.412 ±3%" (seconds; "12.3 ms ±3%" below 0.1 s) from a distribution; "-" without a median. */
static void cell_seconds(const cJSON *d, char *out, size_t len)
{
    double m = pb_json_number(d, PB_F_MEDIAN), lo = pb_json_number(d, PB_F_CI_LOW),
           hi = pb_json_number(d, PB_F_CI_HIGH);
    if (isnan(m)) {
        snprintf(out, len, "-");
        return;
    }
    char v[32];
    if (m < 0.1)
        snprintf(v, sizeof v, "%.2f ms", m * 1000);
    else
        snprintf(v, sizeof v, "%.3f", m);
    if (!isnan(lo) && !isnan(hi) && m > 0)
        snprintf(out, len, "%s ±%.0f%%", v, (hi - lo) / 2 / m * 100);
    else
        snprintf(out, len, "%s", v);
}

/* s right-aligned in width columns (UTF-8: a character is one column). */
static void put_cell(FILE *f, const char *s, int width)
{
    int cols = 0;
    for (const char *p = s; *p; p++)
        cols += ((unsigned char)*p & 0xC0) != 0x80;
    fprintf(f, "  %*s%s", width - cols > 0 ? width - cols : 0, "", s);
}

static void bench_row(const cJSON *run, FILE *f, int width)
{
    char wall[48], user[48], sys[48], rss[32] = "-", faults[32] = "-", spec[4 * PB_SUMMARY_NAME_MAX];
    const cJSON *t = pb_res_get(run, PB_F_TIME);
    cell_seconds(pb_res_get(t, PB_F_WALL_SECONDS), wall, sizeof wall);
    cell_seconds(pb_res_get(t, PB_F_USER_SECONDS), user, sizeof user);
    cell_seconds(pb_res_get(t, PB_F_SYSTEM_SECONDS), sys, sizeof sys);
    double peak = pb_res_num(run, PB_RP_MEMORY_PEAK_RSS_BYTES_MEDIAN);
    double minflt = pb_res_num(run, PB_RP_CAUSES_MINOR_FAULTS_MEDIAN);
    if (!isnan(peak))
        pb_human_bytes(peak, rss, sizeof rss);
    if (!isnan(minflt))
        snprintf(faults, sizeof faults, "%.0f", minflt);
    const cJSON *s = pb_res_get(run, PB_F_ALLOCATOR_SPEC);
    pb_text_safe(cJSON_IsString(s) ? s->valuestring : "?", spec, sizeof spec);
    const cJSON *st = pb_res_get(run, PB_F_STATUS);
    int ok = cJSON_IsString(st) && strcmp(st->valuestring, "ok") == 0;
    fprintf(f, "%-*s", width, spec);
    const char *cells[] = {wall, user, sys, rss, faults};
    const int widths[] = {14, 14, 14, 10, 10};
    for (int i = 0; i < 5; i++)
        put_cell(f, cells[i], widths[i]);
    fprintf(f, "  %s\n", ok ? "ok" : "FAILED");
}

void pb_bench_summary_print(const cJSON *doc, FILE *f)
{
    const cJSON *runs = pb_res_get(doc, PB_F_RUNS), *run;
    int width = 9;
    cJSON_ArrayForEach(run, runs)
    {
        const cJSON *s = pb_res_get(run, PB_F_ALLOCATOR_SPEC);
        char shown[4 * PB_SUMMARY_NAME_MAX];
        pb_text_safe(cJSON_IsString(s) ? s->valuestring : "?", shown, sizeof shown);
        int w = (int)strlen(shown);
        width = w > width ? (w < PB_SUMMARY_NAME_MAX ? w : PB_SUMMARY_NAME_MAX) : width;
    }
    char name[4 * PB_SUMMARY_NAME_MAX];
    const cJSON *prog = pb_res_at(doc, PB_RP_PROGRAM_NAME);
    pb_text_safe(cJSON_IsString(prog) ? prog->valuestring : "?", name, sizeof name);
    fprintf(f, "\n%s, whole program, median over %d rounds (±: half the 95 %% interval):\n",
            name, pb_res_count(doc, PB_RP_CONFIG_ROUNDS));
    fprintf(f, "%-*s  %14s  %14s  %14s  %10s  %10s  %s\n", width, "allocator", "wall s",
            "user s", "system s", "peak RSS", "minor flt", "status");
    cJSON_ArrayForEach(run, runs)
        bench_row(run, f, width);
    cJSON_ArrayForEach(run, runs)
    {
        const cJSON *e = pb_res_get(run, PB_F_ERROR);
        if (cJSON_IsString(e))
            pb_text_line(f, "  %s: %s", cJSON_GetStringValue(pb_res_get(run, PB_F_ALLOCATOR_SPEC)),
                         e->valuestring);
    }
}
