/*
 * pools_classes.h -- the size classes of the pools family: the class list
 * (option `classes`), its parser, each class's alignment and the size ->
 * class table. Shared by pools.c (the backend) and preload/pools_preload.c
 * (libpoolbench-pools.so), so both route a size the same way. Nothing here
 * allocates: the caller owns every array. Internal to allocators/ and the
 * preload library.
 */
#ifndef PB_POOLS_CLASSES_H
#define PB_POOLS_CLASSES_H

#include <stddef.h>
#include <stdint.h>

/* Most size classes one list holds (a class number fits a byte). */
#define PB_POOLS_MAX_CLASSES 255

/* Largest class size and largest alignment a class serves. */
#define PB_POOLS_MAX_CLASS ((size_t)1 << 20)
#define PB_POOLS_MAX_ALIGN 4096

/* The default list: jemalloc's small classes from 16 to 3584, four per doubling. */
#define PB_POOLS_DEFAULT_CLASSES                                                               \
    "16/32/48/64/80/96/112/128/160/192/224/256/320/384/448/512/640/768/896/1024/1280/1536/"   \
    "1792/2048/2560/3072/3584"

/* The route of a class list: ceil(size / 2^qshift) indexes a byte table. */
struct pb_pools_route {
    unsigned qshift; /* log2 of the quantum, the largest power of two dividing every class */
    size_t qmask;    /* quantum - 1 */
    size_t entries;  /* table length: max_class / quantum + 1 */
};

/* Parse "16/32/..." (ascending, each 8 bytes to PB_POOLS_MAX_CLASS, at most
 * PB_POOLS_MAX_CLASSES) into sizes[]; the count, or 0 and why in err
 * (prefixed with who). */
size_t pb_pools_parse_classes(const char *who, const char *text, size_t *sizes, char *err,
                              size_t errlen);

/* Alignment class size serves: its lowest set bit, capped at PB_POOLS_MAX_ALIGN
 * (chunks sit at multiples of their size in page-aligned slabs). */
size_t pb_pools_class_align(size_t size);

/* The route's quantum and table length for sizes[0..n) (n >= 1). */
struct pb_pools_route pb_pools_route_of(const size_t *sizes, size_t n);

/* Fill table[0..r->entries): entry j is the smallest class >= j * quantum. */
void pb_pools_route_fill(const struct pb_pools_route *r, const size_t *sizes, size_t n,
                         uint8_t *table);

#endif /* PB_POOLS_CLASSES_H */
