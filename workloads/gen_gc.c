/*
 * gen_gc.c -- gc: the allocation pattern of a generational collector's
 * objects (the seed's "GC types"). `objects` small objects of `types` types
 * (type i has a fixed size spread evenly over min..max and the tag gc.Ti, so a
 * replay can give each type its own pool) are allocated into a nursery of
 * `young` objects. When the nursery is full a minor collection runs over it
 * in allocation order: each object is promoted to the old generation with
 * probability `promote`, else freed (one f event each, not an x). Every
 * `major` minor collections (0 = never) a major collection frees each old
 * object with probability 1 - survive. At the end the nursery, then the old
 * generation, are freed in allocation order: allocs = frees = objects.
 */
#include "pb_gen_util.h"

#include <inttypes.h>
#include <stdio.h>

static const struct pb_param_desc gc_params[] = {
    {"objects", PB_PARAM_UINT, "200000", 0, 1000000000, NULL, "objects allocated in all"},
    {"young", PB_PARAM_UINT, "1000", 1, 100000000, NULL, "nursery size in objects"},
    {"promote", PB_PARAM_FRACTION, "0.05", 0, 0, NULL, "share of nursery objects promoted"},
    {"major", PB_PARAM_UINT, "10", 0, 1000000000, NULL,
     "minor collections per major collection (0: never)"},
    {"survive", PB_PARAM_FRACTION, "0.5", 0, 0, NULL, "share of old objects a major one keeps"},
    {"types", PB_PARAM_UINT, "8", 1, 1000, NULL, "object types (sizes, tags gc.T0...)"},
    {"min", PB_PARAM_UINT, "16", 0, PB_MAX_SIZE, NULL, "size of the smallest type, bytes"},
    {"max", PB_PARAM_UINT, "128", 0, PB_MAX_SIZE, NULL, "size of the largest type, bytes"},
    {"seed", PB_PARAM_UINT, "1", 0, UINT64_MAX, NULL, "PRNG seed"},
    {NULL, 0, NULL, 0, 0, NULL, NULL},
};

static int gc_check(struct pb_gen_args *a, char *err, size_t errlen)
{
    uint64_t min = pb_gen_uint(a, "min"), max = pb_gen_uint(a, "max");
    if (min > max) {
        snprintf(err, errlen, "gc: min=%" PRIu64 " is larger than max=%" PRIu64, min, max);
        return -1;
    }
    return 0;
}

struct gc_state {
    struct pb_gen_ctx g;
    struct pb_gen_live old;   /* g.live is the nursery */
    double promote, survive;
};

/* Keep id in the old generation. */
static int gc_keep(struct gc_state *s, uint64_t id)
{
    if (pb_gen_live_push(&s->old, id) == 0)
        return 0;
    snprintf(s->g.err, s->g.errlen, "gc: out of memory");
    return -1;
}

/* Sweep the nursery: promote or free each object, oldest first. */
static int gc_minor(struct gc_state *s)
{
    while (s->g.live.n > 0) {
        uint64_t id = pb_gen_live_pop_oldest(&s->g.live);
        int rc = pb_rng_unit(&s->g.rng) < s->promote
                     ? gc_keep(s, id)
                     : pb_gen_free(&s->g, id);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* Sweep the old generation: keep each object with probability survive. */
static int gc_major(struct gc_state *s)
{
    for (size_t n = s->old.n; n > 0; n--) {
        uint64_t id = pb_gen_live_pop_oldest(&s->old);
        int rc = pb_rng_unit(&s->g.rng) < s->survive
                     ? gc_keep(s, id)
                     : pb_gen_free(&s->g, id);
        if (rc != 0)
            return -1;
    }
    return 0;
}

static int gc_run(struct gc_state *s, const struct pb_gen_args *a)
{
    uint64_t objects = pb_gen_uint(a, "objects"), young = pb_gen_uint(a, "young");
    uint64_t major = pb_gen_uint(a, "major"), types = pb_gen_uint(a, "types");
    uint64_t min = pb_gen_uint(a, "min"), max = pb_gen_uint(a, "max");
    uint64_t minors = 0;
    char tag[32];
    for (uint64_t i = 0; i < objects; i++) {
        if (s->g.live.n == young) {
            if (gc_minor(s) != 0)
                return -1;
            if (major && ++minors % major == 0 && gc_major(s) != 0)
                return -1;
        }
        uint64_t t = pb_rng_below(&s->g.rng, types);
        uint64_t size = types == 1 ? min : min + (max - min) * t / (types - 1);
        snprintf(tag, sizeof tag, "gc.T%" PRIu64, t);
        if (pb_gen_alloc(&s->g, &s->g.live, size, PB_DEFAULT_ALIGN_LOG2, tag) != 0)
            return -1;
    }
    if (pb_gen_free_all(&s->g, &s->g.live, PB_FREE_FIFO) != 0)
        return -1;
    return pb_gen_free_all(&s->g, &s->old, PB_FREE_FIFO);
}

static int gc_build(const struct pb_gen_args *a, struct pb_builder *b, char *err, size_t errlen)
{
    struct gc_state s;
    s.promote = pb_gen_fraction(a, "promote");
    s.survive = pb_gen_fraction(a, "survive");
    if (pb_gen_ctx_init(&s.g, a, b, (size_t)pb_gen_uint(a, "young"), err, errlen) != 0)
        return -1;
    if (pb_gen_live_init(&s.old, 1024) != 0) {
        pb_gen_ctx_free(&s.g);
        snprintf(err, errlen, "gc: out of memory");
        return -1;
    }
    int rc = gc_run(&s, a);
    pb_gen_live_free(&s.old);
    pb_gen_ctx_free(&s.g);
    return rc;
}

/* The peak live count, exactly: gc_run's walk with the same draws from the
 * same PRNG, counting blocks instead of keeping them (time in proportion to
 * the events, no memory). */
static uint64_t gc_peak_blocks(const struct pb_gen_args *a)
{
    uint64_t objects = pb_gen_uint(a, "objects"), young = pb_gen_uint(a, "young");
    uint64_t major = pb_gen_uint(a, "major"), types = pb_gen_uint(a, "types");
    double promote = pb_gen_fraction(a, "promote"), survive = pb_gen_fraction(a, "survive");
    uint64_t nursery = 0, old = 0, peak = 0, minors = 0;
    struct pb_rng r;
    pb_rng_seed(&r, pb_gen_uint(a, "seed"));
    for (uint64_t i = 0; i < objects; i++) {
        if (nursery == young) {
            for (; nursery > 0; nursery--)
                old += pb_rng_unit(&r) < promote;
            if (major && ++minors % major == 0) {
                uint64_t kept = 0;
                for (uint64_t k = 0; k < old; k++)
                    kept += pb_rng_unit(&r) < survive;
                old = kept;
            }
        }
        (void)pb_rng_below(&r, types);
        nursery++;
        if (nursery + old > peak)
            peak = nursery + old;
    }
    return peak;
}

/* 2 x objects events exactly; blocks of at most max bytes; at most objects
 * blocks live (young without promotions). That bound is loose (old objects
 * die too), so when it is beyond the live-bytes limit the peak is counted
 * instead, provided the events are within theirs (the count takes time in
 * proportion to them). */
static void gc_estimate(const struct pb_gen_args *a, const struct pb_gen_limits *l,
                        struct pb_gen_estimate *e)
{
    uint64_t objects = pb_gen_uint(a, "objects"), young = pb_gen_uint(a, "young");
    uint64_t max = pb_gen_uint(a, "max");
    int promotes = pb_gen_fraction(a, "promote") > 0.0;
    e->records = pb_sat_mul(2, objects);
    e->live_blocks = promotes || objects < young ? objects : young;
    e->live_bytes = pb_sat_mul(e->live_blocks, max);
    if (e->live_bytes > l->max_live_bytes && e->records <= l->max_events) {
        e->live_blocks = gc_peak_blocks(a);
        e->live_bytes = pb_sat_mul(e->live_blocks, max);
    }
    snprintf(e->records_why, sizeof e->records_why, "2 x objects=%" PRIu64, objects);
    snprintf(e->bytes_why, sizeof e->bytes_why,
             "%" PRIu64 " blocks at the peak (of objects=%" PRIu64 ") x max=%" PRIu64,
             e->live_blocks, objects, max);
}

const struct pb_generator pb_gen_gc = {
    .name = "gc",
    .description = "generational: short-lived small typed objects, a few promoted to old",
    .params = gc_params,
    .check = gc_check,
    .build = gc_build,
    .estimate = gc_estimate,
};
