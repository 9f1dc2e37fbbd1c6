/*
 * fuzz_backends.c -- libFuzzer target driving the backends that own their
 * memory (not PB_BK_PROCESS_WIDE: those need their library preloaded) with a
 * sequence of calls read from the input, and running each backend's check
 * op (allocators/pb_backend.h) every few calls and at the end.
 *
 * Input: byte 0 picks the backend spec (a registered backend with its
 * defaults, or one of a few option sets); then 4 bytes per call: op, slot,
 * and two bytes of size. Calls: alloc (alloc_tagged for a tagged backend),
 * free, realloc, free_all, check. A block gets a pattern when made and is
 * verified when freed, resized or at the end.
 *
 * Findings (abort): check reports a broken invariant, a live block changed,
 * a block misaligned, free refusing a live block. Refusals are not findings:
 * a fixed-size pool refuses what does not fit.
 */
#include "backend_spec.h"
#include "pb_backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* Option sets beyond the defaults (as in tests/test_backend_contract.c). */
static const char *const variants[] = {
    "pool:checked=1:chunk=48:slab=4096", "pool:return=0:slab=16k",
    "pool-small:chunk=24:align=8:slab=4096:return=1", "pools:return=0:slab=16k",
    "pools:classes=8/24/64/200:slab=4096", "pool-per-tag:slab=4096", "arena:block=4096",
    "pool:chunk=48:fallback=malloc", "pool:chunk=48:slab=4096:fallback=pools",
    "hybrid:pool=1/2@64:arena=3:fallback=malloc", "hybrid:pool=4@16:arena=1/2:fallback=pools",
};

enum { SLOTS = 64 };

struct slot {
    unsigned char *p;
    size_t size;
    unsigned char seed;
};

struct run {
    const struct pb_backend_ops *ops;
    void *self;
    struct slot s[SLOTS];
    unsigned char next_seed;
};

static void fill(struct slot *b)
{
    for (size_t i = 0; i < b->size; i++)
        b->p[i] = (unsigned char)(b->seed + i * 0x9Du);
}

static void verify(const struct run *r, const struct slot *b)
{
    if (r->ops->flags & PB_BK_NO_MEMORY)
        return;
    for (size_t i = 0; i < b->size; i++)
        if (b->p[i] != (unsigned char)(b->seed + i * 0x9Du)) {
            fprintf(stderr, "%s: live block %p changed at byte %zu\n", r->ops->name,
                    (void *)b->p, i);
            abort();
        }
}

static void check(const struct run *r, const char *when)
{
    char msg[PB_ERR_MAX] = "";
    if (r->ops->check && r->ops->check(r->self, msg, sizeof msg)) {
        fprintf(stderr, "%s: check after %s: %s\n", r->ops->name, when, msg);
        abort();
    }
}

/* Sizes up to 64 KiB (an arena frees nothing before free_all), mostly small:
 * 12 bits scaled by up to 16. */
static size_t size_of(unsigned char a, unsigned char b)
{
    return ((size_t)a | (size_t)(b & 15) << 8) << (b >> 4) % 5;
}

static void do_alloc(struct run *r, struct slot *b, size_t size, size_t align, unsigned tag)
{
    void *p = (r->ops->flags & PB_BK_TAGGED) ? r->ops->alloc_tagged(r->self, size, align, tag)
                                             : r->ops->alloc(r->self, size, align);
    if (!p)
        return;
    if ((r->ops->flags & PB_BK_OWN_MAPPINGS) && (uintptr_t)p % align) {
        fprintf(stderr, "%s: %zu bytes aligned to %zu at %p\n", r->ops->name, size, align, p);
        abort();
    }
    *b = (struct slot){p, size, r->next_seed++};
    fill(b);
}

static void do_free(struct run *r, struct slot *b)
{
    verify(r, b);
    if (r->ops->free(r->self, b->p, b->size)) {
        fprintf(stderr, "%s: free of a live block refused: %s\n", r->ops->name,
                r->ops->last_error(r->self));
        abort();
    }
    b->p = NULL;
}

static void do_realloc(struct run *r, struct slot *b, size_t size, size_t align)
{
    verify(r, b);
    unsigned char *q = r->ops->realloc(r->self, b->p, b->size, size, align);
    if (!q)
        return; /* refused: the old block stays */
    size_t kept = b->size < size ? b->size : size;
    b->p = q;
    b->size = kept;
    verify(r, b); /* the first min(old, new) bytes came along */
    b->size = size;
    fill(b);
}

/* One call from 4 input bytes. */
static void step(struct run *r, const unsigned char *c, size_t i)
{
    struct slot *b = &r->s[c[1] % SLOTS];
    size_t size = size_of(c[2], c[3]), align = (size_t)1 << (c[0] >> 4 & 7);
    switch (c[0] % 8) {
    case 0: case 1: case 2:
        if (b->p)
            do_free(r, b);
        do_alloc(r, b, size, align, c[1] >> 6);
        break;
    case 3: case 4:
        if (b->p)
            do_free(r, b);
        break;
    case 5:
        if (b->p && r->ops->realloc)
            do_realloc(r, b, size, align);
        break;
    case 6:
        /* the instance's flag: with fallback=malloc it has no whole free_all */
        if (pb_backend_flags(r->ops, r->self) & PB_BK_FREE_ALL) {
            r->ops->free_all(r->self);
            memset(r->s, 0, sizeof r->s);
        }
        break;
    default:
        check(r, "a call");
    }
    if (i % 16 == 0)
        check(r, "16 calls");
}

/* The spec byte 0 names: a registered backend that owns its memory, or a variant. */
static int pick(unsigned char k, struct pb_backend_spec *spec)
{
    const char *names[64];
    size_t n = 0;
    char err[PB_ERR_MAX];
    for (size_t i = 0; pb_backends[i] && n < 64; i++)
        if (!(pb_backends[i]->flags & PB_BK_PROCESS_WIDE))
            names[n++] = pb_backends[i]->name;
    for (size_t i = 0; i < sizeof variants / sizeof variants[0] && n < 64; i++)
        names[n++] = variants[i];
    return pb_backend_spec_parse(names[k % n], spec, err, sizeof err);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static struct pb_backend_spec spec;
    if (size < 1 || pick(data[0], &spec))
        return 0;
    struct run r = {.ops = spec.ops};
    char err[PB_ERR_MAX];
    if (r.ops->create(spec.opts, spec.n_opts, &r.self, err, sizeof err))
        abort(); /* the defaults and the variants are valid */
    for (size_t i = 1; i + 4 <= size; i += 4)
        step(&r, data + i, i / 4);
    for (size_t k = 0; k < SLOTS; k++)
        if (r.s[k].p)
            verify(&r, &r.s[k]);
    check(&r, "the last call");
    for (size_t k = 0; k < SLOTS; k++)
        if (r.s[k].p)
            do_free(&r, &r.s[k]);
    check(&r, "freeing every block");
    r.ops->destroy(r.self);
    return 0;
}
