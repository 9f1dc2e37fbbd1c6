/*
 * cmd_compare.c -- `poolbench compare BASE.json NEW.json [--alpha P]
 * [--threshold PCT] [--min-effect PCT]`: prints the settings that differ and
 * every compared figure, and exits 1 when one regressed, so that it can gate
 * a CI job.
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

static void usage(FILE *f)
{
    fprintf(f,
            "usage: poolbench compare BASE.json NEW.json [--alpha P] [--threshold PCT]\n"
            "                         [--min-effect PCT]\n\n"
            "Compares every (backend with its options, workload) pair present in both\n"
            "results files. Time: the samples are the rounds (one fresh process each);\n"
            "a two-sided Mann-Whitney U test on them (exact without ties and up to 30 a\n"
            "side, else normal with tie correction). ns/op changed means significant\n"
            "(p < P) AND medians apart by more than the minimum effect; a regression is\n"
            "changed and slower. With too few rounds to ever reach p < P (5 and 5 at\n"
            "P = 0.01, 4 and 4 at 0.05) the row says \"too few rounds\" and is never\n"
            "changed. Files from before rounds (no time.rounds) are compared on their\n"
            "replays, with a note: replays in one process are not independent rounds.\n"
            "Memory figures are single values: changed when larger (smaller) by more than\n"
            "PCT percent and by more than one page; internal fragmentation by more than\n"
            "PCT percentage points; Johnstone-Wilson fragmentation f when 1+f moves by\n"
            "more than PCT percent. A run that failed only in NEW regressed. Settings\n"
            "that change figures and differ between the files (config, tool, machine,\n"
            "backend_config, workload params) are listed before the table.\n\n"
            "  --alpha P         significance level of the time test, 0 < P < 1\n"
            "                    (default %g)\n"
            "  --threshold PCT   the smallest change that counts, percent, for time and\n"
            "                    memory (default %g)\n"
            "  --min-effect PCT  for time only, instead of --threshold\n\n"
            "On a shared or loaded machine a whole run can shift by 2x against an\n"
            "identical one: give a larger --min-effect there. docs/compare.md explains\n"
            "the defaults and the false-alarm rates measured on identical runs.\n\n"
            "Exit status: 0 nothing regressed (faster or smaller is not a failure); 1\n"
            "something regressed; 2 bad usage or input (unreadable files, different\n"
            "schemas, no pair in common).\n",
            PB_COMPARE_ALPHA, PB_COMPARE_THRESHOLD);
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

/* What the reader must know before the table: the rules, the settings that
 * differ, and files whose samples are replays rather than rounds. */
static void print_header(const struct pb_compare_report *rep, const char *base,
                         const char *new_path, const struct pb_compare_opts *o)
{
    pb_text_line(stdout, "base: %s", base);
    pb_text_line(stdout, "new:  %s", new_path);
    printf("time: changed when p < %g and the medians differ by more than %g%%\n", o->alpha,
           o->min_effect_pct);
    printf("memory: changed when it differs by more than %g%% (bytes: and more than one page)\n",
           o->threshold_pct);
    if (rep->n_settings) {
        printf("\nthese files were made with different settings (figures may differ for that "
               "alone):\n");
        for (size_t i = 0; i < rep->n_settings; i++)
            pb_text_line(stdout, "  %s: %s (base) vs %s (new)", rep->settings[i].what,
                         rep->settings[i].base, rep->settings[i].new_value);
    }
    if (rep->base_replays || rep->new_replays) {
        char which[96] = "";
        if (rep->base_replays)
            snprintf(which, sizeof which, "base (%zu runs)%s", rep->base_replays,
                     rep->new_replays ? " and " : "");
        if (rep->new_replays)
            snprintf(which + strlen(which), sizeof which - strlen(which), "new (%zu runs)",
                     rep->new_replays);
        printf("\nnote: in %s the samples are the replays of one process, not\n"
               "independent rounds (a file from before rounds): the test takes them as\n"
               "independent, so it finds changes that the next run may not repeat\n", which);
    }
    printf("\n");
}

static void print_report(const struct pb_compare_report *rep, const char *base,
                         const char *new_path, const struct pb_compare_opts *o)
{
    print_header(rep, base, new_path, o);
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
    printf("\n%zu pairs; %zu figures: %zu compared, %zu changed, %zu regression%s\n", rep->pairs,
           rep->n, rep->compared, rep->changed, rep->regressions,
           rep->regressions == 1 ? "" : "s");
    if (rep->only_base || rep->only_new)
        printf("%zu runs only in base, %zu only in new (not compared)\n", rep->only_base,
               rep->only_new);
}

/* A decimal number (digits and a point: no sign, blank, hex, exponent, inf or
 * nan) into *out. 0 ok; -1 when value is not one. */
static int parse_decimal(const char *value, double *out)
{
    char *end;
    *out = strtod(value, &end);
    if (end == value || *end || strspn(value, "0123456789.") != strlen(value) || isinf(*out))
        return -1;
    return 0;
}

/* One option's value into opts; -1 to go on, else the exit status. */
static int take_value(int c, const char *value, struct pb_compare_opts *o, int *min_effect_given)
{
    double v;
    int bad = parse_decimal(value, &v);
    if (c == 'a' && (bad || !(v > 0 && v < 1))) {
        pb_text_line(stderr, "poolbench compare: --alpha wants a level between 0 and 1 in "
                             "decimal (0.01, 0.05), not '%s'", value);
        return PB_EXIT_USAGE;
    }
    if (c != 'a' && bad) {
        pb_text_line(stderr, "poolbench compare: --%s wants a percentage >= 0 in decimal (5, "
                             "2.5), not '%s'", c == 't' ? "threshold" : "min-effect", value);
        return PB_EXIT_USAGE;
    }
    if (c == 'a')
        o->alpha = v;
    if (c == 'm')
        *min_effect_given = 1;
    if (c == 'm' || (c == 't' && !*min_effect_given))
        o->min_effect_pct = v;
    if (c == 't')
        o->threshold_pct = v;
    return -1;
}

/* Parse the flags; -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, struct pb_compare_opts *o)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {"alpha", required_argument, NULL, 'a'},
        {"threshold", required_argument, NULL, 't'},
        {"min-effect", required_argument, NULL, 'm'},
        {NULL, 0, NULL, 0},
    };
    int c, min_effect_given = 0, rc;
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
        if (c != 'a' && c != 't' && c != 'm') {
            usage(stderr);
            return PB_EXIT_USAGE;
        }
        if ((rc = take_value(c, optarg, o, &min_effect_given)) >= 0)
            return rc;
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
    struct pb_compare_opts opts = pb_compare_defaults();
    int rc = parse_args(argc, argv, &opts);
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
    if (pb_compare(&base, &new_file, &opts, &rep, err, sizeof err)) {
        pb_text_line(stderr, "poolbench compare: %s", err);
        rc = PB_EXIT_USAGE;
    } else {
        print_report(&rep, base.path, new_file.path, &opts);
        rc = rep.regressions ? PB_EXIT_FAIL : PB_EXIT_OK;
        pb_compare_report_free(&rep);
    }
    pb_results_file_free(&base);
    pb_results_file_free(&new_file);
    return rc;
}
