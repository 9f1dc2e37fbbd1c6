/*
 * cmd_advise.c -- `poolbench advise TRACE [--max-classes N] [--slab SIZE]
 * [--json]`: the pool set (size classes, slab) that wastes the fewest bytes
 * at the trace's live peak, with the `poolbench run` command that measures it.
 *
 * The reasoning is workloads/advise.c's, which knows no backend; this file
 * turns its classes into a `pools` backend spec, checks that spec against the
 * registry (parse + create), and compares the recommendation with the pools
 * backend's default class list and slab, read from the registry's option
 * defaults, and with one single pool whose chunk holds the largest request.
 */
#include "pb_cli.h"

#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend_spec.h"
#include "pb_advise.h"
#include "pb_backend.h"
#include "pb_opts.h"
#include "pb_text.h"
#include "pb_workload.h"

#define ADVISE_MAX_K 40 /* keeps the printed pools spec within PB_SPEC_TEXT_MAX */
#define ADVISE_CMD_MAX 4096

struct advise_opts {
    size_t max_classes;
    uint64_t slab;
    int json;
    int sites;
    const char *measured; /* --measured RESULTS (with --sites) */
    const char *trace;
};

/* Everything one advice prints. */
struct advice {
    struct pb_size_hist hist;
    struct pb_advise rec;
    struct pb_advise_eval deflt;  /* the pools backend's defaults */
    struct pb_advise_eval single; /* one pool, chunk = largest request */
    uint64_t default_slab;
    char spec[PB_SPEC_TEXT_MAX];
    char command[ADVISE_CMD_MAX];
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: poolbench advise TRACE [--max-classes N] [--slab SIZE] [--json]\n"
            "       poolbench advise --sites TRACE [--json] [--measured RESULTS]\n\n"
            "Recommends a pool set for the trace: the size classes (at most N, default 32,\n"
            "up to %d) and the slab size (4k, 16k, 64k or 256k, or SIZE) that waste the\n"
            "fewest bytes at the trace's live peak, prints the expected internal\n"
            "fragmentation and page waste per class, compares them with the default\n"
            "`pools` classes and with one pool of the largest request's size, and prints\n"
            "the `poolbench run` command that measures the recommendation. Requests above\n"
            "min(4096, slab / 8) bytes go to malloc. The model: docs/advise.md.\n\n"
            "--sites: per @TAG (call site) its allocations, sizes, lifetime and live peak,\n"
            "and a recommendation (its own pool, an arena, or the general allocator) with\n"
            "the predicted saving; then the hybrid form (a pool or an arena for each such\n"
            "site, the rest to malloc), the by-hand form pool:chunk=C:fallback=malloc and\n"
            "the run command that measures them against malloc, pools and the production\n"
            "allocators.\n"
            "--measured RESULTS (with --sites): the results file of that command; each\n"
            "form's measured saving against malloc beside the predicted one, and the error.\n"
            "Exit status 0 ok, 2 bad usage or an invalid trace.\n",
            ADVISE_MAX_K);
}

/* --slab's value into o->slab; -1 printed. */
static int parse_slab(const char *text, struct advise_opts *o)
{
    size_t v = 0;
    if (pb_parse_size(text, &v) || v < 1 || v > ((size_t)1 << 30)) {
        pb_text_line(stderr, "poolbench advise: --slab wants a size from 1 byte to 1G "
                             "(k/M/G suffixes), not '%s'", text);
        return -1;
    }
    o->slab = v;
    return 0;
}

/* After the options: the one trace, and --measured only with --sites; -1 printed. */
static int finish_args(int argc, char **argv, struct advise_opts *o)
{
    if (argc - optind != 1) {
        fprintf(stderr, "poolbench advise: %s\n",
                argc - optind < 1 ? "no trace file given" : "expected one trace file");
        usage(stderr);
        return -1;
    }
    if (o->measured && !o->sites) {
        fprintf(stderr, "poolbench advise: --measured goes with --sites\n");
        return -1;
    }
    o->trace = argv[optind];
    return 0;
}

static int parse_args(int argc, char **argv, struct advise_opts *o, int *done)
{
    static const struct option longopts[] = {
        {"max-classes", required_argument, NULL, 'k'},
        {"slab", required_argument, NULL, 's'},
        {"json", no_argument, NULL, 'j'},
        {"sites", no_argument, NULL, 'S'},
        {"measured", required_argument, NULL, 'm'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    *o = (struct advise_opts){.max_classes = 32};
    int c;
    static const struct pb_opt_number numbers[] = {
        {'k', {"--max-classes", 1, ADVISE_MAX_K}},
        {0, {0}},
    };
    static const struct pb_opts rules = {"k:s:jSm:h", longopts, NULL, numbers};
    unsigned seen = 0;
    uint64_t number = 0;
    while ((c = getopt_long(argc, argv, rules.optstring, longopts, NULL)) != -1) {
        char oerr[160];
        if (pb_opt_check(&rules, c, optarg, &seen, &number, oerr, sizeof oerr)) {
            fprintf(stderr, "poolbench advise: %s\n", oerr);
            return -1;
        }
        switch (c) {
        case 'k':
            o->max_classes = (size_t)number;
            break;
        case 's':
            if (parse_slab(optarg, o))
                return -1;
            break;
        case 'j':
            o->json = 1;
            break;
        case 'S':
            o->sites = 1;
            break;
        case 'm':
            o->measured = optarg;
            break;
        case 'h':
            usage(stdout);
            *done = 1;
            return 0;
        default:
            usage(stderr);
            return -1;
        }
    }
    return finish_args(argc, argv, o);
}

static uint64_t page_size(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    return pg > 0 ? (uint64_t)pg : 4096;
}

/* "16k", "1M" or bytes: how a slab is written in a spec. */
static void format_slab(uint64_t slab, char *buf, size_t len)
{
    if (slab % (1024 * 1024) == 0)
        snprintf(buf, len, "%lluM", (unsigned long long)(slab >> 20));
    else if (slab % 1024 == 0)
        snprintf(buf, len, "%lluk", (unsigned long long)(slab >> 10));
    else
        snprintf(buf, len, "%llu", (unsigned long long)slab);
}

/* The default of option key of the pools backend, from the registry. */
static const char *pools_default(const char *key)
{
    const struct pb_backend_ops *ops = pb_backend_find("pools");
    for (size_t i = 0; ops && ops->options && ops->options[i].key; i++)
        if (strcmp(ops->options[i].key, key) == 0)
            return ops->options[i].default_value;
    return NULL;
}

/* The pools backend's default classes and slab, evaluated on h. */
static int eval_default(struct advice *a, char *err, size_t errlen)
{
    const char *text = pools_default("classes"), *slab_text = pools_default("slab");
    size_t slab = 0;
    if (!text || !slab_text || pb_parse_size(slab_text, &slab)) {
        snprintf(err, errlen, "the pools backend's default classes and slab are unknown");
        return -1;
    }
    uint64_t classes[PB_ADVISE_MAX_CLASSES];
    size_t n = 0;
    for (const char *p = text; *p && n < PB_ADVISE_MAX_CLASSES;) {
        char *end = NULL;
        classes[n++] = strtoull(p, &end, 10);
        if (end == p || (*end != '/' && *end != '\0')) {
            snprintf(err, errlen, "the pools backend's default classes '%s' do not parse", text);
            return -1;
        }
        p = *end ? end + 1 : end;
    }
    uint64_t pg = page_size();
    a->default_slab = (slab + pg - 1) / pg * pg;
    return pb_advise_evaluate(&a->hist, classes, n, a->default_slab, &a->deflt, err, errlen);
}

/* One pool holding every request: chunk = the largest size rounded to 16. */
static int eval_single(struct advice *a, uint64_t slab, char *err, size_t errlen)
{
    uint64_t chunk = a->hist.max_size ? a->hist.max_size : 1;
    chunk = (chunk + PB_ADVISE_ALIGN - 1) / PB_ADVISE_ALIGN * PB_ADVISE_ALIGN;
    uint64_t pg = page_size();
    if (slab < chunk)
        slab = (chunk + pg - 1) / pg * pg;
    return pb_advise_evaluate(&a->hist, &chunk, 1, slab, &a->single, err, errlen);
}

void pb_cli_shell_word(const char *s, char *buf, size_t len)
{
    if (strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./+-=:,@%") ==
        strlen(s) && *s) {
        snprintf(buf, len, "%s", s);
        return;
    }
    size_t o = 0;
    buf[o++] = '\'';
    for (; *s && o + 5 < len; s++) {
        if (*s == '\'') {
            memcpy(buf + o, "'\\''", 4);
            o += 4;
        } else {
            buf[o++] = *s;
        }
    }
    buf[o++] = '\'';
    buf[o] = '\0';
}

/* The pools spec of the recommendation, checked by the registry: parse and create. */
static int make_spec(struct advice *a, char *err, size_t errlen)
{
    const struct pb_advise_eval *e = &a->rec.cand[a->rec.best].eval;
    char slab[32];
    format_slab(e->slab, slab, sizeof slab);
    size_t len = (size_t)snprintf(a->spec, sizeof a->spec, "pools:classes=");
    for (size_t c = 0; c < e->n_classes && len < sizeof a->spec; c++)
        len += (size_t)snprintf(a->spec + len, sizeof a->spec - len, "%s%llu", c ? "/" : "",
                                (unsigned long long)e->cls[c].chunk);
    if (len < sizeof a->spec)
        len += (size_t)snprintf(a->spec + len, sizeof a->spec - len, ":slab=%s", slab);
    if (len >= sizeof a->spec) {
        snprintf(err, errlen, "the recommended spec is longer than %d characters",
                 PB_SPEC_TEXT_MAX - 1);
        return -1;
    }
    struct pb_backend_spec *bs = malloc(sizeof *bs);
    void *self = NULL;
    int rc = -1;
    if (!bs)
        snprintf(err, errlen, "out of memory");
    else if (pb_backend_spec_parse(a->spec, bs, err, errlen) == 0 &&
             bs->ops->create(bs->opts, bs->n_opts, &self, err, errlen) == 0) {
        bs->ops->destroy(self);
        rc = 0;
    }
    free(bs);
    return rc;
}

static int make_advice(struct advice *a, const struct advise_opts *o, const struct pb_workload *w,
                       char *err, size_t errlen)
{
    if (pb_size_hist_build(w, &a->hist, err, errlen))
        return -1;
    uint64_t pg = page_size();
    struct pb_advise_opts ao = {
        .max_classes = o->max_classes,
        .slab = o->slab ? (o->slab + pg - 1) / pg * pg : 0,
    };
    if (pb_advise_recommend(&a->hist, &ao, &a->rec, err, errlen) || eval_default(a, err, errlen) ||
        eval_single(a, a->rec.cand[a->rec.best].eval.slab, err, errlen) ||
        make_spec(a, err, errlen) ||
        pb_advise_high_water(w, &a->rec.cand[a->rec.best].eval, err, errlen) ||
        pb_advise_high_water(w, &a->deflt, err, errlen) ||
        pb_advise_high_water(w, &a->single, err, errlen))
        return -1;
    char word[1024];
    pb_cli_shell_word(o->trace, word, sizeof word);
    snprintf(a->command, sizeof a->command, "poolbench run --backend %s,pools,malloc --trace %s",
             a->spec, word);
    return 0;
}

/* ---- text ---- */

static double pct(uint64_t part, uint64_t whole)
{
    return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static void print_classes(const struct pb_advise_eval *e)
{
    printf("  %8s %9s %12s %11s %7s %11s %10s %10s\n", "class", "live", "live bytes",
           "frag bytes", "slabs", "slab waste", "allocs", "high-water");
    for (size_t c = 0; c < e->n_classes; c++) {
        const struct pb_advise_class *k = &e->cls[c];
        printf("  %8llu %9llu %12llu %11llu %7llu %11llu %10llu %10llu\n",
               (unsigned long long)k->chunk, (unsigned long long)k->live,
               (unsigned long long)k->live_bytes, (unsigned long long)k->frag_bytes,
               (unsigned long long)k->slabs, (unsigned long long)k->slab_waste,
               (unsigned long long)k->allocs, (unsigned long long)k->high_water);
    }
    uint64_t allocs = 0, slabs = 0;
    for (size_t c = 0; c < e->n_classes; c++) {
        allocs += e->cls[c].allocs;
        slabs += e->cls[c].slabs;
    }
    printf("  %8s %9llu %12llu %11llu %7llu %11llu %10llu\n", "total",
           (unsigned long long)e->pooled_live, (unsigned long long)e->pooled_bytes,
           (unsigned long long)e->frag_bytes, (unsigned long long)slabs,
           (unsigned long long)e->slab_waste, (unsigned long long)allocs);
}

static void print_row(const char *name, const struct pb_advise_eval *e)
{
    char slab[32];
    format_slab(e->slab, slab, sizeof slab);
    printf("  %-26s %7zu %6s %11llu %11llu %10llu %11llu %8.4f", name, e->n_classes, slab,
           (unsigned long long)e->frag_bytes, (unsigned long long)e->slab_waste,
           (unsigned long long)e->sys_overhead, (unsigned long long)e->total_waste,
           e->internal_fragmentation);
}

static void print_text(const struct advice *a, const struct pb_workload *w)
{
    const struct pb_advise_candidate *best = &a->rec.cand[a->rec.best];
    const struct pb_advise_eval *e = &best->eval;
    char slab[32];
    format_slab(e->slab, slab, sizeof slab);
    pb_text_line(stdout,
                 "%s: peak %llu live bytes in %llu blocks (after event %llu); %llu distinct sizes",
                 w->path, (unsigned long long)a->hist.live_bytes,
                 (unsigned long long)a->hist.live_blocks, (unsigned long long)w->fig.peak_event,
                 (unsigned long long)a->hist.n);
    printf("recommended: %zu class%s, slab %s, sizes above %llu to malloc\n", e->n_classes,
           e->n_classes == 1 ? "" : "es", slab,
           (unsigned long long)best->cutoff);
    if (a->rec.weighted_by_allocs)
        printf("  (no small block is live at the peak: classes weighted by request counts)\n");
    print_classes(e);
    printf("  %.1f%% of peak bytes in %llu blocks above %llu go to malloc (%.1f%% of requests); "
           "estimated malloc overhead %llu bytes\n",
           pct(e->sys_bytes, a->hist.live_bytes), (unsigned long long)e->sys_live,
           (unsigned long long)best->cutoff, pct(e->sys_allocs, a->hist.allocs),
           (unsigned long long)e->sys_overhead);
    printf("expected at the peak: internal fragmentation %llu bytes in the classes "
           "(internal_fragmentation %.4f with malloc's), page waste %llu bytes (slab tails), "
           "total waste %llu bytes\n",
           (unsigned long long)e->frag_bytes, e->internal_fragmentation,
           (unsigned long long)e->slab_waste, (unsigned long long)e->total_waste);
    printf("over the whole trace: the classes' slabs reach %llu bytes (each class's high-water "
           "mark of live blocks, packed; the pools never unmap)\n\n",
           (unsigned long long)e->slab_footprint);

    printf("slab candidates (each with its best class count):\n");
    printf("  %-26s %7s %6s %11s %11s %10s %11s %8s\n", "pool set", "classes", "slab",
           "int. frag", "page waste", "malloc ovh", "total", "int.frag");
    for (size_t i = 0; i < a->rec.n_cand; i++) {
        char name[64];
        snprintf(name, sizeof name, "cut-off %llu%s", (unsigned long long)a->rec.cand[i].cutoff,
                 i == a->rec.best ? " (chosen)" : "");
        print_row(name, &a->rec.cand[i].eval);
        printf("\n");
    }
    printf("\ncompared with (slab fp: slabs at the classes' high-water marks):\n");
    printf("  %-26s %7s %6s %11s %11s %10s %11s %8s %11s\n", "pool set", "classes", "slab",
           "int. frag", "page waste", "malloc ovh", "total", "int.frag", "slab fp");
    print_row("recommended", e);
    printf(" %11llu\n", (unsigned long long)e->slab_footprint);
    print_row("pools defaults", &a->deflt);
    printf(" %11llu\n", (unsigned long long)a->deflt.slab_footprint);
    print_row("single pool (chunk = max)", &a->single);
    printf(" %11llu\n", (unsigned long long)a->single.slab_footprint);
    printf("\nmeasure it (recommended, pools defaults, malloc):\n");
    pb_text_line(stdout, "  %s", a->command);
}

/* ---- JSON ---- */

static void add_u64(cJSON *o, const char *key, uint64_t v)
{
    cJSON_AddNumberToObject(o, key, (double)v);
}

static cJSON *eval_json(const struct pb_advise_eval *e, int with_classes)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    add_u64(o, "slab", e->slab);
    add_u64(o, "n_classes", e->n_classes);
    cJSON *cls = with_classes ? cJSON_AddArrayToObject(o, "classes") : NULL;
    for (size_t c = 0; cls && c < e->n_classes; c++) {
        const struct pb_advise_class *k = &e->cls[c];
        cJSON *r = cJSON_CreateObject();
        if (!r)
            break;
        add_u64(r, "chunk", k->chunk);
        add_u64(r, "live_blocks", k->live);
        add_u64(r, "live_bytes", k->live_bytes);
        add_u64(r, "frag_bytes", k->frag_bytes);
        add_u64(r, "slabs", k->slabs);
        add_u64(r, "slab_waste_bytes", k->slab_waste);
        add_u64(r, "allocs", k->allocs);
        add_u64(r, "high_water_blocks", k->high_water);
        cJSON_AddItemToArray(cls, r);
    }
    add_u64(o, "pooled_live_blocks", e->pooled_live);
    add_u64(o, "pooled_live_bytes", e->pooled_bytes);
    add_u64(o, "frag_bytes", e->frag_bytes);
    add_u64(o, "page_waste_bytes", e->slab_waste);
    add_u64(o, "system_live_blocks", e->sys_live);
    add_u64(o, "system_live_bytes", e->sys_bytes);
    add_u64(o, "system_overhead_bytes", e->sys_overhead);
    add_u64(o, "system_allocs", e->sys_allocs);
    add_u64(o, "granted_bytes", e->granted);
    cJSON_AddNumberToObject(o, "internal_fragmentation", e->internal_fragmentation);
    add_u64(o, "total_waste_bytes", e->total_waste);
    if (e->slab_footprint)
        add_u64(o, "slab_footprint_bytes", e->slab_footprint);
    return o;
}

static cJSON *advice_json(const struct advice *a, const struct pb_workload *w)
{
    const struct pb_advise_candidate *best = &a->rec.cand[a->rec.best];
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "trace", w->path);
    cJSON *pk = cJSON_AddObjectToObject(o, "peak");
    if (pk) {
        add_u64(pk, "event", w->fig.peak_event);
        add_u64(pk, "live_bytes", a->hist.live_bytes);
        add_u64(pk, "live_blocks", a->hist.live_blocks);
        add_u64(pk, "distinct_sizes", a->hist.n);
        add_u64(pk, "allocs", a->hist.allocs);
    }
    add_u64(o, "cutoff", best->cutoff);
    cJSON_AddBoolToObject(o, "weighted_by_allocs", a->rec.weighted_by_allocs);
    cJSON_AddItemToObject(o, "recommended", eval_json(&best->eval, 1));
    cJSON *cands = cJSON_AddArrayToObject(o, "slab_candidates");
    for (size_t i = 0; cands && i < a->rec.n_cand; i++) {
        cJSON *c = eval_json(&a->rec.cand[i].eval, 0);
        if (!c)
            break;
        add_u64(c, "cutoff", a->rec.cand[i].cutoff);
        cJSON_AddBoolToObject(c, "chosen", i == a->rec.best);
        cJSON_AddItemToArray(cands, c);
    }
    cJSON *cmp = cJSON_AddObjectToObject(o, "compare");
    if (cmp) {
        cJSON_AddItemToObject(cmp, "pools_defaults", eval_json(&a->deflt, 0));
        cJSON_AddItemToObject(cmp, "single_pool", eval_json(&a->single, 1));
    }
    cJSON_AddStringToObject(o, "backend_spec", a->spec);
    cJSON_AddStringToObject(o, "command", a->command);
    return o;
}

static int print_json(const struct advice *a, const struct pb_workload *w)
{
    cJSON *o = advice_json(a, w);
    char *s = o ? cJSON_Print(o) : NULL;
    cJSON_Delete(o);
    if (!s)
        return -1;
    pb_text_json(stdout, s);
    putchar('\n');
    free(s);
    return 0;
}

int pb_cmd_advise(int argc, char **argv)
{
    struct advise_opts o;
    int done = 0;
    if (parse_args(argc, argv, &o, &done))
        return PB_EXIT_USAGE;
    if (done)
        return PB_EXIT_OK;
    struct pb_workload w;
    struct pb_diag *diag = calloc(1, sizeof *diag);
    struct advice *a = calloc(1, sizeof *a);
    if (!diag || !a) {
        free(diag);
        free(a);
        fprintf(stderr, "poolbench advise: out of memory\n");
        return PB_EXIT_FAIL;
    }
    int rc = PB_EXIT_OK;
    char err[512] = "";
    if (pb_workload_load(o.trace, &w, diag) != 0) {
        pb_diag_print(diag, stderr);
        rc = PB_EXIT_USAGE;
    } else {
        if (o.sites) {
            if (pb_advise_sites(&w, o.trace, o.json, o.measured, err, sizeof err)) {
                pb_text_line(stderr, "poolbench advise: %s: %s", o.trace, err);
                rc = PB_EXIT_FAIL;
            }
        } else if (make_advice(a, &o, &w, err, sizeof err)) {
            pb_text_line(stderr, "poolbench advise: %s: %s", o.trace, err);
            rc = PB_EXIT_FAIL;
        } else if (o.json ? print_json(a, &w) : (print_text(a, &w), 0)) {
            fprintf(stderr, "poolbench advise: out of memory\n");
            rc = PB_EXIT_FAIL;
        }
        pb_size_hist_free(&a->hist);
        pb_workload_free(&w);
    }
    if (fflush(stdout) != 0 && rc == PB_EXIT_OK)
        rc = PB_EXIT_FAIL;
    free(diag);
    free(a);
    return rc;
}
