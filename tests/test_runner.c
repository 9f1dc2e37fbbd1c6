/* test_runner.c -- one run: the passes in order, repeats counted, refusals described. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "runner.h"
#include "hand_workloads.h"

static void run_counts_repeats_and_measures(void **state)
{
    (void)state;
    struct pb_workload *w = tw_new("runner");
    for (uint32_t s = 0; s < 300; s++)
        tw_add(w, PB_OP_ALLOC, s, 48);
    for (uint32_t s = 0; s < 300; s += 2)
        tw_add(w, PB_OP_FREE, s, 48);
    tw_figures(w);
    struct pb_backend_spec spec;
    char err[256];
    assert_int_equal(pb_backend_spec_parse("pool:chunk=64", &spec, err, sizeof err), 0);
    struct pb_run_job job = {.backend = &spec, .workload = w, .repeat = 3, .warmup = 2,
                             .touch = PB_TOUCH_PAGES, .latency = 1};
    struct pb_run_result res;
    assert_int_equal(pb_run_one(&job, &res), 0);
    assert_true(res.ok);
    assert_int_equal(res.n_ns, 3);
    assert_true(res.mem_done && res.lat_done);
    assert_true(res.mem.internal_fragmentation == 0.25);
    assert_int_equal(res.lat.alloc.count, 300);
    pb_run_result_free(&res);
    tw_free(w);
}

static void refusal_names_the_line_and_size(void **state)
{
    (void)state;
    struct pb_workload w;
    struct pb_diag diag;
    memset(&w, 0, sizeof w);
    memset(&diag, 0, sizeof diag);
    assert_int_equal(pb_workload_load(PB_TESTDATA "/run_large.trace", &w, &diag), 0);
    struct pb_backend_spec spec;
    char err[256];
    /* the whole spec, as given with ',', written with ':' */
    assert_int_equal(pb_backend_spec_parse("pool:chunk=64,slab=16k", &spec, err, sizeof err), 0);
    struct pb_run_job job = {.backend = &spec, .workload = &w, .repeat = 1};
    struct pb_run_result res;
    assert_int_equal(pb_run_one(&job, &res), -1);
    assert_false(res.ok);
    if (!strstr(res.error, "run_large.trace:4: a of 5000 bytes") ||
        !strstr(res.error, "refused by pool:chunk=64:slab=16k: "))
        fail_msg("unexpected error: %s", res.error);
    pb_run_result_free(&res);
    pb_workload_free(&w);
}

static void synthetic_refusal_names_the_event(void **state)
{
    (void)state;
    struct pb_workload *w = tw_new("synthetic");
    tw_add(w, PB_OP_ALLOC, 0, 16);
    tw_add(w, PB_OP_ALLOC, 1, 100);
    tw_figures(w);
    char msg[300];
    pb_describe_failure(w, 1, "pool", "too big", msg, sizeof msg);
    assert_string_equal(msg, "synthetic: event 1: a of 100 bytes (align 16) refused by pool: too big");
    tw_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(run_counts_repeats_and_measures),
        cmocka_unit_test(refusal_names_the_line_and_size),
        cmocka_unit_test(synthetic_refusal_names_the_event),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
