/*
 * program.c -- how a whole program is run and measured.
 *
 * The program is forked and executed (execve of the path pb_program_find
 * resolved, so every allocator runs the same file) in a process group of its
 * own: Ctrl-C on the terminal reaches poolbench alone, which then kills the
 * whole group, and a program that leaves children behind at its exit has
 * them killed too (no orphans). Its standard output and standard error go to
 * unnamed files; standard input is the given file or /dev/null. LD_PRELOAD
 * is the library under test alone (an inherited one is removed: the
 * program must see one allocator).
 *
 * Timing: CLOCK_MONOTONIC from just before fork until the exit is seen,
 * which is at once: the wait is a ppoll on a pidfd (pidfd_open), woken by
 * the exit itself (without pidfds, a 1 ms poll of wait4). The kernel's
 * account comes from wait4's rusage: the process and the descendants it
 * waited for (ru_maxrss: the largest of their resident sets, not a sum).
 * An exec that fails is reported through a close-on-exec pipe.
 */
#include "program.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child_run.h"
#include "isolate.h"
#include "pb_clock.h"
#include "pb_sha256.h"
#include "pb_signals.h"
#include "pb_text.h"

#include <elf.h>

extern char **environ;

/* ---- finding the program -------------------------------------------------- */

/* 0 when path is a file exec can run, else its errno. */
static int runnable(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return errno;
    if (S_ISDIR(st.st_mode))
        return EISDIR;
    if (!S_ISREG(st.st_mode) || access(path, X_OK) != 0)
        return EACCES;
    return 0;
}

/* path made absolute against the current directory (links kept). */
static int absolute(const char *path, char *out, size_t len)
{
    char cwd[4096];
    if (path[0] != '/' && !getcwd(cwd, sizeof cwd))
        return errno;
    int w = path[0] == '/' ? snprintf(out, len, "%s", path)
                           : snprintf(out, len, "%s/%s", cwd, path);
    return w < 0 || (size_t)w >= len ? ENAMETOOLONG : 0;
}

int pb_program_find(const char *cmd, char *out, size_t len)
{
    if (!cmd[0])
        return ENOENT;
    if (strchr(cmd, '/')) {
        int e = runnable(cmd);
        return e ? e : absolute(cmd, out, len);
    }
    const char *path = getenv("PATH");
    if (!path || !path[0])
        path = "/bin:/usr/bin"; /* execvp's default */
    int seen = ENOENT;
    for (const char *p = path;; p++) {
        size_t n = strcspn(p, ":");
        char cand[4096];
        /* an empty entry is the current directory, as for execvp */
        if ((size_t)snprintf(cand, sizeof cand, "%.*s%s%s", (int)n, p, n ? "/" : "", cmd) <
            sizeof cand) {
            int e = runnable(cand);
            if (e == 0)
                return absolute(cand, out, len);
            if (e == EACCES || e == EISDIR)
                seen = EACCES; /* execvp: found, but none of them can be run */
        }
        p += n;
        if (!*p)
            return seen;
    }
}

int pb_program_is_static(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    Elf64_Ehdr eh;
    int dynamic = 1;
    if (pread(fd, &eh, sizeof eh, 0) == (ssize_t)sizeof eh && memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 &&
        eh.e_ident[EI_CLASS] == ELFCLASS64 && eh.e_phentsize == sizeof(Elf64_Phdr) &&
        eh.e_phnum < 256) {
        dynamic = 0;
        for (unsigned i = 0; i < eh.e_phnum && !dynamic; i++) {
            Elf64_Phdr ph;
            off_t at = (off_t)eh.e_phoff + (off_t)i * (off_t)sizeof ph;
            if (pread(fd, &ph, sizeof ph, at) != (ssize_t)sizeof ph)
                dynamic = 1; /* unreadable: let the loader judge */
            else if (ph.p_type == PT_INTERP)
                dynamic = 1;
        }
    }
    close(fd);
    return !dynamic;
}

/* ---- the child -------------------------------------------------------------- */

/* environ without LD_PRELOAD and without the names env_extra sets, then
 * LD_PRELOAD=preload (when given) and env_extra. NULL on OOM. */
static char **program_env(const struct pb_program_job *job, char **slot)
{
    size_t n = 0, extra = 0;
    while (environ[n])
        n++;
    while (job->env_extra && job->env_extra[extra])
        extra++;
    char **env = calloc(n + extra + 2, sizeof *env);
    size_t len = job->preload ? strlen(job->preload) + sizeof "LD_PRELOAD=" : 1;
    *slot = malloc(len);
    if (!env || !*slot) {
        free(env);
        free(*slot);
        return NULL;
    }
    snprintf(*slot, len, "LD_PRELOAD=%s", job->preload ? job->preload : "");
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int drop = strncmp(environ[i], "LD_PRELOAD=", 11) == 0;
        for (size_t j = 0; j < extra && !drop; j++) {
            size_t name = strcspn(job->env_extra[j], "=");
            drop = strncmp(environ[i], job->env_extra[j], name + 1) == 0;
        }
        if (!drop)
            env[k++] = environ[i];
    }
    if (job->preload)
        env[k++] = *slot;
    for (size_t j = 0; j < extra; j++)
        env[k++] = job->env_extra[j];
    env[k] = NULL;
    return env;
}

/* In the child: report errno on the pipe, then end. */
static void child_fail(int fd)
{
    int e = errno;
    ssize_t w;
    do
        w = write(fd, &e, sizeof e);
    while (w < 0 && errno == EINTR);
    _exit(PB_ISO_EXEC_FAILED);
}

/* In the child: its own group, its descriptors, default signals, the CPU, exec. */
static void child_exec(const struct pb_program_job *job, char **env, int out, int errf,
                       int report)
{
    static const int sigs[] = {SIGPIPE, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGCHLD};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        signal(sigs[i], SIG_DFL);
    setpgid(0, 0);
    int in = job->stdin_fd >= 0 ? job->stdin_fd : open("/dev/null", O_RDONLY);
    if (in < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(errf, 2) < 0)
        child_fail(report);
    if (job->stdin_fd >= 0 && lseek(0, 0, SEEK_SET) < 0 && errno != ESPIPE)
        child_fail(report);
    if (job->cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(job->cpu, &set);
        if (sched_setaffinity(0, sizeof set, &set) != 0)
            child_fail(report);
    }
    execve(job->path, job->argv, env);
    child_fail(report);
}

/* ---- waiting ------------------------------------------------------------------ */

/* Wait for pid's exit (pidfd: its descriptor, or -1), killing its group at
 * the deadline or a stop. Runs with the stop signals blocked outside the
 * waits (old: the mask to use inside). The end; *status and *ru from wait4. */
static int wait_blocked(pid_t pid, int pidfd, const struct pb_program_job *job,
                        const sigset_t *old, int *status, struct rusage *ru, char *err,
                        size_t errlen)
{
    uint64_t deadline = job->timeout_sec ? pb_now_ns() + job->timeout_sec * 1000000000ull : 0;
    int end = PB_ISO_OK;
    for (;;) {
        pid_t got = wait4(pid, status, WNOHANG, ru);
        if (got == pid)
            return end;
        if (got < 0 && errno != EINTR) {
            snprintf(err, errlen, "wait4: %s", strerror(errno));
            return PB_ISO_FAILED;
        }
        int wait_ms = pb_ms_until(deadline);
        if (end == PB_ISO_OK && job->stop && *job->stop) {
            kill(-pid, SIGKILL);
            snprintf(err, errlen, "interrupted");
            end = PB_ISO_INTERRUPTED;
        } else if (end == PB_ISO_OK && wait_ms == 0) {
            kill(-pid, SIGKILL);
            snprintf(err, errlen, "timeout: the program took longer than %u s and was killed",
                     job->timeout_sec);
            end = PB_ISO_FAILED;
        }
        if (end != PB_ISO_OK)
            wait_ms = 1000;
        struct pollfd p = {.fd = pidfd, .events = POLLIN};
        if (pidfd < 0)
            wait_ms = 1; /* no pidfd: poll wait4 */
        struct timespec ts = {wait_ms / 1000, (long)(wait_ms % 1000) * 1000000L};
        ppoll(pidfd >= 0 ? &p : NULL, pidfd >= 0 ? 1 : 0, &ts, old);
    }
}

static uint64_t tv_ns(struct timeval tv)
{
    return (uint64_t)tv.tv_sec * 1000000000ull + (uint64_t)tv.tv_usec * 1000ull;
}

/* How the program ended, from its wait status, into r (and err). */
static void judge(int status, struct pb_program_result *r, char *err, size_t errlen)
{
    if (WIFSIGNALED(status)) {
        r->exited = 0;
        r->term_signal = WTERMSIG(status);
        if (r->end == PB_ISO_OK) {
            r->end = PB_ISO_FAILED;
            snprintf(err, errlen, "crashed: killed by signal %d (%s)%s", r->term_signal,
                     strsignal(r->term_signal),
                     r->term_signal == SIGKILL ? "; most likely out of memory (the kernel's OOM killer)"
                                               : "");
        }
        return;
    }
    r->exited = 1;
    r->exit_status = WEXITSTATUS(status);
}

/* ---- the outputs ---------------------------------------------------------------- */

/* Hash the output file from its start: bytes and hex digest. -1 on a read error. */
static int hash_output(int fd, struct pb_program_result *r)
{
    struct pb_sha256 s;
    pb_sha256_init(&s);
    char buf[65536];
    r->out_bytes = 0;
    for (off_t at = 0;;) {
        ssize_t n = pread(fd, buf, sizeof buf, at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        pb_sha256_update(&s, buf, (size_t)n);
        at += n;
        r->out_bytes += (uint64_t)n;
    }
    pb_sha256_final_hex(&s, r->out_sha256);
    return 0;
}

/* The last non-empty line of the error file, in shown form. */
static void error_tail(int fd, char *out, size_t len)
{
    char buf[1024];
    out[0] = '\0';
    off_t end = lseek(fd, 0, SEEK_END);
    off_t from = end > (off_t)sizeof buf - 1 ? end - (off_t)sizeof buf + 1 : 0;
    ssize_t n = end > 0 ? pread(fd, buf, (size_t)(end - from), from) : 0;
    if (n <= 0)
        return;
    buf[n] = '\0';
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    char *line = strrchr(buf, '\n');
    line = line ? line + 1 : buf;
    pb_text_safe(line, out, len);
}

int64_t pb_program_output_diff(int a, int b, uint64_t *line)
{
    char x[65536], y[65536];
    *line = 1;
    for (off_t at = 0;;) {
        ssize_t na = pread(a, x, sizeof x, at), nb = pread(b, y, sizeof y, at);
        if (na < 0 || nb < 0)
            return -2;
        ssize_t n = na < nb ? na : nb;
        for (ssize_t i = 0; i < n; i++) {
            if (x[i] != y[i])
                return (int64_t)(at + i);
            *line += x[i] == '\n';
        }
        if (na != nb)
            return (int64_t)(at + n);
        if (na == 0)
            return -1;
        at += n;
    }
}

/* ---- one run -------------------------------------------------------------------- */

/* Fork, exec, wait; the files are made. */
static int spawn(const struct pb_program_job *job, char **env, int out, int errf,
                 struct pb_program_result *r, char *err, size_t errlen)
{
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return -1;
    }
    fflush(NULL);
    uint64_t t0 = pb_now_ns();
    pid_t pid = pb_signals_fork(SIGKILL, 0);
    if (pid == 0)
        child_exec(job, env, out, errf, pfd[1]);
    int e = errno;
    close(pfd[1]);
    if (pid < 0) {
        close(pfd[0]);
        snprintf(err, errlen, "fork: %s", strerror(e));
        return -1;
    }
    setpgid(pid, pid); /* also here: no kill(-pid) before the child made its group */
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    sigset_t old;
    pb_signals_block(&old);
    int status = 0;
    struct rusage ru = {0};
    r->end = wait_blocked(pid, pidfd, job, &old, &status, &ru, err, errlen);
    r->wall_ns = pb_now_ns() - t0;
    kill(-pid, SIGKILL); /* what it left running in its group */
    pb_signals_restore(&old);
    if (pidfd >= 0)
        close(pidfd);
    int exec_errno = 0;
    ssize_t n = read(pfd[0], &exec_errno, sizeof exec_errno);
    close(pfd[0]);
    if (n == (ssize_t)sizeof exec_errno) {
        snprintf(err, errlen, "cannot run %s: %s", job->path, strerror(exec_errno));
        return -1;
    }
    judge(status, r, err, errlen);
    r->user_ns = tv_ns(ru.ru_utime);
    r->sys_ns = tv_ns(ru.ru_stime);
    r->max_rss_bytes = (uint64_t)ru.ru_maxrss * 1024u;
    r->minor_faults = (uint64_t)ru.ru_minflt;
    r->major_faults = (uint64_t)ru.ru_majflt;
    r->voluntary_switches = (uint64_t)ru.ru_nvcsw;
    r->involuntary_switches = (uint64_t)ru.ru_nivcsw;
    return 0;
}

int pb_program_run(const struct pb_program_job *job, struct pb_program_result *r, char *err,
                   size_t errlen)
{
    memset(r, 0, sizeof *r);
    r->out_fd = -1;
    err[0] = '\0';
    if (job->stop && *job->stop) {
        r->end = PB_ISO_INTERRUPTED;
        snprintf(err, errlen, "interrupted");
        return 0;
    }
    char *slot = NULL;
    char **env = program_env(job, &slot);
    int out = env ? pb_unnamed_file(err, errlen) : -1;
    int errf = out >= 0 ? pb_unnamed_file(err, errlen) : -1;
    int rc = -1;
    if (!env)
        snprintf(err, errlen, "out of memory");
    else if (errf >= 0)
        rc = spawn(job, env, out, errf, r, err, errlen);
    free(env);
    free(slot);
    if (rc == 0 && hash_output(out, r) != 0) {
        snprintf(err, errlen, "cannot read the program's output back: %s", strerror(errno));
        rc = -1;
    }
    if (rc == 0)
        error_tail(errf, r->err_tail, sizeof r->err_tail);
    if (errf >= 0)
        close(errf);
    if (rc == 0)
        r->out_fd = out;
    else if (out >= 0)
        close(out);
    return rc;
}
