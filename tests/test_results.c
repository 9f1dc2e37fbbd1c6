/* test_results.c -- the results document: header, run objects, net ns/op, atomic write. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pb_stats.h"
#include "results.h"
#include "hand_workloads.h"

static void median_of_odd_and_even(void **state)
{
    (void)state;
    double a[] = {5, 1, 3};
    assert_true(pb_median(a, 3) == 3);
    double b[] = {4, 1, 3, 2};
    assert_true(pb_median(b, 4) == 2.5);
    assert_true(pb_median(b, 0) == 0);
}

static struct pb_run_job job_for(struct pb_workload *w, struct pb_backend_spec *spec)
{
    char err[256];
    assert_int_equal(pb_backend_spec_parse("pool:chunk=48", spec, err, sizeof err), 0);
    struct pb_run_job job = {.backend = spec, .workload = w, .repeat = 2, .warmup = 1,
                             .touch = PB_TOUCH_PAGES};
    return job;
}

static void run_object_has_identity_time_and_net(void **state)
{
    (void)state;
    struct pb_workload *w = tw_new("four");
    for (uint32_t s = 0; s < 4; s++)
        tw_add(w, PB_OP_ALLOC, s, 40);
    tw_figures(w);
    struct pb_backend_spec spec;
    struct pb_run_job job = job_for(w, &spec);
    uint64_t ns[2] = {400, 800}; /* 100 and 200 ns per op */
    struct pb_run_result res = {.ok = 1, .ns = ns, .n_ns = 2};
    cJSON *part = pb_run_part_json(&job, &res);
    struct pb_config_entry cfg[1] = {{"chunk", "48"}};
    cJSON *run = pb_run_json(&spec, cfg, 1, cJSON_CreateObject(), part);
    assert_string_equal(cJSON_GetObjectItem(run, "backend")->valuestring, "pool");
    assert_string_equal(cJSON_GetObjectItem(run, "backend_spec")->valuestring, "pool:chunk=48");
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(run, "backend_config"), "chunk")->valuestring,
        "48");
    assert_string_equal(cJSON_GetObjectItem(run, "status")->valuestring, "ok");
    assert_true(pb_run_median_ns(run) == 150);
    cJSON *t = cJSON_GetObjectItem(run, "time");
    cJSON *ops = cJSON_GetObjectItem(t, "ops_per_sec");
    assert_true(cJSON_GetObjectItem(ops, "max")->valuedouble == 1e7);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(t, "net_ns_per_op")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(run, "memory")));
    cJSON_Delete(run);
    tw_free(w);
}

static void memory_object_carries_the_pass_time(void **state)
{
    (void)state;
    struct pb_workload *w = tw_new("one");
    tw_add(w, PB_OP_ALLOC, 0, 40);
    tw_figures(w);
    struct pb_backend_spec spec;
    struct pb_run_job job = job_for(w, &spec);
    uint64_t ns[1] = {100};
    struct pb_run_result res = {.ok = 1, .ns = ns, .n_ns = 1, .mem_done = 1};
    res.mem.pass_seconds = 2.5;
    cJSON *part = pb_run_part_json(&job, &res);
    cJSON *pass = cJSON_GetObjectItem(cJSON_GetObjectItem(part, "memory"), "pass_seconds");
    assert_true(cJSON_IsNumber(pass));
    assert_true(pass->valuedouble == 2.5);
    cJSON_Delete(part);
    tw_free(w);
}

static void failed_part_carries_the_error(void **state)
{
    (void)state;
    struct pb_workload *w = tw_new("x");
    struct pb_backend_spec spec;
    struct pb_run_job job = job_for(w, &spec);
    cJSON *p = pb_run_failed_part(&job, "crashed: signal 11");
    assert_string_equal(cJSON_GetObjectItem(p, "status")->valuestring, "failed");
    assert_string_equal(cJSON_GetObjectItem(p, "error")->valuestring, "crashed: signal 11");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(p, "time")));
    cJSON_Delete(p);
    tw_free(w);
}

static void document_header_and_atomic_write(void **state)
{
    (void)state;
    cJSON *cfg = cJSON_CreateObject();
    cJSON_AddNumberToObject(cfg, "repeat", 5);
    cJSON *doc = pb_results_new(cfg);
    assert_string_equal(cJSON_GetObjectItem(doc, "schema")->valuestring, "poolbench-results/1");
    assert_true(cJSON_IsArray(cJSON_GetObjectItem(doc, "runs")));
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(doc, "interrupted")));
    cJSON *m = cJSON_GetObjectItem(doc, "machine");
    assert_true(cJSON_GetObjectItem(m, "page_size")->valuedouble == sysconf(_SC_PAGESIZE));
    assert_non_null(strstr(cJSON_GetObjectItem(m, "libc")->valuestring, "glibc"));
    char dir[] = "/tmp/pb-test-results-XXXXXX", path[64], err[256];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/r.json", dir);
    assert_int_equal(pb_results_write(doc, path, err, sizeof err), 0);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    cJSON *back = cJSON_Parse(buf);
    assert_non_null(back);
    assert_true(cJSON_Compare(doc, back, 1));
    cJSON_Delete(back);
    /* nothing but the result is left in the directory: the temporary was renamed */
    DIR *d = opendir(dir);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d)))
        files += e->d_name[0] != '.' || strstr(e->d_name, "tmp") != NULL;
    closedir(d);
    assert_int_equal(files, 1);
    /* a directory that does not exist: an error, and no file */
    snprintf(path, sizeof path, "%s/no/r.json", dir);
    assert_int_equal(pb_results_write(doc, path, err, sizeof err), -1);
    assert_non_null(strstr(err, "no/r.json"));
    snprintf(path, sizeof path, "%s/r.json", dir);
    unlink(path);
    rmdir(dir);
    cJSON_Delete(doc);
}

static void devices_and_fifos_are_written_in_place(void **state)
{
    (void)state;
    char dir[] = "/tmp/pb-test-fifo-XXXXXX", fifo[64], err[256];
    assert_non_null(mkdtemp(dir));
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    pid_t pid = fork();
    if (pid == 0) { /* the reader, draining to end of file */
        FILE *f = fopen(fifo, "r");
        while (f && fgetc(f) != EOF)
            ;
        _exit(0);
    }
    cJSON *doc = pb_results_new(NULL);
    assert_int_equal(pb_results_write(doc, fifo, err, sizeof err), 0);
    int status;
    waitpid(pid, &status, 0);
    struct stat st;
    assert_int_equal(stat(fifo, &st), 0);
    assert_true(S_ISFIFO(st.st_mode)); /* not replaced by a regular file */
    unlink(fifo);
    rmdir(dir);
    cJSON_Delete(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(median_of_odd_and_even),
        cmocka_unit_test(run_object_has_identity_time_and_net),
        cmocka_unit_test(memory_object_carries_the_pass_time),
        cmocka_unit_test(failed_part_carries_the_error),
        cmocka_unit_test(document_header_and_atomic_write),
        cmocka_unit_test(devices_and_fifos_are_written_in_place),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
