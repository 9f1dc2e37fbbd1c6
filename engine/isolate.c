/*
 * isolate.c -- fork, pipe, poll. The parent reads the pipe while waiting (so
 * a large result never blocks the child on a full pipe), kills the child with
 * SIGKILL at the deadline or when *stop is set, then reaps it and reads its
 * fate from the wait status. The child restores default signal handling, so
 * Ctrl-C stops it and a crash is seen as the signal that caused it, and it
 * dies with the parent (pb_signals_fork), even when the parent is SIGKILLed.
 *
 * The wait is a ppoll with SIGINT, SIGTERM and SIGHUP blocked outside it:
 * a signal that sets *stop just before the wait still ends the wait at once.
 */
#include "isolate.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pb_signals.h"
#include "pb_clock.h"

int pb_write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Default dispositions: a crash must end the child by its signal, even when
 * the parent (a test framework, a sanitizer) installed handlers. (SIGINT,
 * SIGTERM and SIGHUP: pb_signals_fork.) */
static void default_signals(void)
{
    static const int sigs[] = {SIGPIPE, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        signal(sigs[i], SIG_DFL);
}

static void child_main(int fd, pb_isolated_fn fn, void *ctx)
{
    default_signals();
    char *text = fn(ctx);
    if (!text)
        _exit(3);
    int rc = pb_write_all(fd, text, strlen(text));
    free(text);
    close(fd);
    _exit(rc ? 4 : 0);
}

struct buffer {
    char *data;
    size_t len, cap;
};

/* Read what is available; 1 at EOF, 0 for more, -1 on error. */
static int read_some(int fd, struct buffer *b)
{
    if (b->cap - b->len < 65536) {
        size_t cap = b->cap ? b->cap * 2 : 131072;
        char *d = realloc(b->data, cap);
        if (!d)
            return -1;
        b->data = d;
        b->cap = cap;
    }
    ssize_t n = read(fd, b->data + b->len, b->cap - b->len - 1);
    if (n < 0)
        return errno == EINTR ? 0 : -1;
    if (n == 0)
        return 1;
    b->len += (size_t)n;
    return 0;
}

/* Wait up to wait_ms for fd to be readable, with the stop signals unblocked
 * only during the wait (old: the mask outside collect). As poll. */
static int wait_readable(int fd, int wait_ms, const sigset_t *old)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    struct timespec ts = {.tv_sec = wait_ms / 1000, .tv_nsec = (long)(wait_ms % 1000) * 1000000L};
    return ppoll(&p, 1, &ts, old);
}

/* Collect the child's output until EOF, the deadline or a stop. Runs with
 * the stop signals blocked (old: the caller's mask, restored in the waits). */
static enum pb_isolate_end collect_blocked(int fd, pid_t pid, unsigned timeout_sec,
                                           volatile sig_atomic_t *stop, struct buffer *b,
                                           const sigset_t *old, char *err, size_t errlen)
{
    uint64_t deadline = timeout_sec ? pb_now_ns() + (uint64_t)timeout_sec * 1000000000u : 0;
    for (;;) {
        if (stop && *stop) {
            kill(pid, SIGKILL);
            snprintf(err, errlen, "interrupted");
            return PB_ISO_INTERRUPTED;
        }
        int wait_ms = pb_ms_until(deadline);
        if (wait_ms == 0) {
            kill(pid, SIGKILL);
            snprintf(err, errlen, "timeout: the run took longer than %u s and was killed",
                     timeout_sec);
            return PB_ISO_FAILED;
        }
        int n = wait_readable(fd, wait_ms, old);
        if (n < 0 && errno != EINTR) {
            kill(pid, SIGKILL);
            snprintf(err, errlen, "poll: %s", strerror(errno));
            return PB_ISO_FAILED;
        }
        if (n > 0) {
            int rc = read_some(fd, b);
            if (rc == 1)
                return PB_ISO_OK;
            if (rc < 0) {
                kill(pid, SIGKILL);
                snprintf(err, errlen, "reading the run's result failed");
                return PB_ISO_FAILED;
            }
        }
    }
}

static enum pb_isolate_end collect(int fd, pid_t pid, unsigned timeout_sec,
                                   volatile sig_atomic_t *stop, struct buffer *b, char *err,
                                   size_t errlen)
{
    sigset_t old;
    pb_signals_block(&old);
    enum pb_isolate_end end = collect_blocked(fd, pid, timeout_sec, stop, b, &old, err, errlen);
    pb_signals_restore(&old);
    return end;
}

/* Turn the child's wait status into an outcome. */
static enum pb_isolate_end judge(int status, char *err, size_t errlen)
{
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        if (sig == SIGINT) {
            snprintf(err, errlen, "interrupted");
            return PB_ISO_INTERRUPTED;
        }
        snprintf(err, errlen, "crashed: the run's process was killed by signal %d (%s)%s", sig,
                 strsignal(sig),
                 sig == SIGKILL ? "; most likely out of memory (the kernel's OOM killer)" : "");
        return PB_ISO_FAILED;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
        int code = WEXITSTATUS(status);
        snprintf(err, errlen, "the run's process exited with status %d%s", code,
                 code == 3 ? " (out of memory building its result)" : "");
        return PB_ISO_FAILED;
    }
    return PB_ISO_OK;
}

/* The parent's side once the child runs: collect its output, reap it, judge. */
static enum pb_isolate_end wait_child(pid_t pid, int fd, unsigned timeout_sec,
                                      volatile sig_atomic_t *stop, char **out, char *err,
                                      size_t errlen)
{
    struct buffer b = {0};
    enum pb_isolate_end end = collect(fd, pid, timeout_sec, stop, &b, err, errlen);
    close(fd);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (end == PB_ISO_OK)
        end = judge(status, err, errlen);
    if (end == PB_ISO_OK && b.len == 0) {
        snprintf(err, errlen, "the run's process sent no result");
        end = PB_ISO_FAILED;
    }
    if (end != PB_ISO_OK) {
        free(b.data);
        return end;
    }
    b.data[b.len] = '\0';
    *out = b.data;
    return PB_ISO_OK;
}

/* What a child does: run fn(ctx) in the forked copy, or exec argv. */
struct child_job {
    pb_isolated_fn fn;
    void *ctx;
    char *const *argv, *const *envp;
    int result_fd;
    const struct pb_isolate_pass *pass; /* exec only: a descriptor to hand over, or NULL */
};

/* In the child: the pipe becomes result_fd, pass->fd becomes pass->as (moved
 * out of the way first, so neither dup2 closes the other's source), default
 * signals, then exec. */
static void exec_child(int fd, const struct child_job *job)
{
    default_signals();
    const struct pb_isolate_pass *pass = job->pass;
    int keep = pass ? fcntl(pass->fd, F_DUPFD, 64) : -1;
    if (pass && keep < 0)
        _exit(PB_ISO_EXEC_FAILED);
    if (fd != job->result_fd) {
        if (dup2(fd, job->result_fd) < 0)
            _exit(PB_ISO_EXEC_FAILED);
        close(fd);
    }
    if (pass) {
        if (dup2(keep, pass->as) < 0)
            _exit(PB_ISO_EXEC_FAILED);
        close(keep);
    }
    execve(job->argv[0], job->argv, job->envp);
    _exit(PB_ISO_EXEC_FAILED);
}

/* Fork with a result pipe, start the job in the child, collect what it sends.
 * Nothing is started once *stop is set. */
static enum pb_isolate_end spawn(const struct child_job *job, unsigned timeout_sec,
                                 volatile sig_atomic_t *stop, char **out, char *err,
                                 size_t errlen)
{
    *out = NULL;
    if (stop && *stop) {
        snprintf(err, errlen, "interrupted");
        return PB_ISO_INTERRUPTED;
    }
    int fds[2];
    if (pipe(fds)) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return PB_ISO_FAILED;
    }
    fflush(NULL);
    pid_t pid = pb_signals_fork(SIGKILL, 0);
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return PB_ISO_FAILED;
    }
    if (pid == 0) {
        close(fds[0]);
        if (job->argv)
            exec_child(fds[1], job);
        child_main(fds[1], job->fn, job->ctx);
    }
    close(fds[1]);
    return wait_child(pid, fds[0], timeout_sec, stop, out, err, errlen);
}

enum pb_isolate_end pb_isolate_run(pb_isolated_fn fn, void *ctx, unsigned timeout_sec,
                                   volatile sig_atomic_t *stop, char **out, char *err,
                                   size_t errlen)
{
    const struct child_job job = {.fn = fn, .ctx = ctx};
    return spawn(&job, timeout_sec, stop, out, err, errlen);
}

enum pb_isolate_end pb_isolate_exec(char *const argv[], char *const envp[], int result_fd,
                                    const struct pb_isolate_pass *pass, unsigned timeout_sec,
                                    volatile sig_atomic_t *stop, char **out, char *err,
                                    size_t errlen)
{
    const struct child_job job = {
        .argv = argv, .envp = envp, .result_fd = result_fd, .pass = pass};
    enum pb_isolate_end end = spawn(&job, timeout_sec, stop, out, err, errlen);
    if (end == PB_ISO_FAILED && strstr(err, "exited with status 127"))
        snprintf(err, errlen, "cannot execute %s", argv[0]);
    return end;
}
