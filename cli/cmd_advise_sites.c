/*
 * cmd_advise_sites.c -- `poolbench advise --sites TRACE [--json]`: per site
 * (@TAG) its figures and recommendation (workloads/advise_sites.c), the
 * by-hand form `pool:chunk=C:fallback=malloc` with its predicted saving, and
 * the `poolbench run` command that measures that form against malloc, pools
 * and the production allocators installed here.
 *
 * The chunk C of the printed form: the pool site with the largest predicted
 * saving; without one (an untagged trace), the multiple of 16 up to 512
 * with the largest predicted ns/op saving among those that save resident
 * bytes too (the smallest, 16, when none does).
 *
 * The hybrid form `hybrid:pool=T@C/...:arena=T/...:fallback=malloc` puts
 * every site recommended a pool or an arena in its own (at most
 * HYBRID_OWNERS_MAX, those with the largest predicted savings first); its
 * predicted saving is the sum of its sites'. Without such a site there is no
 * hybrid form. Each spec is checked against the registry (parse and create)
 * before it is printed.
 */
#include "pb_cli.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend_spec.h"
#include "pb_advise_sites.h"
#include "pb_backend.h"
#include "pb_symbolize.h"
#include "pb_text.h"
#include "advise_measured.h"

#include <math.h>

#define SITES_CMD_MAX 4096
#define SITES_SCAN_MAX 512 /* chunks tried for an untagged trace: 16, 32, ..., this */
#define HYBRID_OWNERS_MAX 32   /* hybrid.c's limit on pools and arenas */
#define HYBRID_TAG_MAX 65535u  /* and on tag numbers */
#define HYBRID_CHUNK_MAX (1u << 20)

/* The model's costs: docs/advise.md, "Per site" (docs/floor.md's churn run). */
static const struct pb_site_costs default_costs = {
    .malloc_ns = 7.77, .pool_ns = 3.49, .arena_ns = 3.49, .page = 4096};

struct site_advice {
    struct pb_sites sites;
    struct pb_pool_prediction form;
    struct pb_site_costs costs;
    char spec[PB_SPEC_TEXT_MAX];
    char hybrid[PB_SPEC_TEXT_MAX]; /* "" when no site is worth a pool or an arena */
    size_t hybrid_sites;
    double hybrid_save_ns;         /* over the whole trace */
    int64_t hybrid_save_resident;
    char command[SITES_CMD_MAX];
    struct pb_sites_measured *measured; /* --measured RESULTS, else NULL */
    struct pb_symbolizer *sym; /* the trace's # pb-module lines */
    struct pb_sym_result res;  /* the site being printed */
    char fn_shown[4 * PB_SYM_FUNC_MAX], src_shown[4 * sizeof(struct pb_sym_result){0}.source];
};

/* The site's name: its tag, or "(untagged)". */
static const char *site_name(const struct pb_workload *w, const struct pb_site *s)
{
    return s->tag && s->tag <= w->n_tags ? w->tags[s->tag - 1] : "(untagged)";
}

/* The chunk of the by-hand form (see the top of the file). */
static int pick_chunk(const struct pb_workload *w, struct site_advice *a)
{
    const struct pb_site *top = NULL;
    for (size_t i = 0; i < a->sites.n; i++) {
        const struct pb_site *s = &a->sites.v[i];
        if (s->rec == PB_SITE_POOL && (!top || s->save_ns > top->save_ns))
            top = s;
    }
    if (top)
        return pb_sites_predict_pool(w, &a->costs, top->chunk, &a->form);
    struct pb_pool_prediction best = {0}, p;
    int have = 0;
    for (uint64_t c = 16; c <= SITES_SCAN_MAX; c += 16) {
        if (pb_sites_predict_pool(w, &a->costs, c, &p))
            return -1;
        if (p.save_resident >= 0 && (!have || p.save_ns_per_op > best.save_ns_per_op)) {
            best = p;
            have = 1;
        }
    }
    if (!have)
        return pb_sites_predict_pool(w, &a->costs, 16, &a->form);
    a->form = best;
    return 0;
}

/* Can a site have its own pool or arena in the hybrid form? */
static int hybrid_fit(const struct pb_site *s)
{
    return s->tag && s->tag <= HYBRID_TAG_MAX && (s->rec == PB_SITE_ARENA ||
                                                  (s->rec == PB_SITE_POOL &&
                                                   s->chunk <= HYBRID_CHUNK_MAX));
}

/* The site of largest predicted saving not yet taken (taken[i]), or -1. */
static long next_owner(const struct site_advice *a, const unsigned char *taken)
{
    long best = -1;
    for (size_t i = 0; i < a->sites.n; i++) {
        const struct pb_site *s = &a->sites.v[i];
        if (!taken[i] && hybrid_fit(s) && (best < 0 || s->save_ns > a->sites.v[best].save_ns))
            best = (long)i;
    }
    return best;
}

/* Room for one more item in the hybrid spec: "hybrid:pool=...:arena=...:fallback=malloc". */
static int hybrid_room(const char *pools, const char *arenas, const char *item)
{
    return strlen("hybrid:pool=:arena=:fallback=malloc") + strlen(pools) + strlen(arenas) +
               strlen(item) < PB_SPEC_TEXT_MAX;
}

/* The hybrid form and its prediction (see the top of the file). Sites that
 * would make the spec too long for a backend spec are left to malloc. */
static int make_hybrid(struct site_advice *a)
{
    unsigned char *taken = calloc(a->sites.n + 1, 1);
    if (!taken)
        return -1;
    char pools[PB_SPEC_TEXT_MAX] = "", arenas[PB_SPEC_TEXT_MAX] = "", item[48];
    long i;
    while (a->hybrid_sites < HYBRID_OWNERS_MAX && (i = next_owner(a, taken)) >= 0) {
        const struct pb_site *s = &a->sites.v[i];
        char *list = s->rec == PB_SITE_POOL ? pools : arenas;
        taken[i] = 1;
        if (s->rec == PB_SITE_POOL)
            snprintf(item, sizeof item, "%s%u@%llu", list[0] ? "/" : "", s->tag,
                     (unsigned long long)s->chunk);
        else
            snprintf(item, sizeof item, "%s%u", list[0] ? "/" : "", s->tag);
        if (!hybrid_room(pools, arenas, item))
            break;
        strcat(list, item);
        a->hybrid_sites++;
        a->hybrid_save_ns += s->save_ns;
        a->hybrid_save_resident += s->save_resident;
    }
    free(taken);
    if (!a->hybrid_sites)
        return 0;
    /* hybrid_room kept the whole spec below PB_SPEC_TEXT_MAX */
    strcpy(a->hybrid, "hybrid");
    if (pools[0])
        strcat(strcat(a->hybrid, ":pool="), pools);
    if (arenas[0])
        strcat(strcat(a->hybrid, ":arena="), arenas);
    strcat(a->hybrid, ":fallback=malloc");
    return 0;
}

/* 0 when the registry takes spec (parse and create), else -1 and why. */
static int check_spec(const char *spec, char *err, size_t errlen)
{
    struct pb_backend_spec *bs = malloc(sizeof *bs);
    void *self = NULL;
    int rc = -1;
    if (!bs)
        snprintf(err, errlen, "out of memory");
    else if (pb_backend_spec_parse(spec, bs, err, errlen) == 0 &&
             bs->ops->create(bs->opts, bs->n_opts, &self, err, errlen) == 0) {
        bs->ops->destroy(self);
        rc = 0;
    }
    free(bs);
    return rc;
}

/* The specs, checked by the registry, and the run command. */
static int make_command(struct site_advice *a, const char *trace, char *err, size_t errlen)
{
    snprintf(a->spec, sizeof a->spec, "pool:chunk=%llu:fallback=malloc",
             (unsigned long long)a->form.chunk);
    if (check_spec(a->spec, err, errlen) || (a->hybrid[0] && check_spec(a->hybrid, err, errlen)))
        return -1;
    char others[256] = "malloc,pools";
    static const char *const production[] = {"jemalloc", "mimalloc", "tcmalloc"};
    for (size_t i = 0; i < 3; i++) {
        const struct pb_backend_ops *ops = pb_backend_find(production[i]);
        char why[PB_ERR_MAX];
        if (ops && (!ops->available || ops->available(why, sizeof why) == 0))
            snprintf(others + strlen(others), sizeof others - strlen(others), ",%s",
                     production[i]);
    }
    char word[1024];
    pb_cli_shell_word(trace, word, sizeof word);
    snprintf(a->command, sizeof a->command, "poolbench run --backend %s%s%s,%s --trace %s",
             a->hybrid, a->hybrid[0] ? "," : "", a->spec, others, word);
    return 0;
}

/* ---- text ---- */

static double per_op(double ns, uint64_t events)
{
    return events ? ns / (double)events : 0.0;
}

/* a->res for site s: its function and source line, or why not. */
static void resolve_site(const struct pb_workload *w, struct site_advice *a,
                         const struct pb_site *s)
{
    pb_sym_resolve(a->sym, site_name(w, s), &a->res);
    pb_text_safe(a->res.function, a->fn_shown, sizeof a->fn_shown);
    pb_text_safe(a->res.source, a->src_shown, sizeof a->src_shown);
}

/* The site's heading: its tag and, for a call site, where it is (escaped). */
static void print_site_head(const struct pb_workload *w, struct site_advice *a,
                            const struct pb_site *s)
{
    const char *name = site_name(w, s);
    resolve_site(w, a, s);
    if (a->res.resolved && a->res.source[0])
        pb_text_line(stdout, "site %s (tag %u) in %s (%s)", name, s->tag, a->res.function,
                     a->res.source);
    else if (a->res.resolved)
        pb_text_line(stdout, "site %s (tag %u) in %s", name, s->tag, a->res.function);
    else if (pb_sym_is_site_tag(name))
        pb_text_line(stdout, "site %s (tag %u) (not resolved: %s)", name, s->tag,
                     a->res.reason);
    else
        pb_text_line(stdout, "site %s (tag %u)", name, s->tag);
}

static void print_site(const struct pb_workload *w, struct site_advice *a,
                       const struct pb_site *s)
{
    print_site_head(w, a, s);
    printf("  %llu allocs, %llu events (%.1f%% of all), sizes: %s (%llu..%llu bytes)\n",
           (unsigned long long)s->allocs, (unsigned long long)s->events,
           a->sites.events ? 100.0 * (double)s->events / (double)a->sites.events : 0.0,
           pb_site_sizes_name(s->size_kind), (unsigned long long)s->min_size,
           (unsigned long long)s->max_size);
    printf("  lifetime: %s (blocks: %llu churn, %llu phase, %llu long, %llu mixed), "
           "peak live %llu bytes in %llu blocks\n",
           pb_site_life_name(s->life), (unsigned long long)s->churn,
           (unsigned long long)s->phase, (unsigned long long)s->longl,
           (unsigned long long)s->mixed, (unsigned long long)s->peak_live_bytes,
           (unsigned long long)s->peak_live_blocks);
    if (s->rec == PB_SITE_POOL)
        printf("  recommend: its own pool, chunk %llu", (unsigned long long)s->chunk);
    else if (s->rec == PB_SITE_ARENA)
        printf("  recommend: an arena, reset when its last live block is freed (%llu times, "
               "first at line %llu)", (unsigned long long)s->releases,
               (unsigned long long)s->first_release_line);
    else
        printf("  recommend: the general allocator");
    if (s->rec != PB_SITE_GENERAL)
        printf("; saves %.2f ns/op and %lld resident bytes (%llu in malloc, %llu its own)",
               per_op(s->save_ns, a->sites.events), (long long)s->save_resident,
               (unsigned long long)s->malloc_resident, (unsigned long long)s->own_resident);
    printf("\n");
}

static void print_text(const struct pb_workload *w, struct site_advice *a)
{
    printf("cost model: %.2f ns per event in malloc, %.2f in a pool, %.2f in an arena; "
           "resident in %llu-byte pages (docs/advise.md, \"Per site\")\n",
           a->costs.malloc_ns, a->costs.pool_ns, a->costs.arena_ns,
           (unsigned long long)a->costs.page);
    printf("%zu site%s, %llu events\n", a->sites.n, a->sites.n == 1 ? "" : "s",
           (unsigned long long)a->sites.events);
    uint64_t first, bad = pb_sym_n_malformed(a->sym, &first);
    if (bad)
        printf("note: %llu malformed # pb-module line%s ignored (the first at line %llu)\n",
               (unsigned long long)bad, bad == 1 ? "" : "s", (unsigned long long)first);
    printf("\n");
    for (size_t i = 0; i < a->sites.n; i++)
        print_site(w, a, &a->sites.v[i]);
    printf("\nby hand: %s pools %llu events (%.1f%%); predicted against malloc: "
           "%.2f ns/op faster, %lld resident bytes saved at its peak of %llu blocks\n",
           a->spec, (unsigned long long)a->form.pooled_events,
           a->sites.events ? 100.0 * (double)a->form.pooled_events / (double)a->sites.events : 0,
           a->form.save_ns_per_op, (long long)a->form.save_resident,
           (unsigned long long)a->form.pooled_peak_blocks);
    if (a->hybrid[0])
        printf("hybrid: %s gives %zu site%s a pool or an arena of its own; predicted against "
               "malloc: %.2f ns/op faster, %lld resident bytes saved (the sum of its sites')\n",
               a->hybrid, a->hybrid_sites, a->hybrid_sites == 1 ? "" : "s",
               per_op(a->hybrid_save_ns, a->sites.events), (long long)a->hybrid_save_resident);
    else
        printf("hybrid: none (no site is recommended a pool or an arena)\n");
    printf("measure %s (compare ns/op with malloc's against the prediction):\n",
           a->hybrid[0] ? "them" : "it");
    pb_text_line(stdout, "  %s", a->command);
    if (a->measured)
        pb_sites_measured_print(stdout, a->measured);
}

/* ---- JSON ---- */

static void add_u64(cJSON *o, const char *key, uint64_t v)
{
    cJSON_AddNumberToObject(o, key, (double)v);
}

/* function, source, resolved, unresolved_reason (null when there is none). */
static void add_where(cJSON *o, const struct site_advice *a)
{
    if (a->res.resolved)
        cJSON_AddStringToObject(o, "function", a->fn_shown);
    else
        cJSON_AddNullToObject(o, "function");
    if (a->res.source[0])
        cJSON_AddStringToObject(o, "source", a->src_shown);
    else
        cJSON_AddNullToObject(o, "source");
    cJSON_AddBoolToObject(o, "resolved", a->res.resolved);
    if (a->res.resolved)
        cJSON_AddNullToObject(o, "unresolved_reason");
    else
        cJSON_AddStringToObject(o, "unresolved_reason", a->res.reason);
}

static cJSON *site_json(const struct pb_workload *w, struct site_advice *a,
                        const struct pb_site *s)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    add_u64(o, "tag", s->tag);
    cJSON_AddStringToObject(o, "name", site_name(w, s));
    resolve_site(w, a, s);
    add_where(o, a);
    add_u64(o, "allocs", s->allocs);
    add_u64(o, "events", s->events);
    cJSON_AddNumberToObject(o, "event_share",
                            a->sites.events ? (double)s->events / (double)a->sites.events : 0);
    cJSON_AddStringToObject(o, "sizes", pb_site_sizes_name(s->size_kind));
    add_u64(o, "min_size", s->min_size);
    add_u64(o, "max_size", s->max_size);
    cJSON_AddStringToObject(o, "lifetime", pb_site_life_name(s->life));
    cJSON *d = cJSON_AddObjectToObject(o, "blocks_by_death");
    if (d) {
        add_u64(d, "churn", s->churn);
        add_u64(d, "phase", s->phase);
        add_u64(d, "long", s->longl);
        add_u64(d, "mixed", s->mixed);
    }
    add_u64(o, "peak_live_bytes", s->peak_live_bytes);
    add_u64(o, "peak_live_blocks", s->peak_live_blocks);
    add_u64(o, "releases", s->releases);
    add_u64(o, "first_release_line", s->first_release_line);
    add_u64(o, "arena_peak_bytes", s->arena_peak_bytes);
    cJSON_AddStringToObject(o, "recommendation", pb_site_rec_name(s->rec));
    add_u64(o, "chunk", s->chunk);
    cJSON_AddNumberToObject(o, "save_ns_per_op", per_op(s->save_ns, a->sites.events));
    cJSON_AddNumberToObject(o, "save_resident_bytes", (double)s->save_resident);
    add_u64(o, "malloc_resident_bytes", s->malloc_resident);
    add_u64(o, "own_resident_bytes", s->own_resident);
    return o;
}

static cJSON *advice_json(const struct pb_workload *w, struct site_advice *a)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "trace", w->path);
    cJSON *c = cJSON_AddObjectToObject(o, "cost_model");
    if (c) {
        cJSON_AddNumberToObject(c, "malloc_ns", a->costs.malloc_ns);
        cJSON_AddNumberToObject(c, "pool_ns", a->costs.pool_ns);
        cJSON_AddNumberToObject(c, "arena_ns", a->costs.arena_ns);
        add_u64(c, "page", a->costs.page);
    }
    add_u64(o, "events", a->sites.events);
    add_u64(o, "modules", pb_sym_n_modules(a->sym));
    add_u64(o, "malformed_module_lines", pb_sym_n_malformed(a->sym, NULL));
    cJSON *arr = cJSON_AddArrayToObject(o, "sites");
    for (size_t i = 0; arr && i < a->sites.n; i++)
        cJSON_AddItemToArray(arr, site_json(w, a, &a->sites.v[i]));
    cJSON *f = cJSON_AddObjectToObject(o, "by_hand");
    if (f) {
        cJSON_AddStringToObject(f, "backend_spec", a->spec);
        add_u64(f, "chunk", a->form.chunk);
        add_u64(f, "pooled_events", a->form.pooled_events);
        add_u64(f, "pooled_peak_blocks", a->form.pooled_peak_blocks);
        cJSON_AddNumberToObject(f, "save_ns_per_op", a->form.save_ns_per_op);
        cJSON_AddNumberToObject(f, "save_resident_bytes", (double)a->form.save_resident);
    }
    cJSON *h = a->hybrid[0] ? cJSON_AddObjectToObject(o, "hybrid")
                            : cJSON_AddNullToObject(o, "hybrid");
    if (h && a->hybrid[0]) {
        cJSON_AddStringToObject(h, "backend_spec", a->hybrid);
        add_u64(h, "sites", a->hybrid_sites);
        cJSON_AddNumberToObject(h, "save_ns_per_op", per_op(a->hybrid_save_ns, a->sites.events));
        cJSON_AddNumberToObject(h, "save_resident_bytes", (double)a->hybrid_save_resident);
    }
    cJSON_AddStringToObject(o, "command", a->command);
    if (a->measured)
        cJSON_AddItemToObject(o, "measured", pb_sites_measured_json(a->measured));
    else
        cJSON_AddNullToObject(o, "measured");
    return o;
}

static int print_json(const struct pb_workload *w, struct site_advice *a)
{
    cJSON *o = advice_json(w, a);
    char *s = o ? cJSON_Print(o) : NULL;
    cJSON_Delete(o);
    if (!s)
        return -1;
    pb_text_json(stdout, s);
    putchar('\n');
    free(s);
    return 0;
}

/* The forms just made, looked up in the results file at path. */
static int read_measured(const struct pb_workload *w, struct site_advice *a, const char *path,
                         char *err, size_t errlen)
{
    struct pb_sites_measured *m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (a->hybrid[0])
        m->f[m->n++] = (struct pb_form_measured){
            .spec = a->hybrid, .predicted = per_op(a->hybrid_save_ns, a->sites.events)};
    m->f[m->n++] = (struct pb_form_measured){.spec = a->spec,
                                             .predicted = a->form.save_ns_per_op};
    m->f[m->n++] = (struct pb_form_measured){.spec = "pools", .predicted = NAN};
    a->measured = m;
    return pb_sites_measured_read(path, w->sha256, m, err, errlen);
}

int pb_advise_sites(const struct pb_workload *w, const char *trace, int json,
                    const char *measured, char *err, size_t errlen)
{
    struct site_advice *a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    a->costs = default_costs;
    long pg = sysconf(_SC_PAGESIZE);
    a->costs.page = pg > 0 ? (uint64_t)pg : 4096;
    int rc = -1;
    a->sym = pb_sym_new(NULL);
    char why[PB_ERR_MAX];
    if (!a->sym)
        snprintf(err, errlen, "out of memory");
    else if (pb_sym_read_trace(a->sym, trace, why, sizeof why) != 0)
        pb_text_line(stderr, "poolbench advise: call sites not named: %s", why);
    if (a->sym && pb_sites_analyse(w, &a->costs, &a->sites, err, errlen) == 0) {
        if (pick_chunk(w, a) || make_hybrid(a))
            snprintf(err, errlen, "out of memory");
        else if (make_command(a, trace, err, errlen) == 0 &&
                 (!measured || read_measured(w, a, measured, err, errlen) == 0))
            rc = json ? print_json(w, a) : (print_text(w, a), 0);
        if (rc && !err[0])
            snprintf(err, errlen, "out of memory");
    }
    pb_sites_free(&a->sites);
    pb_sym_free(a->sym);
    free(a->measured);
    free(a);
    return rc;
}
