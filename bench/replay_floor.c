/*
 * replay_floor.c -- the floor under poolbench's timed loop: the least a
 * replay of a trace can cost, written from scratch, without poolbench's
 * library, so that bench/floor.sh can say how far `poolbench run` is above it.
 *
 *   replay_floor [--mode malloc|pool|pool-call] [--chunk N] [--warmup W] [--repeat N] TRACE
 *
 * What it is for. poolbench's ns/op is the allocator's cost plus the harness's
 * (event loop, slot table, page touches, an indirect call through the backend
 * table). Its null backend measures the harness alone, but with the harness's
 * own code. This program is a second, independent opinion: the same trace,
 * the same calls in the same order, the same page touches, through the
 * leanest loop we can write. If poolbench's figure is close to this one, its
 * loop adds nothing worth talking about.
 *
 * What it measures. The trace (plain text, workloads/README.md, "Trace format v1":
 * `a ID SIZE [ALIGN] [@TAG]`, `f ID`, `r ID SIZE`, `x`, comments, the header)
 * is parsed and decoded BEFORE any clock runs into a dense array of 16-byte
 * events whose IDs are already slot numbers 0..n_slots-1 (a freed slot is
 * reused first, as poolbench's builder does). Then W untimed and N timed
 * replays; each timed replay is the whole event array between two
 * CLOCK_MONOTONIC reads; the blocks still live are freed after the clock
 * stops. The result line gives the median, min and max of ns per event
 * (events = a, f, r and x lines, poolbench's time.ops).
 *   --mode malloc  a: malloc(size ? size : 1) up to alignment 16, else
 *                  aligned_alloc(align, size rounded up to align); f: free;
 *                  r: realloc (an aligned block: aligned_alloc, copy
 *                  min(old, new) bytes, free); x: free every live block. The
 *                  malloc is whatever the process has: LD_PRELOAD a library
 *                  and it is that library's.
 *   --mode pool    an inline fixed-size pool of --chunk bytes (default 64,
 *                  rounded up to 16): a LIFO free list threaded through the
 *                  free chunks, then bump carving from one mmap'd slab of
 *                  n_slots chunks (a replay never has more chunks carved than
 *                  blocks live at its peak, so the slab never runs out); r
 *                  keeps the chunk; x and the release rewind the pool.
 *   --mode pool-call  the same pool behind the interface a poolbench backend
 *                  has: its state in a struct, alloc(self, size, align) and
 *                  free(self, ptr, size) called through a table of function
 *                  pointers the compiler cannot see through, the size and
 *                  alignment tested and the slab's end checked in alloc, a
 *                  status from free, the size kept per slot. Pool against
 *                  pool-call is what such an interface costs by itself; pool-call
 *                  against poolbench's pool is the rest of poolbench's harness.
 *   --mode pool-ops  (replay_floor_ops, the same file built with FLOOR_BACKEND
 *                  and linked with poolbench's allocators layer, nothing else)
 *                  poolbench's own pool backend, pool:chunk=N, through its ops
 *                  table in the pool-call loop: against poolbench's pool it is
 *                  the harness alone, the allocator being the same code.
 *   Every new or resized block gets one byte written at its start and one in
 *   each following page it overlaps (poolbench's default --touch pages).
 *   Returned pointers and the touched bytes escape through an empty asm
 *   statement with a memory clobber, and the file is built with
 *   -fno-builtin-malloc and friends, so no call or write can be elided.
 *
 * What it deliberately leaves out. No backend table or indirect calls, no
 * sizes kept per slot, no failure bookkeeping beyond a NULL test, no memory
 * pass, no null baseline, no child processes, no results file, no gzip (give
 * it plain text: `poolbench convert T.trace.gz T.trace`), no threads (a `t`
 * line is refused), no tags (accepted, checked and ignored), one message for
 * the first problem only. In pool mode a request the pool cannot serve (more
 * than a chunk, or aligned above 16) is refused while decoding, so the timed
 * loop holds no size test, and freed slots are not cleared in the slot table
 * (nothing reads them). The program itself never calls malloc: the file is
 * mapped, every table is an anonymous mapping, output goes through write(2),
 * so the allocator under test sees the trace's calls and nothing else.
 *
 * Exit status: 0 ok; 1 the allocator refused a request (malloc returned NULL);
 * 2 bad usage or a bad trace ("FILE:LINE: what is wrong" on standard error).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifdef FLOOR_BACKEND
#include "pb_backend.h"
#endif

#define FLOOR_MAX_ID ((uint64_t)1 << 63)   /* IDs are below 2^63 */
#define FLOOR_MAX_SIZE ((uint64_t)1 << 40) /* sizes are at most 2^40 */
#define FLOOR_MAX_ALIGN_LOG2 12            /* ALIGN at most 4096 */
#define FLOOR_MALLOC_ALIGN_LOG2 4          /* malloc's own alignment, 16 */
#define FLOOR_MAX_TAG 64                   /* @TAG: 1 to 64 characters */
#define FLOOR_MAX_FIELDS 6                 /* a ID SIZE ALIGN @TAG, and one too many */
#define FLOOR_MAX_REPEAT 10000
#define FLOOR_MAX_WARMUP 10000
#define FLOOR_MAX_CHUNK ((size_t)1 << 30)
/* Decoding commits at most this many bytes per byte of trace text (16-byte
 * events for lines of at least 2 bytes, per-slot data and the ID table). */
#define FLOOR_DECODE_FACTOR 32
#define FLOOR_EMPTY UINT32_MAX             /* an unused entry of the ID table */
#define FLOOR_SHOW 40                      /* characters of a field quoted in a message */
#define FLOOR_MSG 768

enum floor_mode { FLOOR_MODE_MALLOC, FLOOR_MODE_POOL, FLOOR_MODE_POOL_CALL, FLOOR_MODE_POOL_OPS };

/* --mode's words, by enum floor_mode; pool-ops only in replay_floor_ops. */
static const char *const floor_mode_names[] = {"malloc", "pool", "pool-call", "pool-ops"};
#ifdef FLOOR_BACKEND
#define FLOOR_N_MODES 4
#else
#define FLOOR_N_MODES 3
#endif

/* What one decoded event does. */
enum floor_op {
    FLOOR_ALLOC,           /* a, alignment <= 16 (pool mode: every a) */
    FLOOR_ALLOC_ALIGNED,   /* a, alignment > 16: aligned_alloc */
    FLOOR_FREE,            /* f */
    FLOOR_REALLOC,         /* r of a block aligned <= 16 (pool: keep the chunk) */
    FLOOR_REALLOC_ALIGNED, /* r of a block aligned > 16; the next event is its FLOOR_COPY */
    FLOOR_COPY,            /* not an event: size = bytes the resize before it copies */
    FLOOR_RESET,           /* x */
};

/* One decoded event, 16 bytes as poolbench's. */
struct floor_event {
    uint64_t size;      /* a, r: requested size; FLOOR_COPY: bytes to copy; else 0 */
    uint32_t slot;      /* a, f, r: dense slot of the block; x: 0 */
    uint8_t op;         /* enum floor_op */
    uint8_t align_log2; /* a, r: log2 of the block's alignment */
    uint16_t unused;
};

/* An anonymous mapping: its pages are committed only when written. */
struct floor_map {
    void *p;
    size_t len;
};

/* One live ID of the decoder's table (open addressing, linear probing). */
struct floor_entry {
    uint64_t id;
    uint32_t slot; /* FLOOR_EMPTY: unused */
    uint32_t unused;
};

/* The text field [p, p + n). */
struct floor_field {
    const char *p;
    size_t n;
};

/* The decoder's state: the trace rules, the ID table and the events. */
struct floor_decoder {
    const char *file;          /* the name in messages */
    uint64_t line;             /* the line being decoded, from 1 */
    int seen_content;          /* a line that is not blank or a comment came before */
    uint64_t max_size;         /* pool mode: the chunk; malloc mode: 2^40 */
    unsigned max_align_log2;   /* pool mode: 4; malloc mode: 12 */
    struct floor_map events_map;
    struct floor_event *ev;
    size_t n_ev, cap_ev;
    uint64_t n_records;        /* a, f, r and x lines */
    struct floor_map table_map;
    struct floor_entry *table;
    unsigned table_bits;
    size_t n_live;
    struct floor_map slots_map; /* per slot: line of its a, size, alignment; free stack */
    uint64_t *slot_line, *slot_size;
    uint8_t *slot_align;
    uint32_t *free_slots;
    size_t n_free, cap_slots;
    uint32_t n_slots;
    char err[FLOOR_MSG];
};

/* Pool-call mode's pool: what pool mode keeps in registers, behind a pointer. */
struct floor_pool {
    unsigned char *head, *bump, *start, *end;
    size_t chunk;
};

/* Pool-call mode's interface, as a poolbench backend's ops table. */
struct floor_pool_ops {
    void *(*alloc)(void *self, size_t size, size_t align);
    int (*free)(void *self, void *ptr, size_t size);
    void (*reset)(void *self);
};

/* What the timed loops need. */
struct floor_replay {
    const struct floor_event *ev;
    size_t n_ev;
    void **ptr;          /* n_slots live pointers (NULL: not live, malloc mode) */
    uint64_t *size;      /* pool-call mode: n_slots block sizes */
    uint32_t n_slots;
    size_t page;
    unsigned char *slab; /* pool modes: n_slots chunks */
    size_t chunk;
    const struct floor_pool_ops *calls; /* pool-call, pool-ops modes: the table */
    void *self;                         /* and the instance it is called with */
    struct floor_pool pool_state;       /* pool-call mode's instance */
    struct floor_pool_ops ops_state;    /* pool-ops mode's table */
};

/* ---- small helpers ------------------------------------------------------------ */

static int map_anon(struct floor_map *m, size_t len)
{
    m->len = len ? len : 1;
    m->p = mmap(NULL, m->len, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m->p == MAP_FAILED) {
        m->p = NULL;
        return -1;
    }
    return 0;
}

static void unmap(struct floor_map *m)
{
    if (m->p)
        munmap(m->p, m->len);
    m->p = NULL;
}

/* Replace what a terminal could take for a control sequence. */
static void sanitize(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
            *s = '?';
}

/* Write a formatted line to fd (no stdio buffer, hence no malloc). */
static void say(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(int fd, const char *fmt, ...)
{
    char buf[FLOOR_MSG + 256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t len = (size_t)n < sizeof buf - 1 ? (size_t)n : sizeof buf - 2;
    buf[len++] = '\n';
    for (size_t done = 0; done < len;) {
        ssize_t w = write(fd, buf + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        done += (size_t)w;
    }
}

static size_t phys_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || size <= 0)
        return (size_t)1 << 32;
    return (size_t)pages * (size_t)size;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- decoding: messages and numbers ----------------------------------------------- */

/* "FILE:LINE: message" into d->err; returns -1. */
static int bad(struct floor_decoder *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad(struct floor_decoder *d, const char *fmt, ...)
{
    char msg[FLOOR_MSG / 2];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(d->err, sizeof d->err, "%.300s:%llu: %s", d->file, (unsigned long long)d->line, msg);
    sanitize(d->err);
    return -1;
}

static int shown(const struct floor_field *f)
{
    return (int)(f->n < FLOOR_SHOW ? f->n : FLOOR_SHOW);
}

static int hex_digit(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* An unsigned decimal number, or 0x hex when hex: 0; -1 not a number; -2 too big. */
static int parse_number(const struct floor_field *f, int hex, uint64_t *out)
{
    const unsigned char *p = (const unsigned char *)f->p;
    uint64_t v = 0;
    int too_big = 0;
    if (hex && f->n > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        for (size_t i = 2; i < f->n; i++) {
            int d = hex_digit(p[i]);
            if (d < 0)
                return -1;
            too_big |= (v >> 60) != 0;
            v = v << 4 | (unsigned)d;
        }
    } else {
        for (size_t i = 0; i < f->n; i++) {
            unsigned d = (unsigned)p[i] - '0';
            if (d > 9)
                return -1;
            too_big |= v > (UINT64_MAX - d) / 10;
            v = v * 10 + d;
        }
    }
    *out = v;
    return too_big ? -2 : 0;
}

/* Field f as an ID or SIZE no larger than max; 0, or -1 after a message. */
static int field_number(struct floor_decoder *d, const struct floor_field *f, const char *what,
                        uint64_t max, uint64_t *out)
{
    int st = parse_number(f, 1, out);
    if (st == -1)
        return bad(d, "%s '%.*s' is not a number", what, shown(f), f->p);
    if (st == -2 || *out > max)
        return bad(d, "%s %.*s is out of range (at most %llu)", what, shown(f), f->p,
                   (unsigned long long)max);
    return 0;
}

/* Field f as an ALIGN (a decimal power of two from 1 to 4096), as its log2. */
static int field_align(struct floor_decoder *d, const struct floor_field *f, unsigned *log2)
{
    uint64_t v;
    int st = parse_number(f, 0, &v);
    if (st == 0 && v && !(v & (v - 1)) && v <= ((uint64_t)1 << FLOOR_MAX_ALIGN_LOG2)) {
        unsigned l = 0;
        while ((v >> l) != 1)
            l++;
        *log2 = l;
        return 0;
    }
    if (st == -1)
        return bad(d, "ALIGN '%.*s' is not a number", shown(f), f->p);
    return bad(d, "ALIGN %.*s is not a power of two from 1 to 4096", shown(f), f->p);
}

/* Field f as an @TAG: checked, then ignored. */
static int field_tag(struct floor_decoder *d, const struct floor_field *f)
{
    static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:<>-";
    if (f->n < 2 || f->n > FLOOR_MAX_TAG + 1)
        return bad(d, "tag '%.*s' must be @ and 1 to %d characters", shown(f), f->p,
                   FLOOR_MAX_TAG);
    for (size_t i = 1; i < f->n; i++)
        if (!f->p[i] || !strchr(ok, f->p[i]))
            return bad(d, "tag '%.*s' holds a character outside [A-Za-z0-9_.:<>-]", shown(f),
                       f->p);
    return 0;
}

/* ---- decoding: the ID table, slots and events --------------------------------------- */

static size_t id_hash(const struct floor_decoder *d, uint64_t id)
{
    return (size_t)((id * 0x9e3779b97f4a7c15ULL) >> (64 - d->table_bits));
}

/* The entry holding id, or the empty entry where it would go. */
static size_t table_find(const struct floor_decoder *d, uint64_t id)
{
    size_t mask = ((size_t)1 << d->table_bits) - 1;
    size_t i = id_hash(d, id);
    while (d->table[i].slot != FLOOR_EMPTY && d->table[i].id != id)
        i = (i + 1) & mask;
    return i;
}

/* A table of 2^bits empty entries; -1 when it cannot be mapped. */
static int table_make(struct floor_decoder *d, unsigned bits)
{
    size_t n = (size_t)1 << bits;
    if (map_anon(&d->table_map, n * sizeof(struct floor_entry)))
        return -1;
    d->table = d->table_map.p;
    d->table_bits = bits;
    for (size_t i = 0; i < n; i++)
        d->table[i].slot = FLOOR_EMPTY;
    return 0;
}

/* Twice the entries, every live ID moved over. */
static int table_grow(struct floor_decoder *d)
{
    struct floor_map old = d->table_map;
    const struct floor_entry *t = old.p;
    size_t n = (size_t)1 << d->table_bits;
    if (table_make(d, d->table_bits + 1)) {
        d->table_map = old;
        d->table = old.p;
        return bad(d, "out of memory for the ID table");
    }
    for (size_t i = 0; i < n; i++)
        if (t[i].slot != FLOOR_EMPTY)
            d->table[table_find(d, t[i].id)] = t[i];
    unmap(&old);
    return 0;
}

/* Empty entry i, shifting back the entries of its probe run (no tombstones). */
static void table_remove(struct floor_decoder *d, size_t i)
{
    size_t mask = ((size_t)1 << d->table_bits) - 1;
    for (size_t j = (i + 1) & mask; d->table[j].slot != FLOOR_EMPTY; j = (j + 1) & mask) {
        size_t k = id_hash(d, d->table[j].id);
        int stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
        if (!stays) {
            d->table[i] = d->table[j];
            i = j;
        }
    }
    d->table[i].slot = FLOOR_EMPTY;
    d->n_live--;
}

/* The next event; the array was sized for the trace's worst case. */
static struct floor_event *emit(struct floor_decoder *d, enum floor_op op, uint32_t slot,
                                uint64_t size, unsigned align_log2)
{
    if (d->n_ev == d->cap_ev) {
        bad(d, "internal: more events than the text can hold");
        return NULL;
    }
    struct floor_event *e = &d->ev[d->n_ev++];
    *e = (struct floor_event){.size = size, .slot = slot, .op = (uint8_t)op,
                              .align_log2 = (uint8_t)align_log2};
    return e;
}

/* A slot for a new block: the most recently freed, else a new one. */
static int take_slot(struct floor_decoder *d, uint32_t *out)
{
    if (d->n_free) {
        *out = d->free_slots[--d->n_free];
        return 0;
    }
    if (d->n_slots == d->cap_slots || d->n_slots == FLOOR_EMPTY - 1)
        return bad(d, "internal: more slots than the text can hold");
    *out = d->n_slots++;
    return 0;
}

/* A request the mode serves? (pool mode refuses what a chunk cannot hold) */
static int check_request(struct floor_decoder *d, char op, uint64_t size, unsigned align_log2)
{
    if (size > d->max_size)
        return bad(d, "%c of %llu bytes exceeds the pool's chunk of %llu bytes", op,
                   (unsigned long long)size, (unsigned long long)d->max_size);
    if (align_log2 > d->max_align_log2)
        return bad(d, "%c aligned to %u exceeds the pool's alignment of %u", op,
                   1u << align_log2, 1u << d->max_align_log2);
    return 0;
}

static int decode_alloc(struct floor_decoder *d, uint64_t id, uint64_t size, unsigned align_log2)
{
    if (check_request(d, 'a', size, align_log2))
        return -1;
    size_t i = table_find(d, id);
    if (d->table[i].slot != FLOOR_EMPTY)
        return bad(d, "id %llu is already live (allocated at line %llu)", (unsigned long long)id,
                   (unsigned long long)d->slot_line[d->table[i].slot]);
    uint32_t s = 0;
    if (take_slot(d, &s))
        return -1;
    d->table[i] = (struct floor_entry){.id = id, .slot = s};
    d->slot_line[s] = d->line;
    d->slot_size[s] = size;
    d->slot_align[s] = (uint8_t)align_log2;
    int aligned = align_log2 > FLOOR_MALLOC_ALIGN_LOG2;
    if (!emit(d, aligned ? FLOOR_ALLOC_ALIGNED : FLOOR_ALLOC, s, size, align_log2))
        return -1;
    if (++d->n_live * 2 > ((size_t)1 << d->table_bits))
        return table_grow(d);
    return 0;
}

/* The slot of live id in *slot and its table entry in *entry, or -1 after a message. */
static int live_slot(struct floor_decoder *d, char op, uint64_t id, size_t *entry, uint32_t *slot)
{
    *entry = table_find(d, id);
    *slot = d->table[*entry].slot;
    if (*slot == FLOOR_EMPTY)
        return bad(d, "%c on id %llu, which is not live (never allocated, or already freed)", op,
                   (unsigned long long)id);
    return 0;
}

static int decode_free(struct floor_decoder *d, uint64_t id)
{
    size_t i = 0;
    uint32_t s = 0;
    if (live_slot(d, 'f', id, &i, &s) || !emit(d, FLOOR_FREE, s, 0, d->slot_align[s]))
        return -1;
    table_remove(d, i);
    d->free_slots[d->n_free++] = s;
    return 0;
}

static int decode_realloc(struct floor_decoder *d, uint64_t id, uint64_t size)
{
    size_t i = 0;
    uint32_t s = 0;
    if (live_slot(d, 'r', id, &i, &s) || check_request(d, 'r', size, d->slot_align[s]))
        return -1;
    unsigned align_log2 = d->slot_align[s];
    if (align_log2 <= FLOOR_MALLOC_ALIGN_LOG2) {
        if (!emit(d, FLOOR_REALLOC, s, size, align_log2))
            return -1;
    } else {
        uint64_t copy = size < d->slot_size[s] ? size : d->slot_size[s];
        if (!emit(d, FLOOR_REALLOC_ALIGNED, s, size, align_log2) ||
            !emit(d, FLOOR_COPY, s, copy, align_log2))
            return -1;
    }
    d->slot_size[s] = size;
    return 0;
}

/* x: every live block is freed; its slot goes back on the free stack. */
static int decode_reset(struct floor_decoder *d)
{
    size_t n = (size_t)1 << d->table_bits;
    for (size_t i = 0; i < n; i++) {
        if (d->table[i].slot != FLOOR_EMPTY) {
            d->free_slots[d->n_free++] = d->table[i].slot;
            d->table[i].slot = FLOOR_EMPTY;
        }
    }
    d->n_live = 0;
    return emit(d, FLOOR_RESET, 0, 0, 0) ? 0 : -1;
}

/* ---- decoding: lines ---------------------------------------------------------------- */

static int line_a(struct floor_decoder *d, const struct floor_field *f, int n)
{
    static const char usage[] = "expected 'a ID SIZE [ALIGN] [@TAG]'";
    uint64_t id, size;
    unsigned align_log2 = FLOOR_MALLOC_ALIGN_LOG2;
    if (n < 3)
        return bad(d, "missing %s (%s)", n == 1 ? "ID and SIZE" : "SIZE", usage);
    if (n > 5)
        return bad(d, "extra field '%.*s' (%s)", shown(&f[5]), f[5].p, usage);
    if (field_number(d, &f[1], "ID", FLOOR_MAX_ID - 1, &id) ||
        field_number(d, &f[2], "SIZE", FLOOR_MAX_SIZE, &size))
        return -1;
    int k = 3;
    if (k < n && f[k].p[0] != '@' && field_align(d, &f[k++], &align_log2))
        return -1;
    if (k < n && f[k].p[0] == '@' && field_tag(d, &f[k++]))
        return -1;
    if (k < n)
        return bad(d, "extra field '%.*s' (%s)", shown(&f[k]), f[k].p, usage);
    return decode_alloc(d, id, size, align_log2);
}

static int line_f(struct floor_decoder *d, const struct floor_field *f, int n)
{
    uint64_t id;
    if (n != 2)
        return n < 2 ? bad(d, "missing ID (expected 'f ID')")
                     : bad(d, "extra field '%.*s' (expected 'f ID')", shown(&f[2]), f[2].p);
    if (field_number(d, &f[1], "ID", FLOOR_MAX_ID - 1, &id))
        return -1;
    return decode_free(d, id);
}

static int line_r(struct floor_decoder *d, const struct floor_field *f, int n)
{
    uint64_t id, size;
    if (n != 3)
        return n < 3 ? bad(d, "missing %s (expected 'r ID SIZE')", n == 1 ? "ID and SIZE" : "SIZE")
                     : bad(d, "extra field '%.*s' (expected 'r ID SIZE')", shown(&f[3]), f[3].p);
    if (field_number(d, &f[1], "ID", FLOOR_MAX_ID - 1, &id) ||
        field_number(d, &f[2], "SIZE", FLOOR_MAX_SIZE, &size))
        return -1;
    return decode_realloc(d, id, size);
}

static int line_header(struct floor_decoder *d, const struct floor_field *f, int n, int first)
{
    uint64_t v;
    if (!first)
        return bad(d, "the header 'poolbench-trace' may only be the first line that is not "
                      "blank or a comment");
    if (n != 2)
        return bad(d, "expected 'poolbench-trace 1'");
    if (parse_number(&f[1], 0, &v) != 0 || v != 1)
        return bad(d, "unsupported trace version %.*s", shown(&f[1]), f[1].p);
    return 0;
}

/* One line's fields: which event, then its own checks. */
static int dispatch(struct floor_decoder *d, const struct floor_field *f, int n)
{
    int first = !d->seen_content;
    d->seen_content = 1;
    if (f[0].n == 1 && strchr("afrx", f[0].p[0]))
        d->n_records++;
    if (f[0].n == 1 && f[0].p[0] == 'a')
        return line_a(d, f, n);
    if (f[0].n == 1 && f[0].p[0] == 'f')
        return line_f(d, f, n);
    if (f[0].n == 1 && f[0].p[0] == 'r')
        return line_r(d, f, n);
    if (f[0].n == 1 && f[0].p[0] == 'x')
        return n == 1 ? decode_reset(d)
                      : bad(d, "extra field '%.*s' (expected 'x')", shown(&f[1]), f[1].p);
    if (f[0].n == 15 && memcmp(f[0].p, "poolbench-trace", 15) == 0)
        return line_header(d, f, n, first);
    if (f[0].n == 1 && f[0].p[0] == 't')
        return bad(d, "thread lines ('t TID') are not supported by replay_floor");
    return bad(d, "unknown event '%.*s' (expected a, f, r or x)", shown(&f[0]), f[0].p);
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* The line [p, end), its LF already cut off. */
static int decode_line(struct floor_decoder *d, const char *p, const char *end)
{
    struct floor_field f[FLOOR_MAX_FIELDS];
    int n = 0;
    if (end > p && end[-1] == '\r')
        end--; /* CRLF */
    while (p < end) {
        while (p < end && is_blank(*p))
            p++;
        if (p == end)
            break;
        if (*p == '#')
            return n == 0 ? 0 : bad(d, "trailing comment: comments must be whole lines "
                                       "starting with #");
        const char *start = p;
        while (p < end && !is_blank(*p))
            p++;
        if (n < FLOOR_MAX_FIELDS)
            f[n++] = (struct floor_field){start, (size_t)(p - start)};
    }
    return n ? dispatch(d, f, n) : 0;
}

/* The decoder's tables for a text of len bytes: one event and at most one
 * slot per 2 bytes (the shortest line, "x\n"). -1 when they cannot be mapped. */
static int decoder_init(struct floor_decoder *d, const char *file, size_t len, uint64_t max_size,
                        unsigned max_align_log2)
{
    memset(d, 0, sizeof *d);
    d->file = file;
    d->max_size = max_size;
    d->max_align_log2 = max_align_log2;
    size_t bound = len / 2 + 1;
    d->cap_ev = d->cap_slots = bound;
    size_t per_slot = 2 * sizeof(uint64_t) + sizeof(uint8_t) + sizeof(uint32_t);
    if (map_anon(&d->events_map, bound * sizeof(struct floor_event)) ||
        map_anon(&d->slots_map, bound * per_slot) || table_make(d, 10)) {
        snprintf(d->err, sizeof d->err, "%.300s: cannot map the decoder's tables: %s", file,
                 strerror(errno));
        sanitize(d->err);
        return -1;
    }
    d->ev = d->events_map.p;
    d->slot_line = d->slots_map.p;
    d->slot_size = d->slot_line + bound;
    d->free_slots = (uint32_t *)(d->slot_size + bound);
    d->slot_align = (uint8_t *)(d->free_slots + bound);
    return 0;
}

/* Drop everything but the events. */
static void decoder_drop_tables(struct floor_decoder *d)
{
    unmap(&d->table_map);
    unmap(&d->slots_map);
}

/* Decode the whole text; 0, or -1 with the first problem in d->err. */
static int decode_text(struct floor_decoder *d, const char *text, size_t len)
{
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        d->line++;
        if (decode_line(d, p, nl ? nl : end))
            return -1;
        p = nl ? nl + 1 : end;
    }
    return 0;
}

/* Map the trace file and decode it. */
static int load_trace(struct floor_decoder *d, const char *path, uint64_t max_size,
                      unsigned max_align_log2, char *err, size_t errlen)
{
    memset(d, 0, sizeof *d);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%.300s: %s", path,
                 fd < 0 ? strerror(errno) : "cannot read: not a regular file");
        if (fd >= 0)
            close(fd);
        return -1;
    }
    size_t len = (size_t)st.st_size;
    if (len > phys_memory() / FLOOR_DECODE_FACTOR) {
        snprintf(err, errlen, "%.300s: %zu bytes: too large to decode in this machine's memory "
                 "(up to %d bytes per byte of text)", path, len, FLOOR_DECODE_FACTOR);
        close(fd);
        return -1;
    }
    void *text = len ? mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
    close(fd);
    if (text == MAP_FAILED) {
        snprintf(err, errlen, "%.300s: cannot map: %s", path, strerror(errno));
        return -1;
    }
    int rc = decoder_init(d, path, len, max_size, max_align_log2);
    if (rc == 0 && len >= 2 && memcmp(text, "\x1f\x8b", 2) == 0) {
        snprintf(d->err, sizeof d->err, "%.300s: gzip-compressed: give the plain text "
                 "(poolbench convert IN.trace.gz OUT.trace)", path);
        rc = -1;
    } else if (rc == 0) {
        rc = decode_text(d, text, len);
    }
    if (rc)
        snprintf(err, errlen, "%s", d->err);
    if (text)
        munmap(text, len);
    decoder_drop_tables(d);
    return rc;
}

/* ---- the timed loops ---------------------------------------------------------------- */

/* Make p (and everything written through it) visible to an unknown reader. */
static inline void escape(void *p)
{
    __asm__ volatile("" : : "r"(p) : "memory");
}

/* One byte at the block's start and one in each following page it overlaps. */
static inline void touch(unsigned char *p, uint64_t size, size_t page)
{
    if (size == 0)
        return;
    p[0] = 1;
    uintptr_t next = ((uintptr_t)p | (page - 1)) + 1;
    uintptr_t end = (uintptr_t)p + size;
    for (; next < end; next += page)
        *(unsigned char *)next = 1;
    escape(p);
}

/* Malloc mode: a block aligned above 16, new or resized (e[1] is its copy length). */
__attribute__((noinline, cold))
static int aligned_event(const struct floor_replay *r, const struct floor_event *e)
{
    size_t align = (size_t)1 << e->align_log2;
    size_t n = e->size ? (size_t)e->size : 1;
    void *p = aligned_alloc(align, (n + align - 1) & ~(align - 1));
    if (!p)
        return -1;
    escape(p);
    if (e->op == FLOOR_REALLOC_ALIGNED) {
        memcpy(p, r->ptr[e->slot], (size_t)e[1].size);
        free(r->ptr[e->slot]);
    }
    r->ptr[e->slot] = p;
    touch(p, e->size, r->page);
    return 0;
}

/* Malloc mode: free every live block (x, and the release after the clock). */
static void free_live(const struct floor_replay *r)
{
    for (uint32_t s = 0; s < r->n_slots; s++) {
        if (r->ptr[s]) {
            free(r->ptr[s]);
            r->ptr[s] = NULL;
        }
    }
}

/* Malloc mode: every event; the index of a refused one, else n_ev. */
__attribute__((noinline)) /* a symbol of its own, for profilers */
static size_t replay_malloc(const struct floor_replay *r)
{
    const struct floor_event *ev = r->ev;
    void **ptr = r->ptr;
    const size_t page = r->page, n = r->n_ev;
    for (size_t i = 0; i < n; i++) {
        const struct floor_event *e = &ev[i];
        void *p;
        switch (e->op) {
        case FLOOR_ALLOC:
            p = malloc(e->size ? (size_t)e->size : 1);
            if (!p)
                return i;
            escape(p);
            ptr[e->slot] = p;
            touch(p, e->size, page);
            break;
        case FLOOR_FREE:
            free(ptr[e->slot]);
            ptr[e->slot] = NULL;
            break;
        case FLOOR_REALLOC:
            p = realloc(ptr[e->slot], e->size ? (size_t)e->size : 1);
            if (!p)
                return i;
            escape(p);
            ptr[e->slot] = p;
            touch(p, e->size, page);
            break;
        case FLOOR_RESET:
            free_live(r);
            break;
        default: /* the aligned ones */
            if (aligned_event(r, e))
                return i;
            i += e->op == FLOOR_REALLOC_ALIGNED; /* its FLOOR_COPY */
            break;
        }
    }
    return n;
}

/* Pool mode: every event (decoding refused what the pool cannot serve). The
 * pool's whole state is head and bump, in registers; a replay starts with an
 * empty free list and the bump at the slab's start, which is also all that x
 * and the release after the clock have to do. */
__attribute__((noinline)) /* a symbol of its own, for profilers */
static size_t replay_pool(const struct floor_replay *r)
{
    const struct floor_event *ev = r->ev;
    void **ptr = r->ptr;
    const size_t page = r->page, chunk = r->chunk, n = r->n_ev;
    unsigned char *head = NULL, *bump = r->slab, *p;
    for (size_t i = 0; i < n; i++) {
        const struct floor_event *e = &ev[i];
        switch (e->op) {
        case FLOOR_ALLOC:
            p = head;
            if (p) {
                memcpy(&head, p, sizeof head);
            } else {
                p = bump;
                bump += chunk;
            }
            escape(p);
            ptr[e->slot] = p;
            touch(p, e->size, page);
            break;
        case FLOOR_FREE:
            p = ptr[e->slot];
            memcpy(p, &head, sizeof head);
            head = p;
            break;
        case FLOOR_REALLOC:
            touch(ptr[e->slot], e->size, page);
            break;
        default: /* FLOOR_RESET */
            head = NULL;
            bump = r->slab;
            break;
        }
    }
    escape(head);
    return n;
}

/* ---- pool-call mode: the pool behind a backend's interface --------------------- */

__attribute__((noinline)) static void *floor_pool_alloc(void *self, size_t size, size_t align)
{
    struct floor_pool *pl = self;
    if (size > pl->chunk || align > 16)
        return NULL;
    unsigned char *p = pl->head;
    if (p) {
        memcpy(&pl->head, p, sizeof pl->head);
    } else if (pl->bump != pl->end) {
        p = pl->bump;
        pl->bump += pl->chunk;
    }
    return p;
}

__attribute__((noinline)) static int floor_pool_free(void *self, void *ptr, size_t size)
{
    struct floor_pool *pl = self;
    (void)size;
    memcpy(ptr, &pl->head, sizeof pl->head);
    pl->head = ptr;
    return 0;
}

__attribute__((noinline)) static void floor_pool_reset(void *self)
{
    struct floor_pool *pl = self;
    pl->head = NULL;
    pl->bump = pl->start;
}

static const struct floor_pool_ops floor_pool_table = {
    .alloc = floor_pool_alloc,
    .free = floor_pool_free,
    .reset = floor_pool_reset,
};

/* Pool-call mode: every event through the table (decoding refused what the
 * pool cannot serve, but the pool tests each request again, as a backend must). */
__attribute__((noinline)) /* a symbol of its own, for profilers */
static size_t replay_pool_call(const struct floor_replay *r)
{
    const struct floor_pool_ops *ops = r->calls;
    __asm__ volatile("" : "+r"(ops)); /* an unknown table: no call can be inlined */
    void *self = r->self;
    const struct floor_event *ev = r->ev;
    void **ptr = r->ptr;
    uint64_t *size = r->size;
    const size_t page = r->page, n = r->n_ev;
    for (size_t i = 0; i < n; i++) {
        const struct floor_event *e = &ev[i];
        void *p;
        switch (e->op) {
        case FLOOR_ALLOC:
            p = ops->alloc(self, e->size, (size_t)1 << e->align_log2);
            if (!p)
                return i;
            escape(p);
            ptr[e->slot] = p;
            size[e->slot] = e->size;
            touch(p, e->size, page);
            break;
        case FLOOR_FREE:
            if (ops->free(self, ptr[e->slot], size[e->slot]))
                return i;
            break;
        case FLOOR_REALLOC:
            size[e->slot] = e->size;
            touch(ptr[e->slot], e->size, page);
            break;
        default: /* FLOOR_RESET */
            ops->reset(self);
            break;
        }
    }
    return n;
}

/* W untimed, then N timed replays into ns[]; -1 and the refused event's index. */
__attribute__((noinline)) /* a symbol of its own, for profilers */
static int run_replays(const struct floor_replay *r, enum floor_mode mode, unsigned warmup,
                       unsigned repeat, uint64_t *ns, size_t *refused)
{
    for (unsigned i = 0; i < warmup + repeat; i++) {
        uint64_t t0 = now_ns();
        size_t done = mode == FLOOR_MODE_POOL        ? replay_pool(r)
                      : mode == FLOOR_MODE_MALLOC ? replay_malloc(r)
                                                  : replay_pool_call(r);
        uint64_t t1 = now_ns();
        if (mode == FLOOR_MODE_MALLOC)
            free_live(r);
        else if (mode != FLOOR_MODE_POOL)
            r->calls->reset(r->self);
        if (done != r->n_ev) {
            *refused = done;
            return -1;
        }
        if (i >= warmup)
            ns[i - warmup] = t1 - t0;
    }
    return 0;
}

/* ---- pool-ops mode (replay_floor_ops only): poolbench's own pool ----------------- */

/* The command line. */
struct floor_args {
    enum floor_mode mode;
    size_t chunk;
    unsigned warmup, repeat;
    const char *path;
};


#ifdef FLOOR_BACKEND
/* The pool backend's instance for the chunk, its alloc, free and free_all as the table. */
static int floor_ops_init(struct floor_replay *r, const struct floor_args *a)
{
    if (a->mode != FLOOR_MODE_POOL_OPS)
        return 0;
    const struct pb_backend_ops *ops = pb_backend_find("pool");
    char chunk[32], err[PB_ERR_MAX];
    snprintf(chunk, sizeof chunk, "%zu", a->chunk);
    struct pb_option opt = {"chunk", chunk};
    if (!ops || ops->create(&opt, 1, &r->self, err, sizeof err)) {
        say(2, "replay_floor: cannot make pool:chunk=%s: %s", chunk, ops ? err : "no pool backend");
        return -1;
    }
    r->ops_state = (struct floor_pool_ops){.alloc = ops->alloc, .free = ops->free,
                                           .reset = ops->free_all};
    r->calls = &r->ops_state;
    return 0;
}

static void floor_ops_fini(struct floor_replay *r, const struct floor_args *a)
{
    if (a->mode == FLOOR_MODE_POOL_OPS && r->self)
        pb_backend_find("pool")->destroy(r->self);
}
#else
static int floor_ops_init(struct floor_replay *r, const struct floor_args *a)
{
    (void)r;
    (void)a;
    return 0;
}

static void floor_ops_fini(struct floor_replay *r, const struct floor_args *a)
{
    (void)r;
    (void)a;
}
#endif

/* ---- the command -------------------------------------------------------------------- */

static void usage(int fd)
{
    say(fd, "usage: replay_floor [--mode malloc|pool|pool-call] [--chunk N] [--warmup W] [--repeat N] "
            "TRACE\n\n"
            "Replays a plain-text poolbench trace through the leanest loop there is and prints\n"
            "one line: floor mode=... events=... median_ns_per_event=... (see the top of\n"
            "bench/replay_floor.c).\n"
            "  --mode malloc   malloc/free/realloc/aligned_alloc of this process (default)\n"
            "  --mode pool     an inline fixed-size pool of --chunk bytes (default 64)\n"
            "  --mode pool-call  the same pool behind function pointers, as a backend\n"
            "%s"
            "  --warmup W      untimed replays first (default 1, 0 to %d)\n"
            "  --repeat N      timed replays (default 5, 1 to %d)",
        FLOOR_N_MODES > 3 ? "  --mode pool-ops  poolbench's pool backend, in the pool-call loop\n" : "",
        FLOOR_MAX_WARMUP, FLOOR_MAX_REPEAT);
}

/* A decimal option value from lo to hi; -1 otherwise. */
static int option_number(const char *name, const char *text, uint64_t lo, uint64_t hi,
                         uint64_t *out)
{
    struct floor_field f = {text, strlen(text)};
    if (f.n == 0 || parse_number(&f, 0, out) != 0 || *out < lo || *out > hi) {
        char shown_text[64];
        snprintf(shown_text, sizeof shown_text, "%s", text);
        sanitize(shown_text);
        say(2, "replay_floor: --%s '%s': give a number from %llu to %llu", name, shown_text,
            (unsigned long long)lo, (unsigned long long)hi);
        return -1;
    }
    return 0;
}

static int parse_option(struct floor_args *a, int c, const char *arg)
{
    uint64_t v;
    switch (c) {
    case 'm':
        for (int m = 0; m < FLOOR_N_MODES; m++) {
            if (strcmp(arg, floor_mode_names[m]) == 0) {
                a->mode = (enum floor_mode)m;
                return 0;
            }
        }
        say(2, "replay_floor: --mode must be malloc, pool or pool-call%s",
            FLOOR_N_MODES > 3 ? " or pool-ops" : "");
        return -1;
    case 'c':
        if (option_number("chunk", arg, 1, FLOOR_MAX_CHUNK, &v))
            return -1;
        a->chunk = (size_t)v;
        return 0;
    case 'w':
        if (option_number("warmup", arg, 0, FLOOR_MAX_WARMUP, &v))
            return -1;
        a->warmup = (unsigned)v;
        return 0;
    case 'r':
        if (option_number("repeat", arg, 1, FLOOR_MAX_REPEAT, &v))
            return -1;
        a->repeat = (unsigned)v;
        return 0;
    default:
        return -1;
    }
}

/* 0 run; 1 help shown; -1 bad usage (said). */
static int parse_args(int argc, char **argv, struct floor_args *a)
{
    static const struct option longs[] = {
        {"mode", required_argument, NULL, 'm'},   {"chunk", required_argument, NULL, 'c'},
        {"warmup", required_argument, NULL, 'w'}, {"repeat", required_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    *a = (struct floor_args){.mode = FLOOR_MODE_MALLOC, .chunk = 64, .warmup = 1, .repeat = 5};
    int c;
    while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
        if (c == 'h') {
            usage(1);
            return 1;
        }
        if (c == '?' || parse_option(a, c, optarg))
            return -1;
    }
    if (optind != argc - 1) {
        say(2, "replay_floor: %s", optind < argc ? "expected one trace file" : "no trace file given");
        return -1;
    }
    a->path = argv[optind];
    /* a chunk holds the free list's link and is aligned to 16, as poolbench's pool */
    a->chunk = (a->chunk + 15) & ~(size_t)15;
    return 0;
}

/* Sort v[0..n) (insertion sort: n is at most FLOOR_MAX_REPEAT; qsort may malloc). */
static void sort_u64(uint64_t *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint64_t x = v[i];
        size_t j = i;
        for (; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

static void report(const struct floor_args *a, const struct floor_replay *r, uint64_t records,
                   uint64_t *ns)
{
    size_t n = a->repeat;
    sort_u64(ns, n);
    double med = n % 2 ? (double)ns[n / 2] : ((double)ns[n / 2 - 1] + (double)ns[n / 2]) / 2;
    double per = records ? 1.0 / (double)records : 0;
    char chunk[48] = "";
    if (a->mode != FLOOR_MODE_MALLOC)
        snprintf(chunk, sizeof chunk, " chunk=%zu", a->chunk);
    say(1, "floor mode=%s%s events=%llu slots=%u warmup=%u repeat=%u median_ns_per_event=%.4f "
           "min_ns_per_event=%.4f max_ns_per_event=%.4f",
        floor_mode_names[a->mode], chunk, (unsigned long long)records,
        r->n_slots, a->warmup, a->repeat, med * per, (double)ns[0] * per,
        (double)ns[n - 1] * per);
}

/* The slot table (made resident now) and, in pool mode, the slab. */
static int replay_init(struct floor_replay *r, const struct floor_args *a,
                       const struct floor_decoder *d, struct floor_map *table,
                       struct floor_map *slab)
{
    long page = sysconf(_SC_PAGESIZE);
    *r = (struct floor_replay){.ev = d->ev, .n_ev = d->n_ev, .n_slots = d->n_slots,
                               .page = page > 0 ? (size_t)page : 4096, .chunk = a->chunk};
    slab->p = NULL;
    int call = a->mode == FLOOR_MODE_POOL_CALL || a->mode == FLOOR_MODE_POOL_OPS;
    if (map_anon(table, (size_t)d->n_slots * (sizeof(void *) + (call ? sizeof(uint64_t) : 0)))) {
        say(2, "replay_floor: cannot map a slot table of %u slots", d->n_slots);
        return -1;
    }
    r->ptr = table->p;
    r->size = call ? (uint64_t *)(r->ptr + d->n_slots) : NULL;
    memset(r->ptr, 0, table->len);
    if (a->mode == FLOOR_MODE_MALLOC)
        return 0;
    if (d->n_slots && a->chunk > phys_memory() / d->n_slots) {
        say(2, "replay_floor: %u chunks of %zu bytes exceed this machine's memory", d->n_slots,
            a->chunk);
        return -1;
    }
    if (map_anon(slab, (size_t)d->n_slots * a->chunk)) {
        say(2, "replay_floor: cannot map a slab of %u chunks of %zu bytes", d->n_slots, a->chunk);
        return -1;
    }
    r->slab = slab->p;
    r->pool_state = (struct floor_pool){.bump = r->slab, .start = r->slab,
                                        .end = r->slab + slab->len, .chunk = a->chunk};
    r->calls = &floor_pool_table;
    r->self = &r->pool_state;
    return floor_ops_init(r, a);
}

static int run(const struct floor_args *a)
{
    struct floor_decoder d;
    char err[FLOOR_MSG];
    int pool = a->mode != FLOOR_MODE_MALLOC;
    if (load_trace(&d, a->path, pool ? a->chunk : FLOOR_MAX_SIZE,
                   pool ? FLOOR_MALLOC_ALIGN_LOG2 : FLOOR_MAX_ALIGN_LOG2, err, sizeof err)) {
        sanitize(err);
        say(2, "%s", err);
        unmap(&d.events_map);
        return 2;
    }
    struct floor_replay r;
    struct floor_map table = {0}, slab = {0}, samples = {0};
    int rc = 2;
    size_t refused = 0;
    if (replay_init(&r, a, &d, &table, &slab) == 0 &&
        map_anon(&samples, (size_t)a->repeat * sizeof(uint64_t)) == 0) {
        rc = run_replays(&r, a->mode, a->warmup, a->repeat, samples.p, &refused) ? 1 : 0;
        if (rc)
            say(2, "replay_floor: event %zu (%llu bytes) refused: the allocator returned NULL",
                refused, (unsigned long long)r.ev[refused].size);
        else
            report(a, &r, d.n_records, samples.p);
    }
    floor_ops_fini(&r, a);
    unmap(&samples);
    unmap(&slab);
    unmap(&table);
    unmap(&d.events_map);
    return rc;
}

int main(int argc, char **argv)
{
    struct floor_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc > 0 ? 0 : 2;
    return run(&a);
}
