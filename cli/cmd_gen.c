/*
 * cmd_gen.c -- `poolbench gen --workload SPEC [-o FILE]`: write the events a
 * generator makes (exactly what the runner would replay) as a v1 text trace,
 * or as a binary .pbt twin when FILE ends in ".pbt". Files are written to a
 * temporary name and renamed, so a failure never leaves a partial file. A
 * workload estimated at more than --max-events events is refused before it
 * is generated (its live bytes do not matter here: nothing is replayed).
 */
#include "pb_cli.h"
#include "pb_generators.h"
#include "pb_num.h"
#include "pb_outfile.h"
#include "pb_opts.h"
#include "pb_text.h"
#include "pb_workload.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void gen_usage(FILE *f)
{
    fprintf(f, "usage: poolbench gen --workload SPEC [--seed N] [-o FILE] [--max-events N]\n\n"
               "Writes the events of a synthetic workload as a v1 trace.\n"
               "  -w, --workload SPEC  NAME[:key=value,...] or a JSON job file (FILE.json)\n"
               "                       holding one workload (see poolbench list)\n"
               "  -s, --seed N         seed for a spec that does not set seed= itself\n"
               "  -o, --output FILE    where to write (default, or '-': standard output);\n"
               "                       FILE.pbt writes the binary twin\n"
               "  --max-events N       refuse a workload of more events (default %llu)\n",
            PB_GEN_DEFAULT_MAX_EVENTS);
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Write w as text to path through pb_outfile (a temporary file and a rename). */
static int write_text_file(const struct pb_workload *w, const char *path, char *err,
                           size_t errlen)
{
    struct pb_outfile o;
    if (pb_outfile_open(&o, path, err, errlen) != 0)
        return -1;
    errno = 0;
    if (pb_workload_write_text(w, o.f) != 0) {
        int e = errno ? errno : EIO;
        pb_outfile_abort(&o);
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(e));
        return -1;
    }
    return pb_outfile_commit(&o, err, errlen);
}

static int write_output(const struct pb_workload *w, const char *out, char *err, size_t errlen)
{
    if (!out || strcmp(out, "-") == 0) {
        if (pb_workload_write_text(w, stdout) != 0 || fflush(stdout) != 0) {
            snprintf(err, errlen, "standard output: cannot write: %s", strerror(errno));
            return -1;
        }
        return 0;
    }
    if (has_suffix(out, ".pbt"))
        return pb_workload_write_binary(w, out, err, errlen);
    return write_text_file(w, out, err, errlen);
}

/* --max-events N into *out; -1 (message printed) when N is not a number. */
static int parse_limit(const char *opt, const char *text, uint64_t *out)
{
    if (pb_parse_scaled_u64(text, out) == 0)
        return 0;
    pb_text_line(stderr, "poolbench gen: bad %s '%s' (expected a number, k/m/g allowed)", opt, text);
    return -1;
}

/* Prepare spec's one workload (checked against the limits) and generate it:
 * an exit status, PB_EXIT_OK with *w set. */
static int gen_one(const char *spec, const uint64_t *seed, const struct pb_gen_limits *limits,
                   struct pb_workload *w)
{
    struct pb_gen_job *jobs = NULL;
    size_t n = 0;
    char err[512];
    if (pb_workload_spec_prepare(spec, seed, limits, &jobs, &n, err, sizeof err) != 0) {
        pb_text_line(stderr, "poolbench gen: %s", err);
        return PB_EXIT_USAGE;
    }
    int rc = PB_EXIT_OK;
    if (n != 1) {
        pb_text_line(stderr, "poolbench gen: %s holds %zu workloads; gen writes one", spec, n);
        rc = PB_EXIT_USAGE;
    } else if (pb_gen_job_build(&jobs[0], w, err, sizeof err) != 0) {
        pb_text_line(stderr, "poolbench gen: %s", err);
        rc = PB_EXIT_FAIL;
    }
    pb_gen_jobs_free(jobs, n);
    return rc;
}

/* What the command line asks for. */
struct gen_opts {
    const char *spec, *out;
    uint64_t seed;
    int have_seed;
    struct pb_gen_limits limits;
};

/* 0 ok, 1 --help given, or an exit status above 1 (message printed). */
/* The options taken together: a spec, only one, and no gzip output. 0 or PB_EXIT_USAGE. */
static int check_gen_opts(const struct gen_opts *o)
{
    if (!o->spec) {
        fprintf(stderr, "poolbench gen: --workload SPEC is required\n");
        gen_usage(stderr);
        return PB_EXIT_USAGE;
    }
    if (o->spec[pb_spec_list_next(o->spec)]) { /* a list, as run takes it */
        pb_text_line(stderr, "poolbench gen: --workload '%s' names more than one workload; gen "
                     "writes one", o->spec);
        return PB_EXIT_USAGE;
    }
    if (o->out && has_suffix(o->out, ".gz")) {
        fprintf(stderr, "poolbench gen: gzip output is not supported; pipe '-o -' to gzip\n");
        return PB_EXIT_USAGE;
    }
    return 0;
}

static int parse_gen_opts(int argc, char **argv, struct gen_opts *o)
{
    enum { O_MAX_EVENTS = 256 };
    static const struct option longopts[] = {
        {"workload", required_argument, NULL, 'w'},
        {"seed", required_argument, NULL, 's'},
        {"output", required_argument, NULL, 'o'},
        {"max-events", required_argument, NULL, O_MAX_EVENTS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    /* the events are what gen holds; live bytes matter only to a replay */
    pb_gen_limits_default(&o->limits);
    o->limits.max_live_bytes = UINT64_MAX;
    int c;
    static const struct pb_opt_number numbers[] = {{'s', {"--seed", 0, UINT64_MAX}}, {0, {0}}};
    static const struct pb_opts rules = {"w:s:o:h", longopts, NULL, numbers};
    unsigned seen = 0;
    uint64_t number = 0;
    while ((c = getopt_long(argc, argv, rules.optstring, longopts, NULL)) != -1) {
        char oerr[160];
        if (pb_opt_check(&rules, c, optarg, &seen, &number, oerr, sizeof oerr)) {
            pb_text_line(stderr, "poolbench gen: %s", oerr);
            return PB_EXIT_USAGE;
        }
        switch (c) {
        case 'w':
            o->spec = optarg;
            break;
        case 's':
            o->seed = number;
            o->have_seed = 1;
            break;
        case 'o':
            o->out = optarg;
            break;
        case O_MAX_EVENTS:
            if (parse_limit("--max-events", optarg, &o->limits.max_events) != 0)
                return PB_EXIT_USAGE;
            break;
        case 'h':
            gen_usage(stdout);
            return 1;
        default:
            gen_usage(stderr);
            return PB_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        pb_text_line(stderr, "poolbench gen: unexpected argument '%s'", argv[optind]);
        return PB_EXIT_USAGE;
    }
    return check_gen_opts(o);
}

int pb_cmd_gen(int argc, char **argv)
{
    struct gen_opts o;
    int rc = parse_gen_opts(argc, argv, &o);
    if (rc != 0)
        return rc == 1 ? PB_EXIT_OK : rc;
    char err[PATH_MAX + 256];
    if (o.out && strcmp(o.out, "-") != 0 && pb_outfile_check(o.out, err, sizeof err) != 0) {
        pb_text_line(stderr, "poolbench gen: %s", err); /* before a long generation */
        return PB_EXIT_USAGE;
    }
    struct pb_workload w;
    rc = gen_one(o.spec, o.have_seed ? &o.seed : NULL, &o.limits, &w);
    if (rc != PB_EXIT_OK)
        return rc;
    if (write_output(&w, o.out, err, sizeof err) != 0) {
        pb_text_line(stderr, "poolbench gen: %s", err);
        rc = PB_EXIT_FAIL;
    }
    pb_workload_free(&w);
    return rc;
}
