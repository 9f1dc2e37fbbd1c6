/*
 * gen_frames.c -- frames: each of `frames` frames allocates `objects`
 * blocks of sizes drawn uniformly from [min, max], then resets (`x`), as a
 * game loop or a request handler with a per-frame arena does. No individual
 * frees. The arena's home ground: resets = frames, peak_live_blocks = objects.
 */
#include "pb_gen_util.h"

#include <inttypes.h>
#include <stdio.h>

static const struct pb_param_desc frames_params[] = {
    {"frames", PB_PARAM_UINT, "1000", 0, 100000000, NULL, "frames, each ended by a reset (x)"},
    {"objects", PB_PARAM_UINT, "200", 0, 100000000, NULL, "blocks allocated per frame"},
    {"min", PB_PARAM_UINT, "16", 0, PB_MAX_SIZE, NULL, "smallest block size, bytes"},
    {"max", PB_PARAM_UINT, "256", 0, PB_MAX_SIZE, NULL, "largest block size, bytes"},
    {"align", PB_PARAM_ALIGN, "16", 0, 0, NULL, "alignment of every block"},
    {"seed", PB_PARAM_UINT, "1", 0, UINT64_MAX, NULL, "PRNG seed"},
    {NULL, 0, NULL, 0, 0, NULL, NULL},
};

static int frames_check(struct pb_gen_args *a, char *err, size_t errlen)
{
    uint64_t min = pb_gen_uint(a, "min"), max = pb_gen_uint(a, "max");
    if (min > max) {
        snprintf(err, errlen, "frames: min=%" PRIu64 " is larger than max=%" PRIu64, min, max);
        return -1;
    }
    return 0;
}

static int frames_build(const struct pb_gen_args *a, struct pb_builder *b, char *err,
                        size_t errlen)
{
    uint64_t frames = pb_gen_uint(a, "frames"), objects = pb_gen_uint(a, "objects");
    struct pb_size_dist d = {.kind = PB_SIZES_UNIFORM,
                             .min = pb_gen_uint(a, "min"),
                             .max = pb_gen_uint(a, "max")};
    unsigned align = pb_log2_u64(pb_gen_uint(a, "align"));
    struct pb_gen_ctx g;
    if (pb_gen_ctx_init(&g, a, b, (size_t)objects, err, errlen) != 0)
        return -1;
    int rc = 0;
    for (uint64_t f = 0; rc == 0 && f < frames; f++) {
        for (uint64_t i = 0; rc == 0 && i < objects; i++)
            rc = pb_gen_alloc(&g, &g.live, pb_size_draw(&d, &g.rng), align, NULL);
        if (rc == 0)
            rc = pb_gen_reset(&g);
    }
    pb_gen_ctx_free(&g);
    return rc;
}

/* Exact: frames x (objects + 1 reset) events, objects blocks of at most max bytes. */
static void frames_estimate(const struct pb_gen_args *a, const struct pb_gen_limits *l,
                            struct pb_gen_estimate *e)
{
    (void)l;
    uint64_t frames = pb_gen_uint(a, "frames"), objects = pb_gen_uint(a, "objects");
    uint64_t max = pb_gen_uint(a, "max");
    e->records = pb_sat_mul(frames, pb_sat_add(objects, 1));
    e->live_blocks = frames ? objects : 0;
    e->live_bytes = pb_sat_mul(e->live_blocks, max);
    snprintf(e->records_why, sizeof e->records_why, "frames=%" PRIu64 " x objects=%" PRIu64,
             frames, objects);
    snprintf(e->bytes_why, sizeof e->bytes_why, "objects=%" PRIu64 " x max=%" PRIu64,
             e->live_blocks, max);
}

const struct pb_generator pb_gen_frames = {
    .name = "frames",
    .description = "F frames of N allocations, each ended by a reset x (arena's home ground)",
    .params = frames_params,
    .check = frames_check,
    .build = frames_build,
    .estimate = frames_estimate,
};
