/*
 * pools_classes.c -- the class list and the size -> class table of the pools
 * family (see pools_classes.h and pools.c's block comment for the routing).
 * No allocation, no state: the backend and the preload library own the arrays.
 */
#include "pools_classes.h"

#include "pb_assert.h"
#include "pb_num.h"

#include <stdio.h>
#include <string.h>

static size_t lowest_bit(size_t n)
{
    return n & (~n + 1);
}

/* One item of the list as a size, or -1. */
static int parse_item(const char *item, size_t *out)
{
    uint64_t v;
    if (pb_parse_scaled_u64(item, &v) || v < sizeof(void *) || v > PB_POOLS_MAX_CLASS)
        return -1;
    *out = (size_t)v;
    return 0;
}

size_t pb_pools_parse_classes(const char *who, const char *text, size_t *sizes, char *err,
                              size_t errlen)
{
    size_t n = 0;
    const char *p = text;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        char item[32];
        size_t v = 0;
        if (len == 0 || len >= sizeof item) {
            snprintf(err, errlen, "%s: classes=%s: empty or overlong item", who, text);
            return 0;
        }
        memcpy(item, p, len);
        item[len] = '\0';
        if (parse_item(item, &v)) {
            snprintf(err, errlen,
                     "%s: class '%s' must be a size from %zu (a free chunk holds a pointer; "
                     "see pool-small) to %zu bytes",
                     who, item, sizeof(void *), PB_POOLS_MAX_CLASS);
            return 0;
        }
        if (n == PB_POOLS_MAX_CLASSES) {
            snprintf(err, errlen, "%s: more than %d classes", who, PB_POOLS_MAX_CLASSES);
            return 0;
        }
        if (n > 0 && v <= sizes[n - 1]) {
            snprintf(err, errlen, "%s: class %zu after %zu: classes must be ascending", who, v,
                     sizes[n - 1]);
            return 0;
        }
        sizes[n++] = v;
        if (!slash)
            return n;
        p = slash + 1;
    }
}

size_t pb_pools_class_align(size_t size)
{
    size_t align = lowest_bit(size);
    return align > PB_POOLS_MAX_ALIGN ? PB_POOLS_MAX_ALIGN : align;
}

struct pb_pools_route pb_pools_route_of(const size_t *sizes, size_t n)
{
    size_t all = 0;
    for (size_t i = 0; i < n; i++)
        all |= sizes[i];
    size_t q = lowest_bit(all);
    struct pb_pools_route r = {.qshift = 0, .qmask = q - 1};
    while (((size_t)1 << r.qshift) < q)
        r.qshift++;
    r.entries = (sizes[n - 1] >> r.qshift) + 1;
    return r;
}

void pb_pools_route_fill(const struct pb_pools_route *r, const size_t *sizes, size_t n,
                         uint8_t *table)
{
    size_t k = 0;
    for (size_t j = 0; j < r->entries; j++) {
        while (sizes[k] < (j << r->qshift))
            k++;
        table[j] = (uint8_t)k;
        pb_assert(k < n && sizes[k] >= j << r->qshift); /* the smallest class that fits */
    }
}
