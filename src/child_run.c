/*
 * child_run.c -- the parent's side of a process-wide backend's run: write
 * the workload to a temporary .pbt in a private directory, build the
 * __child command line and an environment whose LD_PRELOAD is the library
 * alone (first, so its malloc wins), run it isolated, remove the file.
 */
#include "child_run.h"

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

/* environ without LD_PRELOAD, plus LD_PRELOAD=lib; NULL on OOM. */
static char **preload_env(const char *lib, char **slot)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + 2, sizeof *env);
    size_t len = strlen(lib) + sizeof "LD_PRELOAD=";
    *slot = malloc(len);
    if (!env || !*slot) {
        free(env);
        free(*slot);
        return NULL;
    }
    snprintf(*slot, len, "LD_PRELOAD=%s", lib);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "LD_PRELOAD=", 11) != 0)
            env[k++] = environ[i];
    env[k++] = *slot;
    env[k] = NULL;
    return env;
}

enum pb_isolate_end pb_child_run(const struct pb_run_job *job, const char *lib,
                                 unsigned timeout_sec, volatile sig_atomic_t *stop, char **out,
                                 char *err, size_t errlen)
{
    *out = NULL;
#if defined(__SANITIZE_ADDRESS__)
    (void)lib;
    (void)timeout_sec;
    (void)stop;
    snprintf(err, errlen, "this poolbench is built with AddressSanitizer, whose runtime must "
                          "come first: another malloc cannot be preloaded (use a normal build)");
    return PB_ISO_FAILED;
#endif
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        snprintf(err, errlen, "cannot find the poolbench executable (/proc/self/exe)");
        return PB_ISO_FAILED;
    }
    exe[n] = '\0';
    const char *tmp = getenv("TMPDIR");
    char dir[PATH_MAX], pbt[PATH_MAX + 32];
    snprintf(dir, sizeof dir, "%s/poolbench-child-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        snprintf(err, errlen, "cannot create a temporary directory in %s", tmp ? tmp : "/tmp");
        return PB_ISO_FAILED;
    }
    snprintf(pbt, sizeof pbt, "%s/workload.pbt", dir);
    enum pb_isolate_end end = PB_ISO_FAILED;
    char *slot = NULL;
    char **env = NULL;
    if (pb_workload_write_binary(job->workload, pbt, err, errlen))
        goto out;
    if (!(env = preload_env(lib, &slot))) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    char fd[16], repeat[16], warmup[16], every[32];
    snprintf(fd, sizeof fd, "%d", PB_CHILD_FD);
    snprintf(repeat, sizeof repeat, "%u", job->repeat);
    snprintf(warmup, sizeof warmup, "%u", job->warmup);
    snprintf(every, sizeof every, "%zu", job->sample_every);
    const struct pb_workload *w = job->workload;
    char *argv[] = {
        exe, "__child", "--fd", fd, "--pbt", pbt, "--name", (char *)w->name,
        "--path", w->path ? w->path : "", "--backend", (char *)job->backend->text,
        "--repeat", repeat, "--warmup", warmup, "--touch", (char *)pb_touch_name(job->touch),
        "--sample-every", every, job->latency ? "--latency" : NULL, NULL,
    };
    end = pb_isolate_exec(argv, env, PB_CHILD_FD, timeout_sec, stop, out, err, errlen);
out:
    unlink(pbt);
    rmdir(dir);
    free(env);
    free(slot);
    return end;
}
