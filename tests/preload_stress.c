/*
 * preload_stress.c -- a stress program for a preloaded malloc
 * (libpoolbench-pools.so; docs/pools-preload.md), plain C and pthreads.
 *
 *   preload_stress [--quiet] [--expect-pools] [--threads N] [--ops N]
 *   preload_stress --corrupt      (under the library: its check must see a
 *                                  corrupted free list)
 *
 * Two rounds of N threads (the second round adopts the first's heaps), each
 * doing random operations on a table of blocks: malloc, calloc (zeroed?),
 * posix_memalign / aligned_alloc / memalign / valloc at 8 .. 8192, realloc
 * growing and shrinking across class boundaries and to and from sizes above
 * the largest class, free, and handing blocks to other threads through a
 * shared queue (cross-thread frees). Sizes 0 .. 64 KiB. Every block is filled
 * with a pattern, verified before it is freed or resized and after realloc;
 * malloc_usable_size must be >= the size asked; alignments are checked.
 * Thread 0 forks half-way: the child frees blocks it inherited, allocates,
 * starts a thread, and exits 0. The edge cases of the API (malloc(0), calloc
 * and reallocarray overflow, posix_memalign's EINVAL, realloc(p, 0)) run
 * first. When the library's pb_pools_preload_check is present (dlsym) it is
 * called by every thread at its end, in the fork child and at the end;
 * --expect-pools makes its absence an error. Any violation: a message on
 * stderr and exit 1. Output (without --quiet): one fixed line, the same under
 * any correct malloc.
 */
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SLOTS 256
#define QUEUE 1024
#define MAX_THREADS 16

struct blk {
    unsigned char *p;
    size_t size;
    unsigned seed;
};

struct shared_queue {
    pthread_mutex_t lock;
    struct blk items[QUEUE];
    size_t n;
};

typedef int (*check_fn)(char *msg, size_t len);

struct stress {
    int threads;
    long ops;
    check_fn check;
    struct shared_queue q;
    int failed; /* atomic */
};

struct worker {
    struct stress *st;
    int id;
    int round;
    uint64_t rng;
    struct blk slots[SLOTS];
};

static void violation(struct stress *st, const char *what, const void *p, size_t size)
{
    fprintf(stderr, "preload_stress: %s (block %p, %zu bytes)\n", what, p, size);
    __atomic_store_n(&st->failed, 1, __ATOMIC_RELAXED);
}

static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static unsigned char pattern(unsigned seed, size_t i)
{
    return (unsigned char)(seed + i * 131u + (i >> 8));
}

static void fill(struct blk *b)
{
    for (size_t i = 0; i < b->size; i++)
        b->p[i] = pattern(b->seed, i);
}

/* The first n bytes still hold the block's pattern. */
static void verify(struct stress *st, const struct blk *b, size_t n, const char *when)
{
    for (size_t i = 0; i < n; i++) {
        if (b->p[i] != pattern(b->seed, i)) {
            char what[96];
            snprintf(what, sizeof what, "pattern broken at byte %zu %s", i, when);
            violation(st, what, b->p, b->size);
            return;
        }
    }
}

/* Usable size and alignment of a fresh block of size bytes asked at align. */
static void check_block(struct stress *st, const void *p, size_t size, size_t align)
{
    if (malloc_usable_size((void *)p) < size)
        violation(st, "malloc_usable_size below the size asked", p, size);
    if (align < 16 && size > 8)
        align = 16;
    if (align < 8)
        align = 8;
    if ((uintptr_t)p % align)
        violation(st, "block not aligned as asked", p, size);
}

static size_t random_size(uint64_t *rng)
{
    uint64_t r = next_rand(rng);
    switch (r % 10) {
    case 0: return (size_t)(r >> 8) % 65537;        /* up to 64 KiB: often the next allocator */
    case 1: case 2: return (size_t)(r >> 8) % 4097; /* around the largest class */
    default: return (size_t)(r >> 8) % 513;         /* small classes */
    }
}

/* A new block in b by one of the allocation calls. */
static void alloc_block(struct worker *w, struct blk *b)
{
    struct stress *st = w->st;
    uint64_t r = next_rand(&w->rng);
    size_t size = random_size(&w->rng), align = 0;
    void *p = NULL;
    size_t pick = (size_t)(r >> 8);
    switch (r % 8) {
    case 0:
        p = calloc(1 + size % 7, size / 7 + 1);
        size = (1 + size % 7) * (size / 7 + 1);
        break;
    case 1:
        align = (size_t)8 << pick % 11;
        if (posix_memalign(&p, align, size))
            p = NULL;
        break;
    case 2: /* C11: a multiple of the alignment */
        align = (size_t)16 << pick % 10;
        size = (size + align - 1) / align * align;
        p = aligned_alloc(align, size);
        break;
    case 3:
        align = (size_t)16 << pick % 10;
        p = memalign(align, size);
        break;
    case 4:
        align = pick % 4 ? 0 : (size_t)sysconf(_SC_PAGESIZE);
        p = align ? valloc(size) : malloc(size);
        break;
    default:
        p = malloc(size);
        break;
    }
    if (!p) {
        violation(st, "allocation failed", NULL, size);
        return;
    }
    if (r % 8 == 0) {
        for (size_t i = 0; i < size; i++)
            if (((unsigned char *)p)[i]) {
                violation(st, "calloc block not zeroed", p, size);
                break;
            }
    }
    check_block(st, p, size, align);
    *b = (struct blk){p, size, (unsigned)next_rand(&w->rng)};
    fill(b);
}

/* Grow or shrink b, often across a class boundary or the largest class. */
static void realloc_block(struct worker *w, struct blk *b)
{
    struct stress *st = w->st;
    uint64_t r = next_rand(&w->rng);
    size_t size;
    switch (r % 4) {
    case 0: size = b->size + 1 + (r >> 8) % 64; break;
    case 1: size = b->size / 2; break;
    case 2: size = b->size ? b->size * 2 : 17; break;
    default: size = 3000 + (r >> 8) % 2000; break; /* around 3584 */
    }
    if (size > 200000)
        size = 1 + (r >> 8) % 100;
    verify(st, b, b->size, "before realloc");
    if (size == 0)
        size = 1; /* realloc(p, 0) frees: tried in the edge cases */
    unsigned char *q = realloc(b->p, size);
    if (!q) {
        violation(st, "realloc failed", b->p, size);
        return;
    }
    struct blk moved = {q, size, b->seed};
    verify(st, &moved, size < b->size ? size : b->size, "after realloc");
    check_block(st, q, size, 0);
    *b = moved;
    fill(b);
}

static void free_block(struct stress *st, struct blk *b)
{
    verify(st, b, b->size, "before free");
    free(b->p);
    b->p = NULL;
}

/* Hand b to whichever thread pops it; 0 when queued. */
static int queue_push(struct shared_queue *q, const struct blk *b)
{
    int rc = -1;
    pthread_mutex_lock(&q->lock);
    if (q->n < QUEUE) {
        q->items[q->n++] = *b;
        rc = 0;
    }
    pthread_mutex_unlock(&q->lock);
    return rc;
}

static int queue_pop(struct shared_queue *q, struct blk *b)
{
    int rc = -1;
    pthread_mutex_lock(&q->lock);
    if (q->n > 0) {
        *b = q->items[--q->n];
        rc = 0;
    }
    pthread_mutex_unlock(&q->lock);
    return rc;
}

static void run_check(struct stress *st, const char *where)
{
    char msg[512];
    if (st->check && st->check(msg, sizeof msg)) {
        fprintf(stderr, "preload_stress: check failed %s: %s\n", where, msg);
        __atomic_store_n(&st->failed, 1, __ATOMIC_RELAXED);
    }
}

static void one_op(struct worker *w)
{
    struct blk *b = &w->slots[next_rand(&w->rng) % SLOTS];
    uint64_t r = next_rand(&w->rng) % 10;
    if (!b->p) {
        alloc_block(w, b);
    } else if (r < 4) {
        free_block(w->st, b);
    } else if (r < 7) {
        realloc_block(w, b);
    } else if (r < 9) {
        if (queue_push(&w->st->q, b) == 0)
            b->p = NULL;
    } else {
        struct blk other;
        if (queue_pop(&w->st->q, &other) == 0)
            free_block(w->st, &other);
    }
}

static void *child_thread(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < 500; i++)
        one_op(w);
    return NULL;
}

/* In the fork child: free what was inherited, allocate, start a thread. */
static void fork_child(struct worker *w)
{
    struct stress *st = w->st;
    struct blk b;
    for (int i = 0; i < 64 && queue_pop(&st->q, &b) == 0; i++)
        free_block(st, &b); /* often another thread's block: its heap is gone here */
    for (long i = 0; i < 2000; i++)
        one_op(w);
    struct worker *t = calloc(1, sizeof *t);
    pthread_t tid;
    if (!t || pthread_create(&tid, NULL, child_thread, t)) {
        violation(st, "fork child: no thread", t, 0);
    } else {
        *t = (struct worker){.st = st, .id = 99, .rng = 12345};
        pthread_join(tid, NULL);
    }
    run_check(st, "in the fork child");
    _exit(__atomic_load_n(&st->failed, __ATOMIC_RELAXED));
}

static void do_fork(struct worker *w)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        violation(w->st, "fork failed", NULL, 0);
        return;
    }
    if (pid == 0)
        fork_child(w);
    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
        violation(w->st, "the fork child failed", NULL, (size_t)status);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    for (long i = 0; i < w->st->ops; i++) {
        if (w->id == 0 && w->round == 0 && i == w->st->ops / 2)
            do_fork(w);
        one_op(w);
    }
    /* round 0 leaves half its blocks in the queue or live for round 1 */
    for (int i = 0; i < SLOTS; i++) {
        if (w->slots[i].p && (w->round == 1 || i % 2 || queue_push(&w->st->q, &w->slots[i])))
            free_block(w->st, &w->slots[i]);
        w->slots[i].p = NULL;
    }
    run_check(w->st, "at a thread's end");
    return NULL;
}

/* The API's edge cases, in glibc's terms. */
static void edge_cases(struct stress *st)
{
    volatile size_t huge = SIZE_MAX / 2; /* not known to the compiler: no warning */
    void *a = malloc(0), *b = malloc(0), *p = NULL;
    if (!a || !b || a == b)
        violation(st, "malloc(0) must give unique pointers", a, 0);
    free(a);
    free(b);
    free(NULL);
    errno = 0;
    if (calloc(huge, 3) || errno != ENOMEM)
        violation(st, "calloc overflow must fail with ENOMEM", NULL, 0);
    errno = 0;
    if (reallocarray(NULL, huge / 2, 8) || errno != ENOMEM)
        violation(st, "reallocarray overflow must fail with ENOMEM", NULL, 0);
    errno = 0;
    if (malloc(huge * 2 - 4096) || errno != ENOMEM)
        violation(st, "a huge malloc must fail with ENOMEM", NULL, 0);
    if (posix_memalign(&p, 3, 16) != EINVAL || posix_memalign(&p, 4, 16) != EINVAL)
        violation(st, "posix_memalign must refuse a bad alignment with EINVAL", p, 0);
    if (posix_memalign(&p, 8, 0) || !p)
        violation(st, "posix_memalign(8, 0) must succeed", p, 0);
    free(p);
    p = pvalloc(1);
    if (!p || (uintptr_t)p % 4096 || malloc_usable_size(p) < 4096)
        violation(st, "pvalloc(1) must give a whole aligned page", p, 1);
    free(p);
    p = malloc(100);
    if (!p || realloc(p, 0) != NULL)
        violation(st, "realloc(p, 0) frees and returns NULL (glibc)", p, 0);
    if (malloc_usable_size(NULL) != 0)
        violation(st, "malloc_usable_size(NULL) must be 0", NULL, 0);
}

/* Under the library: break a free list and see the check say so. */
static int corrupt(check_fn check)
{
    if (!check) {
        fprintf(stderr, "preload_stress --corrupt: pb_pools_preload_check not found "
                        "(run with LD_PRELOAD=libpoolbench-pools.so)\n");
        return 1;
    }
    char msg[512];
    void **volatile a = malloc(32), **b = malloc(32);
    if (check(msg, sizeof msg)) {
        fprintf(stderr, "preload_stress --corrupt: check failed before the damage: %s\n", msg);
        return 1;
    }
    free(a);
    static int outside;
    *a = &outside; /* the freed block's free-list link, now outside every slab */
    if (check(msg, sizeof msg) == 0) {
        fprintf(stderr, "preload_stress --corrupt: check did not see the broken free list\n");
        return 1;
    }
    printf("check: %s\n", msg);
    fflush(stdout);
    (void)b;
    _exit(0); /* the heap is damaged: no further call */
}

static int parse_args(int argc, char **argv, struct stress *st, int *quiet, int *expect)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quiet") == 0)
            *quiet = 1;
        else if (strcmp(argv[i], "--expect-pools") == 0)
            *expect = 1;
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            st->threads = atoi(argv[++i]);
        else if (strcmp(argv[i], "--ops") == 0 && i + 1 < argc)
            st->ops = atol(argv[++i]);
        else
            return -1;
    }
    return st->threads >= 1 && st->threads <= MAX_THREADS && st->ops >= 2 ? 0 : -1;
}

int main(int argc, char **argv)
{
    static struct stress st = {
        .threads = 4, .ops = 20000, .q = {.lock = PTHREAD_MUTEX_INITIALIZER}};
    *(void **)&st.check = dlsym(RTLD_DEFAULT, "pb_pools_preload_check");
    if (argc == 2 && strcmp(argv[1], "--corrupt") == 0)
        return corrupt(st.check);
    int quiet = 0, expect = 0;
    if (parse_args(argc, argv, &st, &quiet, &expect)) {
        fprintf(stderr, "usage: preload_stress [--quiet] [--expect-pools] [--threads 1..16] "
                        "[--ops N] | --corrupt\n");
        return 2;
    }
    if (expect && !st.check) {
        fprintf(stderr, "preload_stress: pb_pools_preload_check not found: the library is "
                        "not preloaded\n");
        return 1;
    }
    edge_cases(&st);
    static struct worker w[MAX_THREADS];
    for (int round = 0; round < 2; round++) {
        pthread_t tid[MAX_THREADS];
        for (int i = 0; i < st.threads; i++) {
            uint64_t seed = 0x9E3779B97F4A7C15ull * (uint64_t)(i + 1 + 100 * round);
            w[i] = (struct worker){.st = &st, .id = i, .round = round, .rng = seed};
            if (pthread_create(&tid[i], NULL, worker_main, &w[i])) {
                violation(&st, "pthread_create failed", NULL, 0);
                return 1;
            }
        }
        for (int i = 0; i < st.threads; i++)
            pthread_join(tid[i], NULL);
    }
    struct blk b;
    while (queue_pop(&st.q, &b) == 0)
        free_block(&st, &b);
    run_check(&st, "at the end");
    if (st.failed)
        return 1;
    if (!quiet)
        printf("preload_stress: %d threads x 2 rounds x %ld operations: ok\n", st.threads,
               st.ops);
    return 0;
}
