/*
 * latency.c -- per-call timing. The tick counter is read with rdtscp (which
 * waits for earlier instructions) followed by lfence (which keeps later ones
 * from starting early). Ticks become nanoseconds by a calibration against
 * CLOCK_MONOTONIC over ~20 ms; the median cost of two back-to-back reads is
 * subtracted from every sample (clamped at 0).
 */
#include "latency.h"

#include "pb_hmem.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <x86intrin.h>
static inline uint64_t ticks(void)
{
    unsigned aux;
    uint64_t t = __rdtscp(&aux);
    _mm_lfence();
    return t;
}
static const char *const timer_name = "rdtscp";
#else
static inline uint64_t ticks(void)
{
    return pb_now_ns();
}
static const char *const timer_name = "clock_gettime";
#endif

/* Sift v[i] down the max-heap v[0..n). */
static void sift_down(double *v, size_t i, size_t n)
{
    double x = v[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && v[c + 1] > v[c])
            c++;
        if (!(v[c] > x))
            break;
        v[i] = v[c];
        i = c;
    }
    v[i] = x;
}

/* Sort v[0..n) ascending in place. A heapsort, as it needs no memory: glibc's
 * qsort mallocs a buffer for more than 1 KiB, from the allocator under test. */
static void sort_values(double *v, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        sift_down(v, i, n);
    for (size_t end = n; end-- > 1;) {
        double t = v[0];
        v[0] = v[end];
        v[end] = t;
        sift_down(v, 0, end);
    }
}

/* The value at quantile q of sorted[0..n) (nearest rank). */
static double quantile(const double *sorted, size_t n, double q)
{
    size_t rank = (size_t)(q * (double)n + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return sorted[rank - 1];
}

void pb_latency_summarize(double *ns, size_t n, struct pb_latency_stats *out)
{
    memset(out, 0, sizeof *out);
    out->count = n;
    if (n == 0)
        return;
    sort_values(ns, n);
    out->p50 = quantile(ns, n, 0.50);
    out->p99 = quantile(ns, n, 0.99);
    out->p999 = quantile(ns, n, 0.999);
    out->max = ns[n - 1];
    out->n_cdf = n < PB_CDF_POINTS ? n : PB_CDF_POINTS;
    for (size_t i = 0; i < out->n_cdf; i++)
        out->cdf[i] = quantile(ns, n, (double)(i + 1) / (double)out->n_cdf);
}

static void calibrate(struct pb_latency *out)
{
    uint64_t t0 = pb_now_ns(), c0 = ticks();
    while (pb_now_ns() - t0 < 20000000u)
        ;
    uint64_t t1 = pb_now_ns(), c1 = ticks();
    out->ns_per_tick = c1 > c0 ? (double)(t1 - t0) / (double)(c1 - c0) : 1.0;
    enum { N = 1001 };
    double d[N];
    for (int i = 0; i < N; i++) {
        uint64_t a = ticks();
        uint64_t b = ticks();
        d[i] = (double)(b - a) * out->ns_per_tick;
    }
    sort_values(d, N);
    out->overhead_ns = d[N / 2];
    /* the smallest step the counter shows: coarse under some hypervisors */
    out->resolution_ns = 0;
    for (uint64_t a = ticks(), i = 0; i < 100000 && out->resolution_ns == 0; i++) {
        uint64_t b = ticks();
        if (b != a)
            out->resolution_ns = (double)(b - a) * out->ns_per_tick;
    }
}

struct samples {
    double *alloc, *free;
    size_t n_alloc, n_free, cap;
};

static double net_ns(const struct pb_latency *l, uint64_t a, uint64_t b)
{
    double ns = (double)(b - a) * l->ns_per_tick - l->overhead_ns;
    return ns > 0 ? ns : 0;
}

/* Replay with every Kth alloc or free timed alone; returns n or the failing index. */
static size_t timed_replay(struct pb_replay *r, struct pb_latency *l, struct samples *sm)
{
    const struct pb_backend_ops *ops = r->ops;
    const int tagged = (ops->flags & PB_BK_TAGGED) && ops->alloc_tagged;
    for (size_t i = 0; i < r->n_events; i++) {
        const struct pb_event *e = &r->events[i];
        int sampled = i % l->every == 0;
        if (sampled && e->op == PB_OP_ALLOC && sm->n_alloc < sm->cap) {
            uint64_t a = ticks();
            size_t align = (size_t)1 << e->align_log2;
            void *p = tagged ? ops->alloc_tagged(r->self, e->size, align, e->tag)
                             : ops->alloc(r->self, e->size, align);
            uint64_t b = ticks();
            if (!p)
                return i;
            sm->alloc[sm->n_alloc++] = net_ns(l, a, b);
            r->slot[e->slot].ptr = p;
            r->slot[e->slot].size = e->size;
            pb_replay_touch(r, p, e->size);
        } else if (sampled && e->op == PB_OP_FREE && sm->n_free < sm->cap) {
            uint64_t a = ticks();
            int rc = ops->free(r->self, r->slot[e->slot].ptr, r->slot[e->slot].size);
            uint64_t b = ticks();
            if (rc)
                return i;
            sm->free[sm->n_free++] = net_ns(l, a, b);
            r->slot[e->slot].ptr = NULL;
        } else if (pb_replay_range(r, i, i + 1) != i + 1) {
            return i;
        }
    }
    return r->n_events;
}

int pb_latency_run(const struct pb_backend_ops *ops, void *self, const struct pb_workload *w,
                   enum pb_touch touch, struct pb_latency *out, size_t *fail_event)
{
    memset(out, 0, sizeof *out);
    out->timer = timer_name;
    out->every = w->n_records / PB_LATENCY_MAX_SAMPLES + 1;
    calibrate(out);
    struct samples sm = {0};
    sm.cap = w->n_records / out->every + 1;
    sm.alloc = pb_hmem_calloc(sm.cap, sizeof *sm.alloc); /* not from the allocator under test */
    sm.free = pb_hmem_calloc(sm.cap, sizeof *sm.free);
    struct pb_replay r;
    int rc = -1;
    *fail_event = SIZE_MAX;
    if (sm.alloc && sm.free && pb_replay_init(&r, ops, self, w, touch) == 0) {
        size_t done = timed_replay(&r, out, &sm);
        pb_replay_release(&r);
        pb_replay_fini(&r);
        if (done == w->n_records) {
            pb_latency_summarize(sm.alloc, sm.n_alloc, &out->alloc);
            pb_latency_summarize(sm.free, sm.n_free, &out->free);
            rc = 0;
        } else {
            *fail_event = done;
        }
    }
    pb_hmem_free(sm.alloc, sm.cap * sizeof *sm.alloc);
    pb_hmem_free(sm.free, sm.cap * sizeof *sm.free);
    return rc;
}
