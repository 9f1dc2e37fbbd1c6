/*
 * gen_spec.c -- generator specs: "NAME[:key=value,...]" (':' or ',' before
 * every pair, as in every spec: pb_spec_list_next) parsed against the
 * generator's parameter table, values checked by type and written back in
 * canonical form, defaults filled in, and the generator run into a workload.
 *
 * Every value, a default included, goes through the same reader, so the
 * canonical text ("size=64") is what the reader would accept again and the
 * params string of a workload reproduces it exactly.
 */
#include "pb_gen_util.h"
#include "pb_generators.h"
#include "pb_num.h"
#include "pb_suggest.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- reading one value --------------------------------------------------- */

/* Decimal or 0x hex, optional k/m/g suffix (x1024); -1 on anything else. */
static int parse_uint(const char *text, uint64_t *out)
{
    return pb_parse_scaled_u64(text, out);
}

static int parse_fraction(const char *text, double *out)
{
    if (!((text[0] >= '0' && text[0] <= '9') || text[0] == '.'))
        return -1;
    errno = 0;
    char *end = NULL;
    double v = strtod(text, &end);
    if (errno || end == text || *end != '\0' || !isfinite(v) || v < 0.0 || v > 1.0)
        return -1;
    *out = v;
    return 0;
}

/* The shortest %g text that reads back as exactly v. */
static void format_fraction(double v, char *buf, size_t len)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

/* Index of word among the plain words of choices ("lifo|fifo|random|any=random":
 * "any=random" makes any another name of random), the plain word in canon
 * (PB_GEN_VALUE_MAX bytes); -1 when it is none. An alias names a plain word. */
static int choice_index(const char *choices, const char *word, int aliases, char *canon)
{
    size_t wlen = strlen(word);
    int i = 0;
    for (const char *p = choices; *p; p += p[strcspn(p, "|")] ? strcspn(p, "|") + 1 : strlen(p)) {
        size_t len = strcspn(p, "|");
        const char *eq = memchr(p, '=', len);
        size_t klen = eq ? (size_t)(eq - p) : len;
        if (wlen > 0 && klen == wlen && strncmp(p, word, wlen) == 0) {
            if (!eq) {
                snprintf(canon, PB_GEN_VALUE_MAX, "%s", word);
                return i;
            }
            if (!aliases)
                return -1;
            char target[PB_GEN_VALUE_MAX];
            snprintf(target, sizeof target, "%.*s", (int)(len - klen - 1), eq + 1);
            return choice_index(choices, target, 0, canon);
        }
        i += !eq;
    }
    return -1;
}

/* What a choice accepts, for a message: "lifo|fifo|random (or any = random)"
 * (the aliases come after the plain words). */
static void choice_expected(const char *choices, char *out, size_t len)
{
    size_t used = 0;
    int aliases = 0;
    out[0] = '\0';
    for (const char *p = choices; *p && used < len;) {
        size_t l = strcspn(p, "|");
        const char *eq = memchr(p, '=', l);
        int k = (int)(eq ? (size_t)(eq - p) : l);
        if (eq)
            used += (size_t)snprintf(out + used, len - used, "%s%.*s = %.*s",
                                     aliases++ ? ", " : " (or ", k, p, (int)(l - (size_t)k - 1),
                                     eq + 1);
        else
            used += (size_t)snprintf(out + used, len - used, "%s%.*s", used ? "|" : "", k, p);
        p += l + (p[l] == '|');
    }
    if (aliases && used < len)
        snprintf(out + used, len - used, ")");
}

static int bad_value(const struct pb_gen_args *a, const struct pb_param_desc *d,
                     const char *value, const char *expected, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s: bad value '%s' for %s (expected %s)", a->gen->name, value,
             d->key, expected);
    return -1;
}

/* Read value into slot i of a, by the parameter's type. */
static int read_value(struct pb_gen_args *a, size_t i, const char *value, char *err,
                      size_t errlen)
{
    const struct pb_param_desc *d = &a->gen->params[i];
    char expected[160];
    switch (d->type) {
    case PB_PARAM_UINT:
        if (parse_uint(value, &a->num[i]) != 0 || a->num[i] < d->min || a->num[i] > d->max) {
            snprintf(expected, sizeof expected, "an integer from %" PRIu64 " to %" PRIu64,
                     d->min, d->max);
            return bad_value(a, d, value, expected, err, errlen);
        }
        snprintf(a->text[i], PB_GEN_VALUE_MAX, "%" PRIu64, a->num[i]);
        return 0;
    case PB_PARAM_ALIGN:
        if (parse_uint(value, &a->num[i]) != 0 || a->num[i] == 0 ||
            a->num[i] > (1u << PB_MAX_ALIGN_LOG2) || (a->num[i] & (a->num[i] - 1)) != 0)
            return bad_value(a, d, value, "a power of two from 1 to 4096", err, errlen);
        snprintf(a->text[i], PB_GEN_VALUE_MAX, "%" PRIu64, a->num[i]);
        return 0;
    case PB_PARAM_FRACTION:
        if (parse_fraction(value, &a->real[i]) != 0)
            return bad_value(a, d, value, "a number from 0 to 1", err, errlen);
        format_fraction(a->real[i], a->text[i], PB_GEN_VALUE_MAX);
        return 0;
    case PB_PARAM_CHOICE: {
        int k = choice_index(d->choices, value, 1, a->text[i]); /* an alias is written as its word */
        if (k < 0) {
            choice_expected(d->choices, expected, sizeof expected);
            return bad_value(a, d, value, expected, err, errlen);
        }
        a->num[i] = (uint64_t)k;
        return 0;
    }
    case PB_PARAM_SIZES: {
        struct pb_size_dist dist;
        char why[128];
        if (pb_size_list_parse(value, &dist, why, sizeof why) != 0) {
            snprintf(expected, sizeof expected, "SIZExWEIGHT+...: %s", why);
            return bad_value(a, d, value, expected, err, errlen);
        }
        /* the canonical text is what the generator reads back: it must fit whole */
        char text[PB_GEN_MAX_SIZES * 24 + 1];
        pb_size_list_format(&dist, text, sizeof text);
        if (strlen(text) >= PB_GEN_VALUE_MAX) {
            snprintf(expected, sizeof expected,
                     "SIZExWEIGHT+... of at most %d characters written out as '%.40s...'",
                     PB_GEN_VALUE_MAX - 1, text);
            return bad_value(a, d, value, expected, err, errlen);
        }
        memcpy(a->text[i], text, strlen(text) + 1);
        return 0;
    }
    }
    return bad_value(a, d, value, "a known parameter type", err, errlen);
}

/* ---- args ---------------------------------------------------------------- */

const struct pb_generator *pb_generator_find(const char *name)
{
    for (size_t i = 0; pb_generators[i]; i++)
        if (strcmp(pb_generators[i]->name, name) == 0)
            return pb_generators[i];
    return NULL;
}

int pb_gen_args_init(struct pb_gen_args *a, const char *name, char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    a->gen = pb_generator_find(name);
    if (!a->gen) {
        struct pb_suggest s;
        pb_suggest_init(&s, name);
        for (size_t i = 0; pb_generators[i]; i++)
            pb_suggest_offer(&s, pb_generators[i]->name);
        char hint[PB_SUGGEST_MAX_LEN + 32];
        if (strchr(name, '.') || strchr(name, '/'))
            snprintf(err, errlen, "unknown generator '%s' (a job file must end in .json; traces "
                     "are not generators)", name);
        else
            snprintf(err, errlen, "unknown generator '%s'%s; generators: %s", name,
                     pb_suggest_hint(&s, hint, sizeof hint), s.known);
        return -1;
    }
    while (a->gen->params[a->n_params].key)
        a->n_params++;
    return 0;
}

int pb_gen_param_index(const struct pb_gen_args *a, const char *key)
{
    for (size_t i = 0; i < a->n_params; i++)
        if (strcmp(a->gen->params[i].key, key) == 0)
            return (int)i;
    return -1;
}

int pb_gen_args_set(struct pb_gen_args *a, const char *key, const char *value, char *err,
                    size_t errlen)
{
    int i = pb_gen_param_index(a, key);
    if (i < 0) {
        struct pb_suggest s;
        pb_suggest_init(&s, key);
        for (size_t k = 0; k < a->n_params; k++)
            pb_suggest_offer(&s, a->gen->params[k].key);
        char hint[PB_SUGGEST_MAX_LEN + 32];
        snprintf(err, errlen, "unknown parameter '%s' for %s%s; %s takes %s", key, a->gen->name,
                 pb_suggest_hint(&s, hint, sizeof hint), a->gen->name, s.known);
        return -1;
    }
    if (a->given[i]) {
        snprintf(err, errlen, "%s: parameter '%s' given twice", a->gen->name, key);
        return -1;
    }
    if (strlen(value) >= PB_GEN_VALUE_MAX) {
        snprintf(err, errlen, "%s: value of %s is longer than %d characters", a->gen->name,
                 key, PB_GEN_VALUE_MAX - 1);
        return -1;
    }
    if (read_value(a, (size_t)i, value, err, errlen) != 0)
        return -1;
    a->given[i] = 1;
    a->set[i] = 1;
    return 0;
}

int pb_gen_args_finish(struct pb_gen_args *a, const uint64_t *global_seed, char *err,
                       size_t errlen)
{
    for (size_t i = 0; i < a->n_params; i++) {
        if (a->set[i])
            continue;
        const struct pb_param_desc *d = &a->gen->params[i];
        if (strcmp(d->key, "seed") == 0 && global_seed) {
            a->num[i] = *global_seed;
            snprintf(a->text[i], PB_GEN_VALUE_MAX, "%" PRIu64, *global_seed);
        } else if (read_value(a, i, d->default_value, err, errlen) != 0) {
            return -1; /* a broken table; tests check every default */
        }
        a->set[i] = 1;
    }
    return a->gen->check ? a->gen->check(a, err, errlen) : 0;
}

int pb_gen_parse(const char *spec, const uint64_t *global_seed, struct pb_gen_args *a,
                 char *err, size_t errlen)
{
    char buf[1024];
    if (strlen(spec) >= sizeof buf) {
        snprintf(err, errlen, "workload spec longer than %zu characters", sizeof buf - 1);
        return -1;
    }
    strcpy(buf, spec);
    char *sep = buf + strcspn(buf, ",:"); /* the name ends at the first separator */
    char *first = *sep ? sep + 1 : NULL;
    *sep = '\0';
    if (pb_gen_args_init(a, buf, err, errlen) != 0)
        return -1;
    for (char *p = first; p;) {
        char *next = p + strcspn(p, ",:");
        char *stop = *next ? next + 1 : NULL;
        *next = '\0';
        char *eq = strchr(p, '=');
        if (!eq || eq == p) {
            snprintf(err, errlen, "%s: expected key=value, got '%s'", a->gen->name, p);
            return -1;
        }
        *eq = '\0';
        if (pb_gen_args_set(a, p, eq + 1, err, errlen) != 0)
            return -1;
        p = stop;
    }
    return pb_gen_args_finish(a, global_seed, err, errlen);
}

size_t pb_gen_format(const struct pb_gen_args *a, int all, char *buf, size_t len)
{
    size_t used = (size_t)snprintf(buf, len, "%s", a->gen->name);
    char sep = ':';
    for (size_t i = 0; i < a->n_params; i++) {
        if (!all && !a->given[i])
            continue;
        size_t room = used < len ? len - used : 0;
        used += (size_t)snprintf(room ? buf + used : NULL, room, "%c%s=%s", sep,
                                 a->gen->params[i].key, a->text[i]);
        sep = ',';
    }
    return used;
}

static int index_of(const struct pb_gen_args *a, const char *key)
{
    int i = pb_gen_param_index(a, key);
    if (i < 0)
        abort(); /* a generator asked for a key it does not declare: a programming error */
    return i;
}

uint64_t pb_gen_uint(const struct pb_gen_args *a, const char *key)
{
    return a->num[index_of(a, key)];
}

double pb_gen_fraction(const struct pb_gen_args *a, const char *key)
{
    return a->real[index_of(a, key)];
}

const char *pb_gen_text(const struct pb_gen_args *a, const char *key)
{
    return a->text[index_of(a, key)];
}

int pb_gen_given(const struct pb_gen_args *a, const char *key)
{
    return a->given[index_of(a, key)];
}

/* ---- building ------------------------------------------------------------ */

static char *format_alloc(const struct pb_gen_args *a, int all)
{
    size_t need = pb_gen_format(a, all, NULL, 0) + 1;
    char *s = malloc(need);
    if (s)
        pb_gen_format(a, all, s, need);
    return s;
}

int pb_gen_build(const struct pb_gen_args *a, const char *display_name, struct pb_workload *out,
                 char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    char *params = format_alloc(a, 1);
    char *name = display_name ? NULL : format_alloc(a, 0);
    struct pb_builder *b = pb_builder_new();
    if (!params || (!display_name && !name) || !b) {
        snprintf(err, errlen, "%s: out of memory", a->gen->name);
        goto fail;
    }
    if (a->gen->build(a, b, err, errlen) != 0)
        goto fail;
    int finished = pb_builder_finish(b, out);
    b = NULL; /* finish frees the builder, failing or not */
    if (finished != 0) {
        pb_workload_free(out);
        snprintf(err, errlen, "%s: inconsistent events (a generator bug)", a->gen->name);
        goto fail;
    }
    snprintf(out->name, sizeof out->name, "%s", display_name ? display_name : name);
    snprintf(out->source, sizeof out->source, "synthetic");
    out->params = params;
    free(name);
    return 0;
fail:
    if (b)
        pb_builder_discard(b);
    free(params);
    free(name);
    return -1;
}

/* ---- limits -------------------------------------------------------------- */

void pb_gen_limits_default(struct pb_gen_limits *l)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    l->max_events = PB_GEN_DEFAULT_MAX_EVENTS;
    l->max_live_bytes =
        pages > 0 && page > 0 ? pb_sat_mul((uint64_t)pages, (uint64_t)page) : UINT64_MAX;
    l->live_bytes_given = 0;
}

/* "about 200400000" below 10^10, "about 1.0e16" above, "more than 1.8e19" when saturated. */
static void amount(uint64_t v, const char *about, char *buf, size_t len)
{
    if (v == UINT64_MAX) {
        snprintf(buf, len, "more than 1.8e19");
        return;
    }
    if (v < 10000000000ULL) {
        snprintf(buf, len, "%s %" PRIu64, about, v);
        return;
    }
    int exp = 0;
    double m = (double)v;
    while (m >= 10.0) {
        m /= 10.0;
        exp++;
    }
    snprintf(buf, len, "%s %.1fe%d", about, m, exp);
}

int pb_gen_check_limits(const struct pb_gen_args *a, const struct pb_gen_limits *limits,
                        struct pb_gen_estimate *out, char *err, size_t errlen)
{
    struct pb_gen_limits def;
    if (!limits) {
        pb_gen_limits_default(&def);
        limits = &def;
    }
    struct pb_gen_estimate e;
    memset(&e, 0, sizeof e);
    a->gen->estimate(a, limits, &e);
    if (out)
        *out = e;
    char n[48];
    if (e.records > limits->max_events) {
        amount(e.records, "about", n, sizeof n);
        snprintf(err, errlen,
                 "%s: %s makes %s events, more than the limit of %" PRIu64
                 " (raise with --max-events)",
                 a->gen->name, e.records_why, n, limits->max_events);
        return -1;
    }
    if (e.live_bytes > limits->max_live_bytes) {
        amount(e.live_bytes, "up to", n, sizeof n);
        snprintf(err, errlen,
                 "%s: %s holds %s bytes live at once, more than the limit of %" PRIu64
                 " bytes (%sraise with --max-live-bytes)",
                 a->gen->name, e.bytes_why, n, limits->max_live_bytes,
                 limits->live_bytes_given ? "" : "the physical memory; ");
        return -1;
    }
    return 0;
}

/* ---- jobs: checked now, generated later ------------------------------------ */

int pb_gen_job_init(const struct pb_gen_args *a, const char *display_name,
                    const struct pb_gen_limits *limits, struct pb_gen_job *job, char *err,
                    size_t errlen)
{
    memset(job, 0, sizeof *job);
    if (pb_gen_check_limits(a, limits, NULL, err, errlen) != 0)
        return -1;
    job->params = format_alloc(a, 1);
    job->name = display_name ? strdup(display_name) : format_alloc(a, 0);
    if (!job->params || !job->name) {
        free(job->params);
        free(job->name);
        memset(job, 0, sizeof *job);
        snprintf(err, errlen, "%s: out of memory", a->gen->name);
        return -1;
    }
    return 0;
}

int pb_gen_job_build(const struct pb_gen_job *job, struct pb_workload *out, char *err,
                     size_t errlen)
{
    struct pb_gen_args a;
    char why[320];
    memset(out, 0, sizeof *out);
    /* the full params read back to the same args (the seed is among them) */
    if (pb_gen_parse(job->params, NULL, &a, why, sizeof why) != 0 ||
        pb_gen_build(&a, job->name, out, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s: %s", job->name, why);
        return -1;
    }
    return 0;
}

int pb_gen_jobs_build(const struct pb_gen_job *jobs, size_t n, struct pb_workload **out,
                      size_t *n_out, char *err, size_t errlen)
{
    *out = NULL;
    *n_out = 0;
    struct pb_workload *w = calloc(n ? n : 1, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t k = 0; k < n; k++) {
        if (pb_gen_job_build(&jobs[k], &w[k], err, errlen) != 0) {
            pb_workload_list_free(w, k);
            return -1;
        }
    }
    *out = w;
    *n_out = n;
    return 0;
}

void pb_gen_jobs_free(struct pb_gen_job *jobs, size_t n)
{
    for (size_t k = 0; jobs && k < n; k++) {
        free(jobs[k].params);
        free(jobs[k].name);
    }
    free(jobs);
}

/* ---- specs and job files ---------------------------------------------------- */

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Largest job file read: a few thousand jobs take a few hundred KiB; the parsed
 * tree of a file takes up to about 32 times its size. */
#define JOB_FILE_MAX ((size_t)4 << 20)

/* Read a whole (small) file into a malloc'd buffer. */
static char *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n - 1, f);
        if (ferror(f) || n < cap - 1)
            break;
        if (cap > JOB_FILE_MAX)
            break; /* n > JOB_FILE_MAX: refused below */
        char *bigger = realloc(buf, cap * 2);
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    if (!buf || ferror(f)) {
        snprintf(err, errlen, "%s: cannot read: %s", path, buf ? strerror(errno) : "out of memory");
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    if (n > JOB_FILE_MAX) {
        snprintf(err, errlen, "%s: job file larger than %zu MiB", path, JOB_FILE_MAX >> 20);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

int pb_workload_spec_prepare(const char *spec, const uint64_t *global_seed,
                             const struct pb_gen_limits *limits, struct pb_gen_job **jobs,
                             size_t *n_jobs, char *err, size_t errlen)
{
    *jobs = NULL;
    *n_jobs = 0;
    if (has_suffix(spec, ".json")) {
        size_t len = 0;
        char *text = read_file(spec, &len, err, errlen);
        if (!text)
            return -1;
        int rc = pb_job_prepare(text, len, spec, global_seed, limits, jobs, n_jobs, err, errlen);
        free(text);
        return rc;
    }
    struct pb_gen_args a;
    if (pb_gen_parse(spec, global_seed, &a, err, errlen) != 0)
        return -1;
    struct pb_gen_job *j = calloc(1, sizeof *j);
    if (!j) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (pb_gen_job_init(&a, NULL, limits, j, err, errlen) != 0) {
        free(j);
        return -1;
    }
    *jobs = j;
    *n_jobs = 1;
    return 0;
}

int pb_workload_spec_build(const char *spec, const uint64_t *global_seed,
                           const struct pb_gen_limits *limits, struct pb_workload **out,
                           size_t *n_out, char *err, size_t errlen)
{
    struct pb_gen_job *jobs = NULL;
    size_t n = 0;
    *out = NULL;
    *n_out = 0;
    if (pb_workload_spec_prepare(spec, global_seed, limits, &jobs, &n, err, errlen) != 0)
        return -1;
    int rc = pb_gen_jobs_build(jobs, n, out, n_out, err, errlen);
    pb_gen_jobs_free(jobs, n);
    return rc;
}

void pb_workload_list_free(struct pb_workload *w, size_t n)
{
    for (size_t i = 0; w && i < n; i++)
        pb_workload_free(&w[i]);
    free(w);
}
