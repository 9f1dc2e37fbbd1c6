/* test_sha256.c -- SHA-256 against the FIPS 180-4 examples, both code paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "pb_sha256.h"

static void hash(const void *p, size_t n, int portable, char hex[65])
{
    struct pb_sha256 s;
    pb_sha256_init(&s);
    if (portable)
        s.portable = 1;
    pb_sha256_update(&s, p, n);
    pb_sha256_final_hex(&s, hex);
}

static void check_both(const void *p, size_t n, const char *expected)
{
    char hex[65];
    hash(p, n, 1, hex);
    assert_string_equal(hex, expected);
    hash(p, n, 0, hex);
    assert_string_equal(hex, expected);
}

static void fips_vectors(void **state)
{
    (void)state;
    check_both("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    check_both("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    check_both(two, strlen(two),
               "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    const char *four = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                       "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    check_both(four, strlen(four),
               "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
    char *million = malloc(1000000);
    assert_non_null(million);
    memset(million, 'a', 1000000);
    check_both(million, 1000000,
               "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(million);
}

/* Any split of the input into updates gives the same digest, on both paths. */
static void pieces_give_the_same_digest(void **state)
{
    (void)state;
    unsigned char data[300];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)(i * 37 + 11);
    char whole[65], portable[65];
    hash(data, sizeof data, 0, whole);
    hash(data, sizeof data, 1, portable);
    assert_string_equal(whole, portable);
    for (size_t cut = 0; cut <= sizeof data; cut += 7) {
        struct pb_sha256 s;
        char hex[65];
        pb_sha256_init(&s);
        pb_sha256_update(&s, data, cut);
        pb_sha256_update(&s, data + cut, sizeof data - cut);
        pb_sha256_final_hex(&s, hex);
        assert_string_equal(hex, whole);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fips_vectors),
        cmocka_unit_test(pieces_give_the_same_digest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
