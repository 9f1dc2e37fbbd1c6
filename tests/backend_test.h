/*
 * backend_test.h -- helpers shared by the backend tests (tests/test_pool.c,
 * test_arena.c, ...): make an instance, read its stats, config and mappings,
 * count its resident pages, run its check op, fill / verify blocks with a
 * pattern unique to each block, and the checks that the slab allocators
 * (pool, pool-small) share: LIFO reuse, free_all keeping its slabs, exact
 * counters over two slabs. What every backend must do is tested once,
 * for all of them, in test_backend_contract.c. Include after cmocka.h.
 */
#ifndef PB_BACKEND_TEST_H
#define PB_BACKEND_TEST_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pb_backend.h"

/* The registered backend called name (the test fails if there is none). */
static inline const struct pb_backend_ops *bt_ops(const char *name)
{
    const struct pb_backend_ops *ops = pb_backend_find(name);
    assert_non_null(ops);
    return ops;
}

/* A new instance with these options (the test fails if create refuses). */
static inline void *bt_make(const struct pb_backend_ops *ops, const struct pb_option *o,
                            size_t n)
{
    void *self = NULL;
    char err[PB_ERR_MAX] = "";
    if (ops->create(o, n, &self, err, sizeof err))
        fail_msg("%s create failed: %s", ops->name, err);
    return self;
}

/* create must refuse these options with a message containing `message`. */
static inline void bt_create_fails(const struct pb_backend_ops *ops, const struct pb_option *o,
                                   size_t n, const char *message)
{
    void *self = NULL;
    char err[PB_ERR_MAX] = "";
    if (ops->create(o, n, &self, err, sizeof err) != -1)
        fail_msg("%s accepted option %s=%s", ops->name, o[n - 1].key, o[n - 1].value);
    assert_null(self);
    if (!strstr(err, message))
        fail_msg("option %s=%s: message '%s' lacks '%s'", o[n - 1].key, o[n - 1].value, err,
                 message);
}

/* A bad option, and what create's message must contain when refusing it. */
struct bt_bad_option {
    struct pb_option opt;
    const char *message;
};

/* create must refuse each of cases[0 .. n), given alone. */
static inline void bt_refuses_each(const struct pb_backend_ops *ops,
                                   const struct bt_bad_option *cases, size_t n)
{
    for (size_t i = 0; i < n; i++)
        bt_create_fails(ops, &cases[i].opt, 1, cases[i].message);
}

/* The check op passes (the test fails with its message if not). */
static inline void bt_check_ok(const struct pb_backend_ops *ops, void *self)
{
    char msg[PB_ERR_MAX] = "";
    assert_non_null(ops->check);
    if (ops->check(self, msg, sizeof msg))
        fail_msg("%s check failed: %s", ops->name, msg);
}

/* The check op fails, saying something containing `message`. */
static inline void bt_check_fails(const struct pb_backend_ops *ops, void *self,
                                  const char *message)
{
    char msg[PB_ERR_MAX] = "";
    assert_non_null(ops->check);
    if (ops->check(self, msg, sizeof msg) != -1)
        fail_msg("%s check passed a corrupt instance", ops->name);
    if (!strstr(msg, message))
        fail_msg("%s check: message '%s' lacks '%s'", ops->name, msg, message);
}

static inline struct pb_backend_stats bt_stats(const struct pb_backend_ops *ops, void *self)
{
    struct pb_backend_stats st;
    ops->stats(self, &st);
    return st;
}

/* The value of one config entry, as text (valid until the next call). */
static inline const char *bt_config_text(const struct pb_backend_ops *ops, void *self,
                                         const char *key)
{
    static struct pb_config_entry cfg[16];
    size_t n = ops->config(self, cfg, 16);
    for (size_t i = 0; i < n; i++)
        if (strcmp(cfg[i].key, key) == 0)
            return cfg[i].value;
    fail_msg("no config entry %s", key);
    return "";
}

static inline size_t bt_config_value(const struct pb_backend_ops *ops, void *self,
                                     const char *key)
{
    return (size_t)strtoull(bt_config_text(ops, self, key), NULL, 10);
}

/* The mappings an instance lists (the first 64; n counts them all). */
struct bt_mappings {
    struct pb_mapping m[64];
    size_t n;
};

static inline int bt_collect(const struct pb_mapping *m, void *ctx)
{
    struct bt_mappings *l = ctx;
    if (l->n < 64)
        l->m[l->n] = *m;
    l->n++;
    return 0;
}

static inline struct bt_mappings bt_mappings_of(const struct pb_backend_ops *ops, void *self)
{
    struct bt_mappings l = {.n = 0};
    ops->mappings(self, bt_collect, &l);
    return l;
}

/* Is p inside mapping m? */
static inline int bt_inside(const struct pb_mapping *m, const void *p)
{
    const unsigned char *b = m->addr;
    return (const unsigned char *)p >= b && (const unsigned char *)p < b + m->len;
}

/* Pages of [addr, addr + len) resident now, by the kernel (mincore). */
static inline size_t bt_resident_pages(void *addr, size_t len)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE), pages = len / page, n = 0;
    unsigned char *vec = malloc(pages ? pages : 1);
    assert_non_null(vec);
    assert_int_equal(mincore(addr, len, vec), 0);
    for (size_t i = 0; i < pages; i++)
        n += vec[i] & 1;
    free(vec);
    return n;
}

/* Fill a block with a pattern unique to its tag; bt_verify checks it later. */
static inline void bt_fill(unsigned char *p, size_t n, unsigned tag)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(tag * 131u + i * 7u + 1u);
}

static inline void bt_verify(const unsigned char *p, size_t n, unsigned tag)
{
    for (size_t i = 0; i < n; i++)
        assert_int_equal(p[i], (unsigned char)(tag * 131u + i * 7u + 1u));
}

/* n blocks of size (aligned to align), each filled with its index's pattern
 * (bt_fill): an array of them for the test to free. */
static inline unsigned char **bt_alloc_filled(const struct pb_backend_ops *ops, void *self,
                                              size_t n, size_t size, size_t align)
{
    unsigned char **p = calloc(n, sizeof *p);
    assert_non_null(p);
    for (size_t i = 0; i < n; i++) {
        p[i] = ops->alloc(self, size, align);
        assert_non_null(p[i]);
        assert_int_equal((uintptr_t)p[i] % align, 0);
        bt_fill(p[i], size, (unsigned)i);
    }
    return p;
}

/* Chunks are reused last in, first out: of three blocks, the two freed come
 * back in reverse order, and the next is none of the three. */
static inline void bt_expect_lifo(const struct pb_backend_ops *ops, void *self, size_t size,
                                  size_t align)
{
    void *a = ops->alloc(self, size, align);
    void *b = ops->alloc(self, size, align);
    void *c = ops->alloc(self, size, align);
    assert_int_equal(ops->free(self, b, size), 0);
    assert_int_equal(ops->free(self, c, size), 0);
    assert_ptr_equal(ops->alloc(self, size, align), c); /* last freed, first reused */
    assert_ptr_equal(ops->alloc(self, size, align), b);
    void *d = ops->alloc(self, size, align);
    assert_true(d != a && d != b && d != c);
}

/* A slab allocator's free_all keeps its slabs (of slab bytes, per_slab
 * chunks of size each): 100 blocks over two slabs, freed at once, then both
 * kept slabs are carved again, from the first block on, before a third is
 * mapped. */
static inline void bt_free_all_keeps_slabs(const struct pb_backend_ops *ops, void *self,
                                           size_t size, size_t align, size_t slab,
                                           size_t per_slab)
{
    unsigned char *first = ops->alloc(self, size, align);
    for (size_t i = 1; i < 100; i++)
        assert_non_null(ops->alloc(self, size, align));
    assert_int_equal(bt_mappings_of(ops, self).n, 2);
    ops->free_all(self);
    struct pb_backend_stats st = bt_stats(ops, self);
    assert_int_equal(st.live_blocks, 0);
    assert_int_equal(st.granted_bytes, 0);
    assert_int_equal(st.footprint_bytes, 2 * slab); /* slabs stay mapped */
    assert_int_equal(st.free_alls, 1);
    assert_ptr_equal(ops->alloc(self, size, align), first);
    for (size_t i = 1; i < 2 * per_slab; i++) {
        unsigned char *p = ops->alloc(self, size, align);
        assert_non_null(p);
        bt_fill(p, size, (unsigned)i);
    }
    assert_int_equal(bt_mappings_of(ops, self).n, 2); /* both kept slabs refilled first */
    assert_non_null(ops->alloc(self, size, align));
    assert_int_equal(bt_mappings_of(ops, self).n, 3);
}

/* A slab allocator's counters, exactly: three blocks of size, the middle one
 * freed, then it reused and the rest of the first slab (slab bytes, per_slab
 * chunks of chunk bytes) and one chunk of a second carved, into p[0 ..
 * per_slab + 1]. */
static inline void bt_stats_over_two_slabs(const struct pb_backend_ops *ops, void *self,
                                           size_t size, size_t align, size_t chunk, size_t slab,
                                           size_t per_slab, void **p)
{
    for (int i = 0; i < 3; i++)
        p[i] = ops->alloc(self, size, align);
    assert_int_equal(ops->free(self, p[1], size), 0);
    struct pb_backend_stats st = bt_stats(ops, self);
    assert_int_equal(st.granted_bytes, 2 * chunk);
    assert_int_equal(st.live_blocks, 2);
    assert_int_equal(st.allocs, 3);
    assert_int_equal(st.frees, 1);
    assert_int_equal(st.footprint_bytes, slab);
    assert_int_equal(st.peak_footprint_bytes, slab);
    for (size_t i = 3; i < per_slab + 2; i++)
        p[i] = ops->alloc(self, 1, 1);
    st = bt_stats(ops, self);
    assert_int_equal(st.live_blocks, per_slab + 1);
    assert_int_equal(st.granted_bytes, (per_slab + 1) * chunk);
    assert_int_equal(st.footprint_bytes, 2 * slab);
}

#endif /* PB_BACKEND_TEST_H */
