/* test_program.c -- one run of a whole program: finding it as execvp would,
 * telling a static executable, the figures and the output of a run, an exit
 * status, a crash, a timeout, an exec that fails, and comparing outputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isolate.h"
#include "program.h"

static void test_find(void **state)
{
    (void)state;
    char path[4096];
    assert_int_equal(pb_program_find("sh", path, sizeof path), 0);
    assert_int_equal(path[0], '/');
    assert_int_equal(access(path, X_OK), 0);
    assert_int_equal(pb_program_find("no-such-program-pb", path, sizeof path), ENOENT);
    assert_int_equal(pb_program_find("/", path, sizeof path), EISDIR);
    assert_int_equal(pb_program_find("", path, sizeof path), ENOENT);
    char sh[4096];
    assert_int_equal(pb_program_find("sh", sh, sizeof sh), 0);
    assert_int_equal(pb_program_is_static(sh), 0);
}

/* Run sh -c script; the result (the run must start). */
static struct pb_program_result run_sh(const char *script, unsigned timeout, const char *env)
{
    char sh[4096], err[PB_PROGRAM_ERR_MAX];
    assert_int_equal(pb_program_find("sh", sh, sizeof sh), 0);
    char *argv[] = {"sh", "-c", (char *)script, NULL};
    char *extra[] = {(char *)env, NULL};
    struct pb_program_job job = {.path = sh, .argv = argv, .env_extra = env ? extra : NULL,
                                 .stdin_fd = -1, .cpu = -1, .timeout_sec = timeout};
    struct pb_program_result r;
    assert_int_equal(pb_program_run(&job, &r, err, sizeof err), 0);
    return r;
}

static void test_run_output_and_figures(void **state)
{
    (void)state;
    struct pb_program_result r = run_sh("echo \"$PB_TEST_VAR\"; echo to-stderr >&2", 0,
                                        "PB_TEST_VAR=hello");
    assert_int_equal(r.end, PB_ISO_OK);
    assert_int_equal(r.exited, 1);
    assert_int_equal(r.exit_status, 0);
    assert_int_equal(r.out_bytes, 6);
    /* sha256("hello\n") */
    assert_string_equal(r.out_sha256,
                        "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
    assert_string_equal(r.err_tail, "to-stderr");
    assert_true(r.wall_ns > 0);
    assert_true(r.max_rss_bytes > 0);
    assert_true(r.minor_faults > 0);
    char buf[16] = "";
    assert_int_equal(pread(r.out_fd, buf, sizeof buf - 1, 0), 6);
    assert_string_equal(buf, "hello\n");
    close(r.out_fd);
}

static void test_exit_crash_timeout(void **state)
{
    (void)state;
    struct pb_program_result r = run_sh("exit 7", 0, NULL);
    assert_int_equal(r.end, PB_ISO_OK);
    assert_int_equal(r.exit_status, 7);
    close(r.out_fd);
    r = run_sh("kill -SEGV $$", 0, NULL);
    assert_int_equal(r.end, PB_ISO_FAILED);
    assert_int_equal(r.exited, 0);
    assert_int_equal(r.term_signal, 11);
    close(r.out_fd);
    r = run_sh("sleep 30", 1, NULL);
    assert_int_equal(r.end, PB_ISO_FAILED);
    assert_true(r.wall_ns < 20000000000ull);
    close(r.out_fd);
}

static void test_exec_fails(void **state)
{
    (void)state;
    char *argv[] = {"x", NULL}, err[PB_PROGRAM_ERR_MAX];
    struct pb_program_job job = {.path = "/nonexistent/x", .argv = argv, .stdin_fd = -1, .cpu = -1};
    struct pb_program_result r;
    assert_int_equal(pb_program_run(&job, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot run /nonexistent/x"));
}

static int file_of(const char *text)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    fputs(text, f);
    fflush(f);
    return dup(fileno(f)); /* the FILE is leaked on purpose: the test ends soon */
}

static void test_output_diff(void **state)
{
    (void)state;
    uint64_t line;
    int a = file_of("one\ntwo\nthree\n"), b = file_of("one\ntwo\nthree\n");
    int c = file_of("one\ntwo\nthrEe\n"), d = file_of("one\ntwo\n");
    assert_int_equal(pb_program_output_diff(a, b, &line), -1);
    assert_int_equal(pb_program_output_diff(a, c, &line), 11);
    assert_int_equal(line, 3);
    assert_int_equal(pb_program_output_diff(a, d, &line), 8);
    assert_int_equal(line, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_run_output_and_figures),
        cmocka_unit_test(test_exit_crash_timeout),
        cmocka_unit_test(test_exec_fails),
        cmocka_unit_test(test_output_diff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
