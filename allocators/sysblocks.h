/*
 * sysblocks.h -- an open-addressing set of block pointers, each with a size:
 * the blocks a backend handed to another allocator (pools' system blocks,
 * pool's fallback blocks), so free can tell them apart and free_all can
 * release them. Internal to allocators/. See sysblocks.c.
 */
#ifndef PB_SYSBLOCKS_H
#define PB_SYSBLOCKS_H

#include <stddef.h>

/* The set: keys[i] NULL = empty slot; usable[i] the size kept with keys[i]. */
struct pb_sysblocks {
    void **keys;    /* NULL = empty slot */
    size_t *usable; /* the size kept with each block (pools: malloc_usable_size) */
    size_t cap, n;  /* cap a power of two (or 0), n <= cap / 2 */
};

/* The home slot of p (cap must be non-zero). */
size_t pb_sysblocks_slot(const struct pb_sysblocks *s, const void *p);

/* Make room for extra more keys, so that many inserts cannot fail; -1 on OOM. */
int pb_sysblocks_reserve(struct pb_sysblocks *s, size_t extra);

/* Add p with size usable; -1 when the table cannot grow (out of memory). */
int pb_sysblocks_insert(struct pb_sysblocks *s, void *p, size_t usable);

/* Remove p; its size in *usable. -1 if p is not in the set. */
int pb_sysblocks_remove(struct pb_sysblocks *s, const void *p, size_t *usable);

/* Is p in the set? O(1) expected. */
int pb_sysblocks_has(const struct pb_sysblocks *s, const void *p);

/* Free the tables (not the blocks); the set is empty afterwards. */
void pb_sysblocks_release(struct pb_sysblocks *s);

#endif /* PB_SYSBLOCKS_H */
