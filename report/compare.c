/*
 * compare.c -- the Mann-Whitney U test and the run-by-run comparison.
 *
 * Ranks are kept doubled (2 x mid-rank is an integer even with ties), so the
 * exact test counts splits without rounding.
 */
#include "compare.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Mann-Whitney U ------------------------------------------------------------ */

struct ranked {
    double v;
    size_t i;
};

static int by_v(const void *x, const void *y)
{
    double a = ((const struct ranked *)x)->v, b = ((const struct ranked *)y)->v;
    return a < b ? -1 : a > b;
}

/* r2[i] = twice the mid-rank of pooled value i; *ties = sum of t^3 - t. */
static void doubled_ranks(const double *v, size_t n, long long *r2, double *ties,
                          struct ranked *tmp)
{
    for (size_t i = 0; i < n; i++)
        tmp[i] = (struct ranked){v[i], i};
    qsort(tmp, n, sizeof *tmp, by_v);
    *ties = 0;
    for (size_t lo = 0; lo < n;) {
        size_t hi = lo;
        while (hi + 1 < n && tmp[hi + 1].v == tmp[lo].v)
            hi++;
        for (size_t k = lo; k <= hi; k++)
            r2[tmp[k].i] = (long long)(lo + hi + 2);
        double t = (double)(hi - lo + 1);
        *ties += t * t * t - t;
        lo = hi + 1;
    }
}

static double n_choose_k(size_t n, size_t k)
{
    double c = 1;
    for (size_t i = 1; i <= k; i++)
        c = c * (double)(n - k + i) / (double)i;
    return c;
}

/* Exact two-sided p: the share of all na-subsets of the pooled ranks whose
 * U is at least as far from its mean as the observed one. */
static double exact_p(const long long *r2, size_t n, size_t na, long long u2_obs)
{
    size_t idx[64];
    long long mu2 = (long long)na * (long long)(n - na);
    long long dev = llabs(u2_obs - mu2); /* |2U - 2 mean| */
    long long base = (long long)(na * (na + 1));
    double hits = 0, total = 0;
    for (size_t k = 0; k < na; k++)
        idx[k] = k;
    for (;;) {
        long long s = 0;
        for (size_t k = 0; k < na; k++)
            s += r2[idx[k]];
        if (llabs((s - base) - mu2) >= dev) /* s - base = 2U */
            hits++;
        total++;
        size_t k = na;
        while (k > 0 && idx[k - 1] == n - na + k - 1)
            k--;
        if (k == 0)
            break;
        idx[k - 1]++;
        for (size_t j = k; j < na; j++)
            idx[j] = idx[j - 1] + 1;
    }
    return hits / total;
}

static double normal_p(double u, size_t na, size_t nb, double ties, double *z)
{
    double n = (double)(na + nb), mu = (double)na * (double)nb / 2;
    double var = (double)na * (double)nb / 12 * ((n + 1) - ties / (n * (n - 1)));
    if (var <= 0) {
        *z = 0;
        return 1;
    }
    double d = fabs(u - mu) - 0.5; /* continuity correction */
    *z = (d > 0 ? d : 0) / sqrt(var) * (u < mu ? -1 : 1);
    return erfc(fabs(*z) / sqrt(2));
}

static void min_max(const double *v, size_t n, double *lo, double *hi)
{
    *lo = *hi = v[0];
    for (size_t i = 1; i < n; i++) {
        *lo = v[i] < *lo ? v[i] : *lo;
        *hi = v[i] > *hi ? v[i] : *hi;
    }
}

int pb_mann_whitney(const double *a, size_t na, const double *b, size_t nb,
                    struct pb_mw_result *out)
{
    memset(out, 0, sizeof *out);
    if (na == 0 || nb == 0)
        return -1;
    size_t n = na + nb;
    double *v = malloc(n * sizeof *v);
    long long *r2 = malloc(n * sizeof *r2);
    struct ranked *tmp = malloc(n * sizeof *tmp);
    if (!v || !r2 || !tmp) {
        free(v);
        free(r2);
        free(tmp);
        return -1;
    }
    memcpy(v, a, na * sizeof *a);
    memcpy(v + na, b, nb * sizeof *b);
    double ties;
    doubled_ranks(v, n, r2, &ties, tmp);
    long long s = 0;
    for (size_t i = 0; i < na; i++)
        s += r2[i];
    long long u2 = s - (long long)(na * (na + 1)); /* 2U */
    out->u = (double)u2 / 2;
    double alo, ahi, blo, bhi;
    min_max(a, na, &alo, &ahi);
    min_max(b, nb, &blo, &bhi);
    out->separated = ahi < blo || bhi < alo;
    size_t small = na < nb ? na : nb;
    if (small >= PB_MW_NORMAL_MIN) {
        out->method = PB_MW_NORMAL;
        out->p = normal_p(out->u, na, nb, ties, &out->z);
    } else if (small >= PB_MW_EXACT_MIN && na < 64 &&
               n_choose_k(n, na) <= PB_MW_EXACT_MAX_SUBSETS) {
        out->method = PB_MW_EXACT;
        out->p = exact_p(r2, n, na, u2);
    } else if (small >= PB_MW_EXACT_MIN) {
        out->method = PB_MW_NORMAL;
        out->p = normal_p(out->u, na, nb, ties, &out->z);
    } else {
        out->method = PB_MW_RANGES;
        out->p = NAN;
    }
    out->significant = out->method == PB_MW_RANGES ? out->separated : out->p < PB_MW_ALPHA;
    free(v);
    free(r2);
    free(tmp);
    return 0;
}

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
    row->base = row->new_value = NAN;
    return row;
}

/* The ns_per_op samples of a run (not owned); *n their count. */
static double *samples_of(const cJSON *run, size_t *n)
{
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(run, "time"),
                                         "ns_per_op"),
        "samples");
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

static const char *mw_name(enum pb_mw_method m)
{
    return m == PB_MW_NORMAL ? "normal" : m == PB_MW_EXACT ? "exact" : "ranges";
}

static int compare_time(struct pb_compare_report *r, const cJSON *b, const cJSON *n, double t)
{
    struct pb_compare_row *row = add_row(r, b, "ns/op");
    if (!row)
        return -1;
    row->base = pb_json_number(b, "time.ns_per_op.median");
    row->new_value = pb_json_number(n, "time.ns_per_op.median");
    size_t nb, nn;
    double *sb = samples_of(b, &nb), *sn = samples_of(n, &nn);
    struct pb_mw_result mw;
    int ok = sb && sn && pb_mann_whitney(sb, nb, sn, nn, &mw) == 0;
    free(sb);
    free(sn);
    if (!ok) {
        snprintf(row->test, sizeof row->test, "no samples");
        snprintf(row->verdict, sizeof row->verdict, "not tested");
        return 0;
    }
    if (mw.method == PB_MW_RANGES)
        snprintf(row->test, sizeof row->test, "%zu+%zu samples: ranges %s", nb, nn,
                 mw.separated ? "apart" : "overlap");
    else
        snprintf(row->test, sizeof row->test, "U=%g p=%.2g (%s)", mw.u, mw.p, mw_name(mw.method));
    int slower = row->new_value > row->base;
    if (!mw.significant)
        snprintf(row->verdict, sizeof row->verdict, "no significant change");
    else if (!slower)
        snprintf(row->verdict, sizeof row->verdict, "faster");
    else if (row->new_value > row->base * (1 + t / 100)) {
        snprintf(row->verdict, sizeof row->verdict, "REGRESSION");
        row->regressed = 1;
    } else
        snprintf(row->verdict, sizeof row->verdict, "slower, within threshold");
    return 0;
}

static const struct {
    const char *field;
    int is_bytes;
} memory_figures[] = {
    {"granted_bytes_at_peak", 1}, {"peak_footprint_bytes", 1}, {"peak_resident_bytes", 1},
    {"wasted_page_bytes", 1},     {"internal_fragmentation", 0}, {"fragmentation", 0},
};

static int compare_memory(struct pb_compare_report *r, const cJSON *b, const cJSON *n, double t,
                          double page)
{
    const cJSON *mb = cJSON_GetObjectItemCaseSensitive(b, "memory");
    const cJSON *mn = cJSON_GetObjectItemCaseSensitive(n, "memory");
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
        if (row->is_bytes) {
            snprintf(row->test, sizeof row->test, "threshold %g%%, 1 page", t);
            worse = y > x * (1 + t / 100) && y - x >= page;
            better = y < x * (1 - t / 100) && x - y >= page;
        } else if (strcmp(memory_figures[i].field, "fragmentation") == 0) {
            /* footprint / live - 1: compare footprint / live, relatively */
            snprintf(row->test, sizeof row->test, "threshold %g%% of 1+f", t);
            worse = 1 + y > (1 + x) * (1 + t / 100);
            better = 1 + y < (1 + x) * (1 - t / 100);
        } else {
            snprintf(row->test, sizeof row->test, "threshold %g points", t);
            worse = y - x > t / 100;
            better = x - y > t / 100;
        }
        snprintf(row->verdict, sizeof row->verdict, "%s",
                 worse ? "REGRESSION" : better ? "smaller" : "within threshold");
        row->regressed = worse;
    }
    return 0;
}

/* One pair: time and memory when both ran, else what the statuses say. */
static int compare_pair(struct pb_compare_report *r, const cJSON *b, const cJSON *n, double t,
                        double page)
{
    int bok = pb_run_ok(b), nok = pb_run_ok(n);
    if (bok && nok)
        return compare_time(r, b, n, t) || compare_memory(r, b, n, t, page) ? -1 : 0;
    struct pb_compare_row *row = add_row(r, b, "status");
    if (!row)
        return -1;
    snprintf(row->test, sizeof row->test, "%s -> %s", bok ? "ok" : "failed", nok ? "ok" : "failed");
    snprintf(row->verdict, sizeof row->verdict, "%s",
             bok ? "REGRESSION (new run failed)" : nok ? "fixed" : "failed in both");
    row->regressed = bok && !nok;
    return 0;
}

/* The run of other with the same backend identity and workload as run. */
static const cJSON *matching_run(const struct pb_results_file *other, const cJSON *run)
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
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(f->doc, "schema");
    return cJSON_IsString(s) ? s->valuestring : "";
}

int pb_compare(const struct pb_results_file *base, const struct pb_results_file *new_file,
               double threshold_pct, struct pb_compare_report *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (strcmp(schema_of(base), schema_of(new_file)) != 0) {
        snprintf(err, errlen, "%s has schema \"%s\" but %s has \"%s\"", base->path,
                 schema_of(base), new_file->path, schema_of(new_file));
        return -1;
    }
    double page = pb_json_number(new_file->doc, "machine.page_size");
    if (isnan(page) || page <= 0)
        page = 4096;
    const cJSON *run;
    cJSON_ArrayForEach(run, base->runs) {
        const cJSON *other = matching_run(new_file, run);
        if (!other) {
            out->only_base++;
            continue;
        }
        out->pairs++;
        if (compare_pair(out, run, other, threshold_pct, page)) {
            snprintf(err, errlen, "out of memory");
            pb_compare_report_free(out);
            return -1;
        }
    }
    cJSON_ArrayForEach(run, new_file->runs) {
        if (!matching_run(base, run))
            out->only_new++;
    }
    if (out->pairs == 0) {
        snprintf(err, errlen, "%s and %s have no (backend, workload) pair in common: nothing "
                              "to compare", base->path, new_file->path);
        pb_compare_report_free(out);
        return -1;
    }
    for (size_t i = 0; i < out->n; i++)
        out->regressions += (size_t)out->rows[i].regressed;
    return 0;
}

void pb_compare_report_free(struct pb_compare_report *r)
{
    free(r->rows);
    memset(r, 0, sizeof *r);
}
