/*
 * signals.c -- see pb_signals.h.
 *
 * Everything the handler touches is a volatile sig_atomic_t or a path
 * written before its slot is marked used; it calls only async-signal-safe
 * functions (unlink, kill, waitpid, sigaction, raise, memset). In cleanup
 * mode it removes the registered files, restores the default disposition and
 * raises the signal again: it is blocked while the handler runs, so the
 * process ends by it as soon as the handler returns, and the shell sees
 * "killed by SIGTERM".
 *
 * In cleanup mode a child given with forward = 1 is killed and reaped first,
 * so it cannot create a file after the handler removed it. Forwarding skips
 * signals the kernel sent (si_code SI_KERNEL): those come from the terminal
 * (Ctrl-C, a hangup), which signals the whole foreground process group, so
 * the child has its own copy already.
 */
#include "pb_signals.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define PB_SIGNALS_PATH_MAX (PATH_MAX + 32)

static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP};
#define N_STOP_SIGNALS (sizeof stop_signals / sizeof stop_signals[0])

/* The handler's state (see the header on why it is process-wide). */
static volatile sig_atomic_t catching;    /* 1: record and forward; 0: clean up and die */
static volatile sig_atomic_t caught;      /* the first signal recorded, 0 if none */
static volatile sig_atomic_t forward_pid; /* > 0: the child signals are passed on to */
static volatile sig_atomic_t tracked[PB_SIGNALS_TRACKED];
static char tracked_path[PB_SIGNALS_TRACKED][PB_SIGNALS_PATH_MAX];

static void remove_tracked(void)
{
    for (int i = 0; i < PB_SIGNALS_TRACKED; i++)
        if (tracked[i])
            unlink(tracked_path[i]);
}

static void on_signal(int sig, siginfo_t *info, void *uctx)
{
    (void)uctx;
    int saved = errno;
    if (!catching) {
        pid_t child = (pid_t)forward_pid;
        if (child > 0) { /* it may be writing a temporary (gnuplot): first end it */
            kill(child, SIGKILL);
            while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
                ;
        }
        remove_tracked();
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        sigemptyset(&dfl.sa_mask);
        sigaction(sig, &dfl, NULL);
        raise(sig); /* pending until the handler returns, then fatal */
        errno = saved;
        return;
    }
    if (!caught)
        caught = sig;
    pid_t to = (pid_t)forward_pid;
    if (to > 0 && !(info && info->si_code == SI_KERNEL))
        kill(to, sig);
    errno = saved;
}

static int is_ignored(int sig)
{
    struct sigaction cur;
    return sigaction(sig, NULL, &cur) == 0 && !(cur.sa_flags & SA_SIGINFO) &&
           cur.sa_handler == SIG_IGN;
}

int pb_signals_init(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_signal;
    /* SA_RESTART: a signal caught while a results file is written must not
     * break its write; poll and ppoll return EINTR all the same. */
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < N_STOP_SIGNALS; i++)
        sigaddset(&sa.sa_mask, stop_signals[i]);
    catching = 0;
    int rc = 0;
    for (size_t i = 0; i < N_STOP_SIGNALS; i++) {
        if (is_ignored(stop_signals[i]))
            continue; /* nohup, a background job: leave it ignored */
        if (sigaction(stop_signals[i], &sa, NULL) != 0)
            rc = -1;
    }
    return rc;
}

void pb_signals_catch(int on)
{
    sigset_t old;
    pb_signals_block(&old);
    catching = on ? 1 : 0;
    forward_pid = 0;
    if (on)
        caught = 0;
    pb_signals_restore(&old);
}

int pb_signals_caught(void)
{
    return caught;
}

volatile sig_atomic_t *pb_signals_flag(void)
{
    return &caught;
}

void pb_signals_note(int sig)
{
    if (!caught)
        caught = sig;
}

void pb_signals_block(sigset_t *old)
{
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < N_STOP_SIGNALS; i++)
        sigaddset(&set, stop_signals[i]);
    pthread_sigmask(SIG_BLOCK, &set, old);
}

void pb_signals_restore(const sigset_t *old)
{
    pthread_sigmask(SIG_SETMASK, old, NULL);
}

int pb_signals_track(const char *path)
{
    size_t len = strlen(path);
    if (len >= PB_SIGNALS_PATH_MAX)
        return -1;
    for (int i = 0; i < PB_SIGNALS_TRACKED; i++) {
        if (!tracked[i]) {
            memcpy(tracked_path[i], path, len + 1);
            tracked[i] = 1;
            return i;
        }
    }
    return -1;
}

void pb_signals_untrack(int slot)
{
    if (slot >= 0 && slot < PB_SIGNALS_TRACKED)
        tracked[slot] = 0;
}

/* In a child just forked: die with the parent, default dispositions (any
 * handler, ours or a test framework's, but not an inherited SIG_IGN),
 * nothing tracked. */
static void child_setup(pid_t parent, int death_sig)
{
    if (prctl(PR_SET_PDEATHSIG, death_sig) != 0 || getppid() != parent)
        _exit(128 + death_sig); /* the parent is gone already (or cannot be watched) */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    for (size_t i = 0; i < N_STOP_SIGNALS; i++)
        if (!is_ignored(stop_signals[i]))
            sigaction(stop_signals[i], &dfl, NULL);
    for (int i = 0; i < PB_SIGNALS_TRACKED; i++)
        tracked[i] = 0;
    catching = 0;
    caught = 0;
    forward_pid = 0;
}

int pb_signals_reap(pid_t pid, int *status)
{
    siginfo_t info;
    int rc;
    while ((rc = waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT)) < 0 && errno == EINTR)
        ;
    forward_pid = 0; /* before the reap, which frees the pid for reuse */
    if (rc < 0)
        return -1;
    while ((rc = waitpid(pid, status, 0)) < 0 && errno == EINTR)
        ;
    return rc < 0 ? -1 : 0;
}

pid_t pb_signals_fork(int death_sig, int forward)
{
    pid_t parent = getpid();
    sigset_t old;
    pb_signals_block(&old); /* no handler runs in the child before its reset */
    pid_t pid = fork();
    if (pid == 0) {
        child_setup(parent, death_sig);
    } else if (pid > 0 && forward) {
        forward_pid = pid;
        if (catching && caught) /* caught before the child existed: it gets it now */
            kill(pid, caught);
    }
    pb_signals_restore(&old);
    return pid;
}
