/* test_job.c -- the one codec of a run job (engine/job.h): what the runner
 * writes as `poolbench __child` arguments reads back as the same job. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "job.h"

/* argv for the decoder: the command name first, as getopt wants it. */
static int decode(struct pb_job_argv *a, struct pb_job_decoded *d, char *err, size_t len)
{
    char *argv[PB_JOB_ARGV_MAX + 1];
    argv[0] = "__child";
    for (int i = 0; i < a->argc; i++)
        argv[i + 1] = a->argv[i];
    argv[a->argc + 1] = NULL;
    return pb_run_job_from_argv(a->argc + 1, argv, d, err, len);
}

static void every_field_round_trips(void **state)
{
    (void)state;
    struct pb_backend_spec spec;
    char err[256];
    assert_int_equal(pb_backend_spec_parse("pool:chunk=48:slab=64k", &spec, err, sizeof err), 0);
    struct pb_workload w;
    memset(&w, 0, sizeof w);
    snprintf(w.name, sizeof w.name, "churn:size=48");
    w.path = "/tmp/a trace with spaces.trace";
    const struct pb_run_job jobs[] = {
        {.backend = &spec, .workload = &w, .repeat = 7, .warmup = 2, .touch = PB_TOUCH_FULL,
         .sample_every = 12345, .latency = 1, .threads = 4, .cross_free = 1,
         .pass = PB_PASS_TIME, .cpu = 1},
        {.backend = &spec, .workload = &w, .repeat = 1, .warmup = 0, .touch = PB_TOUCH_NONE,
         .sample_every = 0, .latency = 0, .threads = 1, .cross_free = 0,
         .pass = PB_PASS_MEMORY, .cpu = -1},
    };
    for (size_t i = 0; i < sizeof jobs / sizeof jobs[0]; i++) {
        const struct pb_run_job *j = &jobs[i];
        struct pb_job_argv a;
        assert_int_equal(pb_run_job_to_argv(j, 3, 4, &a), 0);
        struct pb_job_decoded d;
        assert_int_equal(decode(&a, &d, err, sizeof err), 0);
        assert_int_equal(d.result_fd, 3);
        assert_string_equal(d.pbt, "/proc/self/fd/4");
        assert_string_equal(d.name, w.name);
        assert_string_equal(d.path, w.path);
        assert_string_equal(d.spec.text, spec.text);
        assert_ptr_equal(d.job.backend, &d.spec);
        assert_int_equal(d.job.repeat, j->repeat);
        assert_int_equal(d.job.warmup, j->warmup);
        assert_int_equal(d.job.touch, j->touch);
        assert_int_equal(d.job.sample_every, j->sample_every);
        assert_int_equal(d.job.latency, j->latency);
        assert_int_equal(d.job.threads, j->threads);
        assert_int_equal(d.job.cross_free, j->cross_free);
        assert_int_equal(d.job.pass, j->pass);
        assert_int_equal(d.job.cpu, j->cpu);
    }
}

static void bad_arguments_are_refused(void **state)
{
    (void)state;
    struct pb_job_decoded d;
    char err[256];
    char *missing[] = {"__child", "--fd", "3", "--backend", "pool", NULL};
    assert_int_equal(pb_run_job_from_argv(5, missing, &d, err, sizeof err), -1);
    assert_string_equal(err, "--pbt is required");
    char *range[] = {"__child", "--fd", "3", "--pbt", "x", "--backend", "pool", "--pass", "9", NULL};
    assert_int_equal(pb_run_job_from_argv(9, range, &d, err, sizeof err), -1);
    assert_non_null(strstr(err, "--pass '9'"));
    char *unknown[] = {"__child", "--fd", "3", "--pbt", "x", "--backend", "nosuch", NULL};
    assert_int_equal(pb_run_job_from_argv(7, unknown, &d, err, sizeof err), -1);
    assert_non_null(strstr(err, "unknown backend 'nosuch'"));
    char *extra[] = {"__child", "--fd", "3", "--pbt", "x", "--backend", "pool", "left", NULL};
    assert_int_equal(pb_run_job_from_argv(8, extra, &d, err, sizeof err), -1);
    assert_string_equal(err, "unexpected argument 'left'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_field_round_trips),
        cmocka_unit_test(bad_arguments_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
