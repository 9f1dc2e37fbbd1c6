/*
 * threads.c -- N replays at once. The threads are created for each replay,
 * wait at a gate until all of them exist, then meet at a spinning start line
 * (team_start.h) and start their clocks together. The main thread joins them,
 * reads the per-thread instances' stats and releases the live blocks, all
 * after every clock stopped.
 *
 * Cross-free: each thread has an inbox, a ring of (pointer, size) entries
 * guarded by a mutex. A producer that finds the next thread's inbox full
 * frees what its own inbox holds while it waits, so a ring of waiting
 * threads always moves. When a thread has replayed its copy it hands over
 * its last partial batch, says so (an atomic flag, release), and keeps
 * freeing what arrives until its producer has said the same: then its inbox
 * has received everything and its clock stops.
 */
#include "threads.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "pb_hmem.h"
#include "replay.h"
#include "team_start.h"
#include "thread_common.h"

/* Entries an inbox holds: this many batches. */
#define INBOX_BATCHES 64

int pb_threads_refusal(const struct pb_backend_ops *ops, unsigned threads, int cross_free,
                       char *msg, size_t msglen)
{
    /* A no-memory backend (null) hands out no real blocks: the consumer's own
     * instance can take them, its free only counts. */
    if (cross_free && !(ops->flags & (PB_BK_THREAD_SAFE | PB_BK_NO_MEMORY))) {
        snprintf(msg, msglen,
                 "%s is not thread-safe: it cannot free blocks allocated by another thread",
                 ops->name);
        return -1;
    }
    if (threads > 1 && (ops->flags & PB_BK_THREAD_SAFE) && (ops->flags & PB_BK_FREE_ALL)) {
        snprintf(msg, msglen,
                 "%s is thread-safe, so its one instance is shared by the threads, but it "
                 "releases blocks with free-all, which would free the other threads' blocks",
                 ops->name);
        return -1;
    }
    return 0;
}

/* ---- cross-free queues ------------------------------------------------------ */

struct xfer {
    void *p;
    size_t size;
};

/* The blocks other threads hand one thread to free. */
struct inbox {
    pthread_mutex_t lock;
    struct xfer *ring; /* cap entries */
    size_t cap, head, n;
};

struct worker {
    struct pb_replay r;
    struct pb_gate *gate;
    struct pb_start_line *start;
    size_t done;        /* events replayed: r.n_events when every call succeeded */
    struct pb_thread_clock clock; /* this thread's */
    int cross;
    struct inbox *in, *next_in; /* own inbox; the next thread's */
    atomic_int finished;        /* cross: every block of this thread has been handed over */
    atomic_int *prev_finished;  /* the producer's flag */
    struct xfer *out;           /* the batch being filled: PB_XFREE_BATCH entries */
    size_t n_out;
    struct xfer *drained;       /* room to empty the inbox into: in->cap entries */
    int free_failed;            /* a handed-over block's free was refused */
};

/* Free every block waiting in w's inbox (outside the lock). */
static void drain(struct worker *w)
{
    struct inbox *in = w->in;
    pthread_mutex_lock(&in->lock);
    size_t n = in->n;
    for (size_t k = 0; k < n; k++)
        w->drained[k] = in->ring[(in->head + k) % in->cap];
    in->head = (in->head + n) % in->cap;
    in->n = 0;
    pthread_mutex_unlock(&in->lock);
    for (size_t k = 0; k < n; k++)
        if (w->r.ops->free(w->r.self, w->drained[k].p, w->drained[k].size))
            w->free_failed = 1;
}

/* Put w's batch into the next thread's inbox, freeing our own while it is full. */
static void send_batch(struct worker *w)
{
    struct inbox *to = w->next_in;
    while (w->n_out) {
        pthread_mutex_lock(&to->lock);
        if (to->cap - to->n >= w->n_out) {
            size_t tail = (to->head + to->n) % to->cap;
            for (size_t k = 0; k < w->n_out; k++)
                to->ring[(tail + k) % to->cap] = w->out[k];
            to->n += w->n_out;
            w->n_out = 0;
        }
        pthread_mutex_unlock(&to->lock);
        if (w->n_out) {
            drain(w);
            sched_yield();
        }
    }
}

static void hand_off(struct worker *w, void *p, size_t size)
{
    w->out[w->n_out].p = p;
    w->out[w->n_out].size = size;
    if (++w->n_out == PB_XFREE_BATCH) {
        send_batch(w);
        drain(w);
    }
}

/* The replay of cross-free mode: a and r by the owner, f and x handed over. */
static size_t replay_cross(struct worker *w)
{
    struct pb_replay *r = &w->r;
    for (size_t i = 0; i < r->n_events; i++) {
        const struct pb_event *e = &r->events[i];
        if (e->op == PB_OP_FREE) {
            hand_off(w, r->slot[e->slot].ptr, r->slot[e->slot].size);
            r->slot[e->slot].ptr = NULL;
        } else if (e->op == PB_OP_RESET) {
            for (uint32_t s = 0; s < r->n_slots; s++) {
                if (r->slot[s].ptr) {
                    hand_off(w, r->slot[s].ptr, r->slot[s].size);
                    r->slot[s].ptr = NULL;
                }
            }
        } else if (pb_replay_range(r, i, i + 1) != i + 1) {
            return i;
        }
    }
    return r->n_events;
}

/* Free what arrives until the producer has handed everything over. */
static void finish_inbox(struct worker *w)
{
    for (;;) {
        int producer_done = atomic_load_explicit(w->prev_finished, memory_order_acquire);
        drain(w); /* after the flag: holds every batch sent before it was set */
        if (producer_done)
            return;
        sched_yield();
    }
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    if (pb_gate_wait(w->gate))
        return NULL;
    pb_start_line_wait(w->start);
    w->clock.t0 = pb_now_ns();
    if (!w->cross) {
        w->done = pb_replay_range(&w->r, 0, w->r.n_events);
    } else {
        w->done = replay_cross(w);
        send_batch(w);
        atomic_store_explicit(&w->finished, 1, memory_order_release);
        finish_inbox(w);
    }
    w->clock.t1 = pb_now_ns();
    return NULL;
}

/* ---- the team ---------------------------------------------------------------- */

struct team {
    const struct pb_run_job *job;
    unsigned n;
    int shared;          /* one instance for all (thread-safe backend) */
    void **self;         /* n instances, or one when shared */
    struct worker *w;
    struct inbox *inbox; /* cross-free only */
    pthread_t *tid;
};

/* Everything here comes from pb_hmem, not from the allocator under test. */
static void team_free(struct team *t)
{
    const struct pb_backend_ops *ops = t->job->backend->ops;
    size_t cap = (size_t)INBOX_BATCHES * PB_XFREE_BATCH;
    for (unsigned i = 0; t->w && i < t->n; i++) {
        pb_replay_fini(&t->w[i].r);
        pb_hmem_free(t->w[i].out, PB_XFREE_BATCH * sizeof *t->w[i].out);
        pb_hmem_free(t->w[i].drained, cap * sizeof *t->w[i].drained);
    }
    for (unsigned i = 0; t->inbox && i < t->n; i++) {
        pb_hmem_free(t->inbox[i].ring, cap * sizeof *t->inbox[i].ring);
        pthread_mutex_destroy(&t->inbox[i].lock);
    }
    unsigned n_inst = t->shared ? 1 : t->n;
    for (unsigned i = 0; t->self && i < n_inst; i++)
        if (t->self[i])
            ops->destroy(t->self[i]);
    pb_hmem_free(t->self, n_inst * sizeof *t->self);
    pb_hmem_free(t->w, t->n * sizeof *t->w);
    pb_hmem_free(t->inbox, t->n * sizeof *t->inbox);
    pb_hmem_free(t->tid, t->n * sizeof *t->tid);
}

static int team_inboxes(struct team *t)
{
    t->inbox = pb_hmem_calloc(t->n, sizeof *t->inbox);
    if (!t->inbox)
        return -1;
    size_t cap = (size_t)INBOX_BATCHES * PB_XFREE_BATCH;
    for (unsigned i = 0; i < t->n; i++) {
        pthread_mutex_init(&t->inbox[i].lock, NULL);
        t->inbox[i].cap = cap;
        t->inbox[i].ring = pb_hmem_calloc(cap, sizeof *t->inbox[i].ring);
        t->w[i].out = pb_hmem_calloc(PB_XFREE_BATCH, sizeof *t->w[i].out);
        t->w[i].drained = pb_hmem_calloc(cap, sizeof *t->w[i].drained);
        if (!t->inbox[i].ring || !t->w[i].out || !t->w[i].drained)
            return -1;
    }
    for (unsigned i = 0; i < t->n; i++) {
        t->w[i].cross = 1;
        t->w[i].in = &t->inbox[i];
        t->w[i].next_in = &t->inbox[(i + 1) % t->n];
        t->w[i].prev_finished = &t->w[(i + t->n - 1) % t->n].finished;
    }
    return 0;
}

/* Instances, slot tables and queues; -1 and out->error. */
static int team_init(struct team *t, const struct pb_run_job *job, struct pb_run_result *out)
{
    const struct pb_backend_spec *b = job->backend;
    memset(t, 0, sizeof *t);
    t->job = job;
    t->n = job->threads;
    t->shared = (b->ops->flags & PB_BK_THREAD_SAFE) != 0;
    unsigned n_inst = t->shared ? 1 : t->n;
    t->self = pb_hmem_calloc(n_inst, sizeof *t->self);
    t->w = pb_hmem_calloc(t->n, sizeof *t->w);
    t->tid = pb_hmem_calloc(t->n, sizeof *t->tid);
    if (!t->self || !t->w || !t->tid)
        goto oom;
    for (unsigned i = 0; i < n_inst; i++)
        if (b->ops->create(b->opts, b->n_opts, &t->self[i], out->error, sizeof out->error))
            return -1;
    for (unsigned i = 0; i < t->n; i++) {
        if (pb_replay_init(&t->w[i].r, b->ops, t->self[t->shared ? 0 : i], job->workload,
                           job->touch))
            goto oom;
        atomic_init(&t->w[i].finished, 0);
    }
    if (job->cross_free && team_inboxes(t))
        goto oom;
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
    for (unsigned i = 0; i < t->n; i++) {
        struct worker *w = &t->w[i];
        w->gate = &gate;
        w->start = &start;
        w->done = 0;
        w->n_out = 0;
        w->free_failed = 0;
        atomic_store(&w->finished, 0);
    }
    int rc = pb_team_launch(t->tid, t->n, worker_main, t->w, sizeof *t->w, &gate, out->error,
                            sizeof out->error);
    pthread_cond_destroy(&gate.cond);
    pthread_mutex_destroy(&gate.lock);
    return rc;
}

/* The first failure of the last replay into out->error; 0 when none. */
static int team_failure(const struct team *t, struct pb_run_result *out)
{
    const struct pb_backend_ops *ops = t->job->backend->ops;
    for (unsigned i = 0; i < t->n; i++) {
        const struct worker *w = &t->w[i];
        if (w->done != w->r.n_events) {
            const char *why = ops->last_error(w->r.self);
            char msg[PB_RUN_ERR_MAX - 32];
            pb_describe_failure(t->job->workload, w->done, t->job->backend->text,
                                why && *why ? why : "refused", msg, sizeof msg);
            snprintf(out->error, sizeof out->error, "thread %u: %s", i, msg);
            out->refused = w->done < t->job->workload->n_records;
            return -1;
        }
        if (w->free_failed) {
            snprintf(out->error, sizeof out->error,
                     "thread %u: %s refused to free a block handed over by thread %u", i,
                     t->job->backend->text, (i + t->n - 1) % t->n);
            out->refused = 1;
            return -1;
        }
    }
    return 0;
}

/* One replay of the team, timed; records it when it is a timed repeat, and
 * its wall time in *wall. */
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
        for (unsigned i = 0; i < t->n; i++)
            out->thread_ns[(size_t)out->n_ns * t->n + i] = t->w[i].clock.t1 - t->w[i].clock.t0;
        out->ns[out->n_ns++] = *wall;
        if (!t->shared)
            pb_team_read_calls(ops, t->self, t->n, before, out);
    }
    for (unsigned i = 0; i < t->n; i++)
        pb_replay_release(&t->w[i].r);
    return rc;
}

int pb_threads_timed(const struct pb_run_job *job, struct pb_run_result *out)
{
    const struct pb_backend_ops *ops = job->backend->ops;
    if (pb_threads_refusal(ops, job->threads, job->cross_free, out->error, sizeof out->error)) {
        out->refused = 1;
        return -1;
    }
    unsigned n = job->threads;
    size_t reps = job->repeat ? job->repeat : 1;
    out->threads = n;
    out->per_thread_instances = !(ops->flags & PB_BK_THREAD_SAFE);
    out->ns_cap = (unsigned)reps;
    out->ns = pb_hmem_calloc(reps, sizeof *out->ns);
    out->usage = pb_hmem_calloc(reps, sizeof *out->usage);
    out->thread_ns = pb_hmem_calloc(reps * n, sizeof *out->thread_ns);
    out->thread_allocs = pb_hmem_calloc(n, sizeof *out->thread_allocs);
    out->thread_frees = pb_hmem_calloc(n, sizeof *out->thread_frees);
    struct pb_backend_stats *before = pb_hmem_calloc(n, sizeof *before);
    struct team t;
    memset(&t, 0, sizeof t);
    t.job = job;
    int rc = -1;
    if (!out->ns || !out->usage || !out->thread_ns || !out->thread_allocs ||
        !out->thread_frees || !before)
        snprintf(out->error, sizeof out->error, "out of memory in the runner");
    else if (team_init(&t, job, out) == 0)
        rc = 0;
    if (rc == 0)
        rc = pb_team_replays(job, timed_once, &t, before, out);
    team_free(&t);
    pb_hmem_free(before, n * sizeof *before);
    return rc;
}
