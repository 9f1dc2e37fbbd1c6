/*
 * rounds.c -- merges one run's processes into its figures (rounds.h). The
 * parts arrive as the JSON the processes wrote (report/results.c); only this
 * file and results.c know the names inside them.
 */
#include "rounds.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pb_stats.h"
#include "results_read.h"

#define CI_METHOD "order statistics (binomial), distribution-free"

static cJSON *time_of(const cJSON *part)
{
    cJSON *t = cJSON_GetObjectItemCaseSensitive(part, "time");
    return cJSON_IsObject(t) ? t : NULL;
}

cJSON *pb_dist_json(const double *v, size_t n)
{
    cJSON *o = cJSON_CreateObject();
    struct pb_dist d;
    int ok = n > 0 && pb_dist_of(v, n, &d) == 0;
    const char *keys[] = {"median", "min", "max"};
    double vals[] = {d.median, d.min, d.max};
    for (int i = 0; i < 3; i++)
        ok ? (void)cJSON_AddNumberToObject(o, keys[i], vals[i])
           : (void)cJSON_AddNullToObject(o, keys[i]);
    cJSON_AddItemToObject(o, "samples", cJSON_CreateDoubleArray(v, (int)n));
    if (ok && d.ci_ok) {
        cJSON_AddNumberToObject(o, "ci_low", d.ci_lo);
        cJSON_AddNumberToObject(o, "ci_high", d.ci_hi);
        cJSON_AddNumberToObject(o, "ci_level", d.ci_level);
    } else {
        cJSON_AddNullToObject(o, "ci_low");
        cJSON_AddNullToObject(o, "ci_high");
        cJSON_AddNullToObject(o, "ci_level");
    }
    cJSON_AddStringToObject(o, "ci_method", CI_METHOD);
    cJSON_AddBoolToObject(o, "noisy", ok && d.noisy);
    return o;
}

/* The counters of usage, in the order of struct pb_usage. */
static const char *const usage_keys[] = {"minor_faults", "major_faults", "voluntary_switches",
                                         "involuntary_switches", "user_seconds",
                                         "system_seconds"};
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
    const cJSON *ns = cJSON_GetObjectItemCaseSensitive(t, "ns_per_op");
    f->warm = pb_json_number(ns, "median");
    f->per_sec = f->warm > 0 ? 1e9 / f->warm : NAN; /* the round's figure, inverted */
    f->cold = pb_json_number(t, "cold_ns_per_op");
    f->wait_share = pb_json_number(t, "wait.share.median");
    double ops = pb_json_number(t, "ops_all_threads");
    if (isnan(ops))
        ops = pb_json_number(t, "ops");
    double replays = (double)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(t, "usage"));
    double w[N_USAGE], c[N_USAGE];
    usage_sum(cJSON_GetObjectItemCaseSensitive(t, "usage"), w);
    usage_sum(cJSON_GetObjectItemCaseSensitive(t, "cold_usage"), c);
    int has_cold = cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(t, "cold_usage"));
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
        "minor_faults_per_kop", "major_faults_per_kop", "voluntary_switches_per_kop",
        "involuntary_switches_per_kop"};
    cJSON *o = cJSON_CreateObject();
    for (int k = 0; k < 4; k++) {
        size_t off = cold ? offsetof(struct round_fig, cold_rate) : offsetof(struct round_fig, warm_rate);
        size_t m = column(f, n, off + (size_t)k * sizeof(double), buf);
        m ? (void)cJSON_AddNumberToObject(o, rate_keys[k], pb_median(buf, m))
          : (void)cJSON_AddNullToObject(o, rate_keys[k]);
    }
    size_t m = column(f, n, cold ? offsetof(struct round_fig, cold_sys)
                                 : offsetof(struct round_fig, warm_sys), buf);
    m ? (void)cJSON_AddNumberToObject(o, "system_share", pb_median(buf, m))
      : (void)cJSON_AddNullToObject(o, "system_share");
    return o;
}

/* time.per_round[]: what each round's process measured. */
static cJSON *per_round_entry(cJSON *t, size_t round, unsigned position)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "round", (double)round);
    cJSON_AddNumberToObject(o, "position", position);
    cJSON *ns = cJSON_GetObjectItemCaseSensitive(t, "ns_per_op");
    cJSON *samples = cJSON_DetachItemFromObjectCaseSensitive(ns, "samples");
    cJSON_AddItemToObject(o, "replay_ns_per_op", samples ? samples : cJSON_CreateArray());
    const char *moved[] = {"cold_ns_per_op", "cold_usage", "usage", "per_thread", "wait"};
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
    const char *keys[] = {"repeats", "warmup", "ops", "clock", "threads", "ops_all_threads",
                          "instances", "cross_free", "per_thread", "trace_threads"};
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
    cJSON_AddItemToObject(time, "ns_per_op", pb_dist_json(buf, m));
    m = column(f, n, offsetof(struct round_fig, per_sec), buf);
    cJSON_AddItemToObject(time, "ops_per_sec", pb_dist_json(buf, m));
    cJSON_AddNullToObject(time, "net_ns_per_op"); /* set against null: pb_run_set_net_against */
    m = column(f, n, offsetof(struct round_fig, cold), buf);
    cJSON_AddItemToObject(time, "cold_ns_per_op", pb_dist_json(buf, m));
    cJSON_AddNumberToObject(time, "rounds", (double)n);
    if (n)
        copy_settings(time, t[0]);
    m = column(f, n, offsetof(struct round_fig, wait_share), buf);
    if (m)
        cJSON_AddItemToObject(time, "wait_share", pb_dist_json(buf, m));
    cJSON *causes = cJSON_AddObjectToObject(time, "causes");
    cJSON_AddItemToObject(causes, "warm", causes_json(f, n, 0, buf));
    cJSON_AddItemToObject(causes, "cold", causes_json(f, n, 1, buf));
    cJSON *pr = cJSON_AddArrayToObject(time, "per_round");
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
        cJSON_ReplaceItemInObjectCaseSensitive(memory_part, "time", time);
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
    const cJSON *ns = cJSON_GetObjectItemCaseSensitive(time_of(run), "ns_per_op");
    double m = pb_json_number(ns, "median");
    return isfinite(m) ? m : -1;
}

/* The run's per-round figures keyed by round: out[r] (NaN when round r is
 * missing) for r < max; the number of rounds it had. */
static size_t by_round(const cJSON *run, double *out, size_t max)
{
    for (size_t r = 0; r < max; r++)
        out[r] = NAN;
    const cJSON *t = time_of(run);
    const cJSON *samples = pb_json_at(t, "ns_per_op.samples");
    const cJSON *pr = cJSON_GetObjectItemCaseSensitive(t, "per_round");
    size_t n = 0;
    for (const cJSON *s = samples ? samples->child : NULL, *p = pr ? pr->child : NULL; s && p;
         s = s->next, p = p->next, n++) {
        double r = pb_json_number(p, "round");
        if (r >= 0 && r < (double)max && cJSON_IsNumber(s))
            out[(size_t)r] = s->valuedouble;
    }
    return n;
}

static void add_note(cJSON *run, const char *note)
{
    cJSON *notes = cJSON_GetObjectItemCaseSensitive(run, "notes");
    if (!cJSON_IsArray(notes)) {
        cJSON_DeleteItemFromObjectCaseSensitive(run, "notes");
        notes = cJSON_AddArrayToObject(run, "notes");
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
        set_item(t, "net_ns_per_op", cJSON_CreateNull());
        set_item(t, "net", net);
        return;
    }
    int noise = pb_dist_includes_zero(&dist), below = !noise && dist.ci_hi < 0;
    cJSON_AddBoolToObject(net, "within_noise", noise);
    cJSON_AddBoolToObject(net, "below_baseline", below);
    double v = med - base > 0 ? med - base : dist.median;
    set_item(t, "net_ns_per_op", below ? cJSON_CreateNull() : cJSON_CreateNumber(noise ? 0 : v));
    set_item(t, "net", net);
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
    size_t max = (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(t, "per_round"));
    size_t nmax = (size_t)cJSON_GetArraySize(
        cJSON_GetObjectItemCaseSensitive(time_of(null_run), "per_round"));
    max = (max > nmax ? max : nmax) + 1;
    double *a = calloc(max * 3, sizeof *a);
    if (med < 0 || base < 0 || !a) {
        free(a);
        set_item(t, "net_ns_per_op", cJSON_CreateNull());
        if (run == null_run || base >= 0)
            return;
        const cJSON *err = cJSON_GetObjectItemCaseSensitive(null_run, "error");
        char note[640];
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(null_run, "status");
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
    set_item(part, "status", cJSON_CreateString("failed"));
    set_item(part, "error", cJSON_CreateString(reason));
}
