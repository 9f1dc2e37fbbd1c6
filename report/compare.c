/*
 * compare.c -- the run-by-run comparison of two results files. The time test
 * is pb_compare_samples (common/stats.c) on the per-round samples: the rounds
 * are fresh processes, so they are the independent samples the test assumes.
 */
#include "compare.h"
#include "results_fields.h"
#include "pb_stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- comparison ------------------------------------------------------------------ */

static struct pb_compare_row *add_row(struct pb_compare_report *r, const cJSON *run,
                                      const char *figure)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 32;
        struct pb_compare_row *v = realloc(r->rows, cap * sizeof *v);
        if (!v)
            return NULL;
        r->rows = v;
        r->cap = cap;
    }
    struct pb_compare_row *row = &r->rows[r->n++];
    memset(row, 0, sizeof *row);
    pb_run_backend_label(run, row->backend, sizeof row->backend);
    snprintf(row->workload, sizeof row->workload, "%s", pb_run_workload_name(run));
    snprintf(row->figure, sizeof row->figure, "%s", figure);
    row->base = row->new_value = row->p_value = NAN;
    return row;
}

/* The ns_per_op samples of a run (the caller frees them); *n their count. */
static double *samples_of(const cJSON *run, size_t *n)
{
    const cJSON *s = pb_res_at(run, PB_RP_TIME_NS_PER_OP_SAMPLES);
    int k = cJSON_GetArraySize(s);
    double *v = malloc((k > 0 ? (size_t)k : 1) * sizeof *v);
    *n = 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, s) {
        if (v && cJSON_IsNumber(x))
            v[(*n)++] = x->valuedouble;
    }
    return v;
}

static int all_finite(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return 0;
    return 1;
}

/* Whether a run's samples are rounds (time.rounds is there, one fresh process
 * each) rather than the timed replays of one process (files from before). */
static int per_round(const cJSON *run)
{
    return !isnan(pb_res_num(run, PB_RP_TIME_ROUNDS));
}

/* The verdict of a time row from the test's outcome. */
static void time_verdict(struct pb_compare_row *row, const struct pb_shift *s, size_t nb,
                         size_t nn)
{
    int slower = 2 * s->u > (double)nb * (double)nn; /* U of new above its mean */
    row->compared = 1;
    row->p_value = s->p_value;
    row->changed = s->changed;
    row->regressed = s->changed && slower;
    if (!s->significant)
        snprintf(row->verdict, sizeof row->verdict, "no significant change");
    else if (!s->changed)
        snprintf(row->verdict, sizeof row->verdict, "%s, within threshold",
                 slower ? "slower" : "faster");
    else
        snprintf(row->verdict, sizeof row->verdict, "%s", slower ? "REGRESSION" : "faster");
}

static int compare_time(struct pb_compare_report *r, const cJSON *b, const cJSON *n,
                        const struct pb_compare_opts *o)
{
    struct pb_compare_row *row = add_row(r, b, "ns/op");
    if (!row)
        return -1;
    row->base = pb_res_num(b, PB_RP_TIME_NS_PER_OP_MEDIAN);
    row->new_value = pb_res_num(n, PB_RP_TIME_NS_PER_OP_MEDIAN);
    const char *kind = per_round(b) && per_round(n) ? "rounds" : "replays";
    size_t nb, nn;
    double *sb = samples_of(b, &nb), *sn = samples_of(n, &nn);
    struct pb_shift s;
    int rc = 0;
    double min_p = pb_mwu_min_p(nb, nn);
    if (!sb || !sn) {
        rc = -1;
    } else if (nb == 0 || nn == 0) {
        snprintf(row->test, sizeof row->test, "no samples");
        snprintf(row->verdict, sizeof row->verdict, "not tested");
    } else if (min_p >= o->alpha) {
        snprintf(row->test, sizeof row->test, "%zu+%zu %s: p >= %.2g always", nb, nn, kind, min_p);
        snprintf(row->verdict, sizeof row->verdict, "too few %s: %zu and %zu", kind, nb, nn);
    } else if (!all_finite(sb, nb) || !all_finite(sn, nn)) { /* 1e999 reads as inf */
        snprintf(row->test, sizeof row->test, "a sample is not finite");
        snprintf(row->verdict, sizeof row->verdict, "not tested");
    } else if (pb_compare_samples(sb, nb, sn, nn, o->alpha, o->min_effect_pct / 100, &s)) {
        rc = -1; /* out of memory: the values and options were checked */
    } else {
        snprintf(row->test, sizeof row->test, "p=%.2g %s, %zu+%zu %s", s.p_value,
                 s.exact ? "exact" : "normal", nb, nn, kind);
        time_verdict(row, &s, nb, nn);
    }
    free(sb);
    free(sn);
    return rc;
}

static const struct {
    const char *field;
    int is_bytes;
} memory_figures[] = {
    {PB_F_GRANTED_BYTES_AT_PEAK, 1}, {PB_F_PEAK_FOOTPRINT_BYTES, 1}, {PB_F_PEAK_RESIDENT_BYTES, 1},
    {PB_F_WASTED_PAGE_BYTES, 1},     {PB_F_INTERNAL_FRAGMENTATION, 0}, {PB_F_FRAGMENTATION, 0},
};

/* Whether y is worse than x (larger) and whether it is better, by the rule of
 * memory figure i: a byte count by more than t percent and more than one page
 * (a page of resident bytes comes and goes between identical runs), internal
 * fragmentation by more than t points, fragmentation f by more than t percent
 * of 1 + f. Writes the rule into test. */
static void memory_rule(size_t i, double x, double y, double t, double page, char *test,
                        size_t len, int *worse, int *better)
{
    if (memory_figures[i].is_bytes) {
        snprintf(test, len, "threshold %g%%, > 1 page", t);
        *worse = y > x * (1 + t / 100) && y - x > page;
        *better = y < x * (1 - t / 100) && x - y > page;
    } else if (strcmp(memory_figures[i].field, PB_F_FRAGMENTATION) == 0) {
        snprintf(test, len, "threshold %g%% of 1+f", t);
        *worse = 1 + y > (1 + x) * (1 + t / 100);
        *better = 1 + y < (1 + x) * (1 - t / 100);
    } else {
        snprintf(test, len, "threshold %g points", t);
        *worse = y - x > t / 100;
        *better = x - y > t / 100;
    }
}

static int compare_memory(struct pb_compare_report *r, const cJSON *b, const cJSON *n, double t,
                          double page)
{
    const cJSON *mb = pb_res_get(b, PB_F_MEMORY);
    const cJSON *mn = pb_res_get(n, PB_F_MEMORY);
    for (size_t i = 0; i < sizeof memory_figures / sizeof memory_figures[0]; i++) {
        double x = pb_json_number(mb, memory_figures[i].field);
        double y = pb_json_number(mn, memory_figures[i].field);
        if (isnan(x) && isnan(y))
            continue; /* not measured for this backend in either file */
        struct pb_compare_row *row = add_row(r, b, memory_figures[i].field);
        if (!row)
            return -1;
        row->base = x;
        row->new_value = y;
        row->is_bytes = memory_figures[i].is_bytes;
        if (isnan(x) || isnan(y)) {
            snprintf(row->test, sizeof row->test, "measured in one file only");
            snprintf(row->verdict, sizeof row->verdict, "not compared");
            continue;
        }
        int worse, better;
        memory_rule(i, x, y, t, page, row->test, sizeof row->test, &worse, &better);
        snprintf(row->verdict, sizeof row->verdict, "%s",
                 worse ? "REGRESSION" : better ? "smaller" : "within threshold");
        row->compared = 1;
        row->changed = worse || better;
        row->regressed = worse;
    }
    return 0;
}

/* A run's status as one word: ok, refused or failed. */
static const char *status_word(const cJSON *run)
{
    return pb_run_ok(run) ? "ok" : pb_run_refused(run) ? "refused" : "failed";
}

/* One pair: time and memory when both ran, else what the statuses say. */
static int compare_pair(struct pb_compare_report *r, const cJSON *b, const cJSON *n,
                        const struct pb_compare_opts *o, double page)
{
    int bok = pb_run_ok(b), nok = pb_run_ok(n);
    if (bok && nok)
        return compare_time(r, b, n, o) || compare_memory(r, b, n, o->threshold_pct, page) ? -1
                                                                                          : 0;
    struct pb_compare_row *row = add_row(r, b, PB_F_STATUS);
    if (!row)
        return -1;
    const char *bs = status_word(b), *ns = status_word(n);
    snprintf(row->test, sizeof row->test, "%s -> %s", bs, ns);
    if (bok)
        snprintf(row->verdict, sizeof row->verdict, "REGRESSION (new run %s)", ns);
    else
        snprintf(row->verdict, sizeof row->verdict, "%s",
                 nok ? "fixed" : strcmp(bs, ns) == 0 ? (pb_run_refused(b) ? "refused in both"
                                                                          : "failed in both")
                                                     : "not ok in both");
    row->compared = bok || nok;
    row->changed = bok != nok;
    row->regressed = bok && !nok;
    return 0;
}

const cJSON *pb_compare_match(const struct pb_results_file *other, const cJSON *run)
{
    char key[1024], k2[1024];
    pb_run_backend_key(run, key, sizeof key);
    const char *w = pb_run_workload_name(run);
    const cJSON *o;
    cJSON_ArrayForEach(o, other->runs) {
        if (strcmp(pb_run_workload_name(o), w) == 0 &&
            strcmp(pb_run_backend_key(o, k2, sizeof k2), key) == 0)
            return o;
    }
    return NULL;
}

static const char *schema_of(const struct pb_results_file *f)
{
    const cJSON *s = pb_res_get(f->doc, PB_F_SCHEMA);
    return cJSON_IsString(s) ? s->valuestring : "";
}

struct pb_compare_opts pb_compare_defaults(void)
{
    return (struct pb_compare_opts){PB_COMPARE_ALPHA, PB_COMPARE_THRESHOLD, PB_COMPARE_THRESHOLD};
}

/* Whether the options are usable; else err says which is not. */
static int opts_ok(const struct pb_compare_opts *o, char *err, size_t errlen)
{
    if (!(o->alpha > 0 && o->alpha < 1))
        snprintf(err, errlen, "alpha %g is not between 0 and 1", o->alpha);
    else if (!(o->min_effect_pct >= 0) || isinf(o->min_effect_pct))
        snprintf(err, errlen, "minimum effect %g%% is not a percentage >= 0", o->min_effect_pct);
    else if (!(o->threshold_pct >= 0) || isinf(o->threshold_pct))
        snprintf(err, errlen, "threshold %g%% is not a percentage >= 0", o->threshold_pct);
    else
        return 1;
    return 0;
}

/* The ok runs of f whose samples are replays of one process, not rounds. */
static size_t replay_runs(const struct pb_results_file *f)
{
    size_t k = 0;
    const cJSON *run;
    cJSON_ArrayForEach(run, f->runs) { k += pb_run_ok(run) && !per_round(run); }
    return k;
}

/* Every pair's rows, then the counts. -1 when memory runs out. */
static int compare_runs(const struct pb_results_file *base, const struct pb_results_file *new_file,
                        const struct pb_compare_opts *opts, struct pb_compare_report *out)
{
    double page = pb_res_num(new_file->doc, PB_RP_MACHINE_PAGE_SIZE);
    if (isnan(page) || page <= 0)
        page = 4096;
    const cJSON *run;
    cJSON_ArrayForEach(run, base->runs) {
        const cJSON *other = pb_compare_match(new_file, run);
        if (!other) {
            out->only_base++;
            continue;
        }
        out->pairs++;
        if (compare_pair(out, run, other, opts, page))
            return -1;
    }
    cJSON_ArrayForEach(run, new_file->runs) {
        if (!pb_compare_match(base, run))
            out->only_new++;
    }
    for (size_t i = 0; i < out->n; i++) {
        out->compared += (size_t)out->rows[i].compared;
        out->changed += (size_t)out->rows[i].changed;
        out->regressions += (size_t)out->rows[i].regressed;
    }
    out->base_replays = replay_runs(base);
    out->new_replays = replay_runs(new_file);
    return 0;
}

int pb_compare(const struct pb_results_file *base, const struct pb_results_file *new_file,
               const struct pb_compare_opts *opts, struct pb_compare_report *out, char *err,
               size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!opts_ok(opts, err, errlen))
        return -1;
    if (strcmp(schema_of(base), schema_of(new_file)) != 0) {
        snprintf(err, errlen, "%s has schema \"%s\" but %s has \"%s\"", base->path,
                 schema_of(base), new_file->path, schema_of(new_file));
        return -1;
    }
    if (compare_runs(base, new_file, opts, out) || pb_compare_settings(base, new_file, out)) {
        snprintf(err, errlen, "out of memory");
        pb_compare_report_free(out);
        return -1;
    }
    if (out->pairs == 0) {
        snprintf(err, errlen, "%s and %s have no (backend, workload) pair in common: nothing "
                              "to compare", base->path, new_file->path);
        pb_compare_report_free(out);
        return -1;
    }
    return 0;
}

void pb_compare_report_free(struct pb_compare_report *r)
{
    free(r->rows);
    free(r->settings);
    memset(r, 0, sizeof *r);
}
