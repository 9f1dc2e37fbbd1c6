/* test_suggest.c -- pb_suggest: edit distance and the "did you mean" name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "pb_suggest.h"

static void distances(void **state)
{
    (void)state;
    assert_int_equal(pb_edit_distance("", ""), 0);
    assert_int_equal(pb_edit_distance("pool", "pool"), 0);
    assert_int_equal(pb_edit_distance("", "pool"), 4);
    assert_int_equal(pb_edit_distance("pool", ""), 4);
    assert_int_equal(pb_edit_distance("mallco", "malloc"), 1); /* a swap */
    assert_int_equal(pb_edit_distance("chunks", "chunk"), 1);  /* a deletion */
    assert_int_equal(pb_edit_distance("slb", "slab"), 1);      /* an insertion */
    assert_int_equal(pb_edit_distance("pool", "poll"), 1);     /* a substitution */
    assert_int_equal(pb_edit_distance("POOL", "pool"), 0);     /* case does not count */
    assert_int_equal(pb_edit_distance("kitten", "sitting"), 3);
    assert_int_equal(pb_edit_distance("ca", "abc"), 3);        /* no edit of a swapped pair */
    char longer[PB_SUGGEST_MAX_LEN + 2];
    memset(longer, 'a', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    assert_int_equal(pb_edit_distance(longer, "a"), SIZE_MAX);
    longer[PB_SUGGEST_MAX_LEN] = '\0'; /* exactly the longest */
    assert_int_equal(pb_edit_distance(longer, ""), PB_SUGGEST_MAX_LEN);
}

/* The name suggested for word among names (NULL-terminated), or NULL. */
static const char *suggest(const char *word, const char *const *names, struct pb_suggest *s)
{
    pb_suggest_init(s, word);
    for (size_t i = 0; names[i]; i++)
        pb_suggest_offer(s, names[i]);
    return pb_suggest_best(s);
}

static void closest_name(void **state)
{
    (void)state;
    static const char *const backends[] = {"pool", "arena", "malloc", "null", "pool-small",
                                           "pools", "mimalloc", NULL};
    struct pb_suggest s;
    assert_string_equal(suggest("mallco", backends, &s), "malloc");
    assert_string_equal(suggest("pol", backends, &s), "pool");
    assert_string_equal(suggest("Arena", backends, &s), "arena");
    assert_string_equal(suggest("pool_small", backends, &s), "pool-small");
    assert_string_equal(suggest("mimaloc", backends, &s), "mimalloc");
    assert_null(suggest("jemalloc2000", backends, &s)); /* too far from all */
    assert_null(suggest("x", backends, &s));
    assert_null(suggest("", backends, &s));
    assert_string_equal(s.known, "pool, arena, malloc, null, pool-small, pools, mimalloc");
    static const char *const none[] = {NULL};
    assert_null(suggest("pool", none, &s));
    assert_string_equal(s.known, "");
    static const char *const ties[] = {"slab", "stab", NULL};
    assert_string_equal(suggest("sxab", ties, &s), "slab"); /* the first of equals */
}

static void hint_text(void **state)
{
    (void)state;
    static const char *const keys[] = {"chunk", "align", "slab", NULL};
    struct pb_suggest s;
    char hint[64];
    suggest("chunks", keys, &s);
    assert_string_equal(pb_suggest_hint(&s, hint, sizeof hint), " (did you mean 'chunk'?)");
    suggest("colour", keys, &s);
    assert_string_equal(pb_suggest_hint(&s, hint, sizeof hint), "");
}

/* A list longer than the room is cut with "...", once. */
static void long_lists_are_cut(void **state)
{
    (void)state;
    struct pb_suggest s;
    pb_suggest_init(&s, "x");
    for (int i = 0; i < 200; i++)
        pb_suggest_offer(&s, "name");
    size_t n = strlen(s.known);
    assert_true(n < sizeof s.known);
    assert_string_equal(s.known + n - 5, ", ...");
    assert_null(strstr(s.known, "......"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(distances),
        cmocka_unit_test(closest_name),
        cmocka_unit_test(hint_text),
        cmocka_unit_test(long_lists_are_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
