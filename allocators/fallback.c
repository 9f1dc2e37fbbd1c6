/*
 * fallback.c -- the embedded fallback backend of fallback.h.
 *
 * Layout. The fallback is an ordinary instance of a registered backend,
 * found with pb_backend_lookup and created with its default options; the
 * owner (pool) calls it through its ops table only. A block larger than the
 * owner's limit is the fallback's by its size, which every free and realloc
 * carries, so it is listed nowhere: a program with a pool in front of malloc
 * pays a size compare, not a lookup, and so does this. A block of size <=
 * limit sent here for its alignment is kept in a pointer set (sysblocks.h)
 * with its size, as its size alone cannot tell it from the owner's.
 *
 * Invariants:
 *   - live is the number of live fallback blocks and equals the fallback's
 *     own live_blocks (its stats) when its stats were first asked while it
 *     held none (malloc counts from its first stats call on); small.n of them
 *     have size <= limit and are in the set, each once. Both checked by the
 *     check op, which also notes that first moment (live_when_asked).
 *   - While small.n is 0, a free of size <= limit is the owner's without a
 *     lookup; a free of size > limit is always the fallback's (the owner
 *     never holds one).
 *   - free_all releases every block only when the fallback has its own
 *     free_all (pb_fallback_frees_all: pools); otherwise it frees the small
 *     ones and the owner must not claim PB_BK_FREE_ALL, so the runner frees
 *     the rest block by block.
 *
 * Costs: alloc and free above the limit: the fallback's own call plus two
 * counter updates (inline in fallback.h). A small fallback block adds a set
 * insert or remove (O(1) expected, the set's tables from pb_hmem), and while
 * one is live every owner free of a size it holds pays one set probe.
 *
 * Figures: the owner adds the fallback's footprint (at least its granted
 * bytes: a C library whose mallinfo2 reports less, as ASan's does, is not
 * taken at its word), peak footprint, granted bytes, live blocks and
 * resident figure to its own. Peak footprint is the
 * sum of the two peaks, which may come at different moments: an upper bound
 * of the combined peak, exact when one part never shrinks. The fallback's
 * mappings are listed only if it has PB_BK_OWN_MAPPINGS (pools); malloc's
 * pages are the C library's and not in the owner's mappings.
 */
#include "fallback.h"
#include "pb_assert.h"

#include <stdio.h>
#include <string.h>

/* Flags a fallback must not have: it stands in for malloc in this process. */
#define FB_UNFIT \
    (PB_BK_PROCESS_WIDE | PB_BK_NO_MEMORY | PB_BK_FIXED_SIZE | PB_BK_TAGGED | PB_BK_FREE_NOOP)

int pb_fallback_init(struct pb_fallback *fb, const char *owner, const char *name,
                     size_t limit, char *err, size_t errlen)
{
    *fb = (struct pb_fallback){.limit = limit, .live_when_asked = SIZE_MAX};
    char why[PB_ERR_MAX];
    const struct pb_backend_ops *ops = pb_backend_lookup(name, why, sizeof why);
    if (!ops) {
        snprintf(err, errlen, "%s: fallback=%s: %s", owner, name, why);
        return -1;
    }
    if (strcmp(ops->name, owner) == 0 || (ops->flags & FB_UNFIT)) {
        snprintf(err, errlen,
                 "%s: fallback=%s: a fallback must be an in-process allocator of any size "
                 "(not %s itself, nor process-wide, fixed-size, tagged, memoryless or one whose "
                 "free releases nothing), "
                 "e.g. malloc or pools", owner, name, owner);
        return -1;
    }
    if (ops->available && ops->available(why, sizeof why)) {
        snprintf(err, errlen, "%s: fallback=%s: %s", owner, name, why);
        return -1;
    }
    if (ops->create(NULL, 0, &fb->self, why, sizeof why)) {
        snprintf(err, errlen, "%s: fallback=%s: %s", owner, name, why);
        return -1;
    }
    fb->ops = ops;
    return 0;
}

void pb_fallback_why(const struct pb_fallback *fb, char *err, size_t errlen)
{
    snprintf(err, errlen, "fallback %s: %s", fb->ops->name, fb->ops->last_error(fb->self));
}

/* Is a block of size bytes one the owner could hold by size (kept in the set)?
 * Never with limit 0: that owner routes by address (hybrid). */
static int fb_small(const struct pb_fallback *fb, size_t size)
{
    return fb->limit && size <= fb->limit;
}

/* Note a new block of size bytes at p; -1 (p freed) when the set cannot grow. */
static int fb_hold(struct pb_fallback *fb, void *p, size_t size, char *err, size_t errlen)
{
    if (fb_small(fb, size) && pb_sysblocks_insert(&fb->small, p, size)) {
        fb->ops->free(fb->self, p, size);
        snprintf(err, errlen, "fallback %s: out of memory for its block table", fb->ops->name);
        return -1;
    }
    fb->live++;
    return 0;
}

/* Forget the block at p of size bytes; -1 when a small one is not in the set. */
static int fb_unhold(struct pb_fallback *fb, void *p, size_t size, const char *what, char *err,
                     size_t errlen)
{
    size_t kept;
    if (fb_small(fb, size) && pb_sysblocks_remove(&fb->small, p, &kept)) {
        snprintf(err, errlen, "%s of %p: not a block of this pool nor of its fallback %s", what,
                 p, fb->ops->name);
        return -1;
    }
    fb->live--;
    return 0;
}

void *pb_fallback_take(struct pb_fallback *fb, size_t size, size_t align, char *err,
                       size_t errlen)
{
    void *p = fb->ops->alloc(fb->self, size, align);
    if (!p) {
        pb_fallback_why(fb, err, errlen);
        return NULL;
    }
    return fb_hold(fb, p, size, err, errlen) ? NULL : p;
}

void *pb_fallback_alloc(struct pb_fallback *fb, size_t size, size_t align, char *err,
                        size_t errlen)
{
    void *p = pb_fallback_take(fb, size, align, err, errlen);
    if (p)
        fb->allocs++;
    return p;
}

int pb_fallback_free(struct pb_fallback *fb, void *p, size_t size, int count, char *err,
                     size_t errlen)
{
    if (fb_unhold(fb, p, size, "free", err, errlen))
        return -1;
    if (count)
        fb->frees++;
    if (fb->ops->free(fb->self, p, size)) {
        pb_fallback_why(fb, err, errlen);
        return -1;
    }
    return 0;
}

/* Resize by the fallback's realloc op, or by a new block, a copy and a free. */
static void *fb_resize(struct pb_fallback *fb, void *p, size_t old, size_t new_size,
                       size_t align)
{
    if (fb->ops->realloc)
        return fb->ops->realloc(fb->self, p, old, new_size, align);
    void *q = fb->ops->alloc(fb->self, new_size, align);
    if (q) {
        memcpy(q, p, old < new_size ? old : new_size);
        fb->ops->free(fb->self, p, old);
    }
    return q;
}

void *pb_fallback_realloc(struct pb_fallback *fb, void *p, size_t old, size_t new_size,
                          size_t align, char *err, size_t errlen)
{
    /* room first: once resized, the block must be kept whatever its size */
    if (fb_small(fb, new_size) && !fb_small(fb, old) && pb_sysblocks_reserve(&fb->small, 1)) {
        snprintf(err, errlen, "fallback %s: out of memory for its block table", fb->ops->name);
        return NULL;
    }
    if (fb_unhold(fb, p, old, "realloc", err, errlen))
        return NULL;
    void *q = fb_resize(fb, p, old, new_size, align);
    int held = fb_hold(fb, q ? q : p, q ? new_size : old, err, errlen);
    pb_assert(held == 0); /* the set had room: reserved, or just left by p */
    (void)held;
    if (!q) {
        pb_fallback_why(fb, err, errlen);
        return NULL;
    }
    return q;
}

void pb_fallback_free_all(struct pb_fallback *fb)
{
    if (!fb->ops)
        return;
    struct pb_sysblocks *s = &fb->small;
    int whole = pb_fallback_frees_all(fb);
    for (size_t i = 0; i < s->cap; i++) {
        if (s->keys[i] && !whole)
            fb->ops->free(fb->self, s->keys[i], s->usable[i]);
        s->keys[i] = NULL;
    }
    fb->live -= s->n;
    s->n = 0;
    if (whole) {
        fb->ops->free_all(fb->self);
        fb->live = 0;
    }
}

/* The fallback's own figures; the first call notes how many blocks were live
 * then (a backend may count its blocks only from its first stats call on, as
 * malloc does, so its live count is comparable only if none was). */
static void fb_stats(struct pb_fallback *fb, struct pb_backend_stats *st)
{
    if (fb->live_when_asked == SIZE_MAX)
        fb->live_when_asked = fb->live;
    memset(st, 0, sizeof *st);
    fb->ops->stats(fb->self, st);
}

void pb_fallback_add_stats(struct pb_fallback *fb, struct pb_backend_stats *out)
{
    if (!fb->ops)
        return;
    struct pb_backend_stats st;
    fb_stats(fb, &st);
    /* it holds at least what it granted (mallinfo2 under ASan reports 0) */
    size_t held = st.footprint_bytes > st.granted_bytes ? st.footprint_bytes : st.granted_bytes;
    size_t peak = st.peak_footprint_bytes > held ? st.peak_footprint_bytes : held;
    out->footprint_bytes += held;
    out->peak_footprint_bytes += peak;
    out->granted_bytes += st.granted_bytes;
    out->live_blocks += fb->live; /* exact, whenever its own count began */
    out->resident_bytes += st.resident_bytes;
}

int pb_fallback_mappings(const struct pb_fallback *fb, pb_mapping_fn fn, void *ctx)
{
    if (!fb->ops || !(fb->ops->flags & PB_BK_OWN_MAPPINGS) || !fb->ops->mappings)
        return 0;
    return fb->ops->mappings(fb->self, fn, ctx);
}

int pb_fallback_check(struct pb_fallback *fb, char *msg, size_t len)
{
    if (!fb->ops)
        return 0;
    const struct pb_sysblocks *s = &fb->small;
    size_t n = 0, small = 0;
    for (size_t i = 0; i < s->cap; i++) {
        if (!s->keys[i])
            continue;
        n++;
        small += fb_small(fb, s->usable[i]);
    }
    struct pb_backend_stats st;
    fb_stats(fb, &st);
    int comparable = fb->live_when_asked == 0;
    if (n != s->n || small != n || n > fb->live || (comparable && st.live_blocks != fb->live)) {
        snprintf(msg, len,
                 "fallback %s: %zu blocks in its table (count %zu, %zu small), %zu counted "
                 "live, it reports %zu live", fb->ops->name, n, s->n, small, fb->live,
                 st.live_blocks);
        return -1;
    }
    char why[PB_ERR_MAX] = "";
    if (fb->ops->check && fb->ops->check(fb->self, why, sizeof why)) {
        snprintf(msg, len, "fallback %s: %s", fb->ops->name, why);
        return -1;
    }
    return 0;
}

void pb_fallback_release(struct pb_fallback *fb)
{
    if (!fb->ops)
        return;
    pb_fallback_free_all(fb);
    fb->ops->destroy(fb->self);
    pb_sysblocks_release(&fb->small);
    fb->ops = NULL;
}
