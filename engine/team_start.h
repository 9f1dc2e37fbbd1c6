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
#include <stddef.h>
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

struct pb_backend_ops;
struct pb_backend_stats;
struct pb_run_result;

/* Per-thread instances self[0..n): each one's counters now, into before[]
 * (taken before a replay, for pb_team_read_calls). */
void pb_team_stats_before(const struct pb_backend_ops *ops, void *const *self, unsigned n,
                          struct pb_backend_stats *before);

/* Each instance's alloc and free calls since before[], into out->thread_allocs
 * and out->thread_frees. */
void pb_team_read_calls(const struct pb_backend_ops *ops, void *const *self, unsigned n,
                        const struct pb_backend_stats *before, struct pb_run_result *out);

#endif /* PB_TEAM_START_H */
