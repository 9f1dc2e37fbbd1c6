/*
 * pb_record_preload.c -- the LD_PRELOAD library behind `poolbench record`.
 *
 * Loaded into a program with LD_PRELOAD=libpbrecord.so and PB_RECORD_OUT=FILE,
 * it interposes malloc, calloc, realloc, free, aligned_alloc, posix_memalign,
 * memalign, valloc, pvalloc and reallocarray, forwards each call to the next
 * definition (normally glibc's, found with dlsym(RTLD_NEXT)), and appends the
 * call as a v1 trace event (a, f, r) to FILE.
 *
 * How it stays out of its own way:
 * - Bootstrap: dlsym may itself call calloc/malloc before the real functions
 *   are known. While a thread is resolving, requests are served from a small
 *   static buffer; its blocks are recognised by address, never freed, and a
 *   realloc of one copies it into a real block.
 * - A thread-local flag marks "inside the recorder": anything the recorder
 *   (or a libc function it calls) allocates goes straight to the real
 *   allocator and is not recorded.
 * - All tables live in memory from mmap, never from the intercepted malloc.
 *
 * Order and threads: one mutex serialises every table update and buffer
 * append, so a multi-threaded program gives one total order of events. A
 * free is recorded (and its address forgotten) before the real free runs,
 * an allocation after the real call returns, so an address is never mapped
 * twice. A realloc takes its block out of the table before the real call and
 * records `r` after it. The lock is never held across a call into the real
 * allocator or into the dynamic loader (dladdr for --sites).
 *
 * IDs: a monotonic counter per process, so a reused address gets a new ID.
 *
 * Files: the output is buffered (1 MiB) and written with write(2) when the
 * buffer is full, before an exec, at _exit and from a destructor at exit.
 * The first process (PB_RECORD_FIRST=its pid, or any process when unset)
 * creates FILE exclusively; every other process image writes FILE.<pid>
 * (FILE.<pid>.<k> when a process execs more than once). When the first
 * process execs, its new program takes FILE over and the trace of the one
 * before moves to FILE.<pid>[.<k>], so FILE ends up holding the last program
 * (a wrapper script's real program). A fork child starts empty: it drops the
 * parent's unflushed buffer and address table, so frees of blocks inherited
 * from the parent are counted as dropped frees.
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
 * Global mutable state is unavoidable here (an interposer has no caller to
 * hand it a context); it is all in `rec` below plus the thread-local flags.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h> /* renameat2 only: no stdio call here (it may allocate) */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "pb_record_list.h"

#define PB_REC_EXPORT __attribute__((visibility("default")))
#define PB_REC_TLS __thread __attribute__((tls_model("initial-exec")))

#define PB_REC_BUF_SIZE (1u << 20)  /* output buffer */
#define PB_REC_LINE_MAX 256         /* longest line we append at once */
#define PB_REC_BOOT_SIZE (64u << 10) /* bootstrap arena for dlsym */
#define PB_REC_MAX_SIZE ((uint64_t)1 << 40)
#define PB_REC_MAX_ALIGN 4096u
#define PB_REC_TAG_LEN 64
#define PB_REC_MAX_TAGS 65000u
#define PB_REC_PATH_MAX 4096

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

/* --- address -> ID table (open addressing, linear probing) ------------------ */

struct pb_rec_slot {
    uintptr_t addr; /* 0 = empty */
    uint64_t id;
};

struct pb_rec_table {
    struct pb_rec_slot *slots;
    size_t cap; /* power of two */
    size_t used;
};

/* --- call site -> tag cache --------------------------------------------------- */

struct pb_rec_site {
    uintptr_t ra;  /* 0 = empty */
    uint32_t tag;  /* index into the tag store */
};

struct pb_rec_sites {
    struct pb_rec_site *slots;
    size_t cap;
    size_t used;
    char (*tags)[PB_REC_TAG_LEN + 1];
    uint32_t n_tags;
};

/* --- the recorder's state ------------------------------------------------------ */

/* SKIP: configured, but this process is not followed (PB_RECORD_FOLLOW). */
enum { PB_REC_UNKNOWN = 0, PB_REC_ON = 1, PB_REC_OFF = 2, PB_REC_DONE = 3, PB_REC_SKIP = 4 };

/* PB_RECORD_FOLLOW: which processes besides the first program of PB_RECORD_FIRST record. */
enum { PB_REC_FOLLOW_NONE = 0, PB_REC_FOLLOW_EXEC = 1, PB_REC_FOLLOW_ALL = 2 };

struct pb_rec {
    pthread_mutex_t lock;
    int state;            /* PB_REC_* */
    int sites;            /* PB_RECORD_SITES=1 */
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
    uint64_t next_id;
    uint64_t n_alloc, n_free, n_realloc, dropped_frees, unknown_reallocs, implicit_frees;
    uint64_t too_big, over_aligned;
    size_t len;
    char buf[PB_REC_BUF_SIZE];
};

static struct pb_rec rec = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .fd = -1,
    .next_id = 1,
};
static struct pb_rec_real real;

static PB_REC_TLS int in_recorder; /* this thread is inside the recorder */
static PB_REC_TLS int resolving;   /* this thread is inside dlsym */

static _Alignas(16) char boot_buf[PB_REC_BOOT_SIZE];
static size_t boot_used; /* atomically bumped */

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
static int resolve(void)
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

/* ---------------------------------------------------------------------------- */
/* small formatting helpers (no stdio: it may allocate)                         */

static char *put_str(char *p, const char *s)
{
    while (*s)
        *p++ = *s++;
    return p;
}

static char *put_u64(char *p, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = tmp[--n];
    return p;
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
    return (size_t)(h >> 17) & mask;
}

static int table_init(struct pb_rec_table *t, size_t cap)
{
    t->slots = map_zeroed(cap * sizeof *t->slots);
    t->cap = t->slots ? cap : 0;
    t->used = 0;
    return t->slots ? 0 : -1;
}

static void table_put_raw(struct pb_rec_table *t, uintptr_t addr, uint64_t id)
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
static void table_remove_at(struct pb_rec_table *t, size_t i)
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
    t->slots[i].id = 0;
    t->used--;
}

/* Take addr out of the table: its ID, or 0 when unknown. */
static uint64_t table_take(struct pb_rec_table *t, uintptr_t addr)
{
    size_t i = table_find(t, addr);
    if (i == (size_t)-1)
        return 0;
    uint64_t id = t->slots[i].id;
    table_remove_at(t, i);
    return id;
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
            rec.state = PB_REC_OFF;
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

static void write_header(void)
{
    char line[PB_REC_LINE_MAX];
    append("poolbench-trace 1\n", 18);
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
            rec.state = PB_REC_SKIP;
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
        rec.state = PB_REC_OFF; /* cannot write: stop recording, keep running */
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
        rec.state = PB_REC_OFF;
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
    python_comment();
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
        rec.state = PB_REC_OFF;
        return;
    }
    copy_env(rec.list, sizeof rec.list, PB_RECORD_ENV_LIST);
    const char *first = getenv(PB_RECORD_ENV_FIRST);
    rec.first_pid = first ? strtol(first, NULL, 10) : 0;
    rec.follow = read_follow();
    const char *mode = getenv(PB_RECORD_ENV_MODE);
    rec.mode = mode && mode[0] ? (mode_t)strtoul(mode, NULL, 8) & 0666 : 0644;
    const char *sites = getenv(PB_RECORD_ENV_SITES);
    rec.sites = sites && sites[0] == '1';
    read_self();
    rec.owner = getpid();
    if (rec.first_pid && rec.first_pid != (long)getpid() && rec.follow != PB_REC_FOLLOW_ALL) {
        rec.state = PB_REC_SKIP;
        note_in_list(PB_REC_LIST_SKIP, "");
        return;
    }
    if (table_init(&rec.table, 1u << 16) != 0) {
        rec.state = PB_REC_OFF;
        return;
    }
    rec.state = PB_REC_ON;
    open_output();
}

/* Lock and make sure we are initialised; 0 when events should be recorded. */
static int lock_on(void)
{
    pthread_mutex_lock(&rec.lock);
    if (rec.state == PB_REC_UNKNOWN)
        init_locked();
    else if (rec.state == PB_REC_ON && rec.fd < 0)
        open_output(); /* a fork child's first event */
    if (rec.state == PB_REC_ON)
        return 0;
    pthread_mutex_unlock(&rec.lock);
    return -1;
}

static void unlock(void)
{
    pthread_mutex_unlock(&rec.lock);
}

static void atfork_prepare(void)
{
    pthread_mutex_lock(&rec.lock);
}

static void atfork_parent(void)
{
    pthread_mutex_unlock(&rec.lock);
}

/* The child starts a new, empty recording of its own; unless only the first
 * process is followed (--follow none or exec): then it records nothing and
 * only says so in the list. */
static void atfork_child(void)
{
    pthread_mutex_init(&rec.lock, NULL);
    if (rec.state == PB_REC_SKIP || (rec.state == PB_REC_ON && rec.follow != PB_REC_FOLLOW_ALL)) {
        if (rec.state == PB_REC_ON && rec.fd >= 0 && fd_is_ours())
            close(rec.fd);
        rec.fd = -1;
        rec.len = 0;
        rec.state = PB_REC_SKIP;
        rec.owner = getpid();
        note_in_list(PB_REC_LIST_SKIP, "");
        return;
    }
    if (rec.state != PB_REC_ON)
        return;
    if (rec.fd >= 0 && fd_is_ours())
        close(rec.fd); /* the parent's file; the child opens its own */
    rec.fd = -1;
    rec.len = 0;
    rec.forked = 1;
    rec.parent = getppid();
    rec.owner = getpid();
    if (rec.table.slots)
        munmap(rec.table.slots, rec.table.cap * sizeof *rec.table.slots);
    if (table_init(&rec.table, 1u << 16) != 0)
        rec.state = PB_REC_OFF;
    rec.next_id = 1;
    rec.n_alloc = rec.n_free = rec.n_realloc = 0;
    rec.dropped_frees = rec.unknown_reallocs = rec.implicit_frees = 0;
    rec.too_big = rec.over_aligned = 0;
}

__attribute__((constructor)) static void pb_rec_ctor(void)
{
    in_recorder++;
    pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
    in_recorder--;
}

/* Flush everything and write the summary; recording stops for good. */
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
    if (rec.state == PB_REC_ON && rec.fd >= 0) {
        write_summary(why);
        flush_locked();
        close(rec.fd);
        rec.fd = -1;
    }
    if (rec.state == PB_REC_ON)
        rec.state = PB_REC_DONE;
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
    if (rec.state == PB_REC_ON && rec.fd >= 0 && rec.owner == getpid()) {
        write_summary("exec");
        flush_locked();
    }
    pthread_mutex_unlock(&rec.lock);
    in_recorder--;
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

/* "MODULE:HEXOFFSET" for return address ra (called without the lock). */
static void make_tag(uintptr_t ra, char tag[PB_REC_TAG_LEN + 1])
{
    Dl_info info;
    const char *mod = "unknown";
    uintptr_t off = ra;
    if (dladdr((void *)ra, &info) && info.dli_fbase) {
        off = ra - (uintptr_t)info.dli_fbase;
        if (info.dli_fname && info.dli_fname[0]) {
            const char *base = strrchr(info.dli_fname, '/');
            mod = base ? base + 1 : info.dli_fname;
        } else {
            mod = rec.self;
        }
    }
    char hex[24];
    char *h = put_hex(hex, off);
    *h = '\0';
    size_t hexlen = (size_t)(h - hex);
    size_t room = PB_REC_TAG_LEN - 1 - hexlen;
    tag_char_copy(tag, mod[0] ? mod : "main", room);
    size_t n = strlen(tag);
    tag[n] = ':';
    memcpy(tag + n + 1, hex, hexlen + 1);
}

/* Tag index of ra, or (uint32_t)-1 when not cached. Lock held. */
static uint32_t site_find(uintptr_t ra)
{
    struct pb_rec_sites *s = &rec.site;
    if (!s->cap)
        return (uint32_t)-1;
    size_t mask = s->cap - 1;
    for (size_t i = hash_ra(ra, mask);; i = (i + 1) & mask) {
        if (s->slots[i].ra == ra)
            return s->slots[i].tag;
        if (!s->slots[i].ra)
            return (uint32_t)-1;
    }
}

static int site_grow(void)
{
    struct pb_rec_sites *s = &rec.site;
    size_t cap = s->cap ? s->cap * 2 : 4096;
    struct pb_rec_site *slots = map_zeroed(cap * sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < s->cap; i++) {
        if (!s->slots[i].ra)
            continue;
        size_t j = hash_ra(s->slots[i].ra, cap - 1);
        while (slots[j].ra)
            j = (j + 1) & (cap - 1);
        slots[j] = s->slots[i];
    }
    if (s->slots)
        munmap(s->slots, s->cap * sizeof *s->slots);
    s->slots = slots;
    s->cap = cap;
    return 0;
}

/* Add ra with its tag text; returns its index. Lock held. */
static uint32_t site_add(uintptr_t ra, const char *tag)
{
    struct pb_rec_sites *s = &rec.site;
    uint32_t found = site_find(ra);
    if (found != (uint32_t)-1)
        return found; /* another thread was quicker */
    if (!s->tags) {
        s->tags = map_zeroed((size_t)(PB_REC_MAX_TAGS + 1) * sizeof *s->tags);
        if (!s->tags)
            return (uint32_t)-1;
        memcpy(s->tags[PB_REC_MAX_TAGS], "other", 6);
    }
    if ((s->used + 1) * 2 > s->cap && site_grow() != 0)
        return (uint32_t)-1;
    uint32_t idx = s->n_tags < PB_REC_MAX_TAGS ? s->n_tags++ : PB_REC_MAX_TAGS;
    if (idx < PB_REC_MAX_TAGS)
        memcpy(s->tags[idx], tag, strlen(tag) + 1);
    size_t mask = s->cap - 1;
    size_t i = hash_ra(ra, mask);
    while (s->slots[i].ra)
        i = (i + 1) & mask;
    s->slots[i].ra = ra;
    s->slots[i].tag = idx;
    s->used++;
    return idx;
}

/* The tag index of call site ra; (uint32_t)-1 when none. Takes the lock itself
 * but never holds it across dladdr (which takes the loader's lock). */
static uint32_t site_tag(uintptr_t ra)
{
    pthread_mutex_lock(&rec.lock);
    uint32_t idx = site_find(ra);
    pthread_mutex_unlock(&rec.lock);
    if (idx != (uint32_t)-1)
        return idx;
    char tag[PB_REC_TAG_LEN + 1];
    make_tag(ra, tag);
    pthread_mutex_lock(&rec.lock);
    idx = site_add(ra, tag);
    pthread_mutex_unlock(&rec.lock);
    return idx;
}

/* ---------------------------------------------------------------------------- */
/* recording events (lock held)                                                 */

static void emit_free(uint64_t id)
{
    char line[PB_REC_LINE_MAX];
    char *p = put_str(line, "f ");
    p = put_u64(p, id);
    *p++ = '\n';
    append(line, (size_t)(p - line));
    rec.n_free++;
}

static void emit_alloc(uintptr_t addr, size_t size, size_t align, uint32_t tag)
{
    if ((uint64_t)size > PB_REC_MAX_SIZE) {
        rec.too_big++;
        return;
    }
    uint64_t old = table_take(&rec.table, addr);
    if (old) { /* the address came back without a free we saw */
        emit_free(old);
        rec.implicit_frees++;
    }
    if ((rec.table.used + 1) * 2 > rec.table.cap && table_grow(&rec.table) != 0) {
        rec.state = PB_REC_OFF;
        return;
    }
    uint64_t id = rec.next_id++;
    table_put_raw(&rec.table, addr, id);
    char line[PB_REC_LINE_MAX];
    char *p = put_str(line, "a ");
    p = put_u64(p, id);
    *p++ = ' ';
    p = put_u64(p, size);
    if (align) {
        size_t a = 1;
        while (a < align && a < PB_REC_MAX_ALIGN)
            a <<= 1;
        if (align > PB_REC_MAX_ALIGN)
            rec.over_aligned++;
        *p++ = ' ';
        p = put_u64(p, a);
    }
    if (tag != (uint32_t)-1 && rec.site.tags) {
        p = put_str(p, " @");
        p = put_str(p, rec.site.tags[tag]);
    }
    *p++ = '\n';
    append(line, (size_t)(p - line));
    rec.n_alloc++;
}

/* ---------------------------------------------------------------------------- */
/* the hooks' common paths                                                      */

static int recording_here(void)
{
    return !in_recorder && rec.state != PB_REC_OFF && rec.state != PB_REC_DONE;
}

static void record_alloc(void *p, size_t size, size_t align, void *ra)
{
    if (!p || !recording_here())
        return;
    in_recorder++;
    uint32_t tag = (uint32_t)-1;
    if (rec.state == PB_REC_UNKNOWN && lock_on() == 0)
        unlock(); /* initialise first, so that rec.sites is known */
    if (rec.state == PB_REC_ON && rec.sites)
        tag = site_tag((uintptr_t)ra);
    if (lock_on() == 0) {
        emit_alloc((uintptr_t)p, size, align, tag);
        unlock();
    }
    in_recorder--;
}

static void record_free(void *p)
{
    if (!p || !recording_here())
        return;
    in_recorder++;
    if (lock_on() == 0) {
        uint64_t id = table_take(&rec.table, (uintptr_t)p);
        if (id)
            emit_free(id);
        else
            rec.dropped_frees++;
        unlock();
    }
    in_recorder--;
}

/* Before a realloc of p: its ID (taken out of the table), 0 when unknown. */
static uint64_t realloc_begin(void *p, int *active)
{
    *active = 0;
    if (!recording_here())
        return 0;
    in_recorder++;
    uint64_t id = 0;
    if (lock_on() == 0) {
        *active = 1;
        id = table_take(&rec.table, (uintptr_t)p);
        unlock();
    }
    in_recorder--;
    return id;
}

/* After realloc(p, size) returned q (p != NULL): record r, f or a. */
static void realloc_end(void *p, size_t size, void *q, uint64_t id, void *ra)
{
    in_recorder++;
    uint32_t tag = (uint32_t)-1;
    if (!id && q && rec.sites)
        tag = site_tag((uintptr_t)ra);
    pthread_mutex_lock(&rec.lock);
    if (rec.state != PB_REC_ON) {
        pthread_mutex_unlock(&rec.lock);
        in_recorder--;
        return;
    }
    if (!q && size != 0) { /* failed: p is still live */
        if (id)
            table_put_raw(&rec.table, (uintptr_t)p, id);
    } else if (!q) { /* realloc(p, 0) freed p */
        if (id)
            emit_free(id);
        else
            rec.dropped_frees++;
    } else if (!id) {
        rec.unknown_reallocs++;
        emit_alloc((uintptr_t)q, size, 0, tag);
    } else if ((uint64_t)size > PB_REC_MAX_SIZE) {
        emit_free(id);
        rec.too_big++;
    } else {
        uint64_t old = table_take(&rec.table, (uintptr_t)q);
        if (old) {
            emit_free(old);
            rec.implicit_frees++;
        }
        if ((rec.table.used + 1) * 2 > rec.table.cap && table_grow(&rec.table) != 0)
            rec.state = PB_REC_OFF;
        else
            table_put_raw(&rec.table, (uintptr_t)q, id);
        char line[PB_REC_LINE_MAX];
        char *s = put_str(line, "r ");
        s = put_u64(s, id);
        *s++ = ' ';
        s = put_u64(s, size);
        *s++ = '\n';
        append(line, (size_t)(s - line));
        rec.n_realloc++;
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
    int active;
    uint64_t id = realloc_begin(p, &active);
    void *q = real.realloc(p, size);
    if (active)
        realloc_end(p, size, q, id, ra);
    return q;
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
