/*
 * cmd_bench.c -- `poolbench bench`: the real program under each allocator.
 *
 * Order of work: parse the options, find the program and every allocator's
 * library, open the input, check the output can be written (a bad input
 * writes nothing and exits 2); then the warm-up rounds (unrecorded: the
 * program's files come into the page cache alike for all), then the rounds.
 * Round r runs every allocator once, in the order of the list rotated by r,
 * each in a fresh process (engine/program.c); a run that crashes, times out,
 * exits with another status than expected or, with --check-output, prints
 * other bytes than glibc's first run did, fails that allocator alone (it
 * is not run again). The document is written once, at the end, or with the
 * rounds finished so far when a signal stops the rounds.
 */
#include "bench.h"
#include "results_fields.h"
#include "pb_cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_results.h"
#include "fidelity.h"
#include "isolate.h"
#include "pb_opts.h"
#include "pb_outfile.h"
#include "pb_signals.h"
#include "pb_text.h"
#include "program.h"
#include "results.h"
#include "verdict.h"

#ifndef PB_RECORD_LIBDIR
#define PB_RECORD_LIBDIR "/usr/local/lib/poolbench"
#endif

static void usage(FILE *f)
{
    fprintf(f,
            "usage: poolbench bench [--allocator LIST] [--rounds R] [--warmup W] [--check-output]\n"
            "                       [--stdin FILE] [--timeout SEC] [--cpu N] [--expect-exit N]\n"
            "                       [--replay TRACE] [-o FILE] [--quiet] -- CMD [ARGS...]\n\n"
            "Runs the whole program CMD under each allocator, each run a fresh process, in\n"
            "interleaved rounds, and measures wall, user and system time, peak RSS, page\n"
            "faults and context switches; median and 95 %% interval over the rounds.\n\n"
            "  --allocator LIST   glibc (the C library's malloc), jemalloc, mimalloc,\n"
            "                     tcmalloc, pools[:classes=A/B/..,slab=S] (poolbench's\n"
            "                     size classes as a malloc), preload:PATH (any malloc library);\n"
            "                     repeatable (default: glibc and every one this machine has)\n"
            "  --rounds R         measured rounds (default 5); round r rotates the order by r\n"
            "  --warmup W         unrecorded rounds first (default 1)\n"
            "  --check-output     fail an allocator whose run prints other bytes on standard\n"
            "                     output than glibc's first run (needs glibc in the list; it\n"
            "                     moves to the front, so its output comes first)\n"
            "  --stdin FILE       the program's standard input, from its start each run\n"
            "                     (default /dev/null)\n"
            "  --timeout SEC      kill a run after SEC seconds: it fails (default 600, 0: none)\n"
            "  --cpu N            pin every run to CPU N\n"
            "  --expect-exit N    the program's normal exit status (default 0); another fails\n"
            "  --replay TRACE     also replay TRACE (recorded from CMD: poolbench record) against\n"
            "                     the same allocators (glibc's is run's malloc) and put both\n"
            "                     rankings side by side, with the allocation share of runtime\n"
            "  -o, --output FILE  the results (default results/bench-STAMP.json and\n"
            "                     results/latest-bench.json)\n"
            "  -q, --quiet        no table, no verdict\n"
            "  -h, --help         this text\n\n"
            "The program's standard output is kept apart (hashed, compared with\n"
            "--check-output), its standard error too (a failed run shows its last line).\n"
            "Exit status: 0 when every allocator ran every round; 1 when one failed or a\n"
            "signal stopped the rounds (the finished rounds are written); 2 on bad usage.\n");
}

/* What the command line asked for. */
struct bench_opts {
    const char *lists[BENCH_MAX_ALLOCATORS];
    size_t n_lists;
    uint64_t rounds, warmup, timeout, cpu, expect_exit;
    int pin, check_output, quiet;
    const char *stdin_path, *output, *replay;
    char **cmd;
};

enum { OPT_ROUNDS = 256, OPT_WARMUP, OPT_CHECK, OPT_STDIN, OPT_TIMEOUT, OPT_CPU, OPT_EXIT,
       OPT_REPLAY };

static const struct option longopts[] = {
    {"allocator", required_argument, NULL, 'a'},
    {"rounds", required_argument, NULL, OPT_ROUNDS},
    {"warmup", required_argument, NULL, OPT_WARMUP},
    {"check-output", no_argument, NULL, OPT_CHECK},
    {"stdin", required_argument, NULL, OPT_STDIN},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"cpu", required_argument, NULL, OPT_CPU},
    {"expect-exit", required_argument, NULL, OPT_EXIT},
    {"replay", required_argument, NULL, OPT_REPLAY},
    {"output", required_argument, NULL, 'o'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static const struct pb_opt_number numbers[] = {
    {OPT_ROUNDS, {"--rounds", 1, BENCH_MAX_ROUNDS}},
    {OPT_WARMUP, {"--warmup", 0, 100}},
    {OPT_TIMEOUT, {"--timeout", 0, 86400}},
    {OPT_CPU, {"--cpu", 0, 4095}},
    {OPT_EXIT, {"--expect-exit", 0, 255}},
    {0, {NULL, 0, 0}},
};

/* Store one option's value; 0, or -1 (printed). */
static int take_option(struct bench_opts *o, int c, uint64_t number)
{
    switch (c) {
    case 'a':
        if (o->n_lists == BENCH_MAX_ALLOCATORS) {
            fprintf(stderr, "poolbench bench: more than %d --allocator options\n",
                    BENCH_MAX_ALLOCATORS);
            return -1;
        }
        o->lists[o->n_lists++] = optarg;
        return 0;
    case OPT_ROUNDS: o->rounds = number; return 0;
    case OPT_WARMUP: o->warmup = number; return 0;
    case OPT_TIMEOUT: o->timeout = number; return 0;
    case OPT_CPU: o->cpu = number; o->pin = 1; return 0;
    case OPT_EXIT: o->expect_exit = number; return 0;
    case OPT_CHECK: o->check_output = 1; return 0;
    case OPT_STDIN: o->stdin_path = optarg; return 0;
    case OPT_REPLAY: o->replay = optarg; return 0;
    case 'o': o->output = optarg; return 0;
    case 'q': o->quiet = 1; return 0;
    default: usage(stderr); return -1;
    }
}

/* The options into o; -1 to exit with *status (help, or bad usage). */
static int parse_options(int argc, char **argv, struct bench_opts *o, int *status)
{
    static const struct pb_opts rules = {"+a:o:qh", longopts, "a", numbers};
    unsigned seen = 0;
    uint64_t number = 0;
    int c;
    *status = PB_EXIT_USAGE;
    while ((c = getopt_long(argc, argv, rules.optstring, longopts, NULL)) != -1) {
        char oerr[200];
        if (pb_opt_check(&rules, c, optarg, &seen, &number, oerr, sizeof oerr)) {
            pb_text_line(stderr, "poolbench bench: %s", oerr);
            return -1;
        }
        if (c == 'h') {
            usage(stdout);
            *status = PB_EXIT_OK;
            return -1;
        }
        if (take_option(o, c, number))
            return -1;
    }
    if (optind >= argc || !argv[optind][0]) {
        fprintf(stderr, "poolbench bench: missing command (poolbench bench -- CMD [ARGS...])\n");
        return -1;
    }
    o->cmd = argv + optind;
    return 0;
}

/* ---- the allocators --------------------------------------------------------------- */

/* Every spec of every --allocator list (or the defaults) into a; the count, or -1 printed. */
static int prepare_allocators(const struct bench_opts *o, struct bench_alloc *a)
{
    size_t n = 0;
    char err[1024];
    if (o->n_lists == 0) {
        char skipped[1024];
        n = bench_alloc_defaults(PB_RECORD_LIBDIR, a, BENCH_MAX_ALLOCATORS, skipped, sizeof skipped);
        if (skipped[0] && !o->quiet)
            pb_text_line(stderr, "poolbench bench: left out: %s", skipped);
        return (int)n;
    }
    for (size_t i = 0; i < o->n_lists; i++)
        for (const char *p = o->lists[i];;) {
            size_t len = pb_spec_list_next(p);
            char one[PB_SPEC_TEXT_MAX];
            if (n == BENCH_MAX_ALLOCATORS || len >= sizeof one) {
                fprintf(stderr, "poolbench bench: too many allocators, or a spec too long\n");
                return -1;
            }
            snprintf(one, sizeof one, "%.*s", (int)len, p);
            if (bench_alloc_parse(one, PB_RECORD_LIBDIR, &a[n++], err, sizeof err)) {
                pb_text_line(stderr, "poolbench bench: --allocator %s: %s", one, err);
                return -1;
            }
            if (!p[len])
                break;
            p += len + 1;
        }
    return (int)n;
}

/* The index of glibc among a[0..n), or -1. */
static int glibc_index(const struct bench_alloc *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!a[i].lib[0])
            return (int)i;
    return -1;
}

/* ---- the rounds ---------------------------------------------------------------------- */

/* One allocator's state over the rounds. */
struct bench_state {
    cJSON *rounds;      /* the recorded rounds' objects */
    char error[1024];   /* why it failed; "" while it has not */
};

/* Everything the rounds need. */
struct bench_plan {
    const struct bench_opts *o;
    const struct bench_alloc *a;
    struct bench_state *st;
    size_t n;
    const char *path;   /* the program's file, as found in $PATH */
    int stdin_fd;
    int ref_fd;         /* glibc's first output, for --check-output; -1 until there */
    int glibc;          /* its index, or -1 */
    size_t done, total; /* runs, for the progress line */
};

/* Why a finished run does not count ("" if it does), into why. */
static void judge_run(struct bench_plan *p, size_t i, const struct pb_program_result *r,
                      const char *err, char *why, size_t len)
{
    why[0] = '\0';
    if (r->end != PB_ISO_OK) {
        snprintf(why, len, "%s%s%s", err, r->err_tail[0] ? "; its last error line: " : "",
                 r->err_tail);
        return;
    }
    if ((uint64_t)r->exit_status != p->o->expect_exit) {
        snprintf(why, len, "exited with status %d (expected %u)%s%s", r->exit_status,
                 (unsigned)p->o->expect_exit, r->err_tail[0] ? "; its last error line: " : "",
                 r->err_tail);
        return;
    }
    if (!p->o->check_output)
        return;
    if (p->ref_fd < 0 && (int)i == p->glibc) {
        p->ref_fd = dup(r->out_fd);
        return;
    }
    if (p->ref_fd < 0) {
        snprintf(why, len, "its output cannot be checked: glibc's first run failed");
        return;
    }
    uint64_t line = 0;
    int64_t at = pb_program_output_diff(p->ref_fd, r->out_fd, &line);
    if (at == -2)
        snprintf(why, len, "cannot compare its output with glibc's: %s", strerror(errno));
    else if (at >= 0)
        snprintf(why, len, "its standard output differs from glibc's first run at byte %lld "
                           "(line %llu)", (long long)at, (unsigned long long)line);
}

static void progress(struct bench_plan *p, const char *what, size_t i)
{
    p->done++;
    if (p->o->quiet || !isatty(2))
        return;
    char spec[4 * PB_SPEC_TEXT_MAX];
    fprintf(stderr, "\r\033[K[%zu/%zu] %s: %s", p->done, p->total, what,
            pb_text_safe(p->a[i].spec, spec, sizeof spec));
}

/* Run allocator i once; record it when round >= 0. 0, or -1 when stopped. */
static int run_one(struct bench_plan *p, size_t i, int round, unsigned position)
{
    const struct bench_alloc *a = &p->a[i];
    char *env[BENCH_MAX_ENV + 1];
    for (size_t k = 0; k < a->n_env; k++)
        env[k] = (char *)a->env[k];
    env[a->n_env] = NULL;
    struct pb_program_job job = {
        .path = p->path, .argv = p->o->cmd, .preload = a->lib[0] ? a->lib : NULL, .env_extra = env,
        .stdin_fd = p->stdin_fd, .cpu = p->o->pin ? (int)p->o->cpu : -1,
        .timeout_sec = (unsigned)p->o->timeout, .stop = pb_signals_flag(),
    };
    struct pb_program_result r;
    char err[PB_PROGRAM_ERR_MAX], why[sizeof p->st[i].error - 32]; /* room for "round N: " */
    progress(p, round < 0 ? "warm-up" : "round", i);
    if (pb_program_run(&job, &r, err, sizeof err) != 0) {
        snprintf(p->st[i].error, sizeof p->st[i].error, "%s", err);
        return 0;
    }
    if (r.end == PB_ISO_INTERRUPTED || pb_signals_caught()) {
        close(r.out_fd);
        return -1;
    }
    judge_run(p, i, &r, err, why, sizeof why);
    if (why[0] && round < 0)
        snprintf(p->st[i].error, sizeof p->st[i].error, "warm-up run: %s", why);
    else if (why[0])
        snprintf(p->st[i].error, sizeof p->st[i].error, "round %d: %s", round, why);
    else if (round >= 0)
        cJSON_AddItemToArray(p->st[i].rounds, pb_bench_round_json((unsigned)round, position, &r));
    close(r.out_fd);
    return 0;
}

/* Warm-up rounds, then the measured ones; 0, or -1 when a signal stopped them. */
static int run_rounds(struct bench_plan *p)
{
    size_t n = p->n;
    uint64_t all = p->o->warmup + p->o->rounds;
    for (uint64_t r = 0; r < all; r++) {
        int round = r < p->o->warmup ? -1 : (int)(r - p->o->warmup);
        for (size_t k = 0; k < n; k++) {
            /* round r's order: the list rotated by r; glibc's first run sets the reference */
            size_t i = (k + (round < 0 ? 0 : (size_t)round)) % n;
            if (p->st[i].error[0])
                continue;
            if (run_one(p, i, round, (unsigned)k))
                return -1;
        }
    }
    return 0;
}

/* ---- the document ---------------------------------------------------------------------- */

static cJSON *config_json(const struct bench_opts *o, const struct bench_alloc *a, size_t n,
                          int argc, char **argv)
{
    cJSON *c = cJSON_CreateObject(), *list = cJSON_CreateArray(), *args = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(list, cJSON_CreateString(a[i].spec));
    cJSON_AddItemToObject(c, PB_F_ALLOCATORS, list);
    cJSON_AddNumberToObject(c, PB_F_ROUNDS, (double)o->rounds);
    cJSON_AddNumberToObject(c, PB_F_WARMUP, (double)o->warmup);
    cJSON_AddNumberToObject(c, PB_F_TIMEOUT, (double)o->timeout);
    cJSON_AddBoolToObject(c, PB_F_CHECK_OUTPUT, o->check_output);
    cJSON_AddNumberToObject(c, PB_F_EXPECT_EXIT, (double)o->expect_exit);
    o->stdin_path ? (void)cJSON_AddStringToObject(c, PB_F_STDIN, o->stdin_path)
                  : (void)cJSON_AddNullToObject(c, PB_F_STDIN);
    o->replay ? (void)cJSON_AddStringToObject(c, PB_F_REPLAY, o->replay)
              : (void)cJSON_AddNullToObject(c, PB_F_REPLAY);
    o->pin ? (void)cJSON_AddNumberToObject(c, PB_F_CPU, (double)o->cpu)
           : (void)cJSON_AddNullToObject(c, PB_F_CPU);
    char cwd[4096];
    cJSON_AddStringToObject(c, PB_F_CWD, getcwd(cwd, sizeof cwd) ? cwd : "");
    cJSON_AddStringToObject(c, PB_F_ORDER, "rotated: round r starts at allocator r of the list");
    for (int i = 0; i < argc; i++)
        cJSON_AddItemToArray(args, cJSON_CreateString(argv[i]));
    cJSON_AddItemToObject(c, PB_F_ARGV, args);
    return c;
}

/* Each allocator's run into doc.runs; the number that failed. */
static size_t add_runs(cJSON *doc, struct bench_plan *p, int interrupted)
{
    cJSON *runs = cJSON_GetObjectItemCaseSensitive(doc, PB_F_RUNS);
    size_t failed = 0;
    for (size_t i = 0; i < p->n; i++) {
        struct bench_state *s = &p->st[i];
        if (!s->error[0] && interrupted && cJSON_GetArraySize(s->rounds) == 0)
            snprintf(s->error, sizeof s->error, "interrupted before its first measured round");
        failed += s->error[0] != 0;
        const struct bench_alloc *a = &p->a[i];
        cJSON_AddItemToArray(runs, pb_bench_run_json(a->name, a->spec, a->lib, a->cfg, a->n_cfg,
                                                     s->rounds, s->error[0] ? s->error : NULL));
        s->rounds = NULL;
    }
    return failed;
}

static int write_doc(const cJSON *doc, const char *output, char *err, size_t errlen)
{
    return output ? pb_results_write(doc, output, err, errlen)
                  : pb_results_write_default(doc, "bench", "latest-bench.json", err, errlen);
}

/* ---- the command ------------------------------------------------------------------------ */

/* Before anything runs: the program, its input, the allocators, the output. */
static int prepare(struct bench_opts *o, struct bench_alloc *a, size_t *n, char *path,
                   size_t cap, int *stdin_fd)
{
    int e = pb_program_find(o->cmd[0], path, cap);
    if (e) {
        pb_text_line(stderr, "poolbench bench: cannot run '%s': %s", o->cmd[0], strerror(e));
        return -1;
    }
    int k = prepare_allocators(o, a);
    if (k <= 0) {
        if (k == 0)
            fprintf(stderr, "poolbench bench: no allocator to run\n");
        return -1;
    }
    *n = (size_t)k;
    for (size_t i = 0; i < *n; i++)
        if (a[i].lib[0] && pb_program_is_static(path)) {
            pb_text_line(stderr, "poolbench bench: %s is statically linked: LD_PRELOAD cannot "
                                 "give it %s (only glibc can run it)", path, a[i].spec);
            return -1;
        }
    int g = glibc_index(a, *n);
    if (o->check_output && g < 0) {
        fprintf(stderr, "poolbench bench: --check-output compares with glibc's output: add "
                        "glibc to --allocator\n");
        return -1;
    }
    if (o->check_output && g > 0) { /* glibc first: its output is there before any other's */
        struct bench_alloc glibc = a[g];
        memmove(&a[1], &a[0], (size_t)g * sizeof *a);
        a[0] = glibc;
    }
    *stdin_fd = -1;
    if (o->stdin_path && (*stdin_fd = open(o->stdin_path, O_RDONLY | O_CLOEXEC)) < 0) {
        pb_text_line(stderr, "poolbench bench: --stdin %s: %s", o->stdin_path, strerror(errno));
        return -1;
    }
    char err[4096 + 256];
    if ((o->output || (mkdir("results", 0777) == 0 || errno == EEXIST)) &&
        pb_outfile_check(o->output ? o->output : "results/latest-bench.json", err, sizeof err) == 0)
        return 0;
    pb_text_line(stderr, "poolbench bench: %s", o->output ? err : "cannot create results/");
    return -1;
}

/* With --replay: the replay first (a bad trace stops everything); 0, 1 when a
 * signal stopped it, or -1 printed. */
static int replay_first(struct bench_plan *p, cJSON **replay)
{
    *replay = NULL;
    if (!p->o->replay)
        return 0;
    struct bench_replay_job j = {p->o->replay, (unsigned)p->o->rounds,
                                 p->o->pin ? (int)p->o->cpu : -1};
    char err[1024];
    if (!p->o->quiet && isatty(2))
        fprintf(stderr, "poolbench bench: replaying %s first\n", p->o->replay);
    int rc = bench_replay(&j, p->a, p->n, replay, err, sizeof err);
    if (rc == -1)
        pb_text_line(stderr, "poolbench bench: --replay %s: %s", p->o->replay, err);
    return rc == -2 ? 1 : rc;
}

/* Run the rounds and write the document; the exit status. */
static int bench(struct bench_plan *p, cJSON *doc)
{
    pb_signals_catch(1);
    cJSON *replay;
    int stopped = replay_first(p, &replay);
    if (stopped < 0)
        return PB_EXIT_USAGE;
    int interrupted = stopped || run_rounds(p) != 0 || pb_signals_caught();
    if (!p->o->quiet && isatty(2))
        fprintf(stderr, "\r\033[K");
    if (interrupted)
        cJSON_ReplaceItemInObjectCaseSensitive(doc, PB_F_INTERRUPTED, cJSON_CreateBool(1));
    size_t failed = add_runs(doc, p, interrupted);
    if (replay)
        cJSON_AddItemToObject(doc, PB_F_FIDELITY, pb_fidelity_json(doc, replay, p->o->replay));
    char err[1024];
    if (write_doc(doc, p->o->output, err, sizeof err)) {
        pb_text_line(stderr, "poolbench bench: %s", err);
        return PB_EXIT_FAIL;
    }
    if (!p->o->quiet && !(p->o->output && strcmp(p->o->output, "-") == 0)) {
        pb_bench_summary_print(doc, stdout);
        pb_verdict_print(doc, stdout);
    }
    if (interrupted)
        fprintf(stderr, "poolbench bench: interrupted; the finished rounds are written\n");
    return failed || interrupted ? PB_EXIT_FAIL : PB_EXIT_OK;
}

int pb_cmd_bench(int argc, char **argv)
{
    struct bench_opts o = {.rounds = 5, .warmup = 1, .timeout = 600};
    int status;
    if (parse_options(argc, argv, &o, &status) != 0)
        return status;
    struct bench_alloc *a = calloc(BENCH_MAX_ALLOCATORS, sizeof *a);
    struct bench_state *st = calloc(BENCH_MAX_ALLOCATORS, sizeof *st);
    char path[4096];
    size_t n = 0;
    int stdin_fd = -1;
    status = PB_EXIT_USAGE;
    if (!a || !st || prepare(&o, a, &n, path, sizeof path, &stdin_fd))
        goto out;
    cJSON *doc = pb_bench_doc_new(config_json(&o, a, n, argc, argv),
                                  pb_bench_program_json(path, o.cmd));
    for (size_t i = 0; i < n; i++)
        st[i].rounds = cJSON_CreateArray();
    struct bench_plan p = {&o, a, st, n, path, stdin_fd, -1, glibc_index(a, n), 0,
                           n * (size_t)(o.rounds + o.warmup)};
    status = doc ? bench(&p, doc) : PB_EXIT_FAIL;
    if (p.ref_fd >= 0)
        close(p.ref_fd);
    cJSON_Delete(doc);
    for (size_t i = 0; i < n; i++)
        cJSON_Delete(st[i].rounds);
out:
    if (stdin_fd >= 0)
        close(stdin_fd);
    free(a);
    free(st);
    return status;
}
