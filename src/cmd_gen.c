/*
 * cmd_gen.c -- `poolbench gen --workload SPEC [-o FILE]`: write the events a
 * generator makes (exactly what the runner would replay) as a v1 text trace,
 * or as a binary .pbt twin when FILE ends in ".pbt". Files are written to a
 * temporary name and renamed, so a failure never leaves a partial file.
 */
#include "pb_cli.h"
#include "pb_generators.h"
#include "pb_outfile.h"
#include "pb_opts.h"
#include "pb_workload.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void gen_usage(FILE *f)
{
    fprintf(f, "usage: poolbench gen --workload SPEC [--seed N] [-o FILE]\n\n"
               "Writes the events of a synthetic workload as a v1 trace.\n"
               "  -w, --workload SPEC  NAME[:key=value,...] or a JSON job file (FILE.json)\n"
               "                       holding one workload (see poolbench list)\n"
               "  -s, --seed N         seed for a spec that does not set seed= itself\n"
               "  -o, --output FILE    where to write (default, or '-': standard output);\n"
               "                       FILE.pbt writes the binary twin\n");
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
    if (pb_outfile_open(&o, path, err, errlen) != 0) {
        snprintf(err, errlen, "%s: cannot create: %s", path, strerror(o.error));
        return -1;
    }
    errno = 0;
    if (pb_workload_write_text(w, o.f) != 0) {
        int e = errno ? errno : EIO;
        pb_outfile_abort(&o);
        snprintf(err, errlen, "%s: cannot write: %s", path, strerror(e));
        return -1;
    }
    if (pb_outfile_commit(&o, err, errlen) != 0) {
        snprintf(err, errlen, "%s: cannot write: %s", path, strerror(o.error));
        return -1;
    }
    return 0;
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

int pb_cmd_gen(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"workload", required_argument, NULL, 'w'},
        {"seed", required_argument, NULL, 's'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *spec = NULL, *out = NULL;
    uint64_t seed = 0;
    int have_seed = 0, c;
    static const struct pb_opt_number numbers[] = {{'s', {"--seed", 0, UINT64_MAX}}, {0, {0}}};
    static const struct pb_opts rules = {"w:s:o:h", longopts, NULL, numbers};
    unsigned seen = 0;
    uint64_t number = 0;
    while ((c = getopt_long(argc, argv, rules.optstring, longopts, NULL)) != -1) {
        char oerr[160];
        if (pb_opt_check(&rules, c, optarg, &seen, &number, oerr, sizeof oerr)) {
            fprintf(stderr, "poolbench gen: %s\n", oerr);
            return PB_EXIT_USAGE;
        }
        switch (c) {
        case 'w':
            spec = optarg;
            break;
        case 's':
            seed = number;
            have_seed = 1;
            break;
        case 'o':
            out = optarg;
            break;
        case 'h':
            gen_usage(stdout);
            return PB_EXIT_OK;
        default:
            gen_usage(stderr);
            return PB_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "poolbench gen: unexpected argument '%s'\n", argv[optind]);
        return PB_EXIT_USAGE;
    }
    if (!spec) {
        fprintf(stderr, "poolbench gen: --workload SPEC is required\n");
        gen_usage(stderr);
        return PB_EXIT_USAGE;
    }
    if (out && has_suffix(out, ".gz")) {
        fprintf(stderr, "poolbench gen: gzip output is not supported; pipe '-o -' to gzip\n");
        return PB_EXIT_USAGE;
    }
    struct pb_workload *w = NULL;
    size_t n = 0;
    char err[512];
    if (pb_workload_spec_build(spec, have_seed ? &seed : NULL, &w, &n, err, sizeof err) != 0) {
        fprintf(stderr, "poolbench gen: %s\n", err);
        return PB_EXIT_USAGE;
    }
    int rc = PB_EXIT_OK;
    if (n != 1) {
        fprintf(stderr, "poolbench gen: %s holds %zu workloads; gen writes one\n", spec, n);
        rc = PB_EXIT_USAGE;
    } else if (write_output(&w[0], out, err, sizeof err) != 0) {
        fprintf(stderr, "poolbench gen: %s\n", err);
        rc = PB_EXIT_FAIL;
    }
    pb_workload_list_free(w, n);
    return rc;
}
