/*
 * record_threads.c -- a program whose threads free each other's blocks, run
 * under `poolbench record` by tests/record_threads.sh.
 *
 *   record_threads        the main thread, then 8 workers, then 2 late threads
 *   record_threads one    the main thread alone (its trace has no t line)
 *   record_threads handoff the main thread allocating blocks of 4340 bytes
 *                         without a pause while a second thread makes its
 *                         first calls (HANDOFF blocks of 4341 bytes), both
 *                         swapping them through shared slots and freeing
 *                         what they take out (often the other thread's): the
 *                         recorder's switch from one numbering thread to the
 *                         fetch-add happens in the middle of the main
 *                         thread's calls
 *
 * The main thread allocates a block of 4299 bytes first (so it is thread 0).
 * Worker i (0..7) allocates BLOCKS blocks of 4300 + i bytes; after a barrier
 * it resizes block 0 of worker i + 2 (to 4320 + i bytes) and frees blocks
 * 1.. of worker i + 1 (indices mod 8); after a second barrier it frees the
 * block it resized. Then all 8 swap blocks of 16..271 bytes through shared
 * slots at the same time, freeing each other's blocks at random
 * (untracked sizes: the checker validates the whole trace). When they are
 * joined, two more threads run one after the other, each allocating and
 * freeing a block of 4310 + j bytes: they may get the buffers of exited
 * threads, and still get new thread numbers (9 and 10).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define WORKERS 8
#define BLOCKS 50
#define SLOTS 256
#define SWAPS 20000
#define HANDOFF 20000

static void *blocks[WORKERS][BLOCKS];
static _Atomic(void *) slots[SLOTS];
static pthread_barrier_t barrier;
static void *volatile sink;

static void swap_phase(unsigned i)
{
    uint64_t x = 0x9E3779B97F4A7C15u * (i + 1);
    for (int k = 0; k < SWAPS; k++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        void *p = malloc(16 + (size_t)(x >> 40) % 256);
        if (!p)
            abort();
        free(atomic_exchange(&slots[x % SLOTS], p));
    }
}

static void *worker(void *arg)
{
    unsigned i = (unsigned)(uintptr_t)arg;
    for (int k = 0; k < BLOCKS; k++)
        if (!(blocks[i][k] = malloc(4300 + i)))
            abort();
    pthread_barrier_wait(&barrier);
    unsigned next = (i + 1) % WORKERS, other = (i + 2) % WORKERS;
    void *q = realloc(blocks[other][0], 4320 + i); /* a block thread `other` allocated */
    if (!q)
        abort();
    blocks[other][0] = q;
    for (int k = 1; k < BLOCKS; k++)
        free(blocks[next][k]);
    pthread_barrier_wait(&barrier);
    free(blocks[other][0]); /* resized by this thread, allocated by another */
    swap_phase(i);
    return NULL;
}

static atomic_int handoff_done;

/* One block of size into slot k % 16; the block it replaces is freed. */
static void handoff_swap(size_t size, unsigned k)
{
    void *p = malloc(size);
    if (!p)
        abort();
    free(atomic_exchange(&slots[k % 16], p));
}

static void *handoff_worker(void *arg)
{
    (void)arg;
    for (unsigned k = 0; k < HANDOFF; k++)
        handoff_swap(4341, k * 7);
    atomic_store(&handoff_done, 1);
    return NULL;
}

/* The main thread's calls go on, without a pause, while the worker starts. */
static int handoff(void)
{
    pthread_t w;
    if (pthread_create(&w, NULL, handoff_worker, NULL) != 0)
        return 1;
    unsigned n = 0;
    while (!atomic_load(&handoff_done) || n < HANDOFF)
        handoff_swap(4340, n++);
    int rc = pthread_join(w, NULL) != 0;
    for (unsigned k = 0; k < 16; k++)
        free(atomic_load(&slots[k]));
    return rc;
}

static void *late(void *arg)
{
    sink = malloc(4310 + (size_t)(uintptr_t)arg);
    free(sink);
    return NULL;
}

int main(int argc, char **argv)
{
    void *first = malloc(4299);
    if (!first)
        return 1;
    if (argc > 1 && strcmp(argv[1], "one") == 0) {
        swap_phase(0);
        for (unsigned k = 0; k < SLOTS; k++)
            free(atomic_load(&slots[k]));
        free(first);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "handoff") == 0) {
        int rc = handoff();
        free(first);
        return rc;
    }
    pthread_t t[WORKERS];
    if (pthread_barrier_init(&barrier, NULL, WORKERS) != 0)
        return 1;
    for (unsigned i = 0; i < WORKERS; i++)
        if (pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)i) != 0)
            return 1;
    for (unsigned i = 0; i < WORKERS; i++)
        pthread_join(t[i], NULL);
    for (unsigned j = 0; j < 2; j++) {
        pthread_t l;
        if (pthread_create(&l, NULL, late, (void *)(uintptr_t)j) != 0 || pthread_join(l, NULL) != 0)
            return 1;
    }
    for (unsigned k = 0; k < SLOTS; k++)
        free(atomic_load(&slots[k]));
    free(first);
    return 0;
}
