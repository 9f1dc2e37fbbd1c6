/*
 * pools_preload.c -- libpoolbench-pools.so: the pools backend's size classes
 * as the process's malloc (LD_PRELOAD). Use and options: docs/pools-preload.md.
 *
 * Layout. The classes are the pools backend's (allocators/pools_classes.h:
 * the same list syntax, default and size -> class table), each served by a
 * struct pb_pool_core (allocators/pool_core.h: LIFO free list, lazy carving
 * of slabs) per thread heap. Slabs are carved from segments: 4 MiB mappings
 * aligned to 4 MiB whose first two pages hold a page map, one entry per 4 KiB
 * page naming the heap and class of the slab covering it. A request larger
 * than the largest class, or more aligned than any class can serve, goes to
 * the next allocator (dlsym(RTLD_NEXT), glibc's normally).
 *
 * Invariants:
 *   - Ownership is by address: p is ours iff its segment's bit is set in
 *     seg_bits (one bit per 4 MiB of the 47-bit address space, set once the
 *     header is written, never cleared: segments are never unmapped). Every
 *     other pointer (next allocator, bootstrap buffer) is recognised without
 *     reading the memory around it; no header magic is trusted.
 *   - A used page-map entry names a heap index <= n_heaps and a class <
 *     n_classes; the pages of each slab are contiguous, all naming the slab's
 *     core; a block's class is the class of its page.
 *   - Each heap is owned by at most one thread. Only the owner touches its
 *     cores; any other thread frees onto its `remote` list (lock-free push;
 *     the owner takes the whole list with one exchange, so there is no ABA).
 *     A core's live count is allocs - frees; blocks on the remote list are
 *     live until drained.
 *   - Classes of 16 bytes or more are multiples of 16 (checked at start-up),
 *     so malloc's 16-byte alignment holds for every block but an 8-byte one.
 *
 * Threads. A thread takes a heap at its first call (TLS, initial-exec): an
 * abandoned heap if there is one, else a new one. At thread exit a pthread
 * key destructor abandons the heap: it keeps its blocks and free lists and
 * the next new thread adopts it (and drains its remote list), so no memory
 * is stranded for longer than until the next thread starts. After its
 * destructor ran, a thread allocates from the next allocator and frees our
 * blocks as remote frees. One mutex (`lock`) guards the segments, the heap
 * table and the abandoned list; it is taken only on the slab-refill and
 * heap-start paths.
 *
 * fork. pthread_atfork: prepare takes `lock`, the parent releases it, the
 * child releases it and marks every heap owned by another thread dead: such a
 * thread may have been inside its heap at the fork, so the child never reads
 * those cores (their memory stays mapped, unused). Abandoned heaps and the
 * forking thread's heap stay usable.
 *
 * Bootstrap. Initialisation (options, route table) allocates nothing, and
 * the classes work before the next allocator is known. Only a request for the
 * next allocator made while this thread is inside dlsym is served from a
 * 64 KiB static buffer (never freed; its blocks carry their size).
 *
 * Costs:
 *   - malloc, free of a class block: O(1), pools' fast path plus a TLS load
 *     (free: a bit test and a page-map load). A cross-thread free: one CAS.
 *     Slab refill: a mutex and a page-map fill (slab / 4 KiB entries).
 *   - realloc within a class: in place; otherwise malloc + copy + free.
 *   - Memory: pools' internal fragmentation; per heap, per class, one partly
 *     carved slab (return off: every slab, for the life of the process); 8 KiB of page map per 4 MiB segment; 4 MiB of address
 *     space (not resident) for seg_bits.
 *   - Page return (PB_POOLS_RETURN=N; default off, the costs above). The
 *     classes are served from per-slab free lists instead of the pool cores
 *     (which stay empty): each slab's state (struct pp_slab: free list, live
 *     and carved counts, state) lives in its segment's header after the page
 *     map, so giving its pages back loses nothing and the page map stays
 *     valid. Per heap and class (struct pp_rcls) a doubly linked list of the
 *     held slabs with room (alloc serves its head) and a stack of slabs given
 *     back (reused before a new one is carved). When a free, or the owner's
 *     drain of remote frees, empties a slab and more than N slabs of its class
 *     are empty, its pages go back with madvise(MADV_DONTNEED); the slab stays
 *     owned by its heap and class and faults its pages in again when reused.
 *     Costs: every free takes the slow path (a division for the chunk index
 *     and list updates, O(1)); an madvise per slab given back; the header
 *     grows by up to 12 pages per segment. Pages are given back only by the
 *     owner thread, so a heap whose blocks are freed by others returns them
 *     when it next drains its remote list.
 *
 * pb_pools_preload_check verifies the route table, every segment's page map,
 * and the caller's heap and every abandoned heap against pool_core's checks
 * and the page map. Global mutable state is unavoidable (an interposer has no
 * caller to hand it a context): all of it is `G`, seg_bits, boot and the TLS.
 */
#include "pools_preload.h"

#include "pb_num.h"
#include "pool_core.h"
#include "pools_classes.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PP_EXPORT __attribute__((visibility("default")))
#define PP_TLS __thread __attribute__((tls_model("initial-exec")))
#define PP_LIKELY(x) __builtin_expect(!!(x), 1)

#define PP_SEG_SHIFT 22
#define PP_SEG_SIZE ((size_t)1 << PP_SEG_SHIFT)
#define PP_PAGE_SHIFT 12
#define PP_PAGE ((size_t)1 << PP_PAGE_SHIFT)
#define PP_PAGES (PP_SEG_SIZE >> PP_PAGE_SHIFT)
#define PP_ADDR_BITS 47
#define PP_SEG_BITS_BYTES (((size_t)1 << (PP_ADDR_BITS - PP_SEG_SHIFT)) / 8)
#define PP_MAX_HEAPS 65534
#define PP_NO_HEAP 0xffff /* fast_index in return mode: names no heap */
#define PP_MAX_SLAB ((size_t)1 << 20)
#define PP_MALLOC_ALIGN 16
#define PP_BOOT_SIZE (64u << 10)
#define PP_SEG_MAGIC 0x706f6f6c73736567ull /* "poolsseg" */
#define PP_PATH_MAX 4096

/* One page-map entry: the slab covering this page (used = 0: no slab). */
struct pp_page {
    uint16_t heap;
    uint8_t cls;
    uint8_t used;
};

/* A segment's header, in its first pages. */
struct pp_seg {
    uint64_t magic;
    size_t next_page;     /* first page not yet given to a slab */
    struct pp_seg *older; /* every segment, newest first */
    struct pp_page pages[PP_PAGES];
};

#define PP_HDR_PAGES ((sizeof(struct pp_seg) + PP_PAGE - 1) / PP_PAGE)

enum { PP_SLAB_AVAIL = 1, PP_SLAB_FULL = 2, PP_SLAB_RETURNED = 3 };

/* Return mode: one slab's state, in its segment's header after the page map
 * (slab j of a segment at metas(s)[j]), so giving the slab's pages back
 * loses nothing. */
struct pp_slab {
    unsigned char *base;          /* the slab's first byte */
    unsigned char *free;          /* its free chunks, linked through them */
    struct pp_slab *next, *prev;  /* avail list of its class; next: returned stack */
    uint32_t live;                /* live chunks (remote frees count until drained) */
    uint32_t bump;                /* chunks carved since the slab was (re)started */
    uint32_t state;               /* PP_SLAB_*; 0 = not yet a slab */
};

/* Return mode: one class of one heap. */
struct pp_rcls {
    struct pp_slab *avail;    /* held slabs with a free or uncarved chunk; alloc serves the head */
    struct pp_slab *returned; /* slabs given back, reused before a new one is carved */
    size_t chunk;             /* the class size */
    uint32_t per_slab;        /* chunks per slab */
    size_t n_slabs, n_returned, n_empty; /* carved; given back; held with no live chunk */
    uint64_t gave_back;       /* madvise calls */
};

enum { PP_HEAP_OWNED = 1, PP_HEAP_ABANDONED = 2, PP_HEAP_DEAD = 3 };

/* One thread's heap: a pool core per class and the list other threads free to. */
struct pp_heap {
    void *remote;            /* blocks freed by other threads (atomic) */
    char pad[64 - sizeof(void *)];
    uint16_t index;          /* heaps[index] == this */
    uint16_t fast_index;     /* free's fast path: index, or PP_NO_HEAP in return mode */
    int state;               /* PP_HEAP_*, under G.lock */
    struct pp_heap *next_abandoned;
    uint64_t drained;        /* remote frees taken back */
    uint64_t next_allocs, next_frees; /* calls that went to the next allocator */
    struct pp_rcls *ret;     /* return mode: one per class, after cls[]; else NULL */
    struct pb_pool_core cls[];
};

/* The next allocator's functions. */
struct pp_next {
    void *(*malloc)(size_t);
    void *(*calloc)(size_t, size_t);
    void *(*realloc)(void *, size_t);
    void *(*memalign)(size_t, size_t);
    size_t (*usable)(void *);
    void (*free)(void *); /* published last */
};

enum { PP_UNINIT = 0, PP_INITIALIZING = 1, PP_READY = 2 };

struct pp_global {
    int state;                /* PP_UNINIT .. PP_READY (atomic) */
    pthread_mutex_t lock;     /* segments, heaps[], the abandoned list */
    size_t max_class;         /* largest class; larger requests go to the next allocator */
    struct pb_pools_route route;
    size_t n_classes;
    size_t slab;
    size_t slab_pages;        /* slab / 4 KiB */
    size_t hdr_pages;         /* pages of each segment before its first slab */
    int returning;            /* PB_POOLS_RETURN=N */
    size_t keep_empty;        /* N: empty slabs kept resident per heap and class */
    size_t sizes[PB_POOLS_MAX_CLASSES];
    size_t aligns[PB_POOLS_MAX_CLASSES];
    uint8_t route_table[(PB_POOLS_MAX_CLASS >> 3) + 1];
    char classes_text[PB_POOLS_MAX_CLASSES * 8];
    struct pp_seg *cur_seg;   /* being carved; every segment is on its `older` chain */
    size_t n_segs;
    size_t slab_bytes;        /* bytes of segments given to slabs */
    struct pp_heap *heaps[PP_MAX_HEAPS + 1]; /* index 0 unused */
    size_t n_heaps;
    struct pp_heap *abandoned;
    pthread_key_t key;
    uint64_t stray_next_allocs, stray_next_frees; /* without a heap (atomic) */
    char report[PP_PATH_MAX]; /* PB_POOLS_REPORT, "" = none */
};

static struct pp_global G = {.lock = PTHREAD_MUTEX_INITIALIZER};
static struct pp_next nx;
static uint8_t seg_bits[PP_SEG_BITS_BYTES];
static _Alignas(16) unsigned char boot_buf[PP_BOOT_SIZE];
static size_t boot_used; /* atomic */

static PP_TLS struct pp_heap *tls_heap;
static PP_TLS int tls_exited;    /* the heap's destructor ran: no new heap */
static PP_TLS int tls_resolving; /* inside dlsym */

/* ---- messages (no stdio: it may allocate) ---- */

static void say(const char *a, const char *b, const char *c)
{
    const char *parts[3] = {a, b, c};
    for (int i = 0; i < 3; i++)
        if (parts[i] && write(2, parts[i], strlen(parts[i])) < 0)
            return;
}

__attribute__((noreturn, cold)) static void die(const char *what, const void *p)
{
    char hex[32];
    snprintf(hex, sizeof hex, "%p", p);
    say("libpoolbench-pools: ", what, " ");
    say(hex, "\n", NULL);
    abort();
}

/* ---- options ---- */

/* Bad options end the process: a benchmark must not run on a silent default. */
__attribute__((noreturn, cold)) static void refuse(const char *why)
{
    say("libpoolbench-pools: ", why, "\n");
    _exit(2);
}

static void read_classes(void)
{
    const char *text = getenv("PB_POOLS_CLASSES");
    char err[PB_ERR_MAX];
    if (!text || !*text)
        text = PB_POOLS_DEFAULT_CLASSES;
    G.n_classes = pb_pools_parse_classes("PB_POOLS_CLASSES", text, G.sizes, err, sizeof err);
    if (G.n_classes == 0)
        refuse(err);
    size_t len = 0;
    for (size_t k = 0; k < G.n_classes; k++) {
        if (G.sizes[k] >= PP_MALLOC_ALIGN ? G.sizes[k] % PP_MALLOC_ALIGN : G.sizes[k] != 8) {
            snprintf(err, sizeof err, "PB_POOLS_CLASSES: class %zu: malloc's blocks are "
                     "16-byte aligned, so each class is 8 or a multiple of 16", G.sizes[k]);
            refuse(err);
        }
        G.aligns[k] = pb_pools_class_align(G.sizes[k]);
        len += (size_t)snprintf(G.classes_text + len, sizeof G.classes_text - len, "%s%zu",
                                k ? "/" : "", G.sizes[k]);
    }
    G.max_class = G.sizes[G.n_classes - 1];
    G.route = pb_pools_route_of(G.sizes, G.n_classes);
    pb_pools_route_fill(&G.route, G.sizes, G.n_classes, G.route_table);
}

static void read_slab(void)
{
    const char *sv = getenv("PB_POOLS_SLAB");
    uint64_t v = 64 * 1024;
    char err[PB_ERR_MAX];
    if (sv && *sv && pb_parse_scaled_u64(sv, &v)) {
        snprintf(err, sizeof err, "PB_POOLS_SLAB=%s is not a size in bytes", sv);
        refuse(err);
    }
    v = (v + PP_PAGE - 1) / PP_PAGE * PP_PAGE;
    if (v < G.max_class || v > PP_MAX_SLAB) {
        snprintf(err, sizeof err, "PB_POOLS_SLAB=%llu must hold the largest class (%zu bytes) "
                 "and be at most %zu bytes", (unsigned long long)v, G.max_class, PP_MAX_SLAB);
        refuse(err);
    }
    G.slab = (size_t)v;
    G.slab_pages = G.slab >> PP_PAGE_SHIFT;
    const char *rep = getenv("PB_POOLS_REPORT");
    if (rep && strlen(rep) < sizeof G.report)
        memcpy(G.report, rep, strlen(rep) + 1);
    else if (rep)
        refuse("PB_POOLS_REPORT: path too long");
}

/* PB_POOLS_RETURN: off, or N empty slabs kept per heap and class; the segment
 * header then also holds one struct pp_slab per slab the segment can hold. */
static void read_return(void)
{
    const char *rv = getenv("PB_POOLS_RETURN");
    G.hdr_pages = PP_HDR_PAGES;
    if (!rv || !*rv || strcmp(rv, "off") == 0)
        return;
    uint64_t n;
    char err[PB_ERR_MAX];
    if (pb_parse_scaled_u64(rv, &n)) {
        snprintf(err, sizeof err, "PB_POOLS_RETURN=%.64s must be off or a count of empty "
                 "slabs to keep (0, 1, ...)", rv);
        refuse(err);
    }
    G.returning = 1;
    G.keep_empty = (size_t)n;
    size_t max_slabs = (PP_PAGES - PP_HDR_PAGES) / G.slab_pages;
    G.hdr_pages += (max_slabs * sizeof(struct pp_slab) + PP_PAGE - 1) / PP_PAGE;
    if (G.hdr_pages + G.slab_pages > PP_PAGES)
        refuse("PB_POOLS_RETURN: a segment cannot hold its header and one slab");
}

/* ---- the next allocator ---- */

static void heap_release(void *arg);
static void at_fork_prepare(void);
static void at_fork_parent(void);
static void at_fork_child(void);

/* Fill nx; -1 while this thread is already inside dlsym. */
static int resolve_next(void)
{
    if (PP_LIKELY(__atomic_load_n(&nx.free, __ATOMIC_ACQUIRE) != NULL))
        return 0;
    if (tls_resolving)
        return -1;
    tls_resolving = 1;
    struct pp_next r;
    *(void **)&r.malloc = dlsym(RTLD_NEXT, "malloc");
    *(void **)&r.calloc = dlsym(RTLD_NEXT, "calloc");
    *(void **)&r.realloc = dlsym(RTLD_NEXT, "realloc");
    *(void **)&r.memalign = dlsym(RTLD_NEXT, "memalign");
    *(void **)&r.usable = dlsym(RTLD_NEXT, "malloc_usable_size");
    *(void **)&r.free = dlsym(RTLD_NEXT, "free");
    tls_resolving = 0;
    if (!r.malloc || !r.calloc || !r.realloc || !r.memalign || !r.usable || !r.free)
        refuse("no next allocator (dlsym(RTLD_NEXT, \"malloc\") & co. failed)");
    void (*fr)(void *) = r.free;
    r.free = NULL;
    nx = r;
    __atomic_store_n(&nx.free, fr, __ATOMIC_RELEASE);
    return 0;
}

static void do_init(void)
{
    read_classes();
    read_slab();
    read_return();
    if (pthread_key_create(&G.key, heap_release))
        refuse("pthread_key_create failed");
}

static void pp_init_slow(void)
{
    int expected = PP_UNINIT;
    if (__atomic_compare_exchange_n(&G.state, &expected, PP_INITIALIZING, 0, __ATOMIC_ACQUIRE,
                                    __ATOMIC_ACQUIRE)) {
        do_init();
        __atomic_store_n(&G.state, PP_READY, __ATOMIC_RELEASE);
        /* both may allocate: the classes already work */
        resolve_next();
        pthread_atfork(at_fork_prepare, at_fork_parent, at_fork_child);
        return;
    }
    while (__atomic_load_n(&G.state, __ATOMIC_ACQUIRE) != PP_READY)
        sched_yield();
}

static inline void pp_init(void)
{
    if (__atomic_load_n(&G.state, __ATOMIC_ACQUIRE) != PP_READY)
        pp_init_slow();
}

/* ---- bootstrap buffer: next-allocator requests made from inside dlsym ---- */

static void *boot_alloc(size_t size, size_t align)
{
    if (align < 16)
        align = 16;
    if (size > PP_BOOT_SIZE || align > PP_PAGE)
        return NULL;
    size_t need = (size + 16 + align - 1 + 15) & ~(size_t)15;
    size_t start = __atomic_fetch_add(&boot_used, need, __ATOMIC_RELAXED);
    if (start + need > PP_BOOT_SIZE)
        return NULL;
    uintptr_t base = (uintptr_t)boot_buf + start + 16;
    uintptr_t p = (base + align - 1) & ~(uintptr_t)(align - 1);
    memcpy((void *)(p - sizeof size), &size, sizeof size);
    return (void *)p; /* static storage: zeroed */
}

static int is_boot(const void *p)
{
    return (const unsigned char *)p >= boot_buf &&
           (const unsigned char *)p < boot_buf + PP_BOOT_SIZE;
}

static size_t boot_size(const void *p)
{
    size_t size;
    memcpy(&size, (const unsigned char *)p - sizeof size, sizeof size);
    return size;
}

/* ---- segments and the page map ---- */

/* The segment holding p, or NULL when p is not ours. */
static inline struct pp_seg *seg_of(const void *p)
{
    uintptr_t a = (uintptr_t)p;
    if (a >> PP_ADDR_BITS)
        return NULL;
    size_t i = a >> PP_SEG_SHIFT;
    if (!(__atomic_load_n(&seg_bits[i >> 3], __ATOMIC_RELAXED) >> (i & 7) & 1))
        return NULL;
    return (struct pp_seg *)(a & ~(uintptr_t)(PP_SEG_SIZE - 1));
}

static inline struct pp_page page_of(const struct pp_seg *s, const void *p)
{
    return s->pages[((uintptr_t)p - (uintptr_t)s) >> PP_PAGE_SHIFT];
}

/* A new segment, registered; under G.lock. NULL when it cannot be mapped. */
static struct pp_seg *seg_new(void)
{
    struct pp_seg *s = pb_map_aligned(PP_SEG_SIZE, PP_SEG_SIZE);
    if (!s)
        return NULL;
    if ((uintptr_t)s >> PP_ADDR_BITS) { /* beyond the bitmap: not usable */
        munmap(s, PP_SEG_SIZE);
        return NULL;
    }
    s->magic = PP_SEG_MAGIC;
    s->next_page = G.hdr_pages;
    s->older = G.cur_seg;
    size_t i = (uintptr_t)s >> PP_SEG_SHIFT;
    __atomic_fetch_or(&seg_bits[i >> 3], (uint8_t)(1u << (i & 7)), __ATOMIC_RELEASE);
    G.cur_seg = s;
    G.n_segs++;
    return s;
}

/* Return mode: the slab states, after the page map. */
static inline struct pp_slab *metas(const struct pp_seg *s)
{
    return (struct pp_slab *)((uintptr_t)s + (PP_HDR_PAGES << PP_PAGE_SHIFT));
}

/* Return mode: the state of the slab covering page i of segment s (a carved page). */
static inline struct pp_slab *meta_at(const struct pp_seg *s, size_t i)
{
    return &metas(s)[(i - G.hdr_pages) / G.slab_pages];
}

/* Slab bytes of the current segment, mapped to (heap h, class k); NULL if none. */
static void *slab_carve(struct pp_heap *h, size_t k)
{
    size_t pages = G.slab_pages;
    pthread_mutex_lock(&G.lock);
    struct pp_seg *s = G.cur_seg;
    if (!s || s->next_page + pages > PP_PAGES)
        s = seg_new();
    void *base = NULL;
    if (s) {
        for (size_t i = s->next_page; i < s->next_page + pages; i++)
            s->pages[i] = (struct pp_page){.heap = h->index, .cls = (uint8_t)k, .used = 1};
        base = (unsigned char *)s + (s->next_page << PP_PAGE_SHIFT);
        s->next_page += pages;
        G.slab_bytes += G.slab;
    }
    pthread_mutex_unlock(&G.lock);
    return base;
}

/* pool_core's slab source (return off). */
static void *slab_source(void *ctx, struct pb_pool_core *c)
{
    struct pp_heap *h = ctx;
    return slab_carve(h, (size_t)(c - h->cls));
}

/* ---- heaps ---- */

/* A new heap, entered in the table; under G.lock. NULL when none can be had. */
static struct pp_heap *heap_new(void)
{
    if (G.n_heaps == PP_MAX_HEAPS)
        return NULL;
    size_t cores = sizeof(struct pp_heap) + G.n_classes * sizeof(struct pb_pool_core);
    size_t bytes = cores + (G.returning ? G.n_classes * sizeof(struct pp_rcls) : 0);
    struct pp_heap *h = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                             -1, 0);
    if (h == MAP_FAILED)
        return NULL;
    h->index = (uint16_t)(G.n_heaps + 1);
    h->fast_index = G.returning ? PP_NO_HEAP : h->index;
    h->ret = G.returning ? (struct pp_rcls *)((unsigned char *)h + cores) : NULL;
    for (size_t k = 0; k < G.n_classes; k++) {
        /* return mode: the cores stay empty (their pop fails), the counters are used */
        pb_pool_core_init(&h->cls[k], "libpoolbench-pools", G.sizes[k], G.aligns[k], G.slab, 0,
                          0);
        pb_pool_core_set_source(&h->cls[k], slab_source, h);
        if (h->ret)
            h->ret[k] = (struct pp_rcls){.chunk = G.sizes[k],
                                         .per_slab = (uint32_t)(G.slab / G.sizes[k])};
    }
    G.heaps[h->index] = h;
    __atomic_store_n(&G.n_heaps, G.n_heaps + 1, __ATOMIC_RELEASE);
    return h;
}

/* ---- page return (PB_POOLS_RETURN=N): per-slab free lists ---- */

static void avail_push(struct pp_rcls *r, struct pp_slab *m)
{
    m->prev = NULL;
    m->next = r->avail;
    if (r->avail)
        r->avail->prev = m;
    r->avail = m;
}

static void avail_unlink(struct pp_rcls *r, struct pp_slab *m)
{
    if (m->prev)
        m->prev->next = m->next;
    else
        r->avail = m->next;
    if (m->next)
        m->next->prev = m->prev;
}

/* (Re)start a slab with every chunk uncarved, at the head of avail. */
static void ret_start(struct pp_rcls *r, struct pp_slab *m)
{
    m->free = NULL;
    m->live = m->bump = 0;
    m->state = PP_SLAB_AVAIL;
    avail_push(r, m);
    r->n_empty++;
}

/* Put a slab on class k's avail list: a given-back one, else a new one. -1: none. */
static int ret_add_slab(struct pp_heap *h, size_t k)
{
    struct pp_rcls *r = &h->ret[k];
    struct pp_slab *m = r->returned;
    if (m) {
        r->returned = m->next;
        r->n_returned--;
    } else {
        unsigned char *base = slab_carve(h, k);
        if (!base)
            return -1;
        struct pp_seg *s = seg_of(base);
        m = meta_at(s, (size_t)(base - (unsigned char *)s) >> PP_PAGE_SHIFT);
        m->base = base;
        r->n_slabs++;
    }
    ret_start(r, m);
    return 0;
}

/* An empty held slab beyond the N kept: its pages go back to the OS. */
__attribute__((noinline, cold)) static void ret_give_back(struct pp_rcls *r, struct pp_slab *m)
{
    avail_unlink(r, m);
    r->n_empty--;
    madvise(m->base, G.slab, MADV_DONTNEED); /* on failure the pages simply stay */
    m->state = PP_SLAB_RETURNED;
    m->next = r->returned;
    r->returned = m;
    r->n_returned++;
    r->gave_back++;
}

/* Free block p (of segment s, class k) into its slab; the owner's call. Counts nothing. */
static void ret_put(struct pp_heap *h, size_t k, struct pp_seg *s, unsigned char *p)
{
    struct pp_rcls *r = &h->ret[k];
    struct pp_slab *m = meta_at(s, (size_t)(p - (unsigned char *)s) >> PP_PAGE_SHIFT);
    pb_assert(m->live > 0 && m->state != PP_SLAB_RETURNED);
    memcpy(p, &m->free, sizeof m->free);
    m->free = p;
    if (m->state == PP_SLAB_FULL) {
        m->state = PP_SLAB_AVAIL;
        avail_push(r, m);
    }
    if (--m->live == 0 && ++r->n_empty > G.keep_empty)
        ret_give_back(r, m);
}

/* Take a block from the head of class k's avail list (which must exist). Counts nothing. */
static unsigned char *ret_pop(struct pp_rcls *r)
{
    struct pp_slab *m = r->avail;
    unsigned char *p = m->free;
    if (p)
        memcpy(&m->free, p, sizeof m->free);
    else
        p = m->base + (size_t)m->bump++ * r->chunk;
    if (m->live++ == 0)
        r->n_empty--;
    if (m->live == r->per_slab) { /* full: off avail (it is the head) */
        m->state = PP_SLAB_FULL;
        avail_unlink(r, m);
    }
    return p;
}

/* Blocks other threads freed, back on the owner's lists. */
static void heap_drain(struct pp_heap *h)
{
    void *p = __atomic_exchange_n(&h->remote, NULL, __ATOMIC_ACQUIRE);
    while (p) {
        void *next;
        memcpy(&next, p, sizeof next);
        struct pp_seg *s = seg_of(p);
        struct pp_page pg = page_of(s, p);
        pb_assert(pg.used && pg.heap == h->index && pg.cls < G.n_classes);
        if (h->ret)
            ret_put(h, pg.cls, s, p);
        else
            pb_pool_core_push(&h->cls[pg.cls], p);
        h->cls[pg.cls].frees++;
        h->drained++;
        p = next;
    }
}

/* This thread's heap, taken now: an abandoned one or a new one. NULL after
 * the thread's heap destructor ran, or when no heap can be had. */
__attribute__((noinline)) static struct pp_heap *heap_slow(void)
{
    pp_init();
    if (tls_exited)
        return NULL;
    pthread_mutex_lock(&G.lock);
    struct pp_heap *h = G.abandoned;
    if (h)
        G.abandoned = h->next_abandoned;
    else
        h = heap_new();
    if (h)
        h->state = PP_HEAP_OWNED;
    pthread_mutex_unlock(&G.lock);
    if (!h)
        return NULL;
    tls_heap = h;
    pthread_setspecific(G.key, h); /* may allocate: the heap is already set */
    heap_drain(h);
    return h;
}

/* pthread key destructor: the exiting thread abandons its heap for the next one. */
static void heap_release(void *arg)
{
    struct pp_heap *h = arg;
    tls_heap = NULL;
    tls_exited = 1;
    pthread_mutex_lock(&G.lock);
    h->state = PP_HEAP_ABANDONED;
    h->next_abandoned = G.abandoned;
    G.abandoned = h;
    pthread_mutex_unlock(&G.lock);
}

static inline struct pp_heap *heap_get(void)
{
    struct pp_heap *h = tls_heap;
    return PP_LIKELY(h != NULL) ? h : heap_slow();
}

static void remote_push(struct pp_heap *h, void *p)
{
    void *old = __atomic_load_n(&h->remote, __ATOMIC_RELAXED);
    do {
        memcpy(p, &old, sizeof old);
    } while (!__atomic_compare_exchange_n(&h->remote, &old, p, 1, __ATOMIC_RELEASE,
                                          __ATOMIC_RELAXED));
}

/* ---- fork ---- */

static void at_fork_prepare(void)
{
    pthread_mutex_lock(&G.lock);
}

static void at_fork_parent(void)
{
    pthread_mutex_unlock(&G.lock);
}

/* Only this thread survives: heaps other threads owned are never read again. */
static void at_fork_child(void)
{
    for (size_t i = 1; i <= G.n_heaps; i++) {
        struct pp_heap *h = G.heaps[i];
        if (h != tls_heap && h->state == PP_HEAP_OWNED)
            h->state = PP_HEAP_DEAD;
    }
    pthread_mutex_unlock(&G.lock);
}

/* ---- the class path ---- */

/* The class serving size bytes at alignment align, or -1 (next allocator). */
static long class_for(size_t size, size_t align)
{
    if (size > G.max_class)
        return -1;
    size_t k = G.route_table[(size + G.route.qmask) >> G.route.qshift];
    if (align <= G.aligns[k])
        return (long)k;
    size_t up = size ? (size + align - 1) & ~(align - 1) : align; /* align: a power of two */
    if (up > G.max_class || up < size)
        return -1;
    k = G.route_table[(up + G.route.qmask) >> G.route.qshift];
    return align <= G.aligns[k] ? (long)k : -1;
}

/* Return mode: a block of class k from heap h: avail head, drained remote
 * frees, a given-back slab, a new slab. */
static void *ret_take(struct pp_heap *h, size_t k)
{
    struct pp_rcls *r = &h->ret[k];
    if (!r->avail && __atomic_load_n(&h->remote, __ATOMIC_RELAXED))
        heap_drain(h);
    if (!r->avail && ret_add_slab(h, k)) {
        errno = ENOMEM;
        return NULL;
    }
    h->cls[k].allocs++;
    return ret_pop(r);
}

/* A block of class k from heap h: free list, drained remote frees, a new slab. */
static void *class_take(struct pp_heap *h, size_t k)
{
    if (h->ret)
        return ret_take(h, k);
    struct pb_pool_core *c = &h->cls[k];
    unsigned char *p = pb_pool_core_pop(c);
    if (!p && __atomic_load_n(&h->remote, __ATOMIC_RELAXED)) {
        heap_drain(h);
        p = pb_pool_core_pop(c);
    }
    if (!p) {
        char err[PB_ERR_MAX];
        p = pb_pool_core_take(c, err, sizeof err);
        if (!p) {
            errno = ENOMEM;
            return NULL;
        }
    }
    c->allocs++;
    return p;
}

/* ---- the next allocator's path ---- */

static void count_next(struct pp_heap *h, int is_free)
{
    if (h && is_free)
        h->next_frees++;
    else if (h)
        h->next_allocs++;
    else
        __atomic_fetch_add(is_free ? &G.stray_next_frees : &G.stray_next_allocs, 1,
                           __ATOMIC_RELAXED);
}

/* size bytes at align (<= 16: malloc) from the next allocator, or the boot buffer. */
static void *next_alloc(size_t size, size_t align, int zero)
{
    if (resolve_next())
        return boot_alloc(size, align);
    count_next(tls_heap, 0);
    if (align <= PP_MALLOC_ALIGN)
        return zero ? nx.calloc(1, size) : nx.malloc(size);
    void *p = nx.memalign(align, size);
    if (p && zero)
        memset(p, 0, size);
    return p;
}

/* A block that is not ours: the next allocator's (or a boot block, kept). */
static void next_free(void *p)
{
    if (is_boot(p))
        return;
    if (resolve_next())
        return; /* inside dlsym: no next block exists yet */
    count_next(tls_heap, 1);
    nx.free(p);
}

/* ---- the malloc API, callable by name (tests) ---- */

__attribute__((noinline)) static void *alloc_slow(size_t size, size_t align)
{
    pp_init();
    long k = class_for(size, align);
    struct pp_heap *h = k >= 0 ? heap_get() : NULL;
    if (!h)
        return next_alloc(size, align, 0);
    return class_take(h, (size_t)k);
}

void *pb_pp_malloc(size_t size)
{
    struct pp_heap *h = tls_heap;
    if (PP_LIKELY(h != NULL) && size <= G.max_class) {
        struct pb_pool_core *c = &h->cls[G.route_table[(size + G.route.qmask) >> G.route.qshift]];
        unsigned char *p = pb_pool_core_pop(c);
        if (PP_LIKELY(p != NULL)) {
            c->allocs++;
            return p;
        }
    }
    return alloc_slow(size, PP_MALLOC_ALIGN);
}

__attribute__((noinline)) static void free_slow(struct pp_seg *s, void *p)
{
    struct pp_page pg = page_of(s, p);
    if (!pg.used || pg.heap == 0 || pg.heap > __atomic_load_n(&G.n_heaps, __ATOMIC_RELAXED) ||
        ((uintptr_t)p & (G.aligns[pg.cls] - 1)))
        die("free(): invalid pointer", p);
    struct pp_heap *h = tls_heap;
    if (h && h->ret && pg.heap == h->index) { /* return mode: the owner's free */
        ret_put(h, pg.cls, s, p);
        h->cls[pg.cls].frees++;
        return;
    }
    remote_push(G.heaps[pg.heap], p);
}

void pb_pp_free(void *p)
{
    if (!p)
        return;
    struct pp_seg *s = seg_of(p);
    if (PP_LIKELY(s != NULL)) {
        struct pp_page pg = page_of(s, p);
        struct pp_heap *h = tls_heap;
        /* an unused entry names heap 0; in return mode fast_index names none */
        if (PP_LIKELY(h != NULL && pg.heap == h->fast_index)) {
            pb_pool_core_push(&h->cls[pg.cls], p);
            h->cls[pg.cls].frees++;
            return;
        }
        free_slow(s, p);
        return;
    }
    next_free(p);
}

size_t pb_pp_usable_size(void *p)
{
    if (!p)
        return 0;
    struct pp_seg *s = seg_of(p);
    if (s)
        return G.sizes[page_of(s, p).cls];
    if (is_boot(p))
        return boot_size(p);
    if (resolve_next())
        return 0;
    return nx.usable(p);
}

void *pb_pp_calloc(size_t n, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(n, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    pp_init();
    long k = class_for(total, PP_MALLOC_ALIGN);
    struct pp_heap *h = k >= 0 ? heap_get() : NULL;
    if (!h)
        return next_alloc(total, PP_MALLOC_ALIGN, 1);
    void *p = class_take(h, (size_t)k);
    if (p)
        memset(p, 0, total);
    return p;
}

/* Move p (usable old bytes) into a new block of size bytes. */
static void *realloc_move(void *p, size_t old, size_t size)
{
    void *q = pb_pp_malloc(size);
    if (!q)
        return NULL;
    memcpy(q, p, old < size ? old : size);
    pb_pp_free(p);
    return q;
}

void *pb_pp_realloc(void *p, size_t size)
{
    if (!p)
        return pb_pp_malloc(size);
    if (size == 0) { /* glibc's rule: free and return NULL */
        pb_pp_free(p);
        return NULL;
    }
    struct pp_seg *s = seg_of(p);
    if (s) {
        size_t k = page_of(s, p).cls;
        if (size <= G.sizes[k] && (k == 0 || size > G.sizes[k - 1]))
            return p; /* the class malloc would choose: in place */
        return realloc_move(p, G.sizes[k], size);
    }
    if (is_boot(p))
        return realloc_move(p, boot_size(p), size);
    if (size <= G.max_class || resolve_next()) /* small again: into the classes */
        return realloc_move(p, pb_pp_usable_size(p), size);
    count_next(tls_heap, 0);
    count_next(tls_heap, 1);
    return nx.realloc(p, size);
}

void *pb_pp_reallocarray(void *p, size_t n, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(n, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    return pb_pp_realloc(p, total);
}

/* glibc's memalign: an alignment not a power of two is rounded up to one. */
void *pb_pp_memalign(size_t align, size_t size)
{
    if (align <= PP_MALLOC_ALIGN)
        return pb_pp_malloc(size);
    if (align > SIZE_MAX / 2 + 1) {
        errno = EINVAL;
        return NULL;
    }
    if (align & (align - 1))
        align = (size_t)1 << (64 - __builtin_clzll((unsigned long long)align));
    if (size > SIZE_MAX - align) {
        errno = ENOMEM;
        return NULL;
    }
    return alloc_slow(size, align);
}

int pb_pp_posix_memalign(void **out, size_t align, size_t size)
{
    if (align < sizeof(void *) || (align & (align - 1)))
        return EINVAL;
    int saved = errno;
    void *p = pb_pp_memalign(align, size);
    if (!p)
        return ENOMEM;
    errno = saved;
    *out = p;
    return 0;
}

void *pb_pp_valloc(size_t size)
{
    return pb_pp_memalign(PP_PAGE, size);
}

void *pb_pp_pvalloc(size_t size)
{
    if (size > SIZE_MAX - PP_PAGE) {
        errno = ENOMEM;
        return NULL;
    }
    size_t rounded = size ? (size + PP_PAGE - 1) & ~(PP_PAGE - 1) : PP_PAGE;
    return pb_pp_memalign(PP_PAGE, rounded);
}

/* ---- the report (PB_POOLS_REPORT) ---- */

/* Sum the heaps' counters (read without stopping other threads). */
static void report_counts(uint64_t *allocs, uint64_t *frees, uint64_t *remote,
                          uint64_t *next_allocs, uint64_t *next_frees, uint64_t *gave_back)
{
    *allocs = *frees = *remote = *gave_back = 0;
    *next_allocs = __atomic_load_n(&G.stray_next_allocs, __ATOMIC_RELAXED);
    *next_frees = __atomic_load_n(&G.stray_next_frees, __ATOMIC_RELAXED);
    for (size_t i = 1; i <= G.n_heaps; i++) {
        const struct pp_heap *h = G.heaps[i];
        for (size_t k = 0; k < G.n_classes; k++) {
            *allocs += h->cls[k].allocs;
            *frees += h->cls[k].frees;
            *gave_back += h->ret ? h->ret[k].gave_back : 0;
        }
        *remote += h->drained;
        *next_allocs += h->next_allocs;
        *next_frees += h->next_frees;
    }
}

int pb_pp_report_line(char *out, size_t len)
{
    pp_init();
    uint64_t a, f, r, na, nf, gb;
    char ret[24] = "off";
    if (G.returning)
        snprintf(ret, sizeof ret, "%zu", G.keep_empty);
    pthread_mutex_lock(&G.lock);
    report_counts(&a, &f, &r, &na, &nf, &gb);
    int n = snprintf(out, len,
                     "libpoolbench-pools pid=%ld classes=%s slab=%zu return=%s heaps=%zu "
                     "segments=%zu slab_bytes=%zu class_allocs=%llu class_frees=%llu "
                     "remote_frees=%llu next_allocs=%llu next_frees=%llu slabs_returned=%llu\n",
                     (long)getpid(), G.classes_text, G.slab, ret, G.n_heaps, G.n_segs,
                     G.slab_bytes, (unsigned long long)a, (unsigned long long)f,
                     (unsigned long long)r, (unsigned long long)na, (unsigned long long)nf,
                     (unsigned long long)gb);
    pthread_mutex_unlock(&G.lock);
    return n > 0 && (size_t)n < len ? 0 : -1;
}

__attribute__((constructor)) static void pp_start(void)
{
    pp_init();
}

/* At exit: one line appended to PB_POOLS_REPORT (one write, O_APPEND). */
__attribute__((destructor)) static void pp_report(void)
{
    pp_init();
    if (!G.report[0])
        return;
    char line[PB_POOLS_MAX_CLASSES * 8 + 512];
    if (pb_pp_report_line(line, sizeof line))
        return;
    int fd = open(G.report, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        say("libpoolbench-pools: cannot open PB_POOLS_REPORT=", G.report, "\n");
        return;
    }
    if (write(fd, line, strlen(line)) < 0)
        say("libpoolbench-pools: cannot write PB_POOLS_REPORT=", G.report, "\n");
    close(fd);
}

/* ---- check ---- */

/* The route sends each size to the smallest class that fits. */
static int check_route(char *msg, size_t len)
{
    for (size_t j = 0; j < G.route.entries; j++) {
        size_t k = G.route_table[j], size = j << G.route.qshift;
        if (k >= G.n_classes || G.sizes[k] < size || (k > 0 && G.sizes[k - 1] >= size)) {
            snprintf(msg, len, "size %zu is routed to class %zu, not the smallest that fits",
                     size, k);
            return -1;
        }
    }
    return 0;
}

/* Return mode: each slab's state names the slab and a valid state. */
static int check_metas(const struct pp_seg *s, char *msg, size_t len)
{
    for (size_t i = G.hdr_pages; G.returning && i < s->next_page; i += G.slab_pages) {
        const struct pp_slab *m = meta_at(s, i);
        if (m->base != (const unsigned char *)s + (i << PP_PAGE_SHIFT) ||
            m->state < PP_SLAB_AVAIL || m->state > PP_SLAB_RETURNED) {
            snprintf(msg, len, "segment %p: the state of the slab at page %zu is wrong",
                     (const void *)s, i);
            return -1;
        }
    }
    return 0;
}

/* One segment: registered, header pages free, slab runs contiguous and valid. */
static int check_seg(const struct pp_seg *s, char *msg, size_t len)
{
    size_t hdr = G.hdr_pages, pages = G.slab_pages;
    if (s->magic != PP_SEG_MAGIC || seg_of(s) != s || s->next_page > PP_PAGES ||
        s->next_page < hdr) {
        snprintf(msg, len, "segment %p: bad header or not registered", (const void *)s);
        return -1;
    }
    if ((s->next_page - hdr) % pages) {
        snprintf(msg, len, "segment %p: %zu pages carved, not whole slabs", (const void *)s,
                 s->next_page - hdr);
        return -1;
    }
    for (size_t i = 0; i < PP_PAGES; i++) {
        const struct pp_page *pg = &s->pages[i];
        int carved = i >= hdr && i < s->next_page;
        const struct pp_page *first = carved ? &s->pages[i - (i - hdr) % pages] : pg;
        if (pg->used != carved || (!carved && (pg->heap || pg->cls)) ||
            (carved && (pg->heap == 0 || pg->heap > G.n_heaps || pg->cls >= G.n_classes ||
                        pg->heap != first->heap || pg->cls != first->cls))) {
            snprintf(msg, len, "segment %p: page %zu's map entry is wrong", (const void *)s, i);
            return -1;
        }
    }
    return check_metas(s, msg, len);
}

/* Return mode: what the segments hold for one class of one heap. */
struct pp_tally {
    size_t held, returned, not_full, empty;
    uint64_t live;
};

/* Return mode: one held slab's counts agree, its free list is distinct carved chunks. */
static int check_rslab(const struct pp_rcls *r, const struct pp_slab *m, char *msg, size_t len)
{
    if (m->bump > r->per_slab || m->live > m->bump ||
        (m->state == PP_SLAB_FULL) != (m->live == r->per_slab)) {
        snprintf(msg, len, "slab %p: %u live, %u carved of %u, state %u disagree",
                 (const void *)m->base, m->live, m->bump, r->per_slab, m->state);
        return -1;
    }
    size_t n = 0, want = m->bump - m->live;
    const unsigned char *end = m->base + (size_t)m->bump * r->chunk;
    for (const unsigned char *p = m->free; p; p = pb_pool_core_next(p)) {
        if (n++ == want)
            break; /* one more than there can be */
        if (p < m->base || p >= end || (size_t)(p - m->base) % r->chunk) {
            snprintf(msg, len, "free-list entry %p lies outside its slab %p's carved chunks",
                     (const void *)p, (const void *)m->base);
            return -1;
        }
    }
    if (n != want) {
        snprintf(msg, len, "slab %p: %s free chunks than carved minus live (%zu)",
                 (const void *)m->base, n < want ? "fewer" : "more (or one twice)", want);
        return -1;
    }
    return 0;
}

/* Return mode: every slab of heap h's class k in the segments, checked and counted. */
static int tally_class(const struct pp_heap *h, size_t k, struct pp_tally *t, char *msg,
                       size_t len)
{
    *t = (struct pp_tally){0};
    for (const struct pp_seg *s = G.cur_seg; s; s = s->older)
        for (size_t i = G.hdr_pages; i < s->next_page; i += G.slab_pages) {
            if (s->pages[i].heap != h->index || s->pages[i].cls != k)
                continue;
            const struct pp_slab *m = meta_at(s, i);
            if (m->state == PP_SLAB_RETURNED) {
                t->returned++;
                continue;
            }
            if (check_rslab(&h->ret[k], m, msg, len))
                return -1;
            t->held++;
            t->live += m->live;
            t->not_full += m->state == PP_SLAB_AVAIL;
            t->empty += m->live == 0;
        }
    return 0;
}

/* Is m a slab of heap h's class k in the given state? */
static int slab_is(const struct pp_slab *m, const struct pp_heap *h, size_t k, uint32_t state)
{
    const struct pp_seg *s = seg_of(m->base);
    struct pp_page pg = s ? page_of(s, m->base) : (struct pp_page){0};
    return pg.used && pg.heap == h->index && pg.cls == k && m->state == state;
}

/* Return mode: avail is the class's held slabs with room (linked both ways),
 * returned its given-back slabs, and the counts agree with the segments'. */
static int check_rcls(const struct pp_heap *h, size_t k, char *msg, size_t len)
{
    const struct pp_rcls *r = &h->ret[k];
    const struct pb_pool_core *c = &h->cls[k];
    struct pp_tally t;
    if (tally_class(h, k, &t, msg, len))
        return -1;
    size_t n_avail = 0, n_ret = 0;
    const struct pp_slab *prev = NULL;
    for (const struct pp_slab *m = r->avail; m && n_avail <= t.not_full; m = m->next, n_avail++) {
        if (!slab_is(m, h, k, PP_SLAB_AVAIL) || m->prev != prev)
            n_avail = t.not_full + 1; /* reported below */
        prev = m;
    }
    for (const struct pp_slab *m = r->returned; m && n_ret <= t.returned; m = m->next, n_ret++)
        if (!slab_is(m, h, k, PP_SLAB_RETURNED))
            n_ret = t.returned + 1;
    if (n_avail != t.not_full || n_ret != t.returned || t.returned != r->n_returned ||
        t.held + t.returned != r->n_slabs || t.empty != r->n_empty || r->n_empty > G.keep_empty ||
        c->n_slabs || c->free_head || c->allocs < c->frees || t.live != c->allocs - c->frees) {
        snprintf(msg, len, "avail list %zu of %zu slabs with room, given back %zu/%zu/%zu, "
                 "%zu+%zu of %zu slabs, %zu/%zu empty (keep %zu), %llu live of %llu",
                 n_avail, t.not_full, n_ret, t.returned, r->n_returned, t.held, t.returned,
                 r->n_slabs, t.empty, r->n_empty, G.keep_empty, (unsigned long long)t.live,
                 (unsigned long long)(c->allocs - c->frees));
        return -1;
    }
    return 0;
}

/* A heap's cores, and every slab of theirs mapped to (heap, class). */
static int check_heap(const struct pp_heap *h, char *msg, size_t len)
{
    char why[PB_ERR_MAX];
    for (size_t k = 0; k < G.n_classes; k++) {
        const struct pb_pool_core *c = &h->cls[k];
        if (h->ret) {
            if (check_rcls(h, k, why, sizeof why)) {
                snprintf(msg, len, "heap %u, class %zu: %.200s", h->index, G.sizes[k], why);
                return -1;
            }
            continue;
        }
        if (c->allocs < c->frees ||
            pb_pool_core_check(c, c->allocs - c->frees, why, sizeof why)) {
            snprintf(msg, len, "heap %u, class %zu: %.200s", h->index, G.sizes[k],
                     c->allocs < c->frees ? "more frees than allocs" : why);
            return -1;
        }
        for (size_t i = 0; i < c->n_slabs; i++) {
            const unsigned char *base = c->slabs[i].base;
            const struct pp_seg *s = seg_of(base);
            struct pp_page pg = s ? page_of(s, base) : (struct pp_page){0};
            if (!pg.used || pg.heap != h->index || pg.cls != k) {
                snprintf(msg, len, "heap %u, class %zu: slab %p is not mapped to it",
                         h->index, G.sizes[k], (const void *)base);
                return -1;
            }
        }
    }
    return 0;
}

int pb_pp_check(char *msg, size_t len)
{
    pp_init();
    char why[PB_ERR_MAX];
    int rc = check_route(why, sizeof why);
    pthread_mutex_lock(&G.lock);
    size_t n = 0;
    for (const struct pp_seg *s = G.cur_seg; !rc && s; s = s->older, n++)
        rc = check_seg(s, why, sizeof why);
    if (!rc && n != G.n_segs) {
        snprintf(why, sizeof why, "%zu segments on the chain, %zu counted", n, G.n_segs);
        rc = -1;
    }
    for (const struct pp_heap *h = G.abandoned; !rc && h; h = h->next_abandoned)
        rc = check_heap(h, why, sizeof why);
    if (!rc && tls_heap)
        rc = check_heap(tls_heap, why, sizeof why);
    pthread_mutex_unlock(&G.lock);
    if (rc)
        snprintf(msg, len, "libpoolbench-pools: %s", why);
    return rc;
}

/* ---- the exported names ---- */

#ifndef PB_PP_NO_INTERPOSE
PP_EXPORT void *malloc(size_t size)
{
    return pb_pp_malloc(size);
}

PP_EXPORT void free(void *p)
{
    pb_pp_free(p);
}

PP_EXPORT void *calloc(size_t n, size_t size)
{
    return pb_pp_calloc(n, size);
}

PP_EXPORT void *realloc(void *p, size_t size)
{
    return pb_pp_realloc(p, size);
}

PP_EXPORT void *reallocarray(void *p, size_t n, size_t size)
{
    return pb_pp_reallocarray(p, n, size);
}

PP_EXPORT void *aligned_alloc(size_t align, size_t size)
{
    return pb_pp_memalign(align, size);
}

PP_EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
    return pb_pp_posix_memalign(out, align, size);
}

PP_EXPORT void *memalign(size_t align, size_t size)
{
    return pb_pp_memalign(align, size);
}

PP_EXPORT void *valloc(size_t size)
{
    return pb_pp_valloc(size);
}

PP_EXPORT void *pvalloc(size_t size)
{
    return pb_pp_pvalloc(size);
}

PP_EXPORT size_t malloc_usable_size(void *p)
{
    return pb_pp_usable_size(p);
}

PP_EXPORT int pb_pools_preload_check(char *msg, size_t len)
{
    return pb_pp_check(msg, len);
}
#endif
