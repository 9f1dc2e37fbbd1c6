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

/* Format bytes as "512 B", "12.0 KiB", "3.4 MiB", "1.2 GiB" into out. */
void pb_human_bytes(double bytes, char *out, size_t len);

/* Print the table of doc's runs to f. */
void pb_summary_print(const cJSON *doc, FILE *f);

#endif /* PB_SUMMARY_H */
