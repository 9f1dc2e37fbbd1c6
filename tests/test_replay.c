/* test_replay.c -- the hot loop: calls made, slot table, touches, refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "pb_backend.h"
#include "replay.h"
#include "hand_workloads.h"

/* ---- a test-local backend: malloc underneath, no realloc, no free_all ---- */
struct heap {
    struct pb_backend_stats st;
    unsigned char last_copy[8]; /* first bytes of the newest block, seen at free */
};

/* Sizes above this are refused here, before the C library (whose refusal
 * ASan turns into an abort) would see them. */
#define HEAP_MAX ((size_t)1 << 40)

static void *heap_alloc(void *self, size_t size, size_t align)
{
    (void)align;
    struct heap *h = self;
    h->st.allocs++;
    if (size > HEAP_MAX)
        return NULL;
    h->st.live_blocks++;
    return calloc(1, size ? size : 1);
}

static int heap_free(void *self, void *p, size_t size)
{
    (void)size;
    struct heap *h = self;
    h->st.frees++;
    h->st.live_blocks--;
    memcpy(h->last_copy, p, size < 8 ? size : 8);
    free(p);
    return 0;
}

static void heap_stats(void *self, struct pb_backend_stats *out)
{
    *out = ((struct heap *)self)->st;
}

static const struct pb_backend_ops heap_ops = {
    .version = PB_BACKEND_API_VERSION,
    .name = "testheap",
    .alloc = heap_alloc,
    .free = heap_free,
    .stats = heap_stats,
};

/* A tagged variant: alloc_tagged records the tags it is given; alloc counts. */
struct tagheap {
    struct heap h;
    unsigned tags[8];
    size_t n_tags;
    size_t plain_allocs;
};

static void *tagheap_alloc(void *self, size_t size, size_t align)
{
    ((struct tagheap *)self)->plain_allocs++;
    return heap_alloc(self, size, align);
}

static void *tagheap_alloc_tagged(void *self, size_t size, size_t align, unsigned tag)
{
    struct tagheap *t = self;
    if (t->n_tags < 8)
        t->tags[t->n_tags++] = tag;
    return heap_alloc(self, size, align);
}

static const struct pb_backend_ops tagheap_ops = {
    .version = PB_BACKEND_API_VERSION,
    .name = "testtagheap",
    .flags = PB_BK_TAGGED,
    .alloc = tagheap_alloc,
    .free = heap_free,
    .stats = heap_stats,
    .alloc_tagged = tagheap_alloc_tagged,
};

/* A direct variant: direct_calls offers malloc and free until `counting` is
 * set, so heap's counters see only what the replay did not call directly. */
struct directheap {
    struct heap h;
    int counting;
};

static void *bounded_malloc(size_t size)
{
    return size > HEAP_MAX ? NULL : malloc(size);
}

static int directheap_direct(void *self, struct pb_direct_calls *out)
{
    if (((struct directheap *)self)->counting)
        return -1;
    out->alloc = bounded_malloc;
    out->free = free;
    return 0;
}

static const struct pb_backend_ops directheap_ops = {
    .version = PB_BACKEND_API_VERSION,
    .name = "testdirectheap",
    .alloc = heap_alloc,
    .free = heap_free,
    .stats = heap_stats,
    .direct_calls = directheap_direct,
};

static const struct pb_backend_ops *null_ops(void **self, const char *buffer)
{
    const struct pb_backend_ops *ops = pb_backend_find("null");
    struct pb_option o[] = {{"buffer", buffer}};
    char err[PB_ERR_MAX];
    assert_int_equal(ops->create(o, 1, self, err, sizeof err), 0);
    return ops;
}

static void null_sees_every_call(void **state)
{
    (void)state;
    struct pb_workload *w = tw_new("calls");
    for (uint32_t s = 0; s < 10; s++)
        tw_add(w, PB_OP_ALLOC, s, 100 + s);
    for (uint32_t s = 0; s < 10; s += 2)
        tw_add(w, PB_OP_REALLOC, s, 300);
    for (uint32_t s = 0; s < 5; s++)
        tw_add(w, PB_OP_FREE, s, 300);
    tw_add(w, PB_OP_RESET, 0, 0);
    tw_add(w, PB_OP_ALLOC, 3, 64); /* left live: released after the clock */
    void *self;
    const struct pb_backend_ops *ops = null_ops(&self, "1M");
    struct pb_replay r;
    assert_int_equal(pb_replay_init(&r, ops, self, w, PB_TOUCH_PAGES), 0);
    uint64_t ns = 0;
    size_t at = 0;
    assert_int_equal(pb_replay_timed(&r, &ns, &at), 0);
    assert_true(ns > 0);
    struct pb_backend_stats st;
    ops->stats(self, &st);
    assert_int_equal(st.allocs, 11);
    assert_int_equal(st.reallocs, 5);
    assert_int_equal(st.frees, 5);
    assert_int_equal(st.free_alls, 2); /* the x, then the release of what was left */
    for (uint32_t s = 0; s < r.n_slots; s++)
        assert_null(r.slot[s].ptr);
    pb_replay_fini(&r);
    ops->destroy(self);
    tw_free(w);
}

/* A PB_BK_TAGGED backend gets alloc_tagged with each a event's tag (0 when
 * untagged), never alloc; the same workload against an untagged backend
 * gets alloc. */
static void tagged_backend_gets_each_tag(void **state)
{
    (void)state;
    struct pb_workload *w = tw_new("tagged");
    tw_add(w, PB_OP_ALLOC, 0, 48);
    tw_add(w, PB_OP_ALLOC, 1, 24);
    tw_add(w, PB_OP_FREE, 0, 48);
    tw_add(w, PB_OP_ALLOC, 0, 16);
    w->events[0].tag = 2;
    w->events[1].tag = 0;
    w->events[3].tag = 1;
    struct tagheap t;
    memset(&t, 0, sizeof t);
    struct pb_replay r;
    assert_int_equal(pb_replay_init(&r, &tagheap_ops, &t, w, PB_TOUCH_PAGES), 0);
    assert_int_equal(pb_replay_range(&r, 0, w->n_records), w->n_records);
    assert_int_equal(t.n_tags, 3);
    assert_int_equal(t.tags[0], 2);
    assert_int_equal(t.tags[1], 0);
    assert_int_equal(t.tags[2], 1);
    assert_int_equal(t.plain_allocs, 0);
    pb_replay_release(&r);
    pb_replay_fini(&r);
    struct heap h;
    memset(&h, 0, sizeof h);
    assert_int_equal(pb_replay_init(&r, &heap_ops, &h, w, PB_TOUCH_PAGES), 0);
    assert_int_equal(pb_replay_range(&r, 0, w->n_records), w->n_records);
    assert_int_equal(h.st.allocs, 3);
    pb_replay_release(&r);
    pb_replay_fini(&r);
    tw_free(w);
}

static void refusal_returns_the_event_index(void **state)
{
    (void)state;
    struct pb_workload *w = tw_new("refused");
    tw_add(w, PB_OP_ALLOC, 0, 4096);
    tw_add(w, PB_OP_ALLOC, 1, 1 << 20); /* more than the 64 KiB buffer */
    tw_add(w, PB_OP_FREE, 0, 4096);
    void *self;
    const struct pb_backend_ops *ops = null_ops(&self, "64k");
    struct pb_replay r;
    assert_int_equal(pb_replay_init(&r, ops, self, w, PB_TOUCH_FULL), 0);
    assert_int_equal(pb_replay_range(&r, 0, w->n_records), 1);
    assert_non_null(strstr(ops->last_error(self), "1048576"));
    uint64_t ns = 0;
    size_t at = 99;
    pb_replay_release(&r);
    assert_int_equal(pb_replay_timed(&r, &ns, &at), -1);
    assert_int_equal(at, 1);
    pb_replay_fini(&r);
    ops->destroy(self);
    tw_free(w);
}

/* Four a of alignment 16, one of 64, two f; three blocks left for the release. */
static struct pb_workload *direct_workload(void)
{
    struct pb_workload *w = tw_new("direct");
    for (uint32_t s = 0; s < 5; s++)
        tw_add(w, PB_OP_ALLOC, s, 24 + s);
    w->events[4].align_log2 = 6;
    tw_add(w, PB_OP_FREE, 0, 24);
    tw_add(w, PB_OP_FREE, 1, 25);
    return w;
}

/* While direct_calls says yes, the timed replay calls malloc and free itself
 * for alignments up to 16: the backend sees the aligned a, and the release's
 * frees after the clock. Once it says no, and outside pb_replay_timed, every
 * call goes through the ops. */
static void direct_calls_used_only_where_promised(void **state)
{
    (void)state;
    struct pb_workload *w = direct_workload();
    struct directheap d = {0};
    struct pb_replay r;
    assert_int_equal(pb_replay_init(&r, &directheap_ops, &d, w, PB_TOUCH_PAGES), 0);
    uint64_t ns = 0;
    size_t at = 0;
    assert_int_equal(pb_replay_timed(&r, &ns, &at), 0);
    assert_int_equal(d.h.st.allocs, 1); /* the one aligned to 64 */
    assert_int_equal(d.h.st.frees, 3);  /* slots 2, 3, 4, released after the clock */
    assert_int_equal(r.direct, 0);
    d.counting = 1; /* as a stats call would start bookkeeping */
    d.h.st = (struct pb_backend_stats){0};
    assert_int_equal(pb_replay_timed(&r, &ns, &at), 0);
    assert_int_equal(d.h.st.allocs, 5);
    assert_int_equal(d.h.st.frees, 5);
    d.counting = 0;
    d.h.st = (struct pb_backend_stats){0};
    assert_int_equal(pb_replay_range(&r, 0, w->n_records), w->n_records);
    pb_replay_release(&r);
    assert_int_equal(d.h.st.allocs, 5);
    assert_int_equal(d.h.st.frees, 5);
    pb_replay_fini(&r);
    tw_free(w);
}

/* A NULL from the direct alloc is asked once more through alloc (which
 * counts it and says why); the replay stops at that event. */
static void direct_null_goes_through_alloc(void **state)
{
    (void)state;
    struct pb_workload *w = tw_new("direct-null");
    tw_add(w, PB_OP_ALLOC, 0, 64);
    tw_add(w, PB_OP_ALLOC, 1, (uint64_t)1 << 62);
    tw_add(w, PB_OP_FREE, 0, 64);
    struct directheap d = {0};
    struct pb_replay r;
    assert_int_equal(pb_replay_init(&r, &directheap_ops, &d, w, PB_TOUCH_NONE), 0);
    uint64_t ns = 0;
    size_t at = 0;
    assert_int_equal(pb_replay_timed(&r, &ns, &at), -1);
    assert_int_equal(at, 1);
    assert_int_equal(d.h.st.allocs, 1); /* heap_alloc counts its (failed) try */
    assert_int_equal(d.h.st.frees, 1);  /* slot 0, released */
    pb_replay_fini(&r);
    tw_free(w);
}

static void realloc_falls_back_to_copy_and_reset_frees_each(void **state)
{
    (void)state;
    struct pb_workload *w = tw_new("fallback");
    tw_add(w, PB_OP_ALLOC, 0, 16);
    tw_add(w, PB_OP_ALLOC, 1, 8);
    tw_add(w, PB_OP_REALLOC, 0, 5000);
    tw_add(w, PB_OP_RESET, 0, 0);
    tw_add(w, PB_OP_ALLOC, 0, 8);
    tw_add(w, PB_OP_ALLOC, 2, 8);
    struct heap h = {0};
    struct pb_replay r;
    assert_int_equal(pb_replay_init(&r, &heap_ops, &h, w, PB_TOUCH_PAGES), 0);
    assert_int_equal(pb_replay_range(&r, 0, 3), 3);
    /* the fallback freed the 16-byte original after copying it: its first byte was touched */
    assert_int_equal(h.st.allocs, 3);
    assert_int_equal(h.st.frees, 1);
    assert_int_equal(h.last_copy[0], 1);
    unsigned char *grown = r.slot[0].ptr;
    assert_int_equal(grown[0], 1); /* copied and touched */
    size_t written = 0;
    for (size_t i = 0; i < 5000; i++)
        written += grown[i] != 0;
    assert_true(written >= 2); /* 5000 bytes overlap at least two pages: each touched */
    assert_int_equal(pb_replay_range(&r, 3, w->n_records), w->n_records);
    assert_int_equal(h.st.frees, 3);  /* x freed both live blocks one by one */
    assert_int_equal(h.st.live_blocks, 2);
    pb_replay_release(&r);
    assert_int_equal(h.st.live_blocks, 0);
    pb_replay_fini(&r);
    tw_free(w);
}

static void touch_modes_write_what_they_say(void **state)
{
    (void)state;
    struct pb_workload *w = tw_new("touch");
    tw_add(w, PB_OP_ALLOC, 0, 3 * 4096);
    for (int mode = PB_TOUCH_NONE; mode <= PB_TOUCH_FULL; mode++) {
        struct heap h = {0};
        struct pb_replay r;
        assert_int_equal(pb_replay_init(&r, &heap_ops, &h, w, (enum pb_touch)mode), 0);
        assert_int_equal(pb_replay_range(&r, 0, 1), 1);
        unsigned char *p = r.slot[0].ptr;
        size_t written = 0;
        for (size_t i = 0; i < 3 * 4096; i++)
            written += p[i] != 0;
        if (mode == PB_TOUCH_NONE)
            assert_int_equal(written, 0);
        else if (mode == PB_TOUCH_PAGES)
            assert_true(written >= 3 && written <= 4); /* one per page overlapped */
        else
            assert_int_equal(written, 3 * 4096);
        pb_replay_release(&r);
        pb_replay_fini(&r);
    }
    tw_free(w);
}

static void touch_names_round_trip(void **state)
{
    (void)state;
    enum pb_touch t;
    assert_int_equal(pb_touch_parse("full", &t), 0);
    assert_int_equal(t, PB_TOUCH_FULL);
    assert_string_equal(pb_touch_name(t), "full");
    assert_int_equal(pb_touch_parse("pages", &t), 0);
    assert_string_equal(pb_touch_name(t), "pages");
    assert_int_equal(pb_touch_parse("some", &t), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(null_sees_every_call),
        cmocka_unit_test(refusal_returns_the_event_index),
        cmocka_unit_test(tagged_backend_gets_each_tag),
        cmocka_unit_test(realloc_falls_back_to_copy_and_reset_frees_each),
        cmocka_unit_test(touch_modes_write_what_they_say),
        cmocka_unit_test(touch_names_round_trip),
        cmocka_unit_test(direct_calls_used_only_where_promised),
        cmocka_unit_test(direct_null_goes_through_alloc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
