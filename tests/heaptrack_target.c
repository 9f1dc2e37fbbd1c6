/*
 * heaptrack_target.c -- a program whose heap calls are known, to be run under
 * heaptrack (tests/import_heaptrack.sh): make_node allocates 100 blocks of 48
 * bytes, one buffer is allocated and grown by realloc, then everything is freed.
 */
#include <stdlib.h>
#include <string.h>

struct node {
    struct node *next;
    char pad[40];
};

/* noinline: the site is make_node, not main */
__attribute__((noinline)) static struct node *make_node(struct node *next)
{
    struct node *n = malloc(sizeof *n);
    if (n) {
        memset(n, 0, sizeof *n);
        n->next = next;
    }
    return n;
}

__attribute__((noinline)) static char *grow_buffer(void)
{
    char *buf = malloc(1000);
    char *bigger = buf ? realloc(buf, 5000) : NULL;
    if (!bigger)
        free(buf);
    return bigger;
}

int main(void)
{
    struct node *head = NULL;
    for (int i = 0; i < 100; i++) {
        struct node *n = make_node(head);
        if (!n)
            return 1;
        head = n;
    }
    char *buf = grow_buffer();
    free(buf);
    while (head) {
        struct node *next = head->next;
        free(head);
        head = next;
    }
    return 0;
}
