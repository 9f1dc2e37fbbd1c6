/* test_generators.c -- synthetic generators: determinism, exact figures, spec
 * and job-file parsing (job files in tests/data/, the test's working directory). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pb_gen_util.h"
#include "pb_generators.h"
#include "pb_workload.h"

static char err[512];

/* Build the one workload of spec (global seed optional), failing the test on error. */
static struct pb_workload *build(const char *spec, const uint64_t *seed)
{
    struct pb_workload *w = NULL;
    size_t n = 0;
    if (pb_workload_spec_build(spec, seed, NULL, &w, &n, err, sizeof err) != 0)
        fail_msg("%s: %s", spec, err);
    assert_int_equal(n, 1);
    return w;
}

/* Expect spec to be refused with a message containing want. */
static void refused(const char *spec, const char *want)
{
    struct pb_workload *w = (void *)1;
    size_t n = 7;
    err[0] = '\0';
    assert_int_equal(pb_workload_spec_build(spec, NULL, NULL, &w, &n, err, sizeof err), -1);
    assert_null(w);
    assert_int_equal(n, 0);
    if (!strstr(err, want))
        fail_msg("%s: message '%s' lacks '%s'", spec, err, want);
}

static int same_events(const struct pb_workload *a, const struct pb_workload *b)
{
    return a->n_records == b->n_records &&
           memcmp(a->events, b->events, a->n_records * sizeof *a->events) == 0;
}

static void every_generator_is_deterministic_and_seeded(void **state)
{
    (void)state;
    for (size_t i = 0; pb_generators[i]; i++) {
        const char *name = pb_generators[i]->name;
        char spec[128], other[128];
        snprintf(spec, sizeof spec, "%s:seed=7", name);
        snprintf(other, sizeof other, "%s:seed=8", name);
        struct pb_workload *a = build(spec, NULL), *b = build(spec, NULL), *c = build(other, NULL);
        assert_true(a->n_records > 1000);
        assert_true(same_events(a, b));
        assert_false(same_events(a, c));
        assert_string_equal(a->params, b->params);
        assert_string_equal(a->source, "synthetic");
        assert_null(a->path);
        assert_int_equal(a->fig.live_blocks_at_end, 0);
        assert_int_equal(a->fig.frees + a->fig.reallocs + a->fig.allocs, a->fig.events);
        pb_workload_list_free(a, 1);
        pb_workload_list_free(b, 1);
        pb_workload_list_free(c, 1);
    }
}

static void every_generator_table_entry_is_complete(void **state)
{
    (void)state;
    size_t n = 0;
    for (size_t i = 0; pb_generators[i]; i++, n++) {
        const struct pb_generator *g = pb_generators[i];
        assert_ptr_equal(pb_generator_find(g->name), g);
        assert_true(strlen(g->description) > 10);
        assert_non_null(g->build);
        assert_non_null(g->estimate);
        struct pb_gen_args a;
        /* every default reads back; the params string has every key */
        assert_int_equal(pb_gen_parse(g->name, NULL, &a, err, sizeof err), 0);
        assert_true(a.n_params <= PB_GEN_MAX_PARAMS);
        assert_true(pb_gen_param_index(&a, "seed") >= 0);
        char full[1024];
        pb_gen_format(&a, 1, full, sizeof full);
        for (size_t k = 0; k < a.n_params; k++) {
            assert_non_null(g->params[k].help);
            assert_non_null(strstr(full, g->params[k].key));
            assert_string_equal(a.text[k], g->params[k].default_value);
        }
    }
    assert_int_equal(n, 5);
}

static void churn_figures_are_exact(void **state)
{
    (void)state;
    const char *orders[] = {"lifo", "fifo", "random"};
    for (size_t i = 0; i < 3; i++) {
        char spec[128];
        snprintf(spec, sizeof spec, "churn:size=48,live=100,pairs=1000,order=%s,align=64",
                 orders[i]);
        struct pb_workload *w = build(spec, NULL);
        assert_int_equal(w->fig.allocs, 1100);
        assert_int_equal(w->fig.frees, 1100);
        assert_int_equal(w->fig.events, 2200);
        assert_int_equal(w->fig.reallocs, 0);
        assert_int_equal(w->fig.resets, 0);
        assert_int_equal(w->fig.peak_live_blocks, 100);
        assert_int_equal(w->fig.peak_live_bytes, 100 * 48);
        assert_int_equal(w->fig.total_requested_bytes, 1100 * 48);
        assert_int_equal(w->n_slots, 100);
        for (size_t k = 0; k < w->n_records; k++) {
            assert_int_equal(w->events[k].size, 48);
            assert_int_equal(w->events[k].align_log2, 6);
        }
        /* the first free takes the newest (lifo) or the oldest (fifo) block */
        assert_int_equal(w->events[100].op, PB_OP_FREE);
        if (i == 0)
            assert_int_equal(w->events[100].slot, w->events[99].slot);
        if (i == 1)
            assert_int_equal(w->events[100].slot, w->events[0].slot);
        pb_workload_list_free(w, 1);
    }
}

static void churn_lifo_and_fifo_ignore_the_seed(void **state)
{
    (void)state;
    struct pb_workload *a = build("churn:order=fifo,pairs=500,live=20", NULL);
    struct pb_workload *b = build("churn:order=fifo,pairs=500,live=20,seed=99", NULL);
    assert_true(same_events(a, b));
    pb_workload_list_free(a, 1);
    pb_workload_list_free(b, 1);
}

/* order=any frees a live block picked from the seed (it is random under another
 * name, and written so); newest and oldest are lifo and fifo. */
static void churn_order_words(void **state)
{
    (void)state;
    const char *base = "churn:size=32,live=50,pairs=400";
    const struct {
        const char *word, *same_as;
    } words[] = {{"any", "random"}, {"newest", "lifo"}, {"oldest", "fifo"}};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        char spec[128], plain[128];
        snprintf(spec, sizeof spec, "%s,order=%s,seed=5", base, words[i].word);
        snprintf(plain, sizeof plain, "%s,order=%s,seed=5", base, words[i].same_as);
        struct pb_workload *a = build(spec, NULL), *b = build(plain, NULL);
        assert_true(same_events(a, b));
        assert_string_equal(a->name, b->name); /* the alias is written as its word */
        assert_non_null(strstr(a->name, words[i].same_as));
        pb_workload_list_free(a, 1);
        pb_workload_list_free(b, 1);
    }
    /* any follows the seed and frees other blocks than lifo or fifo would */
    char s5[128], s6[128], lifo[128], fifo[128];
    snprintf(s5, sizeof s5, "%s,order=any,seed=5", base);
    snprintf(s6, sizeof s6, "%s,order=any,seed=6", base);
    snprintf(lifo, sizeof lifo, "%s,order=lifo,seed=5", base);
    snprintf(fifo, sizeof fifo, "%s,order=fifo,seed=5", base);
    struct pb_workload *a = build(s5, NULL), *b = build(s6, NULL), *l = build(lifo, NULL),
                       *f = build(fifo, NULL);
    assert_false(same_events(a, b));
    assert_false(same_events(a, l));
    assert_false(same_events(a, f));
    assert_int_equal(a->fig.peak_live_blocks, 50);
    assert_int_equal(a->fig.frees, 450);
    pb_workload_list_free(a, 1);
    pb_workload_list_free(b, 1);
    pb_workload_list_free(l, 1);
    pb_workload_list_free(f, 1);
    refused("churn:order=sideways",
            "expected lifo|fifo|random (or newest = lifo, oldest = fifo, any = random)");
    refused("churn:order=any=random", "bad value 'any=random' for order");
    refused("churn:order=random=any", "bad value 'random=any' for order");
}

static void frames_figures_are_exact(void **state)
{
    (void)state;
    struct pb_workload *w = build("frames:frames=30,objects=25,min=8,max=100", NULL);
    assert_int_equal(w->fig.resets, 30);
    assert_int_equal(w->fig.allocs, 30 * 25);
    assert_int_equal(w->fig.frees, 0);
    assert_int_equal(w->fig.peak_live_blocks, 25);
    assert_int_equal(w->n_records, 30 * 26);
    for (size_t k = 0; k < w->n_records; k++) {
        const struct pb_event *e = &w->events[k];
        if (k % 26 == 25) {
            assert_int_equal(e->op, PB_OP_RESET);
        } else {
            assert_int_equal(e->op, PB_OP_ALLOC);
            assert_true(e->size >= 8 && e->size <= 100);
        }
    }
    pb_workload_list_free(w, 1);
}

static void ramp_figures_are_exact(void **state)
{
    (void)state;
    struct pb_workload *w = build("ramp:peak=1000,rounds=5,keep=0.25,min=32,max=64", NULL);
    uint64_t survivors = 250;
    assert_int_equal(w->fig.peak_live_blocks, 1000);
    assert_int_equal(w->fig.allocs, 1000 + 4 * (1000 - survivors));
    assert_int_equal(w->fig.frees, w->fig.allocs);
    assert_true(w->fig.peak_live_bytes >= 1000 * 32 && w->fig.peak_live_bytes <= 1000 * 64);
    /* after the first round's frees exactly the survivors are live */
    struct pb_workload_figures f = w->fig;
    size_t first_round = 1000 + (1000 - survivors);
    w->n_records = first_round;
    assert_int_equal(pb_workload_compute_figures(w), 0);
    assert_int_equal(w->fig.live_blocks_at_end, survivors);
    w->n_records = (size_t)(f.allocs + f.frees);
    pb_workload_list_free(w, 1);
}

static void gc_sizes_follow_the_types(void **state)
{
    (void)state;
    struct pb_workload *w = build("gc:objects=5000,young=100,types=4,min=16,max=112", NULL);
    assert_int_equal(w->fig.allocs, 5000);
    assert_int_equal(w->fig.frees, 5000);
    assert_int_equal(w->n_tags, 4);
    for (size_t k = 0; k < w->n_records; k++) {
        const struct pb_event *e = &w->events[k];
        if (e->op != PB_OP_ALLOC)
            continue;
        assert_true(e->tag >= 1 && e->tag <= 4);
        const char *tag = w->tags[e->tag - 1];
        unsigned t = (unsigned)atoi(tag + 4);
        assert_memory_equal(tag, "gc.T", 4);
        assert_int_equal(e->size, 16 + 32 * t);
    }
    pb_workload_list_free(w, 1);
}

static void gc_promotion_extremes(void **state)
{
    (void)state;
    /* nothing promoted: the nursery is the whole live set */
    struct pb_workload *w = build("gc:objects=1000,young=64,promote=0", NULL);
    assert_int_equal(w->fig.peak_live_blocks, 64);
    pb_workload_list_free(w, 1);
    /* everything promoted and never collected: nothing dies before the end */
    w = build("gc:objects=1000,young=64,promote=1,major=0", NULL);
    assert_int_equal(w->fig.peak_live_blocks, 1000);
    for (size_t k = 0; k < 1000; k++)
        assert_int_equal(w->events[k].op, PB_OP_ALLOC);
    pb_workload_list_free(w, 1);
}

static void mixed_sizes_follow_the_distribution(void **state)
{
    (void)state;
    struct pb_workload *w = build("mixed:live=100,ops=20000,sizes=24x3+100,realloc=0", NULL);
    uint64_t n24 = 0, n100 = 0;
    assert_int_equal(w->fig.reallocs, 0);
    assert_int_equal(w->fig.frees, w->fig.allocs);
    assert_true(w->fig.events >= 20000);
    for (size_t k = 0; k < w->n_records; k++) {
        if (w->events[k].op != PB_OP_ALLOC)
            continue;
        assert_true(w->events[k].size == 24 || w->events[k].size == 100);
        if (w->events[k].size == 24)
            n24++;
        else
            n100++;
    }
    assert_true(n24 > 2 * n100 && n24 < 4 * n100); /* weights 3:1 */
    assert_true(w->fig.peak_live_blocks > 100 && w->fig.peak_live_blocks < 200);
    assert_string_equal(w->name, "mixed:live=100,ops=20000,sizes=24x3+100x1,realloc=0");
    assert_non_null(strstr(w->params, "dist=list"));
    pb_workload_list_free(w, 1);

    /* inverse square: the smallest size is common, the median small */
    w = build("mixed:live=100,ops=20000,dist=invsquare,min=16,max=4096,realloc=0.5", NULL);
    uint64_t at_min = 0, below_64 = 0, allocs = 0;
    for (size_t k = 0; k < w->n_records; k++) {
        const struct pb_event *e = &w->events[k];
        if (e->op == PB_OP_FREE)
            continue;
        assert_true(e->size >= 16 && e->size <= 4096);
        allocs += e->op == PB_OP_ALLOC;
        at_min += e->op == PB_OP_ALLOC && e->size == 16;
        below_64 += e->op == PB_OP_ALLOC && e->size < 64;
    }
    /* P(16) = (1/16 - 1/17) / (1/16 - 1/4097), about 0.059; P(< 64) about 0.75 */
    assert_true(at_min * 100 > allocs * 4 && at_min * 100 < allocs * 8);
    assert_true(below_64 * 100 > allocs * 70 && below_64 * 100 < allocs * 80);
    assert_true(w->fig.reallocs > 20000 * 4 / 10 && w->fig.reallocs < 20000 * 6 / 10);
    pb_workload_list_free(w, 1);
}

static void spec_errors_name_the_culprit(void **state)
{
    (void)state;
    refused("bogus", "unknown generator 'bogus'");
    refused("", "unknown generator ''");
    refused("churn:colour=red", "unknown parameter 'colour'");
    /* the closest name or key, and every one */
    refused("chrun", "unknown generator 'chrun' (did you mean 'churn'?); generators: churn, mixed, "
                     "gc, frames, ramp");
    refused("bogus", "unknown generator 'bogus'; generators: churn, mixed");
    refused("churn:sise=4", "unknown parameter 'sise' for churn (did you mean 'size'?); churn "
                            "takes size, live, pairs, order, align, seed");
    refused("ramp:colour=red", "unknown parameter 'colour' for ramp; ramp takes peak, rounds");
    refused("x/y.trace", "unknown generator 'x/y.trace' (a job file must end in .json");
    refused("churn:size=abc", "bad value 'abc' for size");
    refused("churn:size=-1", "bad value '-1' for size");
    refused("churn:size=12q", "bad value '12q' for size");
    refused("churn:pairs=99999999999999999999", "for pairs");
    refused("churn:live=0", "bad value '0' for live");
    refused("churn:order=sideways", "expected lifo|fifo|random");
    refused("churn:order=", "bad value '' for order");
    refused("churn:align=48", "power of two");
    refused("churn:align=8192", "power of two");
    refused("churn:size=64,size=32", "'size' given twice");
    refused("churn:size=64,", "expected key=value");
    refused("churn:", "expected key=value");
    refused("churn:=5", "expected key=value");
    refused("ramp:keep=1.5", "bad value '1.5' for keep");
    refused("ramp:keep=nan", "for keep");
    refused("mixed:sizes=16x0", "weight");
    refused("mixed:sizes=16+", "expected a size");
    refused("mixed:sizes=16y4", "expected '+'");
    refused("mixed:sizes=16x", "expected a weight");
    refused("mixed:sizes=16x4,dist=uniform", "sizes= needs dist=list");
    refused("mixed:dist=invsquare,min=0", "min >= 1");
    refused("frames:min=9,max=8", "min=9 is larger than max=8");
    refused("gc:min=200", "larger than max");
    refused("missing-file.json", "cannot open");
}

static void canonical_names_and_params(void **state)
{
    (void)state;
    struct pb_workload *a = build("churn:order=fifo:size=0x20,pairs=1k", NULL);
    assert_string_equal(a->name, "churn:size=32,pairs=1024,order=fifo");
    assert_string_equal(a->params,
                        "churn:size=32,live=1000,pairs=1024,order=fifo,align=16,seed=1");
    /* the params string is itself a spec that makes the same events */
    struct pb_workload *b = build(a->params, NULL);
    assert_true(same_events(a, b));
    assert_string_equal(a->params, b->params);
    pb_workload_list_free(a, 1);
    pb_workload_list_free(b, 1);
    a = build("ramp:keep=0.10", NULL);
    assert_string_equal(a->name, "ramp:keep=0.1");
    pb_workload_list_free(a, 1);
    a = build("mixed:sizes=0x4+8,ops=100", NULL); /* lists are decimal: size 0, weight 4 */
    assert_string_equal(a->name, "mixed:ops=100,sizes=0x4+8x1");
    pb_workload_list_free(a, 1);
    a = build("frames", NULL);
    assert_string_equal(a->name, "frames");
    pb_workload_list_free(a, 1);
}

/* Every generator's full params (defaults included) parse back as a spec to the same
 * params; mixed and ramp list the default sizes= beside a dist that is not list
 * (the fuzzer found that this was refused). A non-default list still needs dist=list. */
static void every_params_string_parses_back(void **state)
{
    (void)state;
    const char *specs[] = {"mixed:dist=uniform", "ramp:dist=invsquare,min=8", "mixed:ops=5"};
    size_t n_gen = 0;
    while (pb_generators[n_gen])
        n_gen++;
    for (size_t i = 0; i < n_gen + 3; i++) {
        const char *spec = i < n_gen ? pb_generators[i]->name : specs[i - n_gen];
        struct pb_gen_args a, b;
        char full[1024], again[1024];
        assert_int_equal(pb_gen_parse(spec, NULL, &a, err, sizeof err), 0);
        pb_gen_format(&a, 1, full, sizeof full);
        if (pb_gen_parse(full, NULL, &b, err, sizeof err) != 0)
            fail_msg("params of %s do not parse: '%s': %s", spec, full, err);
        pb_gen_format(&b, 1, again, sizeof again);
        assert_string_equal(full, again);
    }
    refused("mixed:dist=uniform,sizes=8x1", "sizes= needs dist=list (dist=uniform was given)");
    /* a list that fits the spec but not written out (x1 added to each size) is refused,
     * not cut short (the fuzzer found the generator then used only the first sizes) */
    char spec[300] = "mixed:sizes=1099511627776";
    for (int i = 1; i < 18; i++)
        strcat(spec, "+1099511627776");
    refused(spec, "of at most 255 characters written out");
}

static void spec_seed_beats_global_seed(void **state)
{
    (void)state;
    uint64_t global = 42;
    struct pb_workload *g = build("mixed:ops=3000", &global);
    struct pb_workload *s = build("mixed:ops=3000,seed=42", NULL);
    struct pb_workload *d = build("mixed:ops=3000", NULL);
    struct pb_workload *e = build("mixed:ops=3000,seed=1", &global);
    assert_true(same_events(g, s));
    assert_true(same_events(d, e));
    assert_false(same_events(g, d));
    assert_string_equal(g->params, s->params);
    assert_string_equal(g->name, "mixed:ops=3000"); /* a global seed is not part of the name */
    pb_workload_list_free(g, 1);
    pb_workload_list_free(s, 1);
    pb_workload_list_free(d, 1);
    pb_workload_list_free(e, 1);
}

static void job_file_object_equals_the_spec(void **state)
{
    (void)state;
    struct pb_workload *w = NULL;
    size_t n = 0;
    assert_int_equal(pb_workload_spec_build("data/gen_job_object.json", NULL, NULL, &w, &n, err,
                                            sizeof err), 0);
    assert_int_equal(n, 1);
    struct pb_workload *s = build("churn:size=32,live=10,pairs=100,order=fifo", NULL);
    assert_true(same_events(w, s));
    assert_string_equal(w->name, "small-fifo-churn");
    assert_string_equal(w->params, s->params);
    pb_workload_list_free(w, n);
    pb_workload_list_free(s, 1);
}

static void job_file_array_makes_several(void **state)
{
    (void)state;
    struct pb_workload *w = NULL;
    size_t n = 0;
    assert_int_equal(pb_workload_spec_build("data/gen_job_array.json", NULL, NULL, &w, &n, err,
                                            sizeof err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(w[0].name, "frames:frames=5,objects=7,min=8,max=64");
    assert_int_equal(w[0].fig.resets, 5);
    assert_string_equal(w[1].params, "mixed:live=50,ops=2000,dist=list,min=16,max=4096,"
                                     "sizes=24x3+100x1,realloc=0.25,seed=18446744073709551615");
    struct pb_workload *s = build(w[1].params, NULL);
    assert_true(same_events(&w[1], s));
    pb_workload_list_free(s, 1);
    pb_workload_list_free(w, n);
}

static void shipped_example_job_file_builds(void **state)
{
    (void)state;
    struct pb_workload *w = NULL;
    size_t n = 0;
    if (pb_workload_spec_build("../workloads/jobs/example.json", NULL, NULL, &w, &n, err,
                               sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(n, 5);
    for (size_t i = 0; i < n; i++) {
        assert_true(w[i].fig.events > 100000);
        assert_string_equal(w[i].source, "synthetic");
    }
    assert_string_equal(w[0].name, "churn-64-fifo");
    pb_workload_list_free(w, n);
}

static void job_file_errors(void **state)
{
    (void)state;
    refused("data/gen_job_invalid.json", "gen_job_invalid.json:3:");
    refused("data/gen_job_invalid.json", "invalid JSON");
    refused("data/gen_job_no_generator.json", "missing \"generator\"");
    refused("data/gen_job_unknown_param.json", "job 1: unknown parameter 'colour' for ramp; ramp takes peak, rounds, ");
    refused("data/gen_job_bad_type.json", "param \"size\" must be a number or a string");
}

/* Expect the job text to be refused with a message containing want. */
static void job_refused(const char *text, const char *want)
{
    struct pb_workload *w = (void *)1;
    size_t n = 3;
    err[0] = '\0';
    assert_int_equal(pb_job_build(text, strlen(text), "t.json", NULL, NULL, &w, &n, err, sizeof err),
                     -1);
    assert_null(w);
    assert_int_equal(n, 0);
    if (!strstr(err, want))
        fail_msg("%s: message '%s' lacks '%s'", text, err, want);
}

static void job_text_errors(void **state)
{
    (void)state;
    job_refused("", "t.json:1:1: invalid JSON");
    job_refused("[\n{\"generator\": \"churn\"},\n{\"generator\" \"gc\"}]", "t.json:3:");
    job_refused("\"churn\"", "an object or an array");
    job_refused("[]", "empty");
    job_refused("[1]", "job 0 is not an object");
    job_refused("{\"generator\": 5}", "\"generator\" must be a string");
    job_refused("{\"generator\": \"nope\"}", "job 0: unknown generator 'nope'");
    job_refused("{\"generator\": \"churn\", \"params\": [1]}", "\"params\" must be an object");
    job_refused("{\"generator\": \"churn\", \"seed\": 3}", "unknown field \"seed\"");
    job_refused("{\"generator\": \"churn\", \"name\": 3}", "\"name\" must be a string");
    job_refused("{\"generator\": \"churn\", \"params\": {\"size\": -4}}", "negative");
    job_refused("{\"generator\": \"churn\", \"params\": {\"size\": 1.5}}", "bad value '1.5'");
    job_refused("{\"generator\": \"churn\", \"params\": {\"size\": null}}", "number or a string");
    job_refused("{\"generator\": \"churn\", \"params\": {\"order\": 3}}", "bad value '3' for order");
}

static void job_numbers_read_like_text(void **state)
{
    (void)state;
    const char *text = "{\"generator\": \"ramp\", \"params\": {\"keep\": 0.3, \"peak\": 2e3,"
                       " \"seed\": \"5\"}}";
    struct pb_workload *w = NULL;
    size_t n = 0;
    assert_int_equal(pb_job_build(text, strlen(text), "t.json", NULL, NULL, &w, &n, err, sizeof err),
                     0);
    assert_string_equal(w[0].name, "ramp:peak=2000,keep=0.3,seed=5");
    pb_workload_list_free(w, n);
}

/* Load path and expect exactly w's events and figures. */
static void loads_back_identical(const struct pb_workload *w, const char *path)
{
    struct pb_workload r;
    struct pb_diag diag;
    memset(&r, 0, sizeof r);
    memset(&diag, 0, sizeof diag);
    if (pb_workload_load(path, &r, &diag) != 0)
        fail_msg("%s: %s", path, diag.count ? diag.msg[0] : "?");
    assert_true(same_events(w, &r));
    assert_int_equal(r.n_slots, w->n_slots);
    assert_int_equal(r.n_tags, w->n_tags);
    for (uint32_t t = 0; t < w->n_tags; t++)
        assert_string_equal(r.tags[t], w->tags[t]);
    assert_memory_equal(&r.fig, &w->fig, sizeof r.fig);
    pb_workload_free(&r);
}

static void written_traces_replay_the_same_events(void **state)
{
    (void)state;
    char text[] = "/tmp/pb_gen_test_XXXXXX";
    int fd = mkstemp(text);
    assert_true(fd >= 0);
    close(fd);
    char bin[64];
    snprintf(bin, sizeof bin, "%s.pbt", text);
    const char *specs[] = {"churn:pairs=5000", "mixed:ops=5000,realloc=0.2",
                           "gc:objects=5000,young=100", "frames:frames=20", "ramp:peak=2000"};
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        struct pb_workload *w = build(specs[i], NULL);
        FILE *f = fopen(text, "w");
        assert_non_null(f);
        assert_int_equal(pb_workload_write_text(w, f), 0);
        assert_int_equal(fclose(f), 0);
        loads_back_identical(w, text);
        assert_int_equal(pb_workload_write_binary(w, bin, err, sizeof err), 0);
        loads_back_identical(w, bin);
        pb_workload_list_free(w, 1);
    }
    unlink(text);
    unlink(bin);
}

/* Limits nothing in these tests reaches. */
static const struct pb_gen_limits no_limits = {UINT64_MAX, UINT64_MAX, 1};

/* The estimate of spec under limits (the test fails if it is refused). */
static struct pb_gen_estimate estimate(const char *spec, const struct pb_gen_limits *l)
{
    struct pb_gen_args a;
    struct pb_gen_estimate e;
    if (pb_gen_parse(spec, NULL, &a, err, sizeof err) != 0 ||
        pb_gen_check_limits(&a, l, &e, err, sizeof err) != 0)
        fail_msg("%s: %s", spec, err);
    return e;
}

/* What a generator makes never exceeds its estimate; where workloads/README.md
 * gives exact figures, the estimate is exact. */
static void estimates_bound_what_is_made(void **state)
{
    (void)state;
    static const struct {
        const char *spec;
        int exact_records, exact_blocks, exact_bytes;
    } cases[] = {
        {"churn:size=48,live=100,pairs=1000", 1, 1, 1},
        {"churn:live=1,pairs=0,size=0", 1, 1, 1},
        {"frames:frames=30,objects=25,min=8,max=100", 1, 1, 0},
        {"frames:frames=0", 1, 1, 1},
        {"frames:objects=0", 1, 1, 1},
        {"ramp:peak=1000,rounds=5,keep=0.25,min=32,max=64", 1, 1, 0},
        {"ramp:peak=10,keep=1,sizes=8x1+4096x1", 1, 1, 0},
        {"ramp:peak=7,rounds=3,keep=0", 1, 1, 0},
        {"gc:objects=5000,young=100,types=4,min=16,max=112", 1, 0, 0},
        {"gc:objects=1000,young=64,promote=0", 1, 1, 0},
        {"gc:objects=1000,young=64,promote=1,major=0,min=8,max=8", 1, 1, 1},
        {"gc:objects=10,young=64", 1, 1, 0},
        {"mixed:live=100,ops=20000,sizes=24x3+100", 0, 0, 0},
        {"mixed:live=1,ops=50000,realloc=0", 0, 0, 0},
        {"mixed:live=1000,ops=10,dist=uniform", 0, 1, 0},
        {"mixed:ops=0", 1, 1, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct pb_gen_estimate e = estimate(cases[i].spec, &no_limits);
        struct pb_workload *w = build(cases[i].spec, NULL);
        if (w->n_records > e.records || w->fig.peak_live_blocks > e.live_blocks ||
            w->fig.peak_live_bytes > e.live_bytes)
            fail_msg("%s: made %zu records, %" PRIu64 " blocks, %" PRIu64 " bytes; estimated "
                     "%" PRIu64 ", %" PRIu64 ", %" PRIu64, cases[i].spec, w->n_records,
                     w->fig.peak_live_blocks, w->fig.peak_live_bytes, e.records, e.live_blocks,
                     e.live_bytes);
        if (cases[i].exact_records)
            assert_int_equal(w->n_records, e.records);
        if (cases[i].exact_blocks)
            assert_int_equal(w->fig.peak_live_blocks, e.live_blocks);
        if (cases[i].exact_bytes)
            assert_int_equal(w->fig.peak_live_bytes, e.live_bytes);
        pb_workload_list_free(w, 1);
    }
    /* every generator at its defaults */
    for (size_t i = 0; pb_generators[i]; i++) {
        struct pb_gen_estimate e = estimate(pb_generators[i]->name, &no_limits);
        struct pb_workload *w = build(pb_generators[i]->name, NULL);
        assert_true(w->n_records <= e.records);
        assert_true(w->fig.peak_live_blocks <= e.live_blocks);
        assert_true(w->fig.peak_live_bytes <= e.live_bytes);
        pb_workload_list_free(w, 1);
    }
    /* mixed: at most 2 x live + 128 blocks live, whatever the seed */
    assert_int_equal(estimate("mixed:live=1000,ops=1000000", &no_limits).live_blocks, 2128);
    assert_int_equal(estimate("mixed:live=1000,ops=1000000", &no_limits).records, 1002128);
    assert_int_equal(estimate("mixed:live=1,ops=100,sizes=8+64", &no_limits).live_bytes, 100 * 64);
}

/* gc's peak is counted exactly when the cheap bound (every object live) would be
 * beyond the live-bytes limit, and then a workload whose real peak fits passes. */
static void gc_counts_its_peak_when_the_bound_is_too_big(void **state)
{
    (void)state;
    const char *specs[] = {"gc:objects=5000,young=100,types=4,min=16,max=112",
                           "gc:objects=20000,young=50,promote=0.5,major=3,survive=0.9",
                           "gc:objects=3000,young=7,promote=1,major=1,survive=0.3,seed=9"};
    struct pb_gen_limits tight = {UINT64_MAX, 1000, 1};
    for (size_t i = 0; i < 3; i++) {
        struct pb_gen_args a;
        struct pb_gen_estimate e;
        assert_int_equal(pb_gen_parse(specs[i], NULL, &a, err, sizeof err), 0);
        (void)pb_gen_check_limits(&a, &tight, &e, err, sizeof err);
        struct pb_workload *w = build(specs[i], NULL);
        assert_int_equal(e.live_blocks, w->fig.peak_live_blocks);
        assert_int_equal(e.records, w->n_records);
        pb_workload_list_free(w, 1);
    }
    /* 1988 blocks at the peak of default gc, each at most 128 bytes: 254464 */
    struct pb_gen_limits fits = {UINT64_MAX, 254464, 1};
    assert_int_equal(estimate("gc", &fits).live_blocks, 1988);
    fits.max_live_bytes--;
    struct pb_gen_args a;
    assert_int_equal(pb_gen_parse("gc", NULL, &a, err, sizeof err), 0);
    assert_int_equal(pb_gen_check_limits(&a, &fits, NULL, err, sizeof err), -1);
    assert_string_equal(err, "gc: 1988 blocks at the peak (of objects=200000) x max=128 holds up "
                             "to 254464 bytes live at once, more than the limit of 254463 bytes "
                             "(raise with --max-live-bytes)");
}

/* Expect spec refused by the limits l (NULL: the defaults) with exactly want. */
static void refused_by_limits(const char *spec, const struct pb_gen_limits *l, const char *want)
{
    struct pb_gen_args a;
    assert_int_equal(pb_gen_parse(spec, NULL, &a, err, sizeof err), 0);
    assert_int_equal(pb_gen_check_limits(&a, l, NULL, err, sizeof err), -1);
    if (strcmp(err, want) != 0)
        fail_msg("%s:\n got '%s'\nwant '%s'", spec, err, want);
}

static void limits_refuse_with_the_estimate(void **state)
{
    (void)state;
    refused_by_limits("frames:frames=100000000,objects=100000000", NULL,
                      "frames: frames=100000000 x objects=100000000 makes about 1.0e16 events, "
                      "more than the limit of 200000000 (raise with --max-events)");
    refused_by_limits("churn:live=100000000", NULL,
                      "churn: 2 x (live=100000000 + pairs=200000) makes about 200400000 events, "
                      "more than the limit of 200000000 (raise with --max-events)");
    refused_by_limits("gc:objects=1000000000", NULL,
                      "gc: 2 x objects=1000000000 makes about 2000000000 events, more than the "
                      "limit of 200000000 (raise with --max-events)");
    refused_by_limits("mixed:ops=1000000000", NULL, "mixed: ops=1000000000 makes about "
                      "1000002128 events, more than the limit of 200000000 (raise with --max-events)");
    refused_by_limits("ramp:peak=100000000,rounds=1000000", NULL,
                      "ramp: peak=100000000 and rounds=1000000 (90000000 blocks regrown a round) "
                      "makes about 1.8e14 events, more than the limit of 200000000 (raise with "
                      "--max-events)");
    /* 10^8 blocks of 2^40 bytes: the product saturates rather than wrapping */
    struct pb_gen_limits l = {UINT64_MAX, (uint64_t)1 << 30, 0};
    refused_by_limits("churn:live=100000000,pairs=0,size=1099511627776", &l,
                      "churn: live=100000000 x size=1099511627776 holds more than 1.8e19 bytes "
                      "live at once, more than the limit of 1073741824 bytes (the physical "
                      "memory; raise with --max-live-bytes)");
    /* exactly at a limit is fine, one past it is not */
    l = (struct pb_gen_limits){2200, 4800, 1};
    estimate("churn:size=48,live=100,pairs=1000", &l);
    l.max_events = 2199;
    refused_by_limits("churn:size=48,live=100,pairs=1000", &l,
                      "churn: 2 x (live=100 + pairs=1000) makes about 2200 events, more than the "
                      "limit of 2199 (raise with --max-events)");
    l = (struct pb_gen_limits){2200, 4799, 1};
    refused_by_limits("churn:size=48,live=100,pairs=1000", &l,
                      "churn: live=100 x size=48 holds up to 4800 bytes live at once, more than "
                      "the limit of 4799 bytes (raise with --max-live-bytes)");
    /* the default covers the largest configuration in use (bench/scale.sh) */
    struct pb_gen_limits d;
    pb_gen_limits_default(&d);
    assert_int_equal(d.max_events, PB_GEN_DEFAULT_MAX_EVENTS);
    assert_true(d.max_live_bytes > 0);
    d.max_live_bytes = UINT64_MAX;
    assert_int_equal(estimate("churn:live=1000,pairs=50000000", &d).records, 100002000);
}

/* A refused size refuses the whole job file, before anything is generated. */
static void job_files_are_checked_against_the_limits(void **state)
{
    (void)state;
    job_refused("[{\"generator\": \"churn\"},\n {\"generator\": \"frames\", \"params\": "
                "{\"frames\": 100000000, \"objects\": 100000000}}]",
                "t.json: job 1: frames: frames=100000000 x objects=100000000 makes about 1.0e16 "
                "events, more than the limit of 200000000 (raise with --max-events)");
    size_t n = 9;
    struct pb_gen_limits l = {1000, UINT64_MAX, 1};
    const char *text = "{\"generator\": \"churn\", \"params\": {\"live\": 10, \"pairs\": 491}}";
    assert_int_equal(pb_job_check(text, strlen(text), "t.json", NULL, &l, &n, err, sizeof err),
                     -1);
    assert_string_equal(err, "t.json: job 0: churn: 2 x (live=10 + pairs=491) makes about 1002 "
                             "events, more than the limit of 1000 (raise with --max-events)");
    assert_int_equal(n, 0);
}

/* Jobs are prepared (checked, estimated) without generating: a 2000-job array
 * costs two short strings a job, and each is generated on its own later. */
static void job_arrays_are_prepared_then_generated_one_by_one(void **state)
{
    (void)state;
    size_t cap = 2000 * 96 + 16, len = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    len += (size_t)snprintf(text, cap, "[");
    for (int k = 0; k < 2000; k++)
        len += (size_t)snprintf(text + len, cap - len,
                                "%s{\"generator\": \"churn\", \"params\": {\"pairs\": %d}}",
                                k ? ",\n" : "", 1000 + k);
    snprintf(text + len, cap - len, "]");
    struct pb_gen_job *jobs = NULL;
    size_t n = 0;
    assert_int_equal(pb_job_prepare(text, strlen(text), "t.json", NULL, NULL, &jobs, &n, err,
                                    sizeof err), 0);
    assert_int_equal(n, 2000);
    assert_string_equal(jobs[1999].name, "churn:pairs=2999");
    assert_string_equal(jobs[1999].params,
                        "churn:size=64,live=1000,pairs=2999,order=random,align=16,seed=1");
    struct pb_workload w;
    assert_int_equal(pb_gen_job_build(&jobs[1999], &w, err, sizeof err), 0);
    struct pb_workload *s = build("churn:pairs=2999", NULL);
    assert_true(same_events(&w, s));
    assert_string_equal(w.name, s->name);
    pb_workload_free(&w);
    pb_workload_list_free(s, 1);
    pb_gen_jobs_free(jobs, n);
    free(text);
}

/* cJSON keeps both copies of a key and lookups see the first: a job file says
 * what it means once, at every level. */
static void job_keys_given_twice_are_refused(void **state)
{
    (void)state;
    job_refused("{\"generator\": \"churn\",\n \"generator\": \"gc\"}",
                "t.json:2:2: duplicate key \"generator\" (first at line 1)");
    job_refused("{\"generator\": \"churn\", \"params\": {\"size\": 64,\n\n  \"size\": 32}}",
                "t.json:3:3: duplicate key \"size\" (first at line 1)");
    job_refused("[{\"generator\": \"churn\", \"name\": \"a\"},\n {\"generator\": \"gc\", "
                "\"name\": \"b\", \"params\": {}, \"name\": \"c\"}]",
                "t.json:2:49: duplicate key \"name\" (first at line 2)");
}

static void job_nesting_and_syntax_say_where(void **state)
{
    (void)state;
    size_t depth = 1001;
    char *text = malloc(2 * depth + 64);
    assert_non_null(text);
    size_t len = (size_t)sprintf(text, "{\"generator\": \"churn\",\n \"params\": ");
    memset(text + len, '[', depth - 1);
    strcpy(text + len + depth - 1, "1");
    memset(text + len + depth, ']', depth - 1);
    strcpy(text + len + 2 * depth - 1, "}");
    job_refused(text, "t.json:2:1011: nesting deeper than 1000 levels");
    free(text);
    job_refused("{\"generator\": \"churn\"}\n{}", "t.json:2:1: text after the JSON value");
    job_refused("{\"generator\": \"churn\",\n  \"params\": {\"size\": 64,}}",
                "t.json:2:26: invalid JSON");
}

/* Strings from the file reach messages and tables as text, never as terminal control. */
static void job_strings_stay_text(void **state)
{
    (void)state;
    job_refused("{\"generator\": \"churn\", \"\\u001b[2J\": 1}",
                "t.json: job 0: unknown field \"?[2J\" (expected generator, params, name)");
    job_refused("{\"generator\": \"\\u001b]0;x\\u0007\"}",
                "t.json: job 0: unknown generator '?]0;x?'; generators: churn, mixed, gc, frames, ramp");
    job_refused("{\"generator\": \"churn\", \"name\": \"a\\u001b[31mb\"}",
                "t.json: job 0: \"name\" holds a control character");
}

/* A job file is small: more than 4 MiB is refused before it is parsed. */
static void job_files_are_at_most_4_mib(void **state)
{
    (void)state;
    char path[] = "/tmp/pb_gen_job_XXXXXX.json";
    int fd = mkstemps(path, 5);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    const char *job = "{\"generator\": \"churn\"}";
    for (size_t i = strlen(job); i < ((size_t)4 << 20); i++)
        fputc(' ', f);
    fputs(job, f);
    assert_int_equal(fclose(f), 0);
    struct pb_gen_job *jobs = NULL;
    size_t n = 0;
    assert_int_equal(pb_workload_spec_prepare(path, NULL, NULL, &jobs, &n, err, sizeof err), 0);
    assert_int_equal(n, 1);
    pb_gen_jobs_free(jobs, n);
    f = fopen(path, "a");
    assert_non_null(f);
    fputc('\n', f);
    assert_int_equal(fclose(f), 0);
    refused(path, "job file larger than 4 MiB");
    unlink(path);
}

static void rng_is_uniform_enough_and_reproducible(void **state)
{
    (void)state;
    struct pb_rng a, b;
    pb_rng_seed(&a, 0);
    pb_rng_seed(&b, 0);
    uint64_t counts[10] = {0};
    for (int i = 0; i < 100000; i++) {
        uint64_t x = pb_rng_below(&a, 10);
        assert_int_equal(x, pb_rng_below(&b, 10));
        counts[x]++;
        double u = pb_rng_unit(&a);
        assert_true(u >= 0.0 && u < 1.0);
        (void)pb_rng_unit(&b);
    }
    for (int k = 0; k < 10; k++)
        assert_true(counts[k] > 9500 && counts[k] < 10500);
    assert_int_equal(pb_rng_below(&a, 1), 0);
    assert_int_equal(pb_rng_below(&a, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_generator_is_deterministic_and_seeded),
        cmocka_unit_test(every_generator_table_entry_is_complete),
        cmocka_unit_test(churn_figures_are_exact),
        cmocka_unit_test(churn_lifo_and_fifo_ignore_the_seed),
        cmocka_unit_test(churn_order_words),
        cmocka_unit_test(frames_figures_are_exact),
        cmocka_unit_test(ramp_figures_are_exact),
        cmocka_unit_test(gc_sizes_follow_the_types),
        cmocka_unit_test(gc_promotion_extremes),
        cmocka_unit_test(mixed_sizes_follow_the_distribution),
        cmocka_unit_test(spec_errors_name_the_culprit),
        cmocka_unit_test(canonical_names_and_params),
        cmocka_unit_test(every_params_string_parses_back),
        cmocka_unit_test(spec_seed_beats_global_seed),
        cmocka_unit_test(job_file_object_equals_the_spec),
        cmocka_unit_test(job_file_array_makes_several),
        cmocka_unit_test(shipped_example_job_file_builds),
        cmocka_unit_test(job_file_errors),
        cmocka_unit_test(job_text_errors),
        cmocka_unit_test(job_numbers_read_like_text),
        cmocka_unit_test(written_traces_replay_the_same_events),
        cmocka_unit_test(estimates_bound_what_is_made),
        cmocka_unit_test(gc_counts_its_peak_when_the_bound_is_too_big),
        cmocka_unit_test(limits_refuse_with_the_estimate),
        cmocka_unit_test(job_files_are_checked_against_the_limits),
        cmocka_unit_test(job_arrays_are_prepared_then_generated_one_by_one),
        cmocka_unit_test(job_keys_given_twice_are_refused),
        cmocka_unit_test(job_nesting_and_syntax_say_where),
        cmocka_unit_test(job_strings_stay_text),
        cmocka_unit_test(job_files_are_at_most_4_mib),
        cmocka_unit_test(rng_is_uniform_enough_and_reproducible),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
