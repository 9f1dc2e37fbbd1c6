/*
 * thread_common.c -- starting, joining and repeating a team of replay
 * threads; the teams themselves belong to threads.c and trace_threads.c.
 */
#include "thread_common.h"

#include <stdio.h>
#include <sys/resource.h>

int pb_team_launch(pthread_t *tid, unsigned n, void *(*fn)(void *), void *workers,
                   size_t stride, struct pb_gate *gate, char *err, size_t errlen)
{
    unsigned made = 0;
    for (; made < n; made++)
        if (pthread_create(&tid[made], NULL, fn, (char *)workers + made * stride))
            break;
    pb_gate_set(gate, made == n ? 1 : -1);
    for (unsigned i = 0; i < made; i++)
        pthread_join(tid[i], NULL);
    if (made < n) {
        snprintf(err, errlen, "cannot start %u threads (only %u)", n, made);
        return -1;
    }
    return 0;
}

int pb_team_replays(const struct pb_run_job *job, pb_team_once_fn once, void *team,
                    struct pb_backend_stats *before, struct pb_run_result *out)
{
    /* in a process of its own the first replay is the cold one, kept apart */
    unsigned cold = job->pass == PB_PASS_TIME;
    int rc = 0;
    for (unsigned i = 0; rc == 0 && i < cold + job->warmup + job->repeat; i++) {
        struct rusage ru;
        struct pb_usage u;
        uint64_t wall = 0;
        unsigned recorded = out->n_ns;
        getrusage(RUSAGE_SELF, &ru);
        rc = once(team, i >= cold + job->warmup, before, out, &wall);
        pb_usage_since(&ru, &u);
        if (rc == 0 && i < cold) {
            out->cold_done = 1;
            out->cold_ns = wall;
            out->cold_usage = u;
        } else if (rc == 0 && out->n_ns > recorded) {
            out->usage[recorded] = u;
        }
    }
    return rc;
}

uint64_t pb_team_span(const struct pb_thread_clock *first, size_t stride, unsigned n)
{
    const unsigned char *at = (const unsigned char *)first;
    uint64_t start = first->t0, end = first->t1;
    for (unsigned i = 1; i < n; i++) {
        const struct pb_thread_clock *c = (const struct pb_thread_clock *)(at + i * stride);
        start = c->t0 < start ? c->t0 : start;
        end = c->t1 > end ? c->t1 : end;
    }
    return end - start;
}
