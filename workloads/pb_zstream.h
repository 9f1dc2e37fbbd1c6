/*
 * pb_zstream.h -- reading a file that may be zstd- or gzip-compressed.
 *
 * Importers read other tools' captures, which come compressed (heaptrack
 * writes .zst or .gz) or plain. The format is told by the first bytes, not by
 * the file's name; concatenated frames or members are read one after another.
 * Decompression is streamed: memory stays bounded whatever the data expands to.
 */
#ifndef PB_ZSTREAM_H
#define PB_ZSTREAM_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

struct pb_zstream_impl;

/* One open stream over a FILE the caller owns. */
struct pb_zstream {
    FILE *in;
    struct pb_zstream_impl *impl; /* decoder state, NULL for plain data */
    const char *kind;             /* "zstd", "gzip" or "plain" */
    unsigned char head[4];        /* the bytes read to tell the format */
    size_t head_len, head_pos;
    char err[160];                /* why the last call failed */
};

/* Start reading `in`: 0, or -1 with z->err (out of memory, read error). */
int pb_zstream_open(struct pb_zstream *z, FILE *in);

/* Up to cap decompressed bytes into dst: > 0, 0 at the end, -1 with z->err
 * (corrupt or truncated data, read error). */
ssize_t pb_zstream_read(struct pb_zstream *z, char *dst, size_t cap);

/* Free the decoder (not the FILE). */
void pb_zstream_close(struct pb_zstream *z);

#endif /* PB_ZSTREAM_H */
