/* test_pools_preload.c -- libpoolbench-pools.so's code (preload/pools_preload.c)
 * built without its exported names (PB_PP_NO_INTERPOSE), called as pb_pp_*:
 * routing to the pools classes, alignment rules, realloc across owners,
 * overflow refusals, remote frees and heap adoption, and the check catching a
 * broken free list. Default options (the test sets no PB_POOLS_* variable). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pools_preload.h"

/* The default list, written out independently of the library. */
static const size_t classes[] = {
    16,  32,  48,  64,  80,   96,   112,  128,  160,  192,  224,  256,  320,  384,
    448, 512, 640, 768, 896, 1024, 1280, 1536, 1792, 2048, 2560, 3072, 3584,
};
enum { N_CLASSES = sizeof classes / sizeof classes[0] };

static size_t smallest_class(size_t size)
{
    for (size_t k = 0; k < N_CLASSES; k++)
        if (classes[k] >= size)
            return classes[k];
    return 0;
}

static void assert_check_ok(void)
{
    char msg[512] = "";
    int rc = pb_pp_check(msg, sizeof msg);
    if (rc)
        print_message("check: %s\n", msg);
    assert_int_equal(rc, 0);
}

/* A figure of the report line, by key. */
static unsigned long long report_figure(const char *key)
{
    char line[4096], pat[64];
    assert_int_equal(pb_pp_report_line(line, sizeof line), 0);
    snprintf(pat, sizeof pat, " %s=", key);
    const char *at = strstr(line, pat);
    assert_non_null(at);
    return strtoull(at + strlen(pat), NULL, 10);
}

static void sizes_go_to_the_smallest_class(void **state)
{
    (void)state;
    for (size_t size = 0; size <= 3584; size++) {
        unsigned char *p = pb_pp_malloc(size);
        assert_non_null(p);
        assert_int_equal(pb_pp_usable_size(p), smallest_class(size ? size : 1));
        assert_int_equal((uintptr_t)p % 16, 0);
        memset(p, 0xab, size);
        pb_pp_free(p);
    }
    void *big = pb_pp_malloc(3585); /* the next allocator's */
    assert_non_null(big);
    assert_true(pb_pp_usable_size(big) >= 3585);
    pb_pp_free(big);
    void *a = pb_pp_malloc(0), *b = pb_pp_malloc(0);
    assert_non_null(a);
    assert_ptr_not_equal(a, b);
    pb_pp_free(a);
    pb_pp_free(b);
    pb_pp_free(NULL);
    assert_int_equal(pb_pp_usable_size(NULL), 0);
    assert_check_ok();
}

static void alignments_are_honoured(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 1, 15, 100, 500, 2000, 3584, 5000, 70000};
    for (size_t align = 1; align <= 16384; align *= 2) {
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            unsigned char *p = pb_pp_memalign(align, sizes[i]);
            assert_non_null(p);
            assert_int_equal((uintptr_t)p % (align < 16 ? 16 : align), 0);
            assert_true(pb_pp_usable_size(p) >= sizes[i]);
            memset(p, 1, sizes[i]);
            pb_pp_free(p);
        }
    }
    unsigned char *odd = pb_pp_memalign(48, 10); /* rounded up to 64, as glibc does */
    assert_non_null(odd);
    assert_int_equal((uintptr_t)odd % 64, 0);
    pb_pp_free(odd);
    void *p = NULL;
    assert_int_equal(pb_pp_posix_memalign(&p, 3, 8), EINVAL);
    assert_int_equal(pb_pp_posix_memalign(&p, 4, 8), EINVAL);
    assert_null(p);
    assert_int_equal(pb_pp_posix_memalign(&p, 64, 100), 0);
    assert_int_equal((uintptr_t)p % 64, 0);
    pb_pp_free(p);
    p = pb_pp_valloc(10);
    assert_int_equal((uintptr_t)p % 4096, 0);
    pb_pp_free(p);
    p = pb_pp_pvalloc(4097);
    assert_int_equal((uintptr_t)p % 4096, 0);
    assert_true(pb_pp_usable_size(p) >= 8192);
    pb_pp_free(p);
    assert_check_ok();
}

static void fill(unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(i * 7 + 3);
}

static void assert_filled(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        assert_int_equal(p[i], (unsigned char)(i * 7 + 3));
}

static void realloc_moves_between_owners(void **state)
{
    (void)state;
    unsigned char *p = pb_pp_malloc(100);
    fill(p, 100);
    assert_ptr_equal(pb_pp_realloc(p, 112), p); /* same class: in place */
    unsigned char *big = pb_pp_realloc(p, 20000); /* to the next allocator */
    assert_non_null(big);
    assert_filled(big, 100);
    fill(big, 20000);
    unsigned char *bigger = pb_pp_realloc(big, 40000); /* next to next */
    assert_filled(bigger, 20000);
    unsigned char *small = pb_pp_realloc(bigger, 300); /* back into a class */
    assert_int_equal(pb_pp_usable_size(small), 320);
    assert_filled(small, 300);
    unsigned char *shrunk = pb_pp_realloc(small, 20); /* a smaller class */
    assert_int_equal(pb_pp_usable_size(shrunk), 32);
    assert_filled(shrunk, 20);
    assert_null(pb_pp_realloc(shrunk, 0)); /* glibc: frees */
    unsigned char *fresh = pb_pp_realloc(NULL, 50);
    assert_int_equal(pb_pp_usable_size(fresh), 64);
    pb_pp_free(fresh);
    assert_check_ok();
}

static void calloc_zeroes_and_overflows_fail(void **state)
{
    (void)state;
    unsigned char *p = pb_pp_malloc(64);
    memset(p, 0xff, 64);
    pb_pp_free(p);
    unsigned char *z = pb_pp_calloc(4, 16); /* most likely the same block */
    for (size_t i = 0; i < 64; i++)
        assert_int_equal(z[i], 0);
    pb_pp_free(z);
    errno = 0;
    assert_null(pb_pp_calloc(SIZE_MAX / 2, 3));
    assert_int_equal(errno, ENOMEM);
    errno = 0;
    assert_null(pb_pp_reallocarray(NULL, SIZE_MAX / 8, 16));
    assert_int_equal(errno, ENOMEM);
    errno = 0;
    assert_null(pb_pp_memalign(64, SIZE_MAX - 10));
    assert_int_equal(errno, ENOMEM);
    void *r = pb_pp_reallocarray(NULL, 10, 10);
    assert_int_equal(pb_pp_usable_size(r), 112);
    pb_pp_free(r);
}

enum { N_BLOCKS = 2000 };
static void *blocks[N_BLOCKS];

static void *allocate_blocks(void *arg)
{
    (void)arg;
    for (size_t i = 0; i < N_BLOCKS; i++) {
        blocks[i] = pb_pp_malloc(1 + i % 700);
        memset(blocks[i], (int)i, 1 + i % 700);
    }
    assert_check_ok();
    return NULL; /* the heap is abandoned at exit */
}

static void run_thread(void *(*fn)(void *))
{
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, fn, NULL), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
}

/* Another thread's blocks freed here (remote frees onto its abandoned heap),
 * then a new thread adopts that heap instead of making one. */
static void remote_frees_and_adoption(void **state)
{
    (void)state;
    run_thread(allocate_blocks);
    unsigned long long heaps = report_figure("heaps");
    for (size_t i = 0; i < N_BLOCKS; i++)
        pb_pp_free(blocks[i]);
    assert_check_ok(); /* checks the abandoned heap too: remote blocks count as live */
    unsigned long long drained = report_figure("remote_frees");
    run_thread(allocate_blocks); /* adopts, drains the remote frees */
    assert_int_equal(report_figure("heaps"), heaps);
    assert_true(report_figure("remote_frees") >= drained + N_BLOCKS);
    for (size_t i = 0; i < N_BLOCKS; i++)
        pb_pp_free(blocks[i]);
    assert_check_ok();
}

/* A freed block's link overwritten: the check names the entry (in a child,
 * whose broken heap nobody uses again). */
static void check_catches_a_broken_free_list(void **state)
{
    (void)state;
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        void **a = pb_pp_malloc(48);
        char msg[512];
        int before = pb_pp_check(msg, sizeof msg);
        pb_pp_free(a);
        static int outside;
        *a = &outside;
        int after = pb_pp_check(msg, sizeof msg);
        _exit(before == 0 && after == -1 && strstr(msg, "lies outside every slab") ? 0 : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_check_ok(); /* the parent is untouched */
}

static void report_names_the_options(void **state)
{
    (void)state;
    char line[4096];
    assert_int_equal(pb_pp_report_line(line, sizeof line), 0);
    assert_non_null(strstr(line, " classes=16/32/48/64/80/96/112/128/160/192/224/256/320/"));
    assert_non_null(strstr(line, "/3072/3584 slab=65536 return=off "));
    assert_int_equal(line[strlen(line) - 1], '\n');
    assert_int_equal(pb_pp_report_line(line, 20), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sizes_go_to_the_smallest_class),
        cmocka_unit_test(alignments_are_honoured),
        cmocka_unit_test(realloc_moves_between_owners),
        cmocka_unit_test(calloc_zeroes_and_overflows_fail),
        cmocka_unit_test(remote_frees_and_adoption),
        cmocka_unit_test(check_catches_a_broken_free_list),
        cmocka_unit_test(report_names_the_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
