/*
 * fuzz_job_file.c -- libFuzzer target for the two ways a user names a
 * synthetic workload: a JSON job file (pb_job_check: cJSON, the job fields,
 * every param through the same reader as a spec's key=value text, and each
 * generator's cross-checks) and a --workload spec string (pb_gen_parse).
 *
 * Generating is left out: a valid job may ask for 10^9 events, which is a
 * long run, not a bug. A refused job must come with a message naming the
 * file; a spec that parses must give back the same parameters when its full
 * form (the `params` a results file records) is parsed again.
 */
#include "pb_generators.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static void check_job(const unsigned char *data, size_t size, const uint64_t *seed)
{
    char err[512] = "";
    size_t n = 0;
    int rc = pb_job_check((const char *)data, size, "job.json", seed, &n, err, sizeof err);
    if (rc == 0 && n == 0)
        abort();
    if (rc != 0 && strncmp(err, "job.json", 8) != 0)
        abort();
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
