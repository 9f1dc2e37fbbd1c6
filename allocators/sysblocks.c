/*
 * sysblocks.c -- the pointer set of sysblocks.h: open addressing with linear
 * probing, a multiplicative hash of the address, at most half full (grown by
 * doubling), removal by backward shift so probes stay unbroken (each later key
 * of the cluster moves into the hole unless its home lies between the hole and
 * itself).
 *
 * Invariants: n <= cap / 2; every key sits in its cluster at or after its
 * home slot; no key twice. Costs: insert, remove, has O(1) expected; growing
 * O(cap). The tables come from pb_hmem (mmap), not from the C library, whose
 * heap may be the allocator the set's owner stands beside.
 */
#include "sysblocks.h"

#include "pb_hmem.h"

#include <stdint.h>

size_t pb_sysblocks_slot(const struct pb_sysblocks *s, const void *p)
{
    uint64_t h = (uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 32) & (s->cap - 1);
}

static int sys_grow(struct pb_sysblocks *s)
{
    size_t cap = s->cap ? 2 * s->cap : 64;
    struct pb_sysblocks t = {pb_hmem_calloc(cap, sizeof(void *)),
                             pb_hmem_calloc(cap, sizeof(size_t)), cap, 0};
    if (!t.keys || !t.usable) {
        pb_hmem_free(t.keys, cap * sizeof(void *));
        pb_hmem_free(t.usable, cap * sizeof(size_t));
        return -1;
    }
    for (size_t i = 0; i < s->cap; i++) {
        if (!s->keys[i])
            continue;
        size_t j = pb_sysblocks_slot(&t, s->keys[i]);
        while (t.keys[j])
            j = (j + 1) & (cap - 1);
        t.keys[j] = s->keys[i];
        t.usable[j] = s->usable[i];
        t.n++;
    }
    pb_hmem_free(s->keys, s->cap * sizeof(void *));
    pb_hmem_free(s->usable, s->cap * sizeof(size_t));
    *s = t;
    return 0;
}

int pb_sysblocks_reserve(struct pb_sysblocks *s, size_t extra)
{
    while (2 * (s->n + extra) > s->cap)
        if (sys_grow(s))
            return -1;
    return 0;
}

int pb_sysblocks_insert(struct pb_sysblocks *s, void *p, size_t usable)
{
    if (2 * (s->n + 1) > s->cap && sys_grow(s))
        return -1;
    size_t j = pb_sysblocks_slot(s, p);
    while (s->keys[j])
        j = (j + 1) & (s->cap - 1);
    s->keys[j] = p;
    s->usable[j] = usable;
    s->n++;
    return 0;
}

/* Remove p; its usable size in *usable. -1 if p is not in the set. */
int pb_sysblocks_remove(struct pb_sysblocks *s, const void *p, size_t *usable)
{
    if (s->n == 0)
        return -1;
    size_t j = pb_sysblocks_slot(s, p);
    while (s->keys[j] && s->keys[j] != p)
        j = (j + 1) & (s->cap - 1);
    if (!s->keys[j])
        return -1;
    *usable = s->usable[j];
    s->n--;
    /* Backward shift: a later key of the cluster whose home is not in (hole, k]
     * would be cut off from it by the hole, so it moves into the hole. */
    size_t mask = s->cap - 1, hole = j;
    for (size_t k = (j + 1) & mask; s->keys[k]; k = (k + 1) & mask) {
        size_t home = pb_sysblocks_slot(s, s->keys[k]);
        if (((home - hole - 1) & mask) < ((k - hole) & mask))
            continue; /* home in (hole, k]: still reachable */
        s->keys[hole] = s->keys[k];
        s->usable[hole] = s->usable[k];
        hole = k;
    }
    s->keys[hole] = NULL;
    return 0;
}

int pb_sysblocks_has(const struct pb_sysblocks *s, const void *p)
{
    if (s->n == 0)
        return 0;
    size_t j = pb_sysblocks_slot(s, p);
    while (s->keys[j] && s->keys[j] != p)
        j = (j + 1) & (s->cap - 1);
    return s->keys[j] != NULL;
}

void pb_sysblocks_release(struct pb_sysblocks *s)
{
    pb_hmem_free(s->keys, s->cap * sizeof(void *));
    pb_hmem_free(s->usable, s->cap * sizeof(size_t));
    *s = (struct pb_sysblocks){NULL, NULL, 0, 0};
}
