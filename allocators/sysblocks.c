/*
 * sysblocks.c -- the pointer set of sysblocks.h: open addressing with linear
 * probing, a multiplicative hash of the address, at most half full (grown by
 * doubling), removal by backward shift so probes stay unbroken.
 *
 * Invariants: n <= cap / 2; every key sits in its cluster at or after its
 * home slot; no key twice. Costs: insert, remove, has O(1) expected; growing
 * O(cap). The tables come from calloc (the blocks they track are the
 * caller's).
 */
#include "sysblocks.h"

#include <stdint.h>
#include <stdlib.h>

size_t pb_sysblocks_slot(const struct pb_sysblocks *s, const void *p)
{
    uint64_t h = (uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 32) & (s->cap - 1);
}

static int sys_grow(struct pb_sysblocks *s)
{
    size_t cap = s->cap ? 2 * s->cap : 64;
    struct pb_sysblocks t = {calloc(cap, sizeof(void *)), calloc(cap, sizeof(size_t)), cap, 0};
    if (!t.keys || !t.usable) {
        free(t.keys);
        free(t.usable);
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
    free(s->keys);
    free(s->usable);
    *s = t;
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
    s->keys[j] = NULL;
    s->n--;
    /* Backward shift: re-place the rest of the cluster so probes stay unbroken. */
    for (size_t k = (j + 1) & (s->cap - 1); s->keys[k]; k = (k + 1) & (s->cap - 1)) {
        void *key = s->keys[k];
        size_t u = s->usable[k];
        s->keys[k] = NULL;
        size_t m = pb_sysblocks_slot(s, key);
        while (s->keys[m])
            m = (m + 1) & (s->cap - 1);
        s->keys[m] = key;
        s->usable[m] = u;
    }
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
    free(s->keys);
    free(s->usable);
    *s = (struct pb_sysblocks){NULL, NULL, 0, 0};
}
