/*
 * isolate.h -- run one computation in a forked child and get its text result
 * through a pipe, so a crash, a hang or an out-of-memory kill of one
 * (backend, workload) run costs only that run.
 */
#ifndef PB_ISOLATE_H
#define PB_ISOLATE_H

#include <signal.h>
#include <stddef.h>

/* The child's work: a malloc'd NUL-terminated result, or NULL on failure. */
typedef char *(*pb_isolated_fn)(void *ctx);

/* How an isolated run ended. */
enum pb_isolate_end {
    PB_ISO_OK = 0,          /* *out holds the child's text */
    PB_ISO_FAILED = 1,      /* crash, non-zero exit, timeout, system error: err says why */
    PB_ISO_INTERRUPTED = 2, /* SIGINT reached the child, or *stop was set meanwhile */
};

/* Run fn(ctx) in a child process. timeout_sec 0 means none. stop may be NULL;
 * when it becomes non-zero (a signal handler: pb_signals_flag) the child is
 * killed and reaped; once it is set no child is started. The child dies with
 * this process, even a SIGKILLed one (PR_SET_PDEATHSIG, pb_signals_fork).
 * On PB_ISO_OK *out is malloc'd; otherwise err holds the reason. */
enum pb_isolate_end pb_isolate_run(pb_isolated_fn fn, void *ctx, unsigned timeout_sec,
                                   volatile sig_atomic_t *stop, char **out, char *err,
                                   size_t errlen);

/* Exit status of an exec'd child whose exec failed. */
#define PB_ISO_EXEC_FAILED 127

/* A descriptor handed to an exec'd child: fd of this process is number `as`
 * there (as must differ from the result descriptor). */
struct pb_isolate_pass {
    int fd, as;
};

/* Run argv (argv[0] a path) with environment envp in a child process whose
 * result_fd is the write end of the result pipe: what the program writes
 * there is *out; pass (or NULL) one more descriptor it inherits. Otherwise as
 * pb_isolate_run (timeout, stop, crashes, death with the parent). */
enum pb_isolate_end pb_isolate_exec(char *const argv[], char *const envp[], int result_fd,
                                    const struct pb_isolate_pass *pass, unsigned timeout_sec,
                                    volatile sig_atomic_t *stop, char **out, char *err,
                                    size_t errlen);

/* Write all of buf to fd (retrying short writes and EINTR); 0 ok, -1 on error. */
int pb_write_all(int fd, const char *buf, size_t len);

#endif /* PB_ISOLATE_H */
