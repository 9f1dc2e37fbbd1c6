/*
 * fidelity.c -- the two rankings side by side.
 *
 * A row pairs a bench run with the replay run whose backend_spec is its
 * replay spec; both must be ok. Time compares the replay's net ns/op (the
 * allocator without the harness) with the program's median wall time;
 * memory the replay's peak resident bytes with the program's median peak
 * RSS. A pair of allocators is a disagreement when the two orders differ;
 * it is flagged "within noise" when the program's intervals overlap (the
 * program cannot tell them apart, so the replay is not contradicted).
 */
#include "fidelity.h"
#include "results_fields.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results_read.h"

const char *pb_fidelity_replay_spec(const char *allocator_spec, char *buf, size_t len)
{
    snprintf(buf, len, "%s", strcmp(allocator_spec, "glibc") == 0 ? "malloc" : allocator_spec);
    return buf;
}

static void add_num(cJSON *o, const char *k, double v)
{
    isfinite(v) ? (void)cJSON_AddNumberToObject(o, k, v) : (void)cJSON_AddNullToObject(o, k);
}

/* Mean ranks (from 1) of v[0..n) into r. */
static void ranks(const double *v, size_t n, double *r)
{
    for (size_t i = 0; i < n; i++) {
        size_t below = 0, same = 0;
        for (size_t j = 0; j < n; j++) {
            below += v[j] < v[i];
            same += v[j] == v[i];
        }
        r[i] = (double)below + (same + 1) / 2.0;
    }
}

double pb_spearman(const double *x, const double *y, size_t n)
{
    if (n < 2)
        return NAN;
    double *rx = malloc(2 * n * sizeof *rx);
    if (!rx)
        return NAN;
    double *ry = rx + n, mx = (n + 1) / 2.0, sxy = 0, sxx = 0, syy = 0;
    ranks(x, n, rx);
    ranks(y, n, ry);
    for (size_t i = 0; i < n; i++) {
        sxy += (rx[i] - mx) * (ry[i] - mx);
        sxx += (rx[i] - mx) * (rx[i] - mx);
        syy += (ry[i] - mx) * (ry[i] - mx);
    }
    free(rx);
    return sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : NAN;
}

/* One allocator's figures from both sides. */
struct row {
    const char *spec;
    double wall, wall_lo, wall_hi, rss, net, ns, peak, ops;
};

/* The replay run of spec in replay's runs, or NULL. */
static const cJSON *replay_run(const cJSON *replay, const char *spec)
{
    char want[256];
    pb_fidelity_replay_spec(spec, want, sizeof want);
    const cJSON *r;
    cJSON_ArrayForEach(r, pb_res_get(replay, PB_F_RUNS))
    {
        const cJSON *s = pb_res_get(r, PB_F_BACKEND_SPEC);
        if (!cJSON_IsString(s))
            s = pb_res_get(r, PB_F_BACKEND);
        if (cJSON_IsString(s) && strcmp(s->valuestring, want) == 0 && pb_run_ok(r) &&
            pb_run_threads(r) == 1)
            return r;
    }
    return NULL;
}

/* The rows of the allocators both sides measured, into rows; their count. */
static size_t pair_rows(const cJSON *bench, const cJSON *replay, struct row *rows, size_t max)
{
    size_t n = 0;
    const cJSON *b;
    cJSON_ArrayForEach(b, pb_res_get(bench, PB_F_RUNS))
    {
        const cJSON *s = pb_res_get(b, PB_F_ALLOCATOR_SPEC);
        if (n == max || !pb_run_ok(b) || !cJSON_IsString(s))
            continue;
        const cJSON *r = replay_run(replay, s->valuestring);
        if (!r)
            continue;
        const cJSON *wall = pb_res_at(b, PB_RP_TIME_WALL_SECONDS);
        double ops = pb_res_num(r, PB_RP_TIME_OPS);
        rows[n++] = (struct row){
            s->valuestring, pb_json_number(wall, PB_F_MEDIAN), pb_json_number(wall, PB_F_CI_LOW),
            pb_json_number(wall, PB_F_CI_HIGH), pb_res_num(b, PB_RP_MEMORY_PEAK_RSS_BYTES_MEDIAN),
            pb_res_num(r, PB_RP_TIME_NET_NS_PER_OP), pb_res_num(r, PB_RP_TIME_NS_PER_OP_MEDIAN),
            pb_res_num(r, PB_RP_MEMORY_PEAK_RESIDENT_BYTES),
            isnan(ops) ? pb_res_num(r, PB_RP_WORKLOAD_EVENTS) : ops,
        };
    }
    return n;
}

static cJSON *row_json(const struct row *w)
{
    cJSON *o = cJSON_CreateObject();
    char spec[256];
    cJSON_AddStringToObject(o, PB_F_ALLOCATOR_SPEC, w->spec);
    cJSON_AddStringToObject(o, PB_F_REPLAY_BACKEND,
                            pb_fidelity_replay_spec(w->spec, spec, sizeof spec));
    add_num(o, PB_F_WALL_SECONDS, w->wall);
    add_num(o, PB_F_PEAK_RSS_BYTES, w->rss);
    add_num(o, PB_F_REPLAY_NS_PER_OP, w->ns);
    add_num(o, PB_F_REPLAY_NET_NS_PER_OP, w->net);
    add_num(o, PB_F_REPLAY_PEAK_RESIDENT_BYTES, w->peak);
    add_num(o, PB_F_REPLAY_OPS, w->ops);
    double alloc_s = w->net * w->ops / 1e9;
    add_num(o, PB_F_ALLOCATION_SECONDS, alloc_s);
    add_num(o, PB_F_ALLOCATION_SHARE, w->wall > 0 ? alloc_s / w->wall : NAN);
    return o;
}

/* The figures a correlation pairs. */
enum figure { NET, WALL, PEAK, RSS };

static double figure(const struct row *w, enum figure f)
{
    return f == NET ? w->net : f == WALL ? w->wall : f == PEAK ? w->peak : w->rss;
}

/* {spearman, n} of figures a and b over the rows that have both. */
static cJSON *correlation(const struct row *rows, size_t n, enum figure a, enum figure b)
{
    double *x = malloc((2 * n + 1) * sizeof *x), *y = x ? x + n : NULL;
    size_t k = 0;
    for (size_t i = 0; x && i < n; i++) {
        double u = figure(&rows[i], a), v = figure(&rows[i], b);
        if (isfinite(u) && isfinite(v)) {
            x[k] = u;
            y[k++] = v;
        }
    }
    cJSON *o = cJSON_CreateObject();
    add_num(o, PB_F_SPEARMAN, x ? pb_spearman(x, y, k) : NAN);
    cJSON_AddNumberToObject(o, PB_F_N, (double)k);
    free(x);
    return o;
}

/* The pairs the replay's net time and the program's wall time order differently. */
static cJSON *disagreements(const struct row *rows, size_t n)
{
    cJSON *list = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            const struct row *a = &rows[i], *b = &rows[j];
            if (!isfinite(a->net) || !isfinite(b->net) || a->net == b->net || a->wall == b->wall)
                continue;
            if ((a->net < b->net) == (a->wall < b->wall))
                continue;
            const struct row *fast = a->net < b->net ? a : b, *slow = fast == a ? b : a;
            int noise = !(slow->wall_hi < fast->wall_lo);
            char text[1024];
            snprintf(text, sizeof text, "the replay ranks %s ahead of %s (%.2f against %.2f net "
                     "ns/op), the program %s ahead (%.4g against %.4g s)%s",
                     fast->spec, slow->spec, fast->net, slow->net, slow->spec, slow->wall,
                     fast->wall, noise ? ", within the program's noise" : "");
            cJSON_AddItemToArray(list, cJSON_CreateString(text));
        }
    return list;
}

/* The allocation share of the first row (glibc's when it ran). */
static cJSON *share_json(const struct row *rows, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(rows[i].spec, "glibc") == 0)
            k = i;
    if (n == 0)
        return cJSON_CreateNull();
    cJSON *o = cJSON_CreateObject();
    const struct row *w = &rows[k];
    double alloc_s = w->net * w->ops / 1e9;
    cJSON_AddStringToObject(o, PB_F_ALLOCATOR_SPEC, w->spec);
    add_num(o, PB_F_ALLOCATION_SECONDS, alloc_s);
    add_num(o, PB_F_WALL_SECONDS, w->wall);
    add_num(o, PB_F_SHARE, w->wall > 0 ? alloc_s / w->wall : NAN);
    return o;
}

cJSON *pb_fidelity_json(const cJSON *bench, cJSON *replay, const char *trace)
{
    size_t cap = (size_t)cJSON_GetArraySize(pb_res_get(bench, PB_F_RUNS)) + 1;
    struct row *rows = calloc(cap, sizeof *rows);
    cJSON *f = cJSON_CreateObject();
    if (!rows || !f) {
        free(rows);
        cJSON_Delete(f);
        cJSON_Delete(replay);
        return NULL;
    }
    size_t n = pair_rows(bench, replay, rows, cap);
    cJSON_AddStringToObject(f, PB_F_TRACE, trace);
    cJSON *list = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(list, row_json(&rows[i]));
    cJSON_AddItemToObject(f, PB_F_ROWS, list);
    cJSON_AddItemToObject(f, PB_F_TIME_CORRELATION,
                          correlation(rows, n, NET, WALL));
    cJSON_AddItemToObject(f, PB_F_MEMORY_CORRELATION,
                          correlation(rows, n, PEAK, RSS));
    cJSON_AddItemToObject(f, PB_F_DISAGREEMENTS, disagreements(rows, n));
    cJSON_AddItemToObject(f, PB_F_ALLOCATION_SHARE, share_json(rows, n));
    cJSON_AddItemToObject(f, PB_F_REPLAY, replay);
    free(rows);
    return f;
}
