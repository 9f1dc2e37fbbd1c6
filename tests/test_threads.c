/* test_threads.c -- --threads: per-thread instances or a shared one, the
 * per-thread figures, producer/consumer frees, refusals decided from flags. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "hand_workloads.h"
#include "runner.h"
#include "threads.h"

/* n blocks allocated, then freed in another order, then n more left live. */
static struct pb_workload *churn(uint32_t n)
{
    struct pb_workload *w = tw_new("threads");
    for (uint32_t s = 0; s < n; s++)
        tw_add(w, PB_OP_ALLOC, s, 48);
    for (uint32_t s = 0; s < n; s += 2)
        tw_add(w, PB_OP_FREE, s, 48);
    for (uint32_t s = 1; s < n; s += 2)
        tw_add(w, PB_OP_FREE, s, 48);
    for (uint32_t s = 0; s < n; s++)
        tw_add(w, PB_OP_ALLOC, s, 32);
    tw_figures(w);
    return w;
}

static int run_threads(const char *backend, struct pb_workload *w, unsigned threads,
                       int cross_free, struct pb_run_result *res)
{
    struct pb_backend_spec spec;
    char err[256];
    assert_int_equal(pb_backend_spec_parse(backend, &spec, err, sizeof err), 0);
    struct pb_run_job job = {.backend = &spec, .workload = w, .repeat = 3, .warmup = 1,
                             .touch = PB_TOUCH_PAGES, .threads = threads,
                             .cross_free = cross_free};
    return pb_run_one(&job, res);
}

static void per_thread_instances_count_one_copy_each(void **state)
{
    (void)state;
    struct pb_workload *w = churn(500);
    struct pb_run_result res;
    assert_int_equal(run_threads("pool", w, 2, 0, &res), 0);
    assert_true(res.ok);
    assert_int_equal(res.threads, 2);
    assert_int_equal(res.n_ns, 3);
    assert_true(res.per_thread_instances);
    for (unsigned t = 0; t < 2; t++) {
        assert_int_equal(res.thread_allocs[t], w->fig.allocs);
        assert_int_equal(res.thread_frees[t], w->fig.frees);
    }
    for (unsigned i = 0; i < res.n_ns; i++) {
        uint64_t longest = 0;
        for (unsigned t = 0; t < 2; t++) {
            uint64_t ns = res.thread_ns[i * 2 + t];
            assert_true(ns > 0);
            longest = ns > longest ? ns : longest;
        }
        assert_true(res.ns[i] >= longest); /* the wall covers every thread */
    }
    pb_run_result_free(&res);
    tw_free(w);
}

/* A pool with a malloc fallback has no free_all: the blocks the trace leaves
 * live are released by one free each after a replay, and those frees are
 * the harness's, not the thread's. */
static void release_frees_are_not_the_threads(void **state)
{
    (void)state;
    struct pb_workload *w = churn(500); /* ends with 500 blocks live */
    struct pb_run_result res;
    assert_int_equal(run_threads("pool:fallback=malloc", w, 2, 0, &res), 0);
    assert_true(res.ok);
    assert_true(res.per_thread_instances);
    for (unsigned t = 0; t < 2; t++) {
        assert_int_equal(res.thread_allocs[t], w->fig.allocs);
        assert_int_equal(res.thread_frees[t], w->fig.frees);
    }
    pb_run_result_free(&res);
    tw_free(w);
}

static void thread_safe_backend_is_shared(void **state)
{
    (void)state;
    struct pb_workload *w = churn(500);
    struct pb_run_result res;
    assert_int_equal(run_threads("malloc", w, 3, 0, &res), 0);
    assert_true(res.ok);
    assert_int_equal(res.threads, 3);
    assert_false(res.per_thread_instances);
    assert_int_equal(res.n_ns, 3);
    pb_run_result_free(&res);
    tw_free(w);
}

static void cross_free_runs_with_malloc_and_null(void **state)
{
    (void)state;
    /* more blocks than an inbox holds, so producers wait for room */
    struct pb_workload *w = churn(20000);
    struct pb_run_result res;
    assert_int_equal(run_threads("malloc", w, 3, 1, &res), 0);
    assert_true(res.ok);
    assert_int_equal(res.n_ns, 3);
    pb_run_result_free(&res);
    /* null's own instances take the handed-over frees: each counts one copy's */
    assert_int_equal(run_threads("null", w, 2, 1, &res), 0);
    assert_true(res.per_thread_instances);
    for (unsigned t = 0; t < 2; t++)
        assert_int_equal(res.thread_frees[t], w->fig.frees);
    pb_run_result_free(&res);
    tw_free(w);
}

static void cross_free_refused_by_per_thread_backends(void **state)
{
    (void)state;
    struct pb_workload *w = churn(10);
    struct pb_run_result res;
    assert_int_equal(run_threads("pool", w, 2, 1, &res), -1);
    assert_false(res.ok);
    assert_string_equal(res.error,
                        "pool is not thread-safe: it cannot free blocks allocated by another "
                        "thread");
    pb_run_result_free(&res);
    char msg[256];
    assert_int_equal(pb_threads_refusal(pb_backend_find("arena"), 2, 1, msg, sizeof msg), -1);
    assert_non_null(strstr(msg, "arena is not thread-safe"));
    assert_int_equal(pb_threads_refusal(pb_backend_find("arena"), 2, 0, msg, sizeof msg), 0);
    assert_int_equal(pb_threads_refusal(pb_backend_find("malloc"), 2, 1, msg, sizeof msg), 0);
    tw_free(w);
}

static void refusal_in_a_thread_fails_the_run(void **state)
{
    (void)state;
    struct pb_workload *w = tw_new("big");
    tw_add(w, PB_OP_ALLOC, 0, 16);
    tw_add(w, PB_OP_ALLOC, 1, 5000);
    tw_figures(w);
    struct pb_backend_spec spec;
    char err[256];
    assert_int_equal(pb_backend_spec_parse("pool:chunk=64", &spec, err, sizeof err), 0);
    struct pb_run_job job = {.backend = &spec, .workload = w, .repeat = 1, .threads = 2};
    struct pb_run_result res;
    memset(&res, 0, sizeof res);
    /* the timed passes alone: the memory pass would have refused it first */
    assert_int_equal(pb_threads_timed(&job, &res), -1);
    if (!strstr(res.error, "thread ") || !strstr(res.error, "a of 5000 bytes") ||
        !strstr(res.error, "refused by pool:chunk=64: ")) /* the whole spec */
        fail_msg("unexpected error: %s", res.error);
    pb_run_result_free(&res);
    tw_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(per_thread_instances_count_one_copy_each),
        cmocka_unit_test(release_frees_are_not_the_threads),
        cmocka_unit_test(thread_safe_backend_is_shared),
        cmocka_unit_test(cross_free_runs_with_malloc_and_null),
        cmocka_unit_test(cross_free_refused_by_per_thread_backends),
        cmocka_unit_test(refusal_in_a_thread_fails_the_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
