/* test_workload.c -- the builder (slots, rules, tags, line map), figures, diagnostics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pb_workload.h"

static char err[256];

static void ok_alloc(struct pb_builder *b, uint64_t id, uint64_t size, unsigned al,
                     const char *tag, uint64_t line)
{
    int rc = pb_builder_alloc(b, id, size, al, tag, tag ? strlen(tag) : 0, line, err, sizeof err);
    if (rc)
        fail_msg("alloc %llu: %s", (unsigned long long)id, err);
}

static void ok_free(struct pb_builder *b, uint64_t id, uint64_t line)
{
    if (pb_builder_free(b, id, line, err, sizeof err))
        fail_msg("free %llu: %s", (unsigned long long)id, err);
}

static void ok_realloc(struct pb_builder *b, uint64_t id, uint64_t size, uint64_t line)
{
    if (pb_builder_realloc(b, id, size, line, err, sizeof err))
        fail_msg("realloc %llu: %s", (unsigned long long)id, err);
}

static void ok_reset(struct pb_builder *b, uint64_t line)
{
    if (pb_builder_reset(b, line, err, sizeof err))
        fail_msg("reset: %s", err);
}

/* The example trace of the spec, lines 2..8 (line 1 is the header, line 3 a comment). */
static void build_spec_example(struct pb_workload *w)
{
    struct pb_builder *b = pb_builder_new();
    assert_non_null(b);
    ok_alloc(b, 1, 48, 4, "Node", 3);
    ok_alloc(b, 2, 48, 4, "Node", 4);
    ok_alloc(b, 3, 200, 4, NULL, 5);
    ok_realloc(b, 3, 400, 6);
    ok_free(b, 1, 7);
    ok_alloc(b, 1, 48, 4, "Node", 8);
    ok_reset(b, 9);
    memset(w, 0, sizeof *w);
    assert_int_equal(pb_builder_finish(b, w), 0);
}

static void figures_of_the_spec_example(void **state)
{
    (void)state;
    struct pb_workload w;
    build_spec_example(&w);
    assert_int_equal(w.n_records, 7);
    /* live bytes after each event: 48 96 296 496 448 496 0 */
    assert_int_equal(w.fig.allocs, 4);
    assert_int_equal(w.fig.frees, 1);
    assert_int_equal(w.fig.reallocs, 1);
    assert_int_equal(w.fig.resets, 1);
    assert_int_equal(w.fig.events, 6);
    assert_int_equal(w.fig.peak_live_bytes, 496);
    assert_int_equal(w.fig.peak_event, 3);
    assert_int_equal(w.fig.peak_live_blocks, 3);
    assert_int_equal(w.fig.live_blocks_at_end, 0);
    assert_int_equal(w.fig.live_bytes_at_end, 0);
    assert_int_equal(w.fig.total_requested_bytes, 344);
    pb_workload_free(&w);
}

static void figures_with_blocks_left_live(void **state)
{
    (void)state;
    struct pb_builder *b = pb_builder_new();
    ok_alloc(b, 10, 100, 4, NULL, 0);
    ok_alloc(b, 11, 0, 4, NULL, 0);
    ok_realloc(b, 10, 30, 0);   /* live 30 */
    ok_alloc(b, 12, 1000, 4, NULL, 0); /* live 1030, 3 blocks */
    ok_free(b, 12, 0);          /* live 30 */
    ok_reset(b, 0);             /* live 0 */
    ok_alloc(b, 10, 7, 4, NULL, 0);
    ok_alloc(b, 11, 9, 4, NULL, 0);
    ok_realloc(b, 11, 2000, 0); /* live 2007: new peak */
    ok_reset(b, 0);
    ok_alloc(b, 5, 5, 0, NULL, 0);
    ok_alloc(b, 6, 6, 12, NULL, 0);
    struct pb_workload w = {0};
    assert_int_equal(pb_builder_finish(b, &w), 0);
    assert_int_equal(w.fig.allocs, 7);
    assert_int_equal(w.fig.frees, 1);
    assert_int_equal(w.fig.reallocs, 2);
    assert_int_equal(w.fig.resets, 2);
    assert_int_equal(w.fig.events, 10);
    assert_int_equal(w.fig.peak_live_bytes, 2007);
    assert_int_equal(w.fig.peak_event, 8);
    assert_int_equal(w.fig.peak_live_blocks, 3);
    assert_int_equal(w.fig.live_blocks_at_end, 2);
    assert_int_equal(w.fig.live_bytes_at_end, 11);
    assert_int_equal(w.fig.total_requested_bytes, 100 + 0 + 1000 + 7 + 9 + 5 + 6);
    assert_int_equal(w.n_slots, 3);
    assert_int_equal(pb_workload_line(&w, 3), 0); /* synthetic: no lines */
    assert_int_equal(w.n_lines, 0);
    pb_workload_free(&w);
}

static void events_carry_slots_sizes_and_alignment(void **state)
{
    (void)state;
    struct pb_builder *b = pb_builder_new();
    ok_alloc(b, 100, 10, 3, NULL, 1);  /* slot 0 */
    ok_alloc(b, 200, 20, 12, NULL, 2); /* slot 1 */
    ok_alloc(b, 300, 30, 4, NULL, 3);  /* slot 2 */
    ok_free(b, 300, 4);                /* slot 2 freed */
    ok_free(b, 100, 5);                /* slot 0 freed: top of the stack */
    ok_alloc(b, 400, 40, 4, NULL, 6);  /* reuses slot 0 */
    ok_alloc(b, 500, 50, 4, NULL, 7);  /* reuses slot 2 */
    ok_realloc(b, 200, 25, 8);
    ok_free(b, 200, 9);
    ok_reset(b, 10);
    ok_alloc(b, 100, 1, 4, NULL, 11);  /* id reusable after x; slots all free */
    ok_alloc(b, 101, 1, 4, NULL, 12);
    ok_alloc(b, 102, 1, 4, NULL, 13);
    struct pb_workload w = {0};
    assert_int_equal(pb_builder_finish(b, &w), 0);
    assert_int_equal(w.n_slots, 3);
    const struct pb_event *e = w.events;
    assert_int_equal(e[0].slot, 0);
    assert_int_equal(e[1].slot, 1);
    assert_int_equal(e[1].align_log2, 12);
    assert_int_equal(e[2].slot, 2);
    assert_int_equal(e[3].op, PB_OP_FREE);
    assert_int_equal(e[3].size, 30);
    assert_int_equal(e[4].size, 10);
    assert_int_equal(e[4].align_log2, 3);
    assert_int_equal(e[5].slot, 0);
    assert_int_equal(e[6].slot, 2);
    assert_int_equal(e[7].op, PB_OP_REALLOC);
    assert_int_equal(e[7].size, 25);
    assert_int_equal(e[7].align_log2, 12);
    assert_int_equal(e[8].size, 25);
    assert_int_equal(e[8].slot, 1);
    assert_int_equal(e[9].op, PB_OP_RESET);
    assert_true(e[10].slot < 3 && e[11].slot < 3 && e[12].slot < 3);
    assert_true(e[10].slot != e[11].slot && e[11].slot != e[12].slot &&
                e[10].slot != e[12].slot);
    assert_int_equal(w.ids[0], 100);
    assert_int_equal(w.ids[9], 0);
    assert_int_equal(w.ids[10], 100);
    for (size_t i = 0; i < w.n_records; i++)
        assert_int_equal(pb_workload_line(&w, i), i + 1);
    assert_int_equal(w.n_lines, 1);
    pb_workload_free(&w);
}

static void rule_violations_are_refused_and_the_builder_goes_on(void **state)
{
    (void)state;
    struct pb_builder *b = pb_builder_new();
    ok_alloc(b, 7, 8, 4, NULL, 3);
    assert_int_equal(pb_builder_alloc(b, 7, 8, 4, NULL, 0, 5, err, sizeof err), -1);
    assert_string_equal(err, "id 7 is already live (allocated at line 3)");
    assert_int_equal(pb_builder_free(b, 8, 6, err, sizeof err), -1);
    assert_non_null(strstr(err, "id 8"));
    assert_non_null(strstr(err, "not live"));
    assert_int_equal(pb_builder_realloc(b, 9, 1, 6, err, sizeof err), -1);
    assert_non_null(strstr(err, "not live"));
    ok_free(b, 7, 7);
    assert_int_equal(pb_builder_free(b, 7, 8, err, sizeof err), -1);
    assert_non_null(strstr(err, "not live"));
    assert_int_equal(pb_builder_realloc(b, 7, 8, 8, err, sizeof err), -1);
    assert_int_equal(pb_builder_alloc(b, PB_MAX_ID, 8, 4, NULL, 0, 9, err, sizeof err), -1);
    assert_non_null(strstr(err, "out of range"));
    ok_alloc(b, PB_MAX_ID - 1, PB_MAX_SIZE, 4, NULL, 9);
    assert_int_equal(pb_builder_alloc(b, 1, PB_MAX_SIZE + 1, 4, NULL, 0, 9, err, sizeof err), -1);
    assert_int_equal(pb_builder_alloc(b, 1, 1, 13, NULL, 0, 9, err, sizeof err), -1);
    assert_int_equal(pb_builder_realloc(b, PB_MAX_ID - 1, PB_MAX_SIZE + 1, 9, err, sizeof err), -1);
    ok_alloc(b, 7, 1, 4, NULL, 12);
    struct pb_workload w = {0};
    assert_int_equal(pb_builder_finish(b, &w), 0);
    assert_int_equal(w.n_records, 4);
    assert_int_equal(pb_workload_line(&w, 0), 3);
    assert_int_equal(pb_workload_line(&w, 1), 7);
    assert_int_equal(pb_workload_line(&w, 2), 9);
    assert_int_equal(pb_workload_line(&w, 3), 12);
    assert_int_equal(pb_workload_line(&w, 4), 0);
    pb_workload_free(&w);
}

static void tags_are_interned_and_checked(void **state)
{
    (void)state;
    struct pb_builder *b = pb_builder_new();
    ok_alloc(b, 1, 8, 4, "Node", 1);
    ok_alloc(b, 2, 8, 4, "std::vector<int>", 2);
    ok_alloc(b, 3, 8, 4, "Node", 3);
    ok_alloc(b, 4, 8, 4, NULL, 4);
    char t64[65];
    memset(t64, 'x', 64);
    t64[64] = '\0';
    ok_alloc(b, 5, 8, 4, t64, 5);
    assert_int_equal(pb_builder_alloc(b, 6, 8, 4, "", 0, 6, err, sizeof err), -1);
    assert_non_null(strstr(err, "malformed tag"));
    char t65[66];
    memset(t65, 'y', 65);
    t65[65] = '\0';
    assert_int_equal(pb_builder_alloc(b, 6, 8, 4, t65, 65, 6, err, sizeof err), -1);
    assert_non_null(strstr(err, "malformed tag"));
    assert_int_equal(pb_builder_alloc(b, 6, 8, 4, "a/b", 3, 6, err, sizeof err), -1);
    assert_non_null(strstr(err, "'/'"));
    struct pb_workload w = {0};
    assert_int_equal(pb_builder_finish(b, &w), 0);
    assert_int_equal(w.n_tags, 3);
    assert_int_equal(w.events[0].tag, 1);
    assert_int_equal(w.events[1].tag, 2);
    assert_int_equal(w.events[2].tag, 1);
    assert_int_equal(w.events[3].tag, 0);
    assert_string_equal(w.tags[0], "Node");
    assert_string_equal(w.tags[1], "std::vector<int>");
    assert_string_equal(w.tags[2], t64);
    pb_workload_free(&w);
}

static void more_than_65535_tags_is_an_error(void **state)
{
    (void)state;
    struct pb_builder *b = pb_builder_new();
    char tag[16];
    for (uint64_t i = 0; i < PB_MAX_TAGS; i++) {
        snprintf(tag, sizeof tag, "t%llu", (unsigned long long)i);
        ok_alloc(b, i, 1, 4, tag, 0);
    }
    assert_int_equal(pb_builder_alloc(b, PB_MAX_TAGS, 1, 4, "another", 7, 0, err, sizeof err), -1);
    assert_non_null(strstr(err, "too many distinct tags"));
    ok_alloc(b, PB_MAX_TAGS, 1, 4, "t5", 0); /* a known tag is still fine */
    struct pb_workload w = {0};
    assert_int_equal(pb_builder_finish(b, &w), 0);
    assert_int_equal(w.n_tags, PB_MAX_TAGS);
    assert_int_equal(w.events[PB_MAX_TAGS].tag, 6);
    assert_int_equal(w.events[PB_MAX_TAGS - 1].tag, PB_MAX_TAGS);
    pb_workload_free(&w);
}

/* A long random sequence against a plain reference: the hash table (with its
 * backward-shift deletion and growth) must always agree on which IDs are live. */
static void builder_agrees_with_a_reference_on_random_traffic(void **state)
{
    (void)state;
    enum { N_IDS = 3000, STEPS = 200000 };
    unsigned char *live = calloc(N_IDS, 1);
    assert_non_null(live);
    struct pb_builder *b = pb_builder_new();
    uint64_t x = 88172645463325252ULL, n_live = 0, peak = 0;
    size_t expected_events = 0;
    for (int step = 0; step < STEPS; step++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        uint64_t k = x % N_IDS;
        uint64_t id = k * 0x10000000ULL; /* many collisions of the low bits */
        int op = (int)((x >> 32) % 3);
        if (step % 50000 == 49999) {
            ok_reset(b, 0);
            memset(live, 0, N_IDS);
            n_live = 0;
            expected_events++;
            continue;
        }
        int rc;
        if (op == 0) {
            rc = pb_builder_alloc(b, id, k, 4, NULL, 0, 0, err, sizeof err);
            assert_int_equal(rc, live[k] ? -1 : 0);
            if (!live[k]) {
                live[k] = 1;
                n_live++;
            }
        } else if (op == 1) {
            rc = pb_builder_free(b, id, 0, err, sizeof err);
            assert_int_equal(rc, live[k] ? 0 : -1);
            if (live[k]) {
                live[k] = 0;
                n_live--;
            }
        } else {
            rc = pb_builder_realloc(b, id, k + 1, 0, err, sizeof err);
            assert_int_equal(rc, live[k] ? 0 : -1);
        }
        if (rc == 0)
            expected_events++;
        if (n_live > peak)
            peak = n_live;
    }
    struct pb_workload w = {0};
    assert_int_equal(pb_builder_finish(b, &w), 0);
    assert_int_equal(w.n_records, expected_events);
    assert_int_equal(w.n_slots, peak);
    assert_int_equal(w.fig.peak_live_blocks, peak);
    assert_int_equal(w.fig.live_blocks_at_end, n_live);
    pb_workload_free(&w);
    free(live);
}

static void check_catches_inconsistent_events(void **state)
{
    (void)state;
    struct pb_workload w;
    build_spec_example(&w);
    assert_int_equal(pb_workload_check(&w, err, sizeof err), 0);
    struct pb_event saved = w.events[4]; /* f 1 */
    w.events[4].size = 47;
    assert_int_equal(pb_workload_check(&w, err, sizeof err), -1);
    w.events[4] = saved;
    w.events[4].slot = 2; /* slot 2 (id 3) is live: free of the wrong block */
    assert_int_equal(pb_workload_check(&w, err, sizeof err), -1);
    w.events[4] = saved;
    w.events[4].slot = 99;
    assert_int_equal(pb_workload_check(&w, err, sizeof err), -1);
    assert_non_null(strstr(err, "slot 99"));
    w.events[4] = saved;
    w.events[4].op = 9;
    assert_int_equal(pb_workload_check(&w, err, sizeof err), -1);
    w.events[4] = saved;
    w.events[1].slot = 0; /* a on a live slot */
    assert_int_equal(pb_workload_check(&w, err, sizeof err), -1);
    w.events[1].slot = 1;
    w.events[0].tag = 2; /* only one tag */
    assert_int_equal(pb_workload_check(&w, err, sizeof err), -1);
    w.events[0].tag = 1;
    w.events[0].align_log2 = 13;
    assert_int_equal(pb_workload_check(&w, err, sizeof err), -1);
    w.events[0].align_log2 = 4;
    assert_int_equal(pb_workload_check(&w, err, sizeof err), 0);
    pb_workload_free(&w);
}

static void diag_keeps_twenty_and_counts_all(void **state)
{
    (void)state;
    struct pb_diag d;
    memset(&d, 0, sizeof d);
    for (int i = 1; i <= 25; i++)
        pb_diag_add(&d, "t.trace", (uint64_t)i, "problem %d", i);
    pb_diag_add(&d, "t.trace", 0, "whole file");
    assert_int_equal(d.count, PB_DIAG_MAX);
    assert_int_equal(d.total, 26);
    assert_string_equal(d.msg[0], "t.trace:1: problem 1");
    assert_string_equal(d.msg[19], "t.trace:20: problem 20");
    struct pb_diag d2;
    memset(&d2, 0, sizeof d2);
    pb_diag_add(&d2, "t.trace", 0, "whole file");
    assert_string_equal(d2.msg[0], "t.trace: whole file");
    char buf[8192];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    assert_non_null(f);
    pb_diag_print(&d, f);
    fclose(f);
    assert_non_null(strstr(buf, "t.trace:20: problem 20\n"));
    assert_null(strstr(buf, "problem 21"));
    assert_non_null(strstr(buf, "6 more problems"));
}

/* IDs that equal their slots are not stored (ids == NULL means ID = slot);
 * the first one that differs makes the builder keep them all. */
static void ids_are_kept_only_once_one_differs_from_its_slot(void **state)
{
    (void)state;
    struct pb_builder *b = pb_builder_new();
    ok_alloc(b, 0, 8, 4, NULL, 0);
    ok_alloc(b, 1, 8, 4, NULL, 0);
    ok_free(b, 0, 0);
    ok_alloc(b, 0, 8, 4, NULL, 0); /* slot 0 again */
    struct pb_workload w = {0};
    assert_int_equal(pb_builder_finish(b, &w), 0);
    assert_null(w.ids);
    assert_int_equal(w.events[3].slot, 0);
    pb_workload_free(&w);

    b = pb_builder_new();
    ok_alloc(b, 0, 8, 4, NULL, 0);
    ok_alloc(b, 1, 8, 4, NULL, 0);
    ok_free(b, 1, 0);
    ok_alloc(b, 77, 8, 4, NULL, 0); /* slot 1, id 77 */
    ok_free(b, 0, 0);
    memset(&w, 0, sizeof w);
    assert_int_equal(pb_builder_finish(b, &w), 0);
    assert_non_null(w.ids);
    const uint64_t want[] = {0, 1, 1, 77, 0};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(w.ids[i], want[i]);
    pb_workload_free(&w);
}

/* A growth past the memory limit is refused before it is made, and the builder stays
 * refused: a parser stops there instead of failing once per line to the end. */
/* The hand-computed example of workloads/README.md, "Threads": three threads,
 * depth of each record in the comment (1 + the deepest of its thread's previous
 * record, its slot's previous a/f/r and the last x; an x: 1 + the deepest so far). */
static void build_threaded_example(struct pb_workload *w)
{
    struct pb_builder *b = pb_builder_new();
    assert_non_null(b);
    ok_alloc(b, 1, 64, 4, NULL, 1);  /* t0, slot 0: depth 1 */
    ok_alloc(b, 2, 64, 4, NULL, 2);  /* t0, slot 1: 2 */
    pb_builder_thread(b, 1);
    ok_free(b, 1, 3);                /* t1, slot 0: after the a (1): 2; cross-thread */
    ok_alloc(b, 3, 128, 4, NULL, 4); /* t1, slot 0 again: after that f: 3 */
    pb_builder_thread(b, 0);
    ok_free(b, 3, 5);                /* t0: after t1's a (3): 4; cross-thread */
    ok_realloc(b, 2, 100, 6);        /* t0, slot 1: 5; its own block */
    pb_builder_thread(b, 2);
    ok_realloc(b, 2, 200, 7);        /* t2: after t0's r (5): 6; cross-thread */
    ok_alloc(b, 4, 8, 4, NULL, 8);   /* t2, slot 0 (freed at depth 4): 7 */
    pb_builder_thread(b, 0);
    ok_reset(b, 9);                  /* t0: waits for everything: 8 */
    pb_builder_thread(b, 1);
    ok_alloc(b, 5, 16, 4, NULL, 10); /* t1: after the x: 9 */
    assert_int_equal(pb_builder_finish(b, w), 0);
}

static void thread_figures_of_a_hand_example(void **state)
{
    (void)state;
    struct pb_workload w = {0};
    build_threaded_example(&w);
    const uint16_t tids[] = {0, 0, 1, 1, 0, 0, 2, 2, 0, 1};
    assert_int_equal(w.n_records, 10);
    assert_non_null(w.tids);
    assert_memory_equal(w.tids, tids, sizeof tids);
    assert_int_equal(w.fig.threads, 3);
    assert_int_equal(w.fig.cross_thread_frees, 2);
    assert_int_equal(w.fig.cross_thread_reallocs, 1);
    assert_int_equal(w.fig.longest_chain, 9);

    struct pb_thread_figures *t;
    size_t n;
    assert_int_equal(pb_workload_thread_figures(&w, &t, &n), 0);
    assert_int_equal(n, 3);
    const struct pb_thread_figures want[] = {
        {.tid = 0, .events = 4, .allocs = 2, .frees = 1, .reallocs = 1, .resets = 1,
         .cross_thread_frees = 1},
        {.tid = 1, .events = 3, .allocs = 2, .frees = 1, .cross_thread_frees = 1},
        {.tid = 2, .events = 2, .allocs = 1, .reallocs = 1, .cross_thread_reallocs = 1},
    };
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(t[i].tid, want[i].tid);
        assert_int_equal(t[i].events, want[i].events);
        assert_int_equal(t[i].allocs, want[i].allocs);
        assert_int_equal(t[i].frees, want[i].frees);
        assert_int_equal(t[i].reallocs, want[i].reallocs);
        assert_int_equal(t[i].resets, want[i].resets);
        assert_int_equal(t[i].cross_thread_frees, want[i].cross_thread_frees);
        assert_int_equal(t[i].cross_thread_reallocs, want[i].cross_thread_reallocs);
    }
    free(t);
    /* the figures come from the events and threads alone, as every loader computes them */
    struct pb_workload_figures fig = w.fig;
    memset(&w.fig, 0, sizeof w.fig);
    assert_int_equal(pb_workload_compute_figures(&w), 0);
    assert_memory_equal(&fig, &w.fig, sizeof fig);
    pb_workload_free(&w);
}

/* The chain follows dependencies, not the file: independent threads overlap. */
static void longest_chain_counts_dependencies_only(void **state)
{
    (void)state;
    struct pb_workload w = {0};
    struct pb_builder *b = pb_builder_new();
    for (uint16_t k = 0; k < 4; k++) { /* four threads of 3 records each, on their own blocks */
        pb_builder_thread(b, k);
        ok_alloc(b, 10 + k, 8, 4, NULL, 0);
        ok_realloc(b, 10 + k, 16, 0);
        ok_free(b, 10 + k, 0);
    }
    assert_int_equal(pb_builder_finish(b, &w), 0);
    assert_int_equal(w.fig.threads, 4);
    /* each thread reuses only the slots it freed, so no thread waits for another's f
     * (a single LIFO stack would chain all twelve): four slots, chains of 3 */
    assert_int_equal(w.fig.longest_chain, 3);
    assert_int_equal(w.n_slots, 4);
    assert_int_equal(w.fig.cross_thread_frees, 0);
    pb_workload_free(&w);

    b = pb_builder_new(); /* a cross-thread free gives the slot to the freeing thread */
    pb_builder_thread(b, 0);
    ok_alloc(b, 1, 8, 4, NULL, 0);
    pb_builder_thread(b, 1);
    ok_free(b, 1, 0);
    ok_alloc(b, 2, 8, 4, NULL, 0); /* thread 1: reuses slot 0 */
    pb_builder_thread(b, 0);
    ok_alloc(b, 3, 8, 4, NULL, 0); /* thread 0: a new slot */
    assert_int_equal(pb_builder_finish(b, &w), 0);
    assert_int_equal(w.events[2].slot, 0);
    assert_int_equal(w.events[3].slot, 1);
    assert_int_equal(w.n_slots, 2);
    pb_workload_free(&w);

    b = pb_builder_new();
    for (uint16_t k = 0; k < 4; k++) { /* all allocated first: no slot is reused */
        pb_builder_thread(b, k);
        ok_alloc(b, 10 + k, 8, 4, NULL, 0);
    }
    for (uint16_t k = 0; k < 4; k++) {
        pb_builder_thread(b, k);
        ok_realloc(b, 10 + k, 16, 0);
        ok_free(b, 10 + k, 0);
    }
    assert_int_equal(pb_builder_finish(b, &w), 0);
    assert_int_equal(w.fig.longest_chain, 3);
    pb_workload_free(&w);

    /* ping-pong on one ID: thread 1's f waits for thread 0's a each time, but thread 0
     * allocates into slots of its own (its stack), so it waits for no free: the
     * longest chain is its 5 a's and the last f */
    b = pb_builder_new();
    for (int k = 0; k < 5; k++) {
        pb_builder_thread(b, 0);
        ok_alloc(b, 1, 8, 4, NULL, 0);
        pb_builder_thread(b, 1);
        ok_free(b, 1, 0);
    }
    assert_int_equal(pb_builder_finish(b, &w), 0);
    assert_int_equal(w.fig.longest_chain, 6);
    assert_int_equal(w.fig.cross_thread_frees, 5);
    pb_workload_free(&w);

    build_spec_example(&w); /* one thread: every record in one chain */
    assert_null(w.tids);
    assert_int_equal(w.fig.threads, 1);
    assert_int_equal(w.fig.longest_chain, w.n_records);
    pb_workload_free(&w);
}

static void memory_limit_is_refused_before_allocating(void **state)
{
    (void)state;
    struct pb_builder *b = pb_builder_new();
    assert_non_null(b);
    pb_builder_set_memory_limit(b, 1u << 20);
    size_t n = 0;
    while (pb_builder_reset(b, n + 1, err, sizeof err) == 0)
        n++;
    assert_true(n >= 16384 && n < 65536); /* 16 bytes an event, and the id table */
    assert_string_equal(err, "too large: the workload needs more than 1 MiB of memory (its limit)");
    assert_true(pb_builder_exhausted(b));
    memset(err, 0, sizeof err);
    assert_int_equal(pb_builder_alloc(b, 1, 8, 4, NULL, 0, 0, err, sizeof err), -1);
    assert_non_null(strstr(err, "too large"));
    assert_int_equal(pb_builder_free(b, 1, 0, err, sizeof err), -1);
    assert_int_equal(pb_builder_realloc(b, 1, 8, 0, err, sizeof err), -1);
    struct pb_workload w;
    memset(&w, 0, sizeof w);
    assert_int_equal(pb_builder_finish(b, &w), 0); /* what was added is still whole */
    assert_int_equal(w.n_records, n);
    assert_int_equal(w.fig.resets, n);
    pb_workload_free(&w);

    /* the default limit is the machine's memory: ordinary workloads never meet it */
    b = pb_builder_new();
    assert_false(pb_builder_exhausted(b));
    for (uint64_t i = 0; i < 100000; i++)
        ok_alloc(b, i, 8, 4, NULL, 0);
    pb_builder_discard(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(figures_of_the_spec_example),
        cmocka_unit_test(figures_with_blocks_left_live),
        cmocka_unit_test(events_carry_slots_sizes_and_alignment),
        cmocka_unit_test(rule_violations_are_refused_and_the_builder_goes_on),
        cmocka_unit_test(tags_are_interned_and_checked),
        cmocka_unit_test(more_than_65535_tags_is_an_error),
        cmocka_unit_test(builder_agrees_with_a_reference_on_random_traffic),
        cmocka_unit_test(check_catches_inconsistent_events),
        cmocka_unit_test(diag_keeps_twenty_and_counts_all),
        cmocka_unit_test(ids_are_kept_only_once_one_differs_from_its_slot),
        cmocka_unit_test(memory_limit_is_refused_before_allocating),
        cmocka_unit_test(thread_figures_of_a_hand_example),
        cmocka_unit_test(longest_chain_counts_dependencies_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
