/*
 * verdict.h -- the answer a results document gives, per workload (and thread
 * count): which backend is fastest and which is leanest, by how much over
 * the next, whether the rounds' intervals separate them, and the trade-off
 * when the two differ. Read from the document alone (never the runner's
 * structs), so a verdict is the same for a file made elsewhere.
 *
 * The texts hold names from the file as they are: print them with
 * pb_text_line (terminal) or escape them (HTML).
 */
#ifndef PB_VERDICT_H
#define PB_VERDICT_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdio.h>

#define PB_VERDICT_TEXT 1024

/* One workload's (and thread count's) answer; an empty text: nothing to say. */
struct pb_verdict {
    char subject[256];              /* the workload's name, " (N threads)" when threaded */
    char speed[PB_VERDICT_TEXT];    /* "fastest X, 1.8x faster than Y (1.2-2.5x)", or "no clear winner ..." */
    char memory[PB_VERDICT_TEXT];   /* "leanest X, 64.0 KiB against Y's 80.0 KiB" */
    char tradeoff[PB_VERDICT_TEXT]; /* when the fastest is not the leanest: what speed costs */
    char refused[PB_VERDICT_TEXT];  /* backends that declined the workload */
    char failed[PB_VERDICT_TEXT];   /* backends whose run broke */
    char share[PB_VERDICT_TEXT];    /* whole programs with a replay: allocation's share of runtime */
    char fidelity[PB_VERDICT_TEXT]; /* ... and whether the replay ranks as the program does */
    const cJSON *fastest, *leanest; /* the winning runs; NULL: none, or no clear one */
};

/* The verdicts of doc, one per (workload, threads) in the order the runs first
 * name them: *out (free with free()) and *n. 0, or -1 when out of memory. */
int pb_verdicts(const cJSON *doc, struct pb_verdict **out, size_t *n);

/* The verdicts as lines for the terminal, after the summary table. */
void pb_verdict_print(const cJSON *doc, FILE *f);

#endif /* PB_VERDICT_H */
