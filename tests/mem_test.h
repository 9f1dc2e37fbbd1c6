/*
 * mem_test.h -- a stream into memory for the tests of writers (hand_workloads.h's
 * tw_text, test_csv.c, ...): open it, hand it to the writer, close it and
 * take the text. Include after cmocka.h.
 */
#ifndef PB_MEM_TEST_H
#define PB_MEM_TEST_H

#include <stdio.h>

struct mt_buf {
    char *text;
    size_t len;
    FILE *f;
};

/* A new stream into b (the test fails if there is none). */
static inline FILE *mt_open(struct mt_buf *b)
{
    b->text = NULL;
    b->len = 0;
    b->f = open_memstream(&b->text, &b->len);
    assert_non_null(b->f);
    return b->f;
}

/* Close b's stream: what was written to it, NUL-terminated (malloc'd). */
static inline char *mt_close(struct mt_buf *b)
{
    assert_int_equal(fclose(b->f), 0);
    return b->text;
}

#endif /* PB_MEM_TEST_H */
