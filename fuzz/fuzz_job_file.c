/*
 * fuzz_job_file.c -- libFuzzer target for the JSON job-file reader
 * (pb_job_check: cJSON, the job fields, every param through the same reader
 * as a spec's key=value text, and each generator's cross-checks).
 *
 * Generating is left out: a valid job may ask for 10^9 events, which is a
 * long run, not a bug. A refused job must come with a message naming the file.
 */
#include "pb_generators.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char err[512] = "";
    size_t n = 0;
    uint64_t seed = 7;
    int rc = pb_job_check((const char *)data, size, "job.json", size % 2 ? &seed : NULL, &n,
                          err, sizeof err);
    if (rc == 0 && n == 0)
        abort();
    if (rc != 0 && strncmp(err, "job.json", 8) != 0)
        abort();
    return 0;
}
