/*
 * pb_backend.h -- the interface every allocator backend implements.
 *
 * Modelled on fio's struct ioengine_ops: one const table of named function
 * pointers, capability flags and an options table per backend. What a backend
 * can do the runner learns from the flags, never from the name. Two places do
 * name backends: `poolbench run` always runs `null` first, as the baseline
 * whose per-event time it subtracts (src/cmd_run.c, prepare_backends), and
 * `poolbench advise` recommends `pools` (src/cmd_advise.c). Backends know
 * nothing of traces, JSON or the command line.
 *
 * Adding a backend touches two files: its own allocators/NAME.c, which
 * defines `const struct pb_backend_ops pb_backend_NAME`, and the registry
 * table in allocators/registry.c. tests/test_backend_contract.c then tests
 * it, guided by its flags, with no new test code (docs/backends.md).
 */
#ifndef PB_BACKEND_H
#define PB_BACKEND_H

#include <stddef.h>
#include <stdint.h>

/* Version of this interface, in every ops table's `version`; pb_backend_find
 * refuses a backend built against another (registry.c). Bump it when the
 * layout or the meaning of struct pb_backend_ops changes. */
#define PB_BACKEND_API_VERSION 5 /* 2: the check op; 3: instance_flags; 4: it may clear free-all;
                                    5: direct_calls */

/* Room for an error message written by create() or kept by last_error(). */
#define PB_ERR_MAX 256

/* Capability flags: what the backend is, so the runner can adapt without names. */
enum pb_backend_flag {
    PB_BK_THREAD_SAFE = 1u << 0,   /* one instance may be shared by threads */
    PB_BK_OWN_MAPPINGS = 1u << 1,  /* memory lives in mappings it can list (mappings op) */
    PB_BK_FREE_NOOP = 1u << 2,     /* free() releases nothing (arena, null) */
    PB_BK_FREE_ALL = 1u << 3,      /* free_all() releases every live block at once */
    PB_BK_NO_MEMORY = 1u << 4,     /* hands out no real memory (null): memory figures meaningless */
    PB_BK_FIXED_SIZE = 1u << 5,    /* serves blocks up to one fixed size only (pool): the
                                      first class_stats row's size */
    PB_BK_PROCESS_WIDE = 1u << 6,  /* replaces malloc for the whole process (preloaded) */
    PB_BK_TAGGED = 1u << 7,        /* wants each block's @TAG: call alloc_tagged, not alloc */
    PB_BK_BASELINE = 1u << 8,      /* the harness's own cost (null): every run measures it,
                                      and net figures are taken against it */
    PB_BK_PRELOAD_TWIN = 1u << 9,  /* poolbench also builds it as a preloadable malloc for
                                      whole programs (`poolbench bench`): libpoolbench-NAME.so
                                      beside the executable, option KEY given to it as the
                                      environment variable PB_NAME_KEY (upper case) */
};

/* One option a backend accepts: its key, default value (as text) and what it means. */
struct pb_option_desc {
    const char *key;
    const char *default_value;
    const char *help;
};

/* One key=value pair given by the user (or, from config(), one in effect). */
struct pb_option {
    const char *key;
    const char *value;
};

/* One key=value pair in effect, owned by the caller's buffer (see config op). */
struct pb_config_entry {
    char key[32];
    char value[96];
};

/* Counters and byte figures a backend keeps about itself; all exact, none estimated. */
struct pb_backend_stats {
    size_t footprint_bytes;      /* bytes obtained from the OS now (mapped/committed) */
    size_t peak_footprint_bytes; /* most footprint_bytes ever held at once */
    size_t granted_bytes;        /* usable bytes handed to the live blocks now */
    size_t live_blocks;          /* blocks allocated and not yet freed */
    uint64_t allocs;             /* successful alloc calls (realloc not included) */
    uint64_t frees;              /* free calls, including no-op frees */
    uint64_t reallocs;           /* successful realloc calls */
    uint64_t free_alls;          /* free_all calls */
    uint64_t failures;           /* refused or failed requests */
    size_t resident_bytes;       /* the allocator's own resident figure (0: it keeps none) */
};

/* What one row of class_stats describes. */
enum pb_class_kind {
    PB_CLASS_SIZE = 0,   /* a size class (pools) or the one pool of a fixed-size backend */
    PB_CLASS_TAG = 1,    /* the pool of one @TAG (pool-per-tag) */
    PB_CLASS_SYSTEM = 2, /* blocks passed on to the system allocator (too large, over-aligned) */
};

/* Utilisation of one pool inside a backend (one size class, one tag), exact. */
struct pb_class_stats {
    unsigned kind;          /* enum pb_class_kind */
    unsigned tag;           /* PB_CLASS_TAG: the workload's tag number (1-based); else 0 */
    size_t size;            /* chunk size in bytes (PB_CLASS_SYSTEM: 0) */
    size_t chunks_live;     /* blocks live now */
    size_t chunks_carved;   /* chunks handed out at least once since the last free_all */
    size_t slabs;           /* slabs held (PB_CLASS_SYSTEM: 0) */
    size_t footprint_bytes; /* slabs * slab size (PB_CLASS_SYSTEM: usable bytes of live blocks) */
    uint64_t allocs;        /* blocks this row served, cumulative (realloc births included) */
};

/* One region of memory a backend obtained from the OS (for mincore()). */
struct pb_mapping {
    void *addr;
    size_t len;
};

/* Called once per mapping by the mappings op; return non-zero to stop early. */
typedef int (*pb_mapping_fn)(const struct pb_mapping *m, void *ctx);

/* Largest alignment a direct alloc call serves (malloc's fundamental one). */
#define PB_DIRECT_MAX_ALIGN 16

/* An instance's allocation as two plain library calls (see the direct_calls op). */
struct pb_direct_calls {
    void *(*alloc)(size_t size); /* called with size >= 1 and align <= PB_DIRECT_MAX_ALIGN */
    void (*free)(void *ptr);
};

struct pb_backend_ops {
    int version;                  /* PB_BACKEND_API_VERSION */
    const char *name;             /* short name used on the command line */
    const char *description;      /* one line for `poolbench list` */
    unsigned flags;               /* enum pb_backend_flag bits */
    const struct pb_option_desc *options; /* NULL-key terminated; may be NULL */

    /* Is the backend usable on this machine? 0 yes; else -1 and why in err. May be NULL. */
    int (*available)(char *err, size_t errlen);

    /* Build an instance from user options (unknown keys and bad values are
     * errors). 0 and *out on success; -1 and a message in err otherwise. */
    int (*create)(const struct pb_option *opts, size_t n_opts, void **out,
                  char *err, size_t errlen);

    /* Allocate size bytes aligned to align (a power of two). NULL on refusal
     * or failure, with the reason from last_error. size 0 gives a unique block.
     * A backend that hands requests to the C library (no PB_BK_OWN_MAPPINGS)
     * keeps malloc's promise for align <= 16: aligned to align or to the
     * largest power of two dividing size, whichever is smaller (no object of
     * that size needs more; jemalloc aligns an 8-byte block to 8). */
    void *(*alloc)(void *self, size_t size, size_t align);

    /* Release a block of the given requested size. 0 ok; -1 when the pointer
     * is detected as invalid (reason from last_error). */
    int (*free)(void *self, void *ptr, size_t size);

    /* Optional (NULL: the runner does alloc + copy + free). Resize keeping the
     * first min(old, new) bytes; NULL on failure, the old block left intact. */
    void *(*realloc)(void *self, void *ptr, size_t old_size, size_t new_size,
                     size_t align);

    /* Optional (flag PB_BK_FREE_ALL): release every live block at once. */
    void (*free_all)(void *self);

    /* Fill *out with the backend's current figures. */
    void (*stats)(void *self, struct pb_backend_stats *out);

    /* Optional (flag PB_BK_OWN_MAPPINGS): call fn for each OS mapping held now. */
    int (*mappings)(void *self, pb_mapping_fn fn, void *ctx);

    /* Write the options in effect (defaults filled in) into out, at most max
     * entries; returns how many. */
    size_t (*config)(void *self, struct pb_config_entry *out, size_t max);

    /* The reason for the last refused or failed call ("" if none). */
    const char *(*last_error)(void *self);

    /* Release everything, including the instance itself. */
    void (*destroy)(void *self);

    /* Optional (flag PB_BK_TAGGED): alloc for a block of the workload's tag
     * number tag (1-based; 0 = untagged). The block is freed with free(). */
    void *(*alloc_tagged)(void *self, size_t size, size_t align, unsigned tag);

    /* Optional (NULL: none): per-pool utilisation, at most max rows into out;
     * returns how many rows there are in all (may exceed max). */
    size_t (*class_stats)(void *self, struct pb_class_stats *out, size_t max);

    /* Verify the instance's own bookkeeping against the invariants its block
     * comment lists (free lists, bump pointers, counts): 0 if they hold, else
     * -1 and what is broken in msg. Reads only; costs O(the bookkeeping).
     * NULL only for a backend with nothing of its own to verify (the C
     * library's, a preloaded one); flag PB_BK_OWN_MAPPINGS requires it. */
    int (*check)(void *self, char *msg, size_t msglen);

    /* Optional (NULL: flags): the flags of this instance, when its options
     * change what it is (pool with fallback= serves every size, so it is not
     * PB_BK_FIXED_SIZE; with fallback=malloc its free_all is not whole, so
     * not PB_BK_FREE_ALL). Read through pb_backend_flags, which keeps only
     * bits of flags and lets only those two be cleared: the runner reads every
     * other flag from the table. */
    unsigned (*instance_flags)(void *self);

    /* Optional (NULL: never): when, at this moment, alloc(self, size, align)
     * with align <= PB_DIRECT_MAX_ALIGN is exactly out->alloc(size ? size : 1)
     * and free(self, ptr, size) exactly out->free(ptr), with no bookkeeping of
     * the instance's own (the C library's malloc while it keeps no counters):
     * fill *out and return 0; else -1. The timed replay then makes those calls
     * itself, one call layer fewer, as a program calling malloc does; anything
     * that would start bookkeeping (stats) ends the promise, so it is asked
     * again before every timed replay. */
    int (*direct_calls)(void *self, struct pb_direct_calls *out);
};

/* The registry: every backend this build knows, NULL-terminated. */
extern const struct pb_backend_ops *const pb_backends[];

/* Backends a program links in beside the registry, NULL-terminated (the
 * test-only crash backend: tests/CMakeLists.txt). Weak: NULL unless the
 * program defines it, so such a program links the unchanged core. */
extern const struct pb_backend_ops *const pb_backends_extra[] __attribute__((weak));

/* Look a backend up by name in pb_backends, then pb_backends_extra; NULL if
 * there is none or its version is not PB_BACKEND_API_VERSION. */
const struct pb_backend_ops *pb_backend_find(const char *name);

/* pb_backend_find with the reason in err when NULL: no such backend (with the
 * closest name and every name), or it was built against another API version. */
const struct pb_backend_ops *pb_backend_lookup(const char *name, char *err, size_t errlen);

/* The flags of instance self of ops: ops->flags, with PB_BK_FIXED_SIZE or
 * PB_BK_FREE_ALL cleared when its instance_flags op says so. */
unsigned pb_backend_flags(const struct pb_backend_ops *ops, void *self);

/* Find the value of key in opts (last one wins); NULL if absent. */
const char *pb_option_get(const struct pb_option *opts, size_t n, const char *key);

/* Check every key in opts is one the backend declares; -1 and message if not
 * (the closest key and every key: "unknown option 'chunks' for pool (did you
 * mean 'chunk'?); pool takes chunk, align, ..."). */
int pb_options_check(const struct pb_backend_ops *ops, const struct pb_option *opts,
                     size_t n, char *err, size_t errlen);

/* Parse a byte size ("4096", "64k", "1M", "0x1000") into *out; -1 on bad text. */
int pb_parse_size(const char *text, size_t *out);

#endif /* PB_BACKEND_H */
