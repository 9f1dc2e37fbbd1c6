/*
 * zstream.c -- plain, zstd or gzip data from a FILE, decompressed as it is read.
 *
 * The first four bytes choose the decoder: 28 b5 2f fd is a zstd frame,
 * 1f 8b a gzip member, anything else is plain data. Those bytes are kept and
 * handed to the decoder (or to the caller) first. Compressed input is read
 * in ZS_IN_SIZE blocks; each decoder call fills the caller's buffer, so
 * memory is the decoder's state and one input block. A zstd frame names the
 * window it needs; one above 2^ZS_WINDOW_LOG_MAX bytes is refused (zstd's
 * own default limit is 2^27; `zstd --long` writes such frames, heaptrack does
 * not).
 *
 * A frame or member followed by more data starts the next one (zstd and
 * gzip both allow concatenation); data that ends inside one is an error
 * ("truncated"), never a silent short read.
 */
#include "pb_zstream.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#define ZS_IN_SIZE 65536
#define ZS_WINDOW_LOG_MAX 25 /* a zstd frame may ask for a 32 MiB window, no more */

struct pb_zstream_impl {
    ZSTD_DStream *zd;    /* zstd: the decoder */
    z_stream gz;         /* gzip: the decoder, gz_init once set up */
    int gz_init;
    int frame_open;      /* zstd: inside a frame; gzip: inside a member */
    unsigned char in[ZS_IN_SIZE];
    size_t in_pos, in_len;
    int raw_eof;
};

/* Raw bytes: the kept head first, then the file. */
static size_t raw_read(struct pb_zstream *z, unsigned char *dst, size_t cap)
{
    size_t n = 0;
    while (z->head_pos < z->head_len && n < cap)
        dst[n++] = z->head[z->head_pos++];
    if (n < cap)
        n += fread(dst + n, 1, cap - n, z->in);
    return n;
}

/* Refill the input block when it is used up; -1 on a read error. */
static int refill(struct pb_zstream *z)
{
    struct pb_zstream_impl *m = z->impl;
    if (m->in_pos < m->in_len || m->raw_eof)
        return 0;
    m->in_len = raw_read(z, m->in, sizeof m->in);
    m->in_pos = 0;
    if (m->in_len == 0) {
        if (ferror(z->in)) {
            snprintf(z->err, sizeof z->err, "read error");
            return -1;
        }
        m->raw_eof = 1;
    }
    return 0;
}

int pb_zstream_open(struct pb_zstream *z, FILE *in)
{
    memset(z, 0, sizeof *z);
    z->in = in;
    z->head_len = fread(z->head, 1, sizeof z->head, in);
    if (z->head_len < sizeof z->head && ferror(in)) {
        snprintf(z->err, sizeof z->err, "read error");
        return -1;
    }
    static const unsigned char zstd_magic[4] = {0x28, 0xb5, 0x2f, 0xfd};
    int zstd = z->head_len == 4 && memcmp(z->head, zstd_magic, 4) == 0;
    int gzip = z->head_len >= 2 && z->head[0] == 0x1f && z->head[1] == 0x8b;
    z->kind = zstd ? "zstd" : gzip ? "gzip" : "plain";
    if (!zstd && !gzip)
        return 0;
    z->impl = calloc(1, sizeof *z->impl);
    if (!z->impl) {
        snprintf(z->err, sizeof z->err, "out of memory");
        return -1;
    }
    if (zstd) {
        z->impl->zd = ZSTD_createDStream();
        if (!z->impl->zd || ZSTD_isError(ZSTD_initDStream(z->impl->zd)) ||
            ZSTD_isError(ZSTD_DCtx_setParameter(z->impl->zd, ZSTD_d_windowLogMax,
                                                ZS_WINDOW_LOG_MAX))) {
            snprintf(z->err, sizeof z->err, "out of memory (zstd decoder)");
            return -1;
        }
    } else {
        if (inflateInit2(&z->impl->gz, 16 + MAX_WBITS) != Z_OK) {
            snprintf(z->err, sizeof z->err, "out of memory (gzip decoder)");
            return -1;
        }
        z->impl->gz_init = 1;
    }
    return 0;
}

static ssize_t read_zstd(struct pb_zstream *z, char *dst, size_t cap)
{
    struct pb_zstream_impl *m = z->impl;
    ZSTD_outBuffer out = {dst, cap, 0};
    while (out.pos == 0) {
        if (refill(z) != 0)
            return -1;
        if (m->raw_eof && !m->frame_open)
            return 0;
        /* at the end of the file too: the decoder may hold output still */
        ZSTD_inBuffer inb = {m->in, m->in_len, m->in_pos};
        size_t rc = ZSTD_decompressStream(m->zd, &out, &inb);
        m->in_pos = inb.pos;
        if (ZSTD_isError(rc)) {
            snprintf(z->err, sizeof z->err, "corrupt zstd data (%s)", ZSTD_getErrorName(rc));
            return -1;
        }
        m->frame_open = rc != 0; /* 0: a frame ended exactly here */
        if (out.pos == 0 && m->raw_eof && m->frame_open) {
            snprintf(z->err, sizeof z->err, "truncated zstd data");
            return -1;
        }
    }
    return (ssize_t)out.pos;
}

static ssize_t read_gzip(struct pb_zstream *z, char *dst, size_t cap)
{
    struct pb_zstream_impl *m = z->impl;
    uInt want = cap > 1u << 30 ? 1u << 30 : (uInt)cap;
    m->gz.next_out = (unsigned char *)dst;
    m->gz.avail_out = want;
    while (m->gz.avail_out == want) {
        if (refill(z) != 0)
            return -1;
        if (m->raw_eof && !m->frame_open)
            return 0;
        if (!m->frame_open && m->gz.total_in) /* the next member of the file */
            inflateReset(&m->gz);
        m->gz.next_in = m->in + m->in_pos;
        m->gz.avail_in = (uInt)(m->in_len - m->in_pos);
        int rc = inflate(&m->gz, Z_NO_FLUSH);
        m->in_pos = m->in_len - m->gz.avail_in;
        if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
            snprintf(z->err, sizeof z->err, "corrupt gzip data (%s)",
                     m->gz.msg ? m->gz.msg : "inflate failed");
            return -1;
        }
        m->frame_open = rc != Z_STREAM_END;
        if (m->gz.avail_out == want && m->raw_eof && m->frame_open) {
            snprintf(z->err, sizeof z->err, "truncated gzip data");
            return -1;
        }
    }
    return (ssize_t)(want - m->gz.avail_out);
}

ssize_t pb_zstream_read(struct pb_zstream *z, char *dst, size_t cap)
{
    if (cap == 0)
        return 0;
    if (!z->impl) {
        size_t n = raw_read(z, (unsigned char *)dst, cap);
        if (n == 0 && ferror(z->in)) {
            snprintf(z->err, sizeof z->err, "read error");
            return -1;
        }
        return (ssize_t)n;
    }
    return z->impl->zd ? read_zstd(z, dst, cap) : read_gzip(z, dst, cap);
}

void pb_zstream_close(struct pb_zstream *z)
{
    if (!z->impl)
        return;
    if (z->impl->zd)
        ZSTD_freeDStream(z->impl->zd);
    if (z->impl->gz_init)
        inflateEnd(&z->impl->gz);
    free(z->impl);
    z->impl = NULL;
}
