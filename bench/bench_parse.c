/*
 * bench_parse.c -- how fast traces load: MB/s of the text parser, and the
 * time to load the same trace's binary .pbt twin.
 *
 *   bench_parse [--events N] [--runs R] [--keep] [FILE]
 *
 * Without FILE it writes a synthetic trace of N events (default 10 million:
 * a working set of 100 000 blocks with address-like ids, random sizes, 45 %
 * allocs, 45 % frees, 10 % reallocs) to a temporary file. It then times R
 * runs (default 5) of pb_workload_load on the text file (read, SHA-256,
 * parse, build, figures), of pb_workload_parse_text on the bytes already in
 * memory (parse, build, figures only), and of pb_workload_load on the .pbt
 * twin, and prints the median, min and max of each.
 */
#include "pb_workload.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Write a synthetic trace of n events to f. */
static int generate(FILE *f, uint64_t n)
{
    enum { WORKING_SET = 100000 };
    uint64_t *live = malloc(WORKING_SET * sizeof *live);
    if (!live)
        return -1;
    uint64_t s = 0x9e3779b97f4a7c15ULL, n_live = 0, counter = 0;
    fprintf(f, "poolbench-trace 1\n# bench_parse synthetic trace\n");
    for (uint64_t i = 0; i < n; i++) {
        uint64_t r = next(&s) % 100;
        uint64_t size = 8 + (next(&s) % 64) * (next(&s) % 64);
        if (n_live == 0 || (r < 45 && n_live < WORKING_SET)) {
            uint64_t id = 0x7f0000000000ULL + (++counter) * 48;
            live[n_live++] = id;
            fprintf(f, "a %llu %llu\n", (unsigned long long)id, (unsigned long long)size);
        } else if (r < 90 || n_live == WORKING_SET) {
            uint64_t k = next(&s) % n_live;
            fprintf(f, "f %llu\n", (unsigned long long)live[k]);
            live[k] = live[--n_live];
        } else {
            uint64_t k = next(&s) % n_live;
            fprintf(f, "r %llu %llu\n", (unsigned long long)live[k], (unsigned long long)size);
        }
    }
    free(live);
    return ferror(f) ? -1 : 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void report(const char *what, double *t, int runs, double mb)
{
    qsort(t, (size_t)runs, sizeof *t, cmp_double);
    double med = t[runs / 2];
    printf("%-34s median %8.3f s  (min %.3f, max %.3f)", what, med, t[0], t[runs - 1]);
    if (mb > 0)
        printf("  %7.1f MB/s", mb / med);
    printf("\n");
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

struct bench_opts {
    uint64_t n_events;
    int runs;
    int keep;
    const char *path; /* NULL: generate one */
};

/* Parse the command line into o; 0, or 2 after printing the usage. */
static int parse_args(int argc, char **argv, struct bench_opts *o)
{
    static const struct option longopts[] = {
        {"events", required_argument, NULL, 'n'},
        {"runs", required_argument, NULL, 'r'},
        {"keep", no_argument, NULL, 'k'},
        {NULL, 0, NULL, 0},
    };
    int c;
    *o = (struct bench_opts){.n_events = 10000000, .runs = 5};
    while ((c = getopt_long(argc, argv, "n:r:k", longopts, NULL)) != -1) {
        if (c == 'n')
            o->n_events = strtoull(optarg, NULL, 10);
        else if (c == 'r')
            o->runs = atoi(optarg);
        else if (c == 'k')
            o->keep = 1;
        else {
            fprintf(stderr, "usage: bench_parse [--events N] [--runs R] [--keep] [FILE]\n");
            return 2;
        }
    }
    if (o->runs < 1 || o->runs > 100)
        o->runs = 5;
    o->path = optind < argc ? argv[optind] : NULL;
    return 0;
}

/* Time `runs` loads of path into t[]; the last load's record count in *n. */
static int time_loads(const char *path, int runs, double *t, size_t *n, struct pb_diag *diag)
{
    struct pb_workload w;
    for (int i = 0; i < runs; i++) {
        double t0 = now();
        if (pb_workload_load(path, &w, diag)) {
            pb_diag_print(diag, stderr);
            return 1;
        }
        t[i] = now() - t0;
        *n = w.n_records;
        pb_workload_free(&w);
    }
    return 0;
}

/* Time `runs` parses of the bytes in memory; the last one stays in *w. */
static int time_parses(const char *path, const char *bytes, size_t len, int runs, double *t,
                       struct pb_workload *w, struct pb_diag *diag)
{
    for (int i = 0; i < runs; i++) {
        double t0 = now();
        if (pb_workload_parse_text(path, bytes, len, w, diag))
            return 1;
        t[i] = now() - t0;
        if (i < runs - 1)
            pb_workload_free(w);
    }
    return 0;
}

/* Write w as a .pbt twin, free w, and time `runs` loads of the twin. */
static int time_binary(struct pb_workload *w, int runs, double *t, struct pb_diag *diag)
{
    char pbt_path[80], err[256];
    snprintf(pbt_path, sizeof pbt_path, "/tmp/bench_parse.%d.pbt", (int)getpid());
    int rc = pb_workload_write_binary(w, pbt_path, err, sizeof err);
    pb_workload_free(w);
    if (rc) {
        fprintf(stderr, "bench_parse: %s\n", err);
        return 1;
    }
    size_t n = 0;
    rc = time_loads(pbt_path, runs, t, &n, diag);
    unlink(pbt_path);
    return rc;
}

/* Time the three loads of the trace at path (len bytes, already read). */
static int run_bench(const char *path, const char *bytes, size_t len, int runs)
{
    double mb = (double)len / 1e6, t[100];
    struct pb_diag *diag = calloc(1, sizeof *diag);
    struct pb_workload w = {0};
    size_t n_records = 0;
    int rc = !diag || time_loads(path, runs, t, &n_records, diag);
    if (!rc) {
        printf("trace %s: %.1f MB, %zu events\n", path, mb, n_records);
        report("load text (read+sha256+parse)", t, runs, mb);
        rc = time_parses(path, bytes, len, runs, t, &w, diag);
    }
    if (!rc) {
        report("parse text in memory", t, runs, mb);
        rc = time_binary(&w, runs, t, diag);
    }
    if (!rc)
        report("load .pbt (map+crc+check+sha256)", t, runs, 0);
    free(diag);
    return rc;
}

int main(int argc, char **argv)
{
    struct bench_opts o;
    if (parse_args(argc, argv, &o))
        return 2;
    char text_path[64] = "/tmp/bench_parse.XXXXXX";
    const char *path = o.path;
    if (!path) {
        int fd = mkstemp(text_path);
        FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
        if (!f || generate(f, o.n_events) || fclose(f)) {
            fprintf(stderr, "bench_parse: cannot write %s\n", text_path);
            return 1;
        }
        path = text_path;
    }
    size_t len = 0;
    char *bytes = slurp(path, &len);
    int rc = 1;
    if (bytes)
        rc = run_bench(path, bytes, len, o.runs);
    else
        fprintf(stderr, "bench_parse: cannot read %s\n", path);
    if (path == text_path && !o.keep)
        unlink(text_path);
    else if (path == text_path)
        printf("kept %s\n", text_path);
    free(bytes);
    return rc;
}
