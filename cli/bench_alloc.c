/*
 * bench_alloc.c -- the allocators of `poolbench bench`. A whole program can
 * run under an allocator that replaces malloc for the process, so the
 * candidates are: glibc (the C library's own malloc: nothing preloaded),
 * every backend with PB_BK_PROCESS_WIDE (jemalloc, mimalloc, tcmalloc,
 * preload:PATH; its config entry "lib" is the library), and every backend
 * with PB_BK_PRELOAD_TWIN (pools: poolbench's own libpoolbench-NAME.so, its
 * options passed as PB_NAME_KEY variables). The backend's create() checks
 * the options, as for `poolbench run`, so a spec means the same in both.
 */
#include "bench.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "child_run.h"
#include "pb_paths.h"
#include "pb_text.h"

/* The twin's library name and its environment from the given options. */
static int twin_setup(const struct pb_backend_spec *s, const char *libdir, struct bench_alloc *a,
                      char *err, size_t errlen)
{
    char lib[128], up[64], var[80];
    snprintf(lib, sizeof lib, "libpoolbench-%s.so", s->ops->name);
    size_t i = 0;
    for (; s->ops->name[i] && i + 1 < sizeof up; i++)
        up[i] = (char)toupper((unsigned char)s->ops->name[i]);
    up[i] = '\0';
    snprintf(var, sizeof var, "PB_%s_LIB", up);
    if (pb_find_own_library(lib, var, libdir, a->lib, sizeof a->lib) != 0) {
        snprintf(err, errlen, "%s: cannot find %s (looked at $%s, next to the poolbench "
                              "executable and in %s); build the target or install",
                 s->ops->name, lib, var, libdir);
        return -1;
    }
    if (s->n_opts > BENCH_MAX_ENV) {
        snprintf(err, errlen, "%s: more than %d options", s->ops->name, BENCH_MAX_ENV);
        return -1;
    }
    for (size_t k = 0; k < s->n_opts; k++) {
        char key[64];
        size_t j = 0;
        for (; s->opts[k].key[j] && j + 1 < sizeof key; j++)
            key[j] = (char)toupper((unsigned char)s->opts[k].key[j]);
        key[j] = '\0';
        if ((size_t)snprintf(a->env[k], sizeof a->env[k], "PB_%s_%s=%s", up, key,
                             s->opts[k].value) >= sizeof a->env[k]) {
            snprintf(err, errlen, "%s: option %s's value is too long", s->ops->name, key);
            return -1;
        }
    }
    a->n_env = s->n_opts;
    return 0;
}

/* Create the backend once: options checked, config read (with "lib"). */
static int backend_config(const struct pb_backend_spec *s, struct bench_alloc *a, char *err,
                          size_t errlen)
{
    const struct pb_backend_ops *ops = s->ops;
    char why[PB_ERR_MAX] = "";
    if (ops->available && ops->available(why, sizeof why)) {
        snprintf(err, errlen, "%s is unavailable: %s", ops->name, why);
        return -1;
    }
    void *self = NULL;
    if (ops->create(s->opts, s->n_opts, &self, why, sizeof why)) {
        snprintf(err, errlen, "%s: %s", s->text, why);
        return -1;
    }
    a->n_cfg = ops->config(self, a->cfg, BENCH_MAX_CFG);
    if (a->n_cfg > BENCH_MAX_CFG)
        a->n_cfg = BENCH_MAX_CFG;
    ops->destroy(self);
    return 0;
}

/* Drop the replay-only entries a process-wide backend's config has. */
static void drop_entry(struct bench_alloc *a, const char *key)
{
    for (size_t i = 0; i < a->n_cfg; i++)
        if (strcmp(a->cfg[i].key, key) == 0) {
            memmove(&a->cfg[i], &a->cfg[i + 1], (a->n_cfg - i - 1) * sizeof a->cfg[0]);
            a->n_cfg--;
            return;
        }
}

int bench_alloc_parse(const char *text, const char *libdir, struct bench_alloc *a, char *err,
                      size_t errlen)
{
    memset(a, 0, sizeof *a);
    if (strcmp(text, "glibc") == 0) {
        snprintf(a->spec, sizeof a->spec, "glibc");
        snprintf(a->name, sizeof a->name, "glibc");
        return 0;
    }
    struct pb_backend_spec s;
    if (pb_backend_spec_parse(text, &s, err, errlen))
        return -1;
    unsigned flags = s.ops->flags;
    if (!(flags & (PB_BK_PROCESS_WIDE | PB_BK_PRELOAD_TWIN))) {
        snprintf(err, errlen, "'%s' is not a malloc for a whole program: bench takes glibc, a "
                              "process-wide backend (jemalloc, mimalloc, tcmalloc, preload:PATH) "
                              "or one with a preload twin (pools)", s.ops->name);
        return -1;
    }
    snprintf(a->spec, sizeof a->spec, "%s", s.text);
    snprintf(a->name, sizeof a->name, "%s", s.ops->name);
    if (backend_config(&s, a, err, errlen))
        return -1;
    if (flags & PB_BK_PRELOAD_TWIN)
        return twin_setup(&s, libdir, a, err, errlen);
    const char *lib = pb_config_value(a->cfg, a->n_cfg, "lib");
    if (!lib || !lib[0]) {
        snprintf(err, errlen, "%s: no library to preload", s.text);
        return -1;
    }
    snprintf(a->lib, sizeof a->lib, "%s", lib);
    drop_entry(a, "active"); /* the parent's instance is never the active one */
    return 0;
}

size_t bench_alloc_defaults(const char *libdir, struct bench_alloc *a, size_t max, char *skipped,
                            size_t skiplen)
{
    char err[512];
    size_t n = 0;
    skipped[0] = '\0';
    if (n < max && bench_alloc_parse("glibc", libdir, &a[n], err, sizeof err) == 0)
        n++;
    for (size_t i = 0; pb_backends[i] && n < max; i++) {
        const struct pb_backend_ops *ops = pb_backends[i];
        unsigned flags = ops->flags;
        /* a process-wide backend is a default when it can tell whether this machine
         * has its library (an available op); one that must be told (preload) is not */
        int candidate = (flags & PB_BK_PRELOAD_TWIN) ||
                        ((flags & PB_BK_PROCESS_WIDE) && ops->available != NULL);
        if (!candidate)
            continue;
        if (bench_alloc_parse(ops->name, libdir, &a[n], err, sizeof err) == 0) {
            n++;
            continue;
        }
        size_t used = strlen(skipped);
        if (used < skiplen)
            snprintf(skipped + used, skiplen - used, "%s%s", used ? "; " : "", err);
    }
    return n;
}
