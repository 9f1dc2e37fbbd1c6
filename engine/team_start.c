/*
 * team_start.c -- the gate (mutex and condition variable: the threads sleep
 * while the others are created) and the start line (an atomic counter the
 * threads spin on, yielding, so they leave within a scheduler tick), and the
 * per-instance call counts both thread replays report.
 */
#include "team_start.h"

#include <string.h>

#include "job.h"
#include "pb_backend.h"

#include <sched.h>

int pb_gate_wait(struct pb_gate *g)
{
    pthread_mutex_lock(&g->lock);
    while (g->state == 0)
        pthread_cond_wait(&g->cond, &g->lock);
    int go = g->state > 0;
    pthread_mutex_unlock(&g->lock);
    return go ? 0 : -1;
}

void pb_gate_set(struct pb_gate *g, int state)
{
    pthread_mutex_lock(&g->lock);
    g->state = state;
    pthread_cond_broadcast(&g->cond);
    pthread_mutex_unlock(&g->lock);
}

void pb_start_line_wait(struct pb_start_line *s)
{
    atomic_fetch_add_explicit(&s->arrived, 1, memory_order_acq_rel);
    while (atomic_load_explicit(&s->arrived, memory_order_acquire) < s->n)
        sched_yield();
}

void pb_team_stats_before(const struct pb_backend_ops *ops, void *const *self, unsigned n,
                          struct pb_backend_stats *before)
{
    for (unsigned k = 0; k < n; k++) {
        memset(&before[k], 0, sizeof before[k]);
        ops->stats(self[k], &before[k]);
    }
}

void pb_team_read_calls(const struct pb_backend_ops *ops, void *const *self, unsigned n,
                        const struct pb_backend_stats *before, struct pb_run_result *out)
{
    for (unsigned k = 0; k < n; k++) {
        struct pb_backend_stats st;
        memset(&st, 0, sizeof st);
        ops->stats(self[k], &st);
        out->thread_allocs[k] = st.allocs - before[k].allocs;
        out->thread_frees[k] = st.frees - before[k].frees;
    }
}
