/* test_advise.c -- advise: the live-peak histogram, optimal classes, slab choice.
 * Expected figures are worked out by hand in the comments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "pb_advise.h"
#include "pb_workload.h"

/* A histogram of (size, live) pairs, allocs = live. */
static struct pb_size_hist hist_of(const uint64_t *sizes, const uint64_t *live, size_t n)
{
    struct pb_size_hist h = {0};
    h.v = calloc(n, sizeof *h.v);
    assert_non_null(h.v);
    h.n = n;
    for (size_t i = 0; i < n; i++) {
        h.v[i] = (struct pb_size_count){sizes[i], live[i], live[i]};
        h.live_blocks += live[i];
        h.live_bytes += live[i] * sizes[i];
        h.allocs += live[i];
        h.max_size = sizes[i];
    }
    return h;
}

static void classes_of(const struct pb_size_hist *h, uint64_t cutoff, size_t k, uint64_t *cls,
                       size_t *n, uint64_t *frag)
{
    char err[256] = "";
    if (pb_advise_classes(h, cutoff, k, cls, n, frag, err, sizeof err))
        fail_msg("pb_advise_classes: %s", err);
}

/* With k classes and the 4096 cut-off: exactly the classes want[0 .. n_want),
 * wasting frag_want bytes. */
static void expect_classes(const struct pb_size_hist *h, size_t k, const uint64_t *want,
                           size_t n_want, uint64_t frag_want)
{
    uint64_t cls[32], frag;
    size_t n;
    assert_true(k <= 32);
    classes_of(h, 4096, k, cls, &n, &frag);
    assert_int_equal(n, n_want);
    for (size_t i = 0; i < n_want; i++)
        assert_int_equal(cls[i], want[i]);
    assert_int_equal(frag, frag_want);
}

static void evaluate_ok(const struct pb_size_hist *h, const uint64_t *cls, size_t n, uint64_t slab,
                        struct pb_advise_eval *e)
{
    char err[256] = "";
    if (pb_advise_evaluate(h, cls, n, slab, e, err, sizeof err))
        fail_msg("pb_advise_evaluate: %s", err);
}

static void recommend_ok(const struct pb_size_hist *h, const struct pb_advise_opts *o,
                         struct pb_advise *a)
{
    char err[256] = "";
    if (pb_advise_recommend(h, o, a, err, sizeof err))
        fail_msg("pb_advise_recommend: %s", err);
}

/* w parsed from the trace text and h its histogram (the test fails on an error). */
static void hist_of_trace(const char *text, size_t len, struct pb_workload *w,
                          struct pb_size_hist *h)
{
    memset(w, 0, sizeof *w);
    struct pb_diag *d = calloc(1, sizeof *d);
    assert_non_null(d);
    assert_int_equal(pb_workload_parse_text("hand", text, len, w, d), 0);
    free(d);
    char err[256] = "";
    if (pb_size_hist_build(w, h, err, sizeof err))
        fail_msg("pb_size_hist_build: %s", err);
}

/* {16 x10, 24 x10, 100 x1}; buckets 16, 32, 112.
 * k=1: 21*112 - 500 = 1852.
 * k=2: {16,32}{112} = (20*32 - 400) + (112 - 100) = 252, better than
 *      {16}{32,112} = 0 + (11*112 - 340) = 892.
 * k=3: 0 + 10*(32-24) + 12 = 92. */
static void dp_hand_distribution(void **state)
{
    (void)state;
    const uint64_t sizes[] = {16, 24, 100}, live[] = {10, 10, 1};
    struct pb_size_hist h = hist_of(sizes, live, 3);
    expect_classes(&h, 1, (const uint64_t[]){112}, 1, 1852);
    expect_classes(&h, 2, (const uint64_t[]){32, 112}, 2, 252);
    expect_classes(&h, 3, (const uint64_t[]){16, 32, 112}, 3, 92);
    pb_size_hist_free(&h);
}

/* One size: one class, the size rounded up to 16 (40 -> 48, 5 * 8 wasted). */
static void dp_one_size(void **state)
{
    (void)state;
    const uint64_t sizes[] = {40}, live[] = {5};
    struct pb_size_hist h = hist_of(sizes, live, 1);
    expect_classes(&h, 4, (const uint64_t[]){48}, 1, 40);
    pb_size_hist_free(&h);
}

/* Ten sizes in ten buckets: k=3 gives 3 classes, the last the largest size;
 * k=20 gives one class per bucket and no fragmentation; sizes in one 16-byte
 * bucket (17..32) never make two classes. */
static void dp_k_limit(void **state)
{
    (void)state;
    uint64_t sizes[10], live[10];
    for (size_t i = 0; i < 10; i++) {
        sizes[i] = 16 * (i + 1);
        live[i] = 1 + i;
    }
    struct pb_size_hist h = hist_of(sizes, live, 10);
    uint64_t cls[32], frag;
    size_t n;
    classes_of(&h, 4096, 3, cls, &n, &frag);
    assert_int_equal(n, 3);
    assert_int_equal(cls[2], 160);
    assert_true(cls[0] < cls[1] && cls[1] < cls[2]);
    assert_true(frag > 0);
    classes_of(&h, 4096, 20, cls, &n, &frag);
    assert_int_equal(n, 10);
    assert_int_equal(frag, 0);
    pb_size_hist_free(&h);

    const uint64_t s2[] = {17, 20, 32}, l2[] = {1, 1, 1};
    h = hist_of(s2, l2, 3);
    expect_classes(&h, 3, (const uint64_t[]){32}, 1, 15 + 12);
    pb_size_hist_free(&h);
}

/* Sizes above the cut-off get no class; evaluate routes them to the system
 * and estimates glibc's usable size: (5000 + 8 + 15) & ~15 = 5008, minus the
 * 8-byte header = 5000: overhead 0. */
static void large_sizes_go_to_the_system(void **state)
{
    (void)state;
    const uint64_t sizes[] = {16, 5000, 5001}, live[] = {2, 1, 1};
    struct pb_size_hist h = hist_of(sizes, live, 3);
    uint64_t cls[4], frag;
    size_t n;
    classes_of(&h, 4096, 4, cls, &n, &frag);
    assert_int_equal(n, 1);
    assert_int_equal(cls[0], 16);
    struct pb_advise_eval e;
    evaluate_ok(&h, cls, n, 4096, &e);
    assert_int_equal(e.sys_live, 2);
    assert_int_equal(e.sys_bytes, 10001);
    /* 5001: (5001 + 23) & ~15 = 5024, usable 5016: 15 bytes over */
    assert_int_equal(e.sys_overhead, 15);
    assert_int_equal(e.pooled_live, 2);
    assert_int_equal(pb_advise_malloc_usable(0, 4096), 24);
    assert_int_equal(pb_advise_malloc_usable(24, 4096), 24);
    assert_int_equal(pb_advise_malloc_usable(25, 4096), 40);
    pb_size_hist_free(&h);
}

/* Slab waste: 100 live chunks of 48 in 4096-byte slabs: 85 per slab, 2 slabs,
 * 8192 - 4800 = 3392 bytes; and 20 live sizes 40 add 20 * 8 of fragmentation. */
static void evaluate_slab_waste(void **state)
{
    (void)state;
    const uint64_t sizes[] = {40, 48}, live[] = {20, 80};
    struct pb_size_hist h = hist_of(sizes, live, 2);
    const uint64_t cls[] = {48};
    struct pb_advise_eval e;
    char err[256];
    evaluate_ok(&h, cls, 1, 4096, &e);
    assert_int_equal(e.cls[0].live, 100);
    assert_int_equal(e.cls[0].slabs, 2);
    assert_int_equal(e.slab_waste, 3392);
    assert_int_equal(e.frag_bytes, 160);
    assert_int_equal(e.total_waste, 3392 + 160);
    assert_int_equal(e.granted, 4800);
    /* classes must fit the slab and ascend */
    const uint64_t bad[] = {64, 48};
    assert_int_equal(pb_advise_evaluate(&h, bad, 2, 4096, &e, err, sizeof err), -1);
    const uint64_t big[] = {8192};
    assert_int_equal(pb_advise_evaluate(&h, big, 1, 4096, &e, err, sizeof err), -1);
    pb_size_hist_free(&h);
}

/* 1630 live blocks of 400 bytes (a multiple of 16: no fragmentation). Slab
 * tails per candidate: 4k: 10 per slab, 163 slabs, 163 * 4096 - 652000 =
 * 15648; 16k: 40 per slab, 41 slabs, 19744; 64k: 163 per slab, 10 slabs,
 * 3360; 256k: 655 per slab, 3 slabs, 134432. 64k wins. */
static void slab_choice(void **state)
{
    (void)state;
    const uint64_t sizes[] = {400}, live[] = {1630};
    struct pb_size_hist h = hist_of(sizes, live, 1);
    struct pb_advise_opts o = {.max_classes = 32};
    struct pb_advise *a = malloc(sizeof *a);
    char err[256];
    recommend_ok(&h, &o, a);
    assert_int_equal(a->n_cand, 4);
    assert_int_equal(a->cand[0].eval.slab_waste, 15648);
    assert_int_equal(a->cand[1].eval.slab_waste, 19744);
    assert_int_equal(a->cand[2].eval.slab_waste, 3360);
    assert_int_equal(a->cand[3].eval.slab_waste, 134432);
    assert_int_equal(a->best, 2);
    assert_int_equal(a->cand[2].eval.n_classes, 1);
    assert_int_equal(a->cand[2].eval.cls[0].chunk, 400);
    /* --slab forces one candidate */
    o.slab = 16384;
    recommend_ok(&h, &o, a);
    assert_int_equal(a->n_cand, 1);
    assert_int_equal(a->cand[0].slab, 16384);
    assert_int_equal(a->cand[0].cutoff, 2048);
    o.max_classes = 0;
    assert_int_equal(pb_advise_recommend(&h, &o, a, err, sizeof err), -1);
    free(a);
    pb_size_hist_free(&h);
}

/* k is chosen by the trade and never exceeds max_classes. 40 sizes 16..640,
 * 1000 live blocks each: the chosen set wastes no more than one class per
 * pooled size, nor than one class for them all (both are among the k tried). */
static void k_limit_in_recommend(void **state)
{
    (void)state;
    uint64_t sizes[40], live[40];
    for (size_t i = 0; i < 40; i++) {
        sizes[i] = 16 * (i + 1);
        live[i] = 1000;
    }
    struct pb_size_hist h = hist_of(sizes, live, 40);
    struct pb_advise_opts o = {.max_classes = 5};
    struct pb_advise *a = malloc(sizeof *a);
    char err[256];
    recommend_ok(&h, &o, a);
    for (size_t i = 0; i < a->n_cand; i++)
        assert_true(a->cand[i].eval.n_classes <= 5);
    o.max_classes = 40;
    recommend_ok(&h, &o, a);
    /* the choice of k is at least as good as one class per pooled size, and
     * as the single class holding them all */
    for (size_t i = 0; i < a->n_cand; i++) {
        uint64_t n_pooled = a->cand[i].cutoff / 16 < 40 ? a->cand[i].cutoff / 16 : 40;
        struct pb_advise_eval each, one;
        assert_int_equal(pb_advise_evaluate(&h, sizes, n_pooled, a->cand[i].slab, &each, err,
                                            sizeof err), 0);
        assert_int_equal(pb_advise_evaluate(&h, &sizes[n_pooled - 1], 1, a->cand[i].slab, &one,
                                            err, sizeof err), 0);
        assert_true(a->cand[i].eval.total_waste <= each.total_waste);
        assert_true(a->cand[i].eval.total_waste <= one.total_waste);
        assert_true(a->cand[i].eval.n_classes > 1);
    }
    free(a);
    pb_size_hist_free(&h);
}

/* The histogram of a trace: live set after the peak event, allocs by size.
 * Live after each event: 16, 40, 24, 124, 148 (r 2 -> 48), then x, 8. */
static void histogram_of_a_trace(void **state)
{
    (void)state;
    static const char text[] = "poolbench-trace 1\n"
                               "a 1 16\n"
                               "a 2 24\n"
                               "f 1\n"
                               "a 3 100\n"
                               "r 2 48\n"
                               "x\n"
                               "a 4 8\n";
    struct pb_workload w;
    struct pb_size_hist h;
    hist_of_trace(text, sizeof text - 1, &w, &h);
    assert_int_equal(w.fig.peak_event, 4);
    assert_int_equal(h.n, 5);
    const uint64_t sizes[] = {8, 16, 24, 48, 100}, live[] = {0, 0, 0, 1, 1};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(h.v[i].size, sizes[i]);
        assert_int_equal(h.v[i].live, live[i]);
        assert_int_equal(h.v[i].allocs, 1);
    }
    assert_int_equal(h.live_bytes, w.fig.peak_live_bytes);
    assert_int_equal(h.live_blocks, 2);
    assert_int_equal(h.allocs, 5);
    assert_int_equal(h.max_size, 100);
    pb_size_hist_free(&h);
    pb_workload_free(&w);
}

/* Nothing small live at the peak: the classes are weighted by requests. */
static void nothing_small_live(void **state)
{
    (void)state;
    struct pb_size_hist h = {0};
    h.v = calloc(2, sizeof *h.v);
    h.n = 2;
    h.v[0] = (struct pb_size_count){24, 0, 7};
    h.v[1] = (struct pb_size_count){9000, 1, 1};
    h.live_blocks = 1;
    h.live_bytes = 9000;
    h.max_size = 9000;
    struct pb_advise_opts o = {.max_classes = 8};
    struct pb_advise *a = malloc(sizeof *a);
    recommend_ok(&h, &o, a);
    assert_true(a->weighted_by_allocs);
    const struct pb_advise_eval *e = &a->cand[a->best].eval;
    assert_int_equal(e->n_classes, 1);
    assert_int_equal(e->cls[0].chunk, 32);
    assert_int_equal(e->sys_live, 1);
    free(a);
    pb_size_hist_free(&h);
}

/* High-water marks through classes {16, 48}: live in 48 after each event:
 * 1, 2, 1, 1, 2 (r 3 -> 40 moves 3 from 16 to 48), 3; then x, and 16 again.
 * 16 peaks at 1, 48 at 3; 4096-byte slabs: one slab each. */
static void high_water_marks(void **state)
{
    (void)state;
    static const char text[] = "poolbench-trace 1\n"
                               "a 1 48\n"
                               "a 2 48\n"
                               "f 1\n"
                               "a 3 16\n"
                               "r 3 40\n"
                               "a 5 40\n"
                               "x\n"
                               "a 4 16\n"
                               "a 6 9000\n";
    struct pb_workload w;
    struct pb_size_hist h;
    char err[256];
    hist_of_trace(text, sizeof text - 1, &w, &h);
    const uint64_t cls[] = {16, 48};
    struct pb_advise_eval e;
    evaluate_ok(&h, cls, 2, 4096, &e);
    assert_int_equal(pb_advise_high_water(&w, &e, err, sizeof err), 0);
    assert_int_equal(e.cls[0].high_water, 1);
    assert_int_equal(e.cls[1].high_water, 3);
    assert_int_equal(e.slab_footprint, 2 * 4096);
    pb_size_hist_free(&h);
    pb_workload_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dp_hand_distribution),
        cmocka_unit_test(dp_one_size),
        cmocka_unit_test(dp_k_limit),
        cmocka_unit_test(large_sizes_go_to_the_system),
        cmocka_unit_test(evaluate_slab_waste),
        cmocka_unit_test(slab_choice),
        cmocka_unit_test(k_limit_in_recommend),
        cmocka_unit_test(histogram_of_a_trace),
        cmocka_unit_test(nothing_small_live),
        cmocka_unit_test(high_water_marks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
