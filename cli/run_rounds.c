/*
 * run_rounds.c -- the measuring processes of `poolbench run`. Each
 * (workload, thread count, backend) is a cell. A cell gets one memory
 * process (the memory pass, and the latency pass when asked), run as its
 * workload is prepared, then one timed process per round; a round runs every
 * cell once, in an order shuffled per round from the seed, so drift and the
 * machine's slow and fast phases fall on every backend alike. Every process
 * is a fresh `poolbench __child` (engine/child_run.h). Once all rounds are
 * done each cell's parts are merged (report/rounds.h) and its net figure is
 * set against the baseline of its workload and thread count, round by round.
 */
#include "run.h"
#include "results_fields.h"
#include "pb_signals.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child_run.h"
#include "pb_clock.h"
#include "pb_text.h"
#include "results.h"
#include "results_read.h"
#include "threads.h"

struct cell {
    size_t wi, bi;
    unsigned threads;
    cJSON *part;       /* the memory process's part (a failed part once the cell failed) */
    cJSON **time;      /* rounds entries: each round's timed part */
    unsigned *position;/* the cell's place in each round's order */
    int failed;        /* no further processes: it failed or was refused */
    int refused;       /* the backend declined it: an answer, not a breakage */
};

struct plan {
    const struct run_opts *o;
    const struct backend_slot *b;
    size_t nb;
    struct workload_list *l;
    struct cell *cells;
    size_t n_cells;
    size_t done, total; /* processes, for the progress line */
    uint64_t t0;
};

static void progress(const struct plan *p, const struct cell *c, const char *what)
{
    const struct run_opts *o = p->o;
    if (o->quiet || !isatty(STDERR_FILENO))
        return;
    if (!c) {
        fprintf(stderr, "\r\033[K");
        return;
    }
    double elapsed = (double)(pb_now_ns() - p->t0) / 1e9;
    double left = p->done ? elapsed / (double)p->done * (double)(p->total - p->done) : 0;
    const struct pb_backend_spec *s = &p->b[c->bi].spec;
    const struct pb_workload *w = &p->l->w[c->wi];
    char spec[4 * sizeof s->text], name[4 * sizeof w->name]; /* names in shown form */
    fprintf(stderr, "\r\033[K[%zu/%zu] %s: %s x %s (%u thread%s)  %.0f s elapsed, about %.0f s left",
            p->done + 1, p->total, what, pb_text_safe(s->text, spec, sizeof spec),
            pb_text_safe(w->name, name, sizeof name), c->threads, c->threads > 1 ? "s" : "",
            elapsed, left);
}

/* One process of cell c; its part, or NULL when the run was stopped. */
static cJSON *measure(const struct plan *p, const struct cell *c, enum pb_pass pass)
{
    const struct run_opts *o = p->o;
    const struct backend_slot *b = &p->b[c->bi];
    struct pb_run_job job = {
        .backend = &b->spec, .workload = &p->l->w[c->wi], .repeat = o->repeat,
        .warmup = o->warmup, .touch = o->touch, .sample_every = o->sample_every,
        .latency = o->latency, .threads = c->threads, .cross_free = o->cross_free,
        .pass = pass, .cpu = o->cpu,
    };
    char *text = NULL, err[512] = "";
    if (c->threads > 1 &&
        pb_threads_refusal(b->spec.ops, c->threads, o->cross_free, err, sizeof err))
        return pb_run_refused_part(&job, err);
    const char *lib = b->spec.ops->flags & PB_BK_PROCESS_WIDE
                          ? pb_config_value(b->cfg, b->n_cfg, "lib") : NULL;
    enum pb_isolate_end end = pb_child_run(&job, p->l->fd[c->wi], lib, o->timeout,
                                           pb_signals_flag(), &text, err, sizeof err);
    /* a run cut short by the stop (killed, or hit by the same signal) is not a failure */
    if (end == PB_ISO_INTERRUPTED || (end != PB_ISO_OK && pb_signals_caught())) {
        free(text);
        pb_signals_note(SIGINT); /* SIGINT reached the run alone: stop all the same */
        return NULL;
    }
    cJSON *part = end == PB_ISO_OK ? cJSON_Parse(text) : NULL;
    free(text);
    if (!part)
        part = pb_run_failed_part(&job, end == PB_ISO_OK ? "the run's result was not valid JSON"
                                                         : err);
    return part;
}

/* A cell's failure replaces what it had: the failed (or refused) part alone. */
static void fail_cell(struct cell *c, cJSON *failed_part)
{
    cJSON_Delete(c->part);
    c->part = failed_part;
    c->failed = 1;
    c->refused = pb_run_refused(failed_part);
}

/* ---- the plan ------------------------------------------------------------------ */

static int plan_init(struct plan *p, const struct run_opts *o, const struct backend_slot *b,
                     size_t nb, struct workload_list *l)
{
    memset(p, 0, sizeof *p);
    p->o = o;
    p->b = b;
    p->nb = nb;
    p->l = l;
    p->n_cells = l->n * o->n_threads * nb;
    p->cells = calloc(p->n_cells ? p->n_cells : 1, sizeof *p->cells);
    if (!p->cells)
        return -1;
    size_t k = 0;
    for (size_t wi = 0; wi < l->n; wi++) {
        for (size_t ti = 0; ti < o->n_threads; ti++) {
            for (size_t bi = 0; bi < nb; bi++, k++) {
                struct cell *c = &p->cells[k];
                c->wi = wi;
                c->bi = bi;
                c->threads = o->threads[ti];
                c->time = calloc(o->rounds, sizeof *c->time);
                c->position = calloc(o->rounds, sizeof *c->position);
                if (!c->time || !c->position)
                    return -1;
            }
        }
    }
    p->total = p->n_cells * (1 + (size_t)o->rounds);
    p->t0 = pb_now_ns();
    return 0;
}

static void plan_free(struct plan *p)
{
    for (size_t i = 0; p->cells && i < p->n_cells; i++) {
        struct cell *c = &p->cells[i];
        for (unsigned r = 0; c->time && r < p->o->rounds; r++)
            cJSON_Delete(c->time[r]);
        free(c->time);
        free(c->position);
        cJSON_Delete(c->part);
    }
    free(p->cells);
}

/* Prepare workload wi and run the memory process of each of its cells; -1
 * when stopped. A workload that cannot be prepared fails its cells. */
static int memory_phase(struct plan *p, size_t wi)
{
    size_t per = p->o->n_threads * p->nb, first = wi * per;
    if (run_prepare_workload(p->l, wi)) { /* its cells fail without a run object */
        for (size_t k = first; k < first + per; k++)
            p->cells[k].failed = 1;
        p->done += per * (1 + (size_t)p->o->rounds);
        return 0;
    }
    for (size_t k = first; k < first + per; k++, p->done++) {
        struct cell *c = &p->cells[k];
        progress(p, c, "memory");
        cJSON *part = measure(p, c, PB_PASS_MEMORY);
        if (!part)
            return -1;
        c->part = part;
        c->failed = !pb_run_ok(part);
        c->refused = pb_run_refused(part);
    }
    return 0;
}

/* splitmix64: the rounds' order from the seed, the same on every machine. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* Round r: every cell still standing once, in a shuffled order; -1 when stopped. */
static int time_round(struct plan *p, unsigned r, size_t *order, uint64_t *rng)
{
    for (size_t i = 0; i < p->n_cells; i++)
        order[i] = i;
    for (size_t i = p->n_cells; i > 1; i--) { /* Fisher-Yates */
        size_t j = (size_t)(next_random(rng) % i);
        size_t t = order[i - 1];
        order[i - 1] = order[j];
        order[j] = t;
    }
    char what[32];
    snprintf(what, sizeof what, "round %u/%u", r + 1, p->o->rounds);
    for (size_t i = 0; i < p->n_cells; i++, p->done++) {
        struct cell *c = &p->cells[order[i]];
        if (c->failed)
            continue;
        progress(p, c, what);
        cJSON *part = measure(p, c, PB_PASS_TIME);
        if (!part)
            return -1;
        if (pb_run_ok(part)) {
            c->time[r] = part;
            c->position[r] = (unsigned)i;
        } else {
            fail_cell(c, part);
        }
    }
    return 0;
}

/* ---- the results ----------------------------------------------------------------- */

static unsigned rounds_done(const struct cell *c, unsigned rounds)
{
    unsigned n = 0;
    for (unsigned r = 0; r < rounds; r++)
        n += c->time[r] != NULL;
    return n;
}

/* Cell c as a run object; NULL when it was never measured. One stopped
 * before its first round keeps its memory figures as a failed run. */
static cJSON *cell_run(struct plan *p, struct cell *c)
{
    const struct backend_slot *b = &p->b[c->bi];
    if (!c->part)
        return NULL;
    cJSON *part = c->part;
    c->part = NULL;
    if (!c->failed && rounds_done(c, p->o->rounds) == 0) {
        pb_run_mark_unfinished(part, "interrupted before its timed rounds (the memory "
                                     "figures are kept)");
        c->failed = 1;
    } else if (!c->failed) {
        part = pb_run_merge(part, c->time, c->position, p->o->rounds);
    }
    memset(c->time, 0, p->o->rounds * sizeof *c->time); /* taken over or left */
    return pb_run_json(&b->spec, b->cfg, b->n_cfg, cJSON_Duplicate(p->l->json[c->wi], 1),
                       part);
}

/* Every cell into runs, grouped by workload and thread count with the
 * baseline first; net figures against it. The number of runs that broke
 * (failed, or never measured); refused ones are answers and not counted. */
static size_t assemble(struct plan *p, cJSON *runs)
{
    size_t failed = 0;
    for (size_t g = 0; g < p->n_cells; g += p->nb) {
        cJSON *first = NULL;
        for (size_t k = g; k < g + p->nb; k++) {
            cJSON *run = cell_run(p, &p->cells[k]);
            failed += p->cells[k].failed && !p->cells[k].refused;
            if (!run)
                continue;
            cJSON_AddItemToArray(runs, run);
            if (!first && k == g)
                first = run; /* cells[g] is the baseline */
        }
        for (cJSON *r = first; r; r = r->next)
            pb_run_set_net_against(r, first); /* a note says why when null failed */
    }
    return failed;
}

size_t run_measure(const struct run_opts *o, const struct backend_slot *b, size_t nb,
                   struct workload_list *l, cJSON *doc)
{
    struct plan p;
    size_t *order = NULL;
    size_t failed = 0;
    if (plan_init(&p, o, b, nb, l) || !(order = calloc(p.n_cells + 1, sizeof *order))) {
        pb_text_line(stderr, "poolbench run: out of memory");
        plan_free(&p);
        return l->n * nb;
    }
    int stopped = 0;
    for (size_t wi = 0; wi < l->n && !stopped; wi++)
        stopped = memory_phase(&p, wi) != 0 || pb_signals_caught();
    uint64_t rng = o->has_seed ? o->seed : 1;
    for (unsigned r = 0; r < o->rounds && !stopped; r++)
        stopped = time_round(&p, r, order, &rng) != 0 || pb_signals_caught();
    progress(&p, NULL, NULL);
    failed = assemble(&p, cJSON_GetObjectItemCaseSensitive(doc, PB_F_RUNS));
    free(order);
    plan_free(&p);
    return failed;
}
