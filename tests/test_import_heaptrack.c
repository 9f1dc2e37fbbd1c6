/* test_import_heaptrack.c -- heaptrack captures to v1 trace events (pb_import_heaptrack). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "mem_test.h"
#include "pb_import.h"
#include "pb_workload.h"

/* Run the importer on len bytes; the events it wrote in *out (caller frees). */
static int convert_depth(const char *data, size_t len, unsigned depth, char **out,
                         struct pb_heaptrack_stats *st, struct pb_diag *d)
{
    FILE *in = len ? fmemopen((void *)data, len, "r") : fopen("/dev/null", "r");
    assert_non_null(in);
    struct mt_buf b;
    memset(d, 0, sizeof *d);
    int rc = pb_import_heaptrack_depth(in, "cap", depth, mt_open(&b), st, d);
    fclose(in);
    *out = mt_close(&b);
    return rc;
}

static int convert_n(const char *data, size_t len, char **out, struct pb_heaptrack_stats *st,
                     struct pb_diag *d)
{
    return convert_depth(data, len, 1, out, st, d);
}

static int convert(const char *text, char **out, struct pb_heaptrack_stats *st, struct pb_diag *d)
{
    return convert_n(text, strlen(text), out, st, d);
}

/* The events the importer wrote for len bytes, which it must accept (caller frees). */
static char *imported_n(const char *data, size_t len, struct pb_heaptrack_stats *st)
{
    char *out = NULL;
    struct pb_diag d;
    assert_int_equal(convert_n(data, len, &out, st, &d), 0);
    return out;
}

static char *imported(const char *text, struct pb_heaptrack_stats *st)
{
    return imported_n(text, strlen(text), st);
}

/* The importer must refuse len bytes; d says why. */
static void rejected_n(const char *data, size_t len, struct pb_diag *d)
{
    char *out = NULL;
    struct pb_heaptrack_stats st;
    assert_int_equal(convert_n(data, len, &out, &st, d), -1);
    free(out);
}

static void rejected(const char *text, struct pb_diag *d)
{
    rejected_n(text, strlen(text), d);
}

/* The output must be a valid trace: parse it back. */
static void assert_valid_trace(const char *text)
{
    struct pb_workload w = {0};
    struct pb_diag d = {0};
    int rc = pb_workload_parse_text("imported", text, strlen(text), &w, &d);
    if (rc != 0)
        pb_diag_print(&d, stderr);
    assert_int_equal(rc, 0);
    pb_workload_free(&w);
}

/* main -> make_node -> malloc, 48 bytes twice, and a C++ new from make_node. */
static const char sample[] =
    "v 10400 3\n"
    "X ./prog arg\n"
    "I 1000 5e2910\n"
    "s 6 ./prog\n"                         /* 1 */
    "s 9 make_node\n"                      /* 2 */
    "s f /src/dir/prog.c\n"                /* 3 */
    "s 4 main\n"                           /* 4 */
    "s 1b operator new(unsigned long)\n"   /* 5 */
    "s e libstdc++.so.6\n"                 /* 6 */
    "i 2000 1 4 3 14\n"                    /* ip 1: main, prog.c:20 */
    "t 1 0\n"                              /* trace 1: main */
    "i 1000 1 2 3 a\n"                     /* ip 2: make_node, prog.c:10 */
    "t 2 1\n"                              /* trace 2: main > make_node */
    "a 30 2\n"                             /* info 0: 48 bytes at trace 2 */
    "+ 0\n"
    "+ 0\n"
    "c 3\n"
    "- 0\n"
    "i 3000 6 5\n"                         /* ip 3: operator new, no file */
    "t 3 2\n"                              /* trace 3: make_node > operator new */
    "a 10 3\n"                             /* info 1: 16 bytes */
    "+ 1\n"
    "+ 0\n"
    "- 0\n"
    "- 0\n"
    "R 396\n"
    "\n"
    "# strings: 6\n";

static void import_sample_known_answer(void **state)
{
    (void)state;
    struct pb_heaptrack_stats st;
    char *out = imported(sample, &st);
    assert_string_equal(out, "# heaptrack capture of: ./prog arg\n"
                             "a 1 48 @make_node:prog.c:10\n"
                             "a 2 48 @make_node:prog.c:10\n"
                             "f 2\n"             /* the newest block of info 0 */
                             "a 3 16 @make_node:prog.c:10\n"
                             "a 4 48 @make_node:prog.c:10\n"
                             "f 4\n"
                             "f 1\n");
    assert_int_equal(st.allocs, 4);
    assert_int_equal(st.frees, 3);
    assert_int_equal(st.live_at_end, 1);
    assert_int_equal(st.sites, 1);
    assert_int_equal(st.unmatched_frees, 0);
    assert_int_equal(st.unknown_records, 0);
    assert_int_equal(st.heaptrack_version, 0x010400);
    assert_int_equal(st.file_version, 3);
    assert_string_equal(st.compression, "plain");
    assert_int_equal(st.lines, 28);
    assert_valid_trace(out);
    free(out);
}

static void import_sites_inlined_unnamed_allocator(void **state)
{
    (void)state;
    const char *cap = "v 10400 3\n"
                      "s 4 prog\n"        /* 1 */
                      "s 6 inner1\n"      /* 2 */
                      "s 5 outer\n"       /* 3 */
                      "s 3 a.c\n"         /* 4 */
                      "s 6 malloc\n"      /* 5 */
                      "s 12 __GI___libc_malloc\n" /* 6 */
                      "i 10 1 2 4 5 3 4 9\n" /* ip 1: inner1 (a.c:5) inlined in outer (a.c:9) */
                      "t 1 0\n"
                      "i 20 1 5 4 1 3 4 c\n" /* ip 2: malloc inlined in outer (a.c:12) */
                      "t 2 0\n"
                      "i abc 1\n"            /* ip 3: no name at all */
                      "t 3 0\n"
                      "i 30 1 6\n"           /* ip 4: __GI___libc_malloc only */
                      "t 4 0\n"
                      "t 4 3\n"              /* trace 5: unnamed > allocator */
                      "a 1 1\n+ 0\n"
                      "a 2 2\n+ 1\n"
                      "a 3 3\n+ 2\n"
                      "a 4 4\n+ 3\n"         /* the allocator alone: no site */
                      "a 5 5\n+ 4\n"
                      "a 6 0\n+ 5\n";        /* no stack */
    struct pb_heaptrack_stats st;
    char *out = imported(cap, &st);
    assert_string_equal(out, "a 1 1 @inner1:a.c:5\n"
                             "a 2 2 @outer:a.c:12\n"
                             "a 3 3 @prog:0xabc\n"
                             "a 4 4\n"
                             "a 5 5 @prog:0xabc\n"
                             "a 6 6\n");
    assert_int_equal(st.sites, 3);
    assert_int_equal(st.unnamed_sites, 1);
    assert_int_equal(st.untagged_allocs, 2);
    assert_valid_trace(out);
    free(out);
}

/* --depth: past a wrapper to its callers; fewer frames than asked: the outermost. */
static void import_depth_names_the_wrappers_callers(void **state)
{
    (void)state;
    const char *cap = "v 10400 3\n"
                      "s 4 prog\n"        /* 1 */
                      "s 4 main\n"        /* 2 */
                      "s 7 xmalloc\n"     /* 3 */
                      "s 4 load\n"        /* 4 */
                      "s 4 save\n"        /* 5 */
                      "s 6 malloc\n"      /* 6 */
                      "i 10 1 2\n"         /* ip 1: main */
                      "t 1 0\n"            /* 1: main */
                      "i 20 1 4\n"         /* ip 2: load */
                      "t 2 1\n"            /* 2: main > load */
                      "i 30 1 5\n"         /* ip 3: save */
                      "t 3 1\n"            /* 3: main > save */
                      "i 40 1 3\n"         /* ip 4: xmalloc */
                      "t 4 2\n"            /* 4: load > xmalloc */
                      "t 4 3\n"            /* 5: save > xmalloc */
                      "i 50 1 6\n"         /* ip 5: malloc */
                      "t 5 4\n"            /* 6: ... xmalloc > malloc */
                      "t 5 5\n"            /* 7 */
                      "a 8 6\n+ 0\n"
                      "a 9 7\n+ 1\n"
                      "a 7 1\n+ 2\n";      /* from main itself */
    const char *want[] = {"a 1 8 @xmalloc\na 2 9 @xmalloc\na 3 7 @main\n",
                          "a 1 8 @load\na 2 9 @save\na 3 7 @main\n",
                          "a 1 8 @main\na 2 9 @main\na 3 7 @main\n",
                          "a 1 8 @main\na 2 9 @main\na 3 7 @main\n"};
    for (unsigned depth = 1; depth <= 4; depth++) {
        char *out = NULL;
        struct pb_heaptrack_stats st;
        struct pb_diag d;
        assert_int_equal(convert_depth(cap, strlen(cap), depth, &out, &st, &d), 0);
        assert_string_equal(out, want[depth - 1]);
        assert_valid_trace(out);
        free(out);
    }
}

static void import_tag_characters_and_length(void **state)
{
    (void)state;
    char cap[2048];
    char longname[120];
    memset(longname, 'f', 100);
    longname[100] = '\0';
    snprintf(cap, sizeof cap,
             "v 10400 3\n"
             "s 1 p\n"
             "s 3d std::vector<int, std::allocator<int> >::push_back(int const&)\n"
             "s 1e ns::f(int) const [clone .cold]\n"
             "s %zx %s\n"
             "s 5 x y.c\n"
             "i 1 1 2 5 7\ni 2 1 3\ni 3 1 4 5 8\n"
             "t 1 0\nt 2 0\nt 3 0\n"
             "a 1 1\na 2 2\na 3 3\n+ 0\n+ 1\n+ 2\n",
             strlen(longname), longname);
    char *out = NULL;
    struct pb_heaptrack_stats st;
    struct pb_diag d;
    assert_int_equal(convert(cap, &out, &st, &d), 0);
    char *l3 = strstr(out, "a 3 3 @");
    assert_non_null(l3);
    *strchr(l3, '\n') = '\0';
    assert_int_equal(strlen(l3 + 7), PB_MAX_TAG_LEN);
    assert_memory_equal(l3 + 7, longname, PB_MAX_TAG_LEN - 9);
    assert_int_equal(l3[7 + PB_MAX_TAG_LEN - 9], '-');
    *strchr(l3, '@') = '\0';
    assert_string_equal(out, "a 1 1 @std::vector<int_std::allocator<int>>::push_back:xy.c:7\n"
                             "a 2 2 @ns::f\n"
                             "a 3 3 ");
    free(out);
}

static void import_unmatched_unknown_too_big(void **state)
{
    (void)state;
    const char *cap = "v 10400 3\n"
                      "A\n"
                      "a 10000000001 0\n" /* 2^40 + 1 bytes */
                      "a 8 0\n"
                      "+ 0\n"
                      "Z some future record\n"
                      "+ 1\n"
                      "- 0\n"
                      "- 1\n"
                      "- 1\n"            /* no live block of info 1 left */
                      "S leak:foo\n"
                      "Q\n";
    struct pb_heaptrack_stats st;
    char *out = imported(cap, &st);
    assert_string_equal(out, "a 1 8\nf 1\n");
    assert_int_equal(st.too_big, 1);
    assert_int_equal(st.unmatched_frees, 1);
    assert_int_equal(st.first_unmatched, 10);
    assert_int_equal(st.unknown_records, 2);
    assert_int_equal(st.first_unknown, 6);
    assert_int_equal(st.attached, 1);
    assert_int_equal(st.live_at_end, 0);
    free(out);
}

/* Format 1 and 2: strings are the rest of the line; 'v 10200' alone is format 1. */
static void import_old_formats(void **state)
{
    (void)state;
    const char *cap = "v 10200\n"
                      "s make node\n"
                      "i 1 0 1\n"
                      "t 1 0\n"
                      "a 20 1\n"
                      "+ 0\n";
    struct pb_heaptrack_stats st;
    char *out = imported(cap, &st);
    assert_string_equal(out, "a 1 32 @makenode\n");
    assert_int_equal(st.file_version, 1);
    free(out);
}

struct bad_case {
    const char *text;
    const char *msg;
    size_t len; /* 0: strlen(text) */
};

static void import_rejects_bad_records(void **state)
{
    (void)state;
    static const struct bad_case cases[] = {
        {"", "cap: not a heaptrack capture: no version line 'v ...'", 0},
        {"X prog\n", "cap:1: not a heaptrack capture: expected its version line 'v ...' first", 0},
        {"v 10400 4\n", "cap:1: file format version 4 is newer than this importer reads (1 to 3)", 0},
        {"v 10400 0\n", "cap:1: file format version 0 (heaptrack before 1.0) is not supported", 0},
        {"v 1040g 3\n", "cap:1: malformed version line", 0},
        {"v 10400 3\n+ 0\n", "cap:2: allocation info number out of range in '+' record", 0},
        {"v 10400 3\na 8 0\n- 1\n", "cap:3: allocation info number out of range in '-' record", 0},
        {"v 10400 3\nt 1 0\n", "cap:2: ip number out of range in 't' record", 0},
        {"v 10400 3\ni 1 0\nt 1 1\n", "cap:3: parent trace number out of range in 't' record", 0},
        {"v 10400 3\na 8 1\n", "cap:2: trace number out of range in 'a' record", 0},
        {"v 10400 3\ns 5 abc\n", "cap:2: malformed string", 0},
        {"v 10400 3\na 10 0 0\n", "cap:2: extra field in 'a' record", 0},
        {"v 10400 3\na 1G 0\n", "cap:2: bad hex number in 'a' record", 0},
        {"v 10400 3\na 10\n", "cap:2: missing field in 'a' record", 0},
        {"v 10400 3\na 10  0\n", "cap:2: bad hex number in 'a' record", 0},
        {"v 10400 3\na 10000000000000000 0\n", "cap:2: bad hex number in 'a' record", 0},
        {"v 10400 3\ni 1 5\n", "cap:2: string number out of range in 'i' record", 0},
        {"v 10400 3\ns 1 f\ni 1 0 1 0\n", "cap:3: malformed frame in 'i' record", 0},
        {"v 10400 3\ns 1 f\ni 1 0 1 0 100000000\n", "cap:3: line number out of range in 'i' record", 0},
        {"v 10400 3\nab 1\n", "cap:2: malformed record", 0},
        {"v 10400 3\nm 1 -\n", "cap:2: this is heaptrack's raw log ('m' record)", 0},
        {"v 10400 3\n+ 10 1 55aa\n", "cap:2: this is heaptrack's raw log ('+' record)", 0},
        {"v 10400 3\nv 10400 3\n", "cap:2: a second version line", 0},
        {"v 10400 3\nc 1\0 2\n", "cap:2: NUL byte in line", 17},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t len = cases[i].len ? cases[i].len : strlen(cases[i].text);
        struct pb_diag d;
        rejected_n(cases[i].text, len, &d);
        assert_true(d.count >= 1);
        if (strncmp(d.msg[0], cases[i].msg, strlen(cases[i].msg)) != 0)
            fail_msg("case %zu: got '%s', want '%s'", i, d.msg[0], cases[i].msg);
    }
}

static void import_stops_after_twenty_problems(void **state)
{
    (void)state;
    char cap[4096] = "v 10400 3\n";
    for (int i = 0; i < 30; i++)
        strcat(cap, "+ 7\n");
    struct pb_diag d;
    rejected(cap, &d);
    assert_int_equal(d.count, PB_DIAG_MAX);
    assert_int_equal(d.total, PB_DIAG_MAX);
    assert_string_equal(d.msg[19], "cap:21: allocation info number out of range in '+' record");
}

static void import_rejects_a_long_line(void **state)
{
    (void)state;
    size_t n = PB_HT_MAX_LINE + 100;
    char *cap = malloc(n + 20);
    assert_non_null(cap);
    strcpy(cap, "v 10400 3\nX ");
    memset(cap + 12, 'x', n);
    cap[12 + n] = '\0';
    struct pb_diag d;
    rejected(cap, &d);
    assert_string_equal(d.msg[0], "cap:2: line longer than 1 MiB");
    free(cap);
}

/* gzip (deflate with a gzip header) of len bytes; *zlen its size. */
static unsigned char *gzip_of(const char *text, size_t len, size_t *zlen)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&zs, len) + 64;
    unsigned char *z = malloc(cap);
    assert_non_null(z);
    zs.next_in = (unsigned char *)text;
    zs.avail_in = (uInt)len;
    zs.next_out = z;
    zs.avail_out = (uInt)cap;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    *zlen = cap - zs.avail_out;
    deflateEnd(&zs);
    return z;
}

static void import_compressed_as_plain(void **state)
{
    (void)state;
    char *plain = NULL, *out = NULL;
    struct pb_heaptrack_stats st;
    struct pb_diag d;
    assert_int_equal(convert(sample, &plain, &st, &d), 0);

    size_t zlen = ZSTD_compressBound(sizeof sample);
    char *z = malloc(zlen * 2);
    assert_non_null(z);
    zlen = ZSTD_compress(z, zlen, sample, strlen(sample), 3);
    assert_false(ZSTD_isError(zlen));
    memcpy(z + zlen, z, zlen); /* two frames: the capture twice */
    assert_int_equal(convert_n(z, zlen, &out, &st, &d), 0);
    assert_string_equal(out, plain);
    assert_string_equal(st.compression, "zstd");
    free(out);
    assert_int_equal(convert_n(z, zlen * 2, &out, &st, &d), -1); /* a second 'v' line */
    assert_string_equal(d.msg[0], "cap:29: a second version line");
    free(out);
    assert_int_equal(convert_n(z, zlen - 5, &out, &st, &d), -1);
    assert_string_equal(d.msg[0], "cap: truncated zstd data");
    free(out);
    free(z);

    size_t glen;
    unsigned char *g = gzip_of(sample, strlen(sample), &glen);
    assert_int_equal(convert_n((char *)g, glen, &out, &st, &d), 0);
    assert_string_equal(out, plain);
    assert_string_equal(st.compression, "gzip");
    free(out);
    assert_int_equal(convert_n((char *)g, glen - 4, &out, &st, &d), -1);
    assert_string_equal(d.msg[0], "cap: truncated gzip data");
    free(out);
    g[2] = 7; /* not deflate */
    assert_int_equal(convert_n((char *)g, glen, &out, &st, &d), -1);
    assert_non_null(strstr(d.msg[0], "corrupt gzip data"));
    free(out);
    free(g);
    free(plain);
}

/* More distinct sites than PB_HT_MAX_SITES: the rest share @other, and the
 * trace stays within the format's tag limit. */
static void import_sites_beyond_the_limit(void **state)
{
    (void)state;
    size_t n = PB_HT_MAX_SITES + 10, cap = n * 64 + 64, len = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    len += (size_t)snprintf(text + len, cap - len, "v 10400 3\n");
    for (size_t i = 1; i <= n; i++)
        len += (size_t)snprintf(text + len, cap - len, "s 6 f%05zx\ni %zx 0 %zx\nt %zx 0\na 8 %zx\n+ %zx\n",
                                i, i, i, i, i, i - 1);
    struct pb_heaptrack_stats st;
    char *out = imported_n(text, len, &st);
    assert_int_equal(st.sites, PB_HT_MAX_SITES + 1);
    assert_int_equal(st.other_allocs, 10);
    assert_int_equal(st.allocs, n);
    assert_non_null(strstr(out, "@other\n"));
    assert_valid_trace(out);
    free(out);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(import_sample_known_answer),
        cmocka_unit_test(import_sites_inlined_unnamed_allocator),
        cmocka_unit_test(import_depth_names_the_wrappers_callers),
        cmocka_unit_test(import_tag_characters_and_length),
        cmocka_unit_test(import_unmatched_unknown_too_big),
        cmocka_unit_test(import_old_formats),
        cmocka_unit_test(import_rejects_bad_records),
        cmocka_unit_test(import_stops_after_twenty_problems),
        cmocka_unit_test(import_rejects_a_long_line),
        cmocka_unit_test(import_compressed_as_plain),
        cmocka_unit_test(import_sites_beyond_the_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
