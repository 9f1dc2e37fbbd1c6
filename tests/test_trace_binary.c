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

/* w as canonical text, in a malloc'd NUL-terminated buffer. */
static char *as_text(const struct pb_workload *w)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(pb_workload_write_text(w, f), 0);
    fclose(f);
    return buf;
}

static void assert_same_workload(const struct pb_workload *a, const struct pb_workload *b)
{
    assert_int_equal(a->n_records, b->n_records);
    assert_int_equal(a->n_slots, b->n_slots);
    assert_int_equal(a->n_tags, b->n_tags);
    assert_memory_equal(a->events, b->events, a->n_records * sizeof *a->events);
    if (a->ids || b->ids)
        assert_memory_equal(a->ids, b->ids, a->n_records * sizeof *a->ids);
    for (uint32_t i = 0; i < a->n_tags; i++)
        assert_string_equal(a->tags[i], b->tags[i]);
    for (size_t i = 0; i < a->n_records; i++)
        assert_int_equal(pb_workload_line(a, i), pb_workload_line(b, i));
    assert_memory_equal(&a->fig, &b->fig, sizeof a->fig);
}

static void canonical_text_round_trips_exactly(void **state)
{
    (void)state;
    char pbt[128];
    path_for(pbt, sizeof pbt, "pbt");
    struct pb_workload from_text, from_pbt;
    parse(canonical, &from_text);
    assert_int_equal(pb_workload_write_binary(&from_text, pbt, err, sizeof err), 0);
    load_ok(pbt, &from_pbt);
    assert_non_null(from_pbt.map);
    assert_same_workload(&from_text, &from_pbt);
    assert_string_equal(from_pbt.source, "trace");
    assert_int_equal(strlen(from_pbt.sha256), 64);
    char *text = as_text(&from_pbt);
    assert_string_equal(text, canonical);
    free(text);
    pb_workload_free(&from_text);
    pb_workload_free(&from_pbt);
    unlink(pbt);
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
    char pbt[128];
    path_for(pbt, sizeof pbt, "messy.pbt");
    struct pb_workload a, b, c;
    parse(messy, &a);
    assert_int_equal(pb_workload_write_binary(&a, pbt, err, sizeof err), 0);
    load_ok(pbt, &b);
    assert_same_workload(&a, &b);
    char *text = as_text(&b);
    parse(text, &c);
    assert_int_equal(c.n_records, a.n_records);
    assert_memory_equal(c.events, a.events, a.n_records * sizeof *a.events);
    assert_memory_equal(c.ids, a.ids, a.n_records * sizeof *a.ids);
    assert_memory_equal(&c.fig, &a.fig, sizeof a.fig);
    free(text);
    pb_workload_free(&a);
    pb_workload_free(&b);
    pb_workload_free(&c);
    unlink(pbt);
}

static void workloads_without_ids_use_slots(void **state)
{
    (void)state;
    struct pb_workload a, b, c;
    parse(canonical, &a);
    free(a.ids);
    a.ids = NULL; /* as a generator may leave it */
    char pbt[128];
    path_for(pbt, sizeof pbt, "noids.pbt");
    assert_int_equal(pb_workload_write_binary(&a, pbt, err, sizeof err), 0);
    load_ok(pbt, &b);
    assert_null(b.ids);
    char *text = as_text(&b);
    parse(text, &c);
    assert_memory_equal(c.events, a.events, a.n_records * sizeof *a.events);
    free(text);
    pb_workload_free(&a);
    pb_workload_free(&b);
    pb_workload_free(&c);
    unlink(pbt);
}

static void empty_workload_round_trips(void **state)
{
    (void)state;
    struct pb_workload a, b;
    parse("", &a);
    char pbt[128];
    path_for(pbt, sizeof pbt, "empty.pbt");
    assert_int_equal(pb_workload_write_binary(&a, pbt, err, sizeof err), 0);
    load_ok(pbt, &b);
    assert_int_equal(b.n_records, 0);
    char *text = as_text(&b);
    assert_string_equal(text, "poolbench-trace 1\n");
    free(text);
    pb_workload_free(&a);
    pb_workload_free(&b);
    unlink(pbt);
}

/* ---- damaged files -------------------------------------------------------------- */

static unsigned char *good_pbt(size_t *len)
{
    struct pb_workload w;
    parse(canonical, &w);
    char pbt[128];
    path_for(pbt, sizeof pbt, "good.pbt");
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
    b[8] = 2;
    assert_non_null(strstr(load_bytes(b, len), "unsupported binary trace version 2"));
    b[8] = 1;
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
        fix_checksum(b, len);
        const char *m = load_bytes(b, len);
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
        fix_checksum(b, len);
        const char *m = load_bytes(b, len);
        assert_non_null(m);
        assert_non_null(strstr(m, "corrupt binary trace"));
        assert_non_null(strstr(m, "slots for 11 events"));
    }
    memcpy(b + 32, &n_slots, 4);
    /* an id that no longer matches its block */
    size_t ids = ev + 11 * 16;
    b[ids + 4 * 8] = 2; /* "f 1" becomes "f 2" while slot 0 holds id 1 */
    fix_checksum(b, len);
    assert_non_null(strstr(load_bytes(b, len), "ids do not match"));
    b[ids + 4 * 8] = 1;
    fix_checksum(b, len);
    assert_null(load_bytes(b, len));
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
        char *text = as_text(&w);
        memset(&diag, 0, sizeof diag);
        memset(&back, 0, sizeof back);
        if (pb_workload_parse_text("t", text, strlen(text), &back, &diag))
            fail_msg("round %d: loaded but its text is invalid: %s", round, diag.msg[0]);
        char *again = as_text(&back); /* same meaning, whatever slots the damage chose */
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
        cmocka_unit_test(inconsistent_events_are_refused_even_with_a_good_checksum),
        cmocka_unit_test(random_damage_is_caught_or_harmless),
        cmocka_unit_test(write_failures_leave_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
