/*
 * measure.c -- the memory pass. The replay runs in ranges between sample
 * points; at each point the backend's stats, the kernel's resident figure and
 * the occupancy tracker the replay keeps up to date are read, each in time
 * independent of the number of live blocks (the kernel's figures aside). Every
 * buffer the pass needs is allocated and written before the baseline is taken,
 * so the runner's own pages never count as the backend's; the one that may
 * grow, the tracker's table, is mmap'd (never in a malloc backend's heap) and
 * its growth is subtracted from the anonymous RSS.
 */
#include "measure.h"

#include "pb_hmem.h"

#include <malloc.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

void pb_memory_note(struct pb_memory *m, const char *fmt, ...)
{
    if (m->n_notes >= PB_MEASURE_NOTES)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->notes[m->n_notes++], PB_NOTE_LEN, fmt, ap);
    va_end(ap);
}

void pb_memory_free(struct pb_memory *m)
{
    pb_hmem_free(m->timeline, m->timeline_cap * sizeof *m->timeline);
    m->timeline = NULL;
    m->n_timeline = m->timeline_cap = 0;
    pb_hmem_free(m->classes, m->classes_cap * sizeof *m->classes);
    m->classes = NULL;
    m->n_classes = m->classes_cap = 0;
}

/* ---- the kernel's figures ------------------------------------------------ */

/* Pages asked of mincore at once: its vector lives on the stack, so sampling
 * allocates nothing (a heap vector would grow the RSS a malloc-like backend
 * is measured by). */
#define MINCORE_VEC 16384

/* The backend's mappings in address runs: mappings of whole pages that touch
 * the pending run join it, so one mincore call covers many slabs. */
struct mincore_ctx {
    size_t page;
    uintptr_t lo, hi;  /* the pending run [lo, hi), empty when lo == hi */
    uint64_t resident; /* pages */
    int failed;
};

/* Resident pages of [addr, addr + len), MINCORE_VEC pages per call. */
static int count_range(struct mincore_ctx *c, uintptr_t addr, size_t len)
{
    unsigned char vec[MINCORE_VEC];
    while (len > 0) {
        size_t piece = len < MINCORE_VEC * c->page ? len : MINCORE_VEC * c->page;
        size_t pages = (piece + c->page - 1) / c->page;
        if (mincore((void *)addr, piece, vec)) {
            c->failed = 1;
            return 1;
        }
        for (size_t i = 0; i < pages; i++)
            c->resident += vec[i] & 1;
        addr += piece;
        len -= piece;
    }
    return 0;
}

static int flush_run(struct mincore_ctx *c)
{
    int rc = c->hi > c->lo ? count_range(c, c->lo, c->hi - c->lo) : 0;
    c->lo = c->hi = 0;
    return rc;
}

static int count_mapping(const struct pb_mapping *m, void *arg)
{
    struct mincore_ctx *c = arg;
    uintptr_t a = (uintptr_t)m->addr;
    if (a % c->page || m->len % c->page) /* not whole pages: alone, as given */
        return flush_run(c) || count_range(c, a, m->len);
    if (c->hi > c->lo && a == c->hi) {
        c->hi += m->len;
    } else if (c->hi > c->lo && a + m->len == c->lo) {
        c->lo = a; /* mmap hands out addresses downwards: the next slab sits below */
    } else {
        if (flush_run(c))
            return 1;
        c->lo = a;
        c->hi = a + m->len;
    }
    return 0;
}

int pb_resident_of_mappings(const struct pb_backend_ops *ops, void *self, uint64_t *out)
{
    struct mincore_ctx c = {0};
    long ps = sysconf(_SC_PAGESIZE);
    c.page = ps > 0 ? (size_t)ps : 4096;
    ops->mappings(self, count_mapping, &c);
    if (!c.failed)
        flush_run(&c);
    if (c.failed)
        return -1;
    *out = c.resident * c.page;
    return 0;
}

/* The value in kB of the first line of path starting with key, in bytes.
 * Reads into a stack buffer: no malloc, so the runner adds nothing to the
 * heap a malloc-like backend is being measured in. */
static int read_kb_field(const char *path, const char *key, uint64_t *out)
{
    char buf[8192];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t len = 0;
    ssize_t n;
    while (len < sizeof buf - 1 && (n = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
        len += (size_t)n;
    close(fd);
    buf[len] = '\0';
    size_t klen = strlen(key);
    for (const char *line = buf; line && *line; line = strchr(line, '\n')) {
        if (*line == '\n')
            line++;
        unsigned long long kb;
        if (strncmp(line, key, klen) == 0 && sscanf(line + klen, "%llu", &kb) == 1) {
            *out = (uint64_t)kb * 1024u;
            return 0;
        }
    }
    return -1;
}

int pb_anon_rss(uint64_t *out)
{
    if (read_kb_field("/proc/self/smaps_rollup", "Anonymous:", out) == 0)
        return 0;
    return read_kb_field("/proc/self/status", "RssAnon:", out);
}

int pb_peak_rss(uint64_t *out)
{
    if (read_kb_field("/proc/self/status", "VmHWM:", out) == 0)
        return 0;
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru))
        return -1;
    *out = (uint64_t)ru.ru_maxrss * 1024u;
    return 0;
}

/* ---- the pass -------------------------------------------------------------- */

struct pass {
    struct pb_replay r;
    struct pb_occupancy occ;     /* pages under live blocks, kept by the replay */
    size_t occ_len_at_baseline;  /* occ.map_len when the RSS baseline was taken */
    int own_mappings;
    int spills;                  /* own mappings plus blocks from the system allocator */
    int resident_ok;
    uint64_t baseline;           /* anonymous RSS before the replay */
    uint64_t footprint_baseline; /* process-wide backends: footprint before the replay */
    uint64_t resident_baseline;  /* the allocator's own resident figure before the replay */
    int allocator_resident;      /* the stats gave a resident figure */
    uint64_t allocator_resident_peak;
};

static void take_sample(struct pass *ps, uint64_t event, struct pb_mem_sample *s)
{
    struct pb_backend_stats st;
    memset(&st, 0, sizeof st);
    ps->r.ops->stats(ps->r.self, &st);
    s->event = event;
    s->granted_bytes = st.granted_bytes;
    s->footprint_bytes = st.footprint_bytes > ps->footprint_baseline
                             ? st.footprint_bytes - ps->footprint_baseline
                             : 0;
    s->occupied_bytes = pb_occupancy_bytes(&ps->occ);
    s->live_bytes = ps->occ.live_bytes;
    s->resident_bytes = 0;
    if (st.resident_bytes) {
        uint64_t own = st.resident_bytes > ps->resident_baseline
                           ? st.resident_bytes - ps->resident_baseline
                           : 0;
        ps->allocator_resident = 1;
        if (own > ps->allocator_resident_peak)
            ps->allocator_resident_peak = own;
    }
    uint64_t v = 0;
    if (!ps->resident_ok)
        return;
    /* the anonymous RSS holds the tracker's table, which may have grown since
     * the baseline (all of it resident, occupancy.h): that growth is ours */
    uint64_t baseline = ps->baseline + (ps->occ.map_len - ps->occ_len_at_baseline);
    /* the kernel is asked last: nothing above allocates */
    if (ps->own_mappings) {
        if (pb_resident_of_mappings(ps->r.ops, ps->r.self, &v) == 0)
            s->resident_bytes = v;
        else
            ps->resident_ok = 0;
        uint64_t anon = 0;
        if (ps->resident_ok && ps->spills && pb_anon_rss(&anon) == 0) {
            /* the anonymous growth holds the mappings' pages and the system
             * allocator's: it is the figure unless mincore saw more */
            uint64_t grown = anon > baseline ? anon - baseline : 0;
            if (grown > v)
                s->resident_bytes = grown;
        }
    } else if (pb_anon_rss(&v) == 0) {
        s->resident_bytes = v > baseline ? v - baseline : 0;
    } else {
        ps->resident_ok = 0;
    }
}

/* Whether the backend passes some blocks on to the system allocator (a
 * PB_CLASS_SYSTEM row in class_stats): their pages are in none of its mappings. */
static int has_system_row(const struct pb_backend_ops *ops, void *self)
{
    if (!ops->class_stats)
        return 0;
    struct pb_class_stats none;
    size_t n = ops->class_stats(self, &none, 0);
    struct pb_class_stats *rows = n ? pb_hmem_calloc(n, sizeof *rows) : NULL;
    if (!rows)
        return 0;
    size_t got = ops->class_stats(self, rows, n);
    int found = 0;
    for (size_t i = 0; i < got && i < n; i++)
        found |= rows[i].kind == PB_CLASS_SYSTEM;
    pb_hmem_free(rows, n * sizeof *rows);
    return found;
}

/* The backend's per-pool rows, at the live peak (nothing allocated here). */
static void take_classes(const struct pass *ps, struct pb_memory *out)
{
    if (!out->classes)
        return;
    out->n_classes_all = ps->r.ops->class_stats(ps->r.self, out->classes, out->classes_cap);
    out->n_classes =
        out->n_classes_all < out->classes_cap ? out->n_classes_all : out->classes_cap;
    out->classes_ok = 1;
    if (out->n_classes < out->n_classes_all)
        pb_memory_note(out, "memory.classes: %zu of %zu rows kept", out->n_classes,
                       out->n_classes_all);
}

/* A first size for the tracker's table, so it seldom grows mid-pass: two
 * cells per page of the workload's peak live bytes (small blocks: about one
 * key per occupied page), at most four per live block (two keys each). */
static size_t occupancy_cells(const struct pb_workload *w, size_t page)
{
    uint64_t by_bytes = 2 * (w->fig.peak_live_bytes / page + 1);
    uint64_t by_blocks = 4 * w->fig.peak_live_blocks;
    uint64_t cells = by_bytes < by_blocks ? by_bytes : by_blocks;
    return cells < SIZE_MAX / 16 ? (size_t)cells : SIZE_MAX / 16;
}

/* The occupancy tracker, hooked into the replay. The first size is a guess:
 * when it cannot be mapped, start small and grow. */
static int open_tracker(struct pass *ps, const struct pb_workload *w)
{
    size_t page = ps->r.page_size;
    if (pb_occupancy_init(&ps->occ, occupancy_cells(w, page), page) &&
        pb_occupancy_init(&ps->occ, 0, page))
        return -1;
    ps->r.occ = &ps->occ;
    return 0;
}

/* The per-pool rows' buffer: the rows now, plus one per tag and a margin
 * (pools appear as tags do). */
static int alloc_classes(const struct pb_backend_ops *ops, void *self,
                         const struct pb_workload *w, struct pb_memory *out)
{
    struct pb_class_stats none;
    size_t cap = ops->class_stats(self, &none, 0) + w->n_tags + 8;
    out->classes = pb_hmem_calloc(cap, sizeof *out->classes);
    if (!out->classes)
        return -1;
    out->classes_cap = cap;
    memset(out->classes, 0, cap * sizeof *out->classes);
    return 0;
}

/* The baselines the anonymous RSS and (unless some blocks go to the system
 * allocator) the backend's footprint are measured against, taken just before
 * the replay; the resident method follows from what could be read. */
static void take_baseline(struct pass *ps, const struct pb_backend_ops *ops, void *self,
                          struct pb_memory *out)
{
    out->resident_method = ps->spills ? "mincore+smaps_rollup" : "smaps_rollup";
#ifdef __GLIBC__
    /* Give the free pages the process inherited back to the kernel, so a
     * malloc-like backend that reuses them makes them resident again and
     * the growth shows against the baseline. */
    malloc_trim(0);
#endif
    if (!ps->spills) {
        struct pb_backend_stats st;
        memset(&st, 0, sizeof st);
        ops->stats(self, &st);
        ps->footprint_baseline = st.footprint_bytes;
        ps->resident_baseline = st.resident_bytes;
        pb_memory_note(out, "footprint: the backend's process-wide figure minus its value "
                            "just before the replay (%llu bytes: the harness's own "
                            "allocations)",
                       (unsigned long long)ps->footprint_baseline);
    }
    ps->occ_len_at_baseline = ps->occ.map_len;
    if (pb_anon_rss(&ps->baseline)) {
        pb_memory_note(out, "resident bytes: cannot read /proc/self/smaps_rollup");
        if (ps->spills) {
            ps->spills = 0; /* the mappings alone, by mincore */
            out->resident_method = "mincore";
        } else {
            ps->resident_ok = 0;
        }
    } else if (ps->spills) {
        pb_memory_note(out, "resident bytes: the backend's mappings (mincore) plus the "
                            "system allocator's blocks it passes on (anonymous RSS growth "
                            "beyond its mappings, against a baseline taken just before "
                            "the replay)");
    } else {
        pb_memory_note(out, "resident bytes: anonymous RSS of the isolated run process "
                            "minus a baseline taken just before the replay");
    }
}

static int setup(struct pass *ps, const struct pb_backend_ops *ops, void *self,
                 const struct pb_workload *w, enum pb_touch touch, struct pb_memory *out,
                 size_t n_samples)
{
    /* the pass's buffers come from pb_hmem: a malloc-like backend's heap holds
     * the trace's blocks alone */
    out->timeline = pb_hmem_calloc(n_samples, sizeof *out->timeline);
    if (!out->timeline)
        return -1;
    out->timeline_cap = n_samples;
    if (pb_replay_init(&ps->r, ops, self, w, touch) || open_tracker(ps, w))
        return -1;
    memset(out->timeline, 0, n_samples * sizeof *out->timeline);
    if (ops->class_stats && alloc_classes(ops, self, w, out))
        return -1;
    ps->own_mappings = (ops->flags & PB_BK_OWN_MAPPINGS) && ops->mappings;
    ps->resident_ok = 1;
    ps->spills = ps->own_mappings && has_system_row(ops, self);
    if (ps->own_mappings && !ps->spills)
        out->resident_method = "mincore";
    else
        take_baseline(ps, ops, self, out);
    return 0;
}

/* Pages under live blocks that may have been resident already at the
 * baseline: the heap pages the first blocks share with data that was there
 * before (a malloc-like backend's), not counted in the growth. */
#define PB_RESIDENT_SLACK_PAGES 4

/* Resident pages that hold no live block at sample s. */
static uint64_t wasted_at(const struct pb_mem_sample *s)
{
    return s->resident_bytes > s->occupied_bytes ? s->resident_bytes - s->occupied_bytes : 0;
}

/* The resident figures: at the resident peak (the contract's), at the live
 * peak (sample peak_index, or SIZE_MAX) and averaged over the timeline. With
 * --touch pages or full every page under a live block was written, so a
 * resident figure at the live peak below the live bytes, or below the
 * occupied pages by more than PB_RESIDENT_SLACK_PAGES, cannot be true: it is
 * not reported. */
static void derive_resident(struct pb_memory *m, const struct pass *ps, size_t peak_index)
{
    size_t at = 0;
    double wasted_sum = 0;
    for (size_t i = 0; i < m->n_timeline; i++) {
        const struct pb_mem_sample *s = &m->timeline[i];
        if (s->resident_bytes > m->timeline[at].resident_bytes)
            at = i; /* the moment the peak was first reached */
        if (wasted_at(s) > m->max_wasted_page_bytes)
            m->max_wasted_page_bytes = wasted_at(s);
        wasted_sum += (double)wasted_at(s);
    }
    const struct pb_mem_sample *pk = &m->timeline[at], *end = &m->timeline[m->n_timeline - 1];
    const struct pb_mem_sample *lp = peak_index < m->n_timeline ? &m->timeline[peak_index] : pk;
    uint64_t slack = PB_RESIDENT_SLACK_PAGES * (uint64_t)ps->r.page_size;
    if (ps->r.touch != PB_TOUCH_NONE && lp == &m->timeline[peak_index] &&
        (lp->resident_bytes + slack < lp->occupied_bytes ||
         lp->resident_bytes < m->peak_live_bytes)) {
        m->resident_ok = 0;
        m->resident_method = NULL;
        pb_memory_note(m, "resident bytes: not reported: at the live peak the growth is %llu "
                          "resident bytes for %llu bytes of written pages under live blocks: "
                          "the allocator reused memory resident before the baseline",
                       (unsigned long long)lp->resident_bytes,
                       (unsigned long long)lp->occupied_bytes);
        return;
    }
    m->peak_resident_bytes = pk->resident_bytes;
    m->occupied_page_bytes_at_peak = pk->occupied_bytes;
    m->wasted_page_bytes = wasted_at(pk);
    if (pk->occupied_bytes > pk->resident_bytes)
        pb_memory_note(m, "wasted_page_bytes: occupied pages exceed resident ones at the peak "
                          "(pages never touched); reported as 0");
    m->resident_bytes_at_live_peak = lp->resident_bytes;
    m->wasted_page_bytes_at_live_peak = wasted_at(lp);
    m->mean_wasted_page_bytes = wasted_sum / (double)m->n_timeline;
    m->resident_bytes_at_end = end->resident_bytes;
    m->occupied_page_bytes_at_end = end->occupied_bytes;
    m->wasted_page_bytes_at_end = wasted_at(end);
}

/* Fold the samples into the figures of results.md. */
static void derive(struct pb_memory *m, const struct pass *ps, uint64_t stats_peak_footprint,
                   int peak_sampled, uint64_t granted_at_peak, size_t peak_index)
{
    uint64_t live = m->peak_live_bytes;
    m->granted_ok = peak_sampled;
    m->granted_bytes_at_peak = granted_at_peak;
    if (!peak_sampled)
        pb_memory_note(m, "granted_bytes_at_peak: the workload has no events");
    if (peak_sampled && live > 0 && granted_at_peak > 0) {
        m->internal_ok = 1;
        m->internal_fragmentation = 1.0 - (double)live / (double)granted_at_peak;
    } else {
        pb_memory_note(m, "internal_fragmentation: no live bytes or no granted bytes at the peak");
    }
    uint64_t fp = stats_peak_footprint;
    for (size_t i = 0; i < m->n_timeline; i++)
        if (m->timeline[i].footprint_bytes > fp)
            fp = m->timeline[i].footprint_bytes;
    m->footprint_ok = fp >= live; /* the memory held from the system holds the live data */
    m->peak_footprint_bytes = fp;
    if (!m->footprint_ok)
        pb_memory_note(m, "peak_footprint_bytes, fragmentation: not reported: the backend's "
                          "statistics give %llu bytes held from the system for %llu bytes of "
                          "live data (the library keeps no such figure, or counted from a "
                          "baseline that already held part of it)",
                       (unsigned long long)fp, (unsigned long long)live);
    else if (live > 0) {
        m->fragmentation_ok = 1;
        m->fragmentation = (double)fp / (double)live - 1.0;
    } else {
        pb_memory_note(m, "fragmentation: the workload has no live bytes");
    }
    m->resident_ok = ps->resident_ok && m->n_timeline > 0;
    if (!m->resident_ok) {
        m->resident_method = NULL;
        pb_memory_note(m, "resident bytes: not measurable for this run");
        return;
    }
    derive_resident(m, ps, peak_index);
}

/* What the pass saw at the live peak (the sample after events[peak_event]). */
struct peak_seen {
    int sampled;
    uint64_t granted;
    size_t index; /* into the timeline, SIZE_MAX when not sampled */
};

/* Replay the whole workload in ranges between sample points, one sample at
 * each (and one at the live peak, with the per-pool rows). 0, or -1 with
 * *fail_event set. */
static int replay_sampled(struct pass *ps, const struct pb_workload *w, size_t sample_every,
                          struct pb_memory *out, struct peak_seen *peak, size_t *fail_event)
{
    size_t n = w->n_records;
    size_t peak_at = n ? (size_t)w->fig.peak_event + 1 : 0; /* sample after events[peak_event] */
    for (size_t pos = 0; pos < n;) {
        size_t next = (pos / sample_every + 1) * sample_every;
        if (next > n)
            next = n;
        if (pos < peak_at && peak_at < next)
            next = peak_at;
        size_t done = pb_replay_range(&ps->r, pos, next);
        if (done != next || ps->occ.failed) {
            *fail_event = ps->occ.failed ? SIZE_MAX : done; /* the tracker: out of memory */
            return -1;
        }
        pos = next;
        struct pb_mem_sample *s = &out->timeline[out->n_timeline++];
        take_sample(ps, pos, s);
        if (pos == peak_at) {
            peak->sampled = 1;
            peak->index = out->n_timeline - 1;
            peak->granted = s->granted_bytes;
            take_classes(ps, out);
        }
    }
    return 0;
}

/* The figures of a completed pass, from the samples and the backend's final
 * statistics st. */
static void finish_figures(struct pb_memory *out, const struct pass *ps,
                           const struct pb_backend_stats *st, const struct peak_seen *peak)
{
    uint64_t stats_peak = st->peak_footprint_bytes > ps->footprint_baseline
                              ? st->peak_footprint_bytes - ps->footprint_baseline
                              : 0;
    derive(out, ps, stats_peak, peak->sampled, peak->granted, peak->index);
    out->peak_rss_ok = pb_peak_rss(&out->peak_rss_bytes) == 0;
    out->allocator_resident_ok = ps->allocator_resident;
    out->allocator_peak_resident_bytes = ps->allocator_resident_peak;
    if (ps->allocator_resident)
        pb_memory_note(out, "allocator_peak_resident_bytes: the allocator's own statistics "
                            "(see its backend), minus their value before the replay; "
                            "peak_resident_bytes is the kernel's figure");
    if (!out->peak_rss_ok)
        pb_memory_note(out, "peak_rss_bytes: cannot read VmHWM nor getrusage");
}

int pb_measure_run(const struct pb_backend_ops *ops, void *self, const struct pb_workload *w,
                   enum pb_touch touch, size_t sample_every, struct pb_memory *out,
                   size_t *fail_event)
{
    uint64_t t0 = pb_now_ns();
    memset(out, 0, sizeof *out);
    out->peak_live_bytes = w->fig.peak_live_bytes;
    if (ops->flags & PB_BK_NO_MEMORY) {
        pb_memory_note(out, "memory figures not measured: backend '%s' hands out no real "
                            "memory (flag no-memory)", ops->name);
        return 0;
    }
    size_t n = w->n_records;
    if (sample_every == 0)
        sample_every = n / 200 > 0 ? n / 200 : 1;
    size_t max_samples = n / sample_every + 3;
    struct pass ps;
    memset(&ps, 0, sizeof ps);
    if (setup(&ps, ops, self, w, touch, out, max_samples)) {
        pb_occupancy_fini(&ps.occ);
        pb_replay_fini(&ps.r);
        pb_memory_free(out);
        *fail_event = SIZE_MAX;
        return -1;
    }
    struct peak_seen peak = {0, 0, SIZE_MAX};
    int rc = replay_sampled(&ps, w, sample_every, out, &peak, fail_event);
    struct pb_backend_stats st;
    memset(&st, 0, sizeof st);
    ops->stats(self, &st);
    if (rc == 0)
        finish_figures(out, &ps, &st, &peak);
    pb_replay_release(&ps.r);
    pb_replay_fini(&ps.r);
    pb_occupancy_fini(&ps.occ);
    out->pass_seconds = (double)(pb_now_ns() - t0) / 1e9;
    return rc;
}
