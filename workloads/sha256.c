/*
 * sha256.c -- SHA-256 as FIPS 180-4 describes it: 64-byte blocks, a
 * 64-word message schedule, 64 rounds. The round constants are the first 32
 * bits of the fractional parts of the cube roots of the first 64 primes, the
 * initial state those of the square roots of the first 8 primes.
 *
 * On x86-64 CPUs with the SHA extensions (cpuid leaf 7, EBX bit 29) whole
 * blocks go through sha256rnds2/sha256msg1/sha256msg2 instead, about five
 * times faster; the state is then kept in the ABEF/CDGH lane order those
 * instructions use. A context can be told to stay portable (tests compare
 * the two).
 */
#include "pb_sha256.h"

#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#define PB_SHA_X86 1
#endif

static const uint32_t k_round[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2,
};

static const uint32_t h_initial[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

static uint32_t rotr(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32 - n));
}

static uint32_t load_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void store_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static void compress(uint32_t h[8], const unsigned char *block)
{
    uint32_t w[64];
    for (int t = 0; t < 16; t++)
        w[t] = load_be32(block + 4 * t);
    for (int t = 16; t < 64; t++) {
        uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
        uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int t = 0; t < 64; t++) {
        uint32_t s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
        uint32_t ch = (e & f) ^ (~e & g);
        uint32_t t1 = hh + s1 + ch + k_round[t] + w[t];
        uint32_t s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
        uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
        uint32_t t2 = s0 + maj;
        hh = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
}

#ifdef PB_SHA_X86
int pb_sha256_hw_available(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSE4_1) || !(c & bit_SSSE3))
        return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
        return 0;
    return (b >> 29) & 1;
}

/* Four rounds: add the constants to message words m, two rnds2 of two rounds each. */
__attribute__((target("sha,sse4.1"))) static inline void
rounds4(__m128i *abef, __m128i *cdgh, __m128i m, int group)
{
    __m128i k = _mm_add_epi32(m, _mm_loadu_si128((const __m128i *)&k_round[4 * group]));
    *cdgh = _mm_sha256rnds2_epu32(*cdgh, *abef, k);
    k = _mm_shuffle_epi32(k, 0x0E);
    *abef = _mm_sha256rnds2_epu32(*abef, *cdgh, k);
}

__attribute__((target("sha,sse4.1"))) static void
compress_hw(uint32_t h[8], const unsigned char *p, size_t n_blocks)
{
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    __m128i abcd = _mm_loadu_si128((const __m128i *)&h[0]);
    __m128i efgh = _mm_loadu_si128((const __m128i *)&h[4]);
    __m128i badc = _mm_shuffle_epi32(abcd, 0xB1);
    __m128i hgfe = _mm_shuffle_epi32(efgh, 0x1B);
    __m128i abef = _mm_alignr_epi8(badc, hgfe, 8);
    __m128i cdgh = _mm_blend_epi16(hgfe, badc, 0xF0);
    for (; n_blocks; n_blocks--, p += 64) {
        __m128i abef0 = abef, cdgh0 = cdgh, m[4];
        for (int i = 0; i < 4; i++) {
            m[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), bswap);
            rounds4(&abef, &cdgh, m[i], i);
        }
        for (int i = 4; i < 16; i++) {
            /* W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16], four at a time */
            __m128i prev = m[(i - 1) & 3], prev2 = m[(i - 2) & 3];
            __m128i x = _mm_sha256msg1_epu32(m[i & 3], m[(i - 3) & 3]);
            x = _mm_add_epi32(x, _mm_alignr_epi8(prev, prev2, 4));
            m[i & 3] = _mm_sha256msg2_epu32(x, prev);
            rounds4(&abef, &cdgh, m[i & 3], i);
        }
        abef = _mm_add_epi32(abef, abef0);
        cdgh = _mm_add_epi32(cdgh, cdgh0);
    }
    __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
    __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
    _mm_storeu_si128((__m128i *)&h[0], _mm_blend_epi16(feba, dchg, 0xF0));
    _mm_storeu_si128((__m128i *)&h[4], _mm_alignr_epi8(dchg, feba, 8));
}
#else
int pb_sha256_hw_available(void)
{
    return 0;
}
#endif

/* Hash n_blocks whole 64-byte blocks. */
static void compress_blocks(struct pb_sha256 *s, const unsigned char *p, size_t n_blocks)
{
#ifdef PB_SHA_X86
    if (!s->portable) {
        compress_hw(s->h, p, n_blocks);
        return;
    }
#endif
    for (; n_blocks; n_blocks--, p += 64)
        compress(s->h, p);
}

void pb_sha256_init(struct pb_sha256 *s)
{
    memcpy(s->h, h_initial, sizeof s->h);
    s->total = 0;
    s->n_buf = 0;
    s->portable = !pb_sha256_hw_available();
}

void pb_sha256_update(struct pb_sha256 *s, const void *data, size_t len)
{
    const unsigned char *p = data;
    s->total += len;
    if (s->n_buf) {
        size_t take = 64 - s->n_buf < len ? 64 - s->n_buf : len;
        memcpy(s->buf + s->n_buf, p, take);
        s->n_buf += take;
        p += take;
        len -= take;
        if (s->n_buf < 64)
            return;
        compress_blocks(s, s->buf, 1);
        s->n_buf = 0;
    }
    compress_blocks(s, p, len / 64);
    p += len / 64 * 64;
    len %= 64;
    memcpy(s->buf, p, len);
    s->n_buf = len;
}

void pb_sha256_final(struct pb_sha256 *s, unsigned char digest[32])
{
    uint64_t bits = s->total * 8;
    unsigned char pad[72] = {0x80};
    /* pad to 56 mod 64, then the 64-bit big-endian length */
    size_t n_pad = (s->n_buf < 56 ? 56 : 120) - s->n_buf;
    for (int i = 0; i < 8; i++)
        pad[n_pad + (size_t)i] = (unsigned char)(bits >> (56 - 8 * i));
    pb_sha256_update(s, pad, n_pad + 8);
    for (int i = 0; i < 8; i++)
        store_be32(digest + 4 * i, s->h[i]);
}

void pb_sha256_final_hex(struct pb_sha256 *s, char hex[65])
{
    static const char digits[] = "0123456789abcdef";
    unsigned char d[32];
    pb_sha256_final(s, d);
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = digits[d[i] >> 4];
        hex[2 * i + 1] = digits[d[i] & 15];
    }
    hex[64] = '\0';
}
