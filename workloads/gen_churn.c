/*
 * gen_churn.c -- churn: one size, a working set of `live` blocks, then
 * `pairs` free+alloc pairs, then every block freed (live_blocks_at_end = 0).
 * The victim of each free is the newest (lifo, or order=newest), the oldest
 * (fifo, oldest) or a live block picked from the seed (random, any); the
 * final frees use the same order. The pool's home ground:
 * peak_live_blocks = live and peak_live_bytes = live * size exactly.
 */
#include "pb_gen_util.h"

#include <inttypes.h>
#include <stdio.h>

static const struct pb_param_desc churn_params[] = {
    {"size", PB_PARAM_UINT, "64", 0, PB_MAX_SIZE, NULL, "bytes of every block"},
    {"live", PB_PARAM_UINT, "1000", 1, 100000000, NULL, "blocks allocated first and kept live"},
    {"pairs", PB_PARAM_UINT, "200000", 0, 1000000000, NULL, "free+alloc pairs after that"},
    {"order", PB_PARAM_CHOICE, "random", 0, 0,
     "lifo|fifo|random|newest=lifo|oldest=fifo|any=random",
     "which live block each free takes: lifo (or newest), fifo (oldest), random (any, from seed)"},
    {"align", PB_PARAM_ALIGN, "16", 0, 0, NULL, "alignment of every block"},
    {"seed", PB_PARAM_UINT, "1", 0, UINT64_MAX, NULL, "PRNG seed (order=random)"},
    {NULL, 0, NULL, 0, 0, NULL, NULL},
};

static const enum pb_free_order churn_orders[] = {PB_FREE_LIFO, PB_FREE_FIFO, PB_FREE_RANDOM};

static int churn_build(const struct pb_gen_args *a, struct pb_builder *b, char *err,
                       size_t errlen)
{
    uint64_t size = pb_gen_uint(a, "size"), live = pb_gen_uint(a, "live");
    uint64_t pairs = pb_gen_uint(a, "pairs");
    enum pb_free_order order = churn_orders[pb_gen_uint(a, "order")];
    unsigned align = pb_log2_u64(pb_gen_uint(a, "align"));
    struct pb_gen_ctx g;
    if (pb_gen_ctx_init(&g, a, b, (size_t)live, err, errlen) != 0)
        return -1;
    int rc = 0;
    for (uint64_t i = 0; rc == 0 && i < live; i++)
        rc = pb_gen_alloc(&g, &g.live, size, align, NULL);
    for (uint64_t i = 0; rc == 0 && i < pairs; i++) {
        rc = pb_gen_free(&g, pb_gen_live_pick(&g, &g.live, order));
        if (rc == 0)
            rc = pb_gen_alloc(&g, &g.live, size, align, NULL);
    }
    if (rc == 0)
        rc = pb_gen_free_all(&g, &g.live, order);
    pb_gen_ctx_free(&g);
    return rc;
}

/* Exact: 2 x (live + pairs) events, live blocks of size bytes. */
static void churn_estimate(const struct pb_gen_args *a, const struct pb_gen_limits *l,
                           struct pb_gen_estimate *e)
{
    (void)l;
    uint64_t size = pb_gen_uint(a, "size"), live = pb_gen_uint(a, "live");
    uint64_t pairs = pb_gen_uint(a, "pairs");
    e->records = pb_sat_mul(2, pb_sat_add(live, pairs));
    e->live_blocks = live;
    e->live_bytes = pb_sat_mul(live, size);
    snprintf(e->records_why, sizeof e->records_why, "2 x (live=%" PRIu64 " + pairs=%" PRIu64 ")",
             live, pairs);
    snprintf(e->bytes_why, sizeof e->bytes_why, "live=%" PRIu64 " x size=%" PRIu64, live, size);
}

const struct pb_generator pb_gen_churn = {
    .name = "churn",
    .description = "one size, a live set of N blocks, M free+alloc pairs (pool's home ground)",
    .params = churn_params,
    .check = NULL,
    .build = churn_build,
    .estimate = churn_estimate,
};
