/*
 * fuzz_trace_binary.c -- libFuzzer target for pb_workload_load on arbitrary
 * file contents: binary .pbt files above all, but text and gzip'd text too,
 * since the loader tells them apart by their first bytes.
 *
 * The input is written to a memfd and loaded through /proc/self/fd/N, the
 * same path (open, fstat, mmap) a real file takes. Random bytes rarely get
 * past the .pbt checksum, so an input that starts with the .pbt magic is
 * loaded a second time with its checksum recomputed: that reaches the checks
 * of the sections, tags, line marks, slots and ids. A file that loads must
 * pass pb_workload_check with the figures the loader computed, and plain text
 * must give the same verdict, problems, events and threads as pb_workload_parse_text in
 * memory (the same line limit, the same stop at the first binary byte).
 */
#include "pb_workload.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#define HEADER_SIZE 128
#define CHECKSUM_AT 96

/* Plain text must load from a file exactly as it parses from memory. */
static void compare_with_memory(const unsigned char *data, size_t size, int rc,
                                const struct pb_workload *w, const struct pb_diag *diag)
{
    if ((size >= 8 && memcmp(data, "PBTRACE\0", 8) == 0) ||
        (size >= 2 && data[0] == 0x1f && data[1] == 0x8b))
        return;
    struct pb_workload m = {0};
    struct pb_diag mdiag = {0};
    int mrc = pb_workload_parse_text("mem", (const char *)data, size, &m, &mdiag);
    if (mrc != rc || mdiag.total != diag->total)
        abort();
    for (int i = 0; i < mdiag.count; i++) { /* "mem:LINE: m" and "/proc/self/fd/N:LINE: m" */
        const char *a = strchr(mdiag.msg[i], ':'), *b = strchr(diag->msg[i], ':');
        size_t n = strlen(a) < strlen(b) ? strlen(a) : strlen(b); /* either may be cut short */
        if (strncmp(a, b, n) != 0)
            abort();
    }
    if (mrc == 0) {
        if (m.n_records != w->n_records || m.n_slots != w->n_slots || m.n_tags != w->n_tags ||
            (m.n_records && memcmp(m.events, w->events, m.n_records * sizeof *m.events) != 0))
            abort();
        for (size_t i = 0; i < m.n_records; i++)
            if ((m.tids ? m.tids[i] : 0) != (w->tids ? w->tids[i] : 0))
                abort();
        pb_workload_free(&m);
    }
}

static void load_bytes(const unsigned char *data, size_t size)
{
    int fd = memfd_create("fuzz", MFD_CLOEXEC);
    if (fd < 0)
        return;
    if (size && write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    struct pb_workload w;
    struct pb_diag diag = {0};
    int rc = pb_workload_load(path, &w, &diag);
    compare_with_memory(data, size, rc, &w, &diag);
    if (rc != 0) {
        if (diag.count < 1)
            abort();
        close(fd);
        return;
    }
    char err[256];
    struct pb_workload_figures fig = w.fig;
    if (pb_workload_check(&w, err, sizeof err) != 0 || memcmp(&fig, &w.fig, sizeof fig) != 0)
        abort();
    pb_workload_free(&w);
    close(fd);
}

/* The .pbt checksum: CRC-32 of bytes [128, size), continued over [0, 96). */
static void fix_checksum(unsigned char *p, size_t size)
{
    uLong crc = crc32(0, p + HEADER_SIZE, (uInt)(size - HEADER_SIZE));
    crc = crc32(crc, p, CHECKSUM_AT);
    uint32_t c = (uint32_t)crc;
    memcpy(p + CHECKSUM_AT, &c, sizeof c);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    load_bytes(data, size);
    if (size >= HEADER_SIZE && memcmp(data, "PBTRACE\0", 8) == 0) {
        unsigned char *copy = malloc(size);
        if (!copy)
            return 0;
        memcpy(copy, data, size);
        /* the file size in the header must match too, or nothing past it is reached */
        uint64_t fsize = size;
        memcpy(copy + 88, &fsize, sizeof fsize);
        fix_checksum(copy, size);
        load_bytes(copy, size);
        free(copy);
    }
    return 0;
}
