/*
 * workload_json.c -- the workload object of a results file.
 *
 * Histograms use power-of-two buckets with inclusive bounds: [0,0], [1,1],
 * [2,2], [3,4], [5,8], [9,16], ... Only non-empty buckets are listed, as
 * {"min", "max", "count"} in ascending order. The size histogram counts the
 * sizes of `a` events. The lifetime of a block is the number of events from
 * its allocation to the event that frees it (`f`, or the `x` that resets it),
 * so a block freed by the very next event has lifetime 1; blocks still live
 * at the end of the trace have none and are counted as "unfreed".
 */
#include "pb_workload_json.h"

#include <stdlib.h>
#include <string.h>

#define N_BUCKETS 66 /* 0, 1, then one per power of two up to 2^64 */

unsigned pb_bucket_of(uint64_t v)
{
    if (v <= 2)
        return (unsigned)v;
    /* v in (2^(k-2), 2^(k-1)]: k - 1 = bits of (v - 1) */
    return 1u + (64u - (unsigned)__builtin_clzll(v - 1));
}

uint64_t pb_bucket_min(unsigned k)
{
    return k <= 2 ? k : ((uint64_t)1 << (k - 2)) + 1;
}

uint64_t pb_bucket_max(unsigned k)
{
    return k <= 2 ? k : (k - 1 >= 64 ? UINT64_MAX : (uint64_t)1 << (k - 1));
}

static cJSON *histogram(const uint64_t *counts)
{
    cJSON *a = cJSON_CreateArray();
    for (unsigned k = 0; a && k < N_BUCKETS; k++) {
        if (!counts[k])
            continue;
        cJSON *b = cJSON_CreateObject();
        if (!b) {
            cJSON_Delete(a);
            return NULL;
        }
        cJSON_AddNumberToObject(b, "min", (double)pb_bucket_min(k));
        cJSON_AddNumberToObject(b, "max", (double)pb_bucket_max(k));
        cJSON_AddNumberToObject(b, "count", (double)counts[k]);
        cJSON_AddItemToArray(a, b);
    }
    return a;
}

struct lifetimes {
    uint64_t counts[N_BUCKETS];
    uint64_t unfreed;
};

/* Lifetimes of every block; -1 when out of memory. */
static int compute_lifetimes(const struct pb_workload *w, struct lifetimes *lt)
{
    size_t n = w->n_slots ? w->n_slots : 1;
    uint64_t *born = malloc(n * sizeof *born);
    uint32_t *live = malloc(n * sizeof *live);  /* live slots */
    uint32_t *pos = malloc(n * sizeof *pos);    /* slot -> index in live */
    if (!born || !live || !pos) {
        free(born);
        free(live);
        free(pos);
        return -1;
    }
    size_t n_live = 0;
    for (size_t i = 0; i < w->n_records; i++) {
        const struct pb_event *e = &w->events[i];
        if (e->op == PB_OP_ALLOC) {
            born[e->slot] = i;
            pos[e->slot] = (uint32_t)n_live;
            live[n_live++] = e->slot;
        } else if (e->op == PB_OP_FREE) {
            lt->counts[pb_bucket_of(i - born[e->slot])]++;
            uint32_t last = live[--n_live];
            live[pos[e->slot]] = last;
            pos[last] = pos[e->slot];
        } else if (e->op == PB_OP_RESET) {
            while (n_live)
                lt->counts[pb_bucket_of(i - born[live[--n_live]])]++;
        }
    }
    lt->unfreed = n_live;
    free(born);
    free(live);
    free(pos);
    return 0;
}

static void add_u64(cJSON *o, const char *key, uint64_t v)
{
    cJSON_AddNumberToObject(o, key, (double)v);
}

static void add_str_or_null(cJSON *o, const char *key, const char *s)
{
    if (s && *s)
        cJSON_AddStringToObject(o, key, s);
    else
        cJSON_AddNullToObject(o, key);
}

cJSON *pb_workload_to_json(const struct pb_workload *w)
{
    uint64_t sizes[N_BUCKETS] = {0};
    struct lifetimes *lt = calloc(1, sizeof *lt);
    cJSON *o = cJSON_CreateObject();
    if (!lt || !o || compute_lifetimes(w, lt)) {
        free(lt);
        cJSON_Delete(o);
        return NULL;
    }
    for (size_t i = 0; i < w->n_records; i++)
        if (w->events[i].op == PB_OP_ALLOC)
            sizes[pb_bucket_of(w->events[i].size)]++;
    const struct pb_workload_figures *f = &w->fig;
    cJSON_AddStringToObject(o, "name", w->name);
    cJSON_AddStringToObject(o, "source", w->source[0] ? w->source : "trace");
    add_str_or_null(o, "path", w->path);
    add_str_or_null(o, "sha256", w->sha256);
    if (w->params)
        cJSON_AddStringToObject(o, "params", w->params);
    add_u64(o, "events", f->events);
    add_u64(o, "allocs", f->allocs);
    add_u64(o, "frees", f->frees);
    add_u64(o, "reallocs", f->reallocs);
    add_u64(o, "resets", f->resets);
    add_u64(o, "peak_live_bytes", f->peak_live_bytes);
    add_u64(o, "peak_live_blocks", f->peak_live_blocks);
    add_u64(o, "live_blocks_at_end", f->live_blocks_at_end);
    add_u64(o, "live_bytes_at_end", f->live_bytes_at_end);
    add_u64(o, "total_requested_bytes", f->total_requested_bytes);
    add_u64(o, "threads", f->threads);
    add_u64(o, "cross_thread_frees", f->cross_thread_frees);
    add_u64(o, "cross_thread_reallocs", f->cross_thread_reallocs);
    add_u64(o, "longest_chain", f->longest_chain);
    cJSON *sh = histogram(sizes);
    cJSON *lh = cJSON_CreateObject();
    cJSON *lb = histogram(lt->counts);
    if (!sh || !lh || !lb) {
        cJSON_Delete(sh);
        cJSON_Delete(lh);
        cJSON_Delete(lb);
        cJSON_Delete(o);
        free(lt);
        return NULL;
    }
    cJSON_AddItemToObject(o, "size_histogram", sh);
    cJSON_AddItemToObject(lh, "buckets", lb);
    add_u64(lh, "unfreed", lt->unfreed);
    cJSON_AddItemToObject(o, "lifetime_histogram", lh);
    free(lt);
    return o;
}
