/*
 * team_start.c -- the gate (mutex and condition variable: the threads sleep
 * while the others are created) and the start line (an atomic counter the
 * threads spin on, yielding, so they leave within a scheduler tick).
 */
#include "team_start.h"

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
