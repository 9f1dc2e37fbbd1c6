/*
 * advise.c -- size classes and slab size for a workload (pb_advise.h).
 *
 * The histogram: every a and r size, sorted and made distinct; the live set
 * after events[fig.peak_event] is rebuilt by replaying the events up to it
 * with a per-slot size table (a reset ends every block through an epoch
 * number, so x costs O(1)).
 *
 * The classes: a class holding sizes s_1 < ... < s_m is C = roundup(s_m, 16)
 * and costs sum(live(s) * (C - s)). Sizes in the same 16-byte bucket always
 * share a class in some optimal partition (splitting them cannot lower
 * either class's C), so the dynamic programme runs over buckets: with at most
 * 4096 / 16 = 256 buckets, O(k * n^2) is at most 32 * 65536 steps. cost(i..j)
 * = count(i..j) * C_j - bytes(i..j) from prefix sums. best[m][j] is the least
 * cost of the first j buckets in m classes; from[m][j] the first bucket of
 * the last class.
 *
 * The choice of k and slab: for each slab candidate (cut-off min(4096,
 * slab / 8), so a slab holds at least 8 chunks) and each k, the optimal
 * k-partition is evaluated in full: internal fragmentation, the unused part of
 * each class's slabs when the live blocks are packed (slabs * slab - live *
 * chunk: the partly used last slab and the slab % chunk tails) and the
 * estimated malloc overhead of the larger blocks. The least total wins; ties
 * go to fewer classes and the smaller slab.
 */
#include "pb_advise.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint64_t slab_candidates[PB_ADVISE_N_SLABS] = {4096, 16384, 65536, 262144};

/* ---- the histogram ---- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Index of size in the ascending v[0..n) (it is there). */
static size_t find_size(const struct pb_size_count *v, size_t n, uint64_t size)
{
    size_t lo = 0, hi = n;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid].size <= size)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* The distinct a and r sizes of w, ascending, counts zero. */
static int distinct_sizes(const struct pb_workload *w, struct pb_size_hist *h)
{
    size_t n = 0;
    uint64_t *all = malloc((w->n_records ? w->n_records : 1) * sizeof *all);
    if (!all)
        return -1;
    for (size_t i = 0; i < w->n_records; i++) {
        uint8_t op = w->events[i].op;
        if (op == PB_OP_ALLOC || op == PB_OP_REALLOC)
            all[n++] = w->events[i].size;
    }
    qsort(all, n, sizeof *all, cmp_u64);
    size_t d = 0;
    for (size_t i = 0; i < n; i++)
        if (d == 0 || all[i] != all[d - 1])
            all[d++] = all[i];
    h->v = calloc(d ? d : 1, sizeof *h->v);
    if (!h->v) {
        free(all);
        return -1;
    }
    for (size_t i = 0; i < d; i++)
        h->v[i].size = all[i];
    h->n = d;
    h->max_size = d ? all[d - 1] : 0;
    free(all);
    return 0;
}

/* Replay up to and including events[last]; count the live blocks by size. */
static int count_live(const struct pb_workload *w, size_t last, struct pb_size_hist *h)
{
    size_t slots = w->n_slots ? w->n_slots : 1;
    uint64_t *size = calloc(slots, sizeof *size);
    uint32_t *epoch = calloc(slots, sizeof *epoch); /* live when == current epoch */
    if (!size || !epoch) {
        free(size);
        free(epoch);
        return -1;
    }
    uint32_t now = 1;
    for (size_t i = 0; i <= last && i < w->n_records; i++) {
        const struct pb_event *e = &w->events[i];
        if (e->op == PB_OP_ALLOC || e->op == PB_OP_REALLOC) {
            size[e->slot] = e->size;
            epoch[e->slot] = now;
        } else if (e->op == PB_OP_FREE) {
            epoch[e->slot] = 0;
        } else if (e->op == PB_OP_RESET) {
            now++;
        }
    }
    for (size_t s = 0; s < w->n_slots; s++) {
        if (epoch[s] != now || now == 0)
            continue;
        h->v[find_size(h->v, h->n, size[s])].live++;
        h->live_blocks++;
        h->live_bytes += size[s];
    }
    free(size);
    free(epoch);
    return 0;
}

int pb_size_hist_build(const struct pb_workload *w, struct pb_size_hist *out, char *err,
                       size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (distinct_sizes(w, out)) {
        snprintf(err, errlen, "advise: out of memory for the size histogram");
        return -1;
    }
    for (size_t i = 0; i < w->n_records; i++) {
        const struct pb_event *e = &w->events[i];
        if (e->op == PB_OP_ALLOC || e->op == PB_OP_REALLOC) {
            out->v[find_size(out->v, out->n, e->size)].allocs++;
            out->allocs++;
        }
    }
    if (w->n_records > 0 && count_live(w, (size_t)w->fig.peak_event, out)) {
        pb_size_hist_free(out);
        snprintf(err, errlen, "advise: out of memory for the live set");
        return -1;
    }
    return 0;
}

void pb_size_hist_free(struct pb_size_hist *h)
{
    free(h->v);
    memset(h, 0, sizeof *h);
}

/* ---- evaluating a pool set ---- */

uint64_t pb_advise_malloc_usable(uint64_t size, uint64_t page)
{
    /* glibc x86-64: 16-byte chunks with an 8-byte header, at least 32 bytes;
     * from the default mmap threshold (128 KiB) whole pages minus 16 bytes. */
    if (size >= 128 * 1024) {
        uint64_t pg = page ? page : 4096;
        return (size + 16 + pg - 1) / pg * pg - 16;
    }
    uint64_t chunk = (size + 8 + 15) & ~(uint64_t)15;
    return (chunk < 32 ? 32 : chunk) - 8;
}

static void finish_eval(struct pb_advise_eval *e)
{
    uint64_t live_bytes = e->pooled_bytes + e->sys_bytes;
    e->granted = e->pooled_bytes + e->frag_bytes + e->sys_bytes + e->sys_overhead;
    e->internal_fragmentation =
        e->granted > 0 ? 1.0 - (double)live_bytes / (double)e->granted : 0.0;
    e->total_waste = e->frag_bytes + e->slab_waste + e->sys_overhead;
}

int pb_advise_evaluate(const struct pb_size_hist *h, const uint64_t *classes, size_t n,
                       uint64_t slab, struct pb_advise_eval *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (n == 0 || n > PB_ADVISE_MAX_CLASSES) {
        snprintf(err, errlen, "advise: a pool set needs 1 to %d classes, not %zu",
                 PB_ADVISE_MAX_CLASSES, n);
        return -1;
    }
    for (size_t c = 0; c < n; c++) {
        if (classes[c] == 0 || (c > 0 && classes[c] <= classes[c - 1]) || classes[c] > slab) {
            snprintf(err, errlen,
                     "advise: class %llu: classes must be ascending, non-zero and fit a "
                     "%llu-byte slab",
                     (unsigned long long)classes[c], (unsigned long long)slab);
            return -1;
        }
        out->cls[c].chunk = classes[c];
    }
    out->slab = slab;
    out->n_classes = n;
    size_t c = 0;
    for (size_t i = 0; i < h->n; i++) {
        const struct pb_size_count *s = &h->v[i];
        while (c < n && classes[c] < s->size)
            c++;
        if (c == n) {
            out->sys_live += s->live;
            out->sys_bytes += s->live * s->size;
            out->sys_overhead += s->live * (pb_advise_malloc_usable(s->size, 0) - s->size);
            out->sys_allocs += s->allocs;
            continue;
        }
        struct pb_advise_class *k = &out->cls[c];
        k->live += s->live;
        k->live_bytes += s->live * s->size;
        k->frag_bytes += s->live * (k->chunk - s->size);
        k->allocs += s->allocs;
    }
    for (size_t j = 0; j < n; j++) {
        struct pb_advise_class *k = &out->cls[j];
        uint64_t per_slab = slab / k->chunk;
        k->slabs = (k->live + per_slab - 1) / per_slab;
        k->slab_waste = k->slabs * slab - k->live * k->chunk;
        out->pooled_live += k->live;
        out->pooled_bytes += k->live_bytes;
        out->frag_bytes += k->frag_bytes;
        out->slab_waste += k->slab_waste;
    }
    finish_eval(out);
    return 0;
}

/* Index of the class of size in e (e->n_classes for the system). */
static size_t class_of(const struct pb_advise_eval *e, uint64_t size)
{
    size_t lo = 0, hi = e->n_classes;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (e->cls[mid].chunk < size)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int pb_advise_high_water(const struct pb_workload *w, struct pb_advise_eval *e, char *err,
                         size_t errlen)
{
    size_t slots = w->n_slots ? w->n_slots : 1;
    uint64_t *size = calloc(slots, sizeof *size);
    uint64_t *live = calloc(e->n_classes + 1, sizeof *live);
    if (!size || !live) {
        free(size);
        free(live);
        snprintf(err, errlen, "advise: out of memory for the high-water marks");
        return -1;
    }
    for (size_t c = 0; c < e->n_classes; c++)
        e->cls[c].high_water = 0;
    for (size_t i = 0; i < w->n_records; i++) {
        const struct pb_event *ev = &w->events[i];
        size_t c;
        switch (ev->op) {
        case PB_OP_RESET:
            memset(live, 0, (e->n_classes + 1) * sizeof *live);
            continue;
        case PB_OP_FREE:
            live[class_of(e, ev->size)]--;
            continue;
        case PB_OP_REALLOC:
            live[class_of(e, size[ev->slot])]--;
            break;
        default:
            break;
        }
        size[ev->slot] = ev->size;
        c = class_of(e, ev->size);
        if (++live[c] > (c < e->n_classes ? e->cls[c].high_water : UINT64_MAX))
            e->cls[c].high_water = live[c];
    }
    e->slab_footprint = 0;
    for (size_t c = 0; c < e->n_classes; c++) {
        uint64_t per_slab = e->slab / e->cls[c].chunk;
        e->slab_footprint += (e->cls[c].high_water + per_slab - 1) / per_slab * e->slab;
    }
    free(size);
    free(live);
    return 0;
}

/* ---- the optimal classes ---- */

/* Sizes <= cutoff bucketed by PB_ADVISE_ALIGN: bucket class, weight, bytes. */
struct buckets {
    uint64_t cls[PB_ADVISE_MAX_CUTOFF / PB_ADVISE_ALIGN];
    uint64_t count[PB_ADVISE_MAX_CUTOFF / PB_ADVISE_ALIGN];
    uint64_t bytes[PB_ADVISE_MAX_CUTOFF / PB_ADVISE_ALIGN];
    size_t n;
};

static uint64_t round_align(uint64_t size)
{
    uint64_t c = (size + PB_ADVISE_ALIGN - 1) / PB_ADVISE_ALIGN * PB_ADVISE_ALIGN;
    return c ? c : PB_ADVISE_ALIGN;
}

static void bucket_sizes(const struct pb_size_hist *h, uint64_t cutoff, int by_allocs,
                         struct buckets *b)
{
    b->n = 0;
    if (cutoff > PB_ADVISE_MAX_CUTOFF)
        cutoff = PB_ADVISE_MAX_CUTOFF;
    for (size_t i = 0; i < h->n && h->v[i].size <= cutoff; i++) {
        uint64_t w = by_allocs ? h->v[i].allocs : h->v[i].live;
        if (w == 0)
            continue;
        uint64_t c = round_align(h->v[i].size);
        if (b->n == 0 || b->cls[b->n - 1] != c) {
            b->cls[b->n] = c;
            b->count[b->n] = 0;
            b->bytes[b->n] = 0;
            b->n++;
        }
        b->count[b->n - 1] += w;
        b->bytes[b->n - 1] += w * h->v[i].size;
    }
}

/* Least cost of buckets [i, j] (0-based, inclusive) as one class. */
static uint64_t class_cost(const uint64_t *pc, const uint64_t *pb, const struct buckets *b,
                           size_t i, size_t j)
{
    return (pc[j + 1] - pc[i]) * b->cls[j] - (pb[j + 1] - pb[i]);
}

/* The DP tables for up to k classes over b; best[m * (n+1) + j], from[...]. */
struct dp {
    uint64_t *best;
    size_t *from;
    size_t k, n;
};

static int run_dp(const struct buckets *b, size_t k, struct dp *d)
{
    size_t n = b->n, w = n + 1;
    uint64_t pc[PB_ADVISE_MAX_CUTOFF / PB_ADVISE_ALIGN + 1] = {0};
    uint64_t pb[PB_ADVISE_MAX_CUTOFF / PB_ADVISE_ALIGN + 1] = {0};
    for (size_t i = 0; i < n; i++) {
        pc[i + 1] = pc[i] + b->count[i];
        pb[i + 1] = pb[i] + b->bytes[i];
    }
    d->k = k < n ? k : n;
    d->n = n;
    d->best = malloc((d->k + 1) * w * sizeof *d->best);
    d->from = malloc((d->k + 1) * w * sizeof *d->from);
    if (!d->best || !d->from)
        return -1;
    for (size_t j = 0; j <= n; j++)
        d->best[j] = j == 0 ? 0 : UINT64_MAX;
    for (size_t m = 1; m <= d->k; m++) {
        for (size_t j = 0; j <= n; j++) {
            uint64_t bestv = UINT64_MAX;
            size_t at = 0;
            for (size_t i = m - 1; j >= m && i < j; i++) {
                uint64_t prev = d->best[(m - 1) * w + i];
                if (prev == UINT64_MAX)
                    continue;
                uint64_t v = prev + class_cost(pc, pb, b, i, j - 1);
                if (v < bestv) {
                    bestv = v;
                    at = i;
                }
            }
            d->best[m * w + j] = bestv;
            d->from[m * w + j] = at;
        }
    }
    return 0;
}

/* The classes of the optimal m-partition (m <= d->k) into classes[0..m). */
static void dp_classes(const struct dp *d, const struct buckets *b, size_t m, uint64_t *classes)
{
    size_t w = d->n + 1, j = d->n;
    for (size_t c = m; c > 0; c--) {
        classes[c - 1] = b->cls[j - 1];
        j = d->from[c * w + j];
    }
}

static void dp_free(struct dp *d)
{
    free(d->best);
    free(d->from);
}

static int classes_weighted(const struct pb_size_hist *h, uint64_t cutoff, size_t k,
                            int by_allocs, uint64_t *classes, size_t *n_out,
                            uint64_t *frag_out, char *err, size_t errlen)
{
    *n_out = 0;
    *frag_out = 0;
    if (k == 0) {
        snprintf(err, errlen, "advise: at least one class is needed");
        return -1;
    }
    struct buckets *b = malloc(sizeof *b);
    struct dp d = {0};
    if (!b || (bucket_sizes(h, cutoff, by_allocs, b), run_dp(b, k, &d))) {
        free(b);
        dp_free(&d);
        snprintf(err, errlen, "advise: out of memory");
        return -1;
    }
    if (d.k > 0) {
        dp_classes(&d, b, d.k, classes);
        *n_out = d.k;
        *frag_out = d.best[d.k * (d.n + 1) + d.n];
    }
    dp_free(&d);
    free(b);
    return 0;
}

int pb_advise_classes(const struct pb_size_hist *h, uint64_t cutoff, size_t k,
                      uint64_t *classes, size_t *n_out, uint64_t *frag_out, char *err,
                      size_t errlen)
{
    return classes_weighted(h, cutoff, k, 0, classes, n_out, frag_out, err, errlen);
}

/* ---- the recommendation ---- */

static int has_small_live(const struct pb_size_hist *h, uint64_t cutoff)
{
    for (size_t i = 0; i < h->n && h->v[i].size <= cutoff; i++)
        if (h->v[i].live > 0)
            return 1;
    return 0;
}

/* The best k for one slab: every optimal m-partition, m = 1..k, evaluated. */
static int best_for_slab(const struct pb_size_hist *h, const struct pb_advise_opts *o,
                         int by_allocs, struct pb_advise_candidate *cand, char *err,
                         size_t errlen)
{
    struct buckets *b = malloc(sizeof *b);
    struct pb_advise_eval *e = malloc(sizeof *e);
    struct dp d = {0};
    int rc = -1;
    if (!b || !e || (bucket_sizes(h, cand->cutoff, by_allocs, b), run_dp(b, o->max_classes, &d))) {
        snprintf(err, errlen, "advise: out of memory");
        goto out;
    }
    uint64_t classes[PB_ADVISE_MAX_CLASSES];
    size_t m_max = d.k;
    if (m_max == 0) { /* nothing small at all: one smallest class keeps the set valid */
        classes[0] = PB_ADVISE_ALIGN;
        rc = pb_advise_evaluate(h, classes, 1, cand->slab, &cand->eval, err, errlen);
        goto out;
    }
    for (size_t m = 1; m <= m_max; m++) {
        dp_classes(&d, b, m, classes);
        if (pb_advise_evaluate(h, classes, m, cand->slab, e, err, errlen))
            goto out;
        if (m == 1 || e->total_waste < cand->eval.total_waste)
            cand->eval = *e;
    }
    rc = 0;
out:
    dp_free(&d);
    free(b);
    free(e);
    return rc;
}

int pb_advise_recommend(const struct pb_size_hist *h, const struct pb_advise_opts *o,
                        struct pb_advise *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (o->max_classes == 0 || o->max_classes > PB_ADVISE_MAX_CLASSES) {
        snprintf(err, errlen, "advise: --max-classes must be 1 to %d", PB_ADVISE_MAX_CLASSES);
        return -1;
    }
    size_t n = 0;
    uint64_t slabs[PB_ADVISE_N_SLABS];
    if (o->slab) {
        if (o->slab < PB_ADVISE_ALIGN) {
            snprintf(err, errlen, "advise: a slab of %llu bytes holds no chunk",
                     (unsigned long long)o->slab);
            return -1;
        }
        slabs[n++] = o->slab;
    } else {
        for (size_t i = 0; i < PB_ADVISE_N_SLABS; i++)
            slabs[n++] = slab_candidates[i];
    }
    for (size_t i = 0; i < n; i++) {
        struct pb_advise_candidate *c = &out->cand[i];
        c->slab = slabs[i];
        c->cutoff = slabs[i] / 8 < PB_ADVISE_MAX_CUTOFF ? slabs[i] / 8 : PB_ADVISE_MAX_CUTOFF;
        if (c->cutoff < PB_ADVISE_ALIGN)
            c->cutoff = PB_ADVISE_ALIGN;
        int by_allocs = !has_small_live(h, c->cutoff);
        if (by_allocs)
            out->weighted_by_allocs = 1;
        if (best_for_slab(h, o, by_allocs, c, err, errlen))
            return -1;
        if (i == 0 || c->eval.total_waste < out->cand[out->best].eval.total_waste)
            out->best = i;
    }
    out->n_cand = n;
    return 0;
}
