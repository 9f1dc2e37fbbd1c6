/* test_trace_threads.c -- a trace's threads replayed in threads: the order
 * between threads is kept (the tracker backend, allocators/tracker.c, aborts
 * on a free before its alloc, a slot reused before its free, a block freed by
 * the wrong instance), x is a barrier, per-instance backends are refused on
 * cross-thread frees, a refusal stops every thread, and a stress run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner.h"
#include "trace_threads.h"

/* A trace being written. */
struct text {
    char *buf;
    size_t len, cap;
    int tid;          /* the thread of the last `t` line written */
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct text *t, const char *fmt, ...)
{
    va_list ap;
    if (t->cap - t->len < 128) {
        t->cap = t->cap ? t->cap * 2 : 4096;
        t->buf = realloc(t->buf, t->cap);
        assert_non_null(t->buf);
    }
    va_start(ap, fmt);
    int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    assert_true(n > 0 && (size_t)n < t->cap - t->len);
    t->len += (size_t)n;
}

static void on(struct text *t, int tid)
{
    if (t->tid != tid)
        put(t, "t %d\n", tid);
    t->tid = tid;
}

static struct text text_new(void)
{
    struct text t = {NULL, 0, 0, 0};
    put(&t, "poolbench-trace 1\n");
    return t;
}

static struct pb_workload *parse(struct text *t)
{
    struct pb_workload *w = calloc(1, sizeof *w);
    struct pb_diag diag;
    memset(&diag, 0, sizeof diag);
    assert_non_null(w);
    if (pb_workload_parse_text("gen.trace", t->buf, t->len, w, &diag)) {
        pb_diag_print(&diag, stderr);
        fail();
    }
    snprintf(w->name, sizeof w->name, "gen");
    free(t->buf);
    return w;
}

static void workload_free(struct pb_workload *w)
{
    pb_workload_free(w);
    free(w);
}

/* The timed passes of backend on w, as a timed process runs them: the cold
 * replay, then `repeat` timed ones. */
static int run(const char *backend, const struct pb_workload *w, unsigned repeat,
               struct pb_run_result *res)
{
    struct pb_backend_spec spec;
    char err[256];
    if (pb_backend_spec_parse(backend, &spec, err, sizeof err))
        fail_msg("%s", err);
    struct pb_run_job job = {.backend = &spec, .workload = w, .repeat = repeat, .warmup = 0,
                             .touch = PB_TOUCH_PAGES, .threads = 1, .pass = PB_PASS_TIME,
                             .cpu = -1};
    return pb_run_one(&job, res);
}

/* A log file for the tracker; its path in path. */
static void log_new(char *path, size_t len)
{
    snprintf(path, len, "/tmp/pb_tracker_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
}

/* Frees in the log, and those made by another thread than the alloc. */
static void log_count(const char *path, unsigned *frees, unsigned *cross)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    int a, b;
    *frees = *cross = 0;
    while (fscanf(f, "f %d %d\n", &a, &b) == 2) {
        (*frees)++;
        *cross += a != b;
    }
    fclose(f);
    unlink(path);
}

/* Every timed replay's wall covers each thread's clock, which covers its waits. */
static void check_clocks(const struct pb_run_result *res)
{
    unsigned n = res->trace_threads;
    assert_true(res->n_ns > 0);
    for (unsigned i = 0; i < res->n_ns; i++) {
        for (unsigned k = 0; k < n; k++) {
            assert_true(res->thread_ns[i * n + k] <= res->ns[i]);
            assert_true(res->thread_wait_ns[i * n + k] <= res->thread_ns[i * n + k]);
        }
    }
}

static void data_trace_runs_its_three_threads(void **state)
{
    (void)state;
    struct pb_workload w;
    struct pb_diag diag;
    memset(&diag, 0, sizeof diag);
    assert_int_equal(pb_workload_load(PB_TESTDATA "/threads.trace", &w, &diag), 0);
    assert_true(pb_trace_threads_wanted(&w));
    struct pb_run_result res;
    assert_int_equal(run("tracker:yield=3", &w, 3, &res), 0);
    assert_true(res.ok);
    assert_int_equal(res.trace_threads, 3);
    assert_false(res.per_thread_instances);
    assert_int_equal(res.n_ns, 3);
    assert_true(res.cold_done);
    const uint32_t tids[3] = {0, 1, 2};
    const uint64_t events[3] = {4, 3, 2}; /* a, f and r; the x is every thread's */
    for (unsigned k = 0; k < 3; k++) {
        assert_int_equal(res.thread_tid[k], tids[k]);
        assert_int_equal(res.thread_events[k], events[k]);
    }
    check_clocks(&res);
    pb_run_result_free(&res);
    pb_workload_free(&w);
}

/* Thread 0 allocates (slowly: the tracker yields in every alloc), thread 1
 * frees each block right after: every free waits for its alloc, which the
 * tracker checks (it aborts on a free of NULL or of a block still in its
 * alloc), and the slot a free empties is never taken before that free. */
static void frees_wait_for_allocs_and_slots_for_frees(void **state)
{
    (void)state;
    struct text t = text_new();
    for (int i = 1; i <= 2000; i++) {
        on(&t, 0);
        put(&t, "a %d %d\n", i, 16 + i % 200);
        on(&t, 1);
        put(&t, "f %d\n", i);
    }
    struct pb_workload *w = parse(&t);
    assert_int_equal(w->fig.cross_thread_frees, 2000);
    char log[64], spec[128];
    log_new(log, sizeof log);
    snprintf(spec, sizeof spec, "tracker:yield=2:log=%s", log);
    struct pb_run_result res;
    assert_int_equal(run(spec, w, 2, &res), 0);
    assert_true(res.ok);
    check_clocks(&res);
    unsigned frees, cross;
    log_count(log, &frees, &cross);
    assert_int_equal(frees, 3 * 2000); /* the cold replay and two timed ones */
    assert_int_equal(cross, 3 * 2000); /* every one by the other thread */
    pb_run_result_free(&res);
    workload_free(w);
}

/* Thread 1 frees a block of thread 0 and resizes one of thread 2; the
 * counts in the log follow the trace's cross-thread figures. */
static void cross_thread_frees_are_made_by_the_other_thread(void **state)
{
    (void)state;
    struct text t = text_new();
    for (int i = 0; i < 300; i++) {
        on(&t, 0);
        put(&t, "a %d 32\n", 3 * i + 1);
        on(&t, 2);
        put(&t, "a %d 48\n", 3 * i + 2);
        on(&t, 1);
        put(&t, "f %d\n", 3 * i + 1);
        put(&t, "r %d 80\n", 3 * i + 2);
        on(&t, 2);
        put(&t, "f %d\n", 3 * i + 2);
    }
    struct pb_workload *w = parse(&t);
    assert_int_equal(w->fig.cross_thread_frees, 600);
    assert_int_equal(w->fig.cross_thread_reallocs, 300);
    char log[64], spec[128];
    log_new(log, sizeof log);
    snprintf(spec, sizeof spec, "tracker:log=%s", log);
    struct pb_run_result res;
    assert_int_equal(run(spec, w, 1, &res), 0);
    unsigned frees, cross;
    log_count(log, &frees, &cross);
    /* per replay: 300 f by thread 1, 300 blocks resized by copy (their old
     * block freed by thread 1), 300 f by thread 2 of thread 1's new block */
    assert_int_equal(frees, 2 * 900);
    assert_int_equal(cross, 2 * 900);
    pb_run_result_free(&res);
    workload_free(w);
}

/* A trace with three x: every thread's blocks are freed at each, and the
 * slots they held are taken again by other threads afterwards. */
static struct pb_workload *with_barriers(int cross)
{
    struct text t = text_new();
    int id = 1;
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 200; i++) {
            for (int th = 0; th < 3; th++) {
                on(&t, (th + round) % 3);
                put(&t, "a %d %d\n", id, 24 + 8 * th);
                if (i % 2)
                    put(&t, "f %d\n", id - (cross ? 1 : 0));
                id++;
            }
        }
        on(&t, round % 3);
        put(&t, "x\n");
    }
    return parse(&t);
}

static void x_is_a_barrier_for_every_thread(void **state)
{
    (void)state;
    struct pb_workload *w = with_barriers(1);
    assert_true(w->fig.cross_thread_frees > 0);
    struct pb_run_result res;
    assert_int_equal(run("tracker:yield=1", w, 2, &res), 0);
    assert_true(res.ok);
    check_clocks(&res);
    pb_run_result_free(&res);
    assert_int_equal(run("malloc", w, 2, &res), 0);
    assert_true(res.ok);
    pb_run_result_free(&res);
    workload_free(w);
}

/* Without cross-thread frees, per-thread instances serve the trace: each
 * thread's blocks go back to its own instance (tracker-local checks), at an x too. */
static void per_thread_instances_without_cross_frees(void **state)
{
    (void)state;
    struct pb_workload *w = with_barriers(0);
    assert_int_equal(w->fig.cross_thread_frees, 0);
    struct pb_run_result res;
    assert_int_equal(run("tracker-local:yield=1", w, 2, &res), 0);
    assert_true(res.ok);
    assert_true(res.per_thread_instances);
    uint64_t allocs = 0;
    for (unsigned k = 0; k < res.trace_threads; k++)
        allocs += res.thread_allocs[k];
    assert_int_equal(allocs, w->fig.allocs);
    pb_run_result_free(&res);
    assert_int_equal(run("pool", w, 1, &res), 0);
    assert_true(res.ok);
    pb_run_result_free(&res);
    workload_free(w);
}

/* Two threads that each free their own blocks, alternately: the builder
 * gives a freed slot back to the thread that freed it, so no a waits for the
 * other thread's f, and no thread ever waits. */
static void own_frees_never_wait(void **state)
{
    (void)state;
    struct text t = text_new();
    for (int i = 1; i <= 1000; i++) {
        on(&t, i % 2);
        put(&t, "a %d 32\nf %d\n", i, i);
    }
    struct pb_workload *w = parse(&t);
    assert_int_equal(w->fig.cross_thread_frees, 0);
    assert_int_equal(w->n_slots, 2); /* one slot per thread */
    const char *backends[] = {"tracker-local", "tracker"};
    for (size_t b = 0; b < 2; b++) {
        struct pb_run_result res;
        assert_int_equal(run(backends[b], w, 2, &res), 0);
        for (unsigned i = 0; i < res.n_ns * res.trace_threads; i++) {
            assert_int_equal(res.thread_waits[i], 0);
            assert_int_equal(res.thread_wait_ns[i], 0);
        }
        pb_run_result_free(&res);
    }
    workload_free(w);
}

static void per_instance_backend_refused_on_cross_frees(void **state)
{
    (void)state;
    struct pb_workload w;
    struct pb_diag diag;
    memset(&diag, 0, sizeof diag);
    assert_int_equal(pb_workload_load(PB_TESTDATA "/threads.trace", &w, &diag), 0);
    const char *refused[] = {"pool", "pools", "tracker-local"};
    for (size_t i = 0; i < 3; i++) {
        struct pb_run_result res;
        assert_int_equal(run(refused[i], &w, 1, &res), -1);
        assert_true(res.refused);
        assert_non_null(strstr(res.error, "is not thread-safe"));
        assert_non_null(strstr(res.error, "threads.trace:9: thread 1 frees block 1 of thread 0"));
        pb_run_result_free(&res);
    }
    struct pb_run_result res; /* null's blocks are not memory: the baseline runs */
    assert_int_equal(run("null", &w, 1, &res), 0);
    assert_int_equal(res.trace_threads, 3);
    pb_run_result_free(&res);
    pb_workload_free(&w);
}

/* Thread 1's first alloc is refused while thread 0 waits for thread 1's
 * free of a slot: the refusal is reported, and no thread waits forever. */
static void refusal_stops_every_thread(void **state)
{
    (void)state;
    struct text t = text_new();
    on(&t, 1);
    put(&t, "a 1 100\na 2 16\nf 2\n");
    on(&t, 0);
    put(&t, "a 3 16\nf 3\n");
    struct pb_workload *w = parse(&t);
    struct pb_run_result res;
    assert_int_equal(run("pool:chunk=48", w, 1, &res), -1);
    assert_true(res.refused);
    if (!strstr(res.error, "thread 1: gen:3: a of 100 bytes"))
        fail_msg("%s", res.error);
    pb_run_result_free(&res);
    workload_free(w);
}

static void one_thread_trace_is_not_threaded(void **state)
{
    (void)state;
    struct text t = text_new();
    put(&t, "t 3\na 1 16\nf 1\n");
    struct pb_workload *w = parse(&t);
    assert_false(pb_trace_threads_wanted(w));
    struct pb_run_result res;
    assert_int_equal(run("malloc", w, 1, &res), 0);
    assert_int_equal(res.trace_threads, 0);
    pb_run_result_free(&res);
    workload_free(w);
}

/* Stress: 4 threads, random allocs, frees and resizes of any thread's
 * blocks (most of them cross-thread), a few x. */
static struct pb_workload *stress_trace(unsigned events)
{
    struct text t = text_new();
    uint64_t live[512], rng = 12345;
    unsigned n_live = 0, next = 1;
    for (unsigned i = 0; i < events; i++) {
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        unsigned r = (unsigned)(rng >> 33);
        on(&t, (int)(r % 4));
        if (r % 997 == 0) {
            put(&t, "x\n");
            n_live = 0;
        } else if (n_live < 512 && (n_live < 8 || r % 3 == 0)) {
            live[n_live++] = next;
            put(&t, "a %u %u\n", next++, 8 + (r >> 4) % 300);
        } else {
            unsigned j = (r >> 8) % n_live;
            if (r % 5 == 1) {
                put(&t, "r %llu %u\n", (unsigned long long)live[j], 8 + (r >> 6) % 500);
            } else {
                put(&t, "f %llu\n", (unsigned long long)live[j]);
                live[j] = live[--n_live];
            }
        }
    }
    return parse(&t);
}

static void stress_many_cross_thread_frees(void **state)
{
    (void)state;
    struct pb_workload *w = stress_trace(60000);
    assert_int_equal(w->fig.threads, 4);
    assert_true(w->fig.cross_thread_frees > 10000);
    const char *backends[] = {"tracker", "malloc", "null"};
    for (size_t i = 0; i < 3; i++) {
        struct pb_run_result res;
        assert_int_equal(run(backends[i], w, 2, &res), 0);
        assert_true(res.ok);
        assert_int_equal(res.trace_threads, 4);
        check_clocks(&res);
        pb_run_result_free(&res);
    }
    workload_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(data_trace_runs_its_three_threads),
        cmocka_unit_test(frees_wait_for_allocs_and_slots_for_frees),
        cmocka_unit_test(cross_thread_frees_are_made_by_the_other_thread),
        cmocka_unit_test(x_is_a_barrier_for_every_thread),
        cmocka_unit_test(per_thread_instances_without_cross_frees),
        cmocka_unit_test(own_frees_never_wait),
        cmocka_unit_test(per_instance_backend_refused_on_cross_frees),
        cmocka_unit_test(refusal_stops_every_thread),
        cmocka_unit_test(one_thread_trace_is_not_threaded),
        cmocka_unit_test(stress_many_cross_thread_frees),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
