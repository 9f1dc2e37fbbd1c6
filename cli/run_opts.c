/*
 * run_opts.c -- the options of `poolbench run`: one table says each option's
 * name, argument and what it sets; pb_opt_check (common/pb_opts.h) checks
 * numbers, ranges and options given twice before a setter sees them.
 */
#include "run.h"
#include "results_fields.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pb_cli.h"
#include "pb_num.h"
#include "pb_opts.h"
#include "pb_text.h"
#include "threads.h"

#define RUN_DEFAULT_ROUNDS 5u
#define RUN_DEFAULT_REPEAT 3u
#define RUN_DEFAULT_WARMUP 1u

const char *const run_default_specs[] = {
    "churn", "mixed:max=64", "frames:max=64", "gc:max=64", "ramp:max=64:peak=20000",
};
const size_t run_n_default_specs = sizeof run_default_specs / sizeof run_default_specs[0];
const char run_default_backends[] = "pool,pools,arena,malloc";

/* The synopsis and what run does. */
static void usage_synopsis(FILE *f)
{
    fputs("usage: poolbench run [--backend LIST] [--workload SPEC]... [--trace FILE]...\n"
            "                     [--rounds N] [--repeat N] [--warmup N] [--cpu N]\n"
            "                     [--touch none|pages|full]\n"
            "                     [--sample-every N] [--seed N] [--timeout SEC] [--latency]\n"
            "                     [--threads N[,N...]] [--cross-free] [-o FILE] [--quiet]\n"
            "                     [--max-events N] [--max-live-bytes N]\n\n"
            "Replays every workload against every backend and writes one results file (docs/results.md).\n"
            "Each (backend, workload) is measured in fresh processes:\n"
            "one for the memory figures, then one per round for the times; each round runs\n"
            "every pair once, in an order shuffled per round. Every workload is also\n"
            "replayed against null, the harness's own cost: net ns/op pairs each round\n"
            "with null's, and reads ~0 when the interval holds 0.\n\n",
          f);
}

/* The options that choose what runs and how often. */
static void usage_inputs(FILE *f)
{
    fprintf(f,
            "  --backend LIST     backends with their options, e.g. pool:chunk=48,slab=64k,\n"
            "                     arena (default %s)\n"
            "  --workload SPEC    a generator spec (churn:size=48), a list of them or a JSON\n"
            "                     job file\n"
            "  --trace FILE       a trace file (text, .gz or .pbt)\n"
            "                     with neither: generators %s, %s, %s, %s, %s\n"
            "                     and the shipped traces (workloads/traces/*.trace.gz)\n"
            "  --rounds N         timed processes per pair: the samples of the intervals\n"
            "                     (default %u, 1 to 1000)\n"
            "  --repeat N         timed replays per process after the cold one (default %u,\n"
            "                     1 to 100000); a round's figure is their median\n"
            "  --warmup N         untimed replays before them (default %u, 0 to 100000)\n",
            run_default_backends, run_default_specs[0], run_default_specs[1],
            run_default_specs[2], run_default_specs[3], run_default_specs[4], RUN_DEFAULT_ROUNDS,
            RUN_DEFAULT_REPEAT, RUN_DEFAULT_WARMUP);
}

/* The options of the measuring processes, the output and the limits. */
static void usage_measuring(FILE *f)
{
    fprintf(f,
            "  --cpu N            pin every measuring process to CPU N\n"
            "  --touch MODE       write into each new block: none, pages (one byte per\n"
            "                     page, default) or full (every byte)\n"
            "  --sample-every N   memory timeline: a sample every N events (default, or 0:\n"
            "                     about 200 per workload)\n"
            "  --seed N           seed of generators whose spec sets none, and of the\n"
            "                     rounds' order (default 1)\n"
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
            "                     the physical memory)\n",
            PB_MAX_THREADS, PB_GEN_DEFAULT_MAX_EVENTS);
}

/* How options combine, the spec syntax and the exit status. */
static void usage_notes(FILE *f)
{
    fprintf(f,
            "--backend, --workload and --trace add up when repeated; every other option\n"
            "that takes a value may be given once. Numbers are decimal (--max-events and\n"
            "--max-live-bytes also take k/m/g).\n\n%s\n"
            "Exit status: 0 every run finished or was refused (a backend that cannot serve\n"
            "a workload, such as a pool asked for more than its chunk, is an answer: status\n"
            "\"refused\"); 1 a run broke (a crash, a timeout, out of memory) or the run was\n"
            "interrupted -- results are written all the same; 2 bad usage, bad input or an\n"
            "output that cannot be written (nothing is written, nothing is run).\n",
            pb_spec_syntax_help);
}

static void usage(FILE *f)
{
    usage_synopsis(f);
    usage_inputs(f);
    usage_measuring(f);
    usage_notes(f);
}

/* ---- setters ---------------------------------------------------------------- */

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

/* Append each spec of the list text (pb_spec_list_next: "pool:chunk=48,slab=16k,malloc"
 * is two) to list, as copies; an empty one is refused (printed, naming option). */
static int push_specs(char ***list, size_t *n, const char *text, const char *option)
{
    for (const char *p = text;;) {
        size_t len = pb_spec_list_next(p);
        if (len == 0) {
            pb_text_line(stderr, "poolbench run: %s '%s': an empty spec (',' at an end or "
                         "twice in a row)", option, text);
            return -1;
        }
        char **l = realloc(*list, (*n + 1) * sizeof *l);
        if (l)
            *list = l;
        char *one = l ? malloc(len + 1) : NULL;
        if (!one) {
            pb_text_line(stderr, "poolbench run: out of memory");
            return -1;
        }
        memcpy(one, p, len);
        one[len] = '\0';
        l[(*n)++] = one;
        if (p[len] == '\0')
            return 0;
        p += len + 1;
    }
}

static void free_specs(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
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
            o->n_threads == RUN_MAX_THREAD_COUNTS) {
            pb_text_line(stderr,
                    "poolbench run: --threads '%s': give up to %d counts, each from 1 to %d, "
                    "separated by commas",
                    text, RUN_MAX_THREAD_COUNTS, PB_MAX_THREADS);
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

/* The same item twice (a --workload, a --trace, a backend) would give runs that
 * nothing tells apart, in the results or in poolbench compare: bad usage. */
int run_check_listed_once(const char *what, const char *const *items, size_t n)
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

enum { O_REPEAT = 256, O_WARMUP, O_TOUCH, O_SAMPLE, O_SEED, O_TIMEOUT, O_LATENCY, O_QUIET,
       O_THREADS, O_CROSS_FREE, O_MAX_EVENTS, O_MAX_LIVE_BYTES, O_ROUNDS, O_CPU };

/* The integer options and their ranges. */
static const struct pb_opt_number run_numbers[] = {
    {O_REPEAT, {"--repeat", 1, 100000}},
    {O_WARMUP, {"--warmup", 0, 100000}},
    {O_ROUNDS, {"--rounds", 1, 1000}},
    {O_CPU, {"--cpu", 0, 4095}},
    {O_SAMPLE, {"--sample-every", 0, SIZE_MAX}},
    {O_SEED, {"--seed", 0, UINT64_MAX}},
    {O_TIMEOUT, {"--timeout", 0, 1000000}},
    {0, {NULL, 0, 0}},
};

/* Each setter takes the option's text and, for the numbers of run_numbers,
 * its checked value; 0 ok, -1 printed. */
typedef int (*run_setter)(struct run_opts *o, const char *arg, uint64_t v);

static int set_backend(struct run_opts *o, const char *arg, uint64_t v)
{
    (void)v;
    return push_specs(&o->backends, &o->n_backends, arg, "--backend");
}
static int set_workload(struct run_opts *o, const char *arg, uint64_t v)
{
    (void)v;
    return push_specs(&o->specs, &o->n_specs, arg, "--workload");
}
static int set_trace(struct run_opts *o, const char *arg, uint64_t v)
{
    (void)v;
    return push(&o->traces, &o->n_traces, arg);
}
static int set_output(struct run_opts *o, const char *arg, uint64_t v)
{
    (void)v;
    o->output = arg;
    return 0;
}
static int set_repeat(struct run_opts *o, const char *arg, uint64_t v)
{
    (void)arg;
    o->repeat = (unsigned)v;
    return 0;
}
static int set_warmup(struct run_opts *o, const char *arg, uint64_t v)
{
    (void)arg;
    o->warmup = (unsigned)v;
    return 0;
}
static int set_rounds(struct run_opts *o, const char *arg, uint64_t v)
{
    (void)arg;
    o->rounds = (unsigned)v;
    return 0;
}
static int set_cpu(struct run_opts *o, const char *arg, uint64_t v)
{
    (void)arg;
    o->cpu = (int)v;
    return 0;
}
static int set_touch(struct run_opts *o, const char *arg, uint64_t v)
{
    (void)v;
    if (pb_touch_parse(arg, &o->touch) == 0)
        return 0;
    pb_text_line(stderr, "poolbench run: --touch must be none, pages or full, not '%s'", arg);
    return -1;
}
static int set_sample(struct run_opts *o, const char *arg, uint64_t v)
{
    (void)arg;
    o->sample_every = (size_t)v;
    return 0;
}
static int set_seed(struct run_opts *o, const char *arg, uint64_t v)
{
    (void)arg;
    o->has_seed = 1;
    o->seed = v;
    return 0;
}
static int set_timeout(struct run_opts *o, const char *arg, uint64_t v)
{
    (void)arg;
    o->timeout = (unsigned)v;
    return 0;
}
static int set_latency(struct run_opts *o, const char *arg, uint64_t v)
{
    (void)arg;
    (void)v;
    o->latency = 1;
    return 0;
}
static int set_quiet(struct run_opts *o, const char *arg, uint64_t v)
{
    (void)arg;
    (void)v;
    o->quiet = 1;
    return 0;
}
static int set_threads(struct run_opts *o, const char *arg, uint64_t v)
{
    (void)v;
    return parse_threads(arg, o);
}
static int set_cross_free(struct run_opts *o, const char *arg, uint64_t v)
{
    (void)arg;
    (void)v;
    o->cross_free = 1;
    return 0;
}
static int set_max_events(struct run_opts *o, const char *arg, uint64_t v)
{
    (void)v;
    return parse_limit(arg, "--max-events", &o->limits.max_events);
}
static int set_max_live(struct run_opts *o, const char *arg, uint64_t v)
{
    (void)v;
    o->limits.live_bytes_given = 1;
    return parse_limit(arg, "--max-live-bytes", &o->limits.max_live_bytes);
}

/* ---- the table ---------------------------------------------------------------- */

struct run_option {
    const char *name;
    int has_arg;
    int code; /* getopt_long's value: a short option letter or O_* */
    run_setter set;
};

static const struct run_option run_options[] = {
    {"backend", required_argument, 'b', set_backend},
    {"workload", required_argument, 'w', set_workload},
    {"trace", required_argument, 't', set_trace},
    {"output", required_argument, 'o', set_output},
    {"rounds", required_argument, O_ROUNDS, set_rounds},
    {"repeat", required_argument, O_REPEAT, set_repeat},
    {"warmup", required_argument, O_WARMUP, set_warmup},
    {"cpu", required_argument, O_CPU, set_cpu},
    {"touch", required_argument, O_TOUCH, set_touch},
    {"sample-every", required_argument, O_SAMPLE, set_sample},
    {"seed", required_argument, O_SEED, set_seed},
    {"timeout", required_argument, O_TIMEOUT, set_timeout},
    {"latency", no_argument, O_LATENCY, set_latency},
    {"quiet", no_argument, O_QUIET, set_quiet},
    {"threads", required_argument, O_THREADS, set_threads},
    {"cross-free", no_argument, O_CROSS_FREE, set_cross_free},
    {"max-events", required_argument, O_MAX_EVENTS, set_max_events},
    {"max-live-bytes", required_argument, O_MAX_LIVE_BYTES, set_max_live},
};
#define N_RUN_OPTIONS (sizeof run_options / sizeof run_options[0])

static void set_defaults(struct run_opts *o)
{
    memset(o, 0, sizeof *o);
    o->rounds = RUN_DEFAULT_ROUNDS;
    o->repeat = RUN_DEFAULT_REPEAT;
    o->warmup = RUN_DEFAULT_WARMUP;
    o->cpu = -1;
    o->timeout = 300;
    o->touch = PB_TOUCH_PAGES;
    o->threads[0] = 1;
    o->n_threads = 1;
    pb_gen_limits_default(&o->limits);
}

/* What is checked once every option is read. */
static int check_all(int argc, char **argv, const struct run_opts *o)
{
    if (optind < argc) {
        pb_text_line(stderr, "poolbench run: unexpected argument '%s' (traces go after --trace)",
                     argv[optind]);
        return -1;
    }
    if (run_check_listed_once("--workload", (const char *const *)o->specs, o->n_specs) ||
        run_check_listed_once("--trace", o->traces, o->n_traces))
        return -1;
    return check_cross_free(o);
}

/* 0 ok, 1 --help given, -1 bad usage (message printed). */
static int read_opts(int argc, char **argv, struct run_opts *o)
{
    struct option longopts[N_RUN_OPTIONS + 2];
    longopts[0] = (struct option){"help", no_argument, NULL, 'h'};
    for (size_t i = 0; i < N_RUN_OPTIONS; i++)
        longopts[i + 1] = (struct option){run_options[i].name, run_options[i].has_arg, NULL,
                                          run_options[i].code};
    longopts[N_RUN_OPTIONS + 1] = (struct option){NULL, 0, NULL, 0};
    set_defaults(o);
    /* every option that takes a value is given once, but --backend, --workload
     * and --trace, which add up */
    const struct pb_opts rules = {"hb:w:t:o:", longopts, "bwt", run_numbers};
    int c;
    unsigned seen = 0;
    uint64_t v = 0;
    while ((c = getopt_long(argc, argv, rules.optstring, longopts, NULL)) != -1) {
        char err[256];
        if (pb_opt_check(&rules, c, optarg, &seen, &v, err, sizeof err)) {
            pb_text_line(stderr, "poolbench run: %s", err);
            return -1;
        }
        if (c == 'h') {
            usage(stdout);
            return 1;
        }
        size_t i = 0;
        while (i < N_RUN_OPTIONS && run_options[i].code != c)
            i++;
        if (i == N_RUN_OPTIONS) {
            usage(stderr);
            return -1;
        }
        if (run_options[i].set(o, optarg, v))
            return -1;
    }
    return check_all(argc, argv, o);
}

int run_parse_opts(int argc, char **argv, struct run_opts *o)
{
    int rc = read_opts(argc, argv, o);
    if (rc)
        run_free_opts(o);
    return rc;
}

void run_free_opts(struct run_opts *o)
{
    free_specs(o->backends, o->n_backends);
    free_specs(o->specs, o->n_specs);
    free(o->traces);
    o->backends = o->specs = NULL;
    o->n_backends = o->n_specs = 0;
    o->traces = NULL;
}

/* ---- the results' config ------------------------------------------------------ */

static cJSON *string_array(const char *const *items, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(items[i]));
    return a;
}

cJSON *run_config_json(const struct run_opts *o, const struct backend_slot *b, size_t nb,
                       const struct workload_list *l, int argc, char **argv)
{
    cJSON *c = cJSON_CreateObject();
    cJSON *ba = cJSON_CreateArray();
    for (size_t i = 0; i < nb; i++)
        cJSON_AddItemToArray(ba, cJSON_CreateString(b[i].spec.text));
    cJSON_AddItemToObject(c, PB_F_BACKENDS, ba);
    int defaults = o->n_specs == 0 && o->n_traces == 0;
    if (defaults)
        cJSON_AddItemToObject(c, PB_F_WORKLOADS,
                              string_array(run_default_specs, run_n_default_specs));
    else
        cJSON_AddItemToObject(c, PB_F_WORKLOADS,
                              string_array((const char *const *)o->specs, o->n_specs));
    if (defaults)
        cJSON_AddItemToObject(c, PB_F_TRACES,
                              string_array((const char *const *)l->found_traces, l->n_found));
    else
        cJSON_AddItemToObject(c, PB_F_TRACES, string_array(o->traces, o->n_traces));
    cJSON_AddNumberToObject(c, PB_F_ROUNDS, o->rounds);
    cJSON_AddStringToObject(c, PB_F_ORDER, "shuffled per round (seed)");
    if (o->cpu >= 0)
        cJSON_AddNumberToObject(c, PB_F_CPU, o->cpu);
    else
        cJSON_AddNullToObject(c, PB_F_CPU);
    cJSON_AddNumberToObject(c, PB_F_REPEAT, o->repeat);
    cJSON_AddNumberToObject(c, PB_F_WARMUP, o->warmup);
    cJSON_AddStringToObject(c, PB_F_TOUCH, pb_touch_name(o->touch));
    cJSON_AddNumberToObject(c, PB_F_SAMPLE_EVERY, (double)o->sample_every);
    cJSON_AddStringToObject(c, PB_F_SAMPLE_EVERY_MEANING,
                            o->sample_every ? "events between samples"
                                            : "0: events / 200 per workload (at least 1)");
    cJSON_AddNumberToObject(c, PB_F_SEED, o->has_seed ? (double)o->seed : 1);
    cJSON_AddBoolToObject(c, PB_F_SEED_GIVEN, o->has_seed);
    cJSON_AddNumberToObject(c, PB_F_TIMEOUT, o->timeout);
    cJSON_AddNumberToObject(c, PB_F_MAX_EVENTS, (double)o->limits.max_events);
    cJSON_AddNumberToObject(c, PB_F_MAX_LIVE_BYTES, (double)o->limits.max_live_bytes);
    cJSON_AddBoolToObject(c, PB_F_LATENCY, o->latency);
    cJSON_AddBoolToObject(c, PB_F_QUIET, o->quiet);
    if (o->n_threads > 1 || o->threads[0] != 1 || o->cross_free) {
        cJSON *ta = cJSON_CreateArray();
        for (size_t i = 0; i < o->n_threads; i++)
            cJSON_AddItemToArray(ta, cJSON_CreateNumber(o->threads[i]));
        cJSON_AddItemToObject(c, PB_F_THREADS, ta);
        cJSON_AddBoolToObject(c, PB_F_CROSS_FREE, o->cross_free);
    }
    cJSON_AddStringToObject(c, PB_F_OUTPUT, o->output ? o->output : "results/latest.json");
    cJSON_AddItemToObject(c, PB_F_ARGV, string_array((const char *const *)argv, (size_t)argc));
    return c;
}

