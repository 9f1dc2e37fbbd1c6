/* test_trace_binary.c -- the .pbt twin: round trips, and clean errors on damaged files. */
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

#include "hand_workloads.h"
#include "pb_workload.h"

static struct pb_diag diag;
static char err[512];

static const char canonical[] = "poolbench-trace 1\n"
                                "a 1 48 @Node\n"
                                "a 2 48 @Node\n"
                                "a 3 200\n"
                                "r 3 400\n"
                                "f 1\n"
                                "a 1 48 8 @Node\n"
                                "a 9223372036854775807 1099511627776 4096 @std::vector<T>\n"
                                "a 4 0 1\n"
                                "f 9223372036854775807\n"
                                "x\n"
                                "a 2 5\n";

static void path_for(char *buf, size_t n, const char *suffix)
{
    snprintf(buf, n, "/tmp/test_trace_binary.%d.%s", (int)getpid(), suffix);
}

static void parse(const char *text, struct pb_workload *w)
{
    memset(&diag, 0, sizeof diag);
    memset(w, 0, sizeof *w);
    if (pb_workload_parse_text("t.trace", text, strlen(text), w, &diag))
        fail_msg("%s", diag.msg[0]);
}

static void load_ok(const char *path, struct pb_workload *w)
{
    memset(&diag, 0, sizeof diag);
    if (pb_workload_load(path, w, &diag))
        fail_msg("%s", diag.msg[0]);
}

/* w written as a .pbt (named for suffix) and loaded back into out. */
static void pbt_round_trip(const struct pb_workload *w, const char *suffix, struct pb_workload *out)
{
    char pbt[128];
    path_for(pbt, sizeof pbt, suffix);
    assert_int_equal(pb_workload_write_binary(w, pbt, err, sizeof err), 0);
    load_ok(pbt, out);
    unlink(pbt);
}

static void assert_same_workload(const struct pb_workload *a, const struct pb_workload *b)
{
    assert_int_equal(a->n_records, b->n_records);
    assert_int_equal(a->n_slots, b->n_slots);
    assert_int_equal(a->n_tags, b->n_tags);
    assert_memory_equal(a->events, b->events, a->n_records * sizeof *a->events);
    if (a->ids || b->ids)
        assert_memory_equal(a->ids, b->ids, a->n_records * sizeof *a->ids);
    assert_int_equal(a->tids == NULL, b->tids == NULL);
    if (a->tids)
        assert_memory_equal(a->tids, b->tids, a->n_records * sizeof *a->tids);
    for (uint32_t i = 0; i < a->n_tags; i++)
        assert_string_equal(a->tags[i], b->tags[i]);
    for (size_t i = 0; i < a->n_records; i++)
        assert_int_equal(pb_workload_line(a, i), pb_workload_line(b, i));
    assert_memory_equal(&a->fig, &b->fig, sizeof a->fig);
}

static void canonical_text_round_trips_exactly(void **state)
{
    (void)state;
    struct pb_workload from_text, from_pbt;
    parse(canonical, &from_text);
    pbt_round_trip(&from_text, "pbt", &from_pbt);
    assert_non_null(from_pbt.map);
    assert_same_workload(&from_text, &from_pbt);
    assert_string_equal(from_pbt.source, "trace");
    assert_int_equal(strlen(from_pbt.sha256), 64);
    char *text = tw_text(&from_pbt);
    assert_string_equal(text, canonical);
    free(text);
    pb_workload_free(&from_text);
    pb_workload_free(&from_pbt);
}

static void any_valid_text_keeps_its_events(void **state)
{
    (void)state;
    const char *messy = "# not canonical\n"
                        "\ta 0x10   64 16\t@A\r\n"
                        "\n"
                        "a 017 0x40\n"
                        "r 16 0\n"
                        "a 5 1 4096\n"
                        "f 0x11\n"
                        "x";
    struct pb_workload a, b, c;
    parse(messy, &a);
    pbt_round_trip(&a, "messy.pbt", &b);
    assert_same_workload(&a, &b);
    char *text = tw_text(&b);
    parse(text, &c);
    assert_int_equal(c.n_records, a.n_records);
    assert_memory_equal(c.events, a.events, a.n_records * sizeof *a.events);
    assert_memory_equal(c.ids, a.ids, a.n_records * sizeof *a.ids);
    assert_memory_equal(&c.fig, &a.fig, sizeof a.fig);
    free(text);
    pb_workload_free(&a);
    pb_workload_free(&b);
    pb_workload_free(&c);
}

static void workloads_without_ids_use_slots(void **state)
{
    (void)state;
    struct pb_workload a, b, c;
    parse(canonical, &a);
    free(a.ids);
    a.ids = NULL; /* as a generator may leave it */
    pbt_round_trip(&a, "noids.pbt", &b);
    assert_null(b.ids);
    char *text = tw_text(&b);
    parse(text, &c);
    assert_memory_equal(c.events, a.events, a.n_records * sizeof *a.events);
    free(text);
    pb_workload_free(&a);
    pb_workload_free(&b);
    pb_workload_free(&c);
}

static void empty_workload_round_trips(void **state)
{
    (void)state;
    struct pb_workload a, b;
    parse("", &a);
    pbt_round_trip(&a, "empty.pbt", &b);
    assert_int_equal(b.n_records, 0);
    char *text = tw_text(&b);
    assert_string_equal(text, "poolbench-trace 1\n");
    free(text);
    pb_workload_free(&a);
    pb_workload_free(&b);
}

/* ---- damaged files -------------------------------------------------------------- */

static unsigned char *pbt_bytes_of(const char *text, size_t *len);

static unsigned char *good_pbt(size_t *len)
{
    return pbt_bytes_of(canonical, len);
}

/* Write bytes as a .pbt and load it: the first problem's message, or NULL if it loads. */
static const char *load_bytes(const unsigned char *bytes, size_t len)
{
    char pbt[128];
    path_for(pbt, sizeof pbt, "damaged.pbt");
    FILE *f = fopen(pbt, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, len, f), len);
    fclose(f);
    struct pb_workload w;
    memset(&diag, 0, sizeof diag);
    int rc = pb_workload_load(pbt, &w, &diag);
    unlink(pbt);
    if (rc == 0) {
        pb_workload_free(&w);
        return NULL;
    }
    assert_true(diag.count >= 1);
    return diag.msg[0];
}

/* The header's checksum made right again for damaged contents (see trace_binary.c). */
static void fix_checksum(unsigned char *b, size_t len)
{
    uLong crc = crc32(0, b + 128, (uInt)(len - 128));
    crc = crc32(crc, b, 96);
    uint32_t c = (uint32_t)crc;
    memcpy(b + 96, &c, 4);
}

/* Damaged bytes with the checksum made right, loaded: load_bytes's answer. */
static const char *load_fixed(unsigned char *b, size_t len)
{
    fix_checksum(b, len);
    return load_bytes(b, len);
}

/* A trace of three threads, canonical: `t` only where the thread changes. */
static const char threaded[] = "poolbench-trace 1\n"
                               "a 1 64\n"
                               "a 2 64\n"
                               "t 1\n"
                               "f 1\n"
                               "a 3 128\n"
                               "t 0\n"
                               "f 3\n"
                               "r 2 100\n"
                               "t 65535\n"
                               "r 2 200\n"
                               "x\n"
                               "t 1\n"
                               "a 5 16\n";

static void threads_round_trip_text_pbt_text(void **state)
{
    (void)state;
    struct pb_workload from_text, from_pbt;
    parse(threaded, &from_text);
    assert_non_null(from_text.tids);
    assert_int_equal(from_text.tids[7], 65535); /* the x */
    pbt_round_trip(&from_text, "threads.pbt", &from_pbt);
    assert_same_workload(&from_text, &from_pbt);
    assert_int_equal(from_pbt.fig.threads, 3);
    char *text = tw_text(&from_pbt);
    assert_string_equal(text, threaded);
    free(text);
    pb_workload_free(&from_text);
    pb_workload_free(&from_pbt);
}

/* bytes, len: the file of a workload without threads, written as version 2. */
static unsigned char *pbt_bytes_of(const char *text, size_t *len)
{
    struct pb_workload w;
    parse(text, &w);
    char pbt[128];
    path_for(pbt, sizeof pbt, "bytes.pbt");
    assert_int_equal(pb_workload_write_binary(&w, pbt, err, sizeof err), 0);
    pb_workload_free(&w);
    FILE *f = fopen(pbt, "rb");
    assert_non_null(f);
    unsigned char *buf = malloc(1 << 16);
    *len = fread(buf, 1, 1 << 16, f);
    fclose(f);
    unlink(pbt);
    return buf;
}

/* Version 1, the layout without the threads section, still loads: every event thread 0. */
static void version_1_files_still_load(void **state)
{
    (void)state;
    struct pb_workload old, now;
    load_ok("data/example-v1.pbt", &old); /* written by the version-1 writer */
    memset(&diag, 0, sizeof diag);
    FILE *f = fopen("data/example.trace", "rb");
    assert_non_null(f);
    char text[4096];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    parse(text, &now);
    assert_null(old.tids);
    assert_same_workload(&now, &old);
    pb_workload_free(&old);
    pb_workload_free(&now);

    size_t len;
    unsigned char *b = pbt_bytes_of(canonical, &len);
    assert_int_equal(b[8], 2);
    b[8] = 1; /* the same file as version 1 */
    assert_null(load_fixed(b, len));
    free(b);
}

static void threads_sections_out_of_place_are_refused(void **state)
{
    (void)state;
    size_t len;
    unsigned char *b = pbt_bytes_of(threaded, &len);
    uint32_t flags;
    uint64_t tids_off, zero = 0;
    memcpy(&flags, b + 20, 4);
    memcpy(&tids_off, b + 104, 8);
    assert_int_equal(flags & 2, 2);
    assert_true(tids_off > 128);

    b[8] = 1; /* version 1 has no threads section */
    const char *m = load_fixed(b, len);
    assert_non_null(m);
    assert_non_null(strstr(m, "bad header size or flags"));
    b[8] = 2;

    uint32_t no_tids = flags & ~2u; /* an offset without the flag */
    memcpy(b + 20, &no_tids, 4);
    m = load_fixed(b, len);
    assert_non_null(m);
    assert_non_null(strstr(m, "a threads offset without the threads flag"));
    memcpy(b + 20, &flags, 4);

    uint64_t moved = tids_off + 2; /* a gap before it */
    memcpy(b + 104, &moved, 8);
    m = load_fixed(b, len);
    assert_non_null(m);
    assert_non_null(strstr(m, "threads section"));
    memcpy(b + 104, &zero, 8); /* the flag without an offset */
    assert_non_null(load_fixed(b, len));
    memcpy(b + 104, &tids_off, 8);
    assert_null(load_fixed(b, len));
    free(b);
}

static void truncated_files_are_clean_errors(void **state)
{
    (void)state;
    size_t len;
    unsigned char *b = good_pbt(&len);
    assert_null(load_bytes(b, len));
    const size_t cuts[] = {8, 9, 64, 127, 128, 129, 144, 200, len - 17, len - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        const char *m = load_bytes(b, cuts[i]);
        assert_non_null(m);
        assert_non_null(strstr(m, "truncated"));
    }
    free(b);
}

static void flipped_bytes_are_checksum_errors(void **state)
{
    (void)state;
    size_t len;
    unsigned char *b = good_pbt(&len);
    for (size_t at = 128; at < len; at += 13) {
        b[at] ^= 0x20;
        const char *m = load_bytes(b, len);
        assert_non_null(m);
        assert_non_null(strstr(m, "checksum"));
        b[at] ^= 0x20;
    }
    b[28] ^= 1; /* n_records high bits: no longer fits the file */
    assert_non_null(load_bytes(b, len));
    b[28] ^= 1;
    b[25] ^= 1; /* n_records changed by 256: sections do not fit */
    assert_non_null(load_bytes(b, len));
    b[25] ^= 1;
    b[100] = 1; /* reserved bytes */
    assert_non_null(load_bytes(b, len));
    b[100] = 0;
    assert_null(load_bytes(b, len));
    free(b);
}

static void bad_magic_version_and_byte_order(void **state)
{
    (void)state;
    size_t len;
    unsigned char *b = good_pbt(&len);
    b[7] = 'X'; /* no longer the magic: read as text, which it is not */
    assert_non_null(load_bytes(b, len));
    b[7] = '\0';
    b[8] = 3;
    const char *m = load_bytes(b, len);
    assert_non_null(m);
    assert_non_null(strstr(m, "unsupported binary trace version 3 (this poolbench reads versions "
                              "1 and 2"));
    b[8] = 2;
    uint32_t swapped = 0x04030201;
    memcpy(b + 12, &swapped, 4);
    assert_non_null(strstr(load_bytes(b, len), "byte order"));
    free(b);
}

/* Damage the checksum cannot see (it is recomputed): the replay check still refuses. */
static void inconsistent_events_are_refused_even_with_a_good_checksum(void **state)
{
    (void)state;
    size_t len;
    unsigned char *b = good_pbt(&len);
    const size_t ev = 128;
    /* event 4 is "f 1": give it the wrong size, a dead slot, an out-of-range slot, a bad op */
    const struct { size_t off; unsigned char val; } damage[] = {
        {ev + 4 * 16 + 0, 47},  /* size of f differs from the block's */
        {ev + 4 * 16 + 8, 7},   /* slot 7 >= n_slots */
        {ev + 4 * 16 + 14, 9},  /* op 9 */
        {ev + 0 * 16 + 15, 13}, /* alignment 2^13 */
        {ev + 0 * 16 + 12, 9},  /* tag 9 > n_tags */
        {ev + 1 * 16 + 8, 0},   /* a on slot 0, which is live */
        {ev + 9 * 16 + 0, 1},   /* x with a size */
    };
    for (size_t i = 0; i < sizeof damage / sizeof damage[0]; i++) {
        unsigned char saved = b[damage[i].off];
        b[damage[i].off] = damage[i].val;
        const char *m = load_fixed(b, len);
        if (!m)
            fail_msg("damage %zu was not detected", i);
        assert_non_null(strstr(m, "corrupt binary trace"));
        assert_null(strstr(m, "checksum")); /* the replay check caught it, not the CRC */
        b[damage[i].off] = saved;
    }
    /* a slot count past the events is refused before anything is sized by it (the
     * fuzzer's 0xffffffff slots made the check allocate 16 GiB) */
    uint32_t n_slots;
    memcpy(&n_slots, b + 32, 4);
    const uint32_t huge[] = {0xffffffffu, 12}; /* 11 events */
    for (size_t i = 0; i < 2; i++) {
        memcpy(b + 32, &huge[i], 4);
        const char *m = load_fixed(b, len);
        assert_non_null(m);
        assert_non_null(strstr(m, "corrupt binary trace"));
        assert_non_null(strstr(m, "slots for 11 events"));
    }
    memcpy(b + 32, &n_slots, 4);
    /* an id that no longer matches its block */
    size_t ids = ev + 11 * 16;
    b[ids + 4 * 8] = 2; /* "f 1" becomes "f 2" while slot 0 holds id 1 */
    assert_non_null(strstr(load_fixed(b, len), "ids section: event 4 (f) has id 2"));
    b[ids + 4 * 8] = 1;
    assert_null(load_fixed(b, len));
    free(b);
}

/* Random damage with the checksum made right: a clean error, or a workload that is
 * still a consistent replay whose text parses back to the same events. */
static void random_damage_is_caught_or_harmless(void **state)
{
    (void)state;
    size_t len;
    unsigned char *good = good_pbt(&len);
    unsigned char *b = malloc(len);
    uint64_t x = 0x9E3779B97F4A7C15ULL;
    char pbt[128];
    path_for(pbt, sizeof pbt, "random.pbt");
    for (int round = 0; round < 400; round++) {
        memcpy(b, good, len);
        for (int k = 0; k < 1 + round % 3; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            b[x % len] ^= (unsigned char)(1u << ((x >> 32) % 8));
        }
        fix_checksum(b, len);
        FILE *f = fopen(pbt, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(b, 1, len, f), len);
        fclose(f);
        struct pb_workload w, back;
        memset(&diag, 0, sizeof diag);
        if (pb_workload_load(pbt, &w, &diag) != 0)
            continue;
        assert_int_equal(pb_workload_check(&w, NULL, 0), 0);
        char *text = tw_text(&w);
        memset(&diag, 0, sizeof diag);
        memset(&back, 0, sizeof back);
        if (pb_workload_parse_text("t", text, strlen(text), &back, &diag))
            fail_msg("round %d: loaded but its text is invalid: %s", round, diag.msg[0]);
        char *again = tw_text(&back); /* same meaning, whatever slots the damage chose */
        assert_string_equal(again, text);
        assert_true(w.n_slots == back.n_slots);
        free(again);
        free(text);
        pb_workload_free(&back);
        pb_workload_free(&w);
    }
    unlink(pbt);
    free(b);
    free(good);
}

/* ---- the header's counts and offsets against the sections ---------------------- */

/* canonical as a .pbt: 11 events at 128, ids at 304, 1 line mark at 392, tags at 408
 * ("Node", "std::vector<T>": 20 bytes), 428 bytes in all. */
#define H_RECORDS 24
#define H_SLOTS 32
#define H_TAGS 36
#define H_LINES 40
#define H_EVENTS_OFF 48
#define H_IDS_OFF 56
#define H_LINES_OFF 64
#define H_TAGS_OFF 72
#define H_TAGS_SIZE 80

static uint64_t get_u64(const unsigned char *b, size_t at)
{
    uint64_t v;
    memcpy(&v, b + at, 8);
    return v;
}

static void put_u64(unsigned char *b, size_t at, uint64_t v)
{
    memcpy(b + at, &v, 8);
}

/* b with the header field at `at` (4 or 8 bytes) set to v and the checksum made right:
 * the first problem's message, which must be a structural one (not the checksum). */
static const char *refused_with_field(unsigned char *b, size_t len, size_t at, int width,
                                      uint64_t v)
{
    unsigned char saved[8];
    memcpy(saved, b + at, 8);
    if (width == 8) {
        put_u64(b, at, v);
    } else {
        uint32_t v32 = (uint32_t)v;
        memcpy(b + at, &v32, 4);
    }
    const char *m = load_fixed(b, len);
    memcpy(b + at, saved, 8);
    fix_checksum(b, len);
    if (!m)
        fail_msg("header field at %zu set to %llu: the file was accepted", at,
                 (unsigned long long)v);
    assert_non_null(strstr(m, "corrupt binary trace: "));
    assert_null(strstr(m, "checksum"));
    return m;
}

static void assert_has(const char *m, const char *what)
{
    if (!m)
        fail_msg("expected '%s', but the file was accepted", what);
    if (!strstr(m, what))
        fail_msg("expected '%s' in '%s'", what, m);
}

static void every_count_off_by_one_is_refused(void **state)
{
    (void)state;
    size_t len;
    unsigned char *b = good_pbt(&len);
    assert_int_equal(len, 428);
    assert_null(load_bytes(b, len));
    const struct { size_t at; int width; } counts[] = {
        {H_RECORDS, 8}, {H_SLOTS, 4}, {H_TAGS, 4}, {H_LINES, 8}, {H_TAGS_SIZE, 8},
    };
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        uint64_t v = counts[i].width == 8 ? get_u64(b, counts[i].at) : 0;
        if (counts[i].width == 4) {
            uint32_t v32;
            memcpy(&v32, b + counts[i].at, 4);
            v = v32;
        }
        refused_with_field(b, len, counts[i].at, counts[i].width, v + 1);
        refused_with_field(b, len, counts[i].at, counts[i].width, v - 1);
    }
    /* the case: one more event than there are, which would be read out of the ids */
    const char *m = refused_with_field(b, len, H_RECORDS, 8, 12);
    assert_has(m, "ids section (offset 304) overlaps the events section, which ends at "
                  "offset 320");
    m = refused_with_field(b, len, H_RECORDS, 8, 10);
    assert_has(m, "ids section (offset 304) does not follow the events section, which ends at "
                  "offset 288");
    m = refused_with_field(b, len, H_LINES, 8, 2);
    assert_has(m, "tags section (offset 408) overlaps the line marks section, which ends at "
                  "offset 424");
    m = refused_with_field(b, len, H_TAGS_SIZE, 8, 19);
    assert_has(m, "1 bytes of trailing data after the tags section, which ends at offset 427 "
                  "(the file has 428 bytes)");
    m = refused_with_field(b, len, H_TAGS_SIZE, 8, 21);
    assert_has(m, "tags section (offset 408, 21 bytes) runs past the end of the file (428 bytes)");
    m = refused_with_field(b, len, H_TAGS, 4, 1);
    assert_has(m, "tags section: 15 bytes after the last of its 1 tags");
    m = refused_with_field(b, len, H_TAGS, 4, 3);
    assert_has(m, "tags section: tag 3 (at byte 20)");
    m = refused_with_field(b, len, H_SLOTS, 4, 6);
    assert_has(m, "6 slots, but the events use 5");
    free(b);
}

static void sections_out_of_place_are_refused(void **state)
{
    (void)state;
    size_t len;
    unsigned char *b = good_pbt(&len);
    const size_t offs[] = {H_EVENTS_OFF, H_IDS_OFF, H_LINES_OFF, H_TAGS_OFF};
    for (size_t i = 0; i < 4; i++) {
        uint64_t v = get_u64(b, offs[i]);
        const uint64_t bad[] = {v + 1, v - 1, v + 8, v - 8, v + 16, v - 16, 0, len, len + 1,
                                UINT64_MAX, UINT64_MAX - 15};
        for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
            if (bad[k] != v)
                refused_with_field(b, len, offs[i], 8, bad[k]);
    }
    /* overlapping sections: every one placed on the events */
    assert_has(refused_with_field(b, len, H_IDS_OFF, 8, 128),
               "ids section (offset 128) overlaps the events section");
    assert_has(refused_with_field(b, len, H_LINES_OFF, 8, 304),
               "line marks section (offset 304) overlaps the ids section, which ends at offset 392");
    assert_has(refused_with_field(b, len, H_EVENTS_OFF, 8, 0),
               "events section (offset 0) overlaps the header, which ends at offset 128");
    /* offsets past the end of the file */
    assert_has(refused_with_field(b, len, H_TAGS_OFF, 8, 4096),
               "tags section (offset 4096) starts past the end of the file (428 bytes)");
    assert_has(refused_with_field(b, len, H_IDS_OFF, 8, UINT64_MAX - 7),
               "ids section (offset 18446744073709551608) starts past the end of the file");
    /* ids without the flag, and the flag without ids */
    unsigned char flags = b[20];
    b[20] = 0;
    assert_has(load_fixed(b, len), "an ids offset without the ids flag");
    put_u64(b, H_IDS_OFF, 0);
    assert_has(load_fixed(b, len), "line marks section (offset 392) does not follow the events "
                                   "section, which ends at offset 304");
    b[20] = flags;
    put_u64(b, H_IDS_OFF, 304);
    assert_null(load_fixed(b, len));
    free(b);
}

/* Counts whose byte sizes do not fit 64 bits must not wrap around into "fits". */
static void huge_counts_do_not_overflow(void **state)
{
    (void)state;
    size_t len;
    unsigned char *b = good_pbt(&len);
    const uint64_t huge[] = {(1ull << 60) + 1, (1ull << 61) + 1, UINT64_MAX, UINT64_MAX / 16 + 1,
                             UINT64_MAX / 24 + 1, 1ull << 63};
    for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
        const char *m = refused_with_field(b, len, H_RECORDS, 8, huge[i]);
        assert_has(m, "events section (offset 128, ");
        assert_has(m, "runs past the end of the file (428 bytes)");
        m = refused_with_field(b, len, H_TAGS_SIZE, 8, huge[i]);
        assert_has(m, "bytes of tags for 2 tags");
        refused_with_field(b, len, H_LINES, 8, huge[i]);
    }
    assert_has(refused_with_field(b, len, H_RECORDS, 8, (1ull << 60) + 1),
               "events section (offset 128, 1152921504606846977 x 16 bytes) runs past the end");
    assert_has(refused_with_field(b, len, H_LINES, 8, 1ull << 60),
               "1152921504606846976 line marks for 11 events");
    assert_has(refused_with_field(b, len, H_TAGS, 4, 0xffffffffu), "4294967295 tags (at most 65535)");
    free(b);
}

static void trailing_garbage_is_refused(void **state)
{
    (void)state;
    size_t len;
    unsigned char *b = good_pbt(&len);
    b = realloc(b, len + 64);
    memset(b + len, 0, 64);
    put_u64(b, 88, len + 64); /* the header's file size says so too */
    assert_has(load_fixed(b, len + 64), "corrupt binary trace: 64 bytes of trailing data after "
                                        "the tags section, which ends at offset 428");
    free(b);
}

/* A workload the builder would never make, written as is: the loader must refuse it. */
static const char *refused_workload(struct pb_workload *w)
{
    char pbt[128];
    path_for(pbt, sizeof pbt, "crafted.pbt");
    assert_int_equal(pb_workload_write_binary(w, pbt, err, sizeof err), 0);
    struct pb_workload back;
    memset(&diag, 0, sizeof diag);
    int rc = pb_workload_load(pbt, &back, &diag);
    unlink(pbt);
    if (rc == 0) {
        pb_workload_free(&back);
        fail_msg("the crafted file was accepted");
    }
    assert_non_null(strstr(diag.msg[0], "corrupt binary trace: "));
    return diag.msg[0];
}

static void bad_tag_names_are_refused(void **state)
{
    (void)state;
    char text[200];
    snprintf(text, sizeof text, "a 1 8 @%064d\na 2 8 @B\n", 0);
    struct pb_workload w;
    parse(text, &w);
    char *saved = w.tags[0];
    char long_tag[PB_MAX_TAG_LEN + 2];
    memset(long_tag, 'T', PB_MAX_TAG_LEN + 1);
    long_tag[PB_MAX_TAG_LEN + 1] = '\0';
    w.tags[0] = long_tag; /* 65 characters */
    assert_has(refused_workload(&w), "tags section: tag 1 (at byte 0) is not 1 to 64 tag "
                                     "characters and a NUL");
    w.tags[0] = "a/b";
    assert_has(refused_workload(&w), "tags section: tag 1");
    w.tags[0] = "B"; /* the same name twice */
    assert_has(refused_workload(&w), "tags section: tag 'B' appears twice");
    w.tags[0] = saved;
    pb_workload_free(&w);
}

static void ids_shared_by_live_blocks_are_refused(void **state)
{
    (void)state;
    struct pb_workload w;
    parse("a 5 8\na 6 8\nf 5\nx\na 6 1\n", &w);
    assert_non_null(w.ids);
    w.ids[1] = 5; /* two live blocks called 5: the text would be "a 5 8\na 5 8" */
    assert_has(refused_workload(&w), "ids section: event 1 (a) allocates id 5, which is already "
                                     "live (slot 0)");
    w.ids[1] = 6;
    w.ids[4] = 5; /* after x, ids are free again: fine */
    char pbt[128];
    path_for(pbt, sizeof pbt, "ids.pbt");
    assert_int_equal(pb_workload_write_binary(&w, pbt, err, sizeof err), 0);
    struct pb_workload back;
    load_ok(pbt, &back);
    pb_workload_free(&back);
    unlink(pbt);
    w.ids[4] = 6;
    w.ids[3] = 7; /* x has id 0 */
    assert_has(refused_workload(&w), "ids section: event 3 (x) has id 7, not 0");
    w.ids[3] = 0;
    w.ids[0] = PB_MAX_ID;
    assert_has(refused_workload(&w), "ids section: event 0 has id 9223372036854775808");
    pb_workload_free(&w);
}

/* Many short-lived ids (the loader's id table is rebuilt from the live blocks as they
 * come and go), then long-lived ones reused: still caught after every rebuild. */
static void ids_shared_after_many_others_are_refused(void **state)
{
    (void)state;
    char *text = malloc(1 << 16);
    size_t at = 0;
    for (int i = 1; i <= 10; i++)
        at += (size_t)sprintf(text + at, "a %d 8\n", i);
    for (int k = 0; k < 500; k++)
        at += (size_t)sprintf(text + at, "a %d 8\nf %d\n", 1000 + k % 300, 1000 + k % 300);
    at += (size_t)sprintf(text + at, "a 11 8\nf 2\na 12 8\n");
    struct pb_workload w;
    parse(text, &w);
    size_t last = w.n_records - 1; /* a 12 */
    w.ids[last] = 3;
    assert_has(refused_workload(&w), "allocates id 3, which is already live");
    w.ids[last] = 2; /* 2 was freed just before: fine */
    char pbt[128];
    path_for(pbt, sizeof pbt, "many.pbt");
    assert_int_equal(pb_workload_write_binary(&w, pbt, err, sizeof err), 0);
    struct pb_workload back;
    load_ok(pbt, &back);
    pb_workload_free(&back);
    unlink(pbt);
    w.ids[last] = 11; /* the block just before */
    assert_has(refused_workload(&w), "allocates id 11, which is already live");
    w.ids[last] = 1299; /* short-lived, long dead */
    assert_int_equal(pb_workload_write_binary(&w, pbt, err, sizeof err), 0);
    load_ok(pbt, &back);
    pb_workload_free(&back);
    unlink(pbt);
    pb_workload_free(&w);
    free(text);
}

static void line_marks_out_of_order_are_refused(void **state)
{
    (void)state;
    struct pb_workload w;
    parse("a 1 8\n# c\na 2 8\nf 1\n\nf 2\n", &w); /* marks {0, 1}, {1, 3}, {3, 6} */
    assert_int_equal(w.n_lines, 3);
    w.lines[1].line = 2; /* events 1 and 2 at lines 2 and 3: event 0 is at line 1, fine */
    char pbt[128];
    path_for(pbt, sizeof pbt, "lines.pbt");
    assert_int_equal(pb_workload_write_binary(&w, pbt, err, sizeof err), 0);
    struct pb_workload back;
    load_ok(pbt, &back);
    pb_workload_free(&back);
    unlink(pbt);
    w.lines[1].line = 1; /* the line of event 0 again */
    assert_has(refused_workload(&w), "line marks: mark 1 (event 1, line 1) is out of order");
    w.lines[1].line = 3;
    w.lines[2].line = 4; /* event 2 is at line 4 already */
    assert_has(refused_workload(&w), "line marks: mark 2 (event 3, line 4)");
    w.lines[2].line = 6;
    w.lines[0].line = 0;
    assert_has(refused_workload(&w), "line marks: mark 0 (event 0, line 0)");
    w.lines[0].line = 1;
    w.lines[2].line = UINT64_MAX; /* its one event is at line 2^64 - 1: fine; one more is not */
    path_for(pbt, sizeof pbt, "lines.pbt");
    assert_int_equal(pb_workload_write_binary(&w, pbt, err, sizeof err), 0);
    load_ok(pbt, &back);
    pb_workload_free(&back);
    unlink(pbt);
    w.lines[2].event = 2;
    w.lines[2].line = UINT64_MAX;
    assert_has(refused_workload(&w), "line marks: mark 2 (event 2, line 18446744073709551615)");
    w.lines[2].event = 1;
    assert_has(refused_workload(&w), "line marks: mark 2 (event 1,");
    w.lines[2].event = 4;
    assert_has(refused_workload(&w), "line marks: mark 2 (event 4,");
    w.lines[2].event = 3;
    w.lines[2].line = 6;
    pb_workload_free(&w);
}

static void write_failures_leave_nothing(void **state)
{
    (void)state;
    struct pb_workload w;
    parse(canonical, &w);
    assert_int_equal(pb_workload_write_binary(&w, "/nonexistent/dir/x.pbt", err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/dir/x.pbt"));
    char pbt[128];
    path_for(pbt, sizeof pbt, "atomic.pbt");
    mode_t old_mask = umask(022); /* new files are 0666 & ~umask */
    assert_int_equal(pb_workload_write_binary(&w, pbt, err, sizeof err), 0);
    umask(old_mask);
    struct stat st;
    assert_int_equal(stat(pbt, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    unlink(pbt);
    pb_workload_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(canonical_text_round_trips_exactly),
        cmocka_unit_test(any_valid_text_keeps_its_events),
        cmocka_unit_test(workloads_without_ids_use_slots),
        cmocka_unit_test(empty_workload_round_trips),
        cmocka_unit_test(truncated_files_are_clean_errors),
        cmocka_unit_test(flipped_bytes_are_checksum_errors),
        cmocka_unit_test(bad_magic_version_and_byte_order),
        cmocka_unit_test(threads_round_trip_text_pbt_text),
        cmocka_unit_test(version_1_files_still_load),
        cmocka_unit_test(threads_sections_out_of_place_are_refused),
        cmocka_unit_test(inconsistent_events_are_refused_even_with_a_good_checksum),
        cmocka_unit_test(random_damage_is_caught_or_harmless),
        cmocka_unit_test(every_count_off_by_one_is_refused),
        cmocka_unit_test(sections_out_of_place_are_refused),
        cmocka_unit_test(huge_counts_do_not_overflow),
        cmocka_unit_test(trailing_garbage_is_refused),
        cmocka_unit_test(bad_tag_names_are_refused),
        cmocka_unit_test(ids_shared_by_live_blocks_are_refused),
        cmocka_unit_test(ids_shared_after_many_others_are_refused),
        cmocka_unit_test(line_marks_out_of_order_are_refused),
        cmocka_unit_test(write_failures_leave_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
