/*
 * gen_ramp.c -- ramp: grow to `peak` live blocks, free a random share of
 * them leaving round(peak * keep) survivors scattered among the freed holes,
 * grow back to the peak, and so on for `rounds` rounds; after the last round
 * the survivors are freed too. The fragmentation and page-waste stress case:
 * the survivors pin pages (and pool slabs) that hold little live data.
 * peak_live_blocks = peak; allocs = peak + (rounds - 1) * (peak - survivors).
 */
#include "pb_gen_util.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>

static const struct pb_param_desc ramp_params[] = {
    {"peak", PB_PARAM_UINT, "50000", 1, 100000000, NULL, "live blocks at the top of each round"},
    {"rounds", PB_PARAM_UINT, "4", 1, 1000000, NULL, "grow-then-free rounds"},
    {"keep", PB_PARAM_FRACTION, "0.1", 0, 0, NULL, "share of the peak that survives each round"},
    {"dist", PB_PARAM_CHOICE, "uniform", 0, 0, "uniform|invsquare|list",
     "size distribution: over min..max, or the sizes list"},
    {"min", PB_PARAM_UINT, "16", 0, PB_MAX_SIZE, NULL, "smallest size, bytes (uniform, invsquare)"},
    {"max", PB_PARAM_UINT, "1024", 0, PB_MAX_SIZE, NULL, "largest size, bytes (uniform, invsquare)"},
    {"sizes", PB_PARAM_SIZES, "16x4+32x2+128x1", 0, 0, NULL,
     "dist=list: SIZExWEIGHT+... (giving it implies dist=list)"},
    {"seed", PB_PARAM_UINT, "1", 0, UINT64_MAX, NULL, "PRNG seed"},
    {NULL, 0, NULL, 0, 0, NULL, NULL},
};

/* The blocks that survive each round's frees. */
static uint64_t ramp_survivors(const struct pb_gen_args *a)
{
    return (uint64_t)llround((double)pb_gen_uint(a, "peak") * pb_gen_fraction(a, "keep"));
}

static int ramp_build(const struct pb_gen_args *a, struct pb_builder *b, char *err,
                      size_t errlen)
{
    uint64_t peak = pb_gen_uint(a, "peak"), rounds = pb_gen_uint(a, "rounds");
    uint64_t survivors = ramp_survivors(a);
    struct pb_size_dist d;
    pb_size_dist_from_args(a, &d);
    struct pb_gen_ctx g;
    if (pb_gen_ctx_init(&g, a, b, (size_t)peak, err, errlen) != 0)
        return -1;
    int rc = 0;
    for (uint64_t r = 0; rc == 0 && r < rounds; r++) {
        while (rc == 0 && g.live.n < peak)
            rc = pb_gen_alloc(&g, &g.live, pb_size_draw(&d, &g.rng), PB_DEFAULT_ALIGN_LOG2,
                              NULL);
        while (rc == 0 && g.live.n > survivors)
            rc = pb_gen_free(&g, pb_gen_live_pick(&g, &g.live, PB_FREE_RANDOM));
    }
    if (rc == 0)
        rc = pb_gen_free_all(&g, &g.live, PB_FREE_RANDOM);
    pb_gen_ctx_free(&g);
    return rc;
}

/* Exact: 2 x allocs events, allocs = peak + (rounds - 1) x (peak - survivors);
 * peak blocks of at most the distribution's largest size. */
static void ramp_estimate(const struct pb_gen_args *a, const struct pb_gen_limits *l,
                          struct pb_gen_estimate *e)
{
    (void)l;
    uint64_t peak = pb_gen_uint(a, "peak"), rounds = pb_gen_uint(a, "rounds");
    uint64_t regrow = peak - ramp_survivors(a); /* keep <= 1: survivors <= peak */
    struct pb_size_dist d;
    pb_size_dist_from_args(a, &d);
    uint64_t max = pb_size_dist_max(&d);
    e->records = pb_sat_mul(2, pb_sat_add(peak, pb_sat_mul(rounds - 1, regrow)));
    e->live_blocks = peak;
    e->live_bytes = pb_sat_mul(peak, max);
    snprintf(e->records_why, sizeof e->records_why,
             "peak=%" PRIu64 " and rounds=%" PRIu64 " (%" PRIu64 " blocks regrown a round)", peak,
             rounds, regrow);
    snprintf(e->bytes_why, sizeof e->bytes_why, "peak=%" PRIu64 " x the largest size %" PRIu64,
             peak, max);
}

const struct pb_generator pb_gen_ramp = {
    .name = "ramp",
    .description = "grow to a peak, free all but 10% scattered, regrow: page waste",
    .params = ramp_params,
    .check = pb_size_dist_check,
    .build = ramp_build,
    .estimate = ramp_estimate,
};
