/*
 * registry.c -- the single table of backends, and the small option helpers
 * every backend's create() shares.
 */
#include "pb_backend.h"
#include "pb_num.h"

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
    &pb_backend_jemalloc,
    &pb_backend_mimalloc,
    &pb_backend_tcmalloc,
    &pb_backend_preload,
    NULL,
};

const struct pb_backend_ops *pb_backend_find(const char *name)
{
    for (size_t i = 0; pb_backends[i]; i++)
        if (strcmp(pb_backends[i]->name, name) == 0)
            return pb_backends[i];
    return NULL;
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

int pb_options_check(const struct pb_backend_ops *ops, const struct pb_option *opts,
                     size_t n, char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        if (!option_declared(ops, opts[i].key)) {
            snprintf(err, errlen, "backend '%s' has no option '%s' (see poolbench list)",
                     ops->name, opts[i].key);
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
