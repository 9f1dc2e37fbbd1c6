/*
 * trace_threads.c -- a trace's threads replayed in threads.
 *
 * The plan (before the clock, every array from pb_hmem):
 *   1. the threads of the trace, numbered 0..n-1 in increasing tid order;
 *   2. one pass in file order, which is a topological order of the
 *      dependencies, finds for each a/f/r the previous a/f/r on its slot since
 *      the last x; when another thread made it, the event waits until that
 *      thread has done as many events as it had then (its count), and the
 *      earlier event is marked as awaited (the builder gives a freed slot
 *      back to the thread that freed it, so an a waits for another thread's
 *      f only in a .pbt file written otherwise);
 *   3. a second pass copies each thread's events into its own array and cuts
 *      them into segments: a segment ends before an event that waits, after
 *      an awaited one, and at every x (a barrier: every thread gets one).
 * Same-thread order is program order and needs nothing.
 *
 * The replay: each thread, for each segment, waits when the segment says so,
 * replays its events with pb_replay_range, stores its count (release), and
 * meets the others at the barrier when the segment ends at an x. The last
 * thread to reach a barrier frees every live block (as x does) and lets the
 * others go. A wait first reads the count once; only when the event is not
 * yet done does it read the clock, spin (pause, then sched_yield every
 * SPINS_BEFORE_YIELD turns) and read the clock again: those nanoseconds are
 * the thread's waiting time. A thread whose backend refuses an event raises
 * the stop flag, which every wait also watches, so no thread waits forever.
 *
 * Costs: 16 bytes per event (the per-thread copies) plus 24 per segment;
 * during the plan 11 bytes per event and 20 per slot more.
 */
#include "trace_threads.h"

#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "pb_hmem.h"
#include "replay.h"
#include "team_start.h"
#include "thread_common.h"
#include "threads.h"

/* Spins on an event not yet done before each sched_yield. */
#define SPINS_BEFORE_YIELD 64

/* A run of one thread's events between two synchronisation points. */
struct seg {
    uint64_t end;         /* replays the thread's events [previous segment's end, end) */
    uint64_t wait_count;  /* first wait until thread wait_thread has done this many; 0 none */
    uint32_t wait_thread;
    uint32_t barrier;     /* after the events: the next x, with every thread */
};

/* One thread's share of the trace. */
struct tlist {
    uint32_t tid;         /* the trace's thread id */
    struct pb_event *ev;  /* its a, f and r, in file order */
    uint64_t n_ev;
    struct seg *seg;
    uint64_t n_seg, cap_seg;
};

struct plan {
    unsigned n;           /* threads */
    struct tlist *t;
    uint32_t *index;      /* tid -> thread + 1 (0: no record), n_tids entries */
    uint32_t n_tids;
};

/* The pass-2 arrays of the plan: per event, then per slot. */
struct deps {
    uint64_t *wait_count; /* event i waits until thread wait_thread[i] has done this many */
    uint16_t *wait_thread;
    uint8_t *awaited;     /* another thread waits for event i */
    uint64_t *slot_ev;    /* 1 + the last a/f/r on the slot (0: none) */
    uint64_t *slot_count; /* its thread's count after it */
    uint32_t *slot_epoch; /* 1 + the x count when it was made */
};

static uint16_t tid_of(const struct pb_workload *w, size_t i)
{
    return w->tids ? w->tids[i] : 0;
}

int pb_trace_threads_wanted(const struct pb_workload *w)
{
    return w->tids && w->fig.threads > 1;
}

static void plan_free(struct plan *p)
{
    for (unsigned k = 0; p->t && k < p->n; k++) {
        pb_hmem_free(p->t[k].ev, p->t[k].n_ev * sizeof *p->t[k].ev);
        pb_hmem_free(p->t[k].seg, p->t[k].cap_seg * sizeof *p->t[k].seg);
    }
    pb_hmem_free(p->t, p->n * sizeof *p->t);
    pb_hmem_free(p->index, (size_t)p->n_tids * sizeof *p->index);
    memset(p, 0, sizeof *p);
}

/* Step 1: the threads, their event counts and arrays. -1 on OOM. */
static int plan_threads(struct plan *p, const struct pb_workload *w)
{
    uint64_t resets = 0;
    p->n_tids = PB_MAX_TID + 1;
    p->index = pb_hmem_calloc(p->n_tids, sizeof *p->index);
    if (!p->index)
        return -1;
    for (size_t i = 0; i < w->n_records; i++) {
        p->index[tid_of(w, i)] = 1;
        resets += w->events[i].op == PB_OP_RESET;
    }
    for (uint32_t tid = 0; tid < p->n_tids; tid++)
        if (p->index[tid])
            p->index[tid] = ++p->n;
    p->t = pb_hmem_calloc(p->n ? p->n : 1, sizeof *p->t);
    if (!p->t)
        return -1;
    for (uint32_t tid = 0; tid < p->n_tids; tid++)
        if (p->index[tid])
            p->t[p->index[tid] - 1].tid = tid;
    for (size_t i = 0; i < w->n_records; i++)
        if (w->events[i].op != PB_OP_RESET)
            p->t[p->index[tid_of(w, i)] - 1].n_ev++;
    for (unsigned k = 0; k < p->n; k++) {
        struct tlist *t = &p->t[k];
        t->cap_seg = 2 * t->n_ev + resets + 1;
        t->ev = pb_hmem_calloc(t->n_ev ? t->n_ev : 1, sizeof *t->ev);
        t->seg = pb_hmem_calloc(t->cap_seg, sizeof *t->seg);
        if (!t->ev || !t->seg)
            return -1;
    }
    return 0;
}

static void deps_free(struct deps *d, const struct pb_workload *w)
{
    size_t n = w->n_records ? w->n_records : 1, s = w->n_slots ? w->n_slots : 1;
    pb_hmem_free(d->wait_count, n * sizeof *d->wait_count);
    pb_hmem_free(d->wait_thread, n * sizeof *d->wait_thread);
    pb_hmem_free(d->awaited, n * sizeof *d->awaited);
    pb_hmem_free(d->slot_ev, s * sizeof *d->slot_ev);
    pb_hmem_free(d->slot_count, s * sizeof *d->slot_count);
    pb_hmem_free(d->slot_epoch, s * sizeof *d->slot_epoch);
}

/* Step 2: who waits for what. count[] has p->n zeroed entries. -1 on OOM. */
static int plan_deps(const struct plan *p, const struct pb_workload *w, struct deps *d,
                     uint64_t *count)
{
    size_t n = w->n_records ? w->n_records : 1, s = w->n_slots ? w->n_slots : 1;
    d->wait_count = pb_hmem_calloc(n, sizeof *d->wait_count);
    d->wait_thread = pb_hmem_calloc(n, sizeof *d->wait_thread);
    d->awaited = pb_hmem_calloc(n, sizeof *d->awaited);
    d->slot_ev = pb_hmem_calloc(s, sizeof *d->slot_ev);
    d->slot_count = pb_hmem_calloc(s, sizeof *d->slot_count);
    d->slot_epoch = pb_hmem_calloc(s, sizeof *d->slot_epoch);
    if (!d->wait_count || !d->wait_thread || !d->awaited || !d->slot_ev || !d->slot_count ||
        !d->slot_epoch)
        return -1;
    uint32_t epoch = 1; /* 1 + the x seen so far: what an x released needs no wait */
    for (size_t i = 0; i < w->n_records; i++) {
        const struct pb_event *e = &w->events[i];
        uint32_t k = p->index[tid_of(w, i)] - 1;
        if (e->op == PB_OP_RESET) {
            epoch++;
            continue;
        }
        uint32_t sl = e->slot;
        if (d->slot_ev[sl] && d->slot_epoch[sl] == epoch) {
            size_t j = d->slot_ev[sl] - 1;
            uint32_t kj = p->index[tid_of(w, j)] - 1;
            if (kj != k) {
                d->wait_thread[i] = (uint16_t)kj;
                d->wait_count[i] = d->slot_count[sl];
                d->awaited[j] = 1;
            }
        }
        d->slot_ev[sl] = i + 1;
        d->slot_count[sl] = ++count[k];
        d->slot_epoch[sl] = epoch;
    }
    return 0;
}

/* Close thread t's open segment at its current count `at`. */
static void seg_close(struct tlist *t, uint64_t at, uint32_t barrier)
{
    t->seg[t->n_seg].end = at;
    t->seg[t->n_seg].barrier = barrier;
    t->n_seg++;
}

/* Step 3: the per-thread copies and their segments; count[] zeroed. */
static void plan_segments(struct plan *p, const struct pb_workload *w, const struct deps *d,
                          uint64_t *count)
{
    for (size_t i = 0; i < w->n_records; i++) {
        const struct pb_event *e = &w->events[i];
        if (e->op == PB_OP_RESET) {
            for (unsigned k = 0; k < p->n; k++)
                seg_close(&p->t[k], count[k], 1);
            continue;
        }
        uint32_t k = p->index[tid_of(w, i)] - 1;
        struct tlist *t = &p->t[k];
        uint64_t start = t->n_seg ? t->seg[t->n_seg - 1].end : 0;
        if (d->wait_count[i]) {
            if (count[k] > start)
                seg_close(t, count[k], 0);
            t->seg[t->n_seg].wait_count = d->wait_count[i];
            t->seg[t->n_seg].wait_thread = d->wait_thread[i];
        }
        t->ev[count[k]++] = *e;
        if (d->awaited[i])
            seg_close(t, count[k], 0);
    }
    for (unsigned k = 0; k < p->n; k++) {
        struct tlist *t = &p->t[k];
        uint64_t start = t->n_seg ? t->seg[t->n_seg - 1].end : 0;
        if (count[k] > start)
            seg_close(t, count[k], 0);
    }
}

/* The whole plan of w; -1 on OOM (p freed). */
static int plan_build(struct plan *p, const struct pb_workload *w)
{
    memset(p, 0, sizeof *p);
    struct deps d;
    memset(&d, 0, sizeof d);
    uint64_t *count = NULL;
    int rc = plan_threads(p, w);
    if (rc == 0) {
        count = pb_hmem_calloc(p->n ? p->n : 1, sizeof *count);
        rc = count ? plan_deps(p, w, &d, count) : -1;
    }
    if (rc == 0) {
        memset(count, 0, p->n * sizeof *count);
        plan_segments(p, w, &d, count);
    }
    deps_free(&d, w);
    pb_hmem_free(count, (p->n ? p->n : 1) * sizeof *count);
    if (rc)
        plan_free(p);
    return rc;
}

/* ---- the refusal ------------------------------------------------------------ */

/* The first f or r of a block whose last a or r another thread made: its
 * index into *at, its maker's tid into *maker; -1 when none (or OOM). */
static int first_cross(const struct pb_workload *w, size_t *at, uint16_t *maker)
{
    size_t s = w->n_slots ? w->n_slots : 1;
    uint16_t *owner = pb_hmem_calloc(s, sizeof *owner);
    int rc = -1;
    for (size_t i = 0; owner && i < w->n_records && rc; i++) {
        const struct pb_event *e = &w->events[i];
        if (e->op == PB_OP_RESET)
            continue;
        if (e->op != PB_OP_ALLOC && owner[e->slot] != tid_of(w, i)) {
            *at = i;
            *maker = owner[e->slot];
            rc = 0;
        }
        if (e->op != PB_OP_FREE)
            owner[e->slot] = tid_of(w, i);
    }
    pb_hmem_free(owner, s * sizeof *owner);
    return rc;
}

static void cross_refusal(const struct pb_backend_ops *ops, const struct pb_workload *w,
                          char *msg, size_t msglen)
{
    size_t i = 0;
    uint16_t maker = 0;
    char where[200] = "";
    if (first_cross(w, &i, &maker) == 0) {
        const struct pb_event *e = &w->events[i];
        uint64_t line = pb_workload_line(w, i);
        uint64_t id = w->ids ? w->ids[i] : e->slot;
        if (line)
            snprintf(where, sizeof where, "%s:%" PRIu64 ": ", w->path ? w->path : w->name,
                     line);
        snprintf(where + strlen(where), sizeof where - strlen(where),
                 "thread %u %s block %" PRIu64 " of thread %u; ", tid_of(w, i),
                 e->op == PB_OP_FREE ? "frees" : "resizes", id, maker);
    }
    snprintf(msg, msglen,
             "%s is not thread-safe, so each of the trace's %" PRIu64 " threads replays on an "
             "instance of its own, which cannot free or resize another instance's blocks: %s"
             "the trace has %" PRIu64 " cross-thread frees and %" PRIu64 " resizes",
             ops->name, w->fig.threads, where, w->fig.cross_thread_frees,
             w->fig.cross_thread_reallocs);
}

int pb_trace_threads_refusal(const struct pb_backend_ops *ops, const struct pb_workload *w,
                             int *refused, char *msg, size_t msglen)
{
    *refused = 0;
    if (w->fig.threads > PB_MAX_THREADS) {
        snprintf(msg, msglen,
                 "the trace has %" PRIu64 " threads; its replay in threads runs at most %d",
                 w->fig.threads, PB_MAX_THREADS);
        return -1;
    }
    *refused = 1;
    int cross = w->fig.cross_thread_frees || w->fig.cross_thread_reallocs;
    if (cross && !(ops->flags & (PB_BK_THREAD_SAFE | PB_BK_NO_MEMORY))) {
        cross_refusal(ops, w, msg, msglen);
        return -1;
    }
    /* a shared instance that frees with free-all: the --threads rule */
    return pb_threads_refusal(ops, (unsigned)w->fig.threads, 0, msg, msglen);
}

/* ---- the team ----------------------------------------------------------------- */

/* One thread's count of events done, on a cache line of its own. */
struct progress {
    _Alignas(64) _Atomic uint64_t done;
};

struct team;

struct tworker {
    struct pb_replay r;   /* its events; its slot table, or the shared one */
    const struct tlist *list;
    struct team *team;
    unsigned index;
    uint64_t done;        /* events replayed */
    int failed;           /* the backend refused events[done] */
    struct pb_thread_clock clock;
    uint64_t wait_ns, waits;
};

struct team {
    const struct pb_run_job *job;
    struct plan plan;
    unsigned n;
    int shared;           /* one instance and one slot table (thread-safe backend) */
    void **self;          /* n instances, or one */
    struct tworker *w;
    struct progress *prog;
    pthread_t *tid;
    struct pb_gate *gate;
    struct pb_start_line *start;
    _Atomic int stop;          /* a thread failed: every wait gives up */
    _Atomic uint64_t arrived;  /* arrivals at barriers, all barriers so far */
    _Atomic uint64_t released; /* barriers passed */
};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Wait until *cell >= want; the time spent is w's waiting. -1 on stop. */
static int wait_for(struct tworker *w, _Atomic uint64_t *cell, uint64_t want)
{
    if (atomic_load_explicit(cell, memory_order_acquire) >= want)
        return 0;
    uint64_t t0 = pb_now_ns();
    unsigned spins = 0;
    int rc = 0;
    while (atomic_load_explicit(cell, memory_order_acquire) < want) {
        if (atomic_load_explicit(&w->team->stop, memory_order_relaxed)) {
            rc = -1;
            break;
        }
        if (++spins % SPINS_BEFORE_YIELD == 0)
            sched_yield();
        else
            cpu_relax();
    }
    w->wait_ns += pb_now_ns() - t0;
    w->waits++;
    return rc;
}

/* Free every live block of every table, as x does (the threads are parked). */
static void release_all(struct team *t)
{
    for (unsigned k = 0; k < (t->shared ? 1 : t->n); k++)
        pb_replay_release(&t->w[k].r);
}

/* Barrier number `nth` (0-based): the last to arrive releases the blocks. */
static int barrier(struct tworker *w, uint64_t nth)
{
    struct team *t = w->team;
    uint64_t arrived = atomic_fetch_add_explicit(&t->arrived, 1, memory_order_acq_rel) + 1;
    if (arrived == (nth + 1) * t->n) {
        release_all(t);
        atomic_store_explicit(&t->released, nth + 1, memory_order_release);
        return 0;
    }
    return wait_for(w, &t->released, nth + 1);
}

static void run_segments(struct tworker *w)
{
    const struct tlist *l = w->list;
    struct team *t = w->team;
    _Atomic uint64_t *mine = &t->prog[w->index].done;
    uint64_t from = 0, barriers = 0;
    for (uint64_t g = 0; g < l->n_seg; g++) {
        const struct seg *s = &l->seg[g];
        if (s->wait_count && wait_for(w, &t->prog[s->wait_thread].done, s->wait_count))
            break;
        if (s->end > from) {
            size_t done = pb_replay_range(&w->r, from, s->end);
            if (done != s->end) {
                from = done;
                w->failed = 1;
                atomic_store_explicit(&t->stop, 1, memory_order_relaxed);
                break;
            }
            from = s->end;
            atomic_store_explicit(mine, from, memory_order_release);
        }
        if (s->barrier && barrier(w, barriers++))
            break;
    }
    w->done = from;
}

static void *tworker_main(void *arg)
{
    struct tworker *w = arg;
    if (pb_gate_wait(w->team->gate))
        return NULL;
    pb_start_line_wait(w->team->start);
    w->clock.t0 = pb_now_ns();
    run_segments(w);
    w->clock.t1 = pb_now_ns();
    return NULL;
}

/* A slot table for w, zeroed and resident; NULL on OOM. */
static struct pb_slot *table_new(const struct pb_workload *w)
{
    size_t n = w->n_slots ? w->n_slots : 1;
    struct pb_slot *sl = pb_hmem_calloc(n, sizeof *sl);
    if (sl)
        memset(sl, 0, n * sizeof *sl); /* resident now: never counted as the backend's */
    return sl;
}

static void team_free(struct team *t)
{
    const struct pb_backend_ops *ops = t->job->backend->ops;
    size_t slots = t->job->workload->n_slots ? t->job->workload->n_slots : 1;
    unsigned n_inst = t->shared ? 1 : t->n;
    for (unsigned k = 0; t->w && k < n_inst; k++)
        pb_hmem_free(t->w[k].r.slot, slots * sizeof *t->w[k].r.slot);
    for (unsigned k = 0; t->self && k < n_inst; k++)
        if (t->self[k])
            ops->destroy(t->self[k]);
    pb_hmem_free(t->self, n_inst * sizeof *t->self);
    pb_hmem_free(t->w, t->n * sizeof *t->w);
    pb_hmem_free(t->prog, t->n * sizeof *t->prog);
    pb_hmem_free(t->tid, t->n * sizeof *t->tid);
    plan_free(&t->plan);
}

/* Worker k's replay: its events, its instance and table (or the shared ones). */
static void worker_setup(struct team *t, unsigned k, long page)
{
    struct tworker *w = &t->w[k];
    const struct pb_run_job *job = t->job;
    w->team = t;
    w->index = k;
    w->list = &t->plan.t[k];
    w->r.ops = job->backend->ops;
    w->r.self = t->self[t->shared ? 0 : k];
    w->r.flags = pb_backend_flags(w->r.ops, w->r.self);
    w->r.events = w->list->ev;
    w->r.n_events = w->list->n_ev;
    w->r.n_slots = job->workload->n_slots;
    w->r.touch = job->touch;
    w->r.page_size = page > 0 ? (size_t)page : 4096;
    if (t->shared && k > 0)
        w->r.slot = t->w[0].r.slot;
}

/* The plan, the instances, the tables; -1 and out->error. */
static int team_init(struct team *t, const struct pb_run_job *job, struct pb_run_result *out)
{
    const struct pb_backend_spec *b = job->backend;
    memset(t, 0, sizeof *t);
    t->job = job;
    t->shared = (b->ops->flags & PB_BK_THREAD_SAFE) != 0;
    if (plan_build(&t->plan, job->workload))
        goto oom;
    t->n = t->plan.n;
    unsigned n_inst = t->shared ? 1 : t->n;
    t->self = pb_hmem_calloc(n_inst, sizeof *t->self);
    t->w = pb_hmem_calloc(t->n, sizeof *t->w);
    t->prog = pb_hmem_calloc(t->n, sizeof *t->prog);
    t->tid = pb_hmem_calloc(t->n, sizeof *t->tid);
    if (!t->self || !t->w || !t->prog || !t->tid)
        goto oom;
    for (unsigned k = 0; k < n_inst; k++) {
        if (b->ops->create(b->opts, b->n_opts, &t->self[k], out->error, sizeof out->error))
            return -1;
        if (!(t->w[k].r.slot = table_new(job->workload)))
            goto oom;
    }
    long page = sysconf(_SC_PAGESIZE);
    for (unsigned k = 0; k < t->n; k++)
        worker_setup(t, k, page);
    return 0;
oom:
    snprintf(out->error, sizeof out->error, "out of memory in the runner");
    return -1;
}

/* Start, run and join the threads once; -1 and out->error when a thread
 * cannot be created. */
static int team_replay(struct team *t, struct pb_run_result *out)
{
    struct pb_gate gate = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};
    struct pb_start_line start = {.n = t->n};
    atomic_init(&start.arrived, 0);
    t->gate = &gate;
    t->start = &start;
    atomic_store(&t->stop, 0);
    atomic_store(&t->arrived, 0);
    atomic_store(&t->released, 0);
    for (unsigned k = 0; k < t->n; k++) {
        struct tworker *w = &t->w[k];
        w->done = 0;
        w->failed = 0;
        w->clock = (struct pb_thread_clock){0, 0};
        w->wait_ns = w->waits = 0;
        atomic_store(&t->prog[k].done, 0);
    }
    int rc = pb_team_launch(t->tid, t->n, tworker_main, t->w, sizeof *t->w, &gate, out->error,
                            sizeof out->error);
    pthread_cond_destroy(&gate.cond);
    pthread_mutex_destroy(&gate.lock);
    return rc;
}

/* The index in the workload of thread k's event number `nth`. */
static size_t global_index(const struct team *t, unsigned k, uint64_t nth)
{
    const struct pb_workload *w = t->job->workload;
    uint32_t tid = t->plan.t[k].tid;
    for (size_t i = 0; i < w->n_records; i++)
        if (w->events[i].op != PB_OP_RESET && tid_of(w, i) == tid && nth-- == 0)
            return i;
    return w->n_records;
}

/* The refusal of the last replay into out->error; 0 when none. */
static int team_failure(const struct team *t, struct pb_run_result *out)
{
    for (unsigned k = 0; k < t->n; k++) {
        const struct tworker *w = &t->w[k];
        if (!w->failed)
            continue;
        const char *why = w->r.ops->last_error(w->r.self);
        char msg[PB_RUN_ERR_MAX - 32];
        pb_describe_failure(t->job->workload, global_index(t, k, w->done),
                            t->job->backend->text, why && *why ? why : "refused", msg,
                            sizeof msg);
        snprintf(out->error, sizeof out->error, "thread %u: %s", t->plan.t[k].tid, msg);
        out->refused = 1;
        return -1;
    }
    for (unsigned k = 0; k < t->n; k++) {
        if (t->w[k].done != t->w[k].list->n_ev) {
            snprintf(out->error, sizeof out->error, "thread %u stopped before its end",
                     t->plan.t[k].tid);
            return -1;
        }
    }
    return 0;
}

/* One replay of the team; records it when it is a timed repeat, and its wall
 * time (first start to last end) in *wall. Live blocks released after. */
static int timed_once(void *team, int record, struct pb_backend_stats *before,
                      struct pb_run_result *out, uint64_t *wall)
{
    struct team *t = team;
    const struct pb_backend_ops *ops = t->job->backend->ops;
    if (!t->shared)
        pb_team_stats_before(ops, t->self, t->n, before);
    int rc = team_replay(t, out);
    if (rc == 0)
        rc = team_failure(t, out);
    *wall = pb_team_span(&t->w[0].clock, sizeof t->w[0], t->n);
    if (rc == 0 && record) {
        size_t at = (size_t)out->n_ns * t->n;
        for (unsigned k = 0; k < t->n; k++) {
            out->thread_ns[at + k] = t->w[k].clock.t1 - t->w[k].clock.t0;
            out->thread_wait_ns[at + k] = t->w[k].wait_ns;
            out->thread_waits[at + k] = t->w[k].waits;
        }
        out->ns[out->n_ns++] = *wall;
        if (!t->shared)
            pb_team_read_calls(ops, t->self, t->n, before, out);
    }
    release_all(t);
    return rc;
}

/* The result's arrays for reps timed repeats of n threads; -1 on OOM. */
static int result_arrays(struct pb_run_result *out, size_t reps, unsigned n)
{
    out->ns_cap = (unsigned)reps;
    out->trace_threads = n;
    out->ns = pb_hmem_calloc(reps, sizeof *out->ns);
    out->usage = pb_hmem_calloc(reps, sizeof *out->usage);
    out->thread_ns = pb_hmem_calloc(reps * n, sizeof *out->thread_ns);
    out->thread_wait_ns = pb_hmem_calloc(reps * n, sizeof *out->thread_wait_ns);
    out->thread_waits = pb_hmem_calloc(reps * n, sizeof *out->thread_waits);
    out->thread_allocs = pb_hmem_calloc(n, sizeof *out->thread_allocs);
    out->thread_frees = pb_hmem_calloc(n, sizeof *out->thread_frees);
    out->thread_tid = pb_hmem_calloc(n, sizeof *out->thread_tid);
    out->thread_events = pb_hmem_calloc(n, sizeof *out->thread_events);
    return out->ns && out->usage && out->thread_ns && out->thread_wait_ns &&
                   out->thread_waits && out->thread_allocs && out->thread_frees &&
                   out->thread_tid && out->thread_events
               ? 0
               : -1;
}

int pb_trace_threads_timed(const struct pb_run_job *job, struct pb_run_result *out)
{
    const struct pb_backend_ops *ops = job->backend->ops;
    int refused = 0;
    if (pb_trace_threads_refusal(ops, job->workload, &refused, out->error,
                                 sizeof out->error)) {
        out->refused = refused;
        return -1;
    }
    struct team t;
    if (team_init(&t, job, out)) {
        team_free(&t);
        return -1;
    }
    size_t reps = job->repeat ? job->repeat : 1;
    struct pb_backend_stats *before = pb_hmem_calloc(t.n, sizeof *before);
    int rc = -1;
    if (!before || result_arrays(out, reps, t.n))
        snprintf(out->error, sizeof out->error, "out of memory in the runner");
    else
        rc = 0;
    out->per_thread_instances = !t.shared;
    for (unsigned k = 0; rc == 0 && k < t.n; k++) {
        out->thread_tid[k] = t.plan.t[k].tid;
        out->thread_events[k] = t.plan.t[k].n_ev;
    }
    if (rc == 0)
        rc = pb_team_replays(job, timed_once, &t, before, out);
    team_free(&t);
    pb_hmem_free(before, t.n * sizeof *before);
    return rc;
}
