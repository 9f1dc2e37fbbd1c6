/*
 * pools_preload.h -- the malloc API of libpoolbench-pools.so under its own
 * names (pools_preload.c). The library exports them as malloc, free, ...;
 * built with PB_PP_NO_INTERPOSE (the unit test) it exports nothing and the
 * test calls these directly. See docs/pools-preload.md.
 */
#ifndef PB_POOLS_PRELOAD_H
#define PB_POOLS_PRELOAD_H

#include <stddef.h>

/* malloc, free, calloc, realloc, reallocarray with glibc's contracts. */
void *pb_pp_malloc(size_t size);
void pb_pp_free(void *p);
void *pb_pp_calloc(size_t n, size_t size);
void *pb_pp_realloc(void *p, size_t size);
void *pb_pp_reallocarray(void *p, size_t n, size_t size);

/* memalign (and aligned_alloc): an alignment not a power of two is rounded up. */
void *pb_pp_memalign(size_t align, size_t size);

/* posix_memalign: EINVAL unless align is a power of two >= sizeof(void *). */
int pb_pp_posix_memalign(void **out, size_t align, size_t size);

/* valloc and pvalloc: page aligned (pvalloc: the size rounded up to pages). */
void *pb_pp_valloc(size_t size);
void *pb_pp_pvalloc(size_t size);

/* malloc_usable_size: the class size, or the next allocator's figure. */
size_t pb_pp_usable_size(void *p);

/* The PB_POOLS_REPORT line (options in effect, counters), newline ended; -1 if
 * it does not fit in len. */
int pb_pp_report_line(char *out, size_t len);

/* Verify the invariants (route table, segments' page maps, the caller's heap
 * and every abandoned heap); 0, or -1 and what is broken in msg. Safe while
 * other threads run: it takes the global lock and reads no heap another
 * thread owns. Exported by the library as pb_pools_preload_check for tests. */
int pb_pp_check(char *msg, size_t len);

#endif /* PB_POOLS_PRELOAD_H */
