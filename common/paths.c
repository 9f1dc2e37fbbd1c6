/*
 * paths.c -- paths relative to the running executable.
 */
#include "pb_paths.h"

#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int pb_exe_relative(const char *rel, char *out, size_t len)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return -1;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    int w = snprintf(out, len, "%s/%s", exe, rel);
    return w < 0 || (size_t)w >= len ? -1 : 0;
}

static int readable(const char *path)
{
    return access(path, R_OK) == 0;
}

int pb_find_own_library(const char *name, const char *env_var, const char *libdir, char *out,
                        size_t cap)
{
    char real[PATH_MAX];
    const char *env = env_var ? getenv(env_var) : NULL;
    if (env && env[0])
        return readable(env) && realpath(env, real) &&
                       (size_t)snprintf(out, cap, "%s", real) < cap
                   ? 0
                   : -1;
    char cand[PATH_MAX];
    const char *const dirs[] = {".", "../lib/poolbench"};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        char rel[PATH_MAX];
        snprintf(rel, sizeof rel, "%s/%s", dirs[i], name);
        if (pb_exe_relative(rel, cand, sizeof cand) == 0 && readable(cand) &&
            realpath(cand, real) && (size_t)snprintf(out, cap, "%s", real) < cap)
            return 0;
    }
    if ((size_t)snprintf(cand, sizeof cand, "%s/%s", libdir, name) < sizeof cand &&
        readable(cand) && realpath(cand, real) && (size_t)snprintf(out, cap, "%s", real) < cap)
        return 0;
    return -1;
}
