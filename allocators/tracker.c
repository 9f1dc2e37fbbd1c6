/*
 * tracker.c -- a test-only backend that checks the order a replay keeps
 * between threads. Linked only into tests and poolbench_testbackends (like
 * crash.c), never into the real binary.
 *
 * Two backends share the code: `tracker` (thread-safe: one instance shared
 * by the threads) and `tracker-local` (not thread-safe: one instance per
 * thread, and a block must go back to the instance that made it).
 *
 * Invariants, each checked on every call, a breach being fatal (a message
 * on stderr, then abort, so no test can miss it):
 *  - a block is freed once, by a free that comes after its alloc returned:
 *    every block carries a state, ALLOCATING while its alloc runs (which may
 *    yield the CPU `yield` times to let other threads run ahead), LIVE once it
 *    returned, FREED after; a free of NULL (the slot's alloc not replayed
 *    yet), of an ALLOCATING block or of a FREED one (a slot reused before its
 *    free, then freed twice) breaks it;
 *  - a free passes the size the block was allocated with;
 *  - tracker-local: a block is freed by the instance that made it;
 *  - at destroy every block has been freed (a slot reused before its free
 *    loses the first block, which would stay LIVE).
 * Blocks are never returned to malloc before destroy, so a late free still
 * finds its header: memory grows with the allocations, tests only.
 *
 * With option log=PATH each free appends "f ALLOC_TID FREE_TID\n" (kernel
 * thread ids of the allocating and the freeing thread) to PATH, so a test
 * can count the frees made by another thread than the block's alloc.
 * Costs: a mutex per alloc (the list of blocks), a write(2) per logged free.
 */
#include "pb_backend.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

extern const struct pb_backend_ops pb_backend_tracker;
extern const struct pb_backend_ops pb_backend_tracker_local;

enum { ST_ALLOCATING = 1, ST_LIVE = 2, ST_FREED = 3 };

#define TRACKER_MAGIC 0x7472616b6572ull

/* Just before every block handed out. */
struct hdr {
    uint64_t magic;
    _Atomic int state;
    int alloc_tid;
    const void *owner;  /* the instance that made it */
    size_t size;
    void *raw;          /* what malloc returned */
    struct hdr *next;   /* every block of the instance, for destroy */
};

struct tracker {
    const struct pb_backend_ops *ops;
    pthread_mutex_t lock; /* the list */
    struct hdr *blocks;
    unsigned yields;
    int log_fd;           /* -1: no log */
    _Atomic uint64_t allocs, frees, live;
    char err[PB_ERR_MAX];
};

static const struct pb_option_desc tracker_options[] = {
    {"log", "", "file that gets one line per free: allocating and freeing thread ids"},
    {"yield", "0", "sched_yield calls inside every alloc, before the block is live"},
    {NULL, NULL, NULL},
};

static void die(const char *what, const struct hdr *h)
{
    fprintf(stderr, "tracker: %s (block %p of %zu bytes, allocated by thread %d, state %d)\n",
            what, h ? (const void *)(h + 1) : NULL, h ? h->size : 0, h ? h->alloc_tid : 0,
            h ? atomic_load(&h->state) : 0);
    abort();
}

static int os_tid(void)
{
    return (int)syscall(SYS_gettid);
}

static int tracker_make(const struct pb_backend_ops *ops, const struct pb_option *opts, size_t n,
                        void **out, char *err, size_t errlen)
{
    if (pb_options_check(ops, opts, n, err, errlen))
        return -1;
    struct tracker *t = calloc(1, sizeof *t);
    if (!t)
        return -1;
    const char *log = pb_option_get(opts, n, "log");
    const char *yield = pb_option_get(opts, n, "yield");
    t->ops = ops;
    t->yields = yield ? (unsigned)strtoul(yield, NULL, 10) : 0;
    t->log_fd = -1;
    if (log && *log && (t->log_fd = open(log, O_WRONLY | O_APPEND | O_CREAT, 0600)) < 0) {
        snprintf(err, errlen, "%s: cannot open log %s", ops->name, log);
        free(t);
        return -1;
    }
    pthread_mutex_init(&t->lock, NULL);
    *out = t;
    return 0;
}

static int tracker_create(const struct pb_option *opts, size_t n, void **out, char *err,
                          size_t errlen)
{
    return tracker_make(&pb_backend_tracker, opts, n, out, err, errlen);
}

static int tracker_local_create(const struct pb_option *opts, size_t n, void **out, char *err,
                                size_t errlen)
{
    return tracker_make(&pb_backend_tracker_local, opts, n, out, err, errlen);
}

static void *tracker_alloc(void *self, size_t size, size_t align)
{
    struct tracker *t = self;
    size_t room = align > sizeof(struct hdr) ? align : 64; /* header + padding */
    void *raw = NULL;
    if (posix_memalign(&raw, align > 64 ? align : 64, room + (size ? size : 1)))
        return NULL;
    struct hdr *h = (struct hdr *)((char *)raw + room) - 1;
    h->magic = TRACKER_MAGIC;
    atomic_init(&h->state, ST_ALLOCATING);
    h->alloc_tid = os_tid();
    h->owner = t;
    h->size = size;
    h->raw = raw;
    pthread_mutex_lock(&t->lock);
    h->next = t->blocks;
    t->blocks = h;
    pthread_mutex_unlock(&t->lock);
    for (unsigned i = 0; i < t->yields; i++)
        sched_yield();
    atomic_store_explicit(&h->state, ST_LIVE, memory_order_release);
    atomic_fetch_add(&t->allocs, 1);
    atomic_fetch_add(&t->live, 1);
    return h + 1;
}

static int tracker_free(void *self, void *ptr, size_t size)
{
    struct tracker *t = self;
    if (!ptr)
        die("free of NULL: the block's alloc was not replayed before its free", NULL);
    struct hdr *h = (struct hdr *)ptr - 1;
    if (h->magic != TRACKER_MAGIC)
        die("free of a pointer the tracker never gave", NULL);
    int was = ST_LIVE;
    if (!atomic_compare_exchange_strong(&h->state, &was, ST_FREED))
        die(was == ST_ALLOCATING ? "free of a block whose alloc has not returned"
                                 : "double free: a slot reused before its free, or freed twice",
            h);
    if (h->size != size)
        die("free with another size than the block's", h);
    if (t->ops == &pb_backend_tracker_local && h->owner != t)
        die("tracker-local: a block freed by another instance than the one that made it", h);
    if (t->log_fd >= 0) {
        char line[48];
        int n = snprintf(line, sizeof line, "f %d %d\n", h->alloc_tid, os_tid());
        if (write(t->log_fd, line, (size_t)n) != n)
            die("cannot write the log", h);
    }
    atomic_fetch_add(&t->frees, 1);
    atomic_fetch_sub(&t->live, 1);
    return 0;
}

static void tracker_stats(void *self, struct pb_backend_stats *out)
{
    struct tracker *t = self;
    memset(out, 0, sizeof *out);
    out->allocs = atomic_load(&t->allocs);
    out->frees = atomic_load(&t->frees);
    out->live_blocks = (size_t)atomic_load(&t->live);
}

static size_t tracker_config(void *self, struct pb_config_entry *out, size_t max)
{
    struct tracker *t = self;
    if (max < 1)
        return 0;
    snprintf(out[0].key, sizeof out[0].key, "yield");
    snprintf(out[0].value, sizeof out[0].value, "%u", t->yields);
    return 1;
}

static const char *tracker_last_error(void *self)
{
    return ((struct tracker *)self)->err;
}

static void tracker_destroy(void *self)
{
    struct tracker *t = self;
    for (struct hdr *h = t->blocks; h; h = h->next)
        if (atomic_load(&h->state) != ST_FREED)
            die("a block still live at destroy: a free was lost (a slot reused before its "
                "free?)", h);
    while (t->blocks) {
        struct hdr *h = t->blocks;
        t->blocks = h->next;
        free(h->raw);
    }
    if (t->log_fd >= 0)
        close(t->log_fd);
    pthread_mutex_destroy(&t->lock);
    free(t);
}

const struct pb_backend_ops pb_backend_tracker = {
    .version = PB_BACKEND_API_VERSION,
    .name = "tracker",
    .description = "test only: malloc'd blocks whose frees are checked (order, thread, size)",
    .flags = PB_BK_THREAD_SAFE,
    .options = tracker_options,
    .create = tracker_create,
    .alloc = tracker_alloc,
    .free = tracker_free,
    .stats = tracker_stats,
    .config = tracker_config,
    .last_error = tracker_last_error,
    .destroy = tracker_destroy,
};

const struct pb_backend_ops pb_backend_tracker_local = {
    .version = PB_BACKEND_API_VERSION,
    .name = "tracker-local",
    .description = "test only: tracker, one instance per thread, a block freed by its own",
    .flags = 0,
    .options = tracker_options,
    .create = tracker_local_create,
    .alloc = tracker_alloc,
    .free = tracker_free,
    .stats = tracker_stats,
    .config = tracker_config,
    .last_error = tracker_last_error,
    .destroy = tracker_destroy,
};
