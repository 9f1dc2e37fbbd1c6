/*
 * cmd_run.c -- `poolbench run`: replays every workload against every backend
 * (and always against null, the harness's own cost), each pair in its own
 * process, and writes one results document.
 *
 * Order of work: parse the options, load and check every workload, create
 * every backend once (bad option values are found here), and only then run
 * anything; a bad input therefore writes nothing and exits 2. A synthetic
 * workload is checked (values, and its estimated size against --max-events
 * and --max-live-bytes) up front but generated only right before its runs,
 * and freed after them, so a long job file never holds more than one. For
 * each workload null runs first, then the listed backends; net_ns_per_op is
 * set once the workload's runs are done.
 */
#include "pb_cli.h"
#include "pb_paths.h"
#include "pb_signals.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backend_spec.h"
#include "child_run.h"
#include "isolate.h"
#include "pb_build_info.h"
#include "pb_generators.h"
#include "pb_num.h"
#include "pb_opts.h"
#include "pb_outfile.h"
#include "pb_text.h"
#include "pb_workload_json.h"
#include "pb_workload.h"
#include "results.h"
#include "runner.h"
#include "summary.h"
#include "threads.h"

#define MAX_BACKENDS 32
#define MAX_CFG 16
#define MAX_THREAD_COUNTS 8

/* The defaults: generators at modest sizes that every default backend can serve. */
static const char *const default_specs[] = {
    "churn", "mixed:max=64", "frames:max=64", "gc:max=64", "ramp:max=64:peak=20000",
};
static const char default_backends[] = "pool,pools,arena,malloc";

struct run_opts {
    const char *backends;      /* NULL: the defaults */
    const char **specs;        /* --workload, n_specs of them */
    size_t n_specs;
    const char **traces;       /* --trace */
    size_t n_traces;
    unsigned repeat, warmup, timeout;
    enum pb_touch touch;
    size_t sample_every;
    int has_seed;
    uint64_t seed;
    int latency, quiet;
    unsigned threads[MAX_THREAD_COUNTS]; /* --threads: copies replayed at once, per run */
    size_t n_threads;
    int cross_free;
    struct pb_gen_limits limits; /* --max-events, --max-live-bytes */
    const char *output;        /* NULL: results/latest.json + a timestamped copy */
};

/* One backend ready to run: its spec and the options in effect. */
struct backend_slot {
    struct pb_backend_spec spec;
    struct pb_config_entry cfg[MAX_CFG];
    size_t n_cfg;
};

struct workload_list {
    struct pb_workload *w;
    struct pb_gen_job *jobs;   /* jobs[i].params set: w[i] is generated for its runs only */
    size_t n, cap;
    char **found_traces;       /* default traces discovered (owned) */
    size_t n_found;
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: poolbench run [--backend LIST] [--workload SPEC]... [--trace FILE]...\n"
            "                     [--repeat N] [--warmup N] [--touch none|pages|full]\n"
            "                     [--sample-every N] [--seed N] [--timeout SEC] [--latency]\n"
            "                     [--threads N[,N...]] [--cross-free] [-o FILE] [--quiet]\n"
            "                     [--max-events N] [--max-live-bytes N]\n\n"
            "Replays every workload against every backend, each pair in its own process,\n"
            "and writes one results file (fields: docs/results.md). Every workload is\n"
            "also replayed against null, the harness's own cost: net ns/op = a run's\n"
            "median minus null's.\n\n"
            "  --backend LIST     e.g. pool:chunk=48:slab=64k,arena,malloc (default %s)\n"
            "  --workload SPEC    a generator spec (churn:size=48) or a JSON job file\n"
            "  --trace FILE       a trace file (text, .gz or .pbt)\n"
            "                     with neither: generators %s, %s, %s, %s, %s\n"
            "                     and the shipped traces (workloads/traces/*.trace.gz)\n"
            "  --repeat N         timed replays per run (default 5, 1 to 100000)\n"
            "  --warmup N         untimed replays before them (default 1, 0 to 100000)\n"
            "  --touch MODE       write into each new block: none, pages (one byte per\n"
            "                     page, default) or full (every byte)\n"
            "  --sample-every N   memory timeline: a sample every N events (default, or 0:\n"
            "                     about 200 per workload)\n"
            "  --seed N           seed of generators whose spec sets none (default 1)\n"
            "  --timeout SEC      kill a run after SEC seconds (default 300, up to 1000000;\n"
            "                     0: never)\n"
            "  --latency          also time single allocs and frees (rdtscp): p50..max\n"
            "  --threads N,...    replay N copies of each workload at once, in N threads\n"
            "                     (1 to %d; a list runs each count): a backend that is not\n"
            "                     thread-safe gets one instance per thread, a thread-safe\n"
            "                     one is shared. ns/op = wall time / (N x events)\n"
            "  --cross-free       with --threads N >= 2: each thread hands the blocks it\n"
            "                     frees to the next thread, which frees them (producer/\n"
            "                     consumer); refused for backends that are not thread-safe\n"
            "  -o FILE            results file, '-' for stdout (default results/latest.json\n"
            "                     plus a copy results/run-YYYYmmdd-HHMMSS[-N].json),\n"
            "                     checked before the first run\n"
            "  --quiet            no summary table, no progress\n"
            "  --max-events N     refuse a generated workload of more events (default %llu)\n"
            "  --max-live-bytes N refuse one that holds more bytes live at once (default:\n"
            "                     the physical memory)\n"
            "An option that takes one value may be given once; numbers are decimal\n"
            "(--max-events and --max-live-bytes also take k/m/g).\n\n"
            "Exit status: 0 all runs ok; 1 a run failed (a crash, a timeout, a request the\n"
            "backend refused, such as a pool asked for more than its chunk) or the run was\n"
            "interrupted -- results are written all the same; 2 bad usage, bad input or an\n"
            "output that cannot be written (nothing is written, nothing is run).\n",
            default_backends, default_specs[0], default_specs[1], default_specs[2],
            default_specs[3], default_specs[4], PB_MAX_THREADS, PB_GEN_DEFAULT_MAX_EVENTS);
}

/* ---- options ------------------------------------------------------------ */

/* --max-events N, --max-live-bytes N: a count, k/m/g allowed. */
static int parse_limit(const char *text, const char *what, uint64_t *out)
{
    if (pb_parse_scaled_u64(text, out) == 0)
        return 0;
    pb_text_line(stderr, "poolbench run: %s '%s' is not a number (k/m/g allowed)", what, text);
    return -1;
}

static int push(const char ***list, size_t *n, const char *item)
{
    const char **l = realloc(*list, (*n + 1) * sizeof *l);
    if (!l)
        return -1;
    l[(*n)++] = item;
    *list = l;
    return 0;
}

/* Parse --threads: a comma list of counts from 1 to PB_MAX_THREADS. */
static int parse_threads(const char *text, struct run_opts *o)
{
    o->n_threads = 0;
    const char *p = text;
    for (;;) {
        char item[32];
        size_t len = strcspn(p, ",");
        unsigned long long v = 0;
        char *end = NULL;
        snprintf(item, sizeof item, "%.*s", (int)(len < sizeof item ? len : sizeof item - 1), p);
        errno = 0;
        if (len > 0 && len < sizeof item && item[0] >= '0' && item[0] <= '9')
            v = strtoull(item, &end, 10);
        if (!end || *end || errno || v < 1 || v > PB_MAX_THREADS ||
            o->n_threads == MAX_THREAD_COUNTS) {
            pb_text_line(stderr,
                    "poolbench run: --threads '%s': give up to %d counts, each from 1 to %d, "
                    "separated by commas",
                    text, MAX_THREAD_COUNTS, PB_MAX_THREADS);
            return -1;
        }
        for (size_t i = 0; i < o->n_threads; i++) {
            if (o->threads[i] == v) {
                pb_text_line(stderr, "poolbench run: --threads '%s': %llu is listed twice", text, v);
                return -1;
            }
        }
        o->threads[o->n_threads++] = (unsigned)v;
        if (p[len] == '\0')
            return 0;
        p += len + 1;
    }
}

/* --cross-free needs two threads or more in every run. */
static int check_cross_free(const struct run_opts *o)
{
    for (size_t i = 0; o->cross_free && i < o->n_threads; i++) {
        if (o->threads[i] < 2) {
            pb_text_line(stderr, "poolbench run: --cross-free needs --threads 2 or more "
                            "(blocks go from one thread to the next)");
            return -1;
        }
    }
    return 0;
}

enum { O_REPEAT = 256, O_WARMUP, O_TOUCH, O_SAMPLE, O_SEED, O_TIMEOUT, O_LATENCY, O_QUIET,
       O_THREADS, O_CROSS_FREE, O_MAX_EVENTS, O_MAX_LIVE_BYTES };

/* The integer options and their ranges. */
static const struct pb_opt_number run_numbers[] = {
    {O_REPEAT, {"--repeat", 1, 100000}},
    {O_WARMUP, {"--warmup", 0, 100000}},
    {O_SAMPLE, {"--sample-every", 0, SIZE_MAX}},
    {O_SEED, {"--seed", 0, UINT64_MAX}},
    {O_TIMEOUT, {"--timeout", 0, 1000000}},
    {0, {NULL, 0, 0}},
};

/* The same item twice (a --workload, a --trace, a backend) would give runs that
 * nothing tells apart, in the results or in poolbench compare: bad usage. */
static int check_listed_once(const char *what, const char *const *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < i; j++) {
            if (strcmp(items[i], items[j]) == 0) {
                pb_text_line(stderr, "poolbench run: %s '%s' is given twice", what, items[i]);
                return -1;
            }
        }
    }
    return 0;
}

/* 0 ok, 1 --help given, -1 bad usage (message printed); the caller frees
 * o->specs and o->traces. */
static int read_opts(int argc, char **argv, struct run_opts *o)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {"backend", required_argument, NULL, 'b'},
        {"workload", required_argument, NULL, 'w'},
        {"trace", required_argument, NULL, 't'},
        {"repeat", required_argument, NULL, O_REPEAT},
        {"warmup", required_argument, NULL, O_WARMUP},
        {"touch", required_argument, NULL, O_TOUCH},
        {"sample-every", required_argument, NULL, O_SAMPLE},
        {"seed", required_argument, NULL, O_SEED},
        {"timeout", required_argument, NULL, O_TIMEOUT},
        {"latency", no_argument, NULL, O_LATENCY},
        {"output", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, O_QUIET},
        {"threads", required_argument, NULL, O_THREADS},
        {"cross-free", no_argument, NULL, O_CROSS_FREE},
        {"max-events", required_argument, NULL, O_MAX_EVENTS},
        {"max-live-bytes", required_argument, NULL, O_MAX_LIVE_BYTES},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->repeat = 5;
    o->warmup = 1;
    o->timeout = 300;
    o->touch = PB_TOUCH_PAGES;
    o->threads[0] = 1;
    o->n_threads = 1;
    pb_gen_limits_default(&o->limits);
    /* a second --backend would silently replace the first list: given once, like
     * every option that takes a value but --workload and --trace, which add up */
    static const struct pb_opts rules = {"hb:w:t:o:", longopts, "wt", run_numbers};
    int c;
    unsigned seen = 0;
    uint64_t v = 0;
    while ((c = getopt_long(argc, argv, rules.optstring, longopts, NULL)) != -1) {
        char err[256];
        if (pb_opt_check(&rules, c, optarg, &seen, &v, err, sizeof err)) {
            pb_text_line(stderr, "poolbench run: %s%s", err,
                    c == 'b' && *optarg ? "; list backends with commas: --backend pool,malloc" : "");
            return -1;
        }
        switch (c) {
        case 'h':
            usage(stdout);
            return 1;
        case 'b':
            o->backends = optarg;
            break;
        case 'w':
            if (push(&o->specs, &o->n_specs, optarg))
                return -1;
            break;
        case 't':
            if (push(&o->traces, &o->n_traces, optarg))
                return -1;
            break;
        case O_REPEAT:
            o->repeat = (unsigned)v;
            break;
        case O_WARMUP:
            o->warmup = (unsigned)v;
            break;
        case O_TOUCH:
            if (pb_touch_parse(optarg, &o->touch)) {
                pb_text_line(stderr, "poolbench run: --touch must be none, pages or full, not '%s'",
                             optarg);
                return -1;
            }
            break;
        case O_SAMPLE:
            o->sample_every = (size_t)v;
            break;
        case O_SEED:
            o->has_seed = 1;
            o->seed = v;
            break;
        case O_TIMEOUT:
            o->timeout = (unsigned)v;
            break;
        case O_LATENCY:
            o->latency = 1;
            break;
        case 'o':
            o->output = optarg;
            break;
        case O_QUIET:
            o->quiet = 1;
            break;
        case O_THREADS:
            if (parse_threads(optarg, o))
                return -1;
            break;
        case O_CROSS_FREE:
            o->cross_free = 1;
            break;
        case O_MAX_EVENTS:
            if (parse_limit(optarg, "--max-events", &o->limits.max_events))
                return -1;
            break;
        case O_MAX_LIVE_BYTES:
            if (parse_limit(optarg, "--max-live-bytes", &o->limits.max_live_bytes))
                return -1;
            o->limits.live_bytes_given = 1;
            break;
        default:
            usage(stderr);
            return -1;
        }
    }
    if (optind < argc) {
        pb_text_line(stderr, "poolbench run: unexpected argument '%s' (traces go after --trace)",
                     argv[optind]);
        return -1;
    }
    if (check_listed_once("--workload", o->specs, o->n_specs) ||
        check_listed_once("--trace", o->traces, o->n_traces))
        return -1;
    return check_cross_free(o);
}

/* read_opts, freeing the lists it made when it does not go on (--help too). */
static int parse_opts(int argc, char **argv, struct run_opts *o)
{
    int rc = read_opts(argc, argv, o);
    if (rc) {
        free(o->specs);
        free(o->traces);
        o->specs = o->traces = NULL;
    }
    return rc;
}

/* ---- workloads ------------------------------------------------------------ */

/* Append a loaded workload (job NULL) or a job to generate later (w NULL). */
static int add_workload(struct workload_list *l, struct pb_workload *w, struct pb_gen_job *job)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        struct pb_workload *nw = realloc(l->w, cap * sizeof *nw);
        if (nw)
            l->w = nw;
        struct pb_gen_job *nj = nw ? realloc(l->jobs, cap * sizeof *nj) : NULL;
        if (!nj)
            return -1;
        l->jobs = nj;
        l->cap = cap;
    }
    static const struct pb_gen_job none;
    static const struct pb_workload empty;
    l->w[l->n] = w ? *w : empty;
    l->jobs[l->n++] = job ? *job : none;
    return 0;
}

static void free_workloads(struct workload_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        pb_workload_free(&l->w[i]);
        free(l->jobs[i].params);
        free(l->jobs[i].name);
    }
    free(l->w);
    free(l->jobs);
    for (size_t i = 0; i < l->n_found; i++)
        free(l->found_traces[i]);
    free(l->found_traces);
}

/* Check spec's workloads (values and estimated sizes) and list them, to be generated later. */
static int add_spec(struct workload_list *l, const char *spec, const struct run_opts *o)
{
    struct pb_gen_job *jobs = NULL;
    size_t n = 0;
    char err[512];
    if (pb_workload_spec_prepare(spec, o->has_seed ? &o->seed : NULL, &o->limits, &jobs, &n, err,
                                 sizeof err)) {
        pb_text_line(stderr, "poolbench run: --workload %s: %s", spec, err);
        return -1;
    }
    size_t i = 0;
    while (i < n && add_workload(l, NULL, &jobs[i]) == 0)
        i++;
    for (size_t k = i; k < n; k++) {
        free(jobs[k].params);
        free(jobs[k].name);
    }
    free(jobs); /* the strings of jobs[0..i) now belong to l */
    return i < n ? -1 : 0;
}

static int add_trace(struct workload_list *l, const char *path)
{
    struct pb_workload w;
    struct pb_diag diag;
    memset(&w, 0, sizeof w);
    memset(&diag, 0, sizeof diag);
    if (pb_workload_load(path, &w, &diag)) {
        pb_diag_print(&diag, stderr);
        if (diag.count == 0)
            pb_text_line(stderr, "%s: cannot load this trace", path);
        return -1;
    }
    if (add_workload(l, &w, NULL)) {
        pb_workload_free(&w);
        return -1;
    }
    return 0;
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The shipped traces: next to the sources of this build, beside the
 * executable (build directory inside the tree), or installed. */
static void find_shipped_dir(char *out, size_t len)
{
    out[0] = '\0';
    char beside[PATH_MAX] = "", installed[PATH_MAX] = "";
    if (pb_exe_relative("../workloads/traces", beside, sizeof beside))
        beside[0] = '\0';
    if (pb_exe_relative("../share/poolbench/traces", installed, sizeof installed))
        installed[0] = '\0';
    const char *candidates[] = {PB_SOURCE_DIR "/workloads/traces", beside, installed,
                                PB_DATADIR "/traces"};
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
        if (candidates[i][0] && is_dir(candidates[i])) {
            snprintf(out, len, "%s", candidates[i]);
            return;
        }
    }
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int add_shipped_traces(struct workload_list *l)
{
    char dir[PATH_MAX + 64];
    find_shipped_dir(dir, sizeof dir);
    DIR *d = dir[0] ? opendir(dir) : NULL;
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!has_suffix(e->d_name, ".trace.gz"))
            continue;
        char **found = realloc(l->found_traces, (l->n_found + 1) * sizeof *found);
        if (!found)
            break;
        l->found_traces = found;
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        if (!(found[l->n_found] = malloc(len)))
            break;
        snprintf(found[l->n_found++], len, "%s/%s", dir, e->d_name);
    }
    closedir(d);
    qsort(l->found_traces, l->n_found, sizeof *l->found_traces, by_name);
    for (size_t i = 0; i < l->n_found; i++)
        if (add_trace(l, l->found_traces[i]))
            return -1;
    return 0;
}

static int load_workloads(const struct run_opts *o, struct workload_list *l)
{
    int bad = 0;
    for (size_t i = 0; i < o->n_specs; i++)
        bad |= add_spec(l, o->specs[i], o) != 0;
    for (size_t i = 0; i < o->n_traces; i++)
        bad |= add_trace(l, o->traces[i]) != 0;
    if (bad)
        return -1;
    if (o->n_specs == 0 && o->n_traces == 0) {
        for (size_t i = 0; i < sizeof default_specs / sizeof default_specs[0]; i++)
            if (add_spec(l, default_specs[i], o))
                return -1;
        if (add_shipped_traces(l))
            return -1;
    }
    if (l->n == 0) {
        pb_text_line(stderr, "poolbench run: no workloads");
        return -1;
    }
    return 0;
}

/* ---- backends ------------------------------------------------------------- */

/* Create each backend once: its options are checked and its config read. */
static int prepare_backend(struct backend_slot *b)
{
    const struct pb_backend_ops *ops = b->spec.ops;
    char err[PB_ERR_MAX] = "";
    if (ops->available && ops->available(err, sizeof err)) {
        pb_text_line(stderr, "poolbench run: backend '%s' is unavailable: %s", ops->name, err);
        return -1;
    }
    void *self = NULL;
    if (ops->create(b->spec.opts, b->spec.n_opts, &self, err, sizeof err)) {
        pb_text_line(stderr, "poolbench run: --backend %s: %s", b->spec.text, err);
        return -1;
    }
    b->n_cfg = ops->config(self, b->cfg, MAX_CFG);
    ops->destroy(self);
    return 0;
}

/* Parse text into b (its opts point into b's own buffer) and prepare it. */
static int add_backend(struct backend_slot *b, const char *text)
{
    char err[512];
    if (pb_backend_spec_parse(text, &b->spec, err, sizeof err)) {
        pb_text_line(stderr, "poolbench run: --backend: %s", err);
        return -1;
    }
    return prepare_backend(b);
}

static int prepare_backends(const struct run_opts *o, struct backend_slot *b, size_t *n)
{
    struct pb_backend_spec *specs = calloc(MAX_BACKENDS - 1, sizeof *specs);
    char err[512];
    if (!specs)
        return -1;
    int got = pb_backend_spec_parse_list(o->backends ? o->backends : default_backends, specs,
                                         MAX_BACKENDS - 1, err, sizeof err);
    if (got < 0) {
        pb_text_line(stderr, "poolbench run: --backend: %s", err);
        free(specs);
        return -1;
    }
    const char *texts[MAX_BACKENDS];
    for (int i = 0; i < got; i++)
        texts[i] = specs[i].text;
    if (check_listed_once("--backend", texts, (size_t)got)) {
        free(specs);
        return -1;
    }
    /* null goes first, as given or with its defaults: the baseline of every run */
    int null_at = -1;
    for (int i = 0; i < got && null_at < 0; i++)
        if (strcmp(specs[i].ops->name, "null") == 0)
            null_at = i;
    *n = 0;
    int rc = add_backend(&b[(*n)++], null_at >= 0 ? specs[null_at].text : "null");
    for (int i = 0; i < got && rc == 0; i++)
        if (i != null_at)
            rc = add_backend(&b[(*n)++], specs[i].text);
    free(specs);
    return rc;
}

/* ---- running ------------------------------------------------------------- */

/* In the child: run the job, send back the measured part as JSON text. */
static char *child_run(void *arg)
{
    const struct pb_run_job *job = arg;
    struct pb_run_result res;
    pb_run_one(job, &res);
    cJSON *part = pb_run_part_json(job, &res);
    char *text = part ? cJSON_PrintUnformatted(part) : NULL;
    cJSON_Delete(part);
    pb_run_result_free(&res);
    return text;
}

/* One (backend, workload) pair in its own process (a process-wide backend:
 * poolbench itself again, its library preloaded); NULL when interrupted. */
static cJSON *run_pair(const struct run_opts *o, const struct backend_slot *b,
                       const struct pb_workload *w, unsigned threads)
{
    struct pb_run_job job = {
        .backend = &b->spec,
        .workload = w,
        .repeat = o->repeat,
        .warmup = o->warmup,
        .touch = o->touch,
        .sample_every = o->sample_every,
        .latency = o->latency,
        .threads = threads,
        .cross_free = o->cross_free,
    };
    char *text = NULL, err[512] = "";
    if (threads > 1 && pb_threads_refusal(b->spec.ops, threads, o->cross_free, err, sizeof err))
        return pb_run_json(&b->spec, b->cfg, b->n_cfg, pb_workload_to_json(w),
                           pb_run_failed_part(&job, err));
    const char *lib = pb_config_value(b->cfg, b->n_cfg, "lib");
    enum pb_isolate_end end =
        (b->spec.ops->flags & PB_BK_PROCESS_WIDE) && lib
            ? pb_child_run(&job, lib, o->timeout, pb_signals_flag(), &text, err, sizeof err)
            : pb_isolate_run(child_run, &job, o->timeout, pb_signals_flag(), &text, err,
                             sizeof err);
    /* a run cut short by the stop (killed, or hit by the same signal) is not a failure */
    if (end == PB_ISO_INTERRUPTED || (end != PB_ISO_OK && pb_signals_caught())) {
        free(text);
        pb_signals_note(SIGINT); /* SIGINT reached the run alone: stop all the same */
        return NULL;
    }
    cJSON *part = end == PB_ISO_OK ? cJSON_Parse(text) : NULL;
    free(text);
    if (!part)
        part = pb_run_failed_part(&job, end == PB_ISO_OK ? "the run's result was not valid JSON"
                                                         : err);
    return pb_run_json(&b->spec, b->cfg, b->n_cfg, pb_workload_to_json(w), part);
}

static void progress(const struct run_opts *o, size_t done, size_t total,
                     const struct backend_slot *b, const struct pb_workload *w, unsigned threads,
                     uint64_t t0)
{
    if (o->quiet || !isatty(STDERR_FILENO))
        return;
    double elapsed = (double)(pb_now_ns() - t0) / 1e9;
    if (done == total) {
        fprintf(stderr, "\r\033[K");
        return;
    }
    double left = done ? elapsed / (double)done * (double)(total - done) : 0;
    char spec[4 * sizeof b->spec.text], name[4 * sizeof w->name]; /* names in shown form */
    fprintf(stderr,
            "\r\033[K[%zu/%zu] %s x %s (%u repeats, %u thread%s)  %.0f s elapsed, about %.0f s "
            "left",
            done + 1, total, pb_text_safe(b->spec.text, spec, sizeof spec),
            pb_text_safe(w->name, name, sizeof name), o->repeat, threads, threads > 1 ? "s" : "",
            elapsed, left);
}

static int is_ok(const cJSON *run)
{
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(run, "status");
    return cJSON_IsString(s) && strcmp(s->valuestring, "ok") == 0;
}

/* The runs of one workload at one thread count, null first; net set against null. */
static size_t run_group(const struct run_opts *o, const struct backend_slot *b, size_t nb,
                        const struct pb_workload *w, unsigned threads, cJSON *runs,
                        size_t *done, size_t total, uint64_t t0)
{
    size_t failed = 0;
    cJSON *first = NULL;
    for (size_t bi = 0; bi < nb && !pb_signals_caught(); bi++, (*done)++) {
        progress(o, *done, total, &b[bi], w, threads, t0);
        cJSON *run = run_pair(o, &b[bi], w, threads);
        if (!run)
            break;
        failed += !is_ok(run);
        cJSON_AddItemToArray(runs, run);
        if (!first)
            first = run; /* b[0] is null: the baseline */
    }
    for (cJSON *r = first; r; r = r->next)
        pb_run_set_net_against(r, first); /* a note says why when null failed */
    return failed;
}

/* Generate workload wi when it is a job, right before its runs (checked and
 * estimated already, so only running out of memory fails here): 0, or -1 with
 * the message printed. */
static int generate(struct workload_list *l, size_t wi)
{
    char err[512];
    if (!l->jobs[wi].params || pb_gen_job_build(&l->jobs[wi], &l->w[wi], err, sizeof err) == 0)
        return 0;
    pb_text_line(stderr, "poolbench run: --workload %s", err);
    return -1;
}

/* Run everything into doc's runs; returns the number of failed runs (a
 * workload that could not be generated counts for all of its runs). */
static size_t run_all(const struct run_opts *o, const struct backend_slot *b, size_t nb,
                      struct workload_list *l, cJSON *doc)
{
    cJSON *runs = cJSON_GetObjectItemCaseSensitive(doc, "runs");
    size_t failed = 0, done = 0, total = nb * l->n * o->n_threads;
    uint64_t t0 = pb_now_ns();
    for (size_t wi = 0; wi < l->n && !pb_signals_caught(); wi++) {
        if (generate(l, wi) != 0) {
            failed += nb * o->n_threads;
            done += nb * o->n_threads;
            continue;
        }
        for (size_t ti = 0; ti < o->n_threads && !pb_signals_caught(); ti++)
            failed += run_group(o, b, nb, &l->w[wi], o->threads[ti], runs, &done, total, t0);
        if (l->jobs[wi].params)
            pb_workload_free(&l->w[wi]); /* generated for these runs only */
    }
    progress(o, total, total, b, l->w, 1, t0);
    return failed;
}

/* ---- output ------------------------------------------------------------- */

static cJSON *string_array(const char *const *items, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(items[i]));
    return a;
}

static cJSON *config_json(const struct run_opts *o, const struct backend_slot *b, size_t nb,
                          const struct workload_list *l, int argc, char **argv)
{
    cJSON *c = cJSON_CreateObject();
    cJSON *ba = cJSON_CreateArray();
    for (size_t i = 0; i < nb; i++)
        cJSON_AddItemToArray(ba, cJSON_CreateString(b[i].spec.text));
    cJSON_AddItemToObject(c, "backends", ba);
    int defaults = o->n_specs == 0 && o->n_traces == 0;
    if (defaults)
        cJSON_AddItemToObject(c, "workloads", string_array(default_specs, sizeof default_specs /
                                                                          sizeof default_specs[0]));
    else
        cJSON_AddItemToObject(c, "workloads", string_array(o->specs, o->n_specs));
    if (defaults)
        cJSON_AddItemToObject(c, "traces",
                              string_array((const char *const *)l->found_traces, l->n_found));
    else
        cJSON_AddItemToObject(c, "traces", string_array(o->traces, o->n_traces));
    cJSON_AddNumberToObject(c, "repeat", o->repeat);
    cJSON_AddNumberToObject(c, "warmup", o->warmup);
    cJSON_AddStringToObject(c, "touch", pb_touch_name(o->touch));
    cJSON_AddNumberToObject(c, "sample_every", (double)o->sample_every);
    cJSON_AddStringToObject(c, "sample_every_meaning",
                            o->sample_every ? "events between samples"
                                            : "0: events / 200 per workload (at least 1)");
    cJSON_AddNumberToObject(c, "seed", o->has_seed ? (double)o->seed : 1);
    cJSON_AddBoolToObject(c, "seed_given", o->has_seed);
    cJSON_AddNumberToObject(c, "timeout", o->timeout);
    cJSON_AddBoolToObject(c, "latency", o->latency);
    cJSON_AddBoolToObject(c, "quiet", o->quiet);
    if (o->n_threads > 1 || o->threads[0] != 1 || o->cross_free) {
        cJSON *ta = cJSON_CreateArray();
        for (size_t i = 0; i < o->n_threads; i++)
            cJSON_AddItemToArray(ta, cJSON_CreateNumber(o->threads[i]));
        cJSON_AddItemToObject(c, "threads", ta);
        cJSON_AddBoolToObject(c, "cross_free", o->cross_free);
    }
    cJSON_AddStringToObject(c, "output", o->output ? o->output : "results/latest.json");
    cJSON_AddItemToObject(c, "argv", string_array((const char *const *)argv, (size_t)argc));
    return c;
}

/* Before any run: can the results be written where they will go? (A failure
 * at the end would throw the runs away.) 0 ok; -1, printed. */
static int check_output(const struct run_opts *o)
{
    if (!o->output && mkdir("results", 0777) && errno != EEXIST) {
        pb_text_line(stderr, "poolbench run: cannot create results/: %s", strerror(errno));
        return -1;
    }
    char err[PATH_MAX + 256];
    if (pb_outfile_check(o->output ? o->output : "results/latest.json", err, sizeof err) == 0)
        return 0;
    pb_text_line(stderr, "poolbench run: %s", err);
    return -1;
}

/* Default output: results/run-STAMP.json (numbered -2, -3, ... when a run of
 * the same second has the name) and results/latest.json. */
static int write_default(const cJSON *doc, char *err, size_t errlen)
{
    if (mkdir("results", 0777) && errno != EEXIST) {
        snprintf(err, errlen, "cannot create results/: %s", strerror(errno));
        return -1;
    }
    char stamp[64], path[128];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    snprintf(path, sizeof path, "results/run-%s.json", stamp);
    if (pb_results_write_unique(doc, path, err, errlen))
        return -1;
    return pb_results_write(doc, "results/latest.json", err, errlen);
}

int pb_cmd_run(int argc, char **argv)
{
    struct run_opts o;
    int rc = parse_opts(argc, argv, &o);
    if (rc)
        return rc > 0 ? PB_EXIT_OK : PB_EXIT_USAGE;
    struct workload_list l = {0};
    struct backend_slot *b = calloc(MAX_BACKENDS, sizeof *b);
    size_t nb = 0;
    int status = PB_EXIT_USAGE;
    if (!b || prepare_backends(&o, b, &nb) || load_workloads(&o, &l) || check_output(&o))
        goto out;
    cJSON *doc = pb_results_new(config_json(&o, b, nb, &l, argc, argv));
    if (!doc)
        goto out;
    /* SIGINT, SIGTERM, SIGHUP from here on: the running child is killed and
     * reaped, and the runs finished so far are written; a further signal
     * while they are written is only recorded, so the file is committed */
    pb_signals_catch(1);
    size_t failed = run_all(&o, b, nb, &l, doc);
    int interrupted = pb_signals_caught() != 0;
    if (interrupted)
        cJSON_ReplaceItemInObjectCaseSensitive(doc, "interrupted", cJSON_CreateBool(1));
    char err[512] = "";
    int wrote = o.output ? pb_results_write(doc, o.output, err, sizeof err)
                         : write_default(doc, err, sizeof err);
    if (wrote) {
        pb_text_line(stderr, "poolbench run: %s", err);
        status = PB_EXIT_FAIL;
    } else {
        status = failed || interrupted ? PB_EXIT_FAIL : PB_EXIT_OK;
        if (!o.quiet && !(o.output && strcmp(o.output, "-") == 0))
            pb_summary_print(doc, stdout);
        if (interrupted)
            pb_text_line(stderr, "poolbench run: interrupted; the runs finished so far are written");
    }
    pb_signals_catch(0);
    cJSON_Delete(doc);
out:
    free(b);
    free_workloads(&l);
    free(o.specs);
    free(o.traces);
    return status;
}
