/*
 * pb_workload.h -- a workload in decoded form, and the builder that makes one.
 *
 * Every source of events (text trace, .gz trace, binary .pbt twin, synthetic
 * generator) ends as the same struct pb_workload: a flat array of 16-byte
 * events whose block IDs are already mapped to dense slots, so the replay
 * indexes an array and never hashes. Text parsing and generators both go
 * through struct pb_builder, which checks the trace rules (live IDs, sizes,
 * alignments, tags) and assigns the slots. Nothing here knows any backend.
 */
#ifndef PB_WORKLOAD_H
#define PB_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Limits of trace format v1. */
#define PB_MAX_ID ((uint64_t)1 << 63)        /* IDs are < 2^63 */
#define PB_MAX_SIZE ((uint64_t)1 << 40)      /* sizes are <= 2^40 */
#define PB_MAX_ALIGN_LOG2 12                 /* alignment <= 4096 */
#define PB_DEFAULT_ALIGN_LOG2 4              /* 16, alignof(max_align_t) on x86-64 */
#define PB_MAX_TAG_LEN 64                    /* @TAG is 1..64 characters */
#define PB_MAX_TAGS 65535                    /* distinct tags one workload may use */
#define PB_MAX_TID 65535                     /* thread ids (`t TID`) are 0 .. 65535 */

/* Event kinds: the trace letters a, f, r, x. */
enum pb_op {
    PB_OP_ALLOC = 0,   /* a: allocate */
    PB_OP_FREE = 1,    /* f: free */
    PB_OP_REALLOC = 2, /* r: resize */
    PB_OP_RESET = 3,   /* x: free every live block */
};

/* One decoded event, 16 bytes, replayed as is. Its thread is not here (the
 * struct has no padding, and the timed replay reads every byte of it): it is
 * in pb_workload's tids array, which one-thread workloads do not have. */
struct pb_event {
    uint64_t size;      /* a, r: requested (new) size; f: size of the block freed; x: 0 */
    uint32_t slot;      /* a, f, r: dense slot of the block, < n_slots; x: 0 */
    uint16_t tag;       /* a: 1 + index into tags[], 0 when untagged; else 0 */
    uint8_t op;         /* enum pb_op */
    uint8_t align_log2; /* a, r, f: log2 of the block's alignment (0..12); x: 0 */
};

/* The workload's own figures (results.md, "The workload's own figures"). */
struct pb_workload_figures {
    uint64_t events;            /* a + f + r events (x counted under resets only) */
    uint64_t allocs, frees, reallocs, resets;
    uint64_t peak_live_bytes;   /* largest sum of live requested sizes, after each event */
    uint64_t peak_live_blocks;  /* largest number of live blocks, after each event */
    uint64_t peak_event;        /* index in events[] after which peak_live_bytes was first reached */
    uint64_t live_blocks_at_end, live_bytes_at_end;
    uint64_t total_requested_bytes; /* sum of sizes of all a events */
    /* threads (workloads/README.md, "Threads"): each figure is also right for a
     * one-thread workload (threads 1, no cross-thread events, chain = records) */
    uint64_t threads;              /* distinct threads that made a record (0: no records) */
    uint64_t cross_thread_frees;   /* f by a thread other than the block's last a/r thread */
    uint64_t cross_thread_reallocs; /* r by a thread other than the block's last a/r thread */
    uint64_t longest_chain;        /* records on the longest dependency path (see README) */
};

/* One thread's share of a workload (pb_workload_thread_figures). */
struct pb_thread_figures {
    uint32_t tid;
    uint64_t events;               /* its a + f + r */
    uint64_t allocs, frees, reallocs, resets;
    uint64_t cross_thread_frees, cross_thread_reallocs; /* made by this thread */
};

/* Where a source line maps to an event: events[event] came from line `line`. */
struct pb_line_mark {
    uint64_t event;
    uint64_t line;
};

struct pb_workload {
    char name[128];          /* short name: file base name or generator spec */
    char source[16];         /* "trace" or "synthetic" */
    char *path;              /* trace path (NULL for synthetic) */
    char *params;            /* generator spec with every parameter filled in (NULL for traces) */
    char sha256[65];         /* hex digest of the trace file's bytes ("" for synthetic) */

    struct pb_event *events; /* n_records events: a, f, r and x */
    size_t n_records;
    uint32_t n_slots;        /* slots used: every event's slot < n_slots */
    char **tags;             /* n_tags tag names, without '@' */
    uint32_t n_tags;
    uint64_t *ids;           /* optional: the original ID of each record (0 for x); NULL when
                                every ID equals its record's slot (as the builder leaves it) */
    uint16_t *tids;          /* optional: the thread (`t TID`) of each record; NULL when every
                                record is thread 0 (as the builder leaves it) */

    /* Sparse map from event index to source line: a mark is kept for the
     * first event and where the line is not the previous event's line + 1.
     * Empty for synthetic. */
    struct pb_line_mark *lines;
    size_t n_lines;

    struct pb_workload_figures fig;

    void *map;               /* non-NULL when events point into an mmap'd .pbt file */
    size_t map_len;
    int hmem;                /* 1: the tags array and path come from pb_hmem, not malloc
                                (a .pbt load: it runs in a preloaded backend's process) */
};

/* Up to PB_DIAG_MAX problems, each "FILE:LINE: message", for main to print. */
#define PB_DIAG_MAX 20
#define PB_DIAG_LEN 320
struct pb_diag {
    char msg[PB_DIAG_MAX][PB_DIAG_LEN];
    int count;        /* messages kept (<= PB_DIAG_MAX) */
    uint64_t total;   /* problems found, kept or not */
};

/* Record one problem; line 0 means the problem is about the whole file. */
void pb_diag_add(struct pb_diag *d, const char *file, uint64_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Print every kept message (and how many more there were) to f. */
void pb_diag_print(const struct pb_diag *d, FILE *f);

/* --- building a workload event by event (parser and generators) --------- */

struct pb_builder;

/* A new empty builder; NULL when out of memory. */
struct pb_builder *pb_builder_new(void);

/* Each call appends one event, or returns -1 with the reason in err (the
 * event is then not added and the builder stays usable, so a parser can go on
 * and report more problems). `line` is the source line (0 for generators). */
int pb_builder_alloc(struct pb_builder *b, uint64_t id, uint64_t size, unsigned align_log2,
                     const char *tag, size_t tag_len, uint64_t line, char *err, size_t errlen);
int pb_builder_free(struct pb_builder *b, uint64_t id, uint64_t line, char *err, size_t errlen);
int pb_builder_realloc(struct pb_builder *b, uint64_t id, uint64_t size, uint64_t line,
                       char *err, size_t errlen);
int pb_builder_reset(struct pb_builder *b, uint64_t line, char *err, size_t errlen);

/* The thread of the events added from now on (a `t TID` line; 0 until called). */
void pb_builder_thread(struct pb_builder *b, uint16_t tid);

/* Cap the memory the builder may hold (default: the machine's physical
 * memory). A growth past it is refused before anything is allocated, with a
 * "too large" message, and the builder is then exhausted. */
void pb_builder_set_memory_limit(struct pb_builder *b, uint64_t bytes);

/* Whether the builder ran out of memory or into its limit: every later event
 * is refused too, so a parser should stop. */
int pb_builder_exhausted(const struct pb_builder *b);

/* Hand the events, slots, tags, line map and figures over to *out (whose
 * name/source/path/params the caller sets) and free the builder. -1 on OOM. */
int pb_builder_finish(struct pb_builder *b, struct pb_workload *out);

/* Free a builder that will not be finished. */
void pb_builder_discard(struct pb_builder *b);

/* --- whole workloads ---------------------------------------------------- */

/* Load a trace file: text, gzip'd text or binary .pbt, told apart by content.
 * 0 on success; -1 with every problem (up to PB_DIAG_MAX) in diag. */
int pb_workload_load(const char *path, struct pb_workload *out, struct pb_diag *diag);

/* Parse a v1 text trace held in memory (len bytes, not necessarily
 * NUL-terminated); problems are reported as `name:LINE: message`. Sets the
 * events, slots, tags, line map and figures of out (cleared first), not its name or source.
 * 0 on success; -1 with every problem (up to PB_DIAG_MAX) in diag. */
int pb_workload_parse_text(const char *name, const char *text, size_t len,
                           struct pb_workload *out, struct pb_diag *diag);

/* The source line of events[i], 0 when unknown (synthetic workloads). */
uint64_t pb_workload_line(const struct pb_workload *w, size_t i);

/* Recompute w->fig from the events (used by every loader and by tests). */
int pb_workload_compute_figures(struct pb_workload *w);

/* The figures of each thread that made a record, in increasing tid order:
 * *out gets a malloc'd array of *n entries (NULL and 0 for no records), which
 * the caller frees. 0 ok, -1 when out of memory. */
int pb_workload_thread_figures(const struct pb_workload *w, struct pb_thread_figures **out,
                               size_t *n);

/* Same, and check the events are a consistent replay (valid ops, slots <
 * n_slots, every slot used, tags <= n_tags, a only on a free slot, f/r only
 * on a live one, f's size and every alignment matching the block): 0, or -1
 * with err. */
int pb_workload_check(struct pb_workload *w, char *err, size_t errlen);

/* Write w as a canonical v1 text trace. 0 ok, -1 on write error. */
int pb_workload_write_text(const struct pb_workload *w, FILE *f);

/* Write w as a binary .pbt file at path (atomically). 0 ok; -1 and err. */
int pb_workload_write_binary(const struct pb_workload *w, const char *path, char *err,
                             size_t errlen);

/* Write w in the binary .pbt form to f, front to back (not flushed). 0 ok,
 * -1 on a write error (errno). For a file that has no name, such as the
 * unnamed temporary a process-wide backend's run reads (child_run.c). */
int pb_workload_write_binary_stream(const struct pb_workload *w, FILE *f);

/* Replace w->path by a copy of path (NULL or "": no path), from the memory
 * w's own strings come from (w->hmem). 0 ok; -1 on OOM, w unchanged. */
int pb_workload_set_path(struct pb_workload *w, const char *path);

/* Release everything w owns and zero it. */
void pb_workload_free(struct pb_workload *w);

#endif /* PB_WORKLOAD_H */
