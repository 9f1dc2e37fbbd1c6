/* test_measure.c -- the memory pass on hand-computed workloads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "measure.h"
#include "pb_backend.h"
#include "backend_test.h"
#include "hand_workloads.h"
#include "occupancy_ref.h"

/* ---- a test-local pool: one 16 MiB mapping carved in 64-byte chunks ------ */
#define CHUNK 64
#define MAP (16u << 20)

struct mini {
    unsigned char *base;
    size_t next;     /* bytes carved so far */
    void *free_list; /* LIFO of freed chunks (next pointer in the chunk) */
    struct pb_backend_stats st;
};

static void *mini_alloc(void *self, size_t size, size_t align)
{
    struct mini *m = self;
    if (size > CHUNK || align > CHUNK || m->next + CHUNK > MAP)
        return NULL;
    void *p;
    if (m->free_list) {
        p = m->free_list;
        m->free_list = *(void **)p;
    } else {
        p = m->base + m->next;
        m->next += CHUNK;
    }
    m->st.live_blocks++;
    m->st.granted_bytes += CHUNK;
    m->st.allocs++;
    return p;
}

static int mini_free(void *self, void *p, size_t size)
{
    (void)size;
    struct mini *m = self;
    *(void **)p = m->free_list;
    m->free_list = p;
    m->st.live_blocks--;
    m->st.granted_bytes -= CHUNK;
    m->st.frees++;
    return 0;
}

static void mini_stats(void *self, struct pb_backend_stats *out)
{
    struct mini *m = self;
    m->st.footprint_bytes = m->st.peak_footprint_bytes = MAP;
    *out = m->st;
}

static int mini_mappings(void *self, pb_mapping_fn fn, void *ctx)
{
    struct mini *m = self;
    struct pb_mapping map = {m->base, MAP};
    return fn(&map, ctx);
}

static const struct pb_backend_ops mini_ops = {
    .version = PB_BACKEND_API_VERSION,
    .name = "mini",
    .flags = PB_BK_OWN_MAPPINGS,
    .alloc = mini_alloc,
    .free = mini_free,
    .stats = mini_stats,
    .mappings = mini_mappings,
};

static void mini_open(struct mini *m)
{
    memset(m, 0, sizeof *m);
    m->base = mmap(NULL, MAP, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(m->base != MAP_FAILED);
}

static void mini_close(struct mini *m)
{
    munmap(m->base, MAP);
}

static uint64_t pages_of(uint64_t bytes)
{
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    return (bytes + page - 1) / page * page;
}

static struct pb_workload *one_size(uint32_t n, uint64_t size, int free_all_at_end)
{
    struct pb_workload *w = tw_new("one-size");
    for (uint32_t s = 0; s < n; s++)
        tw_add(w, PB_OP_ALLOC, s, size);
    if (free_all_at_end)
        for (uint32_t s = 0; s < n; s++)
            tw_add(w, PB_OP_FREE, s, size);
    tw_figures(w);
    return w;
}

/* The memory pass of w on the fresh instance (ops, self): it must succeed. */
static void measure_ok(const struct pb_backend_ops *ops, void *self, const struct pb_workload *w,
                       enum pb_touch touch, size_t sample_every, struct pb_memory *mem)
{
    size_t at = 0;
    assert_int_equal(pb_measure_run(ops, self, w, touch, sample_every, mem, &at), 0);
}

/* The memory pass of w on a fresh mini backend m. */
static void mini_measure(struct mini *m, const struct pb_workload *w, enum pb_touch touch,
                         size_t sample_every, struct pb_memory *mem)
{
    mini_open(m);
    measure_ok(&mini_ops, m, w, touch, sample_every, mem);
}

/* Free what a pass on the mini backend left: its figures, m and w. */
static void mini_done(struct mini *m, struct pb_memory *mem, struct pb_workload *w)
{
    pb_memory_free(mem);
    mini_close(m);
    tw_free(w);
}

/* Free what a pass on a registered backend left: its figures, self and w. */
static void backend_done(const struct pb_backend_ops *ops, void *self, struct pb_memory *mem,
                         struct pb_workload *w)
{
    pb_memory_free(mem);
    ops->destroy(self);
    tw_free(w);
}

static void internal_fragmentation_is_one_minus_size_over_chunk(void **state)
{
    (void)state;
    struct pb_workload *w = one_size(1000, 48, 0);
    struct mini m;
    struct pb_memory mem;
    mini_measure(&m, w, PB_TOUCH_PAGES, 0, &mem);
    assert_true(mem.granted_ok && mem.internal_ok);
    assert_int_equal(mem.granted_bytes_at_peak, 1000 * CHUNK);
    assert_true(mem.internal_fragmentation == 1.0 - 48.0 / 64.0);
    assert_true(mem.fragmentation_ok);
    assert_true(mem.fragmentation == (double)MAP / (1000.0 * 48.0) - 1.0);
    assert_true(mem.pass_seconds > 0); /* the pass's own wall time */
    mini_done(&m, &mem, w);
}

static void resident_is_the_pages_touched(void **state)
{
    (void)state;
    struct pb_workload *w = one_size(1000, CHUNK, 0);
    struct mini m;
    struct pb_memory mem;
    mini_measure(&m, w, PB_TOUCH_PAGES, 0, &mem);
    assert_true(mem.resident_ok);
    assert_string_equal(mem.resident_method, "mincore");
    /* the chunks are carved contiguously from the mapping's start */
    assert_int_equal(mem.peak_resident_bytes, pages_of(1000 * CHUNK));
    assert_int_equal(mem.occupied_page_bytes_at_peak, pages_of(1000 * CHUNK));
    assert_int_equal(mem.wasted_page_bytes, 0);
    mini_done(&m, &mem, w);
}

static void untouched_blocks_are_not_resident(void **state)
{
    (void)state;
    struct pb_workload *w = one_size(1000, CHUNK, 0);
    struct mini m;
    struct pb_memory mem;
    mini_measure(&m, w, PB_TOUCH_NONE, 0, &mem);
    assert_int_equal(mem.peak_resident_bytes, 0);
    assert_int_equal(mem.resident_bytes_at_end, 0);
    assert_int_equal(mem.occupied_page_bytes_at_end, pages_of(1000 * CHUNK));
    assert_int_equal(mem.wasted_page_bytes, 0);
    assert_int_equal(mem.max_wasted_page_bytes, 0);
    assert_true(mem.n_notes >= 1); /* occupied > resident is explained */
    mini_done(&m, &mem, w);
}

static void freeing_everything_wastes_all_resident(void **state)
{
    (void)state;
    struct pb_workload *w = one_size(2000, 40, 1);
    struct mini m;
    struct pb_memory mem;
    mini_measure(&m, w, PB_TOUCH_PAGES, 10, &mem);
    assert_int_equal(mem.occupied_page_bytes_at_end, 0);
    assert_int_equal(mem.resident_bytes_at_end, mem.peak_resident_bytes);
    assert_true(mem.peak_resident_bytes > 0);
    assert_int_equal(mem.wasted_page_bytes_at_end, mem.resident_bytes_at_end);
    assert_int_equal(mem.max_wasted_page_bytes, mem.resident_bytes_at_end);
    /* the peak was first reached with every block live: nothing wasted then */
    assert_int_equal(mem.occupied_page_bytes_at_peak, pages_of(2000 * CHUNK));
    assert_int_equal(mem.wasted_page_bytes, 0);
    const struct pb_mem_sample *last = &mem.timeline[mem.n_timeline - 1];
    assert_int_equal(last->event, w->n_records);
    assert_int_equal(last->live_bytes, 0);
    assert_int_equal(last->granted_bytes, 0);
    mini_done(&m, &mem, w);
}

static void timeline_samples_the_peak_and_every_n(void **state)
{
    (void)state;
    struct pb_workload *w = tw_new("peak");
    for (uint32_t s = 0; s < 7; s++)
        tw_add(w, PB_OP_ALLOC, s, 10);
    for (uint32_t s = 0; s < 7; s++)
        tw_add(w, PB_OP_FREE, s, 10);
    tw_figures(w);
    assert_int_equal(w->fig.peak_event, 6);
    struct mini m;
    struct pb_memory mem;
    mini_measure(&m, w, PB_TOUCH_PAGES, 5, &mem);
    /* after 5, 7 (the peak), 10 and 14 events */
    assert_int_equal(mem.n_timeline, 4);
    uint64_t want_event[] = {5, 7, 10, 14};
    uint64_t want_live[] = {50, 70, 40, 0};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(mem.timeline[i].event, want_event[i]);
        assert_int_equal(mem.timeline[i].live_bytes, want_live[i]);
        assert_int_equal(mem.timeline[i].granted_bytes, want_live[i] / 10 * CHUNK);
    }
    assert_int_equal(mem.granted_bytes_at_peak, 7 * CHUNK);
    mini_done(&m, &mem, w);
}

static void null_backend_has_no_memory_figures(void **state)
{
    (void)state;
    struct pb_workload *w = one_size(10, 48, 1);
    const struct pb_backend_ops *ops = pb_backend_find("null");
    void *self = bt_make(ops, NULL, 0);
    struct pb_memory mem;
    measure_ok(ops, self, w, PB_TOUCH_PAGES, 0, &mem);
    assert_false(mem.granted_ok || mem.resident_ok || mem.footprint_ok);
    assert_int_equal(mem.n_timeline, 0);
    assert_non_null(strstr(mem.notes[0], "no real memory"));
    backend_done(ops, self, &mem, w);
}

/* ---- the real pool: the kernel's count equals the pages its slabs touched -- */

static void *pool_make(const char *chunk, const char *slab)
{
    struct pb_option o[] = {{"chunk", chunk}, {"slab", slab}};
    return bt_make(bt_ops("pool"), o, 2);
}

static void pool_internal_fragmentation_is_exact(void **state)
{
    (void)state;
    const struct pb_backend_ops *ops = pb_backend_find("pool");
    struct pb_workload *w = one_size(3000, 48, 1);
    void *self = pool_make("64", "64k");
    struct pb_memory mem;
    measure_ok(ops, self, w, PB_TOUCH_PAGES, 0, &mem);
    assert_int_equal(mem.granted_bytes_at_peak, 3000 * 64);
    assert_true(mem.internal_fragmentation == 0.25);
    backend_done(ops, self, &mem, w);
}

static void pool_resident_is_the_touched_slab_pages(void **state)
{
    (void)state;
    const struct pb_backend_ops *ops = pb_backend_find("pool");
    /* 64 KiB slabs hold 1024 chunks of 64 bytes: 2500 blocks fill two slabs and
     * 452 chunks (28.25 pages, so 29 touched) of a third */
    struct pb_workload *w = one_size(2500, 64, 0);
    void *self = pool_make("64", "64k");
    struct pb_memory mem;
    measure_ok(ops, self, w, PB_TOUCH_PAGES, 0, &mem);
    uint64_t slab_chunks = 65536 / 64, full = 2500 / slab_chunks;
    uint64_t touched = full * 65536 + pages_of((2500 - full * slab_chunks) * 64);
    assert_int_equal(mem.peak_resident_bytes, touched);
    assert_int_equal(mem.occupied_page_bytes_at_peak, touched);
    assert_int_equal(mem.peak_footprint_bytes, 3 * 65536);
    /* with no touches, nothing of the pool becomes resident: it writes no chunk */
    pb_memory_free(&mem);
    ops->destroy(self);
    self = pool_make("64", "64k");
    measure_ok(ops, self, w, PB_TOUCH_NONE, 0, &mem);
    assert_int_equal(mem.peak_resident_bytes, 0);
    backend_done(ops, self, &mem, w);
}

static void pool_free_everything_leaves_all_resident_wasted(void **state)
{
    (void)state;
    const struct pb_backend_ops *ops = pb_backend_find("pool");
    struct pb_workload *w = one_size(1500, 64, 1);
    void *self = pool_make("64", "64k");
    struct pb_memory mem;
    measure_ok(ops, self, w, PB_TOUCH_FULL, 0, &mem);
    assert_int_equal(mem.occupied_page_bytes_at_end, 0);
    assert_int_equal(mem.resident_bytes_at_end, mem.peak_resident_bytes);
    assert_int_equal(mem.wasted_page_bytes_at_end, mem.resident_bytes_at_end);
    assert_int_equal(mem.peak_resident_bytes, 65536 + pages_of(476 * 64));
    backend_done(ops, self, &mem, w);
}

/* pools passes blocks above its largest class to malloc: their pages are in
 * none of its mappings, but they are resident all the same and must count */
static void pools_resident_counts_the_blocks_it_passes_to_malloc(void **state)
{
    (void)state;
    const struct pb_backend_ops *ops = pb_backend_find("pools");
    struct pb_workload *w = one_size(200, 8192, 0);
    void *self = bt_make(ops, NULL, 0);
    struct pb_memory mem;
    measure_ok(ops, self, w, PB_TOUCH_FULL, 0, &mem);
    assert_string_equal(mem.resident_method, "mincore+smaps_rollup");
    assert_true(mem.peak_resident_bytes >= 200 * 8192);
    /* the malloc'd blocks all count: resident is the growth since the
     * baseline, so only the heap page the first block shares with what was
     * already there (resident before the baseline) may be missing */
    assert_true(mem.peak_resident_bytes + pages_of(1) >= mem.occupied_page_bytes_at_peak);
    pb_memory_free(&mem);
    ops->destroy(self);
    /* the fixed-size pool passes nothing on: its pages alone, by mincore */
    const struct pb_backend_ops *pool = pb_backend_find("pool");
    self = pool_make("64", "64k");
    struct pb_workload *small = one_size(100, 64, 0);
    measure_ok(pool, self, small, PB_TOUCH_PAGES, 0, &mem);
    assert_string_equal(mem.resident_method, "mincore");
    pb_memory_free(&mem);
    pool->destroy(self);
    tw_free(small);
    tw_free(w);
}

/* ---- occupancy: the timeline against the former sort, sample by sample --- */

/* Replay w on a fresh instance of a backend whose in-page layout depends on
 * nothing but the calls (arena, pool), stopping at every sample's event, and
 * compare the pass's occupied and live bytes with the sort over the slots. */
static void check_timeline_against_the_sort(const struct shape *sh, const struct pb_workload *w,
                                            const struct pb_memory *mem)
{
    const struct pb_backend_ops *ops = pb_backend_find(sh->spec_name);
    struct pb_option opt = {sh->opt_key, sh->opt_value};
    void *self = bt_make(ops, &opt, sh->opt_key ? 1 : 0);
    struct pb_replay r;
    assert_int_equal(pb_replay_init(&r, ops, self, w, PB_TOUCH_PAGES), 0);
    size_t pos = 0;
    for (size_t i = 0; i < mem->n_timeline; i++) {
        size_t next = mem->timeline[i].event;
        assert_int_equal(pb_replay_range(&r, pos, next), next);
        pos = next;
        uint64_t live = 0;
        assert_int_equal(mem->timeline[i].occupied_bytes, ref_occupied(&r, &live));
        assert_int_equal(mem->timeline[i].live_bytes, live);
    }
    pb_replay_release(&r);
    pb_replay_fini(&r);
    ops->destroy(self);
}

static void timeline_occupancy_matches_the_sort(void **state)
{
    (void)state;
    static const struct shape shapes[] = {
        {"arena", NULL, NULL, 1u << 22, 12, 1},
        {"pool", "chunk", "64", 64, 4, 1},
    };
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        const struct pb_backend_ops *ops = pb_backend_find(shapes[i].spec_name);
        struct pb_workload *w = random_workload(&shapes[i], 300, 11 + i);
        struct pb_option opt = {shapes[i].opt_key, shapes[i].opt_value};
        void *self = bt_make(ops, &opt, shapes[i].opt_key ? 1 : 0);
        struct pb_memory mem;
        measure_ok(ops, self, w, PB_TOUCH_PAGES, 97, &mem);
        ops->destroy(self);
        assert_true(mem.n_timeline > 1000);
        check_timeline_against_the_sort(&shapes[i], w, &mem);
        pb_memory_free(&mem);
        tw_free(w);
    }
}

/* ---- a backend measured by RSS whose blocks are never resident ------------ */

/* Blocks two pages apart in a PROT_NONE reservation, never touched (the pass
 * runs with touch none): the anonymous RSS does not grow for them, while the
 * occupancy tracker's table grows to hold one key per block. */
#define SPARSE_BLOCKS 400000u

struct sparse {
    unsigned char *base;
    size_t next;
    struct pb_backend_stats st;
};

static void *sparse_alloc(void *self, size_t size, size_t align)
{
    (void)size;
    (void)align;
    struct sparse *sp = self;
    if (sp->next >= SPARSE_BLOCKS)
        return NULL;
    return sp->base + 2 * PAGE * sp->next++;
}

static int sparse_free(void *self, void *p, size_t size)
{
    (void)self;
    (void)p;
    (void)size;
    return 0;
}

static void sparse_stats(void *self, struct pb_backend_stats *out)
{
    *out = ((struct sparse *)self)->st;
}

static const struct pb_backend_ops sparse_ops = {
    .version = PB_BACKEND_API_VERSION,
    .name = "sparse",
    .alloc = sparse_alloc,
    .free = sparse_free,
    .stats = sparse_stats,
};

static void resident_leaves_out_the_trackers_table(void **state)
{
    (void)state;
    struct sparse sp = {0};
    size_t len = (size_t)2 * PAGE * SPARSE_BLOCKS;
    sp.base = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    assert_true(sp.base != MAP_FAILED);
    struct pb_workload *w = tw_new("sparse");
    free(w->events);
    w->events = calloc(SPARSE_BLOCKS, sizeof *w->events);
    for (uint32_t s = 0; s < SPARSE_BLOCKS; s++)
        w->events[s] = (struct pb_event){.op = PB_OP_ALLOC, .slot = s, .size = 8,
                                         .align_log2 = 4};
    w->n_records = w->n_slots = SPARSE_BLOCKS;
    tw_figures(w);
    struct pb_memory mem;
    measure_ok(&sparse_ops, &sp, w, PB_TOUCH_NONE, 0, &mem);
    assert_string_equal(mem.resident_method, "smaps_rollup");
    assert_int_equal(mem.occupied_page_bytes_at_end, (uint64_t)SPARSE_BLOCKS * PAGE);
    /* the table grew to 8 MiB at least (8-byte cells, at most half full, 400000
     * keys); none of it may show as the backend's (0 here; under the address
     * sanitizer, its shadow of the table, an eighth of it, does) */
    assert_true(mem.peak_resident_bytes < (4u << 20));
    pb_memory_free(&mem);
    munmap(sp.base, len);
    tw_free(w);
}

/* ---- mincore over a backend's mappings, joined into runs ----------------- */

struct listed {
    unsigned char *big, *small, *odd; /* 80 MiB, 3 pages, 2 pages */
};

/* The big mapping as 64 KiB slabs from the top down (as mmap hands them out),
 * the small one in the middle of the list, then the odd one at 5000 bytes. */
static int listed_mappings(void *self, pb_mapping_fn fn, void *ctx)
{
    struct listed *l = self;
    size_t slab = 16 * PAGE, n = (80u << 20) / slab;
    for (size_t i = n; i-- > 0;) {
        struct pb_mapping m = {l->big + i * slab, slab};
        if (fn(&m, ctx))
            return 1;
        if (i == n / 2) {
            struct pb_mapping s = {l->small, 3 * PAGE};
            if (fn(&s, ctx))
                return 1;
        }
    }
    struct pb_mapping o = {l->odd, 5000};
    return fn(&o, ctx);
}

static void resident_of_mappings_counts_every_listed_page(void **state)
{
    (void)state;
    struct listed l;
    size_t big = 80u << 20;
    int prot = PROT_READ | PROT_WRITE, flags = MAP_PRIVATE | MAP_ANONYMOUS;
    l.big = mmap(NULL, big, prot, flags, -1, 0);
    l.small = mmap(NULL, 3 * PAGE, prot, flags, -1, 0);
    l.odd = mmap(NULL, 2 * PAGE, prot, flags, -1, 0);
    assert_true(l.big != MAP_FAILED && l.small != MAP_FAILED && l.odd != MAP_FAILED);
    madvise(l.big, big, MADV_NOHUGEPAGE); /* one page touched is one page resident */
    uint64_t touched = 0;
    for (size_t p = 0; p < big / PAGE; p += 3, touched++)
        l.big[p * PAGE] = 1;
    l.small[PAGE] = 1;
    l.odd[0] = l.odd[PAGE] = 1;
    struct pb_backend_ops ops = {.name = "listed", .mappings = listed_mappings};
    uint64_t bytes = 0;
    assert_int_equal(pb_resident_of_mappings(&ops, &l, &bytes), 0);
    assert_int_equal(bytes, (touched + 1 + 2) * PAGE);
    munmap(l.big, big);
    munmap(l.small, 3 * PAGE);
    munmap(l.odd, 2 * PAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(internal_fragmentation_is_one_minus_size_over_chunk),
        cmocka_unit_test(resident_is_the_pages_touched),
        cmocka_unit_test(untouched_blocks_are_not_resident),
        cmocka_unit_test(freeing_everything_wastes_all_resident),
        cmocka_unit_test(timeline_samples_the_peak_and_every_n),
        cmocka_unit_test(null_backend_has_no_memory_figures),
        cmocka_unit_test(timeline_occupancy_matches_the_sort),
        cmocka_unit_test(resident_leaves_out_the_trackers_table),
        cmocka_unit_test(resident_of_mappings_counts_every_listed_page),
        cmocka_unit_test(pool_internal_fragmentation_is_exact),
        cmocka_unit_test(pools_resident_counts_the_blocks_it_passes_to_malloc),
        cmocka_unit_test(pool_resident_is_the_touched_slab_pages),
        cmocka_unit_test(pool_free_everything_leaves_all_resident_wasted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
