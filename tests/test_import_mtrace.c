/* test_import_mtrace.c -- glibc mtrace() logs to v1 trace events (pb_import_mtrace). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem_test.h"
#include "pb_import.h"

/* Run the importer on text; the events it wrote in out (caller frees). */
static int convert(const char *text, char **out, struct pb_import_stats *st, struct pb_diag *d)
{
    FILE *in = fmemopen((void *)text, strlen(text), "r");
    assert_non_null(in);
    struct mt_buf b;
    memset(d, 0, sizeof *d);
    int rc = pb_import_mtrace(in, "log", mt_open(&b), st, d);
    fclose(in);
    *out = mt_close(&b);
    return rc;
}

/* The events the importer wrote for text, which it must accept (caller frees). */
static char *imported(const char *text, struct pb_import_stats *st)
{
    char *out = NULL;
    struct pb_diag d;
    assert_int_equal(convert(text, &out, st, &d), 0);
    return out;
}

/* The importer must refuse text; d says why. */
static void rejected(const char *text, struct pb_diag *d)
{
    char *out = NULL;
    struct pb_import_stats st;
    assert_int_equal(convert(text, &out, &st, d), -1);
    free(out);
}

static void import_malloc_free_realloc(void **state)
{
    (void)state;
    const char *log = "= Start\n"
                      "@ ./a.out:[0x11b0] + 0x1000 0x14\n"
                      "@ ./a.out:(main+0x10)[0x55550000] < 0x1000\n"
                      "@ ./a.out:(main+0x10)[0x55550000] > 0x2000 0x28\n"
                      "@ [0x7f0000001234] - 0x2000\n"
                      "= End\n";
    struct pb_import_stats st;
    char *out = imported(log, &st);
    assert_string_equal(out, "a 1 20\nr 1 40\nf 1\n");
    assert_int_equal(st.allocs, 1);
    assert_int_equal(st.reallocs, 1);
    assert_int_equal(st.frees, 1);
    assert_int_equal(st.live_at_end, 0);
    free(out);
}

static void import_drops_unknown_and_failed(void **state)
{
    (void)state;
    const char *log = "@ ./a.out:[0x1] - 0x9000\n"    /* never allocated: dropped */
                      "@ ./a.out:[0x2] + (nil) 0x100\n" /* failed malloc */
                      "@ ./a.out:[0x3] + 0x1000 0\n"    /* malloc(0) */
                      "@ ./a.out:[0x4] ! 0x1000 0x10\n" /* failed realloc */
                      "@ ./a.out:[0x5] < 0x8000\n"      /* realloc of an unknown block */
                      "@ ./a.out:[0x5] > 0x3000 0x10\n"
                      "+ 0x1000 0x8\n";                 /* reused while live, no caller */
    struct pb_import_stats st;
    char *out = imported(log, &st);
    assert_string_equal(out, "a 1 0\na 2 16\nf 1\na 3 8\n");
    assert_int_equal(st.dropped_frees, 1);
    assert_int_equal(st.failed, 2);
    assert_int_equal(st.unknown_reallocs, 1);
    assert_int_equal(st.implicit_frees, 1);
    assert_int_equal(st.live_at_end, 2);
    free(out);
}

/* A null address after '<' or '>' (not in glibc's logs, but in damaged ones) is no block:
 * address 0 also marks the importer's empty map slots, and taking it once made the map
 * count wrap and double until memory ran out, and revived stale ids (found by fuzzing). */
static void import_null_realloc_addresses(void **state)
{
    (void)state;
    const char *log = "+ 0x1000 0x10\n"
                      "- 0x1000\n"      /* leaves a stale id behind in the map */
                      "+ 0x2000 0x20\n"
                      "< (nil)\n"       /* realloc of nothing: an allocation */
                      "> 0x3000 0x30\n"
                      "< 0x0\n"
                      "> 0x4000 0x40\n"
                      "< 0x2000\n"      /* a realloc that gave nothing: it failed */
                      "> (nil) 0x50\n"
                      "+ 0x5000 0x60\n";
    struct pb_import_stats st;
    char *out = imported(log, &st);
    assert_string_equal(out, "a 1 16\nf 1\na 2 32\na 3 48\na 4 64\na 5 96\n");
    assert_int_equal(st.unknown_reallocs, 2);
    assert_int_equal(st.failed, 1);
    assert_int_equal(st.live_at_end, 4);
    free(out);
}

static void import_reports_every_bad_line(void **state)
{
    (void)state;
    const char *log = "@ ./a.out:[0x1] + 0x1000 0x14\n"
                      "@ ./a.out:[0x1] ? 0x1000\n"
                      "@ ./a.out:[0x1] - 0x1000 0x14\n"
                      "@ ./a.out:[0x1] + 0xzz 0x14\n"
                      "@ ./a.out:[0x1] > 0x1000 0x14\n"
                      "@ ./a.out:[0x1] < 0x1000\n";
    struct pb_diag d;
    rejected(log, &d);
    assert_int_equal(d.count, 5);
    assert_string_equal(d.msg[0], "log:2: unknown mtrace event '?'");
    assert_string_equal(d.msg[1], "log:3: extra field after '-' event");
    assert_string_equal(d.msg[2], "log:4: bad address '0xzz'");
    assert_string_equal(d.msg[3], "log:5: realloc '>' line without a '<' line before it");
    assert_string_equal(d.msg[4], "log:6: realloc '<' line not followed by its '>' line");
}

static void import_keeps_reading_after_twenty_problems(void **state)
{
    (void)state;
    char log[4096] = "";
    for (int i = 0; i < 30; i++)
        strcat(log, "@ [0x1] * 0x1\n");
    struct pb_diag d;
    rejected(log, &d);
    assert_int_equal(d.count, PB_DIAG_MAX);
    assert_int_equal(d.total, 30);
    assert_string_equal(d.msg[19], "log:20: unknown mtrace event '*'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(import_malloc_free_realloc),
        cmocka_unit_test(import_drops_unknown_and_failed),
        cmocka_unit_test(import_null_realloc_addresses),
        cmocka_unit_test(import_reports_every_bad_line),
        cmocka_unit_test(import_keeps_reading_after_twenty_problems),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
