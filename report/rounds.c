/*
 * rounds.c -- merges one run's processes into its figures (rounds.h). The
 * parts arrive as the JSON the processes wrote (report/results.c); only this
 * file and results.c know the names inside them.
 */
#include "rounds.h"
#include "results_fields.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pb_stats.h"
#include "results_read.h"

#define CI_METHOD "order statistics (binomial), distribution-free"

static cJSON *time_of(const cJSON *part)
{
    cJSON *t = cJSON_GetObjectItemCaseSensitive(part, PB_F_TIME);
    return cJSON_IsObject(t) ? t : NULL;
}

cJSON *pb_dist_json(const double *v, size_t n)
{
    cJSON *o = cJSON_CreateObject();
    struct pb_dist d;
    int ok = n > 0 && pb_dist_of(v, n, &d) == 0;
    const char *keys[] = {PB_F_MEDIAN, PB_F_MIN, PB_F_MAX};
    double vals[] = {d.median, d.min, d.max};
    for (int i = 0; i < 3; i++)
        ok ? (void)cJSON_AddNumberToObject(o, keys[i], vals[i])
           : (void)cJSON_AddNullToObject(o, keys[i]);
    cJSON_AddItemToObject(o, PB_F_SAMPLES, cJSON_CreateDoubleArray(v, (int)n));
    if (ok && d.ci_ok) {
        cJSON_AddNumberToObject(o, PB_F_CI_LOW, d.ci_lo);
        cJSON_AddNumberToObject(o, PB_F_CI_HIGH, d.ci_hi);
        cJSON_AddNumberToObject(o, PB_F_CI_LEVEL, d.ci_level);
    } else {
        cJSON_AddNullToObject(o, PB_F_CI_LOW);
        cJSON_AddNullToObject(o, PB_F_CI_HIGH);
        cJSON_AddNullToObject(o, PB_F_CI_LEVEL);
    }
    cJSON_AddStringToObject(o, PB_F_CI_METHOD, CI_METHOD);
    cJSON_AddBoolToObject(o, PB_F_NOISY, ok && d.noisy);
    return o;
}

/* The counters of usage, in the order of struct pb_usage. */
static const char *const usage_keys[] = {PB_F_MINOR_FAULTS,       PB_F_MAJOR_FAULTS,
                                         PB_F_VOLUNTARY_SWITCHES, PB_F_INVOLUNTARY_SWITCHES,
                                         PB_F_USER_SECONDS,       PB_F_SYSTEM_SECONDS};
#define N_USAGE 6

/* Sum of each counter over the objects of a (one object: itself). */
static void usage_sum(const cJSON *a, double sum[N_USAGE])
{
    memset(sum, 0, N_USAGE * sizeof *sum);
    const cJSON *u;
    if (cJSON_IsObject(a)) {
        for (int k = 0; k < N_USAGE; k++)
            sum[k] = pb_json_number(a, usage_keys[k]);
        return;
    }
    cJSON_ArrayForEach(u, a)
        for (int k = 0; k < N_USAGE; k++)
            sum[k] += pb_json_number(u, usage_keys[k]);
}

/* The figures of one round's timed process, as the rates of the summary. */
struct round_fig {
    double warm, per_sec, cold;     /* ns/op; NaN when absent */
    double warm_rate[4], cold_rate[4]; /* per 1000 ops: the four counters */
    double warm_sys, cold_sys;      /* system share of user + system time */
    double wait_share;              /* a trace's threads: the share of their time waiting */
};

static double share(double user, double sys)
{
    return user + sys > 0 ? sys / (user + sys) : 0;
}

static void round_figures(const cJSON *t, struct round_fig *f)
{
    const cJSON *ns = cJSON_GetObjectItemCaseSensitive(t, PB_F_NS_PER_OP);
    f->warm = pb_json_number(ns, PB_F_MEDIAN);
    f->per_sec = f->warm > 0 ? 1e9 / f->warm : NAN; /* the round's figure, inverted */
    f->cold = pb_json_number(t, PB_F_COLD_NS_PER_OP);
    f->wait_share = pb_res_num(t, PB_RP_WAIT_OF_SHARE_MEDIAN);
    double ops = pb_json_number(t, PB_F_OPS_ALL_THREADS);
    if (isnan(ops))
        ops = pb_json_number(t, PB_F_OPS);
    double replays = (double)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(t, PB_F_USAGE));
    double w[N_USAGE], c[N_USAGE];
    usage_sum(cJSON_GetObjectItemCaseSensitive(t, PB_F_USAGE), w);
    usage_sum(cJSON_GetObjectItemCaseSensitive(t, PB_F_COLD_USAGE), c);
    int has_cold = cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(t, PB_F_COLD_USAGE));
    for (int k = 0; k < 4; k++) {
        f->warm_rate[k] = replays > 0 && ops > 0 ? w[k] * 1000 / (ops * replays) : NAN;
        f->cold_rate[k] = has_cold && ops > 0 ? c[k] * 1000 / ops : NAN;
    }
    f->warm_sys = replays > 0 ? share(w[4], w[5]) : NAN;
    f->cold_sys = has_cold ? share(c[4], c[5]) : NAN;
}

/* The finite values among n figures picked by the offset of a double in them. */
static size_t column(const struct round_fig *f, size_t n, size_t offset, double *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        double v = *(const double *)((const char *)&f[i] + offset);
        if (isfinite(v))
            out[k++] = v;
    }
    return k;
}

/* Medians over rounds of the causes, warm or cold. */
static cJSON *causes_json(const struct round_fig *f, size_t n, int cold, double *buf)
{
    static const char *const rate_keys[4] = {
        PB_F_MINOR_FAULTS_PER_KOP, PB_F_MAJOR_FAULTS_PER_KOP, PB_F_VOLUNTARY_SWITCHES_PER_KOP,
        PB_F_INVOLUNTARY_SWITCHES_PER_KOP};
    cJSON *o = cJSON_CreateObject();
    for (int k = 0; k < 4; k++) {
        size_t off = cold ? offsetof(struct round_fig, cold_rate) : offsetof(struct round_fig, warm_rate);
        size_t m = column(f, n, off + (size_t)k * sizeof(double), buf);
        m ? (void)cJSON_AddNumberToObject(o, rate_keys[k], pb_median(buf, m))
          : (void)cJSON_AddNullToObject(o, rate_keys[k]);
    }
    size_t m = column(f, n, cold ? offsetof(struct round_fig, cold_sys)
                                 : offsetof(struct round_fig, warm_sys), buf);
    m ? (void)cJSON_AddNumberToObject(o, PB_F_SYSTEM_SHARE, pb_median(buf, m))
      : (void)cJSON_AddNullToObject(o, PB_F_SYSTEM_SHARE);
    return o;
}

/* time.per_round[]: what each round's process measured. */
static cJSON *per_round_entry(cJSON *t, size_t round, unsigned position)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, PB_F_ROUND, (double)round);
    cJSON_AddNumberToObject(o, PB_F_POSITION, position);
    cJSON *ns = cJSON_GetObjectItemCaseSensitive(t, PB_F_NS_PER_OP);
    cJSON *samples = cJSON_DetachItemFromObjectCaseSensitive(ns, PB_F_SAMPLES);
    cJSON_AddItemToObject(o, PB_F_REPLAY_NS_PER_OP, samples ? samples : cJSON_CreateArray());
    const char *moved[] = {PB_F_COLD_NS_PER_OP, PB_F_COLD_USAGE, PB_F_USAGE, PB_F_PER_THREAD,
                           PB_F_WAIT};
    for (size_t i = 0; i < sizeof moved / sizeof moved[0]; i++) {
        cJSON *item = cJSON_DetachItemFromObjectCaseSensitive(t, moved[i]);
        if (item)
            cJSON_AddItemToObject(o, moved[i], item);
    }
    return o;
}

/* The settings every round shares, from the first round's time object. */
static void copy_settings(cJSON *time, const cJSON *first)
{
    const char *keys[] = {PB_F_REPEATS,    PB_F_WARMUP,          PB_F_OPS,       PB_F_CLOCK,
                          PB_F_THREADS,    PB_F_OPS_ALL_THREADS, PB_F_INSTANCES, PB_F_CROSS_FREE,
                          PB_F_PER_THREAD, PB_F_TRACE_THREADS};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(first, keys[i]);
        if (v)
            cJSON_AddItemToObject(time, keys[i], cJSON_Duplicate(v, 1));
    }
}

/* The time object over the rounds' time objects t[0..n). */
static cJSON *merged_time(cJSON **t, const size_t *round, const unsigned *position, size_t n)
{
    struct round_fig *f = calloc(n ? n : 1, sizeof *f);
    double *buf = calloc(n ? n : 1, sizeof *buf);
    cJSON *time = cJSON_CreateObject();
    if (!f || !buf) {
        free(f);
        free(buf);
        return time;
    }
    for (size_t i = 0; i < n; i++)
        round_figures(t[i], &f[i]);
    size_t m = column(f, n, offsetof(struct round_fig, warm), buf);
    cJSON_AddItemToObject(time, PB_F_NS_PER_OP, pb_dist_json(buf, m));
    m = column(f, n, offsetof(struct round_fig, per_sec), buf);
    cJSON_AddItemToObject(time, PB_F_OPS_PER_SEC, pb_dist_json(buf, m));
    cJSON_AddNullToObject(time, PB_F_NET_NS_PER_OP); /* set against null: pb_run_set_net_against */
    m = column(f, n, offsetof(struct round_fig, cold), buf);
    cJSON_AddItemToObject(time, PB_F_COLD_NS_PER_OP, pb_dist_json(buf, m));
    cJSON_AddNumberToObject(time, PB_F_ROUNDS, (double)n);
    if (n)
        copy_settings(time, t[0]);
    m = column(f, n, offsetof(struct round_fig, wait_share), buf);
    if (m)
        cJSON_AddItemToObject(time, PB_F_WAIT_SHARE, pb_dist_json(buf, m));
    cJSON *causes = cJSON_AddObjectToObject(time, PB_F_CAUSES);
    cJSON_AddItemToObject(causes, PB_F_WARM, causes_json(f, n, 0, buf));
    cJSON_AddItemToObject(causes, PB_F_COLD, causes_json(f, n, 1, buf));
    cJSON *pr = cJSON_AddArrayToObject(time, PB_F_PER_ROUND);
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(pr, per_round_entry(t[i], round[i], position[i]));
    free(f);
    free(buf);
    return time;
}

cJSON *pb_run_merge(cJSON *memory_part, cJSON **time_parts, const unsigned *positions,
                    size_t n_rounds)
{
    cJSON **t = calloc(n_rounds ? n_rounds : 1, sizeof *t);
    size_t *round = calloc(n_rounds ? n_rounds : 1, sizeof *round);
    unsigned *pos = calloc(n_rounds ? n_rounds : 1, sizeof *pos);
    size_t n = 0;
    for (size_t r = 0; t && round && pos && r < n_rounds; r++) {
        if (time_parts[r] && time_of(time_parts[r])) {
            t[n] = time_of(time_parts[r]);
            round[n] = r;
            pos[n++] = positions[r];
        }
    }
    cJSON *time = t && round && pos ? merged_time(t, round, pos, n) : NULL;
    if (memory_part && time)
        cJSON_ReplaceItemInObjectCaseSensitive(memory_part, PB_F_TIME, time);
    else
        cJSON_Delete(time);
    for (size_t r = 0; r < n_rounds; r++)
        cJSON_Delete(time_parts[r]);
    free(t);
    free(round);
    free(pos);
    return memory_part;
}

double pb_run_median_ns(const cJSON *run)
{
    const cJSON *ns = cJSON_GetObjectItemCaseSensitive(time_of(run), PB_F_NS_PER_OP);
    double m = pb_json_number(ns, PB_F_MEDIAN);
    return isfinite(m) ? m : -1;
}

/* The run's per-round figures keyed by round: out[r] (NaN when round r is
 * missing) for r < max; the number of rounds it had. */
static size_t by_round(const cJSON *run, double *out, size_t max)
{
    for (size_t r = 0; r < max; r++)
        out[r] = NAN;
    const cJSON *t = time_of(run);
    const cJSON *samples = pb_res_at(t, PB_RP_NS_PER_OP_SAMPLES);
    const cJSON *pr = cJSON_GetObjectItemCaseSensitive(t, PB_F_PER_ROUND);
    size_t n = 0;
    for (const cJSON *s = samples ? samples->child : NULL, *p = pr ? pr->child : NULL; s && p;
         s = s->next, p = p->next, n++) {
        double r = pb_json_number(p, PB_F_ROUND);
        if (r >= 0 && r < (double)max && cJSON_IsNumber(s))
            out[(size_t)r] = s->valuedouble;
    }
    return n;
}

static void add_note(cJSON *run, const char *note)
{
    cJSON *notes = cJSON_GetObjectItemCaseSensitive(run, PB_F_NOTES);
    if (!cJSON_IsArray(notes)) {
        cJSON_DeleteItemFromObjectCaseSensitive(run, PB_F_NOTES);
        notes = cJSON_AddArrayToObject(run, PB_F_NOTES);
    }
    cJSON_AddItemToArray(notes, cJSON_CreateString(note));
}

static void set_item(cJSON *o, const char *key, cJSON *v)
{
    if (cJSON_GetObjectItemCaseSensitive(o, key))
        cJSON_ReplaceItemInObjectCaseSensitive(o, key, v);
    else
        cJSON_AddItemToObject(o, key, v);
}

/* The net figure from the paired differences d[0..n). */
static void set_net(cJSON *run, cJSON *t, const double *d, size_t n, double med, double base)
{
    struct pb_dist dist;
    cJSON *net = pb_dist_json(d, n);
    if (n == 0 || pb_dist_of(d, n, &dist)) {
        set_item(t, PB_F_NET_NS_PER_OP, cJSON_CreateNull());
        set_item(t, PB_F_NET, net);
        return;
    }
    int noise = pb_dist_includes_zero(&dist), below = !noise && dist.ci_hi < 0;
    cJSON_AddBoolToObject(net, PB_F_WITHIN_NOISE, noise);
    cJSON_AddBoolToObject(net, PB_F_BELOW_BASELINE, below);
    double v = med - base > 0 ? med - base : dist.median;
    set_item(t, PB_F_NET_NS_PER_OP, below ? cJSON_CreateNull() : cJSON_CreateNumber(noise ? 0 : v));
    set_item(t, PB_F_NET, net);
    if (below)
        add_note(run, "net_ns_per_op: null because every round of this run was faster than "
                      "the null baseline's round (a cost below the harness's own cannot be "
                      "measured: a code-layout or cache effect, not a saving)");
}

void pb_run_set_net_against(cJSON *run, const cJSON *null_run)
{
    cJSON *t = time_of(run);
    if (!t)
        return;
    double med = pb_run_median_ns(run), base = pb_run_median_ns(null_run);
    size_t max = (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(t, PB_F_PER_ROUND));
    size_t nmax = (size_t)cJSON_GetArraySize(
        cJSON_GetObjectItemCaseSensitive(time_of(null_run), PB_F_PER_ROUND));
    max = (max > nmax ? max : nmax) + 1;
    double *a = calloc(max * 3, sizeof *a);
    if (med < 0 || base < 0 || !a) {
        free(a);
        set_item(t, PB_F_NET_NS_PER_OP, cJSON_CreateNull());
        if (run == null_run || base >= 0)
            return;
        const cJSON *err = cJSON_GetObjectItemCaseSensitive(null_run, PB_F_ERROR);
        char note[640];
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(null_run, PB_F_STATUS);
        int refused = cJSON_IsString(st) && strcmp(st->valuestring, "refused") == 0;
        snprintf(note, sizeof note, "net_ns_per_op: null because the null baseline run %s%.512s",
                 !cJSON_IsString(err) ? "has no time" : refused ? "was refused: " : "failed: ",
                 cJSON_IsString(err) ? err->valuestring : "");
        add_note(run, note);
        return;
    }
    double *b = a + max, *d = b + max;
    by_round(run, a, max);
    by_round(null_run, b, max);
    size_t n = 0;
    for (size_t r = 0; r < max; r++)
        if (!isnan(a[r]) && !isnan(b[r]))
            d[n++] = a[r] - b[r];
    set_net(run, t, d, n, med, base);
    free(a);
}

void pb_run_mark_unfinished(cJSON *part, const char *reason)
{
    set_item(part, PB_F_STATUS, cJSON_CreateString("failed"));
    set_item(part, PB_F_ERROR, cJSON_CreateString(reason));
}
