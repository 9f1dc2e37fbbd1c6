/* test_latency.c -- percentiles of single-call timings and the sampled pass. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "latency.h"
#include "backend_test.h"
#include "hand_workloads.h"

static void percentiles_by_nearest_rank(void **state)
{
    (void)state;
    double v[1000];
    for (int i = 0; i < 1000; i++)
        v[i] = (double)(1000 - i); /* 1000 .. 1, unsorted on purpose */
    struct pb_latency_stats s;
    pb_latency_summarize(v, 1000, &s);
    assert_int_equal(s.count, 1000);
    assert_true(s.p50 == 500);
    assert_true(s.p99 == 990);
    assert_true(s.p999 == 999);
    assert_true(s.max == 1000);
    assert_int_equal(s.n_cdf, PB_CDF_POINTS);
    assert_true(s.cdf[PB_CDF_POINTS - 1] == 1000);
    for (size_t i = 1; i < s.n_cdf; i++)
        assert_true(s.cdf[i - 1] <= s.cdf[i]);
}

static void few_samples_keep_them_all(void **state)
{
    (void)state;
    double v[3] = {7, 3, 5};
    struct pb_latency_stats s;
    pb_latency_summarize(v, 3, &s);
    assert_int_equal(s.n_cdf, 3);
    assert_true(s.cdf[0] == 3 && s.cdf[1] == 5 && s.cdf[2] == 7);
    assert_true(s.p50 == 5 && s.max == 7);
    pb_latency_summarize(v, 0, &s);
    assert_int_equal(s.count, 0);
}

static void pass_times_allocs_and_frees(void **state)
{
    (void)state;
    struct pb_workload *w = tw_new("lat");
    for (uint32_t s = 0; s < 500; s++)
        tw_add(w, PB_OP_ALLOC, s, 32);
    for (uint32_t s = 0; s < 500; s++)
        tw_add(w, PB_OP_FREE, s, 32);
    tw_add(w, PB_OP_ALLOC, 0, 32);
    tw_figures(w);
    const struct pb_backend_ops *ops = bt_ops("pool");
    void *self = bt_make(ops, NULL, 0);
    struct pb_latency lat;
    size_t at = 0;
    assert_int_equal(pb_latency_run(ops, self, w, PB_TOUCH_PAGES, &lat, &at), 0);
    assert_int_equal(lat.every, 1); /* small workload: every event */
    assert_int_equal(lat.alloc.count, 501);
    assert_int_equal(lat.free.count, 500);
    assert_true(lat.ns_per_tick > 0);
    assert_true(lat.alloc.p50 <= lat.alloc.p99 && lat.alloc.p99 <= lat.alloc.max);
    struct pb_backend_stats st;
    ops->stats(self, &st);
    assert_int_equal(st.live_blocks, 0); /* the leftover block was released */
    ops->destroy(self);
    tw_free(w);
}

static void pass_reports_a_refusal(void **state)
{
    (void)state;
    struct pb_workload *w = tw_new("lat-refused");
    tw_add(w, PB_OP_ALLOC, 0, 32);
    tw_add(w, PB_OP_ALLOC, 1, 4000); /* more than a 64-byte chunk */
    tw_figures(w);
    const struct pb_backend_ops *ops = bt_ops("pool");
    void *self = bt_make(ops, NULL, 0);
    struct pb_latency lat;
    size_t at = 0;
    assert_int_equal(pb_latency_run(ops, self, w, PB_TOUCH_PAGES, &lat, &at), -1);
    assert_int_equal(at, 1);
    ops->destroy(self);
    tw_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(percentiles_by_nearest_rank),
        cmocka_unit_test(few_samples_keep_them_all),
        cmocka_unit_test(pass_times_allocs_and_frees),
        cmocka_unit_test(pass_reports_a_refusal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
