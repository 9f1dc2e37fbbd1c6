/*
 * test_signals.c -- pb_signals: a SIGINT, SIGTERM or SIGHUP removes the
 * temporary of an output being written and ends the process by that signal;
 * in catch mode it is recorded (and forwarded), and the output commits; an
 * ignored signal stays ignored; a child of pb_signals_fork dies with its
 * parent, even a SIGKILLed one, and a forwarded child (gnuplot writing the
 * temporary) is ended before the temporary is removed.
 *
 * Each case runs in a forked process of its own, since the handler is
 * process-wide and a signal in cleanup mode ends the process.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "file_test.h"
#include "pb_outfile.h"
#include "pb_signals.h"

/* Longer than any case can take: a child that should have died and did not
 * fails the test (and is killed) instead of hanging it. */
#define GUARD_SECONDS 30

static void remove_dir(const char *dir)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static int wait_status(pid_t pid)
{
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

/* In a child: open path, write half of it, get sig, then finish it if still alive. */
static void write_interrupted(const char *path, int sig, int catching)
{
    char err[256];
    if (pb_signals_init() != 0)
        _exit(10);
    pb_signals_catch(catching);
    struct pb_outfile o;
    if (pb_outfile_open(&o, path, err, sizeof err) != 0)
        _exit(11);
    fputs("first half\n", o.f);
    raise(sig);
    fputs("second half\n", o.f);
    if (pb_outfile_commit(&o, err, sizeof err) != 0)
        _exit(12);
    _exit(pb_signals_caught() == sig ? 0 : 13);
}

static void signal_removes_the_temporary(void **state)
{
    (void)state;
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        char dir[64], path[128], buf[64];
        ft_make_dir(dir, sizeof dir, "pb-test-signals");
        snprintf(path, sizeof path, "%s/out.txt", dir);
        ft_write_file(path, "old\n");
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
            write_interrupted(path, sigs[i], 0);
        int status = wait_status(pid);
        assert_true(WIFSIGNALED(status)); /* ended by the signal itself */
        assert_int_equal(WTERMSIG(status), sigs[i]);
        assert_int_equal(ft_count_entries(dir), 1); /* no out.txt.tmp.* */
        assert_string_equal(ft_read_file(path, buf, sizeof buf), "old\n");
        remove_dir(dir);
    }
}

static void caught_signal_lets_the_output_commit(void **state)
{
    (void)state;
    char dir[64], path[128], buf[64];
    ft_make_dir(dir, sizeof dir, "pb-test-signals");
    snprintf(path, sizeof path, "%s/out.txt", dir);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        write_interrupted(path, SIGTERM, 1);
    int status = wait_status(pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(ft_count_entries(dir), 1);
    assert_string_equal(ft_read_file(path, buf, sizeof buf), "first half\nsecond half\n");
    remove_dir(dir);
}

static void ignored_signal_stays_ignored(void **state)
{
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGHUP, SIG_IGN); /* as under nohup */
        pb_signals_init();
        raise(SIGHUP);
        pid_t child = pb_signals_fork(SIGKILL, 0); /* and in a child */
        if (child == 0) {
            raise(SIGHUP);
            _exit(0);
        }
        int status = 0;
        waitpid(child, &status, 0);
        _exit(WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1);
    }
    int status = wait_status(pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* The forked child has the default dispositions back, not the parent's handler. */
static void child_gets_default_dispositions(void **state)
{
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        pb_signals_init();
        pb_signals_catch(1);
        pid_t child = pb_signals_fork(SIGKILL, 0);
        if (child == 0) {
            raise(SIGTERM); /* with the parent's handler it would only be recorded */
            _exit(0);
        }
        int status = 0;
        waitpid(child, &status, 0);
        _exit(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM ? 0 : 1);
    }
    int status = wait_status(pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* A signal caught in catch mode reaches the child forked with forward = 1. */
static void caught_signal_is_forwarded(void **state)
{
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        alarm(GUARD_SECONDS);
        pb_signals_init();
        pb_signals_catch(1);
        int ready[2];
        if (pipe(ready) != 0)
            _exit(2);
        pid_t child = pb_signals_fork(SIGKILL, 1);
        if (child == 0) {
            close(ready[0]);
            close(ready[1]); /* the parent reads EOF: the child is set up */
            for (;;)
                pause();
        }
        close(ready[1]);
        char c;
        while (read(ready[0], &c, 1) > 0)
            ;
        kill(getpid(), SIGTERM); /* from a process (SI_USER), not the terminal */
        int status = 0;
        if (pb_signals_reap(child, &status) != 0)
            _exit(3);
        _exit(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM &&
                      pb_signals_caught() == SIGTERM
                  ? 0
                  : 1);
    }
    int status = wait_status(pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* Cleanup mode with a forwarded child (gnuplot writing our temporary): the
 * child is killed and reaped before the temporary is removed. */
static void signal_ends_the_writing_child_first(void **state)
{
    (void)state;
    char dir[64], path[128], err[256];
    ft_make_dir(dir, sizeof dir, "pb-test-signals");
    snprintf(path, sizeof path, "%s/chart.png", dir);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        pb_signals_init();
        struct pb_outfile o;
        if (pb_outfile_open(&o, path, err, sizeof err) != 0)
            _exit(11);
        pid_t child = pb_signals_fork(SIGKILL, 1);
        if (child == 0) {
            for (;;)
                pause();
        }
        if (write(fds[1], &child, sizeof child) != (ssize_t)sizeof child)
            _exit(12);
        raise(SIGTERM);
        _exit(13);
    }
    close(fds[1]);
    pid_t child = 0;
    assert_int_equal(read(fds[0], &child, sizeof child), (ssize_t)sizeof child);
    close(fds[0]);
    int status = wait_status(pid);
    int child_left = kill(child, 0) == 0; /* reaped by the handler: no such process */
    if (child_left)
        kill(child, SIGKILL);
    assert_false(child_left);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGTERM);
    assert_int_equal(ft_count_entries(dir), 0);
    remove_dir(dir);
}

/* The middle process forks a child that, once set up (pb_signals_fork has
 * returned in it), reports its pid and waits forever; the middle waits
 * itself until it is killed. */
static void middle_process(int report)
{
    pid_t child = pb_signals_fork(SIGKILL, 0);
    if (child == 0) {
        pid_t self = getpid();
        if (write(report, &self, sizeof self) != (ssize_t)sizeof self)
            _exit(2);
        for (;;)
            pause();
    }
    close(report);
    for (;;)
        pause();
}

static void child_dies_with_a_killed_parent(void **state)
{
    (void)state;
    /* orphans come to this process, so it can see how the child ended */
    assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t middle = fork();
    assert_true(middle >= 0);
    if (middle == 0) {
        close(fds[0]);
        middle_process(fds[1]);
    }
    close(fds[1]);
    pid_t child = 0;
    assert_int_equal(read(fds[0], &child, sizeof child), (ssize_t)sizeof child);
    close(fds[0]);
    kill(middle, SIGKILL);
    assert_true(WIFSIGNALED(wait_status(middle)));
    int status = 0;
    pid_t got = 0;
    for (int i = 0; i < GUARD_SECONDS * 10 && got == 0; i++) {
        got = waitpid(child, &status, WNOHANG);
        if (got == 0)
            usleep(100000);
    }
    if (got == 0) { /* still running: end it, then fail */
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
    }
    prctl(PR_SET_CHILD_SUBREAPER, 0);
    assert_int_equal(got, child);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGKILL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(signal_removes_the_temporary),
        cmocka_unit_test(caught_signal_lets_the_output_commit),
        cmocka_unit_test(ignored_signal_stays_ignored),
        cmocka_unit_test(child_gets_default_dispositions),
        cmocka_unit_test(caught_signal_is_forwarded),
        cmocka_unit_test(signal_ends_the_writing_child_first),
        cmocka_unit_test(child_dies_with_a_killed_parent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
