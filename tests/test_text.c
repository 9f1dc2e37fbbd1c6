/* test_text.c -- pb_text: the shown form of names from input on a terminal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pb_text.h"

/* pb_text_safe of s, in a buffer of len bytes, compared with want. */
static void expect_safe(const char *s, size_t len, const char *want)
{
    char out[256];
    assert_true(len <= sizeof out);
    memset(out, 'X', sizeof out);
    assert_ptr_equal(pb_text_safe(s, out, len), out);
    assert_string_equal(out, want);
}

static void test_printable_kept(void **state)
{
    (void)state;
    expect_safe("", 64, "");
    expect_safe("churn:size=48 `x` $(y) 'q' \"d\" \\", 64, "churn:size=48 `x` $(y) 'q' \"d\" \\");
    expect_safe("caf\xc3\xa9 \xce\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80", 64,
                "caf\xc3\xa9 \xce\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80");
    expect_safe("\xc2\xa0\xef\xbf\xbd", 64, "\xc2\xa0\xef\xbf\xbd"); /* NBSP, U+FFFD */
}

static void test_controls_escaped(void **state)
{
    (void)state;
    expect_safe("a\x1b[31mb", 64, "a\\x1b[31mb");
    expect_safe("x\ny\rz\tw\x7f\x01", 64, "x\\x0ay\\x0dz\\x09w\\x7f\\x01");
    expect_safe("\xc2\x9b" "1m", 64, "\\xc2\\x9b1m");          /* C1 CSI, as UTF-8 */
    expect_safe("\xe2\x80\xae" "cba", 64, "\\xe2\\x80\\xaecba"); /* right-to-left override */
    expect_safe("\xe2\x80\xa8\xe2\x81\xa6\xe2\x80\x8f\xd8\x9c", 64,
                "\\xe2\\x80\\xa8\\xe2\\x81\\xa6\\xe2\\x80\\x8f\\xd8\\x9c");
}

static void test_invalid_utf8_escaped(void **state)
{
    (void)state;
    expect_safe("\xff", 64, "\\xff");
    expect_safe("\x9b", 64, "\\x9b");                   /* 8-bit CSI: a lone continuation */
    expect_safe("a\xe2\x82", 64, "a\\xe2\\x82");        /* cut short at the end */
    expect_safe("\xe2\x82z", 64, "\\xe2\\x82z");        /* cut short by an ASCII byte */
    expect_safe("\xc0\xaf", 64, "\\xc0\\xaf");          /* overlong '/' */
    expect_safe("\xe0\x80\xaf", 64, "\\xe0\\x80\\xaf"); /* overlong, three bytes */
    expect_safe("\xed\xa0\x80", 64, "\\xed\\xa0\\x80"); /* a surrogate */
    expect_safe("\xf4\x90\x80\x80", 64, "\\xf4\\x90\\x80\\x80"); /* above U+10FFFF */
}

static void test_cut_at_a_character(void **state)
{
    (void)state;
    expect_safe("abc", 3, "ab");
    expect_safe("ab\x1b", 6, "ab");      /* the escape needs 4 bytes and the NUL */
    expect_safe("ab\x1b", 7, "ab\\x1b");
    expect_safe("a\xc3\xa9", 3, "a");    /* never half of a character */
    expect_safe("a\xc3\xa9", 4, "a\xc3\xa9");
    expect_safe("abc", 1, "");
    char out[1] = {'X'};
    pb_text_safe("abc", out, 0); /* no room at all: nothing written */
    assert_int_equal(out[0], 'X');
}

static void test_char_lengths(void **state)
{
    (void)state;
    int ok;
    assert_int_equal(pb_text_char("\xf0\x9f\x98\x80", 4, &ok), 4);
    assert_true(ok);
    assert_int_equal(pb_text_char("\xf0\x9f\x98\x80", 3, &ok), 1); /* only 3 bytes there */
    assert_false(ok);
    assert_int_equal(pb_text_char("\xc3", 2, &ok), 1); /* the NUL after it ends it */
    assert_false(ok);
}

/* What f received, as a string (the caller frees it). */
static char *written(void (*write)(FILE *), size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    assert_non_null(f);
    write(f);
    fclose(f);
    return buf;
}

static void put_kept(FILE *f) { pb_text_put(f, "a\x1b\nb\r\n", 1); }
static void put_all(FILE *f) { pb_text_put(f, "a\x1b\nb\r\n", 0); }
static void line_with_newline(FILE *f) { pb_text_line(f, "run: %s: %d", "x\ny\x1b", 7); }

static void line_long(FILE *f)
{
    char big[3000];
    memset(big, 'a', sizeof big - 2);
    big[sizeof big - 2] = '\x1b';
    big[sizeof big - 1] = '\0';
    pb_text_line(f, "%s!", big);
}

static void json_hidden(FILE *f)
{
    pb_text_json(f, "{\n\t\"a\":\t\"x\\u001b\x7f\xc2\x9b\xd8\x9c\xe2\x80\xae\xc3\xa9\xff\"\n}");
}

static void test_json(void **state)
{
    (void)state;
    size_t len;
    char *s = written(json_hidden, &len); /* the layout and printable UTF-8 kept */
    assert_string_equal(s, "{\n\t\"a\":\t\"x\\u001b\\u007f\\u009b\\u061c\\u202e\xc3\xa9\xff\"\n}");
    free(s);
}

static void test_put_and_line(void **state)
{
    (void)state;
    size_t len;
    char *s = written(put_kept, &len);
    assert_string_equal(s, "a\\x1b\nb\\x0d\n");
    free(s);
    s = written(put_all, &len);
    assert_string_equal(s, "a\\x1b\\x0ab\\x0d\\x0a");
    free(s);
    s = written(line_with_newline, &len);
    assert_string_equal(s, "run: x\\x0ay\\x1b: 7\n"); /* one line, whatever the name holds */
    free(s);
    s = written(line_long, &len); /* longer than the line buffer: not cut */
    assert_int_equal(len, 2998 + 4 + 2);
    assert_string_equal(s + 2998, "\\x1b!\n");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_printable_kept),
        cmocka_unit_test(test_controls_escaped),
        cmocka_unit_test(test_invalid_utf8_escaped),
        cmocka_unit_test(test_cut_at_a_character),
        cmocka_unit_test(test_char_lengths),
        cmocka_unit_test(test_put_and_line),
        cmocka_unit_test(test_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
