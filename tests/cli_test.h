/*
 * cli_test.h -- helpers shared by the tests that run the poolbench binary
 * (test_cmd_run.c, test_sysalloc.c): a fresh directory for a run's files,
 * the child's stdout and stderr sent into it, and the child's exit status.
 * Include after cmocka.h.
 */
#ifndef PB_CLI_TEST_H
#define PB_CLI_TEST_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

struct ct_dir {
    char path[64];
};

/* A fresh directory under /tmp, named for the test (prefix). */
static inline void ct_dir_make(struct ct_dir *d, const char *prefix)
{
    snprintf(d->path, sizeof d->path, "/tmp/%s-XXXXXX", prefix);
    assert_non_null(mkdtemp(d->path));
}

static inline void ct_dir_remove(struct ct_dir *d)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", d->path);
    assert_int_equal(system(cmd), 0);
}

/* In the child: stdout and stderr into the files stdout and stderr of d. */
static inline void ct_redirect(const struct ct_dir *d)
{
    char out[128], err[128];
    snprintf(out, sizeof out, "%s/stdout", d->path);
    snprintf(err, sizeof err, "%s/stderr", d->path);
    int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int fe = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fo, 1);
    dup2(fe, 2);
}

/* The exit status of the child pid, which must exit (not die by a signal). */
static inline int ct_finish(pid_t pid)
{
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

#endif /* PB_CLI_TEST_H */
