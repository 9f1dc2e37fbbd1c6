/*
 * results_test.h -- helpers shared by the tests that read results files
 * through report/ (test_compare.c, test_plot_export.c). Include after
 * cmocka.h.
 */
#ifndef PB_RESULTS_TEST_H
#define PB_RESULTS_TEST_H

#include <string.h>

#include "results_read.h"

/* The run of backend on workload in f, to read or change (the test fails if
 * there is none). */
static inline cJSON *rt_run_of(const struct pb_results_file *f, const char *backend,
                               const char *workload)
{
    cJSON *run;
    cJSON_ArrayForEach(run, f->runs) {
        if (strcmp(cJSON_GetObjectItem(run, "backend")->valuestring, backend) == 0 &&
            strcmp(pb_run_workload_name(run), workload) == 0)
            return run;
    }
    fail_msg("no run %s on %s", backend, workload);
    return NULL;
}

#endif /* PB_RESULTS_TEST_H */
