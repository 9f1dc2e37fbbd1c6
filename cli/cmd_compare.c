/*
 * cmd_compare.c -- `poolbench compare BASE.json NEW.json [--threshold PCT]`:
 * prints every compared figure and exits 1 when one regressed, so that it can
 * gate a CI job.
 */
#include "compare.h"
#include "pb_cli.h"
#include "pb_opts.h"
#include "pb_text.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_THRESHOLD 5.0

static void usage(FILE *f)
{
    fprintf(f,
            "usage: poolbench compare BASE.json NEW.json [--threshold PCT]\n\n"
            "Compares every (backend with its options, workload) pair present in both\n"
            "results files. Time: a two-sided Mann-Whitney U test on the ns/op samples\n"
            "(normal approximation with 8+ samples a side, exact with 4 to 7, else whether\n"
            "the min-max ranges overlap); a regression is significantly slower by more\n"
            "than PCT percent. Memory figures are single values: a regression is larger\n"
            "by more than PCT percent and at least one page; internal fragmentation by\n"
            "more than PCT percentage points; Johnstone-Wilson fragmentation f when 1+f\n"
            "grows by more than PCT percent. A run that failed only in NEW regressed.\n\n"
            "  --threshold PCT  percent (default %.0f)\n\n"
            "Exit status: 0 nothing regressed; 1 something regressed; 2 bad usage or input\n"
            "(unreadable files, different schemas, no pair in common).\n",
            DEFAULT_THRESHOLD);
}

/* A figure for the table: ns with two decimals, bytes in binary units,
 * ratios in percent. */
static void format_value(char *buf, size_t len, double v, const struct pb_compare_row *r)
{
    if (isnan(v)) {
        snprintf(buf, len, "-");
    } else if (strcmp(r->figure, "ns/op") == 0) {
        snprintf(buf, len, "%.2f", v);
    } else if (r->is_bytes) {
        static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
        int u = 0;
        while (u < 4 && fabs(v) >= 1024) {
            v /= 1024;
            u++;
        }
        snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", v, units[u]);
    } else {
        snprintf(buf, len, "%.1f %%", 100 * v);
    }
}

static void format_change(char *buf, size_t len, const struct pb_compare_row *r)
{
    if (isnan(r->base) || isnan(r->new_value))
        snprintf(buf, len, "-");
    else if (!r->is_bytes && strcmp(r->figure, "ns/op") != 0)
        snprintf(buf, len, "%+.1f pt", 100 * (r->new_value - r->base));
    else if (r->base == 0)
        snprintf(buf, len, r->new_value == 0 ? "=" : "new");
    else
        snprintf(buf, len, "x%.3f", r->new_value / r->base);
}

static void print_report(const struct pb_compare_report *rep, const char *base,
                         const char *new_path, double threshold)
{
    pb_text_line(stdout, "base: %s", base);
    pb_text_line(stdout, "new:  %s", new_path);
    printf("threshold: %g%%\n\n", threshold);
    int wb = 8, ww = 9; /* column widths: the longest backend and workload, as shown */
    char sb[4 * PB_LABEL_MAX], sw[4 * PB_LABEL_MAX];
    for (size_t i = 0; i < rep->n; i++) {
        int lb = (int)strlen(pb_text_safe(rep->rows[i].backend, sb, sizeof sb));
        int lw = (int)strlen(pb_text_safe(rep->rows[i].workload, sw, sizeof sw));
        wb = lb > wb ? lb : wb;
        ww = lw > ww ? lw : ww;
    }
    printf("%-*s %-*s %-22s %12s %12s %9s  %-34s %s\n", wb, "backend", ww, "workload", "figure",
           "base", "new", "new/base", "test", "verdict");
    for (size_t i = 0; i < rep->n; i++) {
        const struct pb_compare_row *r = &rep->rows[i];
        char b[32], n[32], c[32];
        format_value(b, sizeof b, r->base, r);
        format_value(n, sizeof n, r->new_value, r);
        format_change(c, sizeof c, r);
        printf("%-*s %-*s %-22s %12s %12s %9s  %-34s %s\n", wb,
               pb_text_safe(r->backend, sb, sizeof sb), ww,
               pb_text_safe(r->workload, sw, sizeof sw), r->figure, b, n, c, r->test, r->verdict);
    }
    printf("\n%zu pairs compared", rep->pairs);
    if (rep->only_base || rep->only_new)
        printf(" (%zu runs only in base, %zu only in new)", rep->only_base, rep->only_new);
    printf("; %zu regression%s\n", rep->regressions, rep->regressions == 1 ? "" : "s");
}

/* Parse the flags; -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, double *threshold)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {"threshold", required_argument, NULL, 't'},
        {NULL, 0, NULL, 0},
    };
    int c;
    static const struct pb_opts rules = {"h", longopts, NULL, NULL};
    unsigned seen = 0;
    uint64_t number = 0;
    while ((c = getopt_long(argc, argv, rules.optstring, longopts, NULL)) != -1) {
        char oerr[160];
        if (pb_opt_check(&rules, c, optarg, &seen, &number, oerr, sizeof oerr)) {
            fprintf(stderr, "poolbench compare: %s\n", oerr);
            return PB_EXIT_USAGE;
        }
        if (c == 'h') {
            usage(stdout);
            return PB_EXIT_OK;
        }
        if (c == 't') {
            char *end;
            *threshold = strtod(optarg, &end);
            /* decimal only: digits and a point (no sign, blank, hex, exponent, inf or nan) */
            if (end == optarg || *end || strspn(optarg, "0123456789.") != strlen(optarg) ||
                !(*threshold >= 0) || isinf(*threshold)) {
                pb_text_line(stderr, "poolbench compare: --threshold wants a percentage >= 0 in "
                                "decimal (5, 2.5), not '%s'", optarg);
                return PB_EXIT_USAGE;
            }
            continue;
        }
        usage(stderr);
        return PB_EXIT_USAGE;
    }
    if (argc - optind != 2) {
        fprintf(stderr, "poolbench compare: want two results files, BASE and NEW (got %d)\n",
                argc - optind);
        return PB_EXIT_USAGE;
    }
    return -1;
}

int pb_cmd_compare(int argc, char **argv)
{
    double threshold = DEFAULT_THRESHOLD;
    int rc = parse_args(argc, argv, &threshold);
    if (rc >= 0)
        return rc;
    char err[1024];
    struct pb_results_file base, new_file;
    if (pb_results_read(argv[optind], &base, err, sizeof err)) {
        pb_text_line(stderr, "poolbench compare: %s", err);
        return PB_EXIT_USAGE;
    }
    if (pb_results_read(argv[optind + 1], &new_file, err, sizeof err)) {
        pb_text_line(stderr, "poolbench compare: %s", err);
        pb_results_file_free(&base);
        return PB_EXIT_USAGE;
    }
    struct pb_compare_report rep;
    if (pb_compare(&base, &new_file, threshold, &rep, err, sizeof err)) {
        pb_text_line(stderr, "poolbench compare: %s", err);
        rc = PB_EXIT_USAGE;
    } else {
        print_report(&rep, base.path, new_file.path, threshold);
        rc = rep.regressions ? PB_EXIT_FAIL : PB_EXIT_OK;
        pb_compare_report_free(&rep);
    }
    pb_results_file_free(&base);
    pb_results_file_free(&new_file);
    return rc;
}
