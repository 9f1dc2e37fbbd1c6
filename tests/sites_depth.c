/* sites_depth.c -- a program that allocates through a wrapper, for
 * record --sites=depth=N (tests/record_depth.sh): xmalloc is the immediate
 * caller of every malloc; make_small and make_large call it, 30 and 20
 * times, with blocks of 24 and 200 bytes; then everything is freed. */
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) static void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (!p) {
        fputs("out of memory\n", stderr);
        exit(1);
    }
    return p;
}

__attribute__((noinline)) static void *make_small(void)
{
    void *p = xmalloc(24);
    __asm__ volatile("" ::: "memory"); /* not a tail call */
    return p;
}

__attribute__((noinline)) static void *make_large(void)
{
    void *p = xmalloc(200);
    __asm__ volatile("" ::: "memory");
    return p;
}

int main(void)
{
    void *v[50];
    for (int i = 0; i < 30; i++)
        v[i] = make_small();
    for (int i = 30; i < 50; i++)
        v[i] = make_large();
    for (int i = 0; i < 50; i++)
        free(v[i]);
    puts("sites_depth done");
    return 0;
}
