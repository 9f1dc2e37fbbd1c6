/*
 * record_target_loop.c -- the program bench/record-overhead.sh runs bare and
 * under `poolbench record`: small malloc/free calls in a loop, nothing else.
 *
 *   record_target_loop single PAIRS           one thread, PAIRS malloc+free pairs
 *   record_target_loop threads PAIRS THREADS  THREADS threads, PAIRS pairs each,
 *                                             freeing each other's blocks
 *
 * single keeps 64 blocks live (a ring): each step frees the oldest block and
 * allocates one of 16..256 bytes. threads share 4096 slots: each step
 * allocates a block and swaps it into a slot chosen by a per-thread random
 * sequence, freeing what was there (most often a block another thread
 * allocated). Every block still in a slot is freed at the end, so the
 * number of calls is exactly 2 * PAIRS * THREADS (the program's own; libc's
 * start-up allocations come on top). Built with -fno-builtin-malloc so the
 * compiler keeps every call.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RING 64
#define SLOTS 4096
#define MAX_THREADS 256

static _Atomic(void *) slots[SLOTS];
static long pairs_per_thread;

static size_t size_of(uint64_t x)
{
    return 16 + (size_t)(x >> 33) % 241;
}

static int run_single(long pairs)
{
    void *ring[RING] = {0};
    uint64_t x = 88172645463325252u;
    for (long i = 0; i < pairs; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        unsigned k = (unsigned)(i % RING);
        free(ring[k]); /* free(NULL) in the first lap: not an event */
        ring[k] = malloc(size_of(x));
        if (!ring[k])
            return 1;
    }
    for (unsigned k = 0; k < RING; k++)
        free(ring[k]);
    return 0;
}

static void *thread_main(void *arg)
{
    uint64_t x = 0x9E3779B97F4A7C15u * ((uintptr_t)arg + 1);
    for (long i = 0; i < pairs_per_thread; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        void *p = malloc(size_of(x));
        if (!p)
            abort();
        free(atomic_exchange(&slots[x % SLOTS], p));
    }
    return NULL;
}

static int run_threads(long pairs, long n)
{
    pthread_t t[MAX_THREADS];
    pairs_per_thread = pairs;
    for (long i = 0; i < n; i++)
        if (pthread_create(&t[i], NULL, thread_main, (void *)(uintptr_t)i) != 0)
            return 1;
    for (long i = 0; i < n; i++)
        pthread_join(t[i], NULL);
    for (unsigned k = 0; k < SLOTS; k++)
        free(atomic_load(&slots[k]));
    return 0;
}

int main(int argc, char **argv)
{
    long pairs = argc > 2 ? strtol(argv[2], NULL, 10) : 0;
    long n = argc > 3 ? strtol(argv[3], NULL, 10) : 1;
    if (argc == 3 && strcmp(argv[1], "single") == 0 && pairs > 0)
        return run_single(pairs);
    if (argc == 4 && strcmp(argv[1], "threads") == 0 && pairs > 0 && n > 0 && n <= MAX_THREADS)
        return run_threads(pairs, n);
    fprintf(stderr, "usage: record_target_loop single PAIRS | threads PAIRS THREADS\n");
    return 2;
}
