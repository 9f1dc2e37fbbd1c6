/*
 * measure.h -- the memory pass: one extra replay, never timed, that samples
 * live, granted, footprint, resident and occupied bytes every N events and
 * right after the workload's peak of live bytes, then derives the memory
 * figures of results.md. Resident bytes come from the kernel: mincore() over
 * the backend's own mappings (PB_BK_OWN_MAPPINGS), otherwise the process's
 * anonymous RSS (/proc/self/smaps_rollup) against a baseline taken just
 * before the replay. Occupied pages come from an occupancy tracker the replay
 * updates at every alloc, free, realloc and reset (occupancy.h), so a sample
 * costs O(1) in the number of live blocks. Figures that cannot be measured
 * are flagged, with a note saying why.
 */
#ifndef PB_MEASURE_H
#define PB_MEASURE_H

#include <stddef.h>
#include <stdint.h>

#include "pb_backend.h"
#include "pb_workload.h"
#include "replay.h"

/* One timeline sample, taken after `event` events had been replayed. */
struct pb_mem_sample {
    uint64_t event;           /* events replayed so far (1..n_records) */
    uint64_t live_bytes;      /* sum of requested sizes of live blocks */
    uint64_t granted_bytes;   /* backend stats */
    uint64_t footprint_bytes; /* backend stats */
    uint64_t resident_bytes;  /* kernel */
    uint64_t occupied_bytes;  /* page size x pages overlapping a live block */
};

#define PB_MEASURE_NOTES 8
#define PB_NOTE_LEN 200

/* The memory figures of one run; *_ok says whether a group was measured. */
struct pb_memory {
    int granted_ok;                  /* granted_bytes_at_peak */
    uint64_t granted_bytes_at_peak;
    int internal_ok;                 /* internal_fragmentation */
    double internal_fragmentation;
    int footprint_ok;                /* peak_footprint_bytes */
    uint64_t peak_footprint_bytes;
    int fragmentation_ok;            /* fragmentation */
    double fragmentation;
    int resident_ok;                 /* resident, occupied, wasted (at the first
                                        sample where resident reached its peak) */
    uint64_t peak_resident_bytes;
    uint64_t occupied_page_bytes_at_peak;
    uint64_t wasted_page_bytes;
    uint64_t resident_bytes_at_end, occupied_page_bytes_at_end, wasted_page_bytes_at_end;
    uint64_t max_wasted_page_bytes;  /* largest resident - occupied over all samples */
    uint64_t resident_bytes_at_live_peak;    /* at the sample right after the live peak */
    uint64_t wasted_page_bytes_at_live_peak; /* resident - occupied there */
    double mean_wasted_page_bytes;   /* resident - occupied, averaged over the samples */
    const char *resident_method;     /* "mincore", "smaps_rollup" or "mincore+smaps_rollup"
                                        (NULL when not measured) */
    int peak_rss_ok;
    uint64_t peak_rss_bytes;
    int allocator_resident_ok;       /* the backend's stats give resident_bytes */
    uint64_t allocator_peak_resident_bytes; /* most of the allocator's own resident figure,
                                        minus its value before the replay (beside the kernel's) */
    uint64_t peak_live_bytes;        /* the workload's, copied for the ratios */
    double pass_seconds;             /* wall time of the whole memory pass (setup, replay,
                                        samples, release): what the untimed pass costs */
    struct pb_class_stats *classes;  /* backend's class_stats at the live peak (pb_hmem) */
    size_t classes_cap;              /* rows classes has room for */
    size_t n_classes;                /* rows kept in classes */
    size_t n_classes_all;            /* rows the backend had (more than kept: truncated) */
    int classes_ok;                  /* the backend has class_stats and the peak was sampled */
    struct pb_mem_sample *timeline;  /* n_timeline samples (pb_hmem: never malloc'd) */
    size_t timeline_cap;             /* samples timeline has room for */
    size_t n_timeline;
    char notes[PB_MEASURE_NOTES][PB_NOTE_LEN];
    int n_notes;
};

/* Run the memory pass of w against a fresh instance (ops, self), which it
 * leaves empty. sample_every 0 means n_records / 200 (at least 1).
 * 0 ok; -1 when the backend refused event *fail_event, or out of memory
 * (*fail_event = SIZE_MAX). Free out->timeline with pb_memory_free. */
int pb_measure_run(const struct pb_backend_ops *ops, void *self, const struct pb_workload *w,
                   enum pb_touch touch, size_t sample_every, struct pb_memory *out,
                   size_t *fail_event);

/* Release what pb_measure_run allocated. */
void pb_memory_free(struct pb_memory *m);

/* Add a note to m (dropped when full). */
void pb_memory_note(struct pb_memory *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Bytes of the backend's mappings resident in RAM, by mincore(); -1 on error. */
int pb_resident_of_mappings(const struct pb_backend_ops *ops, void *self, uint64_t *out);

/* The process's anonymous resident bytes (smaps_rollup "Anonymous:"); -1 on error. */
int pb_anon_rss(uint64_t *out);

/* The process's peak RSS in bytes (VmHWM, else getrusage); -1 on error. */
int pb_peak_rss(uint64_t *out);

#endif /* PB_MEASURE_H */
