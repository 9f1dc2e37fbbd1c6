/*
 * pb_sha256.h -- SHA-256 (FIPS 180-4), to name a trace file by its bytes
 * (the workload's `sha256` field in results).
 */
#ifndef PB_SHA256_H
#define PB_SHA256_H

#include <stddef.h>
#include <stdint.h>

/* A running hash: init, update any number of times, final once. */
struct pb_sha256 {
    uint32_t h[8];
    uint64_t total;          /* bytes hashed so far */
    unsigned char buf[64];   /* a partial block */
    size_t n_buf;
    int portable;            /* 1: never use the CPU's SHA instructions */
};

/* Start a new hash. */
void pb_sha256_init(struct pb_sha256 *s);

/* Whether this CPU has the x86 SHA extensions, which the hash then uses. */
int pb_sha256_hw_available(void);

/* Hash len more bytes. */
void pb_sha256_update(struct pb_sha256 *s, const void *data, size_t len);

/* Finish: the 32-byte digest. */
void pb_sha256_final(struct pb_sha256 *s, unsigned char digest[32]);

/* Finish and write the digest as 64 lowercase hex digits plus NUL. */
void pb_sha256_final_hex(struct pb_sha256 *s, char hex[65]);

#endif /* PB_SHA256_H */
