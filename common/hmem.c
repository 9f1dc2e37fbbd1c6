/*
 * hmem.c -- harness memory: one anonymous private mapping per block. The
 * page size is asked of sysconf each time (no global state); the kernel's
 * zero pages make every block zeroed.
 */
#include "pb_hmem.h"

#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* bytes rounded up to whole pages (0 bytes: one page); 0 on overflow. */
static size_t page_round(size_t bytes)
{
    long ps = sysconf(_SC_PAGESIZE);
    size_t page = ps > 0 ? (size_t)ps : 4096;
    if (bytes == 0)
        return page;
    if (bytes > SIZE_MAX - (page - 1))
        return 0;
    return (bytes + page - 1) / page * page;
}

void *pb_hmem_alloc(size_t bytes)
{
    size_t len = page_round(bytes);
    if (len == 0)
        return NULL;
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void *pb_hmem_calloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    return pb_hmem_alloc(n * size);
}

void pb_hmem_free(void *p, size_t bytes)
{
    if (p)
        munmap(p, page_round(bytes));
}

char *pb_hmem_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = pb_hmem_alloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

void pb_hmem_free_str(char *s)
{
    if (s)
        pb_hmem_free(s, strlen(s) + 1);
}
