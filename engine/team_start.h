/*
 * team_start.h -- how a team of replay threads starts: a gate that holds the
 * threads until all of them exist (so a failed pthread_create can still send
 * them home), then a spinning start line that lets them leave together, awake,
 * without a futex wake-up each. Used by threads.c (--threads N) and
 * trace_threads.c (a trace's recorded threads).
 */
#ifndef PB_TEAM_START_H
#define PB_TEAM_START_H

#include <pthread.h>
#include <stdatomic.h>

/* The gate: closed until every thread exists, then open (or abandoned). */
struct pb_gate {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int state; /* 0 closed, 1 open, -1 abandoned (a thread could not be created) */
};

/* Wait until the gate opens; 0 to go on, -1 when abandoned. */
int pb_gate_wait(struct pb_gate *g);

/* Open (1) or abandon (-1) the gate, waking every waiting thread. */
void pb_gate_set(struct pb_gate *g, int state);

/* The start line: n threads arrive, then leave together. */
struct pb_start_line {
    atomic_uint arrived;
    unsigned n;
};

/* Arrive, then spin (yielding to threads still on their way) until all n have arrived. */
void pb_start_line_wait(struct pb_start_line *s);

#endif /* PB_TEAM_START_H */
