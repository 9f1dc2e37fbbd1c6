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
#include "results_fields.h"

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
        cJSON_AddNumberToObject(b, PB_F_MIN, (double)pb_bucket_min(k));
        cJSON_AddNumberToObject(b, PB_F_MAX, (double)pb_bucket_max(k));
        cJSON_AddNumberToObject(b, PB_F_COUNT, (double)counts[k]);
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
    cJSON_AddStringToObject(o, PB_F_NAME, w->name);
    cJSON_AddStringToObject(o, PB_F_SOURCE, w->source[0] ? w->source : PB_F_TRACE);
    add_str_or_null(o, PB_F_PATH, w->path);
    add_str_or_null(o, PB_F_SHA256, w->sha256);
    if (w->params)
        cJSON_AddStringToObject(o, PB_F_PARAMS, w->params);
    add_u64(o, PB_F_EVENTS, f->events);
    add_u64(o, PB_F_ALLOCS, f->allocs);
    add_u64(o, PB_F_FREES, f->frees);
    add_u64(o, PB_F_REALLOCS, f->reallocs);
    add_u64(o, PB_F_RESETS, f->resets);
    add_u64(o, PB_F_PEAK_LIVE_BYTES, f->peak_live_bytes);
    add_u64(o, PB_F_PEAK_LIVE_BLOCKS, f->peak_live_blocks);
    add_u64(o, PB_F_LIVE_BLOCKS_AT_END, f->live_blocks_at_end);
    add_u64(o, PB_F_LIVE_BYTES_AT_END, f->live_bytes_at_end);
    add_u64(o, PB_F_TOTAL_REQUESTED_BYTES, f->total_requested_bytes);
    add_u64(o, PB_F_THREADS, f->threads);
    add_u64(o, PB_F_CROSS_THREAD_FREES, f->cross_thread_frees);
    add_u64(o, PB_F_CROSS_THREAD_REALLOCS, f->cross_thread_reallocs);
    add_u64(o, PB_F_LONGEST_CHAIN, f->longest_chain);
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
    cJSON_AddItemToObject(o, PB_F_SIZE_HISTOGRAM, sh);
    cJSON_AddItemToObject(lh, PB_F_BUCKETS, lb);
    add_u64(lh, PB_F_UNFREED, lt->unfreed);
    cJSON_AddItemToObject(o, PB_F_LIFETIME_HISTOGRAM, lh);
    free(lt);
    return o;
}
