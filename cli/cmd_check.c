/*
 * cmd_check.c -- `poolbench check [--json] FILE...`: validates traces (text,
 * gzip'd text or binary .pbt) and prints their figures.
 *
 * Every file is loaded (and so checked) before anything goes to stdout, so
 * an invalid file never leaves partial output: its problems go to stderr as
 * FILE:LINE: message, and with --json nothing at all is printed on stdout.
 */
#include "pb_cli.h"
#include "pb_text.h"
#include "pb_workload.h"
#include "pb_workload_json.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: poolbench check [--json] FILE...\n\n"
               "Validates each trace file (v1 text, .gz or binary .pbt) against the trace\n"
               "format rules and prints its figures. Problems are printed as FILE:LINE: message\n"
               "(up to 20 per file). With --json, prints the workload object of the results\n"
               "schema (one object for one file, an array for several). Exit status 0 when\n"
               "every file is valid, 2 otherwise.\n");
}

/* At most this many threads get a line of their own in the summary. */
#define THREADS_LISTED 16

/* "N (P% of the M frees)", or just "0" when there are none of the kind. */
static void print_share(const char *what, uint64_t n, uint64_t of, const char *kind)
{
    if (of == 0)
        printf("%s 0", what);
    else
        printf("%s %llu (%.1f%% of %llu %s)", what, (unsigned long long)n,
               100.0 * (double)n / (double)of, (unsigned long long)of, kind);
}

/* The thread figures of a trace whose events are not all thread 0's. */
static int print_threads(const struct pb_workload *w)
{
    const struct pb_workload_figures *f = &w->fig;
    struct pb_thread_figures *t;
    size_t n;
    if (pb_workload_thread_figures(w, &t, &n) != 0)
        return -1;
    printf("  threads     %llu; ", (unsigned long long)f->threads);
    print_share("cross-thread frees", f->cross_thread_frees, f->frees, "frees");
    print_share(", reallocs", f->cross_thread_reallocs, f->reallocs, "reallocs");
    printf("\n  chain       %llu of %llu steps on the longest dependency chain\n",
           (unsigned long long)f->longest_chain,
           (unsigned long long)(f->events + f->resets));
    for (size_t i = 0; i < n && i < THREADS_LISTED; i++) {
        printf("  thread %-5u %llu events (allocs %llu, frees %llu, reallocs %llu)", t[i].tid,
               (unsigned long long)t[i].events, (unsigned long long)t[i].allocs,
               (unsigned long long)t[i].frees, (unsigned long long)t[i].reallocs);
        if (t[i].resets)
            printf(", resets %llu", (unsigned long long)t[i].resets);
        if (t[i].cross_thread_frees || t[i].cross_thread_reallocs)
            printf(", cross-thread frees %llu, reallocs %llu",
                   (unsigned long long)t[i].cross_thread_frees,
                   (unsigned long long)t[i].cross_thread_reallocs);
        putchar('\n');
    }
    if (n > THREADS_LISTED)
        printf("  ... and %zu more threads\n", n - THREADS_LISTED);
    free(t);
    return 0;
}

static int print_summary(const struct pb_workload *w)
{
    const struct pb_workload_figures *f = &w->fig;
    pb_text_line(stdout, "%s: ok", w->path);
    printf("  events      %llu (allocs %llu, frees %llu, reallocs %llu), resets %llu\n",
           (unsigned long long)f->events, (unsigned long long)f->allocs,
           (unsigned long long)f->frees, (unsigned long long)f->reallocs,
           (unsigned long long)f->resets);
    printf("  peak live   %llu bytes, %llu blocks\n", (unsigned long long)f->peak_live_bytes,
           (unsigned long long)f->peak_live_blocks);
    printf("  at end      %llu blocks, %llu bytes still live\n",
           (unsigned long long)f->live_blocks_at_end, (unsigned long long)f->live_bytes_at_end);
    printf("  requested   %llu bytes in all\n", (unsigned long long)f->total_requested_bytes);
    printf("  slots %u, tags %u\n", w->n_slots, w->n_tags);
    if (w->tids && print_threads(w) != 0)
        return -1;
    printf("  sha256      %s\n", w->sha256);
    return 0;
}

/* Load every file; the JSON object (json) or the summary (text) of each valid one. */
static int check_files(char **files, int n, int json, cJSON *out)
{
    int bad = 0;
    for (int i = 0; i < n; i++) {
        struct pb_workload w;
        struct pb_diag *diag = calloc(1, sizeof *diag);
        if (!diag) {
            fprintf(stderr, "poolbench check: out of memory\n");
            return -1;
        }
        if (pb_workload_load(files[i], &w, diag) != 0) {
            pb_diag_print(diag, stderr);
            bad = 1;
        } else if (json) {
            cJSON *o = pb_workload_to_json(&w);
            if (!o) {
                fprintf(stderr, "poolbench check: out of memory\n");
                bad = 1;
            } else {
                cJSON_AddItemToArray(out, o);
            }
            pb_workload_free(&w);
        } else {
            if (print_summary(&w) != 0) {
                fprintf(stderr, "poolbench check: out of memory\n");
                bad = 1;
            }
            pb_workload_free(&w);
        }
        free(diag);
    }
    return bad ? -1 : 0;
}

int pb_cmd_check(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int json = 0, c;
    while ((c = getopt_long(argc, argv, "jh", longopts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return PB_EXIT_OK;
        }
        if (c != 'j') {
            usage(stderr);
            return PB_EXIT_USAGE;
        }
        json = 1;
    }
    int n = argc - optind;
    if (n < 1) {
        fprintf(stderr, "poolbench check: no trace file given\n");
        usage(stderr);
        return PB_EXIT_USAGE;
    }
    cJSON *all = json ? cJSON_CreateArray() : NULL;
    if (json && !all)
        return PB_EXIT_USAGE;
    int rc = check_files(argv + optind, n, json, all);
    if (rc == 0 && json) {
        cJSON *doc = n == 1 ? cJSON_DetachItemFromArray(all, 0) : all;
        char *s = cJSON_Print(doc);
        if (s) {
            pb_text_json(stdout, s);
            putchar('\n');
        } else {
            rc = -1;
        }
        free(s);
        if (doc != all)
            cJSON_Delete(doc);
    }
    cJSON_Delete(all);
    if (fflush(stdout) != 0)
        rc = -1;
    return rc == 0 ? PB_EXIT_OK : PB_EXIT_USAGE;
}
