/* test_trace_text.c -- the v1 text parser: every rule and every error, with its line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "pb_sha256.h"
#include "hand_workloads.h"
#include "pb_workload.h"

static struct pb_diag diag;

static int parse_n(const char *text, size_t len, struct pb_workload *w)
{
    memset(&diag, 0, sizeof diag);
    memset(w, 0, sizeof *w);
    return pb_workload_parse_text("t.trace", text, len, w, &diag);
}

static int parse(const char *text, struct pb_workload *w)
{
    return parse_n(text, strlen(text), w);
}

/* text parses fine; returns its number of records. */
static size_t ok(const char *text)
{
    struct pb_workload w;
    int rc = parse(text, &w);
    if (rc)
        fail_msg("unexpected problem in %s: %s", text, diag.count ? diag.msg[0] : "?");
    size_t n = w.n_records;
    pb_workload_free(&w);
    return n;
}

/* text is rejected with exactly one problem, at `line`, whose message contains `what`. */
static void bad(const char *text, unsigned line, const char *what)
{
    struct pb_workload w;
    assert_int_equal(parse(text, &w), -1);
    char prefix[32];
    snprintf(prefix, sizeof prefix, "t.trace:%u: ", line);
    if (diag.count != 1 || strncmp(diag.msg[0], prefix, strlen(prefix)) != 0 ||
        !strstr(diag.msg[0], what))
        fail_msg("for %s expected one problem '%s...%s', got %d: '%s'", text, prefix, what,
                 diag.count, diag.count ? diag.msg[0] : "");
}

static void spec_example_parses(void **state)
{
    (void)state;
    const char *text = "poolbench-trace 1\n"
                       "# a small linked list, built and torn down\n"
                       "a 1 48 @Node\n"
                       "a 2 48 @Node\n"
                       "a 3 200\n"
                       "r 3 400\n"
                       "f 1\n"
                       "a 1 48 16 @Node\n"
                       "x\n";
    struct pb_workload w;
    assert_int_equal(parse(text, &w), 0);
    assert_int_equal(w.n_records, 7);
    assert_int_equal(w.fig.peak_live_bytes, 496);
    assert_int_equal(w.n_tags, 1);
    assert_string_equal(w.tags[0], "Node");
    assert_int_equal(w.events[5].tag, 1);
    assert_int_equal(w.events[5].align_log2, 4);
    for (size_t i = 0; i < 7; i++)
        assert_int_equal(pb_workload_line(&w, i), i + 3);
    pb_workload_free(&w);
}

static void unknown_event_letters(void **state)
{
    (void)state;
    bad("a 1 2\nq 1\n", 2, "unknown event 'q'");
    bad("a 1 2\nA 3 4\n", 2, "unknown event 'A'");
    bad("alloc 1 2\n", 1, "unknown event 'alloc'");
    bad("a1 2\n", 1, "unknown event 'a1'");
    bad("\n\n  @x 1\n", 3, "unknown event '@x'");
}

/* Control characters of a quoted field never reach the terminal as they are. */
static void control_characters_are_not_echoed(void **state)
{
    (void)state;
    bad("q\033[2J 1\n", 1, "unknown event 'q?[2J'");
    bad("a 1 8\r9\n", 1, "SIZE '8?9' is not a number");
    bad("a 1 8 @a\001\n", 1, "malformed tag: byte 0x01 is not one of");
    bad("f 1 \177\n", 1, "extra field '?'");
}

static void missing_fields(void **state)
{
    (void)state;
    bad("a\n", 1, "missing ID and SIZE");
    bad("# c\na 1\n", 2, "missing SIZE");
    bad("a 1 2\nf\n", 2, "missing ID");
    bad("a 1 2\nr 1\n", 2, "missing SIZE");
    bad("a 1 2\nr\n", 2, "missing ID and SIZE");
    bad("poolbench-trace\n", 1, "missing version");
}

static void extra_fields(void **state)
{
    (void)state;
    bad("a 1 2\nf 1 2\n", 2, "extra field '2'");
    bad("a 1 2\nr 1 2 3\n", 2, "extra field '3'");
    bad("x 1\n", 1, "extra field '1'");
    bad("a 1 2 16 @t more\n", 1, "extra field 'more'");
    bad("a 1 2 @t 16\n", 1, "extra field '16'");
    bad("a 1 2 16 17\n", 1, "extra field '17'");
    bad("poolbench-trace 1 x\n", 1, "extra field 'x'");
}

/* The spec has whole-line comments only: a '#' after a field is named as such. */
static void trailing_comments_are_named(void **state)
{
    (void)state;
    const char *msg = "trailing comment: comments must be whole lines starting with #";
    bad("a 1 2\n# fine\n  # fine too\na 2 8 # note\n", 4, msg);
    bad("a 1 8 #note\n", 1, msg);
    bad("a 1 8 16 #\n", 1, msg);
    bad("a 1 8 16 @T # c\n", 1, msg);
    bad("a 1 8\nf 1 # gone\n", 2, msg);
    bad("x # reset\n", 1, msg);
    bad("a # 1 8\n", 1, msg);
    bad("poolbench-trace 1 # v1\n", 1, msg);
    bad("a 1 8# note\n", 1, "SIZE '8#' is not a number (comments must be whole lines "
                           "starting with #)");
    bad("a 1 8 16#\n", 1, "ALIGN '16#' is not a number (comments must be whole lines");
}

static void fields_that_are_not_numbers(void **state)
{
    (void)state;
    bad("a abc 1\n", 1, "ID 'abc' is not a number");
    bad("a 1 12k\n", 1, "SIZE '12k' is not a number");
    bad("a 1 1\nr 1 x\n", 2, "SIZE 'x' is not a number");
    bad("f 0x\n", 1, "ID '0x' is not a number");
    bad("f 0xg\n", 1, "ID '0xg' is not a number");
    bad("a 1 2 sixteen\n", 1, "ALIGN 'sixteen' is not a number");
    bad("a 1 2 0x10\n", 1, "ALIGN '0x10' is not a number");
}

static void signs_and_separators_are_refused(void **state)
{
    (void)state;
    bad("a 1 +5\n", 1, "SIZE '+5' is not a number (numbers are unsigned, with no sign)");
    bad("a 1 -5\n", 1, "SIZE '-5' is not a number (numbers are unsigned, with no sign)");
    bad("a +1 5\n", 1, "ID '+1' is not a number");
    bad("a 1 1,000\n", 1, "SIZE '1,000' is not a number (no thousands separators)");
    bad("a 1 1_000\n", 1, "no thousands separators");
    bad("a 1 2 +16\n", 1, "ALIGN '+16' is not a number");
}

static void hex_is_accepted_for_ids_and_sizes(void **state)
{
    (void)state;
    struct pb_workload w;
    assert_int_equal(parse("a 0x10 0x20\nr 16 0XfF\na 0x0 0\nf 0x00010\n", &w), 0);
    assert_int_equal(w.ids[0], 16);
    assert_int_equal(w.events[0].size, 32);
    assert_int_equal(w.events[1].size, 255);
    assert_int_equal(w.ids[2], 0);
    assert_int_equal(w.events[3].op, PB_OP_FREE);
    assert_int_equal(w.events[3].size, 255);
    pb_workload_free(&w);
    assert_int_equal(ok("a 007 0010\nf 7\n"), 2); /* leading zeros are still decimal */
}

static void id_range_bounds(void **state)
{
    (void)state;
    assert_int_equal(ok("a 0 1\na 9223372036854775807 1\nf 9223372036854775807\n"), 3);
    assert_int_equal(ok("a 0x7fffffffffffffff 1\n"), 1);
    bad("a 9223372036854775808 1\n", 1, "ID 9223372036854775808 is out of range");
    bad("a 0x8000000000000000 1\n", 1, "ID 0x8000000000000000 is out of range");
    bad("f 18446744073709551616\n", 1, "out of range");
    bad("a 1 1\nf 99999999999999999999999\n", 2, "out of range");
    bad("a 1 1\nr 9223372036854775808 1\n", 2, "out of range");
}

static void size_range_bounds(void **state)
{
    (void)state;
    assert_int_equal(ok("a 1 1099511627776\na 2 0\nr 2 1099511627776\n"), 3);
    assert_int_equal(ok("a 1 0x10000000000\n"), 1);
    bad("a 1 1099511627777\n", 1, "SIZE 1099511627777 is out of range");
    bad("a 1 0x10000000001\n", 1, "out of range");
    bad("a 1 1\nr 1 1099511627777\n", 2, "SIZE 1099511627777 is out of range");
}

static void align_bounds(void **state)
{
    (void)state;
    struct pb_workload w;
    assert_int_equal(parse("a 1 8 1\na 2 8 4096\na 3 8 2\na 4 8\n", &w), 0);
    assert_int_equal(w.events[0].align_log2, 0);
    assert_int_equal(w.events[1].align_log2, 12);
    assert_int_equal(w.events[2].align_log2, 1);
    assert_int_equal(w.events[3].align_log2, PB_DEFAULT_ALIGN_LOG2);
    pb_workload_free(&w);
    bad("a 1 8 8192\n", 1, "ALIGN 8192 is out of range");
    bad("# x\na 1 8 3\n", 2, "ALIGN 3 is not a power of two");
    bad("a 1 8 0\n", 1, "ALIGN 0 is out of range");
    bad("a 1 8 4097\n", 1, "ALIGN 4097 is not a power of two");
    bad("a 1 8 99999999999999999999999\n", 1, "out of range");
}

static void already_live_names_the_allocating_line(void **state)
{
    (void)state;
    bad("a 7 1\na 8 1\na 7 2\n", 3, "id 7 is already live (allocated at line 1)");
    bad("\n# c\na 7 1\nf 7\na 7 1\n\na 7 3\n", 7, "id 7 is already live (allocated at line 5)");
    /* after x every id is free again */
    assert_int_equal(ok("a 7 1\nx\na 7 1\n"), 3);
}

static void free_or_resize_of_a_dead_id(void **state)
{
    (void)state;
    bad("a 1 1\nf 2\n", 2, "f on id 2, which is not live");
    bad("a 1 1\nr 2 5\n", 2, "r on id 2, which is not live");
    bad("a 1 1\nf 1\nf 1\n", 3, "f on id 1, which is not live");
    bad("a 1 1\nf 1\nr 1 4\n", 3, "r on id 1, which is not live");
    bad("a 1 1\nx\nf 1\n", 3, "f on id 1, which is not live");
}

static void malformed_tags(void **state)
{
    (void)state;
    char line[200];
    char tag64[65];
    memset(tag64, 'T', 64);
    tag64[64] = '\0';
    snprintf(line, sizeof line, "a 1 1 @%s\n", tag64);
    assert_int_equal(ok(line), 1);
    snprintf(line, sizeof line, "a 1 1 16 @%sU\n", tag64);
    bad(line, 1, "malformed tag");
    bad("a 1 1 @\n", 1, "malformed tag '@'");
    bad("a 1 1 16 @\n", 1, "malformed tag");
    bad("a 1 1 @a/b\n", 1, "malformed tag '@a/b'");
    bad("a 1 1 @a@b\n", 1, "malformed tag");
    bad("a 1 1 16 Node\n", 1, "extra field 'Node'");
    bad("a 1 1 @std::map<int,x>\n", 1, "character ','");
}

static void tag_charset(void **state)
{
    (void)state;
    assert_int_equal(ok("a 1 1 @A-z_0.9:<T>\n"), 1);
}

static void header_rules(void **state)
{
    (void)state;
    assert_int_equal(ok("poolbench-trace 1\na 1 1\n"), 1);
    assert_int_equal(ok("# comment\n\n   \npoolbench-trace 1\na 1 1\n"), 1);
    assert_int_equal(ok("poolbench-trace 1\n"), 0);
    assert_int_equal(ok(""), 0);
    assert_int_equal(ok("a 1 1\n"), 1); /* the header is optional */
    bad("poolbench-trace 2\na 1 1\n", 1, "unsupported trace version 2");
    bad("# c\npoolbench-trace 0\n", 2, "unsupported trace version 0");
    bad("poolbench-trace 10\n", 1, "unsupported trace version 10");
    bad("poolbench-trace v1\n", 1, "unsupported trace version v1");
    bad("a 1 1\npoolbench-trace 1\n", 2, "unknown event 'poolbench-trace'");
    bad("poolbench-trace 1\npoolbench-trace 1\n", 2, "unknown event 'poolbench-trace'");
}

static void lexical_forms(void **state)
{
    (void)state;
    /* CRLF, tabs, several blanks, leading and trailing blanks, comments, blank lines,
     * a last line without newline */
    const char *text = "poolbench-trace 1\r\n"
                       "\r\n"
                       "  # indented comment\r\n"
                       "a\t1  48\t\t@Node \r\n"
                       "\t \n"
                       " a 2 0x30   16\n"
                       "#\n"
                       "r 2 100\t\r\n"
                       "f 1\n"
                       "x";
    struct pb_workload w;
    assert_int_equal(parse(text, &w), 0);
    assert_int_equal(w.n_records, 5);
    assert_int_equal(w.events[1].size, 48);
    assert_int_equal(w.events[2].size, 100);
    assert_int_equal(w.events[4].op, PB_OP_RESET);
    const uint64_t lines[] = {4, 6, 8, 9, 10};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(pb_workload_line(&w, i), lines[i]);
    pb_workload_free(&w);
    bad("a 1 1\r\nq\r\n", 2, "unknown event 'q'");
    bad("a 1 1\nf 2", 2, "not live"); /* the last line without newline still counts */
    bad("a 1 1\rf 1\n", 1, "SIZE '1?f' is not a number"); /* a lone CR is no line end */
}

static void bad_bytes_are_reported(void **state)
{
    (void)state;
    const char nul[] = "a 1 1\na 2\0 1\na 3 1\n";
    struct pb_workload w;
    assert_int_equal(parse_n(nul, sizeof nul - 1, &w), -1);
    assert_int_equal(diag.count, 1);
    assert_string_equal(diag.msg[0], "t.trace:2: binary data (byte 0x00 at offset 9): not a "
                                     "text trace");
    bad("a 1 1\n# caf\xc3\xa9\n", 2, "binary data (byte 0xc3 at offset 11, column 6): not a "
                                      "text trace (a trace is ASCII text, comments too)");
    bad("a 1 1 @N\xff\n", 1, "binary data (byte 0xff at offset 8, column 9)");
    const char elf[] = "\x7f" "ELF\x02\x01\x01\0\0\0";
    assert_int_equal(parse_n(elf, sizeof elf - 1, &w), -1);
    assert_string_equal(diag.msg[0], "t.trace:1: binary data (byte 0x00 at offset 7): not a "
                                     "text trace");
    const char zeros[64] = {0};
    assert_int_equal(parse_n(zeros, sizeof zeros, &w), -1);
    assert_string_equal(diag.msg[0], "t.trace:1: binary data (byte 0x00 at offset 0): not a "
                                     "text trace");
}

/* The first bad byte ends the parse: the problems before it are kept, nothing after it is
 * read (a binary file gives one message, not one per "line" of it). */
static void binary_data_stops_the_parse(void **state)
{
    (void)state;
    const char text[] = "q\n"
                        "a 1 1\n"
                        "# comment\n"
                        "f 2\n"
                        "a 3\0\n"
                        "q\n"
                        "f 9\n";
    struct pb_workload w;
    assert_int_equal(parse_n(text, sizeof text - 1, &w), -1);
    assert_int_equal(diag.total, 3);
    assert_non_null(strstr(diag.msg[0], "t.trace:1: unknown event 'q'"));
    assert_non_null(strstr(diag.msg[1], "t.trace:4: f on id 2"));
    assert_string_equal(diag.msg[2], "t.trace:5: binary data (byte 0x00 at offset 25): not a "
                                     "text trace");
    /* a bad byte on the last line, which has no newline */
    assert_int_equal(parse_n("a 1 1\nf 1 \xe9", 13, &w), -1);
    assert_int_equal(diag.total, 1);
    assert_non_null(strstr(diag.msg[0], "t.trace:2: binary data (byte 0xe9 at offset 10, column 5)"));
}

static void errors_do_not_stop_the_parse(void **state)
{
    (void)state;
    struct pb_workload w;
    assert_int_equal(parse("q\na 1 1\nf 2\na 1 1\nx 9\nf 1\n", &w), -1);
    assert_int_equal(diag.count, 4);
    assert_int_equal(diag.total, 4);
    assert_non_null(strstr(diag.msg[0], "t.trace:1: unknown event"));
    assert_non_null(strstr(diag.msg[1], "t.trace:3: f on id 2"));
    assert_non_null(strstr(diag.msg[2], "t.trace:4: id 1 is already live (allocated at line 2)"));
    assert_non_null(strstr(diag.msg[3], "t.trace:5: extra field"));
}

static void twenty_problems_kept_all_counted(void **state)
{
    (void)state;
    char text[2000] = "";
    for (int i = 0; i < 30; i++)
        strcat(text, "f 5\n");
    struct pb_workload w;
    assert_int_equal(parse(text, &w), -1);
    assert_int_equal(diag.count, PB_DIAG_MAX);
    assert_int_equal(diag.total, 30);
    assert_non_null(strstr(diag.msg[19], "t.trace:20: "));
}

/* Random lines built from trace-like pieces: never a crash, every problem has its line. */
static void random_lines_never_crash(void **state)
{
    (void)state;
    static const char *const pieces[] = {
        "a", "f", "r", "x", " ", "\t", "1", "2", "0x", "ff", "4096", "-", "+", "@", "T",
        "#", "\r", "\n", "\n", "\n", "99999999999999999999", "poolbench-trace", "\0", "\xe9",
        "t", "65535", "65536",
    };
    enum { N_PIECES = sizeof pieces / sizeof pieces[0] };
    uint64_t x = 0x2545F4914F6CDD1DULL;
    char *buf = malloc(1 << 16);
    for (int round = 0; round < 300; round++) {
        size_t len = 0;
        while (len < 2000) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            const char *p = pieces[x % N_PIECES];
            size_t n = p[0] ? strlen(p) : 1;
            memcpy(buf + len, p, n);
            len += n;
        }
        struct pb_workload w;
        if (parse_n(buf, len, &w) == 0) {
            assert_int_equal(pb_workload_check(&w, NULL, 0), 0);
            pb_workload_free(&w);
            continue;
        }
        for (int i = 0; i < diag.count; i++)
            assert_true(strncmp(diag.msg[i], "t.trace:", 8) == 0 && diag.msg[i][8] >= '1' &&
                        diag.msg[i][8] <= '9');
    }
    free(buf);
}

/* ---- threads: `t TID` ------------------------------------------------------------ */

static void thread_lines_set_the_thread_of_what_follows(void **state)
{
    (void)state;
    const char *text = "a 1 8\n"     /* before any t: thread 0 */
                       "t 3\n"
                       "\tt   3  \n" /* the same thread again, blanks around */
                       "f 1\n"
                       "# t 9 in a comment is nothing\n"
                       "a 2 8\n"
                       "t 0\n"
                       "x\n"
                       "t 65535\n"
                       "t 7\n"       /* a t with no events after it */
                       "a 3 8\n"
                       "t 010\n";    /* leading zeros: ten; no event follows */
    struct pb_workload w;
    assert_int_equal(parse(text, &w), 0);
    assert_int_equal(w.n_records, 5);
    assert_non_null(w.tids);
    const uint16_t want[] = {0, 3, 3, 0, 7};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(w.tids[i], want[i]);
    assert_int_equal(pb_workload_line(&w, 1), 4); /* t lines do not shift event lines */
    assert_int_equal(pb_workload_line(&w, 4), 11);
    assert_int_equal(w.fig.threads, 3);
    pb_workload_free(&w);

    /* only thread 0, spelt out or not: no threads array, as without t lines */
    assert_int_equal(parse("t 0\na 1 8\nt 0\nf 1\n", &w), 0);
    assert_null(w.tids);
    assert_int_equal(w.fig.threads, 1);
    pb_workload_free(&w);
    assert_int_equal(ok("t 5\n"), 0);
}

static void bad_thread_lines_name_their_line(void **state)
{
    (void)state;
    bad("a 1 8\nt\n", 2, "missing TID (expected 't TID')");
    bad("a 1 8\n\nt 1 2\n", 3, "extra field '2' (expected 't TID')");
    bad("t 1 @T\n", 1, "extra field '@T' (expected 't TID')");
    bad("t x\n", 1, "TID 'x' is not a number");
    bad("t 1.5\n", 1, "TID '1.5' is not a number");
    bad("t -1\n", 1, "TID '-1' is not a number (numbers are unsigned, with no sign)");
    bad("t +1\n", 1, "TID '+1' is not a number (numbers are unsigned, with no sign)");
    bad("t 1,000\n", 1, "TID '1,000' is not a number (no thousands separators)");
    bad("t 0x10\n", 1, "TID '0x10' is not a number (TID is decimal; 0x hex is for ids");
    bad("t 65536\n", 1, "TID 65536 is out of range (thread ids are below 65536)");
    bad("t 99999999999999999999999\n", 1, "TID 99999999999999999999999 is out of range");
    bad("t 1 # note\n", 1, "trailing comment");
    bad("T 1\n", 1, "unknown event 'T' (expected a, f, r, x or t)");
    bad("t1\n", 1, "unknown event 't1'");
    assert_int_equal(ok("t 65535\na 1 8\n"), 1);
    assert_int_equal(ok("t 00065535\na 1 8\n"), 1);
    /* a refused t is one problem; the lines after it are still checked */
    struct pb_workload w;
    assert_int_equal(parse("t 2\na 1 8\nt 65536\nf 1\n", &w), -1);
    assert_int_equal(diag.total, 1);
}

/* Block ids are shared by all threads: the rules apply to the file's order as written. */
static void ids_are_shared_by_all_threads(void **state)
{
    (void)state;
    bad("t 0\na 1 8\nt 1\na 1 8\n", 4, "id 1 is already live (allocated at line 2)");
    bad("t 0\na 1 8\nt 1\nf 1\nt 0\nf 1\n", 6, "f on id 1, which is not live");
    assert_int_equal(ok("t 0\na 1 8\nt 1\nf 1\nt 2\na 1 8\n"), 3);
}

/* The writer emits a t line only where the thread changes, from 0 at the start. */
static void writer_emits_t_where_the_thread_changes(void **state)
{
    (void)state;
    struct pb_workload w, back;
    assert_int_equal(parse("t 0\na 1 8\nt 0\na 2 8\nt 4\nt 2\nf 1\n  t 2\nr 2 9\nt 0\nx\n"
                           "t 9\n", &w), 0);
    char *text = tw_text(&w);
    assert_string_equal(text, "poolbench-trace 1\na 1 8\na 2 8\nt 2\nf 1\nr 2 9\nt 0\nx\n");
    assert_int_equal(parse(text, &back), 0);
    assert_memory_equal(back.tids, w.tids, w.n_records * sizeof *w.tids);
    assert_memory_equal(&back.fig, &w.fig, sizeof w.fig);
    char *again = tw_text(&back);
    assert_string_equal(again, text); /* canonical text is a fixed point */
    free(again);
    free(text);
    pb_workload_free(&back);
    pb_workload_free(&w);

    assert_int_equal(parse("t 7\na 1 8\nf 1\n", &w), 0); /* one thread, not thread 0 */
    text = tw_text(&w);
    assert_string_equal(text, "poolbench-trace 1\nt 7\na 1 8\nf 1\n");
    free(text);
    pb_workload_free(&w);
    assert_int_equal(parse("t 0\na 1 8\nf 1\n", &w), 0); /* thread 0 only: no t line */
    text = tw_text(&w);
    assert_string_equal(text, "poolbench-trace 1\na 1 8\nf 1\n");
    free(text);
    pb_workload_free(&w);
}

/* ---- files ---------------------------------------------------------------------- */

static void temp_path(char *buf, size_t n, const char *suffix)
{
    snprintf(buf, n, "/tmp/test_trace_text.%d.%s", (int)getpid(), suffix);
}

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static void file_sha(const char *path, char hex[65])
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    struct pb_sha256 s;
    pb_sha256_init(&s);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        pb_sha256_update(&s, buf, n);
    fclose(f);
    pb_sha256_final_hex(&s, hex);
}

static void assert_same_events(const struct pb_workload *a, const struct pb_workload *b)
{
    assert_int_equal(a->n_records, b->n_records);
    assert_int_equal(a->n_slots, b->n_slots);
    assert_memory_equal(a->events, b->events, a->n_records * sizeof *a->events);
    assert_memory_equal(a->ids, b->ids, a->n_records * sizeof *a->ids);
    for (size_t i = 0; i < a->n_records; i++)
        assert_int_equal(pb_workload_line(a, i), pb_workload_line(b, i));
}

/* A text of about n lines with comments, resizes, blocks left live and resets. */
static char *big_text(size_t n_lines, size_t *len)
{
    size_t cap = n_lines * 48 + 64, at = 0;
    char *t = malloc(cap);
    assert_non_null(t);
    at += (size_t)sprintf(t, "poolbench-trace 1\n");
    for (size_t k = 0; at + 200 < cap && k < n_lines / 2; k++) {
        unsigned long long id = 140000000000000ULL + k * 16;
        at += (size_t)sprintf(t + at, "a %llu %zu\n", id, k % 5000);
        if (k % 97 == 0)
            at += (size_t)sprintf(t + at, "# comment %zu\n\n", k);
        if (k % 7 == 0)
            at += (size_t)sprintf(t + at, "r %llu %zu\n", id, k % 300);
        if (k % 3 != 0)
            at += (size_t)sprintf(t + at, "f %llu\n", id);
        if (k % 1000 == 999)
            at += (size_t)sprintf(t + at, "x\n");
    }
    *len = at;
    return t;
}

static void files_across_block_boundaries(void **state)
{
    (void)state;
    size_t len;
    char *text = big_text(300000, &len); /* several 1 MiB blocks */
    assert_true(len > 3 * (1u << 20));
    char path[128];
    temp_path(path, sizeof path, "trace");
    write_file(path, text, len);
    struct pb_workload from_file, from_memory;
    memset(&diag, 0, sizeof diag);
    if (pb_workload_load(path, &from_file, &diag))
        fail_msg("%s", diag.msg[0]);
    assert_int_equal(parse_n(text, len, &from_memory), 0);
    assert_same_events(&from_file, &from_memory);
    assert_true(from_file.n_records > 250000 && from_file.fig.resets > 100);
    char hex[65];
    file_sha(path, hex);
    assert_string_equal(from_file.sha256, hex);
    assert_string_equal(from_file.source, "trace");
    assert_string_equal(from_file.path, path);
    assert_non_null(strstr(path, from_file.name));
    pb_workload_free(&from_file);
    pb_workload_free(&from_memory);
    unlink(path);
    free(text);
}

static void gzip_is_read_transparently(void **state)
{
    (void)state;
    size_t len;
    char *text = big_text(100000, &len);
    char path[128];
    temp_path(path, sizeof path, "trace.gz");
    gzFile z = gzopen(path, "wb");
    assert_non_null(z);
    assert_int_equal(gzwrite(z, text, (unsigned)len), (int)len);
    assert_int_equal(gzclose(z), Z_OK);
    struct pb_workload from_gz, from_memory;
    memset(&diag, 0, sizeof diag);
    if (pb_workload_load(path, &from_gz, &diag))
        fail_msg("%s", diag.msg[0]);
    assert_int_equal(parse_n(text, len, &from_memory), 0);
    assert_same_events(&from_gz, &from_memory);
    char hex[65];
    file_sha(path, hex); /* the digest is of the compressed file's bytes */
    assert_string_equal(from_gz.sha256, hex);
    char name[64];
    snprintf(name, sizeof name, "test_trace_text.%d", (int)getpid()); /* no .trace.gz */
    assert_string_equal(from_gz.name, name);
    pb_workload_free(&from_gz);
    pb_workload_free(&from_memory);

    /* errors in a gzip'd file have their line numbers too */
    z = gzopen(path, "wb");
    gzputs(z, "a 1 1\n\nf 2\n");
    gzclose(z);
    memset(&diag, 0, sizeof diag);
    assert_int_equal(pb_workload_load(path, &from_gz, &diag), -1);
    char expected[200];
    snprintf(expected, sizeof expected, "%s:3: f on id 2", path);
    assert_non_null(strstr(diag.msg[0], expected));

    /* a truncated gzip file is an error, not a short trace */
    z = gzopen(path, "wb");
    assert_int_equal(gzwrite(z, text, (unsigned)len), (int)len);
    gzclose(z);
    FILE *f = fopen(path, "rb");
    char *raw = malloc(len);
    size_t n = fread(raw, 1, len, f);
    fclose(f);
    write_file(path, raw, n / 2);
    memset(&diag, 0, sizeof diag);
    assert_int_equal(pb_workload_load(path, &from_gz, &diag), -1);
    assert_non_null(strstr(diag.msg[diag.count - 1], "truncated gzip data"));
    raw[n / 2] ^= 0x55; /* and corrupt data is reported as such */
    memset(raw + 20, 0xAA, 64);
    write_file(path, raw, n);
    memset(&diag, 0, sizeof diag);
    assert_int_equal(pb_workload_load(path, &from_gz, &diag), -1);
    free(raw);
    unlink(path);
    free(text);
}

static void long_lines_are_refused_gracefully(void **state)
{
    (void)state;
    size_t n = 3u << 20;
    char *text = malloc(n + 64);
    strcpy(text, "a 1 1\na 2 ");
    size_t at = strlen(text);
    memset(text + at, '7', n);
    at += n;
    at += (size_t)sprintf(text + at, "\nf 3\n");
    char path[128];
    temp_path(path, sizeof path, "long.trace");
    write_file(path, text, at);
    struct pb_workload w;
    memset(&diag, 0, sizeof diag);
    assert_int_equal(pb_workload_load(path, &w, &diag), -1);
    /* the parse stops there: the rest of such a file is no trace either */
    assert_int_equal(diag.total, 1);
    assert_non_null(strstr(diag.msg[0], ":2: line too long (more than 1048576 bytes): not a "
                                        "text trace"));
    /* from memory the same: the same limit, the same verdict */
    assert_int_equal(parse_n(text, at, &w), -1);
    assert_int_equal(diag.total, 1);
    assert_string_equal(diag.msg[0], "t.trace:2: line too long (more than 1048576 bytes): not a "
                                     "text trace");
    /* also as the last line, without a newline, and before a bad byte 2 MiB into it */
    assert_int_equal(parse_n(text, at - 5, &w), -1);
    assert_string_equal(diag.msg[0], "t.trace:2: line too long (more than 1048576 bytes): not a "
                                     "text trace");
    text[(2u << 20)] = '\0';
    assert_int_equal(parse_n(text, at, &w), -1);
    assert_int_equal(diag.total, 1);
    assert_non_null(strstr(diag.msg[0], "t.trace:2: line too long"));
    write_file(path, text, at);
    memset(&diag, 0, sizeof diag);
    assert_int_equal(pb_workload_load(path, &w, &diag), -1);
    assert_int_equal(diag.total, 1);
    assert_non_null(strstr(diag.msg[0], ":2: line too long"));
    /* a bad byte within the first 1 MiB of a long line is binary data, in both */
    text[(2u << 20)] = '7';
    text[(1u << 20)] = '\0';
    assert_int_equal(parse_n(text, at, &w), -1);
    assert_string_equal(diag.msg[0], "t.trace:2: binary data (byte 0x00 at offset 1048576): not a "
                                     "text trace");
    write_file(path, text, at);
    memset(&diag, 0, sizeof diag);
    assert_int_equal(pb_workload_load(path, &w, &diag), -1);
    assert_int_equal(diag.total, 1);
    assert_non_null(strstr(diag.msg[0], ":2: binary data (byte 0x00 at offset 1048576)"));
    /* the longest line that fits, 1048575 characters and its newline, is fine in both */
    size_t longest = (1u << 20) - 1;
    memcpy(text, "# ", 2);
    memset(text + 2, 'c', longest - 2);
    memcpy(text + longest, "\nx\n", 4);
    assert_int_equal(parse_n(text, longest + 3, &w), 0);
    assert_int_equal(w.n_records, 1);
    pb_workload_free(&w);
    unlink(path);
    free(text);
}

/* The message of loading path (one problem expected), without the "path:" prefix. */
static const char *load_problem(const char *path)
{
    struct pb_workload w;
    memset(&diag, 0, sizeof diag);
    assert_int_equal(pb_workload_load(path, &w, &diag), -1);
    assert_int_equal(diag.total, 1);
    size_t n = strlen(path);
    assert_memory_equal(diag.msg[0], path, n);
    return diag.msg[0] + n + 1;
}

/* Far into a file, plain or gzip'd, the line and the offset (in the inflated text) of
 * the first bad byte are the same as from memory. */
static void binary_data_in_files_and_gzip(void **state)
{
    (void)state;
    size_t n_lines = 2u << 20, len = n_lines * 2;
    char *text = malloc(len + 16);
    for (size_t i = 0; i < n_lines; i++)
        memcpy(text + 2 * i, "x\n", 2);
    memcpy(text + len, "a 5 \0 8\nq\n", 10);
    len += 10;
    const char *want = "2097153: binary data (byte 0x00 at offset 4194308): not a text trace";
    struct pb_workload w;
    assert_int_equal(parse_n(text, len, &w), -1);
    assert_int_equal(diag.total, 1);
    assert_string_equal(diag.msg[0] + strlen("t.trace:"), want);
    char path[128];
    temp_path(path, sizeof path, "nul.trace");
    write_file(path, text, len);
    assert_string_equal(load_problem(path), want);
    temp_path(path, sizeof path, "nul.trace.gz");
    gzFile z = gzopen(path, "wb");
    assert_non_null(z);
    assert_int_equal(gzwrite(z, text, (unsigned)len), (int)len);
    assert_int_equal(gzclose(z), Z_OK);
    assert_string_equal(load_problem(path), want);
    /* non-ASCII as well */
    text[len - 6] = (char)0x80;
    assert_int_equal(parse_n(text, len, &w), -1);
    want = "2097153: binary data (byte 0x80 at offset 4194308, column 5): not a text trace "
           "(a trace is ASCII text, comments too)";
    assert_string_equal(diag.msg[0] + strlen("t.trace:"), want);
    temp_path(path, sizeof path, "nul.trace");
    write_file(path, text, len);
    assert_string_equal(load_problem(path), want);
    unlink(path);
    temp_path(path, sizeof path, "nul.trace.gz");
    unlink(path);
    free(text);
}

static void unreadable_paths(void **state)
{
    (void)state;
    struct pb_workload w;
    memset(&diag, 0, sizeof diag);
    assert_int_equal(pb_workload_load("/nonexistent/x.trace", &w, &diag), -1);
    assert_non_null(strstr(diag.msg[0], "/nonexistent/x.trace: cannot open"));
    memset(&diag, 0, sizeof diag);
    assert_int_equal(pb_workload_load("/tmp", &w, &diag), -1);
    assert_non_null(strstr(diag.msg[0], "is a directory"));
    char path[128];
    temp_path(path, sizeof path, "empty.trace");
    write_file(path, "", 0);
    memset(&diag, 0, sizeof diag);
    assert_int_equal(pb_workload_load(path, &w, &diag), 0);
    assert_int_equal(w.n_records, 0);
    assert_string_equal(w.sha256,
                        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    pb_workload_free(&w);
    unlink(path);
}

/* A FIFO is refused at once: opening it must not wait for a writer (it hung). */
static void fifo_is_refused_without_blocking(void **state)
{
    (void)state;
    char path[128];
    temp_path(path, sizeof path, "fifo.trace");
    unlink(path);
    assert_int_equal(mkfifo(path, 0600), 0);
    struct pb_workload w;
    memset(&diag, 0, sizeof diag);
    alarm(20); /* a regression fails by SIGALRM instead of hanging the suite */
    assert_int_equal(pb_workload_load(path, &w, &diag), -1);
    alarm(0);
    assert_non_null(strstr(diag.msg[0], "is not a regular file"));
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spec_example_parses),
        cmocka_unit_test(unknown_event_letters),
        cmocka_unit_test(control_characters_are_not_echoed),
        cmocka_unit_test(missing_fields),
        cmocka_unit_test(extra_fields),
        cmocka_unit_test(fields_that_are_not_numbers),
        cmocka_unit_test(signs_and_separators_are_refused),
        cmocka_unit_test(hex_is_accepted_for_ids_and_sizes),
        cmocka_unit_test(id_range_bounds),
        cmocka_unit_test(size_range_bounds),
        cmocka_unit_test(align_bounds),
        cmocka_unit_test(already_live_names_the_allocating_line),
        cmocka_unit_test(free_or_resize_of_a_dead_id),
        cmocka_unit_test(malformed_tags),
        cmocka_unit_test(tag_charset),
        cmocka_unit_test(header_rules),
        cmocka_unit_test(lexical_forms),
        cmocka_unit_test(bad_bytes_are_reported),
        cmocka_unit_test(binary_data_stops_the_parse),
        cmocka_unit_test(trailing_comments_are_named),
        cmocka_unit_test(errors_do_not_stop_the_parse),
        cmocka_unit_test(twenty_problems_kept_all_counted),
        cmocka_unit_test(random_lines_never_crash),
        cmocka_unit_test(thread_lines_set_the_thread_of_what_follows),
        cmocka_unit_test(bad_thread_lines_name_their_line),
        cmocka_unit_test(ids_are_shared_by_all_threads),
        cmocka_unit_test(writer_emits_t_where_the_thread_changes),
        cmocka_unit_test(files_across_block_boundaries),
        cmocka_unit_test(gzip_is_read_transparently),
        cmocka_unit_test(long_lines_are_refused_gracefully),
        cmocka_unit_test(binary_data_in_files_and_gzip),
        cmocka_unit_test(unreadable_paths),
        cmocka_unit_test(fifo_is_refused_without_blocking),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
