/*
 * job.c -- the message for a refused event: where it is in the workload
 * (file and line, or event number), what it asked for, who refused and why.
 */
#include "job.h"

#include <inttypes.h>
#include <stdio.h>

void pb_describe_failure(const struct pb_workload *w, size_t i, const char *backend,
                         const char *reason, char *out, size_t outlen)
{
    if (i >= w->n_records) {
        snprintf(out, outlen, "%s: out of memory in the runner", backend);
        return;
    }
    static const char letters[] = "afrx";
    const struct pb_event *e = &w->events[i];
    char where[200];
    uint64_t line = pb_workload_line(w, i);
    if (line)
        snprintf(where, sizeof where, "%s:%" PRIu64, w->path ? w->path : w->name, line);
    else
        snprintf(where, sizeof where, "%s: event %zu", w->name, i);
    if (e->op == PB_OP_RESET)
        snprintf(out, outlen, "%s: x refused by %s: %s", where, backend, reason);
    else
        snprintf(out, outlen, "%s: %c of %" PRIu64 " bytes (align %u) refused by %s: %s", where,
                 letters[e->op & 3], (uint64_t)e->size, 1u << e->align_log2, backend, reason);
}
