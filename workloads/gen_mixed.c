/*
 * gen_mixed.c -- mixed: sizes from a distribution (a weighted list, or a
 * min..max range, uniform or inverse-square as glibc's bench-malloc-thread
 * draws them) and random lifetimes around a target live count.
 *
 * Each of `ops` steps is one event: with probability `realloc` (when a block
 * is live) a random live block is resized to a fresh size; otherwise a new
 * block is allocated with probability live_target / (live_target + live) and
 * a random live block is freed otherwise, so the live count drifts around
 * live_target. Every block still live after the last step is freed, in random
 * order: events = ops + (blocks live at that point).
 *
 * The live count never exceeds 2 x live_target + 128: at that cap a step frees
 * instead of drawing. The walk stays near the target: the cap is at least 10^69
 * times less likely than the most likely count, for every target (the walk's
 * stationary distribution), so in 10^9 steps it is reached with a chance
 * below 10^-60. The cap changes no workload one can make in practice, but it
 * turns the estimate into a bound that holds for every seed.
 */
#include "pb_gen_util.h"

#include <inttypes.h>
#include <stdio.h>

static const struct pb_param_desc mixed_params[] = {
    {"live", PB_PARAM_UINT, "1000", 1, 100000000, NULL, "live blocks the workload hovers around"},
    {"ops", PB_PARAM_UINT, "300000", 0, 1000000000, NULL, "alloc, free or realloc steps"},
    {"dist", PB_PARAM_CHOICE, "invsquare", 0, 0, "uniform|invsquare|list",
     "size distribution: over min..max, or the sizes list"},
    {"min", PB_PARAM_UINT, "16", 0, PB_MAX_SIZE, NULL, "smallest size, bytes (uniform, invsquare)"},
    {"max", PB_PARAM_UINT, "4096", 0, PB_MAX_SIZE, NULL, "largest size, bytes (uniform, invsquare)"},
    {"sizes", PB_PARAM_SIZES, "16x4+32x2+128x1", 0, 0, NULL,
     "dist=list: SIZExWEIGHT+... (giving it implies dist=list)"},
    {"realloc", PB_PARAM_FRACTION, "0.05", 0, 0, NULL, "fraction of steps that resize a block"},
    {"seed", PB_PARAM_UINT, "1", 0, UINT64_MAX, NULL, "PRNG seed"},
    {NULL, 0, NULL, 0, 0, NULL, NULL},
};

/* Most blocks live at once for a target (see the top of the file). */
static uint64_t mixed_cap(uint64_t target)
{
    return 2 * target + 128;
}

/* One step: resize, allocate or free. */
static int mixed_step(struct pb_gen_ctx *g, const struct pb_size_dist *d, uint64_t target,
                      double p_realloc)
{
    uint64_t live = g->live.n;
    if (live > 0 && pb_rng_unit(&g->rng) < p_realloc) {
        uint64_t id = pb_gen_live_at(&g->live, (size_t)pb_rng_below(&g->rng, live));
        return pb_gen_realloc(g, id, pb_size_draw(d, &g->rng));
    }
    if (live == 0 ||
        (live < mixed_cap(target) && pb_rng_below(&g->rng, target + live) < target))
        return pb_gen_alloc(g, &g->live, pb_size_draw(d, &g->rng), PB_DEFAULT_ALIGN_LOG2, NULL);
    return pb_gen_free(g, pb_gen_live_pick(g, &g->live, PB_FREE_RANDOM));
}

static int mixed_build(const struct pb_gen_args *a, struct pb_builder *b, char *err,
                       size_t errlen)
{
    uint64_t target = pb_gen_uint(a, "live"), ops = pb_gen_uint(a, "ops");
    double p_realloc = pb_gen_fraction(a, "realloc");
    struct pb_size_dist d;
    pb_size_dist_from_args(a, &d);
    struct pb_gen_ctx g;
    if (pb_gen_ctx_init(&g, a, b, (size_t)target * 2, err, errlen) != 0)
        return -1;
    int rc = 0;
    for (uint64_t i = 0; rc == 0 && i < ops; i++)
        rc = mixed_step(&g, &d, target, p_realloc);
    if (rc == 0)
        rc = pb_gen_free_all(&g, &g.live, PB_FREE_RANDOM);
    pb_gen_ctx_free(&g);
    return rc;
}

/* A bound: at most min(ops, cap) blocks live, each of at most the largest size;
 * ops steps and then a free for each block still live. */
static void mixed_estimate(const struct pb_gen_args *a, const struct pb_gen_limits *l,
                           struct pb_gen_estimate *e)
{
    (void)l;
    uint64_t target = pb_gen_uint(a, "live"), ops = pb_gen_uint(a, "ops");
    uint64_t cap = mixed_cap(target);
    struct pb_size_dist d;
    pb_size_dist_from_args(a, &d);
    uint64_t max = pb_size_dist_max(&d);
    e->live_blocks = ops < cap ? ops : cap;
    e->records = pb_sat_add(ops, e->live_blocks);
    e->live_bytes = pb_sat_mul(e->live_blocks, max);
    snprintf(e->records_why, sizeof e->records_why, "ops=%" PRIu64, ops);
    snprintf(e->bytes_why, sizeof e->bytes_why,
             "live=%" PRIu64 " (at most %" PRIu64 " blocks) x the largest size %" PRIu64, target,
             e->live_blocks, max);
}

const struct pb_generator pb_gen_mixed = {
    .name = "mixed",
    .description = "sizes from a distribution, random lifetimes, some reallocs",
    .params = mixed_params,
    .check = pb_size_dist_check,
    .build = mixed_build,
    .estimate = mixed_estimate,
};
