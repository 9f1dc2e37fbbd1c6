/*
 * crash.c -- a test-only backend that fails on purpose, to prove a failing
 * backend costs only its own run. Linked only into poolbench_testbackends,
 * beside the unchanged core, never into the real binary; test_backends.c
 * lists it in pb_backends_extra (pb_backend.h), the table pb_backend_find
 * consults after the registry's.
 *
 * Invariants: blocks come from malloc until the Nth alloc (option `after`),
 * which then does what `mode` says: segv (writes through a null pointer),
 * abort, or hang (sleeps forever, for --timeout). No stats beyond counts.
 */
#include "pb_backend.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern const struct pb_backend_ops pb_backend_crash;

struct crash_backend {
    unsigned long after;
    char mode[16];
    struct pb_backend_stats st;
    char err[PB_ERR_MAX];
};

static const struct pb_option_desc crash_options[] = {
    {"after", "100", "the alloc call (1-based) that misbehaves"},
    {"mode", "segv", "segv, abort or hang"},
    {NULL, NULL, NULL},
};

static int crash_create(const struct pb_option *opts, size_t n, void **out, char *err,
                        size_t errlen)
{
    if (pb_options_check(&pb_backend_crash, opts, n, err, errlen))
        return -1;
    struct crash_backend *c = calloc(1, sizeof *c);
    if (!c)
        return -1;
    const char *after = pb_option_get(opts, n, "after");
    const char *mode = pb_option_get(opts, n, "mode");
    c->after = after ? strtoul(after, NULL, 10) : 100;
    snprintf(c->mode, sizeof c->mode, "%s", mode ? mode : "segv");
    if (strcmp(c->mode, "segv") && strcmp(c->mode, "abort") && strcmp(c->mode, "hang")) {
        snprintf(err, errlen, "crash: mode=%s is not segv, abort or hang", c->mode);
        free(c);
        return -1;
    }
    *out = c;
    return 0;
}

static void misbehave(const struct crash_backend *c)
{
    if (strcmp(c->mode, "abort") == 0)
        abort();
    if (strcmp(c->mode, "hang") == 0)
        for (;;)
            pause();
    raise(SIGSEGV);
}

static void *crash_alloc(void *self, size_t size, size_t align)
{
    (void)align;
    struct crash_backend *c = self;
    if (++c->st.allocs == c->after)
        misbehave(c);
    c->st.live_blocks++;
    return malloc(size ? size : 1);
}

static int crash_free(void *self, void *ptr, size_t size)
{
    (void)size;
    struct crash_backend *c = self;
    c->st.frees++;
    c->st.live_blocks--;
    free(ptr);
    return 0;
}

static void crash_stats(void *self, struct pb_backend_stats *out)
{
    *out = ((struct crash_backend *)self)->st;
}

static size_t crash_config(void *self, struct pb_config_entry *out, size_t max)
{
    struct crash_backend *c = self;
    if (max < 2)
        return 0;
    snprintf(out[0].key, sizeof out[0].key, "after");
    snprintf(out[0].value, sizeof out[0].value, "%lu", c->after);
    snprintf(out[1].key, sizeof out[1].key, "mode");
    snprintf(out[1].value, sizeof out[1].value, "%s", c->mode);
    return 2;
}

static const char *crash_last_error(void *self)
{
    return ((struct crash_backend *)self)->err;
}

static void crash_destroy(void *self)
{
    free(self);
}

const struct pb_backend_ops pb_backend_crash = {
    .version = PB_BACKEND_API_VERSION,
    .name = "crash",
    .description = "test only: malloc until its Nth alloc, which crashes or hangs",
    .flags = 0,
    .options = crash_options,
    .create = crash_create,
    .alloc = crash_alloc,
    .free = crash_free,
    .stats = crash_stats,
    .config = crash_config,
    .last_error = crash_last_error,
    .destroy = crash_destroy,
};
