/*
 * test_advise_sites.c -- the per-site analysis (workloads/advise_sites.c) on
 * hand-built workloads whose answers are known: a churning fixed-size site
 * gets a pool, a site whose blocks die in bursts an arena, long-lived, many-
 * sized and rare sites the general allocator; the savings follow the stated
 * cost model exactly; the by-hand pool prediction counts the right events.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "pb_advise_sites.h"
#include "pb_workload.h"

static const struct pb_site_costs costs = {.malloc_ns = 10, .pool_ns = 2, .arena_ns = 1,
                                           .page = 4096};

struct hand {
    struct pb_builder *b;
    uint64_t line;
};

static void a(struct hand *h, uint64_t id, uint64_t size, const char *tag)
{
    char err[256];
    assert_int_equal(pb_builder_alloc(h->b, id, size, 4, tag, tag ? strlen(tag) : 0, ++h->line,
                                      err, sizeof err), 0);
}

static void f(struct hand *h, uint64_t id)
{
    char err[256];
    assert_int_equal(pb_builder_free(h->b, id, ++h->line, err, sizeof err), 0);
}

static void r(struct hand *h, uint64_t id, uint64_t size)
{
    char err[256];
    assert_int_equal(pb_builder_realloc(h->b, id, size, ++h->line, err, sizeof err), 0);
}

static void finish(struct hand *h, struct pb_workload *w, struct pb_sites *out)
{
    memset(w, 0, sizeof *w);
    assert_int_equal(pb_builder_finish(h->b, w), 0);
    char err[256];
    assert_int_equal(pb_sites_analyse(w, &costs, out, err, sizeof err), 0);
}

/* The site of tag name (by the workload's tag table); fails if absent. */
static const struct pb_site *site(const struct pb_workload *w, const struct pb_sites *s,
                                  const char *name)
{
    for (size_t i = 0; i < s->n; i++) {
        uint32_t t = s->v[i].tag;
        if ((t == 0 && !name) || (t && name && strcmp(w->tags[t - 1], name) == 0))
            return &s->v[i];
    }
    fail_msg("no site %s", name ? name : "(untagged)");
    return NULL;
}

static void churn_gets_a_pool(void **state)
{
    (void)state;
    struct hand h = {pb_builder_new(), 0};
    for (uint64_t i = 0; i < 1000; i++) {
        a(&h, 1, 40, "Node");
        f(&h, 1);
    }
    struct pb_workload w;
    struct pb_sites s;
    finish(&h, &w, &s);
    assert_int_equal(s.n, 1);
    const struct pb_site *n = site(&w, &s, "Node");
    assert_int_equal(n->allocs, 1000);
    assert_int_equal(n->events, 2000);
    assert_int_equal(n->size_kind, PB_SITE_ONE_SIZE);
    assert_int_equal(n->life, PB_SITE_CHURN);
    assert_int_equal(n->churn, 1000);
    assert_int_equal(n->rec, PB_SITE_POOL);
    assert_int_equal(n->chunk, 48);
    assert_int_equal(n->peak_live_bytes, 40);
    assert_int_equal(n->peak_live_blocks, 1);
    assert_true(n->save_ns == 2000.0 * (10 - 2));
    /* malloc: one 48-byte chunk (40 + 8 rounded to 16) in a page; the pool: one page */
    assert_int_equal(n->malloc_resident, 4096);
    assert_int_equal(n->own_resident, 4096);
    assert_int_equal(n->save_resident, 0);
    pb_sites_free(&s);
    pb_workload_free(&w);
}

static void bursts_get_an_arena(void **state)
{
    (void)state;
    struct hand h = {pb_builder_new(), 0};
    for (int round = 0; round < 3; round++) {
        for (uint64_t i = 0; i < 100; i++)
            a(&h, 10 + i, 16 + 8 * (i % 7), "Parse");   /* 7 sizes: many */
        for (uint64_t i = 0; i < 100; i++)
            f(&h, 10 + i);
    }
    struct pb_workload w;
    struct pb_sites s;
    finish(&h, &w, &s);
    const struct pb_site *p = site(&w, &s, "Parse");
    assert_int_equal(p->size_kind, PB_SITE_MANY);
    assert_int_equal(p->life, PB_SITE_PHASE);
    assert_int_equal(p->phase, 300);
    assert_int_equal(p->churn, 0);
    assert_int_equal(p->releases, 3);
    assert_int_equal(p->first_release_line, 200); /* the 100th free of round 1 */
    assert_int_equal(p->rec, PB_SITE_ARENA);
    uint64_t fill = 0; /* an arena's fill: each request rounded to 16 */
    for (uint64_t i = 0; i < 100; i++)
        fill += (16 + 8 * (i % 7) + 15) / 16 * 16;
    assert_int_equal(p->arena_peak_bytes, fill);
    assert_true(p->save_ns == 600.0 * (10 - 1));
    pb_sites_free(&s);
    pb_workload_free(&w);
}

static void long_many_and_rare_stay_general(void **state)
{
    (void)state;
    struct hand h = {pb_builder_new(), 0};
    for (uint64_t i = 0; i < 200; i++)
        a(&h, 1000 + i, 64, "Config"); /* never freed: long */
    for (uint64_t i = 0; i < 500; i++) {
        a(&h, 1, 16 * (1 + i % 9), "Blob"); /* 9 sizes, churn */
        f(&h, 1);
    }
    for (uint64_t i = 0; i < 10; i++) {
        a(&h, 2, 32, "Rare");
        f(&h, 2);
    }
    a(&h, 3, 100, NULL);
    struct pb_workload w;
    struct pb_sites s;
    finish(&h, &w, &s);
    assert_int_equal(s.n, 4);
    assert_int_equal(s.v[0].tag, 0); /* untagged first */
    const struct pb_site *c = site(&w, &s, "Config");
    assert_int_equal(c->life, PB_SITE_LONG);
    assert_int_equal(c->longl, 200);
    assert_int_equal(c->rec, PB_SITE_GENERAL);
    const struct pb_site *b = site(&w, &s, "Blob");
    assert_int_equal(b->size_kind, PB_SITE_MANY);
    assert_int_equal(b->life, PB_SITE_CHURN);
    assert_int_equal(b->rec, PB_SITE_GENERAL);
    assert_int_equal(b->min_size, 16);
    assert_int_equal(b->max_size, 144);
    const struct pb_site *rr = site(&w, &s, "Rare");
    assert_int_equal(rr->rec, PB_SITE_GENERAL); /* 10 < PB_SITE_MIN_ALLOCS */
    assert_true(rr->save_ns == 0);
    assert_int_equal(site(&w, &s, NULL)->longl, 1);
    pb_sites_free(&s);
    pb_workload_free(&w);
}

static void reset_and_few_sizes(void **state)
{
    (void)state;
    struct hand h = {pb_builder_new(), 0};
    for (uint64_t i = 0; i < 100; i++) {
        a(&h, 1, i % 2 ? 24 : 32, "Pair"); /* two sizes: few; one chunk of 32 */
        f(&h, 1);
    }
    for (uint64_t i = 0; i < 80; i++)
        a(&h, 10 + i, 48, "Frame");
    char err[256];
    assert_int_equal(pb_builder_reset(h.b, ++h.line, err, sizeof err), 0);
    struct pb_workload w;
    struct pb_sites s;
    finish(&h, &w, &s);
    const struct pb_site *p = site(&w, &s, "Pair");
    assert_int_equal(p->size_kind, PB_SITE_FEW);
    assert_int_equal(p->rec, PB_SITE_POOL);
    assert_int_equal(p->chunk, 32);
    const struct pb_site *fr = site(&w, &s, "Frame");
    assert_int_equal(fr->phase, 80); /* the x freed them together */
    assert_int_equal(fr->life, PB_SITE_PHASE);
    assert_int_equal(fr->releases, 1);
    assert_int_equal(fr->first_release_line, h.line);
    assert_int_equal(fr->rec, PB_SITE_ARENA);
    pb_sites_free(&s);
    pb_workload_free(&w);
}

static void by_hand_prediction(void **state)
{
    (void)state;
    struct hand h = {pb_builder_new(), 0};
    a(&h, 1, 40, NULL);  /* pooled: a, r (to 48), r (to 100: moves out, counted), f not */
    r(&h, 1, 48);
    r(&h, 1, 100);
    f(&h, 1);
    a(&h, 2, 200, NULL); /* never pooled */
    f(&h, 2);
    a(&h, 3, 16, NULL);  /* pooled a + f */
    a(&h, 4, 8, NULL);   /* pooled a, live with 3: peak 2 */
    f(&h, 3);
    f(&h, 4);
    struct pb_workload w;
    memset(&w, 0, sizeof w);
    assert_int_equal(pb_builder_finish(h.b, &w), 0);
    struct pb_pool_prediction p;
    assert_int_equal(pb_sites_predict_pool(&w, &costs, 48, &p), 0);
    assert_int_equal(p.pooled_events, 3 + 4);
    assert_int_equal(p.pooled_peak_blocks, 2);
    assert_true(p.save_ns_per_op > 8.0 * 7 / 10 - 1e-9 && p.save_ns_per_op < 8.0 * 7 / 10 + 1e-9);
    pb_workload_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(churn_gets_a_pool),
        cmocka_unit_test(bursts_get_an_arena),
        cmocka_unit_test(long_many_and_rare_stay_general),
        cmocka_unit_test(reset_and_few_sizes),
        cmocka_unit_test(by_hand_prediction),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
