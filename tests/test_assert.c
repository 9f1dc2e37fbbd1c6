/* test_assert.c -- pb_assert (allocators/pb_assert.h): in a PB_DEBUG_ASSERT
 * build a false invariant aborts, naming the place and the condition; in any
 * other build the condition is not even evaluated. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pb_assert.h"

static void true_invariant_passes(void **state)
{
    (void)state;
    int n = 1;
    pb_assert(n == 1);
    assert_int_equal(n, 1);
}

/* In a child: a false pb_assert with a side effect; stderr into a pipe. */
static void false_invariant(void **state)
{
    (void)state;
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fd[1], 2);
        close(fd[0]);
        int n = 0;
        pb_assert(++n == 0);
        _exit(n == 0 ? 3 : 4); /* 3: not evaluated */
    }
    close(fd[1]);
    char text[512] = "";
    size_t got = 0;
    ssize_t r;
    while ((r = read(fd[0], text + got, sizeof text - 1 - got)) > 0)
        got += (size_t)r;
    close(fd[0]);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
#ifdef PB_DEBUG_ASSERT
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
    assert_non_null(strstr(text, "poolbench: internal invariant broken at "));
    assert_non_null(strstr(text, "test_assert.c:"));
    assert_non_null(strstr(text, ": ++n == 0"));
#else
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 3);
    assert_string_equal(text, "");
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(true_invariant_passes),
        cmocka_unit_test(false_invariant),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
