/*
 * gen_util.c -- PRNG, live sets, ID reuse, size distributions and the
 * builder-forwarding context the generators share.
 *
 * The PRNG is xoshiro256** (Blackman and Vigna's published algorithm) seeded
 * by expanding the 64-bit seed with splitmix64, written here from the
 * algorithm's description. It is small, fast and gives the same stream on
 * every machine, which is what makes a spec + seed reproducible.
 */
#include "pb_gen_util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- PRNG ---------------------------------------------------------------- */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void pb_rng_seed(struct pb_rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

uint64_t pb_rng_next(struct pb_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t pb_rng_below(struct pb_rng *r, uint64_t n)
{
    if (n == 0)
        return 0;
    /* Reject the top partial copy of [0, n) so every residue is equally likely. */
    uint64_t limit = UINT64_MAX - (UINT64_MAX % n + 1) % n;
    uint64_t x;
    do
        x = pb_rng_next(r);
    while (x > limit);
    return x % n;
}

double pb_rng_unit(struct pb_rng *r)
{
    return (double)(pb_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* ---- live sets ----------------------------------------------------------- */

int pb_gen_live_init(struct pb_gen_live *l, size_t cap_hint)
{
    memset(l, 0, sizeof *l);
    l->cap = cap_hint ? cap_hint : 16;
    l->ring = malloc(l->cap * sizeof *l->ring);
    return l->ring ? 0 : -1;
}

void pb_gen_live_free(struct pb_gen_live *l)
{
    free(l->ring);
    memset(l, 0, sizeof *l);
}

static size_t ring_pos(const struct pb_gen_live *l, size_t i)
{
    size_t p = l->head + i;
    return p >= l->cap ? p - l->cap : p;
}

static int live_grow(struct pb_gen_live *l)
{
    size_t cap = l->cap * 2;
    uint64_t *ring = malloc(cap * sizeof *ring);
    if (!ring)
        return -1;
    for (size_t i = 0; i < l->n; i++)
        ring[i] = l->ring[ring_pos(l, i)];
    free(l->ring);
    l->ring = ring;
    l->cap = cap;
    l->head = 0;
    return 0;
}

int pb_gen_live_push(struct pb_gen_live *l, uint64_t id)
{
    if (l->n == l->cap && live_grow(l) != 0)
        return -1;
    l->ring[ring_pos(l, l->n)] = id;
    l->n++;
    return 0;
}

uint64_t pb_gen_live_at(const struct pb_gen_live *l, size_t i)
{
    return l->ring[ring_pos(l, i)];
}

uint64_t pb_gen_live_pop_newest(struct pb_gen_live *l)
{
    l->n--;
    return l->ring[ring_pos(l, l->n)];
}

uint64_t pb_gen_live_pop_oldest(struct pb_gen_live *l)
{
    uint64_t id = l->ring[l->head];
    l->head = ring_pos(l, 1);
    l->n--;
    return id;
}

uint64_t pb_gen_live_take(struct pb_gen_live *l, size_t i)
{
    size_t p = ring_pos(l, i);
    uint64_t id = l->ring[p];
    l->n--;
    l->ring[p] = l->ring[ring_pos(l, l->n)];
    return id;
}

/* ---- IDs ----------------------------------------------------------------- */

static uint64_t ids_new(struct pb_gen_ids *ids)
{
    if (ids->n > 0)
        return ids->spare[--ids->n];
    return ids->next++;
}

static int ids_release(struct pb_gen_ids *ids, uint64_t id)
{
    if (ids->n == ids->cap) {
        size_t cap = ids->cap ? ids->cap * 2 : 64;
        uint64_t *spare = realloc(ids->spare, cap * sizeof *spare);
        if (!spare)
            return -1;
        ids->spare = spare;
        ids->cap = cap;
    }
    ids->spare[ids->n++] = id;
    return 0;
}

/* ---- size distributions -------------------------------------------------- */

/* A decimal number at *p, advancing p; -1 when there is none or it overflows.
 * (No 0x hex here: "0x4" would be ambiguous with SIZExWEIGHT.) */
static int read_number(const char **p, uint64_t *out)
{
    const char *s = *p;
    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s)
        return -1;
    *out = v;
    *p = end;
    return 0;
}

int pb_size_list_parse(const char *text, struct pb_size_dist *d, char *err, size_t errlen)
{
    memset(d, 0, sizeof *d);
    d->kind = PB_SIZES_LIST;
    const char *p = text;
    uint64_t total = 0;
    for (;;) {
        uint64_t size, weight = 1;
        if (read_number(&p, &size) != 0 || size > PB_MAX_SIZE) {
            snprintf(err, errlen, "expected a size (0..2^40) at '%s'", p);
            return -1;
        }
        if (*p == 'x') {
            const char *q = ++p;
            if (read_number(&q, &weight) != 0 || weight == 0 || weight > 1000000) {
                snprintf(err, errlen, "expected a weight (1..1000000) at '%s'", p);
                return -1;
            }
            p = q;
        }
        if (d->n == PB_GEN_MAX_SIZES) {
            snprintf(err, errlen, "more than %d sizes", PB_GEN_MAX_SIZES);
            return -1;
        }
        total += weight;
        d->size[d->n] = size;
        d->cum[d->n] = total;
        d->n++;
        if (*p == '\0')
            return 0;
        if (*p != '+') {
            snprintf(err, errlen, "expected '+' between sizes at '%s'", p);
            return -1;
        }
        p++;
    }
}

void pb_size_list_format(const struct pb_size_dist *d, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < d->n && used < len; i++) {
        uint64_t w = d->cum[i] - (i ? d->cum[i - 1] : 0);
        int k = snprintf(buf + used, len - used, "%s%" PRIu64 "x%" PRIu64, i ? "+" : "",
                         d->size[i], w);
        if (k < 0)
            return;
        used += (size_t)k;
    }
}

void pb_size_dist_from_args(const struct pb_gen_args *a, struct pb_size_dist *d)
{
    char err[64];
    const char *dist = pb_gen_text(a, "dist");
    if (strcmp(dist, "list") == 0) {
        /* Validated when the value was set; cannot fail here. */
        (void)pb_size_list_parse(pb_gen_text(a, "sizes"), d, err, sizeof err);
        return;
    }
    memset(d, 0, sizeof *d);
    d->kind = strcmp(dist, "uniform") == 0 ? PB_SIZES_UNIFORM : PB_SIZES_INVSQUARE;
    d->min = pb_gen_uint(a, "min");
    d->max = pb_gen_uint(a, "max");
}

int pb_size_dist_check(struct pb_gen_args *a, char *err, size_t errlen)
{
    int dist = pb_gen_param_index(a, "dist");
    if (pb_gen_given(a, "sizes") && !a->given[dist]) {
        strcpy(a->text[dist], "list");
        a->num[dist] = 2; /* index of "list" in uniform|invsquare|list */
    }
    const char *kind = pb_gen_text(a, "dist");
    /* sizes at its default value goes with any dist: the full params (pb_gen_format
     * with all) list it, and they must parse back as a spec */
    int sizes = pb_gen_param_index(a, "sizes");
    if (pb_gen_given(a, "sizes") && strcmp(kind, "list") != 0 &&
        strcmp(a->text[sizes], a->gen->params[sizes].default_value) != 0) {
        snprintf(err, errlen, "%s: sizes= needs dist=list (dist=%s was given)", a->gen->name,
                 kind);
        return -1;
    }
    uint64_t min = pb_gen_uint(a, "min"), max = pb_gen_uint(a, "max");
    if (strcmp(kind, "list") != 0 && min > max) {
        snprintf(err, errlen, "%s: min=%" PRIu64 " is larger than max=%" PRIu64, a->gen->name,
                 min, max);
        return -1;
    }
    if (strcmp(kind, "invsquare") == 0 && min == 0) {
        snprintf(err, errlen, "%s: dist=invsquare needs min >= 1", a->gen->name);
        return -1;
    }
    return 0;
}

static uint64_t draw_invsquare(uint64_t min, uint64_t max, struct pb_rng *r)
{
    /* Density proportional to 1/s^2 on [min, max + 1), inverted and floored:
     * each integer k gets about the weight 1/k^2. */
    double lo = 1.0 / (double)min, hi = 1.0 / ((double)max + 1.0);
    double s = 1.0 / (lo - pb_rng_unit(r) * (lo - hi));
    uint64_t k = (uint64_t)s;
    if (k < min)
        k = min;
    return k > max ? max : k;
}

uint64_t pb_size_draw(const struct pb_size_dist *d, struct pb_rng *r)
{
    switch (d->kind) {
    case PB_SIZES_UNIFORM:
        return d->min + pb_rng_below(r, d->max - d->min + 1);
    case PB_SIZES_INVSQUARE:
        return draw_invsquare(d->min, d->max, r);
    case PB_SIZES_LIST:
        break;
    }
    uint64_t x = pb_rng_below(r, d->cum[d->n - 1]);
    size_t i = 0;
    while (d->cum[i] <= x)
        i++;
    return d->size[i];
}

uint64_t pb_size_dist_max(const struct pb_size_dist *d)
{
    if (d->kind != PB_SIZES_LIST)
        return d->max;
    uint64_t max = 0;
    for (size_t i = 0; i < d->n; i++)
        if (d->size[i] > max)
            max = d->size[i];
    return max;
}

/* ---- estimates ----------------------------------------------------------- */

uint64_t pb_sat_add(uint64_t a, uint64_t b)
{
    uint64_t r;
    return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

uint64_t pb_sat_mul(uint64_t a, uint64_t b)
{
    uint64_t r;
    return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

/* ---- the context --------------------------------------------------------- */

int pb_gen_ctx_init(struct pb_gen_ctx *g, const struct pb_gen_args *a, struct pb_builder *b,
                    size_t cap_hint, char *err, size_t errlen)
{
    memset(g, 0, sizeof *g);
    g->b = b;
    g->err = err;
    g->errlen = errlen;
    pb_rng_seed(&g->rng, pb_gen_uint(a, "seed"));
    if (pb_gen_live_init(&g->live, cap_hint) != 0) {
        snprintf(err, errlen, "%s: out of memory", a->gen->name);
        return -1;
    }
    return 0;
}

void pb_gen_ctx_free(struct pb_gen_ctx *g)
{
    pb_gen_live_free(&g->live);
    free(g->ids.spare);
    g->ids.spare = NULL;
}

static int out_of_memory(struct pb_gen_ctx *g)
{
    snprintf(g->err, g->errlen, "out of memory while generating");
    return -1;
}

int pb_gen_alloc(struct pb_gen_ctx *g, struct pb_gen_live *into, uint64_t size,
                 unsigned align_log2, const char *tag)
{
    uint64_t id = ids_new(&g->ids);
    if (pb_builder_alloc(g->b, id, size, align_log2, tag, tag ? strlen(tag) : 0, 0, g->err,
                         g->errlen) != 0)
        return -1;
    return pb_gen_live_push(into, id) == 0 ? 0 : out_of_memory(g);
}

int pb_gen_free(struct pb_gen_ctx *g, uint64_t id)
{
    if (pb_builder_free(g->b, id, 0, g->err, g->errlen) != 0)
        return -1;
    return ids_release(&g->ids, id) == 0 ? 0 : out_of_memory(g);
}

int pb_gen_realloc(struct pb_gen_ctx *g, uint64_t id, uint64_t size)
{
    return pb_builder_realloc(g->b, id, size, 0, g->err, g->errlen);
}

int pb_gen_reset(struct pb_gen_ctx *g)
{
    if (pb_builder_reset(g->b, 0, g->err, g->errlen) != 0)
        return -1;
    g->live.n = 0;
    g->live.head = 0;
    g->ids.n = 0;
    g->ids.next = 0;
    return 0;
}

uint64_t pb_gen_live_pick(struct pb_gen_ctx *g, struct pb_gen_live *l, enum pb_free_order order)
{
    switch (order) {
    case PB_FREE_FIFO:
        return pb_gen_live_pop_oldest(l);
    case PB_FREE_LIFO:
        return pb_gen_live_pop_newest(l);
    case PB_FREE_RANDOM:
        break;
    }
    return pb_gen_live_take(l, (size_t)pb_rng_below(&g->rng, l->n));
}

int pb_gen_free_all(struct pb_gen_ctx *g, struct pb_gen_live *l, enum pb_free_order order)
{
    while (l->n > 0)
        if (pb_gen_free(g, pb_gen_live_pick(g, l, order)) != 0)
            return -1;
    return 0;
}

unsigned pb_log2_u64(uint64_t v)
{
    unsigned k = 0;
    while (v > 1) {
        v >>= 1;
        k++;
    }
    return k;
}
