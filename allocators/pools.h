/*
 * pools.h -- the size-class allocator of pools.c, embeddable: pool_tag.c
 * sends its untagged blocks here. Internal to allocators/. See pools.c for
 * the invariants and costs.
 */
#ifndef PB_POOLS_H
#define PB_POOLS_H

#include "pool_core.h"
#include "pool_small.h"
#include "pools_classes.h"
#include "sysblocks.h"

#include <stddef.h>
#include <stdint.h>

/* Size classes, each a pool core; the rest to malloc / aligned_alloc. */
struct pb_pools {
    /* hot: touched by every alloc and free */
    const uint8_t *route;       /* (size + qmask) >> qshift -> class number */
    unsigned qshift;            /* log2 of the quantum dividing every class size */
    size_t qmask;               /* quantum - 1 */
    size_t max_class;           /* largest class size; larger requests go to the system */
    struct pb_pool_core *cls;   /* one core per class, ascending sizes */
    size_t slow_frees;          /* non-zero sends free to the slow path: live over-aligned
                                   system blocks, plus one in return mode */

    /* cold */
    struct pb_small_core *small; /* return=N: the classes run on these instead of cls */
    size_t sys_small_live;      /* live system blocks of a class size (over-aligned) */
    size_t n_classes;
    uint8_t *route_table;       /* owns route */
    uint64_t *retired;          /* per class: blocks released by free_all */
    size_t slab_size;
    size_t slab_bytes;          /* sum of the cores' footprints */
    size_t footprint;           /* slab_bytes + usable bytes of live system blocks */
    size_t peak_footprint;
    struct pb_sysblocks sys;
    uint64_t sys_allocs, sys_frees, sys_small_allocs;
    uint64_t null_frees, free_alls, failures;
    char err[PB_ERR_MAX];
};

/* The options pools takes (classes, slab), for a backend that embeds it. */
extern const struct pb_option_desc pb_pools_options[];

/* Set up from opts (keys classes and slab, others ignored); -1 and why. */
int pb_pools_init(struct pb_pools *ps, const struct pb_option *opts, size_t n, char *err,
                  size_t errlen);

/* alloc / free / free_all of the backend, on an embedded instance. */
void *pb_pools_alloc(void *self, size_t size, size_t align);
int pb_pools_free(void *self, void *ptr, size_t size);
void pb_pools_free_all(void *self);

/* Figures: the whole instance, per-class rows (plus one system row), mappings. */
void pb_pools_stats(void *self, struct pb_backend_stats *out);
size_t pb_pools_class_stats(void *self, struct pb_class_stats *out, size_t max);
int pb_pools_mappings(void *self, pb_mapping_fn fn, void *ctx);
size_t pb_pools_config(void *self, struct pb_config_entry *out, size_t max);

/* The check op: route table, each class's core (pool_core or, return=N,
 * pool_small checks), the system-block set and the byte counts. */
int pb_pools_check(void *self, char *msg, size_t len);

/* Unmap and free everything the instance holds (not the struct itself). */
void pb_pools_release(struct pb_pools *ps);

#endif /* PB_POOLS_H */
