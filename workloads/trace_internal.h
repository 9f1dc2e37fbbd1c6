/*
 * trace_internal.h -- what the loaders of workloads/ share among themselves
 * (not part of the public workload interface).
 */
#ifndef PB_TRACE_INTERNAL_H
#define PB_TRACE_INTERNAL_H

#include "pb_workload.h"

/* The first bytes of a binary .pbt file. */
#define PB_PBT_MAGIC "PBTRACE\0"
#define PB_PBT_MAGIC_LEN 8

/* Parse the text trace read from fd (gzip'd when gz) into out, reporting
 * problems as `path:LINE: message`; sha256_hex gets the digest of the
 * file's bytes as read (compressed, for gz). 0 ok, -1 with diag. */
int pb_text_load_fd(int fd, int gz, const char *path, struct pb_workload *out,
                    struct pb_diag *diag, char sha256_hex[65]);

/* Map and validate the binary .pbt file open on fd. 0 ok, -1 with diag. */
int pb_binary_load_fd(int fd, const char *path, struct pb_workload *out, struct pb_diag *diag);

/* The thread figures of f (threads, cross-thread frees and resizes, longest
 * chain) from w's records, which must be consistent (pb_workload_check calls it
 * last). 0, or -1 when out of memory. */
int pb_workload_thread_pass(const struct pb_workload *w, struct pb_workload_figures *f);

#endif /* PB_TRACE_INTERNAL_H */
