/*
 * replay.c -- the hot loop. One switch per event; each case is the backend
 * call, the slot-table update and the touches, nothing more. Every pointer a
 * backend returns escapes through an empty asm statement with a memory
 * clobber, and the core library is built with -fno-builtin-malloc and
 * friends, so the compiler can neither elide the calls nor the writes.
 */
#include "replay.h"

#include "pb_hmem.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Make p (and everything written through it) visible to an unknown reader. */
static inline void escape(void *p)
{
    __asm__ volatile("" : : "r"(p) : "memory");
}

/* Bytes of the slot table for n slots. */
static size_t table_bytes(size_t n)
{
    return n * sizeof(struct pb_slot);
}

/* Read one byte of every page of the events (a mapped .pbt file), so the
 * first replay's page faults are the backend's, not the event array's. */
static void prefault_events(const struct pb_event *events, size_t n, size_t page)
{
    const volatile unsigned char *p = (const volatile unsigned char *)events;
    size_t bytes = n * sizeof *events;
    for (size_t off = 0; off < bytes; off += page)
        (void)p[off];
}

int pb_replay_init(struct pb_replay *r, const struct pb_backend_ops *ops, void *self,
                   const struct pb_workload *w, enum pb_touch touch)
{
    memset(r, 0, sizeof *r);
    long ps = sysconf(_SC_PAGESIZE);
    r->page_size = ps > 0 ? (size_t)ps : 4096;
    size_t n = w->n_slots ? w->n_slots : 1;
    /* from pb_hmem: never the allocator under test's memory */
    r->slot = pb_hmem_alloc(table_bytes(n));
    if (!r->slot)
        return -1;
    /* Make the table resident now, so its pages never count as the backend's. */
    memset(r->slot, 0, table_bytes(n));
    prefault_events(w->events, w->n_records, r->page_size);
    r->ops = ops;
    r->self = self;
    r->flags = pb_backend_flags(ops, self);
    r->events = w->events;
    r->n_events = w->n_records;
    r->n_slots = w->n_slots;
    r->touch = touch;
    return 0;
}

void pb_replay_fini(struct pb_replay *r)
{
    if (r->slot)
        pb_hmem_free(r->slot, table_bytes(r->n_slots ? r->n_slots : 1));
    r->slot = NULL;
}

static inline void touch_block(unsigned char *p, size_t size, enum pb_touch touch,
                               size_t page_size)
{
    if (touch == PB_TOUCH_NONE || size == 0)
        return;
    if (touch == PB_TOUCH_FULL) {
        memset(p, 0xa5, size);
    } else {
        p[0] = 1;
        uintptr_t next = ((uintptr_t)p | (page_size - 1)) + 1;
        uintptr_t end = (uintptr_t)p + size;
        for (; next < end; next += page_size)
            *(unsigned char *)next = 1;
    }
    escape(p);
}

void pb_replay_touch(const struct pb_replay *r, void *p, size_t size)
{
    touch_block(p, size, r->touch, r->page_size);
}

static void clear_table(struct pb_replay *r)
{
    for (uint32_t s = 0; s < r->n_slots; s++)
        r->slot[s].ptr = NULL;
}

static void free_every_slot(struct pb_replay *r)
{
    const struct pb_backend_ops *ops = r->ops;
    for (uint32_t s = 0; s < r->n_slots; s++) {
        if (r->slot[s].ptr) {
            ops->free(r->self, r->slot[s].ptr, r->slot[s].size);
            r->slot[s].ptr = NULL;
        }
    }
}

/* r without a realloc op: alloc, copy min(old, new), free. NULL on refusal. */
static void *realloc_by_copy(struct pb_replay *r, void *old, size_t old_size, size_t new_size,
                             size_t align)
{
    void *p = r->ops->alloc(r->self, new_size, align);
    if (!p)
        return NULL;
    memcpy(p, old, old_size < new_size ? old_size : new_size);
    if (r->ops->free(r->self, old, old_size)) {
        r->ops->free(r->self, p, new_size);
        return NULL;
    }
    return p;
}

/* x: free every live block (free_all when the backend has it); in the memory
 * pass each leaves the tracker first. O(n_slots), as the table's reset is. */
static void reset_slots(struct pb_replay *r)
{
    for (uint32_t s = 0; r->occ && s < r->n_slots; s++)
        if (r->slot[s].ptr)
            pb_occupancy_remove(r->occ, r->slot[s].ptr, r->slot[s].size);
    if ((r->flags & PB_BK_FREE_ALL) && r->ops->free_all) {
        r->ops->free_all(r->self);
        clear_table(r);
    } else {
        free_every_slot(r);
    }
}

/* An a event through the instance's direct calls where they promise the
 * same as alloc (PB_DIRECT_MAX_ALIGN or less), else through alloc. A NULL
 * from the direct call is asked once more through alloc, so the backend
 * counts the failure and says why (the replay stops there either way). */
static inline __attribute__((always_inline)) void *direct_alloc(struct pb_replay *r,
                                                                 const struct pb_event *e,
                                                                 size_t align)
{
    if (align <= PB_DIRECT_MAX_ALIGN) {
        void *p = r->calls.alloc(e->size ? e->size : 1);
        if (p)
            return p;
    }
    return r->ops->alloc(r->self, e->size, align);
}

/* The loop itself; `tagged`, `direct`, `tracked` and `touch` are constants in
 * each of its callers, so each gets its own copy of the loop with no per-event
 * test of them (the timed replays run the copies with tracked = 0, one per
 * touch mode: the mode's tests cost 7 instructions per alloc when read at run
 * time; `direct` saves a call layer, about 15 instructions per alloc). */
static inline __attribute__((always_inline)) size_t replay_loop(struct pb_replay *r, size_t from,
                                                                 size_t to, const int tagged,
                                                                 const int direct,
                                                                 const int tracked,
                                                                 const enum pb_touch touch)
{
    const struct pb_backend_ops *ops = r->ops;
    void *self = r->self;
    struct pb_slot *sl = r->slot;
    const struct pb_event *const end = r->events + to;
    const size_t page = r->page_size;
    /* a and f first, tested in that order (a switch tests r first); a failure
     * reads r->events again, so the loop keeps no register for it */
    for (const struct pb_event *e = r->events + from; e < end; e++) {
        const uint32_t s = e->slot;
        if (e->op == PB_OP_ALLOC) {
            size_t align = (size_t)1 << e->align_log2;
            void *p = tagged   ? ops->alloc_tagged(self, e->size, align, e->tag)
                      : direct ? direct_alloc(r, e, align)
                               : ops->alloc(self, e->size, align);
            if (!p)
                return (size_t)(e - r->events);
            escape(p);
            sl[s].ptr = p;
            sl[s].size = e->size;
            touch_block(p, e->size, touch, page);
            if (tracked)
                pb_occupancy_add(r->occ, p, e->size);
        } else if (e->op == PB_OP_FREE) {
            if (direct)
                r->calls.free(sl[s].ptr);
            else if (ops->free(self, sl[s].ptr, sl[s].size))
                return (size_t)(e - r->events);
            if (tracked)
                pb_occupancy_remove(r->occ, sl[s].ptr, sl[s].size);
            sl[s].ptr = NULL;
        } else if (e->op == PB_OP_REALLOC) {
            size_t align = (size_t)1 << e->align_log2;
            void *p = ops->realloc ? ops->realloc(self, sl[s].ptr, sl[s].size, e->size, align)
                                   : realloc_by_copy(r, sl[s].ptr, sl[s].size, e->size, align);
            if (!p)
                return (size_t)(e - r->events);
            escape(p);
            if (tracked)
                pb_occupancy_move(r->occ, sl[s].ptr, sl[s].size, p, e->size);
            sl[s].ptr = p;
            sl[s].size = e->size;
            touch_block(p, e->size, touch, page);
        } else if (e->op == PB_OP_RESET) {
            reset_slots(r);
        } else {
            return (size_t)(e - r->events);
        }
    }
    return to;
}

/* The timed copies: one per (tagged or direct, touch mode), each a function
 * of its own. */
static inline __attribute__((always_inline)) size_t replay_timed(struct pb_replay *r, size_t from,
                                                                  size_t to, const int tagged,
                                                                  const int direct)
{
    switch (r->touch) {
    case PB_TOUCH_NONE:
        return replay_loop(r, from, to, tagged, direct, 0, PB_TOUCH_NONE);
    case PB_TOUCH_FULL:
        return replay_loop(r, from, to, tagged, direct, 0, PB_TOUCH_FULL);
    default:
        return replay_loop(r, from, to, tagged, direct, 0, PB_TOUCH_PAGES);
    }
}

__attribute__((noinline)) static size_t replay_plain(struct pb_replay *r, size_t from, size_t to)
{
    return replay_timed(r, from, to, 0, 0);
}

__attribute__((noinline)) static size_t replay_tagged(struct pb_replay *r, size_t from, size_t to)
{
    return replay_timed(r, from, to, 1, 0);
}

__attribute__((noinline)) static size_t replay_direct(struct pb_replay *r, size_t from, size_t to)
{
    return replay_timed(r, from, to, 0, 1);
}

size_t pb_replay_range(struct pb_replay *r, size_t from, size_t to)
{
    int tagged = (r->ops->flags & PB_BK_TAGGED) && r->ops->alloc_tagged;
    if (!r->occ) {
        if (tagged)
            return replay_tagged(r, from, to);
        return r->direct ? replay_direct(r, from, to) : replay_plain(r, from, to);
    }
    /* the memory pass's copies (not timed): the touch mode read at run time */
    return tagged ? replay_loop(r, from, to, 1, 0, 1, r->touch)
                  : replay_loop(r, from, to, 0, 0, 1, r->touch);
}

void pb_replay_release(struct pb_replay *r)
{
    if ((r->flags & PB_BK_FREE_ALL) && r->ops->free_all) {
        r->ops->free_all(r->self);
        clear_table(r);
    } else {
        free_every_slot(r);
    }
}

int pb_replay_timed(struct pb_replay *r, uint64_t *ns, size_t *fail_event)
{
    /* asked now, not at init: a stats call since may have started bookkeeping */
    r->direct = !r->occ && r->ops->direct_calls && r->ops->direct_calls(r->self, &r->calls) == 0;
    uint64_t t0 = pb_now_ns();
    size_t done = pb_replay_range(r, 0, r->n_events);
    uint64_t t1 = pb_now_ns();
    r->direct = 0;
    if (done != r->n_events) {
        *fail_event = done;
        pb_replay_release(r);
        return -1;
    }
    *ns = t1 - t0;
    pb_replay_release(r);
    return 0;
}

int pb_touch_parse(const char *text, enum pb_touch *out)
{
    static const char *const names[] = {"none", "pages", "full"};
    for (int i = 0; i < 3; i++) {
        if (strcmp(text, names[i]) == 0) {
            *out = (enum pb_touch)i;
            return 0;
        }
    }
    return -1;
}

const char *pb_touch_name(enum pb_touch t)
{
    return t == PB_TOUCH_NONE ? "none" : t == PB_TOUCH_FULL ? "full" : "pages";
}
