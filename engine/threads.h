/*
 * threads.h -- the timed passes of `poolbench run --threads N`: N copies of
 * one workload replayed at once by N threads of the run's process.
 *
 * A backend without PB_BK_THREAD_SAFE gets one instance per thread; a
 * thread-safe one is created once and shared. Each thread has its own slot
 * table. The threads start together (a barrier); each one's replay is timed,
 * and the wall time of a whole replay runs from the first thread's start to
 * the last thread's end. Live blocks are released after every clock stopped.
 *
 * Cross-free mode (producer/consumer): thread i does not free its blocks
 * itself; each f (and each block an x releases) goes into a batch handed to
 * thread (i + 1) % N through a bounded mutex-protected queue, and that thread
 * frees it; the times include the handoff. Allowed for thread-safe backends
 * (the shared instance frees the block) and for no-memory ones (null: its
 * blocks are not memory, the consumer's own instance only counts the free);
 * refused for the others.
 */
#ifndef PB_THREADS_H
#define PB_THREADS_H

#include <stddef.h>

#include "pb_backend.h"
#include "job.h"

/* Most threads one run may use. */
#define PB_MAX_THREADS 256

/* Blocks per cross-free handoff. */
#define PB_XFREE_BATCH 64

/* Why ops cannot run with `threads` threads (cross_free: producer/consumer),
 * decided from the backend's flags alone: 0 when it can; -1 and a message in
 * msg otherwise. */
int pb_threads_refusal(const struct pb_backend_ops *ops, unsigned threads, int cross_free,
                       char *msg, size_t msglen);

/* The warm-up and timed replays of job with job->threads threads: fills
 * out->ns (wall per timed repeat), out->thread_ns and the per-thread call
 * counts. 0 ok; -1 and out->error. */
int pb_threads_timed(const struct pb_run_job *job, struct pb_run_result *out);

#endif /* PB_THREADS_H */
