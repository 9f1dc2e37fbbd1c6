/*
 * malloc_probe.c -- a test preload library (tests/harness_no_malloc.sh):
 * counts the malloc-family calls a process makes between the harness's
 * marks (pb_probe.h) and writes the counts at the end mark.
 *
 * It defines malloc, calloc, realloc, reallocarray, free, posix_memalign,
 * aligned_alloc, memalign, valloc, pvalloc and malloc_usable_size, each
 * forwarding to glibc's own entry points (__libc_malloc and friends; glibc's
 * malloc_usable_size through dlsym(RTLD_NEXT), looked up at load time), so
 * the process still runs on glibc's allocator. Because it defines
 * malloc_usable_size too, `poolbench __child --backend preload:lib=PROBE`
 * with the probe preloaded takes it for a process-wide malloc replacement,
 * as it would jemalloc: the test of the exec'd child's path.
 *
 * pb_probe_mark(1) zeroes the counts and starts counting; pb_probe_mark(0)
 * stops and writes one line to the file named by $PB_PROBE_OUT (else to
 * standard error):
 *   malloc_probe: before=B malloc=M calloc=C realloc=R aligned=A free=F free_null=N
 * B is every call before the first mark (the C library's start-up, main),
 * for information. Then a line per call site seen while counting (the first
 * PROBE_SITES), object and offset, so a failure says where to look
 * (addr2line -e OBJECT OFFSET).
 *
 * The counters are process-wide (a preload library's state is global by
 * nature) and atomic: the threaded passes allocate from several threads.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))
#define PROBE_SITES 32

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);
extern void *__libc_valloc(size_t);
extern void *__libc_pvalloc(size_t);

enum kind { K_MALLOC, K_CALLOC, K_REALLOC, K_ALIGNED, K_FREE, K_FREE_NULL, K_N };
static const char *const kind_names[K_N] = {"malloc",  "calloc", "realloc",
                                            "aligned", "free",   "free_null"};

static int counting;                  /* 0 before the first mark, 1 counting, 2 done */
static unsigned long before;          /* calls before the first mark */
static unsigned long counts[K_N];     /* calls while counting */
static unsigned long n_sites;         /* call sites recorded (may pass PROBE_SITES) */
static void *sites[PROBE_SITES];
static enum kind site_kinds[PROBE_SITES];
static size_t (*libc_usable_size)(void *);

static void note(enum kind k, void *caller)
{
    int c = __atomic_load_n(&counting, __ATOMIC_ACQUIRE);
    if (c == 0) {
        __atomic_fetch_add(&before, 1, __ATOMIC_RELAXED);
    } else if (c == 1) {
        __atomic_fetch_add(&counts[k], 1, __ATOMIC_RELAXED);
        unsigned long i = __atomic_fetch_add(&n_sites, 1, __ATOMIC_RELAXED);
        if (i < PROBE_SITES) {
            sites[i] = caller;
            site_kinds[i] = k;
        }
    }
}

__attribute__((constructor)) static void probe_init(void)
{
    libc_usable_size = (size_t(*)(void *))dlsym(RTLD_NEXT, "malloc_usable_size");
}

EXPORT void *malloc(size_t n)
{
    note(K_MALLOC, __builtin_return_address(0));
    return __libc_malloc(n);
}

EXPORT void *calloc(size_t n, size_t size)
{
    note(K_CALLOC, __builtin_return_address(0));
    return __libc_calloc(n, size);
}

EXPORT void *realloc(void *p, size_t n)
{
    note(K_REALLOC, __builtin_return_address(0));
    return __libc_realloc(p, n);
}

EXPORT void *reallocarray(void *p, size_t n, size_t size)
{
    note(K_REALLOC, __builtin_return_address(0));
    if (size && n > SIZE_MAX / size) {
        errno = ENOMEM;
        return NULL;
    }
    return __libc_realloc(p, n * size);
}

EXPORT void free(void *p)
{
    note(p ? K_FREE : K_FREE_NULL, __builtin_return_address(0));
    __libc_free(p);
}

EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
    note(K_ALIGNED, __builtin_return_address(0));
    if (align < sizeof(void *) || (align & (align - 1)))
        return EINVAL;
    void *p = __libc_memalign(align, n);
    if (!p)
        return ENOMEM;
    *out = p;
    return 0;
}

EXPORT void *aligned_alloc(size_t align, size_t n)
{
    note(K_ALIGNED, __builtin_return_address(0));
    return __libc_memalign(align, n);
}

EXPORT void *memalign(size_t align, size_t n)
{
    note(K_ALIGNED, __builtin_return_address(0));
    return __libc_memalign(align, n);
}

EXPORT void *valloc(size_t n)
{
    note(K_ALIGNED, __builtin_return_address(0));
    return __libc_valloc(n);
}

EXPORT void *pvalloc(size_t n)
{
    note(K_ALIGNED, __builtin_return_address(0));
    return __libc_pvalloc(n);
}

EXPORT size_t malloc_usable_size(void *p)
{
    return p && libc_usable_size ? libc_usable_size(p) : 0;
}

/* Where a call came from: "object+0xoffset". */
static void site_name(void *addr, char *out, size_t len)
{
    Dl_info info;
    if (dladdr(addr, &info) && info.dli_fname)
        snprintf(out, len, "%s+0x%lx", info.dli_fname,
                 (unsigned long)((uintptr_t)addr - (uintptr_t)info.dli_fbase));
    else
        snprintf(out, len, "%p", addr);
}

static void report(void)
{
    const char *path = getenv("PB_PROBE_OUT");
    int fd = path ? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : 2;
    if (fd < 0)
        return;
    char line[4096];
    int n = snprintf(line, sizeof line, "malloc_probe: before=%lu", before);
    for (int k = 0; k < K_N; k++)
        n += snprintf(line + n, sizeof line - (size_t)n, " %s=%lu", kind_names[k], counts[k]);
    n += snprintf(line + n, sizeof line - (size_t)n, "\n");
    for (unsigned long i = 0; i < n_sites && i < PROBE_SITES && n < (int)sizeof line - 600; i++) {
        char where[512];
        site_name(sites[i], where, sizeof where);
        n += snprintf(line + n, sizeof line - (size_t)n, "malloc_probe: site %s %s\n", where,
                      kind_names[site_kinds[i]]);
    }
    if (write(fd, line, (size_t)n) != n)
        n = 0;
    if (fd != 2)
        close(fd);
}

EXPORT void pb_probe_mark(int phase)
{
    if (phase == 1) {
        for (int k = 0; k < K_N; k++)
            __atomic_store_n(&counts[k], 0, __ATOMIC_RELAXED);
        __atomic_store_n(&n_sites, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&counting, 1, __ATOMIC_RELEASE);
    } else {
        __atomic_store_n(&counting, 2, __ATOMIC_RELEASE);
        report();
    }
}
