/*
 * orders.c -- a small program for the worked example in docs/advise.md: an
 * order book with one fixed-size hot structure (struct order, 48 bytes,
 * allocated and freed in churn), per-batch message buffers that all die at
 * the end of their batch, and a few long-lived strings. It uses plain
 * malloc/free, so `poolbench record --sites` sees each of the three call
 * sites, and prints one checksum line so `poolbench bench --check-output`
 * can compare allocators.
 *
 * Usage: orders [BATCHES]   (default 2000)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct order {
    struct order *next;
    uint64_t id;
    uint64_t price;
    uint64_t qty;
    uint64_t owner;
    uint64_t flags;
};

#define BOOK_SLOTS 128

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* The hot site: one 48-byte order per call. */
__attribute__((noinline)) static struct order *order_new(uint64_t id, uint64_t r)
{
    struct order *o = malloc(sizeof *o);
    if (!o)
        exit(1);
    o->next = NULL;
    o->id = id;
    o->price = r % 10000;
    o->qty = (r >> 16) % 100 + 1;
    o->owner = r >> 40;
    o->flags = 0;
    return o;
}

/* A batch's message buffer: sizes vary, all are freed when the batch ends. */
__attribute__((noinline)) static char *batch_buf(size_t n, uint64_t r)
{
    char *b = malloc(n);
    if (!b)
        exit(1);
    memset(b, (int)(r & 0x7f), n);
    return b;
}

/* Long-lived: a copy of a name, kept to the end. */
__attribute__((noinline)) static char *config_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *c = malloc(n);
    if (!c)
        exit(1);
    memcpy(c, s, n);
    return c;
}

/* Fill an empty slot or, half the time, fill or cancel a taken one: about
 * half of BOOK_SLOTS orders are live, each for a few hundred calls. */
static uint64_t churn_orders(struct order **book, uint64_t *seed, uint64_t *next_id)
{
    uint64_t sum = 0;
    for (int i = 0; i < 200; i++) {
        uint64_t r = rng_next(seed);
        struct order **slot = &book[r % BOOK_SLOTS];
        if (*slot && (r >> 32) % 2 == 0) {
            struct order *o = *slot;
            *slot = o->next;
            sum += o->price * o->qty;
            free(o);
        } else if (!*slot) {
            *slot = order_new((*next_id)++, r);
        }
    }
    return sum;
}

static uint64_t run_batch(uint64_t *seed)
{
    char *bufs[64];
    uint64_t sum = 0;
    for (int i = 0; i < 64; i++) {
        uint64_t r = rng_next(seed);
        size_t n = 64 + (size_t)(r % 1984);
        bufs[i] = batch_buf(n, r);
        sum += (unsigned char)bufs[i][n - 1];
    }
    for (int i = 0; i < 64; i++)
        free(bufs[i]);
    return sum;
}

int main(int argc, char **argv)
{
    long batches = argc > 1 ? strtol(argv[1], NULL, 10) : 2000;
    static struct order *book[BOOK_SLOTS];
    char *names[8];
    uint64_t seed = 88172645463325252ull, next_id = 1, sum = 0;
    for (int i = 0; i < 8; i++) {
        char tmp[32];
        snprintf(tmp, sizeof tmp, "venue-%d", i);
        names[i] = config_string(tmp);
    }
    for (long b = 0; b < batches; b++) {
        sum += churn_orders(book, &seed, &next_id);
        sum += run_batch(&seed);
    }
    for (int i = 0; i < BOOK_SLOTS; i++)
        while (book[i]) {
            struct order *o = book[i];
            book[i] = o->next;
            free(o);
        }
    for (int i = 0; i < 8; i++) {
        sum += (unsigned char)names[i][0];
        free(names[i]);
    }
    printf("orders %llu checksum %llu\n", (unsigned long long)next_id - 1, (unsigned long long)sum);
    return 0;
}
