/*
 * child_run.c -- the parent's side of a process-wide backend's run: write
 * the workload in the .pbt form to an unnamed temporary file, build the
 * __child command line and an environment whose LD_PRELOAD is the library
 * alone (first, so its malloc wins), run it isolated with the file's
 * descriptor as PB_CHILD_PBT_FD, close the file.
 *
 * The file never has a name (O_TMPFILE in $TMPDIR; where the filesystem
 * cannot, a mkstemp name removed at once), so whatever ends either process
 * -- a signal, SIGKILL, a crash -- the kernel frees it with the last
 * descriptor and mapping: nothing is left in $TMPDIR.
 */
#include "child_run.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "replay.h"

extern char **environ;

const char *pb_config_value(const struct pb_config_entry *cfg, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(cfg[i].key, key) == 0)
            return cfg[i].value;
    return NULL;
}

/* environ without LD_PRELOAD, plus LD_PRELOAD=lib when lib is not NULL;
 * NULL on OOM. */
static char **preload_env(const char *lib, char **slot)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + 2, sizeof *env);
    size_t len = lib ? strlen(lib) + sizeof "LD_PRELOAD=" : 1;
    *slot = malloc(len);
    if (!env || !*slot) {
        free(env);
        free(*slot);
        return NULL;
    }
    **slot = '\0';
    if (lib)
        snprintf(*slot, len, "LD_PRELOAD=%s", lib);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "LD_PRELOAD=", 11) != 0)
            env[k++] = environ[i];
    if (lib)
        env[k++] = *slot;
    env[k] = NULL;
    return env;
}

int pb_unnamed_file(char *err, size_t errlen)
{
    const char *tmp = getenv("TMPDIR");
    const char *dir = tmp && *tmp ? tmp : "/tmp";
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) { /* a filesystem without O_TMPFILE */
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/poolbench-tmp-XXXXXX", dir);
        fd = mkostemp(path, O_CLOEXEC);
        if (fd >= 0)
            unlink(path);
    }
    int high = fd >= 0 ? fcntl(fd, F_DUPFD_CLOEXEC, 10) : -1;
    int e = errno;
    if (fd >= 0)
        close(fd);
    if (high < 0)
        snprintf(err, errlen, "cannot create a temporary file in %s: %s", dir, strerror(e));
    return high;
}

int pb_child_workload_file(const struct pb_workload *w, char *err, size_t errlen)
{
    const char *tmp = getenv("TMPDIR");
    const char *dir = tmp && *tmp ? tmp : "/tmp";
    int high = pb_unnamed_file(err, errlen), e = 0;
    if (high < 0)
        return -1;
    int copy = dup(high); /* the stream's own, closed with it */
    FILE *f = copy >= 0 ? fdopen(copy, "w") : NULL;
    int rc = f ? pb_workload_write_binary_stream(w, f) : -1;
    e = errno;
    if (!f && copy >= 0)
        close(copy);
    if (f && fclose(f) != 0 && rc == 0) {
        rc = -1;
        e = errno;
    }
    if (rc != 0) {
        snprintf(err, errlen, "cannot write the workload to a temporary file in %s: %s", dir,
                 strerror(e ? e : EIO));
        close(high);
        return -1;
    }
    return high;
}

/* The __child command line for job (exe: this program), run with env and the
 * workload on wfd. */
static enum pb_isolate_end exec_child(const struct pb_run_job *job, char *exe, char **env,
                                      int wfd, unsigned timeout_sec,
                                      volatile sig_atomic_t *stop, char **out, char *err,
                                      size_t errlen)
{
    struct pb_job_argv args;
    if (pb_run_job_to_argv(job, PB_CHILD_FD, PB_CHILD_PBT_FD, &args)) {
        snprintf(err, errlen, "the run's arguments do not fit the child's command line");
        return PB_ISO_FAILED;
    }
    char *argv[PB_JOB_ARGV_MAX + 2];
    argv[0] = exe;
    argv[1] = "__child";
    for (int i = 0; i <= args.argc; i++)
        argv[i + 2] = args.argv[i];
    const struct pb_isolate_pass pass = {.fd = wfd, .as = PB_CHILD_PBT_FD};
    return pb_isolate_exec(argv, env, PB_CHILD_FD, &pass, timeout_sec, stop, out, err, errlen);
}

enum pb_isolate_end pb_child_run(const struct pb_run_job *job, int wfd, const char *lib,
                                 unsigned timeout_sec, volatile sig_atomic_t *stop, char **out,
                                 char *err, size_t errlen)
{
    *out = NULL;
#if defined(__SANITIZE_ADDRESS__)
    if (lib) {
        snprintf(err, errlen, "this poolbench is built with AddressSanitizer, whose runtime "
                              "must come first: another malloc cannot be preloaded (use a "
                              "normal build)");
        return PB_ISO_FAILED;
    }
#endif
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        snprintf(err, errlen, "cannot find the poolbench executable (/proc/self/exe)");
        return PB_ISO_FAILED;
    }
    exe[n] = '\0';
    if (stop && *stop) {
        snprintf(err, errlen, "interrupted");
        return PB_ISO_INTERRUPTED;
    }
    enum pb_isolate_end end = PB_ISO_FAILED;
    char *slot = NULL;
    char **env = preload_env(lib, &slot);
    if (env)
        end = exec_child(job, exe, env, wfd, timeout_sec, stop, out, err, errlen);
    else
        snprintf(err, errlen, "out of memory");
    free(env);
    free(slot);
    return end;
}
