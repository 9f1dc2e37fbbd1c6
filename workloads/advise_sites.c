/*
 * advise_sites.c -- the per-site analysis of pb_advise_sites.h.
 *
 * One pass over the events keeps, per slot, the block's site (its tag at the
 * `a`), birth event and size; per site the live count and bytes, their
 * peaks, and the bytes asked since its live count last fell to 0 (what an
 * arena of the site holds before its reset). A block's death is classified
 * when it is freed: churn (lifetime <= PB_SITE_SHORT_EVENTS), long (more
 * than half the trace), else mixed; a run of >= PB_SITE_BURST consecutive
 * frees of one site moves the run's blocks to phase, and an `x` sends every
 * live block there. Blocks live at the end are long. O(events + slots +
 * sites) time, O(slots + sites) memory.
 *
 * The cost model: saving in ns = the site's a + f + r events times
 * (malloc_ns - pool_ns or arena_ns); resident bytes saved = the site's
 * blocks in malloc at its peak of live bytes (glibc chunks: usable size + 8
 * bytes of header, pb_advise_malloc_usable) minus the pages its pool (peak
 * live blocks * chunk) or arena (its largest fill) touches.
 */
#include "pb_advise_sites.h"
#include "pb_advise.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Per slot: the live block's site, birth and size. */
struct slot_state {
    uint32_t site;
    uint64_t birth;
    uint64_t size;
};

/* A run of consecutive frees of one site, and how its blocks were classed. */
struct free_run {
    uint32_t site;
    uint64_t len, churn, longl, mixed;
};

/* Everything the scan keeps. */
struct scan {
    const struct pb_workload *w;
    struct pb_site *by_tag;   /* n_tags + 1 entries, index = tag (0 untagged) */
    uint64_t *malloc_live;    /* per site: malloc bytes of its live blocks */
    uint64_t *malloc_at_peak; /* per site: malloc_live at its peak of live bytes */
    struct slot_state *slots;
    struct free_run run;
    uint64_t page;
};

static uint64_t round16(uint64_t n)
{
    return (n + 15) & ~(uint64_t)15;
}

static uint64_t round_to(uint64_t n, uint64_t to)
{
    return to ? (n + to - 1) / to * to : n;
}

/* glibc's footprint of one block: usable size plus its 8-byte header. */
static uint64_t malloc_bytes(uint64_t size, uint64_t page)
{
    return pb_advise_malloc_usable(size, page) + 8;
}

static void note_size(struct pb_site *s, uint64_t size)
{
    if (s->min_size > size || s->allocs + s->n_sizes == 0)
        s->min_size = size;
    if (s->max_size < size)
        s->max_size = size;
    for (uint32_t i = 0; i < s->n_sizes && i < PB_SITE_FEW_SIZES; i++)
        if (s->sizes[i] == size)
            return;
    if (s->n_sizes < PB_SITE_FEW_SIZES)
        s->sizes[s->n_sizes] = size;
    if (s->n_sizes <= PB_SITE_FEW_SIZES)
        s->n_sizes++;
}

/* The site's live set changed: peaks, and a release when it fell to 0. */
static void after_change(struct scan *sc, uint32_t site, size_t i)
{
    struct pb_site *s = &sc->by_tag[site];
    if (s->live_bytes > s->peak_live_bytes) {
        s->peak_live_bytes = s->live_bytes;
        sc->malloc_at_peak[site] = sc->malloc_live[site];
    }
    if (s->live_blocks > s->peak_live_blocks)
        s->peak_live_blocks = s->live_blocks;
    if (s->live_blocks == 0 && s->epoch_bytes > 0) {
        if (s->releases++ == 0)
            s->first_release_line = pb_workload_line(sc->w, i);
        if (s->epoch_bytes > s->arena_peak_bytes)
            s->arena_peak_bytes = s->epoch_bytes;
        s->epoch_bytes = 0;
    }
}

/* The run of frees ended: a long one means its blocks died together. */
static void end_run(struct scan *sc)
{
    struct free_run *r = &sc->run;
    if (r->len >= PB_SITE_BURST) {
        struct pb_site *s = &sc->by_tag[r->site];
        s->churn -= r->churn;
        s->longl -= r->longl;
        s->mixed -= r->mixed;
        s->phase += r->len;
    }
    *r = (struct free_run){0};
}

static void on_alloc(struct scan *sc, const struct pb_event *e, size_t i)
{
    uint32_t site = e->tag <= sc->w->n_tags ? e->tag : 0;
    struct pb_site *s = &sc->by_tag[site];
    note_size(s, e->size);
    s->allocs++;
    s->events++;
    s->bytes += e->size;
    s->live_blocks++;
    s->live_bytes += e->size;
    s->epoch_bytes += round16(e->size);
    sc->malloc_live[site] += malloc_bytes(e->size, sc->page);
    sc->slots[e->slot] = (struct slot_state){site, i, e->size};
    after_change(sc, site, i);
}

static void on_free(struct scan *sc, const struct pb_event *e, size_t i)
{
    struct slot_state *b = &sc->slots[e->slot];
    struct pb_site *s = &sc->by_tag[b->site];
    if (sc->run.len && sc->run.site != b->site)
        end_run(sc);
    sc->run.site = b->site;
    sc->run.len++;
    uint64_t life = i - b->birth;
    if (life <= PB_SITE_SHORT_EVENTS) {
        s->churn++;
        sc->run.churn++;
    } else if (life > sc->w->n_records / 2) {
        s->longl++;
        sc->run.longl++;
    } else {
        s->mixed++;
        sc->run.mixed++;
    }
    s->events++;
    s->live_blocks--;
    s->live_bytes -= b->size;
    sc->malloc_live[b->site] -= malloc_bytes(b->size, sc->page);
    after_change(sc, b->site, i);
}

static void on_realloc(struct scan *sc, const struct pb_event *e, size_t i)
{
    struct slot_state *b = &sc->slots[e->slot];
    struct pb_site *s = &sc->by_tag[b->site];
    note_size(s, e->size);
    s->events++;
    s->live_bytes = s->live_bytes - b->size + e->size;
    s->epoch_bytes += round16(e->size);
    sc->malloc_live[b->site] += malloc_bytes(e->size, sc->page) - malloc_bytes(b->size, sc->page);
    b->size = e->size;
    after_change(sc, b->site, i);
}

/* x: every live block of every site dies together. */
static void on_reset(struct scan *sc, size_t i)
{
    for (uint32_t t = 0; t <= sc->w->n_tags; t++) {
        struct pb_site *s = &sc->by_tag[t];
        s->phase += s->live_blocks;
        s->live_blocks = 0;
        s->live_bytes = 0;
        sc->malloc_live[t] = 0;
        after_change(sc, t, i);
    }
}

static void scan_events(struct scan *sc)
{
    const struct pb_workload *w = sc->w;
    for (size_t i = 0; i < w->n_records; i++) {
        const struct pb_event *e = &w->events[i];
        if (e->op != PB_OP_FREE && sc->run.len)
            end_run(sc);
        if (e->op == PB_OP_ALLOC)
            on_alloc(sc, e, i);
        else if (e->op == PB_OP_FREE)
            on_free(sc, e, i);
        else if (e->op == PB_OP_REALLOC)
            on_realloc(sc, e, i);
        else
            on_reset(sc, i);
    }
    if (sc->run.len)
        end_run(sc);
    for (uint32_t t = 0; t <= w->n_tags; t++) {
        struct pb_site *s = &sc->by_tag[t];
        s->longl += s->live_blocks;
        if (s->epoch_bytes > s->arena_peak_bytes)
            s->arena_peak_bytes = s->epoch_bytes;
    }
}

/* Sizes, lifetime, recommendation and the predicted savings of one site. */
static void classify(struct pb_site *s, uint64_t malloc_at_peak, const struct pb_site_costs *c)
{
    s->size_kind = s->n_sizes <= 1 ? PB_SITE_ONE_SIZE
                   : s->n_sizes <= PB_SITE_FEW_SIZES ? PB_SITE_FEW : PB_SITE_MANY;
    uint64_t best = s->churn;
    s->life = PB_SITE_CHURN;
    if (s->phase > best)
        best = s->phase, s->life = PB_SITE_PHASE;
    if (s->longl > best)
        best = s->longl, s->life = PB_SITE_LONG;
    if (s->mixed > best)
        s->life = PB_SITE_MIXED;
    s->chunk = round16(s->max_size ? s->max_size : 1);
    double waste = s->allocs ? 1.0 - (double)s->bytes / ((double)s->allocs * (double)s->chunk)
                             : 1.0;
    int enough = s->allocs >= PB_SITE_MIN_ALLOCS;
    int pool_fits = enough && s->life == PB_SITE_CHURN && s->size_kind != PB_SITE_MANY &&
                    s->max_size <= PB_SITE_POOL_MAX && waste <= PB_SITE_POOL_WASTE;
    int arena_fits = enough && s->life == PB_SITE_PHASE && s->releases > 0 &&
                     s->arena_peak_bytes <= 2 * round16(s->peak_live_bytes) + c->page;
    s->rec = arena_fits ? PB_SITE_ARENA : pool_fits ? PB_SITE_POOL : PB_SITE_GENERAL;
    s->malloc_resident = round_to(malloc_at_peak, c->page);
    if (s->rec == PB_SITE_POOL) {
        s->own_resident = round_to(s->peak_live_blocks * s->chunk, c->page);
        s->save_ns = (double)s->events * (c->malloc_ns - c->pool_ns);
    } else if (s->rec == PB_SITE_ARENA) {
        s->own_resident = round_to(s->arena_peak_bytes, c->page);
        s->save_ns = (double)s->events * (c->malloc_ns - c->arena_ns);
    } else {
        s->own_resident = s->malloc_resident;
        s->save_ns = 0;
    }
    if (s->rec != PB_SITE_POOL)
        s->chunk = 0;
    s->save_resident = (int64_t)s->malloc_resident - (int64_t)s->own_resident;
}

/* Copy the sites that have blocks into out, in tag order. */
static int collect(struct scan *sc, const struct pb_site_costs *c, struct pb_sites *out)
{
    size_t n = 0;
    for (uint32_t t = 0; t <= sc->w->n_tags; t++)
        n += sc->by_tag[t].allocs > 0;
    out->v = calloc(n ? n : 1, sizeof *out->v);
    if (!out->v)
        return -1;
    for (uint32_t t = 0; t <= sc->w->n_tags; t++) {
        struct pb_site *s = &sc->by_tag[t];
        if (!s->allocs)
            continue;
        s->tag = t;
        classify(s, sc->malloc_at_peak[t], c);
        out->v[out->n++] = *s;
    }
    return 0;
}

int pb_sites_analyse(const struct pb_workload *w, const struct pb_site_costs *costs,
                     struct pb_sites *out, char *err, size_t errlen)
{
    *out = (struct pb_sites){.events = w->fig.events};
    struct scan sc = {.w = w, .page = costs->page ? costs->page : 4096};
    size_t sites = (size_t)w->n_tags + 1;
    sc.by_tag = calloc(sites, sizeof *sc.by_tag);
    sc.malloc_live = calloc(sites, sizeof *sc.malloc_live);
    sc.malloc_at_peak = calloc(sites, sizeof *sc.malloc_at_peak);
    sc.slots = calloc(w->n_slots ? w->n_slots : 1, sizeof *sc.slots);
    int rc = -1;
    if (sc.by_tag && sc.malloc_live && sc.malloc_at_peak && sc.slots) {
        scan_events(&sc);
        rc = collect(&sc, costs, out);
    }
    if (rc)
        snprintf(err, errlen, "out of memory for the per-site analysis of %zu slots",
                 (size_t)w->n_slots);
    free(sc.by_tag);
    free(sc.malloc_live);
    free(sc.malloc_at_peak);
    free(sc.slots);
    return rc;
}

void pb_sites_free(struct pb_sites *s)
{
    free(s->v);
    *s = (struct pb_sites){0};
}

const char *pb_site_sizes_name(enum pb_site_sizes k)
{
    return k == PB_SITE_ONE_SIZE ? "one" : k == PB_SITE_FEW ? "few" : "many";
}

const char *pb_site_life_name(enum pb_site_life k)
{
    static const char *const names[] = {"churn", "phase", "long", "mixed"};
    return (unsigned)k < 4 ? names[k] : "?";
}

const char *pb_site_rec_name(enum pb_site_rec k)
{
    return k == PB_SITE_POOL ? "pool" : k == PB_SITE_ARENA ? "arena" : "general";
}

/* Is a block of this size and alignment the pool's? */
static int pooled(uint64_t size, unsigned align_log2, uint64_t chunk)
{
    return size <= chunk && align_log2 <= 4;
}

/* One event's effect on the pooled set: in[slot] is 1 + the block's size
 * while the pool holds it, else 0; an r that no longer fits moves the block
 * to malloc (pool_realloc). */
static void predict_event(const struct pb_event *e, uint64_t chunk, uint64_t page,
                          uint64_t *in, uint64_t *live, uint64_t *mbytes, uint64_t *events)
{
    uint64_t *b = &in[e->slot];
    if (e->op == PB_OP_ALLOC && pooled(e->size, e->align_log2, chunk)) {
        *b = e->size + 1;
        ++*live;
        *mbytes += malloc_bytes(e->size, page);
    } else if (e->op == PB_OP_ALLOC) {
        *b = 0;
    }
    if (!*b)
        return;
    ++*events;
    if (e->op == PB_OP_ALLOC)
        return;
    *mbytes -= malloc_bytes(*b - 1, page);
    if (e->op == PB_OP_REALLOC && e->size <= chunk) {
        *b = e->size + 1;
        *mbytes += malloc_bytes(e->size, page);
        return;
    }
    --*live;
    *b = 0;
}

int pb_sites_predict_pool(const struct pb_workload *w, const struct pb_site_costs *costs,
                          uint64_t chunk, struct pb_pool_prediction *out)
{
    *out = (struct pb_pool_prediction){.chunk = chunk};
    uint64_t page = costs->page ? costs->page : 4096;
    uint64_t *in = calloc(w->n_slots ? w->n_slots : 1, sizeof *in);
    if (!in)
        return -1;
    uint64_t live = 0, mbytes = 0, mbytes_at_peak = 0;
    for (size_t i = 0; i < w->n_records; i++) {
        const struct pb_event *e = &w->events[i];
        if (e->op == PB_OP_RESET) {
            memset(in, 0, w->n_slots * sizeof *in);
            live = mbytes = 0;
            continue;
        }
        predict_event(e, chunk, page, in, &live, &mbytes, &out->pooled_events);
        if (live > out->pooled_peak_blocks) {
            out->pooled_peak_blocks = live;
            mbytes_at_peak = mbytes;
        }
    }
    free(in);
    double share = w->fig.events ? (double)out->pooled_events / (double)w->fig.events : 0;
    out->save_ns_per_op = share * (costs->malloc_ns - costs->pool_ns);
    out->save_resident = (int64_t)round_to(mbytes_at_peak, page) -
                         (int64_t)round_to(out->pooled_peak_blocks * chunk, page);
    return 0;
}
