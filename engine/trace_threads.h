/*
 * trace_threads.h -- the timed passes of a trace with several threads: each
 * recorded thread replays its own events in a thread of its own, in its own
 * order, and every dependency between threads that the trace format names
 * (workloads/README.md, "Threads") is kept: the f or r of a block waits until
 * the a or r another thread made of it has been replayed, an a into a slot
 * waits for the f another thread made of its previous block, and an x is a
 * barrier of every thread. Events with no such dependency overlap.
 *
 * Everything is decided before the clock: the events are split per thread
 * (copies from pb_hmem) and cut into segments, runs of events between two
 * points where a thread waits for another or another waits for it. A
 * segment replays through the one-thread loop (pb_replay_range), then
 * publishes how far its thread has come (one atomic store); a wait spins on
 * the other thread's count, yielding, with a clock around it only when the
 * event is not yet done, so waiting is measured apart from the replay.
 *
 * A thread-safe backend gets one instance and one slot table shared by the
 * threads; any other, one instance and one slot table per thread, which
 * cannot serve a block another thread made: refused when the trace frees or
 * resizes across threads (null, which hands out no memory, excepted).
 */
#ifndef PB_TRACE_THREADS_H
#define PB_TRACE_THREADS_H

#include <stddef.h>

#include "job.h"
#include "pb_backend.h"
#include "pb_workload.h"

/* Whether the timed passes of w replay its threads in threads: w's records
 * are of more than one thread. */
int pb_trace_threads_wanted(const struct pb_workload *w);

/* Why ops cannot replay w's threads in threads, decided from the backend's
 * flags and the trace: 0 when it can; else -1 and msg, with *refused 1 when
 * it is the backend's answer (one instance per thread and a trace that frees
 * or resizes across threads: msg names the first such event) and 0 when the
 * runner cannot (more threads than PB_MAX_THREADS, out of memory). */
int pb_trace_threads_refusal(const struct pb_backend_ops *ops, const struct pb_workload *w,
                             int *refused, char *msg, size_t msglen);

/* The cold, warm-up and timed replays of job's workload in its threads:
 * fills out->ns (the wall time of each timed repeat), out->trace_threads and
 * the per-thread arrays (clocks, waits, calls). 0 ok; -1 and out->error. */
int pb_trace_threads_timed(const struct pb_run_job *job, struct pb_run_result *out);

#endif /* PB_TRACE_THREADS_H */
