/*
 * record_launch.c -- starting the program of `poolbench record` under the
 * recorder: finding libpbrecord.so, building LD_PRELOAD, checking that the
 * command can be run at all, and the fork + exec with a close-on-exec pipe
 * through which the child reports an exec that failed (the parent reads EOF
 * when the exec succeeded).
 */
#include "record.h"

#include "pb_paths.h"
#include "program.h"
#include "pb_record_list.h"
#include "pb_signals.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *record_follow_name(enum record_follow f)
{
    return f == RECORD_FOLLOW_NONE ? "none" : f == RECORD_FOLLOW_EXEC ? "exec" : "all";
}

int record_find_library(const char *libdir, char *out, size_t cap)
{
    return pb_find_own_library(RECORD_LIBNAME, "PB_RECORD_LIB", libdir, out, cap);
}

static int is_asan_runtime(const char *entry, size_t len)
{
    static const char *const names[] = {"libasan", "libclang_rt.asan"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t k = strlen(names[i]);
        for (size_t j = 0; j + k <= len; j++)
            if (memcmp(entry + j, names[i], k) == 0)
                return 1;
    }
    return 0;
}

char *record_make_preload(const char *lib)
{
    const char *old = getenv("LD_PRELOAD");
    size_t oldlen = old ? strlen(old) : 0;
    size_t cap = strlen(lib) + 2 * oldlen + 4;
    char *asan = calloc(1, cap), *rest = calloc(1, cap), *out = calloc(1, cap);
    if (!asan || !rest || !out) {
        free(asan);
        free(rest);
        free(out);
        return NULL;
    }
    for (const char *p = old; p && *p;) {
        size_t len = strcspn(p, ": ");
        if (len) {
            char *dst = is_asan_runtime(p, len) ? asan : rest;
            if (dst[0])
                strcat(dst, ":");
            strncat(dst, p, len);
        }
        p += len;
        p += strspn(p, ": ");
    }
    snprintf(out, cap, "%s%s%s%s%s", asan, asan[0] ? ":" : "", lib, rest[0] ? ":" : "", rest);
    free(asan);
    free(rest);
    return out;
}

int record_check_command(const char *cmd)
{
    char path[PATH_MAX];
    return pb_program_find(cmd, path, sizeof path);
}

/* In the child: report why it did not start, then end. */
static void child_fail(int fd, int stage)
{
    struct record_launch_error le = {stage, errno};
    ssize_t w;
    do
        w = write(fd, &le, sizeof le);
    while (w < 0 && errno == EINTR);
    _exit(127);
}

/* In the child: set the environment and exec cmd; never returns. */
static void run_child(const struct record_env *e, char **cmd, int fd)
{
    char pid[32], depth[16];
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    snprintf(depth, sizeof depth, "%d", e->sites);
    if (setenv("LD_PRELOAD", e->preload, 1) != 0 || setenv(PB_RECORD_ENV_OUT, e->out, 1) != 0 ||
        setenv(PB_RECORD_ENV_FIRST, pid, 1) != 0 || setenv(PB_RECORD_ENV_LIST, e->list, 1) != 0 ||
        setenv(PB_RECORD_ENV_MODE, e->mode, 1) != 0 ||
        setenv(PB_RECORD_ENV_FOLLOW, record_follow_name(e->follow), 1) != 0 ||
        (e->sites ? setenv(PB_RECORD_ENV_SITES, depth, 1) : unsetenv(PB_RECORD_ENV_SITES)) != 0)
        child_fail(fd, 1);
    execvp(cmd[0], cmd);
    child_fail(fd, 2);
}

pid_t record_start(const struct record_env *e, char **cmd, struct record_launch_error *le)
{
    int pfd[2];
    le->stage = 0;
    le->err = 0;
    if (pipe2(pfd, O_CLOEXEC) != 0)
        return -1;
    fflush(NULL);
    pid_t pid = pb_signals_fork(SIGTERM, 1);
    if (pid == 0) {
        close(pfd[0]);
        run_child(e, cmd, pfd[1]);
    }
    int saved = errno;
    close(pfd[1]);
    if (pid > 0) {
        struct record_launch_error got;
        ssize_t n;
        do
            n = read(pfd[0], &got, sizeof got);
        while (n < 0 && errno == EINTR);
        if (n == (ssize_t)sizeof got)
            *le = got; /* EOF (0): the exec succeeded */
    }
    close(pfd[0]);
    errno = saved;
    return pid;
}
