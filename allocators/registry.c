/*
 * registry.c -- the single table of backends, the lookup (which refuses a
 * backend of another API version), and the small option helpers every
 * backend's create() shares.
 *
 * A program may add backends without a rebuilt core by defining the
 * NULL-terminated table pb_backends_extra (pb_backend.h): the reference here
 * is weak, so in every other program it is NULL. The test binary
 * poolbench_testbackends links allocators/crash.c, which defines it.
 */
#include "pb_backend.h"
#include "pb_num.h"
#include "pb_suggest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const struct pb_backend_ops pb_backend_pool;
extern const struct pb_backend_ops pb_backend_arena;
extern const struct pb_backend_ops pb_backend_malloc;
extern const struct pb_backend_ops pb_backend_null;
extern const struct pb_backend_ops pb_backend_pool_small;
extern const struct pb_backend_ops pb_backend_pools;
extern const struct pb_backend_ops pb_backend_pool_tag;
extern const struct pb_backend_ops pb_backend_hybrid;
extern const struct pb_backend_ops pb_backend_jemalloc;
extern const struct pb_backend_ops pb_backend_mimalloc;
extern const struct pb_backend_ops pb_backend_tcmalloc;
extern const struct pb_backend_ops pb_backend_preload;

const struct pb_backend_ops *const pb_backends[] = {
    &pb_backend_pool,
    &pb_backend_arena,
    &pb_backend_malloc,
    &pb_backend_null,
    &pb_backend_pool_small,
    &pb_backend_pools,
    &pb_backend_pool_tag,
    &pb_backend_hybrid,
    &pb_backend_jemalloc,
    &pb_backend_mimalloc,
    &pb_backend_tcmalloc,
    &pb_backend_preload,
    NULL,
};

/* The backend called name in table (NULL-terminated; NULL table: none). */
static const struct pb_backend_ops *find_in(const struct pb_backend_ops *const *table,
                                            const char *name)
{
    for (size_t i = 0; table && table[i]; i++)
        if (strcmp(table[i]->name, name) == 0)
            return table[i];
    return NULL;
}

/* "unknown backend 'mallco' (did you mean 'malloc'?); backends: pool, ..." */
static void unknown_backend(const char *name, char *err, size_t errlen)
{
    struct pb_suggest s;
    pb_suggest_init(&s, name);
    for (size_t i = 0; pb_backends[i]; i++)
        pb_suggest_offer(&s, pb_backends[i]->name);
    for (size_t i = 0; pb_backends_extra && pb_backends_extra[i]; i++)
        pb_suggest_offer(&s, pb_backends_extra[i]->name);
    char hint[PB_SUGGEST_MAX_LEN + 32];
    snprintf(err, errlen, "unknown backend '%s'%s; backends: %s", name,
             pb_suggest_hint(&s, hint, sizeof hint), s.known);
}

const struct pb_backend_ops *pb_backend_lookup(const char *name, char *err, size_t errlen)
{
    const struct pb_backend_ops *ops = find_in(pb_backends, name);
    if (!ops)
        ops = find_in(pb_backends_extra, name);
    if (!ops) {
        unknown_backend(name, err, errlen);
        return NULL;
    }
    if (ops->version != PB_BACKEND_API_VERSION) {
        snprintf(err, errlen,
                 "backend '%s' was built against backend API version %d, not %d: rebuild it",
                 name, ops->version, PB_BACKEND_API_VERSION);
        return NULL;
    }
    return ops;
}

const struct pb_backend_ops *pb_backend_find(const char *name)
{
    char err[PB_ERR_MAX];
    return pb_backend_lookup(name, err, sizeof err);
}

unsigned pb_backend_flags(const struct pb_backend_ops *ops, void *self)
{
    if (!ops->instance_flags || !self)
        return ops->flags;
    const unsigned may_clear = PB_BK_FIXED_SIZE | PB_BK_FREE_ALL;
    unsigned mine = ops->instance_flags(self);
    return (ops->flags & ~may_clear) | (ops->flags & mine & may_clear);
}

const char *pb_option_get(const struct pb_option *opts, size_t n, const char *key)
{
    const char *value = NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(opts[i].key, key) == 0)
            value = opts[i].value;
    return value;
}

static int option_declared(const struct pb_backend_ops *ops, const char *key)
{
    if (!ops->options)
        return 0;
    for (const struct pb_option_desc *d = ops->options; d->key; d++)
        if (strcmp(d->key, key) == 0)
            return 1;
    return 0;
}

/* "unknown option 'chunks' for pool (did you mean 'chunk'?); pool takes chunk, ..." */
static void unknown_option(const struct pb_backend_ops *ops, const char *key, char *err,
                           size_t errlen)
{
    struct pb_suggest s;
    pb_suggest_init(&s, key);
    for (const struct pb_option_desc *d = ops->options; d && d->key; d++)
        pb_suggest_offer(&s, d->key);
    char hint[PB_SUGGEST_MAX_LEN + 32];
    if (s.n_known == 0)
        snprintf(err, errlen, "unknown option '%s' for %s; %s takes no options", key, ops->name,
                 ops->name);
    else
        snprintf(err, errlen, "unknown option '%s' for %s%s; %s takes %s", key, ops->name,
                 pb_suggest_hint(&s, hint, sizeof hint), ops->name, s.known);
}

int pb_options_check(const struct pb_backend_ops *ops, const struct pb_option *opts,
                     size_t n, char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        if (!option_declared(ops, opts[i].key)) {
            unknown_option(ops, opts[i].key, err, errlen);
            return -1;
        }
    }
    return 0;
}

int pb_parse_size(const char *text, size_t *out)
{
    uint64_t v;
    if (pb_parse_scaled_u64(text, &v) || v > SIZE_MAX)
        return -1;
    *out = (size_t)v;
    return 0;
}
