/*
 * pb_gen_util.h -- the pieces the generators share: a seeded PRNG, a set of
 * live block IDs, size distributions, and a context that forwards events to
 * the builder. Internal to workloads/gen_*.c and their tests.
 */
#ifndef PB_GEN_UTIL_H
#define PB_GEN_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "pb_generators.h"
#include "pb_workload.h"

/* xoshiro256** state, seeded through splitmix64: same seed, same stream. */
struct pb_rng {
    uint64_t s[4];
};

/* Seed r from one 64-bit number (any value, 0 included). */
void pb_rng_seed(struct pb_rng *r, uint64_t seed);

/* The next 64 random bits. */
uint64_t pb_rng_next(struct pb_rng *r);

/* A uniform integer in [0, n), without modulo bias; 0 when n is 0. */
uint64_t pb_rng_below(struct pb_rng *r, uint64_t n);

/* A uniform real in [0, 1) with 53 random bits. */
double pb_rng_unit(struct pb_rng *r);

/* Live block IDs in allocation order (a growable ring), with O(1) removal at
 * either end or at a random position (the newest moves into the hole). */
struct pb_gen_live {
    uint64_t *ring;    /* cap entries; live IDs from head, n of them */
    size_t cap, head, n;
};

/* An empty set with room for cap_hint IDs; 0, or -1 when out of memory. */
int pb_gen_live_init(struct pb_gen_live *l, size_t cap_hint);
void pb_gen_live_free(struct pb_gen_live *l);

/* Append id as the newest; -1 when out of memory. */
int pb_gen_live_push(struct pb_gen_live *l, uint64_t id);

/* The i-th oldest ID (i < n). */
uint64_t pb_gen_live_at(const struct pb_gen_live *l, size_t i);

/* Remove and return the newest, the oldest, or the i-th oldest (i < n). */
uint64_t pb_gen_live_pop_newest(struct pb_gen_live *l);
uint64_t pb_gen_live_pop_oldest(struct pb_gen_live *l);
uint64_t pb_gen_live_take(struct pb_gen_live *l, size_t i);

/* Block IDs handed out: released IDs are reused (LIFO), so IDs stay below
 * the peak number of live blocks and the trace stays short. */
struct pb_gen_ids {
    uint64_t *spare;
    size_t n, cap;
    uint64_t next;     /* first ID never handed out */
};

/* A size distribution: a weighted list, or a range, uniform or with
 * probability proportional to 1/size^2 (glibc bench-malloc-thread's shape). */
enum pb_size_kind { PB_SIZES_UNIFORM, PB_SIZES_INVSQUARE, PB_SIZES_LIST };
struct pb_size_dist {
    enum pb_size_kind kind;
    uint64_t min, max;                   /* range kinds */
    size_t n;                            /* list: entries */
    uint64_t size[PB_GEN_MAX_SIZES];
    uint64_t cum[PB_GEN_MAX_SIZES];      /* list: running sum of weights */
};

/* Parse "16x4+32x2+128" (weight 1 when omitted) into d as a list; 0 or -1 and err. */
int pb_size_list_parse(const char *text, struct pb_size_dist *d, char *err, size_t errlen);

/* Write d's list in canonical form ("16x4+32x2+128x1"). */
void pb_size_list_format(const struct pb_size_dist *d, char *buf, size_t len);

/* The distribution given by a generator's dist/min/max/sizes parameters
 * (validated by pb_size_dist_check). */
void pb_size_dist_from_args(const struct pb_gen_args *a, struct pb_size_dist *d);

/* Shared check hook part for dist/min/max/sizes: giving sizes implies
 * dist=list; min <= max; invsquare needs min >= 1. */
int pb_size_dist_check(struct pb_gen_args *a, char *err, size_t errlen);

/* Draw one size. */
uint64_t pb_size_draw(const struct pb_size_dist *d, struct pb_rng *r);

/* The largest size d can draw (for the estimates). */
uint64_t pb_size_dist_max(const struct pb_size_dist *d);

/* a + b and a * b, saturating at UINT64_MAX instead of wrapping (estimates of
 * what huge parameters would make must not overflow into small numbers). */
uint64_t pb_sat_add(uint64_t a, uint64_t b);
uint64_t pb_sat_mul(uint64_t a, uint64_t b);

/* What a generator's build carries: the builder, the PRNG, the IDs, the
 * main live set and where errors go. The emit functions forward one event
 * each; -1 and err when the builder refuses (or runs out of memory). */
struct pb_gen_ctx {
    struct pb_builder *b;
    struct pb_rng rng;
    struct pb_gen_ids ids;
    struct pb_gen_live live;
    char *err;
    size_t errlen;
};

/* Set up ctx (seeded from the args' seed, live set sized for cap_hint). */
int pb_gen_ctx_init(struct pb_gen_ctx *g, const struct pb_gen_args *a, struct pb_builder *b,
                    size_t cap_hint, char *err, size_t errlen);
void pb_gen_ctx_free(struct pb_gen_ctx *g);

/* Allocate a block with a new ID and push it as the newest of `into`; tag may be NULL. */
int pb_gen_alloc(struct pb_gen_ctx *g, struct pb_gen_live *into, uint64_t size,
                 unsigned align_log2, const char *tag);
/* Free a block already removed from its live set; its ID becomes reusable. */
int pb_gen_free(struct pb_gen_ctx *g, uint64_t id);
/* Resize a live block. */
int pb_gen_realloc(struct pb_gen_ctx *g, uint64_t id, uint64_t size);
/* `x`: free every live block; empties g->live and makes every ID reusable
 * (a generator using other live sets must only reset when they are empty). */
int pb_gen_reset(struct pb_gen_ctx *g);

/* How pb_gen_free_all orders its frees. */
enum pb_free_order { PB_FREE_FIFO, PB_FREE_LIFO, PB_FREE_RANDOM };

/* Free every block of l: oldest first, newest first or at random. */
int pb_gen_free_all(struct pb_gen_ctx *g, struct pb_gen_live *l, enum pb_free_order order);

/* Remove one block of l in the given order (l not empty). */
uint64_t pb_gen_live_pick(struct pb_gen_ctx *g, struct pb_gen_live *l, enum pb_free_order order);

/* log2 of a power of two. */
unsigned pb_log2_u64(uint64_t v);

#endif /* PB_GEN_UTIL_H */
