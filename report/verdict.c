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
#include "results_fields.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pb_text.h"
#include "results_read.h"
#include "summary.h"
#include "bench_results.h"

/* One candidate run with the figures a verdict compares. */
struct entry {
    const cJSON *run;
    double ns, lo, hi; /* median time (ns/op, or seconds) and its interval; NAN: not timed */
    double peak;       /* peak memory bytes; NAN: no figure */
    double plo, phi;   /* its interval, when the axes have one (else both = peak) */
    double level;      /* the time interval's coverage (ci_level); NAN: not given */
};

/* Intervals of less coverage than this separate nothing worth a verdict
 * (2 rounds: 50 %, 4: 87.5 %, 5: 93.75 %). */
#define MIN_LEVEL 0.9

/* What a document's runs are compared on, and how the figures are named. */
struct axes {
    enum pb_res_path time; /* the distribution of the time figure */
    const char *unit;      /* " ns/op", " s" */
    const char *fmt;       /* "%.2f", "%.3f" */
    enum pb_res_path memory; /* the peak memory figure: a number, or a distribution */
    int memory_interval;   /* memory is a distribution whose intervals must separate */
    const char *mem_word;  /* "peak resident", "peak RSS" */
    const char *who;       /* "backend", "allocator" */
};

static const struct axes replay_axes = {
    PB_RP_TIME_NS_PER_OP, " ns/op", "%.2f", PB_RP_MEMORY_PEAK_RESIDENT_BYTES, 0,
    "peak resident", "backend",
};
static const struct axes program_axes = {
    PB_RP_TIME_WALL_SECONDS, " s", "%.3f", PB_RP_MEMORY_PEAK_RSS_BYTES, 1, "peak RSS",
    "allocator",
};

/* value in the axes' unit: "2.84 ns/op", "0.412 s" */
static const char *show_time(const struct axes *ax, double v, char *out, size_t len)
{
    if (strcmp(ax->unit, " s") == 0 && v < 0.1) {
        snprintf(out, len, "%.2f ms", v * 1000);
        return out;
    }
    snprintf(out, len, ax->fmt, v);
    size_t used = strlen(out);
    snprintf(out + used, len - used, "%s", ax->unit);
    return out;
}

static const char *spec_of(const cJSON *run)
{
    const cJSON *b = pb_res_get(run, PB_F_BACKEND_SPEC);
    if (!cJSON_IsString(b))
        b = pb_res_get(run, PB_F_BACKEND);
    if (!cJSON_IsString(b))
        b = pb_res_get(run, PB_F_ALLOCATOR_SPEC);
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

static void speed_verdict(struct pb_verdict *v, const struct axes *ax, const struct entry *e,
                          size_t k)
{
    char a[48], b[48];
    if (k == 0)
        return;
    if (k == 1) {
        snprintf(v->speed, sizeof v->speed, "fastest %s (the only %s timed), %s",
                 spec_of(e[0].run), ax->who, show_time(ax, e[0].ns, a, sizeof a));
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
                 "%s)", tied, spec_of(e[0].run), show_time(ax, e[0].ns, a, sizeof a));
        return;
    }
    double level = fmin(e[0].level, e[1].level);
    if (level < MIN_LEVEL) {
        snprintf(v->speed, sizeof v->speed,
                 "no clear winner for speed (too few rounds: the intervals cover only %.0f %%; "
                 "lowest median %s, %s)", level * 100, spec_of(e[0].run),
                 show_time(ax, e[0].ns, a, sizeof a));
        return;
    }
    v->fastest = e[0].run;
    snprintf(v->speed, sizeof v->speed,
             "fastest %s, %.2fx faster than %s (%.2f-%.2fx; %s against %s)",
             spec_of(e[0].run), e[1].ns / e[0].ns, spec_of(e[1].run), e[1].lo / e[0].hi,
             e[1].hi / e[0].lo, show_time(ax, e[0].ns, a, sizeof a),
             show_time(ax, e[1].ns, b, sizeof b));
}

static void memory_verdict(struct pb_verdict *v, const struct axes *ax, const struct entry *e,
                           size_t k)
{
    char a[32], b[32];
    if (k == 0)
        return;
    pb_human_bytes(e[0].peak, a, sizeof a);
    if (k == 1) {
        snprintf(v->memory, sizeof v->memory, "leanest %s (the only %s measured), %s %s",
                 spec_of(e[0].run), ax->who, a, ax->mem_word);
        v->leanest = e[0].run;
        return;
    }
    char tied[PB_VERDICT_TEXT / 2] = "";
    size_t same = 0;
    for (size_t i = 0; i < k; i++)
        if (i == 0 || e[i].peak == e[0].peak || (ax->memory_interval && e[i].plo <= e[0].phi)) {
            list_add(tied, sizeof tied, spec_of(e[i].run));
            same += i > 0;
        }
    if (same) {
        snprintf(v->memory, sizeof v->memory, ax->memory_interval
                     ? "no clear leanest (%s: their intervals overlap; lowest median %s)"
                     : "leanest: %s tie at %s %s",
                 tied, a, ax->mem_word);
        return;
    }
    v->leanest = e[0].run;
    pb_human_bytes(e[1].peak, b, sizeof b);
    snprintf(v->memory, sizeof v->memory, "leanest %s, %s %s against %s with %s (%.0f %% less)",
             spec_of(e[0].run), a, ax->mem_word, spec_of(e[1].run), b,
             (1 - e[0].peak / e[1].peak) * 100);
}

/* When the clear fastest is not the clear leanest: what the speed costs in memory. */
static void tradeoff_verdict(struct pb_verdict *v, const struct axes *ax, const struct entry *all,
                             size_t n)
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
             "trade-off: %s is %.2fx faster than %s, for %+.0f %% %s (%s against %s)",
             spec_of(f->run), l->ns / f->ns, spec_of(l->run), (f->peak / l->peak - 1) * 100,
             ax->mem_word, fp, lp);
}

/* The figures of one finished run on the axes. */
static struct entry entry_of(const cJSON *r, const struct axes *ax)
{
    const cJSON *t = pb_res_at(r, ax->time), *m = pb_res_at(r, ax->memory);
    struct entry e = {r, pb_json_number(t, PB_F_MEDIAN), pb_json_number(t, PB_F_CI_LOW),
                      pb_json_number(t, PB_F_CI_HIGH), NAN, NAN, NAN,
                      pb_json_number(t, PB_F_CI_LEVEL)};
    if (ax->memory_interval) {
        e.peak = pb_json_number(m, PB_F_MEDIAN);
        e.plo = pb_json_number(m, PB_F_CI_LOW);
        e.phi = pb_json_number(m, PB_F_CI_HIGH);
        e.plo = isnan(e.plo) ? e.peak : e.plo;
        e.phi = isnan(e.phi) ? e.peak : e.phi;
    } else {
        e.peak = e.plo = e.phi = cJSON_IsNumber(m) ? m->valuedouble : NAN;
    }
    return e;
}

/* The verdict of the runs of doc's group that starts with first. */
static int group_verdict(const cJSON *runs, const cJSON *first, const struct axes *ax,
                         struct pb_verdict *v)
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
        all[n++] = entry_of(r, ax);
    }
    speed_verdict(v, ax, sorted, timed(all, n, sorted));
    memory_verdict(v, ax, sorted, measured(all, n, sorted));
    tradeoff_verdict(v, ax, all, n);
    free(all);
    return 0;
}

/* A bench document's fidelity: the allocation share and the rank agreement. */
static void fidelity_verdict(const cJSON *doc, struct pb_verdict *v)
{
    const cJSON *f = pb_res_get(doc, PB_F_FIDELITY), *sh = pb_res_get(f, PB_F_ALLOCATION_SHARE);
    double share = pb_json_number(sh, PB_F_SHARE),
           alloc = pb_json_number(sh, PB_F_ALLOCATION_SECONDS);
    double wall = pb_json_number(sh, PB_F_WALL_SECONDS);
    const cJSON *who = pb_res_get(sh, PB_F_ALLOCATOR_SPEC);
    const char *name = cJSON_IsString(who) ? who->valuestring : "?";
    if (isnan(share))
        return;
    if (share <= 0)
        snprintf(v->share, sizeof v->share, "allocation costs too little to see beside this "
                 "program's time (%s: the replay's net cost is within its noise)", name);
    else if (share > 1)
        snprintf(v->share, sizeof v->share, "the replay's allocation time (%.3f s under %s) "
                 "exceeds the program's wall time (%.3f s): the trace does not match this run",
                 alloc, name, wall);
    else
        snprintf(v->share, sizeof v->share, "allocation is about %.1f %% of this program's time "
                 "(%s: %.3f s of %.3f s, from the replay's net cost): no allocator can make it "
                 "more than %.1f %% faster", share * 100, name, alloc, wall, share * 100);
    double rt = pb_json_number(pb_res_get(f, PB_F_TIME_CORRELATION), PB_F_SPEARMAN);
    double rm = pb_json_number(pb_res_get(f, PB_F_MEMORY_CORRELATION), PB_F_SPEARMAN);
    int nt = pb_json_count(pb_res_get(f, PB_F_TIME_CORRELATION), PB_F_N);
    int nd = cJSON_GetArraySize(pb_res_get(f, PB_F_DISAGREEMENTS));
    char t[32] = "n/a", m[32] = "n/a";
    if (!isnan(rt))
        snprintf(t, sizeof t, "%+.2f", rt);
    if (!isnan(rm))
        snprintf(m, sizeof m, "%+.2f", rm);
    snprintf(v->fidelity, sizeof v->fidelity, "replay against program over %d allocator%s: rank "
             "correlation %s for time, %s for memory; %d pair%s ordered differently", nt,
             nt == 1 ? "" : "s", t, m, nd, nd == 1 ? "" : "s");
}

int pb_verdicts(const cJSON *doc, struct pb_verdict **out, size_t *n)
{
    const cJSON *runs = pb_res_get(doc, PB_F_RUNS);
    size_t cap = (size_t)cJSON_GetArraySize(runs), k = 0;
    *out = NULL;
    *n = 0;
    struct pb_verdict *v = calloc(cap ? cap : 1, sizeof *v);
    if (!v)
        return -1;
    const struct axes *ax = pb_bench_is_doc(doc) ? &program_axes : &replay_axes;
    const cJSON *run;
    cJSON_ArrayForEach(run, runs)
    {
        int seen = 0;
        for (const cJSON *p = runs->child; p != run && !seen; p = p->next)
            seen = same_group(p, run);
        if (seen)
            continue;
        if (group_verdict(runs, run, ax, &v[k++])) {
            free(v);
            return -1;
        }
    }
    const cJSON *name = pb_res_at(doc, PB_RP_PROGRAM_NAME);
    for (size_t i = 0; i < k && ax == &program_axes; i++) {
        snprintf(v[i].subject, sizeof v[i].subject, "%s (whole program)",
                 cJSON_IsString(name) ? name->valuestring : "?");
        fidelity_verdict(doc, &v[i]);
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
    if (n && pb_bench_is_doc(doc))
        fprintf(f, "\nverdict (fastest: median wall time, leanest: median peak RSS, each "
                   "separated by the rounds' intervals):\n");
    else if (n)
        fprintf(f, "\nverdict (fastest: median warm ns/op, separated by the rounds' intervals; "
                   "leanest: peak resident memory):\n");
    for (size_t i = 0; i < n; i++) {
        pb_text_line(f, "  %s:", v[i].subject);
        pb_text_line(f, "    %s", v[i].speed[0] ? v[i].speed : "nothing finished");
        if (v[i].memory[0])
            pb_text_line(f, "    %s", v[i].memory);
        if (v[i].tradeoff[0])
            pb_text_line(f, "    %s", v[i].tradeoff);
        if (v[i].refused[0])
            pb_text_line(f, "    refused (cannot serve it): %s", v[i].refused);
        if (v[i].failed[0])
            pb_text_line(f, "    failed (broken, see above): %s", v[i].failed);
        if (v[i].share[0])
            pb_text_line(f, "    %s", v[i].share);
        if (v[i].fidelity[0])
            pb_text_line(f, "    %s", v[i].fidelity);
    }
    free(v);
}
