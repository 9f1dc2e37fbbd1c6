/*
 * bench.h -- the parts of `poolbench bench`, one file each: which allocators
 * (bench_alloc.c: a spec to a library to preload and its environment), the
 * options and the rounds (cmd_bench.c). Internal to the CLI layer.
 */
#ifndef PB_BENCH_H
#define PB_BENCH_H

#include <cjson/cJSON.h>
#include <limits.h>
#include <stddef.h>

#include "backend_spec.h"
#include "pb_backend.h"

#define BENCH_MAX_ALLOCATORS 16
#define BENCH_MAX_ENV 8
#define BENCH_MAX_ROUNDS 1000
#define BENCH_MAX_CFG 16

/* One allocator the program runs under. */
struct bench_alloc {
    char spec[PB_SPEC_TEXT_MAX];  /* as the results write it: "pools:slab=65536" */
    char name[64];                /* "glibc", or the backend's bare name */
    char lib[PATH_MAX];           /* the library preloaded; "" for glibc (none) */
    struct pb_config_entry cfg[BENCH_MAX_CFG];
    size_t n_cfg;
    char env[BENCH_MAX_ENV][160]; /* PB_POOLS_SLAB=65536 ... for the program's environment */
    size_t n_env;
};

/* Parse one --allocator spec into a (glibc, a process-wide backend such as
 * jemalloc or preload:PATH, or a backend with a preload twin such as pools)
 * and find its library. libdir: the installed library directory. 0 ok; -1
 * with err (unknown name, a backend that is not a malloc replacement, a
 * library that is not there). */
int bench_alloc_parse(const char *text, const char *libdir, struct bench_alloc *a, char *err,
                      size_t errlen);

/* The default allocators, those this machine has: glibc, then each
 * process-wide or twinned backend whose library is found, into a[0..max);
 * their count. Those left out are named in skipped ("tcmalloc (no
 * libtcmalloc_minimal.so.4)"). */
size_t bench_alloc_defaults(const char *libdir, struct bench_alloc *a, size_t max, char *skipped,
                            size_t skiplen);

/* What the replay of --replay TRACE is asked for. */
struct bench_replay_job {
    const char *trace;
    unsigned rounds;
    int cpu; /* -1: not pinned */
};

/* Replay the trace against the replay backends of a[0..n) (pb_fidelity_replay_spec)
 * and the baseline, with `poolbench run` in a fresh process: 0 and *replay (the
 * results document, owned by the caller); -1 with err (a bad trace, a replay that
 * could not run); -2 when a signal stopped it. */
int bench_replay(const struct bench_replay_job *j, const struct bench_alloc *a, size_t n,
                 cJSON **replay, char *err, size_t errlen);

#endif /* PB_BENCH_H */
