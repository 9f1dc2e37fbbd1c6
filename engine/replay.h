/*
 * replay.h -- the timed hot loop: replays decoded events against one backend.
 *
 * The caller owns the slot table (one pointer and one size per slot, all NULL
 * at the start) so the measure and latency passes can look at the live blocks
 * between ranges of events. The loop holds only the backend calls and the page
 * touches; everything else (decoding, checking, clocks) happens outside it.
 */
#ifndef PB_REPLAY_H
#define PB_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "occupancy.h"
#include "pb_clock.h"
#include "pb_backend.h"
#include "pb_workload.h"

/* What the replay writes into every new or resized block, as a program would. */
enum pb_touch {
    PB_TOUCH_NONE = 0,  /* nothing: only the allocator's own writes make pages resident */
    PB_TOUCH_PAGES = 1, /* one byte in each page the block overlaps (the default) */
    PB_TOUCH_FULL = 2,  /* memset the whole block */
};

/* One slot of the table: the live block and its requested size, side by
 * side so one index reaches both (and no load of one waits on a store to
 * the other at the same offset in another page). */
struct pb_slot {
    void *ptr;   /* NULL: the slot is not live */
    size_t size;
};

/* One replay in progress: backend, events and the caller's slot table. */
struct pb_replay {
    const struct pb_backend_ops *ops;
    void *self;                     /* the backend instance */
    unsigned flags;                 /* the instance's flags (pb_backend_flags) */
    const struct pb_event *events;
    size_t n_events;
    struct pb_slot *slot;           /* n_slots entries */
    uint32_t n_slots;
    enum pb_touch touch;
    size_t page_size;
    struct pb_occupancy *occ;       /* NULL (timed replays); the memory pass sets it to
                                       have every block that becomes or stops being live
                                       added to or removed from it */
    int direct;                     /* inside pb_replay_timed only: the instance's
                                       direct_calls said yes, so `calls` are made instead
                                       of alloc and free where they promise the same */
    struct pb_direct_calls calls;
};

/* Set r up for w against (ops, self): allocates a zeroed slot table (from
 * pb_hmem, never malloc), no occupancy tracker. -1 on OOM. */
int pb_replay_init(struct pb_replay *r, const struct pb_backend_ops *ops, void *self,
                   const struct pb_workload *w, enum pb_touch touch);

/* Free the slot table (not the blocks: see pb_replay_release). */
void pb_replay_fini(struct pb_replay *r);

/* Replay events[from, to). Returns `to` when all succeeded, else the index of
 * the event the backend refused (its reason from ops->last_error). A backend
 * flagged PB_BK_TAGGED gets alloc_tagged(size, align, event's tag) for a.
 * With r->occ set, the tracker follows the slot table event by event (a
 * separate copy of the loop: the timed one is untouched). */
size_t pb_replay_range(struct pb_replay *r, size_t from, size_t to);

/* Write into a new block as r->touch says (used by the latency pass). */
void pb_replay_touch(const struct pb_replay *r, void *p, size_t size);

/* Release every block still live (free_all when the backend has it) and empty the table. */
void pb_replay_release(struct pb_replay *r);

/* One whole replay timed with CLOCK_MONOTONIC; live blocks are released after
 * the clock stops. When the instance's direct_calls op says yes just before,
 * the replay calls those instead of alloc and free where they promise the
 * same. 0 and *ns on success; -1 and *fail_event on a refusal. */
int pb_replay_timed(struct pb_replay *r, uint64_t *ns, size_t *fail_event);

/* Parse "none", "pages" or "full"; -1 on anything else. */
int pb_touch_parse(const char *text, enum pb_touch *out);

/* The name of a touch mode, for the results' config. */
const char *pb_touch_name(enum pb_touch t);

#endif /* PB_REPLAY_H */
