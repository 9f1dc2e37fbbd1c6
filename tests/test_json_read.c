/* test_json_read.c -- the untrusted-JSON reader: what cJSON accepts and it
 * refuses (duplicate keys at any level, text after the value, nesting past the
 * limit), and the line and column each message gives. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pb_json_read.h"

/* Expect text to be refused at line:column with a message containing want. */
static void refused(const char *text, size_t line, size_t column, const char *want)
{
    struct pb_json_error e;
    cJSON *j = pb_json_parse(text, strlen(text), &e);
    if (j)
        fail_msg("'%s' was accepted", text);
    if (!strstr(e.message, want) || e.line != line || e.column != column)
        fail_msg("'%s': got %zu:%zu: %s; want %zu:%zu: ...%s...", text, e.line, e.column,
                 e.message, line, column, want);
}

static cJSON *accepted(const char *text)
{
    struct pb_json_error e;
    cJSON *j = pb_json_parse(text, strlen(text), &e);
    if (!j)
        fail_msg("'%s' refused: %zu:%zu: %s", text, e.line, e.column, e.message);
    return j;
}

static void valid_documents_parse(void **state)
{
    (void)state;
    cJSON *j = accepted("{\"a\": [1, {\"a\": 2}, {\"a\": 3}], \"b\": {\"a\": 4}}\n\n");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(j, "b")->child->valueint, 4);
    cJSON_Delete(j);
    /* the same key in different objects, keys differing in case, keys with quotes */
    cJSON_Delete(accepted("[{\"k\": 1}, {\"k\": 2}, {\"K\": {\"k\": 3}}]"));
    cJSON_Delete(accepted("{\"a\\\"\": 1, \"a\": 2, \"a\\\\\": 3}"));
    cJSON_Delete(accepted("  7  "));
    /* not NUL-terminated: only len bytes are read */
    struct pb_json_error e;
    j = pb_json_parse("[1, 2]garbage", 6, &e);
    assert_non_null(j);
    assert_int_equal(cJSON_GetArraySize(j), 2);
    cJSON_Delete(j);
}

static void syntax_errors_give_line_and_column(void **state)
{
    (void)state;
    refused("", 1, 1, "invalid JSON");
    refused("{\"generator\": \"churn\",\n \"params\": {\"size\": 64,}}\n", 2, 25, "invalid JSON");
    refused("[1,\n2,\n\n  x]", 4, 3, "invalid JSON");
    refused("{} {}", 1, 4, "text after the JSON value");
    refused("[1]\n\n]", 3, 1, "text after the JSON value");
}

static void duplicate_keys_are_refused_at_every_level(void **state)
{
    (void)state;
    refused("{\"a\": 1,\n \"a\": 2}", 2, 2, "duplicate key \"a\" (first at line 1)");
    refused("{\"x\": {\"b\": 1, \"c\": 2,\n\n \"b\": 3}}", 3, 2, "duplicate key \"b\" (first at line 1)");
    refused("[{\"k\": 1}, {\"j\": 0,\n \"k\": 1, \"k\": 2}]", 2, 10, "duplicate key \"k\" (first at line 2)");
    /* the first one in the text is the one reported: here the nested one */
    refused("{\"a\": {\"n\": 1, \"n\": 2},\n \"a\": 3}", 1, 16, "duplicate key \"n\"");
    /* a key that holds ':' and escaped quotes, and a string value that looks like a key */
    refused("{\"v\": \"q\\\": \", \"a:\\\"b\": 1,\n\"a:\\\"b\": 2}", 2, 1, "duplicate key \"a:\"b\" (first at line 1)");
}

/* An object of 5000 keys k0..k4999, one a line, then tail (the sorted path beyond 32 keys). */
static char *many_keys(const char *tail)
{
    size_t n = 5000;
    char *text = malloc(n * 16 + strlen(tail) + 2);
    assert_non_null(text);
    size_t len = (size_t)sprintf(text, "{");
    for (size_t i = 0; i < n; i++)
        len += (size_t)sprintf(text + len, "\"k%zu\": %zu,\n", i, i);
    strcpy(text + len, tail);
    return text;
}

static void large_objects_are_checked_too(void **state)
{
    (void)state;
    char *text = many_keys("\"last\": 0}");
    cJSON_Delete(accepted(text));
    free(text);
    /* three second uses: the earliest in the text (k7, line 5001) is reported */
    text = many_keys("\"k7\": 2, \"k4321\": 1,\n\"k0\": 3}");
    refused(text, 5001, 1, "duplicate key \"k7\" (first at line 8)");
    free(text);
}

/* depth levels of [ ... ] around 1. */
static char *nested(size_t depth, const char *before)
{
    size_t pre = strlen(before);
    char *t = malloc(pre + 2 * depth + 2);
    assert_non_null(t);
    memcpy(t, before, pre);
    memset(t + pre, '[', depth);
    t[pre + depth] = '1';
    memset(t + pre + depth + 1, ']', depth);
    t[pre + 2 * depth + 1] = '\0';
    return t;
}

static void nesting_is_limited_with_a_message(void **state)
{
    (void)state;
    char *t = nested(PB_JSON_MAX_DEPTH, "");
    cJSON_Delete(accepted(t));
    free(t);
    t = nested(PB_JSON_MAX_DEPTH + 1, "\n\n  ");
    char want[64];
    snprintf(want, sizeof want, "nesting deeper than %d levels", PB_JSON_MAX_DEPTH);
    refused(t, 3, 3 + PB_JSON_MAX_DEPTH, want);
    free(t);
    /* brackets inside strings are text, not nesting */
    size_t n = 3000;
    t = malloc(n + 8);
    assert_non_null(t);
    t[0] = '"';
    memset(t + 1, '[', n);
    strcpy(t + 1 + n, "\\\"{\"");
    cJSON_Delete(accepted(t));
    free(t);
}

static void messages_are_made_printable(void **state)
{
    (void)state;
    refused("{\"\\u001b[2J\": 1, \"\\u001b[2J\": 2}", 1, 18, "duplicate key \"?[2J\"");
    char s[] = "a\033[2Jb\tc\x7f\xc3\xa9";
    pb_json_printable(s);
    assert_string_equal(s, "a?[2Jb?c???");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_documents_parse),
        cmocka_unit_test(syntax_errors_give_line_and_column),
        cmocka_unit_test(duplicate_keys_are_refused_at_every_level),
        cmocka_unit_test(large_objects_are_checked_too),
        cmocka_unit_test(nesting_is_limited_with_a_message),
        cmocka_unit_test(messages_are_made_printable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
