/*
 * pb_record_preload.c -- the LD_PRELOAD library behind `poolbench record`.
 *
 * Loaded into a program with LD_PRELOAD=libpbrecord.so and PB_RECORD_OUT=FILE,
 * it interposes malloc, calloc, realloc, free, aligned_alloc, posix_memalign,
 * memalign, valloc, pvalloc and reallocarray, forwards each call to the next
 * definition (normally glibc's, found with dlsym(RTLD_NEXT)), and appends the
 * call as a v1 trace event (a, f, r, and t when the thread changes) to FILE.
 *
 * How it stays out of its own way:
 * - Bootstrap: dlsym may itself call calloc/malloc before the real functions
 *   are known. While a thread is resolving, requests are served from a small
 *   static buffer; its blocks are recognised by address, never freed, and a
 *   realloc of one copies it into a real block.
 * - A thread-local flag marks "inside the recorder": anything the recorder
 *   (or a libc function it calls) allocates goes straight to the real
 *   allocator and is not recorded (nor is a call from a signal handler that
 *   interrupted a hook).
 * - All tables and buffers live in memory from mmap, never from the
 *   intercepted malloc.
 *
 * A call, as it happens (no lock): every thread has its own buffer (struct
 * pb_rec_thread: a ring of PB_REC_RING 24-byte events from mmap, found through
 * a thread-local pointer). A hook takes one number from the process's
 * sequence counter (rec.seq, one atomic fetch-add), writes the event
 * {number, operation, address, size, alignment, tag} into its ring and
 * publishes it by advancing the ring's tail (a release store). No table, no
 * lock, no text. A thread whose ring is full merges (below) before it takes
 * its number, so no thread ever waits while it holds a number it has not
 * published. While only one thread records (a one-thread program, or the
 * first thread until a second one makes its first call), it takes its
 * numbers with a plain load and store instead of the fetch-add, whose
 * locked instruction drains the store buffer at every call; the second
 * thread's first call switches it over (solo_end: a membarrier and a flag)
 * before that thread takes a number, so the numbers are the same ones a
 * fetch-add would have given.
 *
 * Merging (rec.lock held): the merger handles the events strictly in number
 * order. Each ring is in increasing order (a thread takes its numbers one
 * after the other), so the event numbered rec.next_out is either at the head
 * of some ring or not yet published: a thread is between its fetch-add and
 * its tail store (a few stores, never a wait), and the merger stops there
 * (and yields when it must make progress). Only the merger touches the
 * address -> ID table, the IDs, the counters and the text: for each event in
 * order it does what a recorder under one global lock would do at that
 * point, formats the line and appends it to the output buffer. Merges
 * run when a ring is full, before an exec, at _exit and from a destructor at
 * exit; the text is written with write(2) when the output buffer is full.
 *
 * Why number order is a valid trace order. The numbers come from RMWs on one
 * atomic object, so they follow its modification order, and that order
 * agrees with happens-before (C11 write-write coherence: an RMW that happens
 * before another is earlier in the modification order, whatever the memory
 * order). Then:
 * - An allocation takes its number after the real call returned A and before
 *   the hook returns A to the program. Any call on A (free, realloc, in any
 *   thread) is made by code that got A from that return, so it happens after
 *   it and takes a larger number: every f and r comes after its a.
 * - A free takes its number before the real free(A). A later allocation that
 *   returns A does so after that real free (the allocator hands the memory
 *   over: the free happens before the reuse), so its number is larger: an
 *   address is reused only after its free, and the table never maps one
 *   address to two live IDs.
 * - realloc(p, n) takes two numbers: one before the real call, when p leaves
 *   the table (the call may free p and another thread get it back), and one
 *   after it returned q, where the r line is written and q enters the table.
 *   Both rules hold for each.
 * - A thread's own events keep their program order (its numbers increase).
 * So the file is a valid order of the run, and IDs, dropped frees and reused
 * addresses come out exactly as under a lock. Should a thread stay stopped
 * inside a hook (PB_REC_WAIT_MAX yields), the merger goes on without its
 * number and writes its event where it arrives; the table rules (a free of
 * an unknown address is dropped, an address seen again without its free
 * gets one) keep even that file valid, and the summary counts it.
 *
 * Threads: a buffer gets its trace thread number (TID) when its first line is
 * written: 0, 1, 2... in that order (65535 is shared by all threads past it,
 * counted). A `t TID` line precedes an event whose thread is not the
 * previous event's, so a one-thread program's trace has no t line. When a
 * thread exits (a pthread key destructor) and its events are written, its
 * buffer goes to the next new thread, which gets a new number.
 *
 * IDs: a monotonic counter per process, so a reused address gets a new ID.
 *
 * Files: the first process (PB_RECORD_FIRST=its pid, or any process when unset)
 * creates FILE exclusively; every other process image writes FILE.<pid>
 * (FILE.<pid>.<k> when a process execs more than once). When the first
 * process execs, its new program takes FILE over and the trace of the one
 * before moves to FILE.<pid>[.<k>], so FILE ends up holding the last program
 * (a wrapper script's real program). A fork child starts empty: it drops the
 * parent's unmerged rings, text and address table, so frees of blocks
 * inherited from the parent are counted as dropped frees.
 * PB_RECORD_FOLLOW (with PB_RECORD_FIRST) limits who records: "none" only
 * the first program of the first process, "exec" every program of the first
 * process, "all" (or unset) every process. A process not followed records
 * nothing (state SKIP).
 * PB_RECORD_LIST, when set, names a file to which each process appends a
 * record: which file it writes, or that it is not followed (format in
 * pb_record_list.h; poolbench record reads it to report the files). The files
 * get mode PB_RECORD_MODE (octal, the bits of the trace poolbench record
 * replaces) or 0644, less the umask.
 *
 * --sites: the hook turns the return address into a tag index through a
 * cache that is read without a lock (entries are written once, the address
 * last, with release); a new address is named with dladdr outside any lock
 * and added under rec.site_lock. A new address in a module not seen before
 * also notes the module (build-id, path: module_note) for its `# pb-module`
 * line, which the merger writes. With --sites=depth=N (N > 1) the address is
 * the Nth caller's, from a backtrace() walk per call (caller_at_depth).
 *
 * Costs: a recorded call is one fetch-add (a plain load and store while one
 * thread records) and four stores to the thread's ring (PB_REC_RING events,
 * 6 KiB: it stays in L1); merging costs a table
 * probe (the slot prefetched a few events ahead) and the line's formatting
 * per event (IDs are kept as decimal text, so only sizes are converted), a
 * scan of the live threads per run of one thread's events, the lock once a
 * ring is full, and one write(2) per PB_REC_BUF_SIZE bytes of text.
 * bench/record-overhead.sh measures it (docs/recording.md).
 *
 * Global mutable state is unavoidable here (an interposer has no caller to
 * hand it a context); it is all in `rec` below plus the thread-local
 * pointers and flags.
 */

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <link.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h> /* renameat2 only: no stdio call here (it may allocate) */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "pb_record_list.h"

#define PB_REC_EXPORT __attribute__((visibility("default")))
#define PB_REC_TLS __thread __attribute__((tls_model("initial-exec")))

#define PB_REC_BUF_SIZE (128u << 10) /* output buffer (fits the L2 cache) */
#define PB_REC_LINE_MAX 256         /* longest line we append at once */
#define PB_REC_BOOT_SIZE (64u << 10) /* bootstrap arena for dlsym */
#define PB_REC_MAX_SIZE ((uint64_t)1 << 40)
#define PB_REC_MAX_ALIGN 4096u
#define PB_REC_TAG_LEN 64
#define PB_REC_MAX_TAGS 65000u
#define PB_REC_NO_TAG UINT32_MAX
#define PB_REC_SITE_SLOTS (1u << 17) /* at least twice PB_REC_MAX_TAGS: never grows */
#define PB_REC_PATH_MAX 4096
#define PB_REC_MOD_NAME 47          /* a tag's module part, at most (47 + ':' + 16 hex digits) */
#define PB_REC_MAX_MODULES 1024u     /* modules noted in # pb-module lines */
#define PB_REC_BUILD_ID_MAX 64       /* bytes of a build-id (a GNU one has 20) */
#define PB_REC_MAX_DEPTH 16          /* PB_RECORD_SITES=N: the Nth caller, at most */
#define PB_REC_ID_DIGITS 15         /* IDs stay below 10^15: recording stops there */
#define PB_REC_TABLE_START (1u << 10)   /* address slots at first (see table_full) */
#define PB_REC_TABLE_SPARSE (1u << 12)  /* up to here the table is kept a quarter full */
#define PB_REC_RING (1u << 8)        /* events per thread buffer */
#define PB_REC_AHEAD 16              /* events the merger prefetches ahead */
#define PB_REC_MAX_TID 65535u        /* the trace format's largest thread number */
#define PB_REC_NO_TID UINT32_MAX
#define PB_REC_WAIT_MAX (1u << 20)   /* yields before the merger goes on without a number */

/* --- the real functions ---------------------------------------------------- */

struct pb_rec_real {
    void *(*malloc)(size_t);
    void *(*calloc)(size_t, size_t);
    void *(*realloc)(void *, size_t);
    void (*free)(void *);
    void *(*aligned_alloc)(size_t, size_t);
    int (*posix_memalign)(void **, size_t, size_t);
    void *(*memalign)(size_t, size_t);
    void *(*valloc)(size_t);
    void *(*pvalloc)(size_t);
    int (*execve)(const char *, char *const[], char *const[]);
    int (*execv)(const char *, char *const[]);
    int (*execvp)(const char *, char *const[]);
    int (*execvpe)(const char *, char *const[], char *const[]);
    void (*exit_)(int);
    void (*Exit_)(int);
};

/* --- address -> ID table (open addressing, linear probing; the merger's) ---- */

/* A block's ID as the decimal text its lines need: kept as text, an ID is
 * converted once (counted up in decimal), not at every f and r. len 0: no ID. */
struct pb_rec_id {
    uint8_t len;
    char text[PB_REC_ID_DIGITS]; /* not terminated */
};

struct pb_rec_slot {
    uintptr_t addr; /* 0 = empty */
    struct pb_rec_id id;
};

struct pb_rec_table {
    struct pb_rec_slot *slots;
    size_t cap; /* power of two */
    size_t used;
    size_t limit; /* grow before used passes it (table_full) */
};

/* --- call site -> tag cache (read without a lock, written once per slot) ---- */

struct pb_rec_site {
    uintptr_t ra;  /* 0 = empty; stored last (release) */
    uint32_t tag;  /* index into the tag store */
};

struct pb_rec_sites {
    struct pb_rec_site *slots; /* PB_REC_SITE_SLOTS */
    char (*tags)[PB_REC_TAG_LEN + 1]; /* PB_REC_MAX_TAGS + 1: the last is "other" */
    uint32_t n_tags; /* atomic: written under rec.site_lock */
};

/* A module (executable or shared library) a site is in: its `# pb-module`
 * line. A slot is claimed (fetch-add on n_claimed) and filled by the thread
 * that met the module's first site, without a lock, then published (ready,
 * release); the merger writes each ready slot once per file (written). */
struct pb_rec_module {
    uintptr_t base;  /* dli_fbase */
    int ready;       /* atomic: filled */
    int written;     /* the merger's: its line is in the current file */
    char name[PB_REC_MOD_NAME + 1];           /* the tags' module part */
    char build_id[2 * PB_REC_BUILD_ID_MAX + 1]; /* lowercase hex, "-" when none */
    char path[PB_REC_PATH_MAX];               /* absolute ("" when unknown) */
};

struct pb_rec_modules {
    struct pb_rec_module *v; /* PB_REC_MAX_MODULES, from mmap */
    uint32_t n_claimed;      /* atomic; may pass PB_REC_MAX_MODULES (those are not noted) */
};

/* --- one call, as its hook saw it, and the per-thread buffers ---------------- */

/* The operation of an event. A realloc is two events: BEGIN before the real
 * call (its block leaves the table), END after it (the r line). */
enum { PB_EV_ALLOC = 0, PB_EV_FREE = 1, PB_EV_RBEGIN = 2, PB_EV_REND = 3 };

/* 24 bytes. seq_op: the sequence number (below 2^56), the operation in bits
 * 56-59, the alignment code in bits 60-63 (0: none, k: 2^(k-1) for 1..13, 14:
 * above 4096). info: the size in bits 0-40 (a size above 2^40 is 2^40 + 1),
 * the tag index plus one in bits 41-63 (0: none). addr: the block; for END
 * the address realloc returned (0: it failed or freed). */
struct pb_rec_ev {
    uint64_t seq_op;
    uint64_t addr;
    uint64_t info;
};

#define PB_EV_SEQ_BITS 56
#define PB_EV_SIZE_BITS 41
#define PB_EV_ALIGN_OVER 14u

/* A thread's buffer: a ring with one producer (its thread) and one consumer
 * (the merger, rec.lock held). tail and head count events since the buffer
 * was handed out; tail - head <= PB_REC_RING. */
struct pb_rec_thread {
    uint64_t tail;      /* events published (the owner's release store) */
    uint64_t head_seen; /* the owner's last look at head */
    int exited;         /* the owner has exited (release) */
    int solo;           /* atomic: the owner takes numbers without an RMW (see solo_end) */
    int busy;           /* atomic: the owner is taking a number that way (release when done) */
    _Alignas(64) uint64_t head; /* events merged (the merger's release store) */
    uint64_t pos;       /* the merger's cursor (head, before it is published) */
    uint64_t snap;      /* tail as this merge pass saw it */
    uint32_t tid;       /* trace thread number, PB_REC_NO_TID until its first line */
    struct pb_rec_id rpend_id; /* the realloc between its BEGIN and END: its block's ID */
    uintptr_t rpend_addr; /* ... and its old address */
    struct pb_rec_thread *next; /* in rec.threads or rec.spare */
    struct pb_rec_ev *ring;     /* PB_REC_RING events, after this struct */
};

/* --- the recorder's state ------------------------------------------------------ */

/* SKIP: configured, but this process is not followed (PB_RECORD_FOLLOW). */
enum { PB_REC_UNKNOWN = 0, PB_REC_ON = 1, PB_REC_OFF = 2, PB_REC_DONE = 3, PB_REC_SKIP = 4 };

/* PB_RECORD_FOLLOW: which processes besides the first program of PB_RECORD_FIRST record. */
enum { PB_REC_FOLLOW_NONE = 0, PB_REC_FOLLOW_EXEC = 1, PB_REC_FOLLOW_ALL = 2 };

struct pb_rec {
    _Alignas(64) uint64_t seq; /* the next sequence number: fetch-add, no lock */
    _Alignas(64) pthread_mutex_t lock; /* the merger's: everything below but site_lock */
    pthread_mutex_t site_lock; /* adding to the call-site cache */
    int state;            /* PB_REC_*: written under the lock, read anywhere (atomic) */
    int sites;            /* PB_RECORD_SITES=N: 0 off, else the caller depth N (1: the allocator's caller) */
    int fd;               /* output file, -1 until opened */
    dev_t fd_dev;         /* the file fd must still refer to (programs close fds) */
    ino_t fd_ino;
    char path[PB_REC_PATH_MAX + 48]; /* the file this process writes */
    int forked;           /* this process is a fork child of a recorded one */
    pid_t parent;         /* for the fork child's header */
    pid_t owner;          /* the process this state belongs to (not a vfork child) */
    char out[PB_REC_PATH_MAX];  /* PB_RECORD_OUT */
    char list[PB_REC_PATH_MAX]; /* PB_RECORD_LIST ("" = none) */
    long first_pid;       /* PB_RECORD_FIRST, 0 when unset */
    int follow;           /* PB_REC_FOLLOW_* (ALL when PB_RECORD_FIRST is unset) */
    mode_t mode;          /* PB_RECORD_MODE (octal: a replaced trace's bits), else 0644 */
    char exe[PB_REC_PATH_MAX]; /* /proc/self/exe ("" when unreadable) */
    char self[128];       /* its base name, for tags */
    struct pb_rec_table table;
    struct pb_rec_sites site;
    struct pb_rec_modules mods;
    struct pb_rec_thread *threads; /* the buffers of the threads that record */
    struct pb_rec_thread *solo;    /* the buffer whose thread numbers alone, or NULL */
    int solo_ok;          /* the next buffer handed out may number alone (membarrier registered) */
    struct pb_rec_thread *spare;   /* buffers of exited threads, for new ones */
    pthread_key_t key;    /* its destructor marks a thread's buffer exited */
    int have_key;
    uint64_t next_out;    /* the next sequence number the merger writes */
    uint32_t next_tid;    /* the next trace thread number */
    uint32_t cur_tid;     /* the thread of the last event line */
    struct pb_rec_id next_id;
    uint64_t n_alloc, n_free, n_realloc, dropped_frees, unknown_reallocs, implicit_frees;
    uint64_t too_big, over_aligned, skipped_seqs, shared_tids;
    uint64_t late_seqs;   /* events below next_out when merged: the skipped ones, when they come */
    size_t len;
    char buf[PB_REC_BUF_SIZE];
};

static struct pb_rec rec = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .site_lock = PTHREAD_MUTEX_INITIALIZER,
    .fd = -1,
    .next_id = {1, "1"},
};
static struct pb_rec_real real;

static PB_REC_TLS int in_recorder; /* this thread is inside the recorder */
static PB_REC_TLS int resolving;   /* this thread is inside dlsym */
static PB_REC_TLS struct pb_rec_thread *cur_thread; /* this thread's buffer, NULL until its first call */

static _Alignas(16) char boot_buf[PB_REC_BOOT_SIZE];
static size_t boot_used; /* atomically bumped */

static int get_state(void)
{
    return __atomic_load_n(&rec.state, __ATOMIC_RELAXED);
}

/* The lock is held (or the process has one thread: a fork child). */
static void set_state(int state)
{
    __atomic_store_n(&rec.state, state, __ATOMIC_RELAXED);
}

/* ---------------------------------------------------------------------------- */
/* bootstrap arena                                                              */

/* Each bootstrap block is preceded by 16 bytes holding its size. */
static void *boot_alloc(size_t size, size_t align)
{
    if (align < 16)
        align = 16;
    if (size > PB_REC_BOOT_SIZE)
        return NULL;
    size_t need = (size + 16 + align - 1 + 15) & ~(size_t)15;
    size_t start = __atomic_fetch_add(&boot_used, need, __ATOMIC_RELAXED);
    if (start + need > PB_REC_BOOT_SIZE)
        return NULL;
    uintptr_t base = (uintptr_t)boot_buf + start + 16;
    uintptr_t p = (base + align - 1) & ~(uintptr_t)(align - 1);
    ((size_t *)p)[-1] = size;
    return (void *)p; /* static storage is already zeroed */
}

static int is_boot(const void *p)
{
    return (const char *)p >= boot_buf && (const char *)p < boot_buf + PB_REC_BOOT_SIZE;
}

static size_t boot_size(const void *p)
{
    return ((const size_t *)p)[-1];
}

/* ---------------------------------------------------------------------------- */
/* resolving the real functions                                                 */

static void *next_sym(const char *name)
{
    return dlsym(RTLD_NEXT, name);
}

/* Fill `real`. Returns 0 when malloc & co. are known; -1 while this thread is
 * already inside dlsym (the caller then uses the bootstrap arena). */
__attribute__((noinline)) static int resolve_slow(void)
{
    if (__atomic_load_n(&real.free, __ATOMIC_ACQUIRE))
        return 0;
    if (resolving)
        return -1;
    resolving = 1;
    struct pb_rec_real r;
    memset(&r, 0, sizeof r);
    *(void **)&r.malloc = next_sym("malloc");
    *(void **)&r.calloc = next_sym("calloc");
    *(void **)&r.realloc = next_sym("realloc");
    *(void **)&r.aligned_alloc = next_sym("aligned_alloc");
    *(void **)&r.posix_memalign = next_sym("posix_memalign");
    *(void **)&r.memalign = next_sym("memalign");
    *(void **)&r.valloc = next_sym("valloc");
    *(void **)&r.pvalloc = next_sym("pvalloc");
    *(void **)&r.execve = next_sym("execve");
    *(void **)&r.execv = next_sym("execv");
    *(void **)&r.execvp = next_sym("execvp");
    *(void **)&r.execvpe = next_sym("execvpe");
    *(void **)&r.exit_ = next_sym("_exit");
    *(void **)&r.Exit_ = next_sym("_Exit");
    *(void **)&r.free = next_sym("free");
    resolving = 0;
    if (!r.malloc || !r.calloc || !r.realloc || !r.free)
        abort(); /* no allocator below us: nothing sensible to do */
    void (*fr)(void *) = r.free;
    r.free = NULL;
    real = r;
    __atomic_store_n(&real.free, fr, __ATOMIC_RELEASE); /* published last */
    return 0;
}

static inline int resolve(void)
{
    if (__builtin_expect(__atomic_load_n(&real.free, __ATOMIC_ACQUIRE) != NULL, 1))
        return 0;
    return resolve_slow();
}

/* ---------------------------------------------------------------------------- */
/* small formatting helpers (no stdio: it may allocate)                         */

static char *put_str(char *p, const char *s)
{
    while (*s)
        *p++ = *s++;
    return p;
}

static const char pb_rec_pairs[201] = "00010203040506070809101112131415161718192021222324"
                                     "25262728293031323334353637383940414243444546474849"
                                     "50515253545556575859606162636465666768697071727374"
                                     "75767778798081828384858687888990919293949596979899";

/* v in decimal, two digits per division, written in place (no memcpy call). */
static char *put_u64(char *p, uint64_t v)
{
    if (v < 100) { /* most sizes: no loop, no division */
        if (v < 10) {
            *p = (char)('0' + v);
            return p + 1;
        }
        p[0] = pb_rec_pairs[2 * v];
        p[1] = pb_rec_pairs[2 * v + 1];
        return p + 2;
    }
    if (v < 10000) {
        unsigned hi = (unsigned)v / 100, lo = (unsigned)v % 100 * 2;
        if (hi < 10) {
            p[0] = (char)('0' + hi);
            p[1] = pb_rec_pairs[lo];
            p[2] = pb_rec_pairs[lo + 1];
            return p + 3;
        }
        p[0] = pb_rec_pairs[2 * hi];
        p[1] = pb_rec_pairs[2 * hi + 1];
        p[2] = pb_rec_pairs[lo];
        p[3] = pb_rec_pairs[lo + 1];
        return p + 4;
    }
    unsigned n = 5;
    for (uint64_t lim = 100000; n < 20 && v >= lim; lim *= 10)
        n++;
    char *q = p + n;
    while (v >= 100) {
        unsigned d = (unsigned)(v % 100) * 2;
        v /= 100;
        q -= 2;
        q[0] = pb_rec_pairs[d];
        q[1] = pb_rec_pairs[d + 1];
    }
    if (v >= 10) {
        q[-2] = pb_rec_pairs[2 * v];
        q[-1] = pb_rec_pairs[2 * v + 1];
    } else {
        q[-1] = (char)('0' + v);
    }
    return p + n;
}

/* put_u64 for an event's size: sizes below 1000 (most of them) formatted in
 * line, without the call. */
__attribute__((always_inline)) static inline char *put_size(char *p, uint64_t v)
{
    if (v >= 1000)
        return put_u64(p, v);
    if (v < 100)
        return put_u64(p, v); /* its first case, inlined */
    unsigned hi = (unsigned)v / 100, lo = (unsigned)v % 100 * 2;
    p[0] = (char)('0' + hi);
    p[1] = pb_rec_pairs[lo];
    p[2] = pb_rec_pairs[lo + 1];
    return p + 3;
}

static char *put_hex(char *p, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v);
    while (n)
        *p++ = tmp[--n];
    return p;
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return; /* disk full or closed: nothing we can report from here */
        p += w;
        n -= (size_t)w;
    }
}

/* ---------------------------------------------------------------------------- */
/* mmap-backed tables                                                           */

static void *map_zeroed(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static size_t hash_addr(uintptr_t a, size_t mask)
{
    uint64_t h = (uint64_t)a * 0x9E3779B97F4A7C15ull;
    return (size_t)(h ^ h >> 32) & mask; /* the product's high bits into the low ones */
}

/* Time to grow: at a quarter full while the table is small (short probe runs
 * for the common case of a few thousand live blocks), at half full beyond
 * PB_REC_TABLE_SPARSE slots: 24-byte slots, so 48 to 96 bytes per live block. */
static int table_init(struct pb_rec_table *t, size_t cap)
{
    t->slots = map_zeroed(cap * sizeof *t->slots);
    t->cap = t->slots ? cap : 0;
    t->used = 0;
    t->limit = t->cap / (t->cap <= PB_REC_TABLE_SPARSE ? 4 : 2);
    return t->slots ? 0 : -1;
}

static void table_put_raw(struct pb_rec_table *t, uintptr_t addr, struct pb_rec_id id)
{
    size_t mask = t->cap - 1;
    size_t i = hash_addr(addr, mask);
    while (t->slots[i].addr)
        i = (i + 1) & mask;
    t->slots[i].addr = addr;
    t->slots[i].id = id;
    t->used++;
}

static int table_grow(struct pb_rec_table *t)
{
    struct pb_rec_table n;
    if (table_init(&n, t->cap * 2) != 0)
        return -1;
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i].addr)
            table_put_raw(&n, t->slots[i].addr, t->slots[i].id);
    munmap(t->slots, t->cap * sizeof *t->slots);
    *t = n;
    return 0;
}

/* Would one more entry pass the table's limit (table_init)? */
static int table_full(const struct pb_rec_table *t)
{
    return t->used + 1 > t->limit;
}

/* Index of addr's slot, or (size_t)-1. */
static size_t table_find(const struct pb_rec_table *t, uintptr_t addr)
{
    size_t mask = t->cap - 1;
    for (size_t i = hash_addr(addr, mask);; i = (i + 1) & mask) {
        if (t->slots[i].addr == addr)
            return i;
        if (!t->slots[i].addr)
            return (size_t)-1;
    }
}

/* Remove slot i, shifting later entries of its probe run back (no tombstones). */
__attribute__((always_inline)) static inline void table_remove_at(struct pb_rec_table *t, size_t i)
{
    size_t mask = t->cap - 1;
    size_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (!t->slots[j].addr)
            break;
        size_t home = hash_addr(t->slots[j].addr, mask);
        /* move j to i when home is not cyclically in (i, j] */
        if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
            t->slots[i] = t->slots[j];
            i = j;
        }
    }
    t->slots[i].addr = 0;
    t->slots[i].id.len = 0;
    t->used--;
}

/* Take addr out of the table; its ID into *id (length 0 when unknown). IDs
 * go by pointer, never by value: a 16-byte value passed in two registers and
 * read back whole stalls store forwarding, per event. */
static void table_take(struct pb_rec_table *t, uintptr_t addr, struct pb_rec_id *id)
{
    size_t i = table_find(t, addr);
    if (i == (size_t)-1) {
        id->len = 0;
        return;
    }
    *id = t->slots[i].id;
    table_remove_at(t, i);
}

/* ---------------------------------------------------------------------------- */
/* output                                                                       */

/* Is rec.fd still our output file? A program may close every descriptor
 * (daemons do) and open another file under the same number. */
static int fd_is_ours(void)
{
    struct stat st;
    return fstat(rec.fd, &st) == 0 && st.st_dev == rec.fd_dev && st.st_ino == rec.fd_ino;
}

static void flush_locked(void)
{
    if (rec.fd >= 0 && rec.len && !fd_is_ours()) {
        rec.fd = open(rec.path, O_WRONLY | O_APPEND | O_CLOEXEC); /* closed under us */
        if (rec.fd >= 0 && !fd_is_ours()) {
            close(rec.fd);
            rec.fd = -1;
        }
        if (rec.fd < 0)
            set_state(PB_REC_OFF);
    }
    if (rec.fd >= 0 && rec.len)
        write_all(rec.fd, rec.buf, rec.len);
    rec.len = 0;
}

static void append(const char *s, size_t n)
{
    if (rec.len + n > PB_REC_BUF_SIZE)
        flush_locked();
    memcpy(rec.buf + rec.len, s, n);
    rec.len += n;
}

/* "# <text>\n" */
static void comment(const char *text)
{
    char line[PB_REC_LINE_MAX];
    char *p = put_str(line, "# ");
    size_t n = strlen(text);
    if (n > PB_REC_LINE_MAX - 4)
        n = PB_REC_LINE_MAX - 4;
    memcpy(p, text, n);
    p += n;
    *p++ = '\n';
    append(line, (size_t)(p - line));
}

/* The command line from /proc/self/cmdline as comment lines (long ones split). */
static void comment_cmdline(void)
{
    char cmd[2048];
    ssize_t n = 0;
    int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        n = read(fd, cmd, sizeof cmd - 1);
        close(fd);
    }
    if (n < 0)
        n = 0;
    for (ssize_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)cmd[i];
        if (c == '\0')
            cmd[i] = ' ';
        else if (c < 0x20 || c >= 0x7f)
            cmd[i] = '?'; /* traces are ASCII, one comment per line */
    }
    while (n > 0 && cmd[n - 1] == ' ')
        n--;
    cmd[n] = '\0';
    const size_t chunk = 200;
    for (size_t off = 0; off < (size_t)n; off += chunk) {
        char line[PB_REC_LINE_MAX];
        char *p = put_str(line, off ? "command (cont.): " : "command: ");
        size_t k = (size_t)n - off < chunk ? (size_t)n - off : chunk;
        memcpy(p, cmd + off, k);
        p[k] = '\0';
        comment(line);
    }
}

static void modules_unwritten(void);

static void write_header(void)
{
    char line[PB_REC_LINE_MAX];
    append("poolbench-trace 1\n", 18);
    if (rec.sites)
        modules_unwritten();
    comment("recorded by poolbench record (libpbrecord.so)");
    comment_cmdline();
    char *p = put_str(line, "pid: ");
    p = put_u64(p, (uint64_t)getpid());
    if (rec.forked) {
        p = put_str(p, ", forked from pid ");
        p = put_u64(p, (uint64_t)rec.parent);
    }
    *p = '\0';
    comment(line);
}

static int try_create(const char *path)
{
    return open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, rec.mode);
}

/* One record of the list file (pb_record_list.h), in one O_APPEND write. */
static void note_in_list(char kind, const char *path)
{
    if (!rec.list[0])
        return;
    int fd = open(rec.list, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0)
        return;
    char head[64];
    char *p = head;
    *p++ = kind;
    *p++ = '\0';
    p = put_u64(p, (uint64_t)getpid());
    *p++ = '\0';
    p = put_u64(p, (uint64_t)getppid());
    *p++ = '\0';
    struct iovec iov[3] = {
        {head, (size_t)(p - head)},
        {rec.exe, strlen(rec.exe) + 1},
        {(void *)path, strlen(path) + 1},
    };
    while (writev(fd, iov, 3) < 0 && errno == EINTR)
        ; /* one write: atomic among appenders; a short one leaves the list cut there */
    close(fd);
}

/* FILE.<pid> (k = 0) or FILE.<pid>.<k> into path. */
static void numbered_name(char *path, unsigned k)
{
    char *p = put_str(path, rec.out);
    *p++ = '.';
    p = put_u64(p, (uint64_t)getpid());
    if (k) {
        *p++ = '.';
        p = put_u64(p, k);
    }
    *p = '\0';
}

/* The first free FILE.<pid>[.<k>], created exclusively; its fd or -1. */
static int create_numbered(char *path)
{
    int fd = -1;
    for (unsigned k = 0; fd < 0 && k < 100; k++) {
        numbered_name(path, k);
        fd = try_create(path);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    return fd;
}

/* rename(from, to) that never replaces to (EEXIST when it exists). */
static int rename_noreplace(const char *from, const char *to)
{
    if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return -1;
    if (link(from, to) != 0) /* a file system without RENAME_NOREPLACE */
        return -1;
    return unlink(from);
}

/* FILE, written by the program this one replaced (exec), moves to the first
 * free FILE.<pid>[.<k>] so that this program can take FILE; 0 when moved. */
static int move_aside(void)
{
    char path[PB_REC_PATH_MAX + 48];
    for (unsigned k = 0; k < 100; k++) {
        numbered_name(path, k);
        if (rename_noreplace(rec.out, path) == 0) {
            note_in_list(PB_REC_LIST_MOVED, path);
            return 0;
        }
        if (errno != EEXIST)
            return -1;
    }
    return -1;
}

/* A program of the first process (PB_RECORD_FIRST): it creates FILE. When
 * FILE exists, the program before this one exec'd: with --follow exec or all
 * this one takes FILE over (the last program is the one the user asked for;
 * a wrapper script's trace moves to FILE.<pid>); with --follow none it is
 * not recorded (state SKIP). The fd, or -1 (path then unset). */
static int claim_main(char *path)
{
    int fd = try_create(rec.out);
    if (fd < 0 && errno == EEXIST && rec.first_pid == (long)getpid()) {
        if (rec.follow == PB_REC_FOLLOW_NONE) {
            set_state(PB_REC_SKIP);
            note_in_list(PB_REC_LIST_SKIP_MAIN, "");
            return -1;
        }
        if (move_aside() == 0)
            fd = try_create(rec.out);
    }
    if (fd >= 0)
        memcpy(path, rec.out, strlen(rec.out) + 1);
    return fd;
}

/* Open this process's output file (see the naming rules at the top). */
static void open_output(void)
{
    char path[PB_REC_PATH_MAX + 48];
    long pid = (long)getpid();
    int fd = -1;
    char kind = rec.forked ? PB_REC_LIST_FORK : PB_REC_LIST_EXEC;
    if (!rec.forked && (rec.first_pid == 0 || rec.first_pid == pid)) {
        fd = claim_main(path);
        if (rec.state != PB_REC_ON)
            return;
        if (rec.first_pid == pid || fd >= 0)
            kind = PB_REC_LIST_MAIN;
    }
    if (fd < 0)
        fd = create_numbered(path);
    if (fd < 0) {
        set_state(PB_REC_OFF); /* cannot write: stop recording, keep running */
        return;
    }
    int high = fcntl(fd, F_DUPFD_CLOEXEC, 500); /* out of the way of the program's fds */
    if (high >= 0) {
        close(fd);
        fd = high;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        set_state(PB_REC_OFF);
        return;
    }
    rec.fd = fd;
    rec.fd_dev = st.st_dev;
    rec.fd_ino = st.st_ino;
    memcpy(rec.path, path, strlen(path) + 1);
    note_in_list(kind, path);
    write_header();
}

/* Does /proc/self/maps name a file containing needle (a loaded library)? */
static int maps_mention(const char *needle)
{
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    size_t k = strlen(needle), keep = 0;
    char buf[4096];
    int found = 0;
    for (;;) {
        ssize_t n = read(fd, buf + keep, sizeof buf - keep);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        size_t len = keep + (size_t)n;
        if (memmem(buf, len, needle, k)) {
            found = 1;
            break;
        }
        keep = len < k - 1 ? len : k - 1; /* a match may straddle two reads */
        memmove(buf, buf + len - keep, keep);
    }
    close(fd);
    return found;
}

/* Python's own allocator (pymalloc) serves small objects from arenas it
 * maps itself, so a Python process's trace lacks most of its allocations;
 * say so in the trace (poolbench record reads this comment to print its
 * note). Python is an executable named python* or a libpython mapped
 * (an application embedding it); PYTHONMALLOC=malloc turns pymalloc off. */
static void python_comment(void)
{
    const char *v = getenv("PYTHONMALLOC");
    if (v && (strcmp(v, "malloc") == 0 || strcmp(v, "malloc_debug") == 0))
        return;
    if (strncmp(rec.self, "python", 6) != 0 && !maps_mention("/libpython"))
        return;
    comment(PB_REC_PYTHON_COMMENT " served the objects up to 512 bytes, which are not in this "
                                  "trace (PYTHONMALLOC=malloc records them)");
}

/* The closing comment lines about threads (none for a one-thread program). */
static void write_thread_summary(void)
{
    char line[PB_REC_LINE_MAX];
    char *p;
    if (rec.next_tid > 1) {
        p = put_u64(line, rec.next_tid);
        p = put_str(p, " threads (t lines), numbered in the order of their first event");
        *p = '\0';
        comment(line);
    }
    if (rec.shared_tids) {
        p = put_u64(line, rec.shared_tids);
        p = put_str(p, " threads recorded as thread 65535 (the largest number)");
        *p = '\0';
        comment(line);
    }
    if (rec.skipped_seqs) {
        p = put_u64(line, rec.skipped_seqs);
        p = put_str(p, " events written late: a thread stopped inside the recorder");
        *p = '\0';
        comment(line);
    }
    if (rec.late_seqs > rec.skipped_seqs) { /* cannot happen: each number is taken once */
        p = put_u64(line, rec.late_seqs - rec.skipped_seqs);
        p = put_str(p, " events with a number taken twice (a recorder bug)");
        *p = '\0';
        comment(line);
    }
}

/* The closing comment lines: counts and what was dropped. */
static void write_summary(const char *why)
{
    char line[PB_REC_LINE_MAX];
    char *p = put_str(line, why);
    p = put_str(p, ": ");
    p = put_u64(p, rec.n_alloc + rec.n_free + rec.n_realloc);
    p = put_str(p, " events (");
    p = put_u64(p, rec.n_alloc);
    p = put_str(p, " allocs, ");
    p = put_u64(p, rec.n_free);
    p = put_str(p, " frees, ");
    p = put_u64(p, rec.n_realloc);
    p = put_str(p, " reallocs)");
    *p = '\0';
    comment(line);
    p = put_str(line, "dropped ");
    p = put_u64(p, rec.dropped_frees);
    p = put_str(p, " frees of blocks allocated before recording");
    *p = '\0';
    comment(line);
    if (rec.unknown_reallocs) {
        p = put_u64(line, rec.unknown_reallocs);
        p = put_str(p, " reallocs of blocks allocated before recording recorded as allocations");
        *p = '\0';
        comment(line);
    }
    if (rec.implicit_frees) {
        p = put_u64(line, rec.implicit_frees);
        p = put_str(p, " frees inserted for addresses reused without a recorded free");
        *p = '\0';
        comment(line);
    }
    if (rec.too_big) {
        p = put_u64(line, rec.too_big);
        p = put_str(p, " allocations above 2^40 bytes not recorded");
        *p = '\0';
        comment(line);
    }
    if (rec.over_aligned) {
        p = put_u64(line, rec.over_aligned);
        p = put_str(p, " alignments above 4096 recorded as 4096");
        *p = '\0';
        comment(line);
    }
    write_thread_summary();
    python_comment();
}

/* ---------------------------------------------------------------------------- */
/* call sites                                                                   */

static size_t hash_ra(uintptr_t a, size_t mask)
{
    return hash_addr(a ^ 0x5bd1e995u, mask);
}

static void tag_char_copy(char *dst, const char *src, size_t max)
{
    size_t i = 0;
    for (; src[i] && i < max; i++) {
        char c = src[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '.' || c == '-';
        dst[i] = ok ? c : '_';
    }
    dst[i] = '\0';
}

/* The module part of ra's tags into name (PB_REC_MOD_NAME at most) and the
 * module's load base into *base (0 when dladdr knows no module). */
static void module_of(uintptr_t ra, char name[PB_REC_MOD_NAME + 1], uintptr_t *base)
{
    Dl_info info;
    const char *mod = "unknown";
    *base = 0;
    if (dladdr((void *)ra, &info) && info.dli_fbase) {
        *base = (uintptr_t)info.dli_fbase;
        if (info.dli_fname && info.dli_fname[0]) {
            const char *slash = strrchr(info.dli_fname, '/');
            mod = slash ? slash + 1 : info.dli_fname;
        } else {
            mod = rec.self;
        }
    }
    tag_char_copy(name, mod[0] ? mod : "main", PB_REC_MOD_NAME);
}

/* "MODULE:HEXOFFSET" for return address ra, whose module is name at base. */
static void make_tag(uintptr_t ra, const char *name, uintptr_t base,
                     char tag[PB_REC_TAG_LEN + 1])
{
    char *p = put_str(tag, name);
    *p++ = ':';
    p = put_hex(p, base ? ra - base : ra);
    *p = '\0';
}

/* ---------------------------------------------------------------------------- */
/* modules: the # pb-module lines                                               */

/* What dl_iterate_phdr's callback looks for (the object holding ra) and finds. */
struct pb_rec_phdr_find {
    uintptr_t ra;
    struct pb_rec_module *m; /* build_id and path are filled in */
    int found;
};

/* Does [addr, addr + len) lie in a readable PT_LOAD of the object? */
static int phdr_mapped(const struct dl_phdr_info *info, uintptr_t addr, size_t len)
{
    for (size_t i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_LOAD && (ph->p_flags & PF_R) && addr >= lo &&
            len <= ph->p_memsz && addr - lo <= ph->p_memsz - len)
            return 1;
    }
    return 0;
}

/* The GNU build-id among the notes at [p, p + len) (align: 4 or 8) as
 * lowercase hex into hex; 0 when found. */
static int note_build_id(const unsigned char *p, size_t len, size_t align, char *hex)
{
    size_t off = 0;
    while (len - off >= sizeof(ElfW(Nhdr))) {
        const ElfW(Nhdr) *n = (const void *)(p + off);
        size_t name = (n->n_namesz + align - 1) & ~(align - 1);
        size_t desc = (n->n_descsz + align - 1) & ~(align - 1);
        off += sizeof *n;
        if (name > len - off || desc > len - off - name)
            return -1;
        if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 && memcmp(p + off, "GNU", 4) == 0 &&
            n->n_descsz > 0 && n->n_descsz <= PB_REC_BUILD_ID_MAX) {
            const unsigned char *d = p + off + name;
            for (size_t i = 0; i < n->n_descsz; i++) {
                hex[2 * i] = "0123456789abcdef"[d[i] >> 4];
                hex[2 * i + 1] = "0123456789abcdef"[d[i] & 15];
            }
            hex[2 * n->n_descsz] = '\0';
            return 0;
        }
        off += name + desc;
    }
    return -1;
}

/* The module's absolute path into m->path: the main program's from
 * /proc/self/exe; a relative name (dlopen("./x.so")) after the current
 * directory. No allocation: getcwd gets a buffer. */
static void module_path(struct pb_rec_module *m, const char *name)
{
    size_t n = strlen(name);
    if (!name[0]) {
        memcpy(m->path, rec.exe, strlen(rec.exe) + 1);
        return;
    }
    m->path[0] = '\0';
    if (name[0] != '/' && getcwd(m->path, sizeof m->path - 2)) {
        size_t c = strlen(m->path);
        if (c && m->path[c - 1] != '/')
            m->path[c++] = '/';
        m->path[c] = '\0';
    }
    size_t c = strlen(m->path);
    if (c + n < sizeof m->path)
        memcpy(m->path + c, name, n + 1);
    else
        m->path[0] = '\0';
}

/* dl_iterate_phdr's callback: the object whose PT_LOAD holds ra. */
static int phdr_visit(struct dl_phdr_info *info, size_t size, void *arg)
{
    struct pb_rec_phdr_find *f = arg;
    (void)size;
    if (!phdr_mapped(info, f->ra, 1))
        return 0;
    for (size_t i = 0; i < info->dlpi_phnum && strcmp(f->m->build_id, "-") == 0; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t at = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_NOTE && phdr_mapped(info, at, ph->p_memsz))
            note_build_id((const void *)at, ph->p_memsz, ph->p_align == 8 ? 8 : 4,
                          f->m->build_id);
    }
    module_path(f->m, info->dlpi_name ? info->dlpi_name : "");
    f->found = 1;
    return 1;
}

/* Is the module at base named name noted (or being noted) already? */
static int module_known(uintptr_t base, const char *name)
{
    const struct pb_rec_modules *ms = &rec.mods;
    uint32_t n = __atomic_load_n(&ms->n_claimed, __ATOMIC_ACQUIRE);
    if (n > PB_REC_MAX_MODULES)
        return 1; /* the table is full: no more lines */
    for (uint32_t i = 0; i < n; i++) {
        const struct pb_rec_module *m = &ms->v[i];
        if (__atomic_load_n(&m->ready, __ATOMIC_ACQUIRE) && m->base == base &&
            strcmp(m->name, name) == 0)
            return 1;
    }
    return 0;
}

/* A new site's module, seen for the first time: note it (build-id, path)
 * for the merger's # pb-module line. Called without any lock of ours
 * (dl_iterate_phdr takes the loader's); nothing here allocates. Two threads
 * meeting the same new module at once note it twice: the lines are equal. */
static void module_note(uintptr_t ra, const char *name, uintptr_t base)
{
    if (!base || !rec.mods.v || module_known(base, name))
        return;
    uint32_t i = __atomic_fetch_add(&rec.mods.n_claimed, 1, __ATOMIC_ACQ_REL);
    if (i >= PB_REC_MAX_MODULES)
        return;
    struct pb_rec_module *m = &rec.mods.v[i];
    m->base = base;
    memcpy(m->name, name, strlen(name) + 1);
    memcpy(m->build_id, "-", 2);
    struct pb_rec_phdr_find f = {ra, m, 0};
    dl_iterate_phdr(phdr_visit, &f);
    if (!f.found)
        m->path[0] = '\0';
    __atomic_store_n(&m->ready, 1, __ATOMIC_RELEASE);
}

/* s into the output, every byte outside printable ASCII (and '\\') as \xHH:
 * a trace is ASCII, one comment per line, and a path keeps every byte. */
static void append_escaped(const char *s)
{
    char chunk[4 * 64];
    while (*s) {
        char *p = chunk;
        for (int k = 0; k < 64 && *s; k++, s++) {
            unsigned char c = (unsigned char)*s;
            if (c < 0x20 || c >= 0x7f || c == '\\') {
                *p++ = '\\';
                *p++ = 'x';
                *p++ = "0123456789abcdef"[c >> 4];
                *p++ = "0123456789abcdef"[c & 15];
            } else {
                *p++ = (char)c;
            }
        }
        append(chunk, (size_t)(p - chunk));
    }
}

/* The # pb-module line of every published module not yet in this file
 * (merger, lock held; called after the pass read the rings' tails, so a
 * module is in the file before the first event that needs it). */
static void write_modules(void)
{
    struct pb_rec_modules *ms = &rec.mods;
    uint32_t n = __atomic_load_n(&ms->n_claimed, __ATOMIC_ACQUIRE);
    if (n > PB_REC_MAX_MODULES)
        n = PB_REC_MAX_MODULES;
    for (uint32_t i = 0; i < n; i++) {
        struct pb_rec_module *m = &ms->v[i];
        if (m->written || !__atomic_load_n(&m->ready, __ATOMIC_ACQUIRE))
            continue;
        char head[PB_REC_LINE_MAX];
        char *p = put_str(head, "# pb-module ");
        p = put_str(p, m->name);
        *p++ = ' ';
        append(head, (size_t)(p - head));
        append(m->build_id, strlen(m->build_id));
        append(" ", 1);
        append_escaped(m->path[0] ? m->path : "-");
        append("\n", 1);
        m->written = 1;
    }
}

/* A new file: every module gets its line in it again (a fork child's). */
static void modules_unwritten(void)
{
    uint32_t n = __atomic_load_n(&rec.mods.n_claimed, __ATOMIC_ACQUIRE);
    for (uint32_t i = 0; i < n && i < PB_REC_MAX_MODULES; i++)
        rec.mods.v[i].written = 0;
}

/* Map the cache and the tag store (at initialisation, when --sites is on). */
static int sites_init(void)
{
    struct pb_rec_sites *s = &rec.site;
    s->slots = map_zeroed((size_t)PB_REC_SITE_SLOTS * sizeof *s->slots);
    s->tags = map_zeroed((size_t)(PB_REC_MAX_TAGS + 1) * sizeof *s->tags);
    rec.mods.v = map_zeroed((size_t)PB_REC_MAX_MODULES * sizeof *rec.mods.v);
    if (!s->slots || !s->tags)
        return -1;
    memcpy(s->tags[PB_REC_MAX_TAGS], "other", 6);
    return 0;
}

/* Tag index of ra, or PB_REC_NO_TAG when not cached. No lock: a slot's ra is
 * written last (release), after its tag and the tag's text. */
static uint32_t site_find(uintptr_t ra)
{
    const struct pb_rec_sites *s = &rec.site;
    size_t mask = PB_REC_SITE_SLOTS - 1;
    for (size_t i = hash_ra(ra, mask);; i = (i + 1) & mask) {
        uintptr_t r = __atomic_load_n(&s->slots[i].ra, __ATOMIC_ACQUIRE);
        if (r == ra)
            return s->slots[i].tag;
        if (!r)
            return PB_REC_NO_TAG;
    }
}

/* Add ra with its tag text; returns its index. rec.site_lock held. At most
 * PB_REC_MAX_TAGS entries, so the table stays at most half full. */
static uint32_t site_add(uintptr_t ra, const char *tag)
{
    struct pb_rec_sites *s = &rec.site;
    uint32_t found = site_find(ra);
    if (found != PB_REC_NO_TAG)
        return found; /* another thread was quicker */
    uint32_t idx = s->n_tags;
    if (idx >= PB_REC_MAX_TAGS)
        return PB_REC_MAX_TAGS;
    memcpy(s->tags[idx], tag, strlen(tag) + 1);
    size_t mask = PB_REC_SITE_SLOTS - 1;
    size_t i = hash_ra(ra, mask);
    while (s->slots[i].ra)
        i = (i + 1) & mask;
    s->slots[i].tag = idx;
    __atomic_store_n(&s->slots[i].ra, ra, __ATOMIC_RELEASE);
    __atomic_store_n(&s->n_tags, idx + 1, __ATOMIC_RELAXED);
    return idx;
}

/* The tag index of call site ra. A cached site costs one lookup and no lock;
 * a new one a dladdr, made without any lock held (it takes the loader's),
 * and for a new module a dl_iterate_phdr (module_note). */
static uint32_t site_tag(uintptr_t ra)
{
    uint32_t idx = site_find(ra);
    if (idx != PB_REC_NO_TAG)
        return idx;
    if (__atomic_load_n(&rec.site.n_tags, __ATOMIC_RELAXED) >= PB_REC_MAX_TAGS)
        return PB_REC_MAX_TAGS; /* "other" */
    char tag[PB_REC_TAG_LEN + 1], name[PB_REC_MOD_NAME + 1];
    uintptr_t base;
    module_of(ra, name, &base);
    module_note(ra, name, base);
    make_tag(ra, name, base, tag);
    pthread_mutex_lock(&rec.site_lock);
    idx = site_add(ra, tag);
    pthread_mutex_unlock(&rec.site_lock);
    return idx;
}

/* The return address rec.sites - 1 frames above ra (ra: the allocator's
 * caller, as the hook saw it), found in backtrace()'s walk of this stack;
 * ra itself when the walk does not reach it or the stack is not that deep.
 * backtrace was primed at initialisation (read_sites), and anything the
 * unwinder allocates goes to the real malloc (in_recorder is raised). */
__attribute__((noinline)) static uintptr_t caller_at_depth(uintptr_t ra)
{
    void *f[PB_REC_MAX_DEPTH + 8];
    int n = backtrace(f, (int)(sizeof f / sizeof f[0]));
    int up = rec.sites - 1;
    for (int i = 0; i < n; i++)
        if ((uintptr_t)f[i] == ra)
            return i + up < n ? (uintptr_t)f[i + up] : ra;
    return ra;
}

/* The tag index of the call that allocated from ra: ra's own with depth 1,
 * else the site depth - 1 frames further up (one stack walk per call). */
static inline uint32_t site_of(uintptr_t ra)
{
    if (__builtin_expect(rec.sites > 1, 0))
        ra = caller_at_depth(ra);
    return site_tag(ra);
}

/* ---------------------------------------------------------------------------- */
/* thread buffers                                                               */

static uint64_t ev_seq(const struct pb_rec_ev *e)
{
    return e->seq_op & (((uint64_t)1 << PB_EV_SEQ_BITS) - 1);
}

static unsigned ev_op(const struct pb_rec_ev *e)
{
    return (unsigned)(e->seq_op >> PB_EV_SEQ_BITS) & 15u;
}

static unsigned ev_align_code(const struct pb_rec_ev *e)
{
    return (unsigned)(e->seq_op >> (PB_EV_SEQ_BITS + 4));
}

static uint64_t ev_size(const struct pb_rec_ev *e)
{
    return e->info & (((uint64_t)1 << PB_EV_SIZE_BITS) - 1);
}

static uint32_t ev_tag(const struct pb_rec_ev *e)
{
    return (uint32_t)(e->info >> PB_EV_SIZE_BITS) - 1; /* 0 - 1 = PB_REC_NO_TAG */
}

/* The info word of an event: size (saturated above 2^40) and tag. */
static uint64_t ev_info(size_t size, uint32_t tag)
{
    uint64_t s = (uint64_t)size > PB_REC_MAX_SIZE ? PB_REC_MAX_SIZE + 1 : (uint64_t)size;
    return s | (uint64_t)(tag + 1) << PB_EV_SIZE_BITS;
}

/* The alignment code of seq_op (0 for none; see struct pb_rec_ev). */
static unsigned align_code(size_t align)
{
    if (!align)
        return 0;
    if (align > PB_REC_MAX_ALIGN)
        return PB_EV_ALIGN_OVER;
    unsigned k = 1;
    while (((size_t)1 << (k - 1)) < align)
        k++;
    return k;
}

/* Can this process's threads number alone? Registers for membarrier's
 * private expedited barrier, which solo_end needs (at initialisation and in
 * a fork child: the registration belongs to the address space). */
static int solo_register(void)
{
    return syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
}

/* A second thread records (lock held): the thread that numbered alone
 * (rec.solo) goes over to the fetch-add. Its number-taking (take_seq) is
 * "busy = 1; compiler barrier; read solo; load and store rec.seq; busy = 0
 * (release)"; here "solo = 0; membarrier; wait for busy == 0 (acquire)".
 * membarrier makes every running thread of the process pass a full memory
 * barrier, so the pair acts as Dekker's with a fence on both sides: either
 * the owner reads solo == 0 (and uses the fetch-add), or its busy = 1 is
 * seen here and this waits until its plain store of rec.seq is visible.
 * Every number taken alone is then below every number taken after this
 * returns, and no two threads ever take the same one. */
static void solo_end(void)
{
    struct pb_rec_thread *o = rec.solo;
    if (!o)
        return;
    rec.solo = NULL;
    __atomic_store_n(&o->solo, 0, __ATOMIC_RELAXED);
    if (syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0) {
        set_state(PB_REC_OFF); /* cannot happen (registered): numbers no longer sure, stop */
        return;
    }
    while (__atomic_load_n(&o->busy, __ATOMIC_ACQUIRE))
        sched_yield();
}

/* A buffer for the calling thread: an exited thread's, or a new one. Lock held. */
static struct pb_rec_thread *thread_join(void)
{
    struct pb_rec_thread *t = rec.spare;
    if (t) {
        rec.spare = t->next;
    } else {
        size_t head = (sizeof *t + 63) & ~(size_t)63;
        t = map_zeroed(head + (size_t)PB_REC_RING * sizeof(struct pb_rec_ev));
        if (!t)
            return NULL;
        t->ring = (struct pb_rec_ev *)((char *)t + head);
    }
    t->tail = t->head_seen = t->head = t->pos = t->snap = 0;
    t->exited = 0;
    __atomic_store_n(&t->busy, 0, __ATOMIC_RELAXED);
    if (rec.solo_ok && !rec.threads) { /* the first thread to record: it numbers alone */
        rec.solo_ok = 0;
        rec.solo = t;
        __atomic_store_n(&t->solo, 1, __ATOMIC_RELAXED);
    } else {
        solo_end();
        __atomic_store_n(&t->solo, 0, __ATOMIC_RELAXED);
    }
    t->tid = PB_REC_NO_TID;
    t->rpend_id.len = 0;
    t->rpend_addr = 0;
    t->next = rec.threads;
    rec.threads = t;
    cur_thread = t;
    if (rec.have_key)
        pthread_setspecific(rec.key, t);
    return t;
}

/* The key's destructor, in an exiting thread: its buffer can go to a new
 * thread once the merger has written its events. */
static void thread_gone(void *arg)
{
    struct pb_rec_thread *t = arg;
    if (t != cur_thread)
        return; /* a fork child's stale value */
    cur_thread = NULL;
    __atomic_store_n(&t->exited, 1, __ATOMIC_RELEASE);
}

/* A fork child: the parent's threads are gone, their buffers spare and unread. */
static void threads_reset(void)
{
    while (rec.threads) {
        struct pb_rec_thread *t = rec.threads;
        rec.threads = t->next;
        t->next = rec.spare;
        rec.spare = t;
    }
    cur_thread = NULL;
    if (rec.have_key)
        pthread_setspecific(rec.key, NULL);
    __atomic_store_n(&rec.seq, 0, __ATOMIC_RELAXED);
    rec.solo = NULL;
    rec.solo_ok = solo_register(); /* the child's one thread may number alone */
    rec.next_out = 0;
    rec.next_tid = rec.cur_tid = 0;
}

/* ---------------------------------------------------------------------------- */
/* initialisation, fork, exit                                                   */

static void copy_env(char *dst, size_t cap, const char *name)
{
    const char *v = getenv(name);
    size_t n = v ? strlen(v) : 0;
    if (n >= cap)
        n = 0;
    memcpy(dst, v ? v : "", n);
    dst[n] = '\0';
}

/* rec.exe and its base name rec.self ("main" when /proc/self/exe cannot be read). */
static void read_self(void)
{
    ssize_t n = readlink("/proc/self/exe", rec.exe, sizeof rec.exe - 1);
    rec.exe[n > 0 ? n : 0] = '\0';
    const char *base = strrchr(rec.exe, '/');
    base = base ? base + 1 : rec.exe;
    if (!base[0])
        base = "main";
    size_t len = strlen(base);
    if (len >= sizeof rec.self)
        len = sizeof rec.self - 1;
    memcpy(rec.self, base, len);
    rec.self[len] = '\0';
}

/* PB_RECORD_SITES: "1" to "16", the caller depth; 0 (off) otherwise or when
 * the tables cannot be mapped. A depth above 1 walks the stack with
 * backtrace(), whose first call loads libgcc_s (and allocates): it is made
 * here, once, inside the recorder, so no hook ever makes it. */
static int read_sites(void)
{
    const char *v = getenv(PB_RECORD_ENV_SITES);
    char *end;
    long depth = v ? strtol(v, &end, 10) : 0;
    if (!v || *end || depth < 1 || depth > PB_REC_MAX_DEPTH || sites_init() != 0)
        return 0;
    if (depth > 1) {
        void *frames[4];
        backtrace(frames, 4);
    }
    return (int)depth;
}

static int read_follow(void)
{
    const char *v = getenv(PB_RECORD_ENV_FOLLOW);
    if (!rec.first_pid || !v)
        return PB_REC_FOLLOW_ALL; /* no first process to follow: every process records */
    if (strcmp(v, "none") == 0)
        return PB_REC_FOLLOW_NONE;
    return strcmp(v, "exec") == 0 ? PB_REC_FOLLOW_EXEC : PB_REC_FOLLOW_ALL;
}

/* First call with the lock held: read the environment, map the tables. A
 * process other than the first one (PB_RECORD_FIRST) records only with
 * --follow all; otherwise it only says so in the list (state SKIP). */
static void init_locked(void)
{
    copy_env(rec.out, sizeof rec.out, PB_RECORD_ENV_OUT);
    if (!rec.out[0]) {
        set_state(PB_REC_OFF);
        return;
    }
    copy_env(rec.list, sizeof rec.list, PB_RECORD_ENV_LIST);
    const char *first = getenv(PB_RECORD_ENV_FIRST);
    rec.first_pid = first ? strtol(first, NULL, 10) : 0;
    rec.follow = read_follow();
    const char *mode = getenv(PB_RECORD_ENV_MODE);
    rec.mode = mode && mode[0] ? (mode_t)strtoul(mode, NULL, 8) & 0666 : 0644;
    rec.sites = read_sites();
    read_self();
    rec.owner = getpid();
    if (rec.first_pid && rec.first_pid != (long)getpid() && rec.follow != PB_REC_FOLLOW_ALL) {
        set_state(PB_REC_SKIP);
        note_in_list(PB_REC_LIST_SKIP, "");
        return;
    }
    if (table_init(&rec.table, PB_REC_TABLE_START) != 0) {
        set_state(PB_REC_OFF);
        return;
    }
    if (!rec.have_key)
        rec.have_key = pthread_key_create(&rec.key, thread_gone) == 0;
    rec.solo_ok = solo_register();
    set_state(PB_REC_ON);
    open_output();
}

/* ---------------------------------------------------------------------------- */
/* writing events (the merger, lock held)                                        */

/* A `t` line at p for t, whose thread is not the previous line's; t gets
 * its number first when this is its first line. */
__attribute__((noinline)) static char *thread_line(struct pb_rec_thread *t, char *p)
{
    if (t->tid == PB_REC_NO_TID) {
        t->tid = rec.next_tid < PB_REC_MAX_TID ? rec.next_tid++ : PB_REC_MAX_TID;
        if (t->tid == PB_REC_MAX_TID)
            rec.shared_tids++;
        if (t->tid == rec.cur_tid)
            return p; /* the first thread: thread 0 needs no t line */
    }
    p = put_str(p, "t ");
    p = put_u64(p, t->tid);
    *p++ = '\n';
    rec.cur_tid = t->tid;
    return p;
}

/* Room for one line at the end of the output buffer, after a `t` line when
 * the event's thread is not the previous line's (PB_REC_NO_TID never is). */
static inline char *line_begin(struct pb_rec_thread *t)
{
    if (__builtin_expect(rec.len + 2 * PB_REC_LINE_MAX > PB_REC_BUF_SIZE, 0))
        flush_locked();
    char *p = rec.buf + rec.len;
    if (__builtin_expect(t->tid != rec.cur_tid, 0))
        p = thread_line(t, p);
    return p;
}

static inline void line_end(char *p)
{
    *p++ = '\n';
    rec.len = (size_t)(p - rec.buf);
}

/* The ID's text (the buffer has room for PB_REC_ID_DIGITS bytes). */
static char *put_id(char *p, const struct pb_rec_id *id)
{
    memcpy(p, id->text, PB_REC_ID_DIGITS);
    return p + id->len;
}

/* The ID after id, in decimal; -1 when it would need more than PB_REC_ID_DIGITS digits. */
static int id_next(struct pb_rec_id *id)
{
    int i = id->len - 1;
    while (i >= 0 && id->text[i] == '9')
        id->text[i--] = '0';
    if (i >= 0) {
        id->text[i]++;
        return 0;
    }
    if (id->len == PB_REC_ID_DIGITS)
        return -1;
    id->text[0] = '1'; /* 99...9 + 1: every digit is 0 now */
    id->text[id->len++] = '0';
    return 0;
}

static inline void emit_free(struct pb_rec_thread *t, const struct pb_rec_id *id)
{
    char *p = line_begin(t);
    p[0] = 'f';
    p[1] = ' ';
    line_end(put_id(p + 2, id));
    rec.n_free++;
}

/* Put addr in the table as id (one probe); an ID it still had gets its free first. */
__attribute__((always_inline)) static inline int table_enter(struct pb_rec_thread *t, uintptr_t addr,
                                                          const struct pb_rec_id *id)
{
    struct pb_rec_table *tb = &rec.table;
    if (table_full(tb) && table_grow(tb) != 0) {
        set_state(PB_REC_OFF);
        return -1;
    }
    size_t mask = tb->cap - 1;
    size_t i = hash_addr(addr, mask);
    while (tb->slots[i].addr && tb->slots[i].addr != addr)
        i = (i + 1) & mask;
    if (tb->slots[i].addr) { /* the address came back without a free we saw */
        emit_free(t, &tb->slots[i].id);
        rec.implicit_frees++;
    } else {
        tb->slots[i].addr = addr;
        tb->used++;
    }
    tb->slots[i].id = *id;
    return 0;
}

__attribute__((always_inline)) static inline void emit_alloc(struct pb_rec_thread *t, uintptr_t addr,
                                                          uint64_t size, unsigned align, uint32_t tag)
{
    if (size > PB_REC_MAX_SIZE) {
        rec.too_big++;
        return;
    }
    if (table_enter(t, addr, &rec.next_id) != 0)
        return;
    char *p = line_begin(t);
    p[0] = 'a';
    p[1] = ' ';
    p = put_id(p + 2, &rec.next_id);
    *p++ = ' ';
    p = put_size(p, size);
    if (align) {
        if (align == PB_EV_ALIGN_OVER)
            rec.over_aligned++;
        *p++ = ' ';
        p = put_u64(p, align == PB_EV_ALIGN_OVER ? PB_REC_MAX_ALIGN : (uint64_t)1 << (align - 1));
    }
    if (tag != PB_REC_NO_TAG && rec.site.tags) {
        p = put_str(p, " @");
        p = put_str(p, rec.site.tags[tag]);
    }
    line_end(p);
    rec.n_alloc++;
    if (id_next(&rec.next_id) != 0)
        set_state(PB_REC_OFF); /* 10^15 IDs */
}

/* The END of t's realloc(old, size), which returned q: r, f or a. */
static void merge_realloc(struct pb_rec_thread *t, uintptr_t q, uint64_t size, uint32_t tag)
{
    const struct pb_rec_id *id = &t->rpend_id;
    if (!q && size != 0) { /* failed: the block is still live */
        if (id->len)
            table_enter(t, t->rpend_addr, id);
    } else if (!q) { /* realloc(p, 0) freed p */
        if (id->len)
            emit_free(t, id);
        else
            rec.dropped_frees++;
    } else if (!id->len) {
        rec.unknown_reallocs++;
        emit_alloc(t, q, size, 0, tag);
    } else if (size > PB_REC_MAX_SIZE) {
        emit_free(t, id);
        rec.too_big++;
    } else if (table_enter(t, q, id) == 0) {
        char *p = put_str(line_begin(t), "r ");
        p = put_id(p, id);
        *p++ = ' ';
        line_end(put_size(p, size));
        rec.n_realloc++;
    }
    t->rpend_id.len = 0;
}

static void merge_event(struct pb_rec_thread *t, const struct pb_rec_ev *e)
{
    uintptr_t addr = (uintptr_t)e->addr;
    size_t i;
    switch (ev_op(e)) {
    case PB_EV_ALLOC:
        emit_alloc(t, addr, ev_size(e), ev_align_code(e), ev_tag(e));
        break;
    case PB_EV_FREE:
        i = table_find(&rec.table, addr);
        if (i != (size_t)-1) {
            emit_free(t, &rec.table.slots[i].id); /* the line from the slot, then out */
            table_remove_at(&rec.table, i);
        } else {
            rec.dropped_frees++;
        }
        break;
    case PB_EV_RBEGIN:
        table_take(&rec.table, addr, &t->rpend_id);
        t->rpend_addr = addr;
        break;
    default:
        merge_realloc(t, addr, ev_size(e), ev_tag(e));
        break;
    }
}

/* ---------------------------------------------------------------------------- */
/* merging the buffers (lock held)                                              */

/* The buffer whose next unmerged event has the lowest number (*seq), or NULL. */
static struct pb_rec_thread *lowest(uint64_t *seq)
{
    struct pb_rec_thread *low = NULL;
    *seq = UINT64_MAX;
    for (struct pb_rec_thread *t = rec.threads; t; t = t->next) {
        if (t->pos == t->snap)
            continue;
        uint64_t s = ev_seq(&t->ring[t->pos & (PB_REC_RING - 1)]);
        if (s < *seq) {
            *seq = s;
            low = t;
            if (s == rec.next_out && !rec.skipped_seqs)
                break; /* the lowest: no number below next_out is left unless one was skipped */
        }
    }
    return low;
}

/* Write t's events from its cursor on while each is the next number (or a
 * late one, after the merger went on without it). The table slot of the
 * event PB_REC_AHEAD places on is prefetched: the output buffer streaming
 * through the first-level cache evicts the table, and with thousands of live
 * blocks the table outgrows the caches; its misses were the largest cost.
 * The first table (PB_REC_TABLE_START slots, 24 KiB: up to 256 live blocks)
 * is not prefetched: it stays in the first-level cache well enough that the
 * prefetch's hash cost more than it saved (0.6 ns per event, one thread
 * with 64 live blocks). */
static void merge_run(struct pb_rec_thread *t)
{
    while (t->pos != t->snap && rec.state == PB_REC_ON) {
        if (rec.table.cap > PB_REC_TABLE_START && t->snap - t->pos > PB_REC_AHEAD) {
            uintptr_t next = (uintptr_t)t->ring[(t->pos + PB_REC_AHEAD) & (PB_REC_RING - 1)].addr;
            __builtin_prefetch(&rec.table.slots[hash_addr(next, rec.table.cap - 1)]);
        }
        const struct pb_rec_ev *e = &t->ring[t->pos & (PB_REC_RING - 1)];
        uint64_t s = ev_seq(e);
        if (s > rec.next_out)
            return;
        if (s == rec.next_out)
            rec.next_out++;
        else
            rec.late_seqs++;
        merge_event(t, e);
        t->pos++;
    }
}

/* Hand the merged slots back to their threads; an exited thread's buffer,
 * once empty, becomes spare. */
static void publish_heads(void)
{
    struct pb_rec_thread **link = &rec.threads;
    while (*link) {
        struct pb_rec_thread *t = *link;
        __atomic_store_n(&t->head, t->pos, __ATOMIC_RELEASE);
        if (__atomic_load_n(&t->exited, __ATOMIC_ACQUIRE) &&
            __atomic_load_n(&t->tail, __ATOMIC_ACQUIRE) == t->pos) {
            *link = t->next;
            t->next = rec.spare;
            rec.spare = t;
        } else {
            link = &t->next;
        }
    }
}

/* One pass: writes, in number order, every published event that no
 * unpublished number precedes. Returns the lowest number left in a buffer
 * (UINT64_MAX when all are empty). */
static uint64_t merge_pass(void)
{
    for (struct pb_rec_thread *t = rec.threads; t; t = t->next)
        t->snap = __atomic_load_n(&t->tail, __ATOMIC_ACQUIRE);
    if (rec.sites)
        write_modules();
    uint64_t low_seq;
    for (;;) {
        struct pb_rec_thread *low = lowest(&low_seq);
        if (!low || low_seq > rec.next_out || rec.state != PB_REC_ON)
            break;
        merge_run(low);
    }
    publish_heads();
    return low_seq;
}

/* Merge until t's buffer has room (t != NULL), or until every number below
 * upto is written. A number not yet published is waited for (yielding), at
 * most PB_REC_WAIT_MAX times in a row; then the merger goes on without it. */
static void merge_until(struct pb_rec_thread *t, uint64_t upto)
{
    unsigned waits = 0;
    while (rec.state == PB_REC_ON) {
        uint64_t before = rec.next_out;
        uint64_t low = merge_pass();
        if (t ? t->tail - t->pos < PB_REC_RING : rec.next_out >= upto)
            return;
        if (t && low == UINT64_MAX)
            return; /* cannot happen: t's own events are published */
        if (rec.next_out != before) {
            waits = 0;
        } else if (++waits < PB_REC_WAIT_MAX) {
            sched_yield();
        } else {
            uint64_t to = low < upto ? low : upto;
            rec.skipped_seqs += to - rec.next_out;
            rec.next_out = to;
            waits = 0;
        }
    }
}

/* ---------------------------------------------------------------------------- */
/* the hooks' common paths                                                      */

/* t's ring is full: merge until it has room; when recording has stopped,
 * empty it unread. */
__attribute__((noinline)) static void drain(struct pb_rec_thread *t)
{
    pthread_mutex_lock(&rec.lock);
    if (rec.state == PB_REC_ON)
        merge_until(t, UINT64_MAX);
    if (rec.state != PB_REC_ON) {
        t->pos = t->tail;
        __atomic_store_n(&t->head, t->pos, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&rec.lock);
    t->head_seen = __atomic_load_n(&t->head, __ATOMIC_ACQUIRE);
}

/* The next sequence number, for an event of t: the fetch-add, or while t's
 * thread is the only one that records, a plain load and store of rec.seq
 * (no locked instruction: it would drain the store buffer at every call)
 * inside the busy flag that solo_end waits on. */
static inline uint64_t take_seq(struct pb_rec_thread *t)
{
    if (__builtin_expect(__atomic_load_n(&t->solo, __ATOMIC_RELAXED), 1)) {
        __atomic_store_n(&t->busy, 1, __ATOMIC_RELAXED);
        __atomic_signal_fence(__ATOMIC_SEQ_CST); /* the compiler keeps busy = 1 before the read */
        if (__builtin_expect(__atomic_load_n(&t->solo, __ATOMIC_RELAXED), 1)) {
            uint64_t seq = __atomic_load_n(&rec.seq, __ATOMIC_RELAXED);
            __atomic_store_n(&rec.seq, seq + 1, __ATOMIC_RELAXED);
            __atomic_store_n(&t->busy, 0, __ATOMIC_RELEASE);
            return seq;
        }
        __atomic_store_n(&t->busy, 0, __ATOMIC_RELEASE);
    }
    return __atomic_fetch_add(&rec.seq, 1, __ATOMIC_RELAXED);
}

/* Record one event of this thread: its number is taken here. */
static inline void push(struct pb_rec_thread *t, unsigned op, uintptr_t addr, uint64_t info)
{
    uint64_t tail = t->tail;
    if (tail - t->head_seen >= PB_REC_RING) {
        t->head_seen = __atomic_load_n(&t->head, __ATOMIC_ACQUIRE);
        if (tail - t->head_seen >= PB_REC_RING) {
            drain(t);
            if (tail - t->head_seen >= PB_REC_RING)
                return; /* cannot happen (see merge_until) */
        }
    }
    uint64_t seq = take_seq(t);
    struct pb_rec_ev *e = &t->ring[tail & (PB_REC_RING - 1)];
    e->seq_op = seq | (uint64_t)op << PB_EV_SEQ_BITS;
    e->addr = addr;
    e->info = info;
    __atomic_store_n(&t->tail, tail + 1, __ATOMIC_RELEASE);
}

/* The first call of a thread (or of the process, or of a fork child):
 * initialise, open the file, get a buffer. */
__attribute__((noinline)) static struct pb_rec_thread *enter_slow(void)
{
    int st = get_state();
    if (st != PB_REC_UNKNOWN && st != PB_REC_ON)
        return NULL;
    in_recorder++;
    struct pb_rec_thread *t = NULL;
    pthread_mutex_lock(&rec.lock);
    if (rec.state == PB_REC_UNKNOWN)
        init_locked();
    else if (rec.state == PB_REC_ON && rec.fd < 0)
        open_output(); /* a fork child's first event */
    if (rec.state == PB_REC_ON)
        t = cur_thread ? cur_thread : thread_join();
    pthread_mutex_unlock(&rec.lock);
    if (!t)
        in_recorder--;
    return t;
}

/* This thread's buffer when its call is to be recorded (in_recorder then
 * raised: leave() lowers it), else NULL. */
static inline struct pb_rec_thread *enter(void)
{
    if (in_recorder)
        return NULL;
    struct pb_rec_thread *t = cur_thread;
    if (__builtin_expect(t && get_state() == PB_REC_ON, 1)) {
        in_recorder++;
        return t;
    }
    return enter_slow();
}

static inline void leave(void)
{
    in_recorder--;
}

__attribute__((always_inline)) static inline void record_alloc(void *p, size_t size, size_t align,
                                                             void *ra)
{
    if (!p)
        return;
    struct pb_rec_thread *t = enter();
    if (!t)
        return;
    uint32_t tag = rec.sites ? site_of((uintptr_t)ra) : PB_REC_NO_TAG;
    push(t, PB_EV_ALLOC | align_code(align) << 4, (uintptr_t)p, ev_info(size, tag));
    leave();
}

__attribute__((always_inline)) static inline void record_free(void *p)
{
    struct pb_rec_thread *t = enter();
    if (!t)
        return;
    push(t, PB_EV_FREE, (uintptr_t)p, 0);
    leave();
}

/* realloc(p, size) of a real block, recorded as BEGIN and END around the call. */
static void *record_realloc(void *p, size_t size, void *ra)
{
    struct pb_rec_thread *t = enter();
    if (!t)
        return real.realloc(p, size);
    uint32_t tag = rec.sites ? site_of((uintptr_t)ra) : PB_REC_NO_TAG;
    push(t, PB_EV_RBEGIN, (uintptr_t)p, 0);
    leave();
    void *q = real.realloc(p, size);
    struct pb_rec_thread *after = enter(); /* NULL when recording stopped meanwhile */
    if (after) {
        if (after == t)
            push(t, PB_EV_REND, (uintptr_t)q, ev_info(size, tag));
        leave();
    }
    return q;
}

static void atfork_prepare(void)
{
    pthread_mutex_lock(&rec.lock);
    pthread_mutex_lock(&rec.site_lock);
}

static void atfork_parent(void)
{
    pthread_mutex_unlock(&rec.site_lock);
    pthread_mutex_unlock(&rec.lock);
}

/* The child starts a new, empty recording of its own; unless only the first
 * process is followed (--follow none or exec): then it records nothing and
 * only says so in the list. */
static void atfork_child(void)
{
    pthread_mutex_init(&rec.lock, NULL);
    pthread_mutex_init(&rec.site_lock, NULL);
    threads_reset();
    rec.len = 0;
    if (rec.state == PB_REC_SKIP || (rec.state == PB_REC_ON && rec.follow != PB_REC_FOLLOW_ALL)) {
        if (rec.state == PB_REC_ON && rec.fd >= 0 && fd_is_ours())
            close(rec.fd);
        rec.fd = -1;
        set_state(PB_REC_SKIP);
        rec.owner = getpid();
        note_in_list(PB_REC_LIST_SKIP, "");
        return;
    }
    if (rec.state != PB_REC_ON)
        return;
    if (rec.fd >= 0 && fd_is_ours())
        close(rec.fd); /* the parent's file; the child opens its own */
    rec.fd = -1;
    rec.forked = 1;
    rec.parent = getppid();
    rec.owner = getpid();
    if (rec.table.slots)
        munmap(rec.table.slots, rec.table.cap * sizeof *rec.table.slots);
    if (table_init(&rec.table, PB_REC_TABLE_START) != 0)
        set_state(PB_REC_OFF);
    rec.next_id = (struct pb_rec_id){1, "1"};
    rec.n_alloc = rec.n_free = rec.n_realloc = 0;
    rec.dropped_frees = rec.unknown_reallocs = rec.implicit_frees = 0;
    rec.too_big = rec.over_aligned = rec.skipped_seqs = rec.shared_tids = rec.late_seqs = 0;
}

__attribute__((constructor)) static void pb_rec_ctor(void)
{
    in_recorder++;
    pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
    in_recorder--;
}

/* Every event numbered so far, written (lock held, recording on). */
static void merge_all(void)
{
    merge_until(NULL, __atomic_load_n(&rec.seq, __ATOMIC_RELAXED));
}

/* Merge and flush everything and write the summary; recording stops for good. */
static void finish(const char *why)
{
    in_recorder++;
    pthread_mutex_lock(&rec.lock);
    if (rec.state == PB_REC_ON && rec.owner != getpid()) {
        pthread_mutex_unlock(&rec.lock); /* a vfork child sharing our memory */
        in_recorder--;
        return;
    }
    if (rec.state == PB_REC_UNKNOWN)
        init_locked(); /* a process that never allocated still gets its file */
    else if (rec.state == PB_REC_ON && rec.fd < 0)
        open_output();
    if (rec.state == PB_REC_ON)
        merge_all();
    if (rec.state == PB_REC_ON && rec.fd >= 0) {
        write_summary(why);
        flush_locked();
        close(rec.fd);
        rec.fd = -1;
    }
    if (rec.state == PB_REC_ON)
        set_state(PB_REC_DONE);
    pthread_mutex_unlock(&rec.lock);
    in_recorder--;
}

__attribute__((destructor)) static void pb_rec_dtor(void)
{
    finish("exit");
}

/* Is this the first process (PB_RECORD_FIRST), by the environment? */
static int first_by_env(void)
{
    const char *first = getenv(PB_RECORD_ENV_FIRST);
    return first && strtol(first, NULL, 10) == (long)getpid();
}

/* Before an exec: write out what this image recorded (the fd is O_CLOEXEC).
 * A program of the first process that never allocated still creates its
 * file now, so that the next program knows it is not the first one. */
static void before_exec(void)
{
    in_recorder++;
    pthread_mutex_lock(&rec.lock);
    if (rec.state == PB_REC_UNKNOWN && first_by_env())
        init_locked();
    if (rec.state == PB_REC_ON && rec.fd >= 0 && rec.owner == getpid())
        merge_all();
    if (rec.state == PB_REC_ON && rec.fd >= 0 && rec.owner == getpid()) {
        write_summary("exec");
        flush_locked();
    }
    pthread_mutex_unlock(&rec.lock);
    in_recorder--;
}

/* ---------------------------------------------------------------------------- */
/* the interposed functions                                                     */

PB_REC_EXPORT void *malloc(size_t size)
{
    if (resolve() != 0)
        return boot_alloc(size, 16);
    void *p = real.malloc(size);
    record_alloc(p, size, 0, __builtin_return_address(0));
    return p;
}

PB_REC_EXPORT void free(void *p)
{
    if (!p || is_boot(p))
        return;
    if (resolve() != 0)
        return; /* cannot happen: only boot blocks exist before resolving */
    record_free(p);
    real.free(p);
}

PB_REC_EXPORT void *calloc(size_t n, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(n, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    if (resolve() != 0)
        return boot_alloc(total, 16);
    void *p = real.calloc(n, size);
    record_alloc(p, total, 0, __builtin_return_address(0));
    return p;
}

static void *realloc_impl(void *p, size_t size, void *ra)
{
    if (resolve() != 0) {
        void *q = boot_alloc(size, 16);
        if (q && p)
            memcpy(q, p, boot_size(p) < size ? boot_size(p) : size);
        return q;
    }
    if (!p) {
        void *q = real.malloc(size);
        record_alloc(q, size, 0, ra);
        return q;
    }
    if (is_boot(p)) { /* move a bootstrap block into the real heap */
        void *q = real.malloc(size ? size : 1);
        if (q)
            memcpy(q, p, boot_size(p) < size ? boot_size(p) : size);
        record_alloc(q, size, 0, ra);
        return q;
    }
    return record_realloc(p, size, ra);
}

PB_REC_EXPORT void *realloc(void *p, size_t size)
{
    return realloc_impl(p, size, __builtin_return_address(0));
}

PB_REC_EXPORT void *reallocarray(void *p, size_t n, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(n, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc_impl(p, total, __builtin_return_address(0));
}

PB_REC_EXPORT void *memalign(size_t align, size_t size)
{
    if (resolve() != 0)
        return boot_alloc(size, align);
    void *p = real.memalign(align, size);
    record_alloc(p, size, align ? align : 1, __builtin_return_address(0));
    return p;
}

PB_REC_EXPORT void *aligned_alloc(size_t align, size_t size)
{
    if (resolve() != 0)
        return boot_alloc(size, align);
    void *p = real.aligned_alloc(align, size);
    record_alloc(p, size, align ? align : 1, __builtin_return_address(0));
    return p;
}

PB_REC_EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
    if (resolve() != 0) {
        *out = boot_alloc(size, align);
        return *out ? 0 : ENOMEM;
    }
    int rc = real.posix_memalign(out, align, size);
    if (rc == 0)
        record_alloc(*out, size, align, __builtin_return_address(0));
    return rc;
}

PB_REC_EXPORT void *valloc(size_t size)
{
    if (resolve() != 0)
        return boot_alloc(size, 4096);
    void *p = real.valloc(size);
    record_alloc(p, size, (size_t)sysconf(_SC_PAGESIZE), __builtin_return_address(0));
    return p;
}

PB_REC_EXPORT void *pvalloc(size_t size)
{
    if (resolve() != 0)
        return boot_alloc(size, 4096);
    void *p = real.pvalloc(size);
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t rounded = size ? (size + page - 1) & ~(page - 1) : page;
    record_alloc(p, rounded, page, __builtin_return_address(0));
    return p;
}

/* --- process boundaries: exec and _exit write out the buffer first ------- */

PB_REC_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
    resolve();
    before_exec();
    return real.execve(path, argv, envp);
}

PB_REC_EXPORT int execv(const char *path, char *const argv[])
{
    resolve();
    before_exec();
    return real.execv(path, argv);
}

PB_REC_EXPORT int execvp(const char *file, char *const argv[])
{
    resolve();
    before_exec();
    return real.execvp(file, argv);
}

PB_REC_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
    resolve();
    before_exec();
    return real.execvpe(file, argv, envp);
}

PB_REC_EXPORT void _exit(int status)
{
    resolve();
    if (!in_recorder)
        finish("_exit");
    real.exit_(status);
    __builtin_unreachable();
}

PB_REC_EXPORT void _Exit(int status)
{
    resolve();
    if (!in_recorder)
        finish("_exit");
    real.Exit_(status);
    __builtin_unreachable();
}
