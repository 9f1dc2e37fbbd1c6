/*
 * pb_hmem.h -- the harness's own memory, from anonymous private mmap.
 *
 * Between the start of a run's process and the end of its measurement the
 * harness never calls malloc: the allocator under test (the process's malloc
 * for the malloc and preloaded backends) sees the trace's calls and nothing
 * else. Slot tables, sample arrays, the .pbt loader's arrays and the like come
 * from here instead. Every block is whole pages (the size rounded up; 0 bytes
 * is one page), zeroed by the kernel and page aligned; the caller passes the
 * size it asked for back to pb_hmem_free, as with munmap. No state.
 */
#ifndef PB_HMEM_H
#define PB_HMEM_H

#include <stddef.h>

/* A zeroed block of at least bytes bytes; NULL when the mapping fails or the
 * size overflows when rounded up to pages. */
void *pb_hmem_alloc(size_t bytes);

/* n elements of size bytes each, zeroed (calloc's contract: NULL on overflow). */
void *pb_hmem_calloc(size_t n, size_t size);

/* Release a block from pb_hmem_alloc of `bytes` bytes; p NULL does nothing. */
void pb_hmem_free(void *p, size_t bytes);

/* A copy of the string s; NULL on failure. Free with pb_hmem_free_str. */
char *pb_hmem_strdup(const char *s);

/* Release a string from pb_hmem_strdup (its length tells the size); NULL does nothing. */
void pb_hmem_free_str(char *s);

#endif /* PB_HMEM_H */
