/*
 * summary.h -- the readable table `poolbench run` prints: one row per run
 * (backend x workload) with ns/op, net ns/op, peak resident, internal
 * fragmentation and wasted pages, in human units.
 */
#ifndef PB_SUMMARY_H
#define PB_SUMMARY_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdio.h>

/* Longest backend or workload name the table shows in full (longer ones are cut). */
#define PB_SUMMARY_NAME_MAX 160

/* One run's cells as the table shows them ("-": not measured), for the table
 * and for other views of it (the HTML report), so both show the same figures.
 * Names are in shown form (pb_text.h), cut at PB_SUMMARY_NAME_MAX. */
struct pb_summary_row {
    char backend[PB_SUMMARY_NAME_MAX];  /* the whole spec, " xN" for N threads, " xfree" */
    char workload[PB_SUMMARY_NAME_MAX]; /* the workload's name */
    char ns[32];         /* warm ns/op, the median over the rounds: "2.84" */
    char spread[16];     /* half the interval against the median, "12%"; "" without one */
    int noisy;           /* the interval is wider than 10 % of the median */
    char net[32];        /* "+0.10"; "~0" within noise, "<0" below the baseline, "n/a" */
    char cold[32];       /* cold ns/op: the first replay of each process */
    char faults[32];     /* minor page faults per 1000 ops, warm */
    char sys[32];        /* system share of CPU time, warm: "12 %" */
    char resident[32];   /* peak resident memory: "64.0 KiB" */
    char frag[32];       /* internal fragmentation at the live peak: "11.1 %" */
    char wasted[32];     /* wasted page bytes at the resident peak */
    const char *status;  /* "ok", "refused" (an answer) or "FAILED" (a breakage) */
    const char *reason;  /* a refused or failed run's error, as in the file; NULL: none */
};

/* The cells of run into row (pointers into run: keep it alive). */
void pb_summary_row(const cJSON *run, struct pb_summary_row *row);

/* A run's status cell: "ok", "refused" or "FAILED". */
const char *pb_summary_status(const cJSON *run);

/* Format bytes as "512 B", "12.0 KiB", "3.4 MiB", "1.2 GiB" into out. */
void pb_human_bytes(double bytes, char *out, size_t len);

/* Print the table of doc's runs to f. */
void pb_summary_print(const cJSON *doc, FILE *f);

#endif /* PB_SUMMARY_H */
