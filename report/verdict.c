/*
 * verdict.c -- how a verdict is reached.
 *
 * Speed: among the finished runs of a group that are not the baseline, the
 * lowest median warm ns/op wins when its interval (time.ns_per_op ci_low ..
 * ci_high, from the rounds) lies wholly below every other one's; when any
 * interval overlaps the winner's there is no clear winner, and the verdict
 * names those it cannot separate. The ratio is the next one's median over
 * the winner's, with the range the two intervals allow (next low / winner
 * high .. next high / winner low). Times include the harness's own cost, so
 * ratios are if anything understated; the difference in ns/op is the
 * harness-free figure and is given with them.
 *
 * Memory: the lowest memory.peak_resident_bytes wins; equal peaks tie. A run
 * whose figure is null (impossible, with a note) takes no part.
 */
#include "verdict.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pb_text.h"
#include "results_read.h"
#include "summary.h"

/* One candidate run with the figures a verdict compares. */
struct entry {
    const cJSON *run;
    double ns, lo, hi; /* median ns/op and its interval; NAN: not timed */
    double peak;       /* peak resident bytes; NAN: no figure */
};

static const cJSON *get(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

static const char *spec_of(const cJSON *run)
{
    const cJSON *b = get(run, "backend_spec");
    if (!cJSON_IsString(b))
        b = get(run, "backend");
    return cJSON_IsString(b) ? b->valuestring : "?";
}

/* The group a run belongs to: its workload's name, thread count and cross_free. */
static int same_group(const cJSON *a, const cJSON *b)
{
    const char *wa = pb_run_workload_name(a), *wb = pb_run_workload_name(b);
    if (!wa || !wb || strcmp(wa, wb) != 0)
        return 0;
    return pb_run_threads(a) == pb_run_threads(b) && pb_run_cross_free(a) == pb_run_cross_free(b);
}

static void subject_of(const cJSON *run, char *out, size_t len)
{
    const char *w = pb_run_workload_name(run);
    int threads = pb_run_threads(run);
    if (threads > 1)
        snprintf(out, len, "%s (%d threads%s)", w ? w : "?", threads,
                 pb_run_cross_free(run) ? ", cross-thread frees" : "");
    else
        snprintf(out, len, "%s", w ? w : "?");
}

/* Append ", name" (or "name" first) to a list text. */
static void list_add(char *list, size_t len, const char *name)
{
    size_t used = strlen(list);
    if (used < len)
        snprintf(list + used, len - used, "%s%s", used ? ", " : "", name);
}

static int by_ns(const void *a, const void *b)
{
    double x = ((const struct entry *)a)->ns, y = ((const struct entry *)b)->ns;
    return (x > y) - (x < y);
}

static int by_peak(const void *a, const void *b)
{
    double x = ((const struct entry *)a)->peak, y = ((const struct entry *)b)->peak;
    return (x > y) - (x < y);
}

/* Entries of the timed (or measured) candidates, sorted; their count. */
static size_t timed(const struct entry *all, size_t n, struct entry *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(all[i].ns) && all[i].ns > 0)
            out[k++] = all[i];
    qsort(out, k, sizeof *out, by_ns);
    return k;
}

static size_t measured(const struct entry *all, size_t n, struct entry *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(all[i].peak) && all[i].peak > 0)
            out[k++] = all[i];
    qsort(out, k, sizeof *out, by_peak);
    return k;
}

static void speed_verdict(struct pb_verdict *v, const struct entry *e, size_t k)
{
    if (k == 0)
        return;
    if (k == 1) {
        snprintf(v->speed, sizeof v->speed, "fastest %s (the only backend timed), %.2f ns/op",
                 spec_of(e[0].run), e[0].ns);
        v->fastest = e[0].run;
        return;
    }
    char tied[PB_VERDICT_TEXT / 2] = "";
    list_add(tied, sizeof tied, spec_of(e[0].run));
    size_t overlap = 0;
    for (size_t i = 1; i < k; i++)
        if (isnan(e[i].lo) || isnan(e[0].hi) || e[i].lo <= e[0].hi) {
            list_add(tied, sizeof tied, spec_of(e[i].run));
            overlap++;
        }
    if (overlap) {
        snprintf(v->speed, sizeof v->speed,
                 "no clear winner for speed (%s: their intervals overlap; lowest median %s, "
                 "%.2f ns/op)", tied, spec_of(e[0].run), e[0].ns);
        return;
    }
    v->fastest = e[0].run;
    snprintf(v->speed, sizeof v->speed,
             "fastest %s, %.2fx faster than %s (%.2f-%.2fx; %.2f against %.2f ns/op)",
             spec_of(e[0].run), e[1].ns / e[0].ns, spec_of(e[1].run), e[1].lo / e[0].hi,
             e[1].hi / e[0].lo, e[0].ns, e[1].ns);
}

static void memory_verdict(struct pb_verdict *v, const struct entry *e, size_t k)
{
    char a[32], b[32];
    if (k == 0)
        return;
    pb_human_bytes(e[0].peak, a, sizeof a);
    if (k == 1) {
        snprintf(v->memory, sizeof v->memory, "leanest %s (the only backend measured), %s peak "
                 "resident", spec_of(e[0].run), a);
        v->leanest = e[0].run;
        return;
    }
    if (e[1].peak == e[0].peak) {
        char tied[PB_VERDICT_TEXT / 2] = "";
        for (size_t i = 0; i < k && e[i].peak == e[0].peak; i++)
            list_add(tied, sizeof tied, spec_of(e[i].run));
        snprintf(v->memory, sizeof v->memory, "leanest: %s tie at %s peak resident", tied, a);
        return;
    }
    v->leanest = e[0].run;
    pb_human_bytes(e[1].peak, b, sizeof b);
    snprintf(v->memory, sizeof v->memory, "leanest %s, %s peak resident against %s with %s (%.0f %% less)",
             spec_of(e[0].run), a, spec_of(e[1].run), b, (1 - e[0].peak / e[1].peak) * 100);
}

/* When the clear fastest is not the clear leanest: what the speed costs in memory. */
static void tradeoff_verdict(struct pb_verdict *v, const struct entry *all, size_t n)
{
    if (!v->fastest || !v->leanest || v->fastest == v->leanest)
        return;
    const struct entry *f = NULL, *l = NULL;
    for (size_t i = 0; i < n; i++) {
        f = all[i].run == v->fastest ? &all[i] : f;
        l = all[i].run == v->leanest ? &all[i] : l;
    }
    if (!f || !l || isnan(f->peak) || isnan(l->ns))
        return;
    char fp[32], lp[32];
    pb_human_bytes(f->peak, fp, sizeof fp);
    pb_human_bytes(l->peak, lp, sizeof lp);
    snprintf(v->tradeoff, sizeof v->tradeoff,
             "trade-off: %s is %.2fx faster than %s, for %+.0f %% peak resident (%s against %s)",
             spec_of(f->run), l->ns / f->ns, spec_of(l->run), (f->peak / l->peak - 1) * 100, fp,
             lp);
}

/* The verdict of the runs of doc's group that starts with first. */
static int group_verdict(const cJSON *runs, const cJSON *first, struct pb_verdict *v)
{
    memset(v, 0, sizeof *v);
    subject_of(first, v->subject, sizeof v->subject);
    size_t n = 0, cap = (size_t)cJSON_GetArraySize(runs);
    struct entry *all = calloc(cap * 2 + 1, sizeof *all), *sorted = all + cap;
    if (!all)
        return -1;
    for (const cJSON *r = first; r; r = r->next) {
        if (!same_group(first, r) || pb_run_is_baseline(r))
            continue;
        if (!pb_run_ok(r)) {
            list_add(pb_run_refused(r) ? v->refused : v->failed, sizeof v->refused, spec_of(r));
            continue;
        }
        const cJSON *t = get(get(r, "time"), "ns_per_op");
        all[n++] = (struct entry){r, pb_json_number(t, "median"), pb_json_number(t, "ci_low"), pb_json_number(t, "ci_high"),
                                  pb_json_number(get(r, "memory"), "peak_resident_bytes")};
    }
    speed_verdict(v, sorted, timed(all, n, sorted));
    memory_verdict(v, sorted, measured(all, n, sorted));
    tradeoff_verdict(v, all, n);
    free(all);
    return 0;
}

int pb_verdicts(const cJSON *doc, struct pb_verdict **out, size_t *n)
{
    const cJSON *runs = get(doc, "runs");
    size_t cap = (size_t)cJSON_GetArraySize(runs), k = 0;
    *out = NULL;
    *n = 0;
    struct pb_verdict *v = calloc(cap ? cap : 1, sizeof *v);
    if (!v)
        return -1;
    const cJSON *run;
    cJSON_ArrayForEach(run, runs)
    {
        int seen = 0;
        for (const cJSON *p = runs->child; p != run && !seen; p = p->next)
            seen = same_group(p, run);
        if (seen)
            continue;
        if (group_verdict(runs, run, &v[k++])) {
            free(v);
            return -1;
        }
    }
    *out = v;
    *n = k;
    return 0;
}

void pb_verdict_print(const cJSON *doc, FILE *f)
{
    struct pb_verdict *v;
    size_t n;
    if (pb_verdicts(doc, &v, &n)) {
        fprintf(f, "\nverdict: out of memory\n");
        return;
    }
    if (n)
        fprintf(f, "\nverdict (fastest: median warm ns/op, separated by the rounds' intervals; "
                   "leanest: peak resident memory):\n");
    for (size_t i = 0; i < n; i++) {
        pb_text_line(f, "  %s:", v[i].subject);
        pb_text_line(f, "    %s", v[i].speed[0] ? v[i].speed : "no backend finished");
        if (v[i].memory[0])
            pb_text_line(f, "    %s", v[i].memory);
        if (v[i].tradeoff[0])
            pb_text_line(f, "    %s", v[i].tradeoff);
        if (v[i].refused[0])
            pb_text_line(f, "    refused (cannot serve it): %s", v[i].refused);
        if (v[i].failed[0])
            pb_text_line(f, "    failed (broken, see above): %s", v[i].failed);
    }
    free(v);
}
