/*
 * cmd_export.c -- `poolbench export --csv RESULTS.json [-o FILE]`: one
 * results file as a tidy CSV table (report/csv.h), to standard output or,
 * whole or not at all, to FILE through pb_outfile.
 */
#include "csv.h"
#include "pb_cli.h"
#include "pb_opts.h"
#include "pb_outfile.h"
#include "pb_text.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f)
{
    fprintf(f,
            "usage: poolbench export --csv RESULTS.json [-o FILE]\n\n"
            "Writes a results file as one tidy CSV table: one row per backend, workload,\n"
            "thread count and figure, with the columns\n"
            "  " PB_CSV_HEADER "\n"
            "A figure is its dotted path in the run (time.ns_per_op.median,\n"
            "memory.peak_resident_bytes, ...); a figure that is null in the file has an\n"
            "empty value, never 0. A run that is not ok has one row: its status and\n"
            "error, with no figure. RFC 4180 quoting, CRLF line ends. A text field that\n"
            "starts with = + - @ TAB CR LF or ' gets a leading ' (so no spreadsheet\n"
            "reads it as a formula): drop one leading ' to get the original back. On a\n"
            "terminal, control characters in text are shown as \\xHH.\n\n"
            "  --csv              the format (the only one)\n"
            "  -o, --output FILE  where to write (default, or '-': standard output);\n"
            "                     written whole or not at all\n\n"
            "docs/export.md lists every figure and its unit, with a pandas example.\n"
            "Exit status: 0 written; 1 writing failed; 2 bad usage or input.\n");
}

/* What the command line asks for. */
struct export_opts {
    const char *input, *output;
    int csv;
};

/* Parse the flags; -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, struct export_opts *o)
{
    enum { O_CSV = 256 };
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {"csv", no_argument, NULL, O_CSV},
        {"output", required_argument, NULL, 'o'},
        {NULL, 0, NULL, 0},
    };
    static const struct pb_opts rules = {"ho:", longopts, NULL, NULL};
    unsigned seen = 0;
    uint64_t number = 0;
    int c;
    memset(o, 0, sizeof *o);
    while ((c = getopt_long(argc, argv, rules.optstring, longopts, NULL)) != -1) {
        char oerr[160];
        if (pb_opt_check(&rules, c, optarg, &seen, &number, oerr, sizeof oerr)) {
            pb_text_line(stderr, "poolbench export: %s", oerr);
            return PB_EXIT_USAGE;
        }
        if (c == 'h') {
            usage(stdout);
            return PB_EXIT_OK;
        } else if (c == O_CSV) {
            o->csv = 1;
        } else if (c == 'o') {
            o->output = optarg;
        } else {
            usage(stderr);
            return PB_EXIT_USAGE;
        }
    }
    if (!o->csv) {
        fprintf(stderr, "poolbench export: give the format: --csv (the only one)\n");
        return PB_EXIT_USAGE;
    }
    if (argc - optind != 1) {
        fprintf(stderr, "poolbench export: want one results file (got %d)\n", argc - optind);
        return PB_EXIT_USAGE;
    }
    o->input = argv[optind];
    return -1;
}

/* The table of f to path ("-": standard output): an exit status. */
static int write_table(const struct pb_results_file *f, const char *path)
{
    char err[PATH_MAX + 256], werr[256];
    struct pb_outfile out;
    if (pb_outfile_open(&out, path, err, sizeof err) != 0) {
        pb_text_line(stderr, "poolbench export: %s", err);
        return PB_EXIT_USAGE;
    }
    size_t rows;
    /* a terminal gets control characters as \xHH text, a file the bytes as they are */
    if (pb_csv_write(f, out.f, isatty(out.fd), &rows, werr, sizeof werr) != 0) {
        pb_text_line(stderr, "poolbench export: %s: %s", out.given, werr);
        pb_outfile_abort(&out);
        return PB_EXIT_FAIL;
    }
    if (pb_outfile_commit(&out, err, sizeof err) != 0) {
        pb_text_line(stderr, "poolbench export: %s", err);
        return PB_EXIT_FAIL;
    }
    return PB_EXIT_OK;
}

int pb_cmd_export(int argc, char **argv)
{
    struct export_opts o;
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0)
        return rc;
    char err[PATH_MAX + 256];
    struct pb_results_file f;
    if (pb_results_read(o.input, &f, err, sizeof err) != 0) {
        pb_text_line(stderr, "poolbench export: %s", err);
        return PB_EXIT_USAGE;
    }
    rc = write_table(&f, o.output ? o.output : "-");
    pb_results_file_free(&f);
    return rc;
}
