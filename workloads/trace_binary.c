/*
 * trace_binary.c -- the binary twin of a trace (.pbt): the decoded form on
 * disk, loaded with mmap so a replay starts without parsing.
 *
 * Layout (all integers in the writer's byte order, which must be the
 * reader's: the endian field tells):
 *
 *   offset size  field
 *        0    8  magic "PBTRACE\0"
 *        8    4  version (1)
 *       12    4  endian check 0x01020304
 *       16    4  header size (128)
 *       20    4  flags: bit 0 = the ids section is present
 *       24    8  n_records       number of events
 *       32    4  n_slots         every event's slot is below it
 *       36    4  n_tags
 *       40    8  n_lines         line marks
 *       48    8  events_offset   16-byte aligned; n_records x 16 bytes (struct pb_event)
 *       56    8  ids_offset      n_records x 8 bytes (original ids, 0 for x), or 0
 *       64    8  lines_offset    n_lines x 16 bytes (struct pb_line_mark)
 *       72    8  tags_offset     n_tags NUL-terminated tag names, back to back
 *       80    8  tags_size       bytes in the tags section
 *       88    8  file_size       the whole file
 *       96    4  checksum        CRC-32 (zlib) of bytes [128, file_size), continued
 *                                over the header's bytes [0, 96)
 *      100   28  zero
 *
 * Loading checks everything before the workload is used: the sizes and
 * offsets against the file's length, the checksum, every tag's syntax, the
 * line marks' order, and a full replay of slot liveness (pb_workload_check:
 * ops, slots, tags, a on free slots, f/r on live ones with matching size and
 * alignment) plus the ids' consistency with the slots. A truncated or corrupt
 * file is a clean error, never a crash or a wrong replay.
 *
 * The map is read-only, and the checks give the pages they have read back to
 * the kernel as they go (madvise MADV_DONTNEED: the bytes stay in the page
 * cache and come back on the next touch). So checking a 10^8-event file never
 * holds it all in the process's RSS, and a replay touches only the events:
 * the ids and the line map stay out of memory unless a message needs them.
 */
#include "pb_outfile.h"
#include "pb_sha256.h"
#include "pb_workload.h"
#include "trace_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define PBT_VERSION 1
#define PBT_ENDIAN 0x01020304u
#define PBT_HEADER_SIZE 128
#define PBT_FLAG_IDS 1u
#define PBT_CHECKSUM_AT 96

struct pbt_header {
    char magic[8];
    uint32_t version;
    uint32_t endian;
    uint32_t header_size;
    uint32_t flags;
    uint64_t n_records;
    uint32_t n_slots;
    uint32_t n_tags;
    uint64_t n_lines;
    uint64_t events_offset;
    uint64_t ids_offset;
    uint64_t lines_offset;
    uint64_t tags_offset;
    uint64_t tags_size;
    uint64_t file_size;
    uint32_t checksum;
    unsigned char zero[28];
};

_Static_assert(sizeof(struct pbt_header) == PBT_HEADER_SIZE, "pbt header is 128 bytes");
_Static_assert(offsetof(struct pbt_header, checksum) == PBT_CHECKSUM_AT, "checksum at 96");
_Static_assert(sizeof(struct pb_event) == 16, "events are 16 bytes");
_Static_assert(sizeof(struct pb_line_mark) == 16, "line marks are 16 bytes");

/* CRC-32 of a buffer of any length (zlib takes uInt lengths). */
static uint32_t crc_update(uint32_t crc, const void *p, uint64_t n)
{
    const unsigned char *c = p;
    while (n) {
        uInt part = n > (1u << 30) ? (1u << 30) : (uInt)n;
        crc = (uint32_t)crc32(crc, c, part);
        c += part;
        n -= part;
    }
    return crc;
}

/* ---- loading ----------------------------------------------------------------- */

/* Bytes read between two page drops while checking a file. */
#define PBT_DROP_CHUNK ((uint64_t)64 << 20)

/* Give back the pages holding [off, off + len) of a read-only file map; they
 * are read again from the page cache on the next touch. */
static void drop_pages(const void *map, uint64_t off, uint64_t len)
{
    if (len == 0)
        return;
    long ps = sysconf(_SC_PAGESIZE);
    uintptr_t page = ps > 0 ? (uintptr_t)ps : 4096;
    uintptr_t start = ((uintptr_t)map + off) & ~(page - 1);
    uintptr_t end = ((uintptr_t)map + off + len + page - 1) & ~(page - 1);
    madvise((void *)start, end - start, MADV_DONTNEED);
}

/* The file's CRC-32 (as the header defines it) and SHA-256, in one pass of
 * chunks, each dropped once read. */
static uint32_t digest_file(const char *map, uint64_t size, char hex[65])
{
    struct pb_sha256 s;
    pb_sha256_init(&s);
    pb_sha256_update(&s, map, PBT_HEADER_SIZE);
    uint32_t crc = 0;
    for (uint64_t at = PBT_HEADER_SIZE; at < size;) {
        uint64_t n = size - at < PBT_DROP_CHUNK ? size - at : PBT_DROP_CHUNK;
        crc = crc_update(crc, map + at, n);
        pb_sha256_update(&s, map + at, (size_t)n);
        drop_pages(map, at, n);
        at += n;
    }
    pb_sha256_final_hex(&s, hex);
    return crc_update(crc, map, PBT_CHECKSUM_AT);
}

/* Whether [off, off + count * elem) lies inside [start, size) (overflow-safe). */
static int section_fits(uint64_t off, uint64_t count, uint64_t elem, uint64_t start, uint64_t size)
{
    if (off < start || off > size)
        return 0;
    return count <= (size - off) / elem;
}

static int check_header(const struct pbt_header *h, uint64_t size, const char *path,
                        struct pb_diag *diag)
{
    if (h->endian != PBT_ENDIAN) {
        pb_diag_add(diag, path, 0, "binary trace written with the other byte order");
        return -1;
    }
    if (h->version != PBT_VERSION) {
        pb_diag_add(diag, path, 0, "unsupported binary trace version %u", h->version);
        return -1;
    }
    if (h->header_size != PBT_HEADER_SIZE || (h->flags & ~PBT_FLAG_IDS) != 0) {
        pb_diag_add(diag, path, 0, "corrupt binary trace: bad header size or flags");
        return -1;
    }
    if (h->file_size != size) {
        pb_diag_add(diag, path, 0, "%s binary trace: %llu bytes, the header says %llu",
                    size < h->file_size ? "truncated" : "corrupt", (unsigned long long)size,
                    (unsigned long long)h->file_size);
        return -1;
    }
    int ids = (h->flags & PBT_FLAG_IDS) != 0;
    if (h->events_offset % 16 || h->ids_offset % 8 || h->lines_offset % 8 ||
        !section_fits(h->events_offset, h->n_records, 16, PBT_HEADER_SIZE, size) ||
        (ids && !section_fits(h->ids_offset, h->n_records, 8, PBT_HEADER_SIZE, size)) ||
        (!ids && h->ids_offset != 0) ||
        !section_fits(h->lines_offset, h->n_lines, 16, PBT_HEADER_SIZE, size) ||
        !section_fits(h->tags_offset, h->tags_size, 1, PBT_HEADER_SIZE, size) ||
        h->n_tags > PB_MAX_TAGS || h->tags_size < h->n_tags * 2ull) {
        pb_diag_add(diag, path, 0, "corrupt binary trace: sections do not fit the file");
        return -1;
    }
    for (size_t i = 0; i < sizeof h->zero; i++) {
        if (h->zero[i]) {
            pb_diag_add(diag, path, 0, "corrupt binary trace: reserved header bytes set");
            return -1;
        }
    }
    return 0;
}

static int tag_char_ok(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == ':' || c == '<' || c == '>' || c == '-';
}

/* Point w->tags at the tag names in the section; -1 when malformed. */
static int load_tags(struct pb_workload *w, const char *sec, uint64_t size, uint32_t n_tags)
{
    if (n_tags == 0)
        return size == 0 ? 0 : -1;
    w->tags = calloc(n_tags, sizeof *w->tags);
    if (!w->tags)
        return -1;
    w->n_tags = n_tags;
    uint64_t at = 0;
    for (uint32_t i = 0; i < n_tags; i++) {
        uint64_t len = 0;
        while (at + len < size && sec[at + len] != '\0' && len <= PB_MAX_TAG_LEN &&
               tag_char_ok((unsigned char)sec[at + len]))
            len++;
        if (at + len >= size || sec[at + len] != '\0' || len == 0)
            return -1;
        w->tags[i] = (char *)sec + at;
        at += len + 1;
    }
    return at == size ? 0 : -1;
}

static int check_lines(const struct pb_workload *w)
{
    for (size_t i = 0; i < w->n_lines; i++) {
        if (w->lines[i].event >= w->n_records)
            return -1;
        if (i && w->lines[i].event <= w->lines[i - 1].event)
            return -1;
    }
    return 0;
}

/* Each f and r must name the id its slot was allocated with; x has id 0. */
static int check_ids(const struct pb_workload *w)
{
    if (!w->ids)
        return 0;
    uint64_t *slot_id = calloc(w->n_slots ? w->n_slots : 1, sizeof *slot_id);
    if (!slot_id)
        return -1;
    int rc = 0;
    const size_t chunk = PBT_DROP_CHUNK / sizeof *w->events;
    for (size_t i = 0; i < w->n_records && rc == 0; i++) {
        if (i && i % chunk == 0) {
            drop_pages(w->events, (i - chunk) * sizeof *w->events, chunk * sizeof *w->events);
            drop_pages(w->ids, (i - chunk) * sizeof *w->ids, chunk * sizeof *w->ids);
        }
        const struct pb_event *e = &w->events[i];
        uint64_t id = w->ids[i];
        if (e->op == PB_OP_RESET)
            rc = id == 0 ? 0 : -1;
        else if (id >= PB_MAX_ID)
            rc = -1;
        else if (e->op == PB_OP_ALLOC)
            slot_id[e->slot] = id;
        else if (slot_id[e->slot] != id)
            rc = -1;
    }
    free(slot_id);
    return rc;
}

int pb_binary_load_fd(int fd, const char *path, struct pb_workload *out, struct pb_diag *diag)
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        pb_diag_add(diag, path, 0, "cannot stat: %s", strerror(errno));
        return -1;
    }
    uint64_t size = (uint64_t)st.st_size;
    if (size < PBT_HEADER_SIZE) {
        pb_diag_add(diag, path, 0, "truncated binary trace: %llu bytes, the header alone is %d",
                    (unsigned long long)size, PBT_HEADER_SIZE);
        return -1;
    }
    void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
        pb_diag_add(diag, path, 0, "cannot map: %s", strerror(errno));
        return -1;
    }
    const struct pbt_header *h = map;
    if (check_header(h, size, path, diag)) {
        munmap(map, size);
        return -1;
    }
    char sha[65];
    if (digest_file(map, size, sha) != h->checksum) {
        pb_diag_add(diag, path, 0, "corrupt binary trace: checksum mismatch");
        munmap(map, size);
        return -1;
    }
    struct pb_workload *w = out;
    char *base = map;
    w->map = map;
    w->map_len = size;
    /* Empty sections get NULL: their offset may be the file's end, outside the map. */
    w->n_records = h->n_records;
    w->events = w->n_records ? (struct pb_event *)(base + h->events_offset) : NULL;
    w->n_slots = h->n_slots;
    w->ids = (h->flags & PBT_FLAG_IDS) && w->n_records ? (uint64_t *)(base + h->ids_offset)
                                                        : NULL;
    w->n_lines = h->n_lines;
    w->lines = w->n_lines ? (struct pb_line_mark *)(base + h->lines_offset) : NULL;
    char err[200] = "";
    if (load_tags(w, base + h->tags_offset, h->tags_size, h->n_tags)) {
        snprintf(err, sizeof err, "malformed tags section");
    } else if (check_lines(w)) {
        snprintf(err, sizeof err, "malformed line map");
    } else if (pb_workload_check(w, err, sizeof err) == 0) {
        drop_pages(map, h->events_offset, w->n_records * sizeof *w->events);
        if (check_ids(w))
            snprintf(err, sizeof err, "ids do not match the blocks");
    }
    if (err[0]) {
        pb_diag_add(diag, path, 0, "corrupt binary trace: %s", err);
        pb_workload_free(w);
        return -1;
    }
    memcpy(w->sha256, sha, sizeof sha);
    drop_pages(map, 0, size);
    return 0;
}

/* ---- writing ------------------------------------------------------------------- */

struct out_file {
    FILE *f;
    uint32_t crc;
    int failed;
};

static void put(struct out_file *o, const void *p, uint64_t n)
{
    if (n == 0 || o->failed)
        return;
    o->crc = crc_update(o->crc, p, n);
    if (o->f && fwrite(p, 1, n, o->f) != n) /* no f: only the checksum */
        o->failed = 1;
}

static uint64_t tags_bytes(const struct pb_workload *w)
{
    uint64_t n = 0;
    for (uint32_t i = 0; i < w->n_tags; i++)
        n += strlen(w->tags[i]) + 1;
    return n;
}

/* The header for w, its checksum still to be filled in. */
static void make_header(const struct pb_workload *w, struct pbt_header *h)
{
    memset(h, 0, sizeof *h);
    memcpy(h->magic, PB_PBT_MAGIC, PB_PBT_MAGIC_LEN);
    h->version = PBT_VERSION;
    h->endian = PBT_ENDIAN;
    h->header_size = PBT_HEADER_SIZE;
    h->flags = w->ids ? PBT_FLAG_IDS : 0;
    h->n_records = w->n_records;
    h->n_slots = w->n_slots;
    h->n_tags = w->n_tags;
    h->n_lines = w->n_lines;
    h->events_offset = PBT_HEADER_SIZE;
    uint64_t at = PBT_HEADER_SIZE + w->n_records * 16;
    h->ids_offset = w->ids ? at : 0;
    at += w->ids ? w->n_records * 8 : 0;
    h->lines_offset = at;
    at += w->n_lines * 16;
    h->tags_offset = at;
    h->tags_size = tags_bytes(w);
    h->file_size = at + h->tags_size;
}

/* Everything after the header, in file order. */
static void put_body(struct out_file *o, const struct pb_workload *w)
{
    put(o, w->events, w->n_records * sizeof *w->events);
    if (w->ids)
        put(o, w->ids, w->n_records * sizeof *w->ids);
    put(o, w->lines, w->n_lines * sizeof *w->lines);
    for (uint32_t i = 0; i < w->n_tags; i++)
        put(o, w->tags[i], strlen(w->tags[i]) + 1);
}

/* The checksum is computed in a first pass, so the file is written front to
 * back without seeking: a FIFO or a device works as well as a file. */
int pb_workload_write_binary_stream(const struct pb_workload *w, FILE *f)
{
    struct pbt_header h;
    make_header(w, &h);
    struct out_file sum = {0};
    put_body(&sum, w);
    h.checksum = crc_update(sum.crc, &h, PBT_CHECKSUM_AT);
    struct out_file o = {.f = f};
    errno = 0;
    put(&o, &h, sizeof h);
    put_body(&o, w);
    if (o.failed && !errno)
        errno = EIO;
    return o.failed ? -1 : 0;
}

int pb_workload_write_binary(const struct pb_workload *w, const char *path, char *err,
                             size_t errlen)
{
    struct pb_outfile out;
    if (pb_outfile_open(&out, path, err, errlen) != 0)
        return -1;
    if (pb_workload_write_binary_stream(w, out.f) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        pb_outfile_abort(&out);
        return -1;
    }
    return pb_outfile_commit(&out, err, errlen);
}
