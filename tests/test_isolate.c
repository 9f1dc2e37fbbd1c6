/* test_isolate.c -- a crash, a hang or an exit in the child costs only that run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "isolate.h"
#include "pb_signals.h"

static char *big_result(void *ctx)
{
    size_t n = *(size_t *)ctx;
    char *s = malloc(n + 1);
    memset(s, 'x', n);
    s[n] = '\0';
    return s;
}

static char *crash(void *ctx)
{
    (void)ctx;
    raise(SIGSEGV);
    return NULL;
}

static char *hang(void *ctx)
{
    (void)ctx;
    for (;;)
        pause();
    return NULL;
}

static char *no_result(void *ctx)
{
    (void)ctx;
    return NULL;
}

static void result_crosses_the_pipe(void **state)
{
    (void)state;
    size_t n = 3u << 20; /* far more than a pipe's buffer */
    char *out = NULL, err[256] = "";
    assert_int_equal(pb_isolate_run(big_result, &n, 0, NULL, &out, err, sizeof err), PB_ISO_OK);
    assert_int_equal(strlen(out), n);
    free(out);
}

static void crash_is_reported_with_its_signal(void **state)
{
    (void)state;
    char *out = NULL, err[256] = "";
    assert_int_equal(pb_isolate_run(crash, NULL, 0, NULL, &out, err, sizeof err), PB_ISO_FAILED);
    assert_null(out);
    assert_non_null(strstr(err, "signal 11"));
    assert_non_null(strstr(err, "Segmentation fault"));
}

static void hang_is_killed_at_the_timeout(void **state)
{
    (void)state;
    char *out = NULL, err[256] = "";
    assert_int_equal(pb_isolate_run(hang, NULL, 1, NULL, &out, err, sizeof err), PB_ISO_FAILED);
    assert_non_null(strstr(err, "timeout"));
}

static void stop_flag_interrupts(void **state)
{
    (void)state;
    char *out = NULL, err[256] = "";
    volatile sig_atomic_t stop = 1;
    assert_int_equal(pb_isolate_run(hang, NULL, 0, &stop, &out, err, sizeof err),
                     PB_ISO_INTERRUPTED);
}

/* The child asks the parent to stop, as `kill -TERM` on poolbench run would. */
static char *terminate_parent(void *ctx)
{
    (void)ctx;
    kill(getppid(), SIGTERM);
    for (;;)
        pause();
    return NULL;
}

static void sigterm_kills_and_reaps_the_child(void **state)
{
    (void)state;
    char *out = NULL, err[256] = "";
    assert_int_equal(pb_signals_init(), 0);
    pb_signals_catch(1);
    assert_int_equal(
        pb_isolate_run(terminate_parent, NULL, 0, pb_signals_flag(), &out, err, sizeof err),
        PB_ISO_INTERRUPTED);
    assert_int_equal(pb_signals_caught(), SIGTERM);
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1); /* reaped: no child, not even a zombie */
    assert_int_equal(errno, ECHILD);
    pb_signals_catch(0);
}

static void missing_result_is_a_failure(void **state)
{
    (void)state;
    char *out = NULL, err[256] = "";
    assert_int_equal(pb_isolate_run(no_result, NULL, 0, NULL, &out, err, sizeof err),
                     PB_ISO_FAILED);
    assert_non_null(strstr(err, "status 3"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(result_crosses_the_pipe),
        cmocka_unit_test(crash_is_reported_with_its_signal),
        cmocka_unit_test(hang_is_killed_at_the_timeout),
        cmocka_unit_test(stop_flag_interrupts),
        cmocka_unit_test(missing_result_is_a_failure),
        cmocka_unit_test(sigterm_kills_and_reaps_the_child),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
