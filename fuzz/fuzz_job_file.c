/*
 * fuzz_job_file.c -- libFuzzer target for the two ways a user names a
 * synthetic workload: a JSON job file (pb_job_check: pb_json_parse, the job
 * fields, every param through the same reader as a spec's key=value text,
 * each generator's cross-checks and the size estimate) and a --workload spec
 * string (pb_gen_parse).
 *
 * A refused job must come with a message naming the file; a spec that parses
 * must give back the same parameters when its full form (the `params` a
 * results file records) is parsed again. What passes a small limit
 * (fuzz_limits) is generated too, through the same estimate the commands
 * use, so a job asking for 10^16 events is refused without allocating, and
 * whatever is generated must stay within its estimate (records, peak live
 * blocks and bytes): the estimate is a bound, never an underestimate.
 */
#include "pb_generators.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* Small enough that every generated input takes well under a millisecond. The
 * live-bytes limit costs no memory here (nothing is replayed); it is low
 * enough that gc's exact count of its peak (done only beyond the limit) runs. */
static const struct pb_gen_limits fuzz_limits = {
    .max_events = 20000,
    .max_live_bytes = (uint64_t)64 << 20,
    .live_bytes_given = 1,
};

/* Generate finished args that pass the fuzz limits; abort when the workload
 * exceeds its own estimate. */
static void generate_within(const struct pb_gen_args *a)
{
    struct pb_gen_estimate e;
    char err[512];
    if (pb_gen_check_limits(a, &fuzz_limits, &e, err, sizeof err) != 0)
        return;
    struct pb_workload w;
    if (pb_gen_build(a, NULL, &w, err, sizeof err) != 0) {
        fprintf(stderr, "generation failed: %s\n", err);
        abort();
    }
    if (w.n_records > e.records || w.fig.peak_live_blocks > e.live_blocks ||
        w.fig.peak_live_bytes > e.live_bytes) {
        fprintf(stderr, "%s: %zu records, %llu blocks, %llu bytes exceed the estimate\n", w.params,
                w.n_records, (unsigned long long)w.fig.peak_live_blocks,
                (unsigned long long)w.fig.peak_live_bytes);
        abort();
    }
    pb_workload_free(&w);
}

static void check_job(const unsigned char *data, size_t size, const uint64_t *seed)
{
    char err[512] = "";
    size_t n = 0;
    /* checks only, never generates */
    int rc = pb_job_check((const char *)data, size, "job.json", seed, &fuzz_limits, &n, err,
                          sizeof err);
    if (rc == 0 && n == 0)
        abort();
    if (rc != 0 && strncmp(err, "job.json", 8) != 0)
        abort();
    struct pb_gen_job *jobs = NULL;
    if (pb_job_prepare((const char *)data, size, "job.json", seed, &fuzz_limits, &jobs, &n, err,
                       sizeof err) != 0)
        return;
    for (size_t k = 0; k < n; k++) {
        struct pb_gen_args a;
        if (pb_gen_parse(jobs[k].params, NULL, &a, err, sizeof err) != 0) {
            fprintf(stderr, "'%s' does not parse: %s\n", jobs[k].params, err);
            abort();
        }
        generate_within(&a);
    }
    pb_gen_jobs_free(jobs, n);
}

static void check_spec(const unsigned char *data, size_t size, const uint64_t *seed)
{
    char *spec = malloc(size + 1);
    if (!spec)
        return;
    memcpy(spec, data, size);
    spec[size] = '\0';
    struct pb_gen_args a, b;
    char err[512];
    if (pb_gen_parse(spec, seed, &a, err, sizeof err) == 0) {
        char full[2048], again[2048];
        if (pb_gen_format(&a, 1, full, sizeof full) >= sizeof full)
            abort();
        if (pb_gen_parse(full, NULL, &b, err, sizeof err) != 0) {
            fprintf(stderr, "'%s' does not parse: %s\n", full, err);
            abort();
        }
        pb_gen_format(&b, 1, again, sizeof again);
        if (strcmp(full, again) != 0)
            abort();
        generate_within(&a);
    }
    free(spec);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    uint64_t seed = 7;
    const uint64_t *global_seed = size % 2 ? &seed : NULL;
    check_job(data, size, global_seed);
    check_spec(data, size, global_seed);
    return 0;
}
