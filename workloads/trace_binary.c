/*
 * trace_binary.c -- the binary twin of a trace (.pbt): the decoded form on
 * disk, loaded with mmap so a replay starts without parsing.
 *
 * Layout (all integers in the writer's byte order, which must be the
 * reader's: the endian field tells):
 *
 *   offset size  field
 *        0    8  magic "PBTRACE\0"
 *        8    4  version (2; 1 is read too: a file without threads)
 *       12    4  endian check 0x01020304
 *       16    4  header size (128)
 *       20    4  flags: bit 0 = the ids section is present,
 *                       bit 1 = the threads section is present (version 2 only)
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
 *      100    4  zero
 *      104    8  tids_offset     n_records x 2 bytes (the thread of each event), or 0
 *      112   16  zero
 *
 * Sections, in this order: events, ids, line marks, threads, tags. A version 1
 * file is the same with bytes 100..127 all zero and no bit 1: every event is
 * thread 0. The threads section (between the line marks and the tags, so no
 * section loses its alignment) is there only when an event is on a thread
 * other than 0.
 *
 * Loading checks everything before the workload is used: the header's
 * fixed fields and the file's length; the layout, which must be exactly the
 * one the writer makes (events right after the header, then ids, line marks,
 * threads and tags, each section's size its count times its element size, no gap,
 * no overlap, nothing after the tags; every offset + size compared without
 * overflow), which also gives every section its alignment; the checksum;
 * every tag's syntax and length, and no tag twice; the line marks' order;
 * a full replay of slot liveness (pb_workload_check: ops, slots, tags, a on
 * free slots, f/r on live ones with matching size and alignment); and the
 * ids: below 2^63, 0 for x, each f and r naming its block's id, no id live
 * in two blocks at once. A truncated or corrupt file is a clean error naming
 * what is wrong, never a crash, a wrong replay or a text that would not parse.
 *
 * The map is read-only, and the checks give the pages they have read back to
 * the kernel as they go (madvise MADV_DONTNEED: the bytes stay in the page
 * cache and come back on the next touch). So checking a 10^8-event file never
 * holds it all in the process's RSS, and a replay touches only the events:
 * the ids and the line map stay out of memory unless a message needs them.
 */
#include "pb_hmem.h"
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

#define PBT_VERSION 2
#define PBT_VERSION_NO_THREADS 1 /* the version before the threads section: still read */
#define PBT_ENDIAN 0x01020304u
#define PBT_HEADER_SIZE 128
#define PBT_FLAG_IDS 1u
#define PBT_FLAG_TIDS 2u
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
    uint32_t zero0;
    uint64_t tids_offset;
    unsigned char zero[16];
};

_Static_assert(sizeof(struct pbt_header) == PBT_HEADER_SIZE, "pbt header is 128 bytes");
_Static_assert(offsetof(struct pbt_header, checksum) == PBT_CHECKSUM_AT, "checksum at 96");
_Static_assert(offsetof(struct pbt_header, tids_offset) == 104, "tids offset at 104");
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

/* One section of the file: count elements of elem bytes from offset. */
struct pbt_section {
    const char *name;
    uint64_t offset, count, elem;
};

/* "N bytes", or "N x E bytes" when the product does not fit 64 bits. */
static void section_bytes(const struct pbt_section *s, char *buf, size_t n)
{
    if (s->count <= UINT64_MAX / s->elem)
        snprintf(buf, n, "%llu bytes", (unsigned long long)(s->count * s->elem));
    else
        snprintf(buf, n, "%llu x %llu bytes", (unsigned long long)s->count,
                 (unsigned long long)s->elem);
}

/* The sections must follow the header and each other with no gap and no
 * overlap, in this order, and end exactly at the end of the file: then none
 * lies outside the file, each is aligned (the header is 128 bytes, the
 * elements 16, 8 or 2), and no byte goes unchecked. Overflow-safe: a section's
 * size is compared with the bytes left, never computed past them. */
static int check_layout(const struct pbt_section *sec, int n, uint64_t size, const char *path,
                        struct pb_diag *diag)
{
    uint64_t at = PBT_HEADER_SIZE;
    const char *prev = "header";
    char bytes[64];
    for (int i = 0; i < n; i++) {
        const struct pbt_section *s = &sec[i];
        if (s->offset > size) {
            pb_diag_add(diag, path, 0, "corrupt binary trace: %s section (offset %llu) starts "
                        "past the end of the file (%llu bytes)", s->name,
                        (unsigned long long)s->offset, (unsigned long long)size);
            return -1;
        }
        if (s->offset != at) {
            pb_diag_add(diag, path, 0, "corrupt binary trace: %s section (offset %llu) %s the "
                        "%s%s, which ends at offset %llu", s->name, (unsigned long long)s->offset,
                        s->offset < at ? "overlaps" : "does not follow", prev,
                        i ? " section" : "", (unsigned long long)at);
            return -1;
        }
        if (s->count > (size - at) / s->elem) {
            section_bytes(s, bytes, sizeof bytes);
            pb_diag_add(diag, path, 0, "corrupt binary trace: %s section (offset %llu, %s) runs "
                        "past the end of the file (%llu bytes)", s->name,
                        (unsigned long long)s->offset, bytes, (unsigned long long)size);
            return -1;
        }
        at += s->count * s->elem;
        prev = s->name;
    }
    if (at != size) {
        pb_diag_add(diag, path, 0, "corrupt binary trace: %llu bytes of trailing data after the "
                    "%s section, which ends at offset %llu (the file has %llu bytes)",
                    (unsigned long long)(size - at), prev, (unsigned long long)at,
                    (unsigned long long)size);
        return -1;
    }
    return 0;
}

/* The header's fixed fields: byte order, version, sizes, flags, reserved bytes. */
static int check_header_fields(const struct pbt_header *h, uint64_t size, const char *path,
                               struct pb_diag *diag)
{
    if (h->endian != PBT_ENDIAN) {
        pb_diag_add(diag, path, 0, "binary trace written with the other byte order");
        return -1;
    }
    if (h->version != PBT_VERSION && h->version != PBT_VERSION_NO_THREADS) {
        pb_diag_add(diag, path, 0, "unsupported binary trace version %u (this poolbench reads "
                    "versions %d and %d: convert it to text with the poolbench that wrote it)",
                    h->version, PBT_VERSION_NO_THREADS, PBT_VERSION);
        return -1;
    }
    uint32_t flags = h->version == PBT_VERSION ? PBT_FLAG_IDS | PBT_FLAG_TIDS : PBT_FLAG_IDS;
    if (h->header_size != PBT_HEADER_SIZE || (h->flags & ~flags) != 0) {
        pb_diag_add(diag, path, 0, "corrupt binary trace: bad header size or flags");
        return -1;
    }
    int reserved = h->zero0 != 0;
    for (size_t i = 0; i < sizeof h->zero; i++)
        reserved |= h->zero[i] != 0;
    if (reserved) {
        pb_diag_add(diag, path, 0, "corrupt binary trace: reserved header bytes set");
        return -1;
    }
    if (h->file_size != size) {
        pb_diag_add(diag, path, 0, "%s binary trace: %llu bytes, the header says %llu",
                    size < h->file_size ? "truncated" : "corrupt", (unsigned long long)size,
                    (unsigned long long)h->file_size);
        return -1;
    }
    return 0;
}

/* The counts that bound one another: tags, their bytes, line marks. */
static int check_counts(const struct pbt_header *h, const char *path, struct pb_diag *diag)
{
    const char *why = NULL;
    char msg[160];
    if (h->n_tags > PB_MAX_TAGS) {
        snprintf(msg, sizeof msg, "%u tags (at most %d)", h->n_tags, PB_MAX_TAGS);
        why = msg;
    } else if (h->tags_size < (uint64_t)h->n_tags * 2 ||
               h->tags_size > (uint64_t)h->n_tags * (PB_MAX_TAG_LEN + 1)) {
        snprintf(msg, sizeof msg, "%llu bytes of tags for %u tags (each is 1 to %d characters "
                 "and a NUL)", (unsigned long long)h->tags_size, h->n_tags, PB_MAX_TAG_LEN);
        why = msg;
    } else if (h->n_lines > h->n_records) {
        snprintf(msg, sizeof msg, "%llu line marks for %llu events (at most one per event)",
                 (unsigned long long)h->n_lines, (unsigned long long)h->n_records);
        why = msg;
    } else if (!(h->flags & PBT_FLAG_IDS) && h->ids_offset != 0) {
        why = "an ids offset without the ids flag";
    } else if (!(h->flags & PBT_FLAG_TIDS) && h->tids_offset != 0) {
        why = "a threads offset without the threads flag";
    }
    if (why) {
        pb_diag_add(diag, path, 0, "corrupt binary trace: %s", why);
        return -1;
    }
    return 0;
}

static int check_header(const struct pbt_header *h, uint64_t size, const char *path,
                        struct pb_diag *diag)
{
    if (check_header_fields(h, size, path, diag) || check_counts(h, path, diag))
        return -1;
    struct pbt_section sec[5];
    int n = 0;
    sec[n++] = (struct pbt_section){"events", h->events_offset, h->n_records, 16};
    if (h->flags & PBT_FLAG_IDS)
        sec[n++] = (struct pbt_section){"ids", h->ids_offset, h->n_records, 8};
    sec[n++] = (struct pbt_section){"line marks", h->lines_offset, h->n_lines, 16};
    if (h->flags & PBT_FLAG_TIDS)
        sec[n++] = (struct pbt_section){"threads", h->tids_offset, h->n_records, 2};
    sec[n++] = (struct pbt_section){"tags", h->tags_offset, h->tags_size, 1};
    return check_layout(sec, n, size, path, diag);
}

static int tag_char_ok(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == ':' || c == '<' || c == '>' || c == '-';
}

/* Sift v[i] down the max-heap v[0..n) of tag names. */
static void sift_tag(char **v, size_t i, size_t n)
{
    char *x = v[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && strcmp(v[c + 1], v[c]) > 0)
            c++;
        if (strcmp(v[c], x) <= 0)
            break;
        v[i] = v[c];
        i = c;
    }
    v[i] = x;
}

/* Sort tag names in place: a heapsort, which needs no memory (glibc's qsort
 * mallocs, and a preloaded backend's run loads its .pbt without malloc). */
static void sort_tags(char **v, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        sift_tag(v, i, n);
    for (size_t end = n; end-- > 1;) {
        char *t = v[0];
        v[0] = v[end];
        v[end] = t;
        sift_tag(v, 0, end);
    }
}

/* Whether two of the n tag names are the same (the builder interns them). */
static int has_duplicate_tag(char *const *tags, uint32_t n, char *err, size_t errlen)
{
    char **sorted = pb_hmem_calloc(n, sizeof *sorted);
    if (!sorted) {
        snprintf(err, errlen, "out of memory");
        return 1;
    }
    memcpy(sorted, tags, n * sizeof *sorted);
    sort_tags(sorted, n);
    int dup = 0;
    for (uint32_t i = 1; i < n && !dup; i++) {
        if (strcmp(sorted[i - 1], sorted[i]) == 0) {
            snprintf(err, errlen, "tags section: tag '%s' appears twice", sorted[i]);
            dup = 1;
        }
    }
    pb_hmem_free(sorted, n * sizeof *sorted);
    return dup;
}

/* Point w->tags at the tag names in the section: n_tags names of 1 to
 * PB_MAX_TAG_LEN tag characters, each ending in a NUL, filling the section
 * exactly, no two alike. 0, or -1 with err. */
static int load_tags(struct pb_workload *w, const char *sec, uint64_t size, uint32_t n_tags,
                     char *err, size_t errlen)
{
    if (n_tags == 0)
        return 0; /* check_counts: then size is 0 */
    w->tags = pb_hmem_calloc(n_tags, sizeof *w->tags); /* w->hmem: freed as such */
    if (!w->tags) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    w->n_tags = n_tags;
    uint64_t at = 0;
    for (uint32_t i = 0; i < n_tags; i++) {
        uint64_t len = 0;
        while (at + len < size && len <= PB_MAX_TAG_LEN && tag_char_ok((unsigned char)sec[at + len]))
            len++;
        if (at + len >= size || sec[at + len] != '\0' || len == 0 || len > PB_MAX_TAG_LEN) {
            snprintf(err, errlen, "tags section: tag %u (at byte %llu) is not 1 to %d tag "
                     "characters and a NUL", i + 1, (unsigned long long)at, PB_MAX_TAG_LEN);
            return -1;
        }
        w->tags[i] = (char *)sec + at;
        at += len + 1;
    }
    if (at != size) {
        snprintf(err, errlen, "tags section: %llu bytes after the last of its %u tags",
                 (unsigned long long)(size - at), n_tags);
        return -1;
    }
    return has_duplicate_tag(w->tags, n_tags, err, errlen) ? -1 : 0;
}

static int bad_mark(const struct pb_workload *w, size_t k, char *err, size_t errlen)
{
    snprintf(err, errlen, "line marks: mark %zu (event %llu, line %llu) is out of order or out "
             "of range (%zu events)", k, (unsigned long long)w->lines[k].event,
             (unsigned long long)w->lines[k].line, w->n_records);
    return -1;
}

/* Line marks name events in increasing order; each mark's line is 1 or more,
 * its events' lines (one more per event) stay below 2^64, and the next mark's
 * line comes after them: a source line holds at most one event. 0, or -1 with err. */
static int check_lines(const struct pb_workload *w, char *err, size_t errlen)
{
    for (size_t i = 0; i < w->n_lines; i++) {
        const struct pb_line_mark *m = &w->lines[i];
        int last = i + 1 == w->n_lines;
        uint64_t next_event = last ? w->n_records : m[1].event;
        if (m->event >= next_event)
            return bad_mark(w, last ? i : i + 1, err, errlen);
        uint64_t span = next_event - 1 - m->event; /* events of this mark after its first */
        if (m->line == 0 || span > UINT64_MAX - m->line)
            return bad_mark(w, i, err, errlen);
        if (!last && m[1].line <= m->line + span)
            return bad_mark(w, i + 1, err, errlen);
    }
    return 0;
}

/* ---- ids: each f and r names its block's id, no two live blocks share one ---- */

/* The ids seen so far. Per slot: the id of its block and the epoch it was
 * allocated in (0 once freed; an x starts a new epoch, which frees every
 * block at once). A table maps ids to the slot that last had them, with
 * open addressing and linear probing; an entry is current only while its slot
 * still holds that id in this epoch, so an f or x touches no entry: stale
 * ones are reused by their id, or dropped when the table, at half full, is
 * rebuilt from the live slots (a new table generation: entries of an older
 * one count as unused, so nothing is cleared). Sized once for 4 entries a
 * slot (the live ids never fill more than a quarter of it): a rebuild comes at
 * most once per n_slots allocations and costs O(n_slots). */
struct id_set {
    struct id_entry {
        uint64_t id;
        uint32_t slot;
        uint32_t gen; /* the table's generation when the entry is in use */
    } *e;
    size_t mask, used;
    uint32_t gen;
    uint64_t *slot_id;
    uint32_t *slot_epoch;
    uint32_t n_slots, epoch;
};

static int id_set_init(struct id_set *s, uint32_t n_slots)
{
    size_t cap = 16;
    while (cap < (size_t)n_slots * 4)
        cap *= 2;
    *s = (struct id_set){.mask = cap - 1, .gen = 1, .n_slots = n_slots, .epoch = 1};
    s->e = pb_hmem_calloc(cap, sizeof *s->e);
    s->slot_id = pb_hmem_calloc(n_slots ? n_slots : 1, sizeof *s->slot_id);
    s->slot_epoch = pb_hmem_calloc(n_slots ? n_slots : 1, sizeof *s->slot_epoch);
    return s->e && s->slot_id && s->slot_epoch ? 0 : -1;
}

static void id_set_free(struct id_set *s)
{
    size_t slots = s->n_slots ? s->n_slots : 1;
    pb_hmem_free(s->e, (s->mask + 1) * sizeof *s->e);
    pb_hmem_free(s->slot_id, slots * sizeof *s->slot_id);
    pb_hmem_free(s->slot_epoch, slots * sizeof *s->slot_epoch);
}

/* Where id's probe starts. */
static size_t id_home(const struct id_set *s, uint64_t id)
{
    id ^= id >> 30;
    id *= 0xbf58476d1ce4e5b9ULL;
    id ^= id >> 27;
    id *= 0x94d049bb133111ebULL;
    id ^= id >> 31;
    return (size_t)id & s->mask;
}

/* Index of id's entry, or of the unused entry where it would go. */
static size_t id_set_find(const struct id_set *s, uint64_t id)
{
    size_t i = id_home(s, id);
    while (s->e[i].gen == s->gen && s->e[i].id != id)
        i = (i + 1) & s->mask;
    return i;
}

/* Start over with the entries of the live slots only. */
static void id_set_rebuild(struct id_set *s)
{
    if (++s->gen == 0) {
        memset(s->e, 0, (s->mask + 1) * sizeof *s->e);
        s->gen = 1;
    }
    s->used = 0;
    for (uint32_t t = 0; t < s->n_slots; t++) {
        if (s->slot_epoch[t] != s->epoch)
            continue;
        size_t i = id_set_find(s, s->slot_id[t]);
        s->e[i] = (struct id_entry){.id = s->slot_id[t], .slot = t, .gen = s->gen};
        s->used++;
    }
}

/* An a of id on slot: -1 when id is live in another slot. */
static int id_set_alloc(struct id_set *s, uint64_t id, uint32_t slot, uint32_t *live_slot)
{
    size_t i = id_set_find(s, id);
    if (s->e[i].gen == s->gen) {
        uint32_t t = s->e[i].slot;
        if (s->slot_epoch[t] == s->epoch && s->slot_id[t] == id) {
            *live_slot = t;
            return -1;
        }
    } else {
        if ((s->used + 1) * 2 > s->mask + 1) {
            id_set_rebuild(s);
            i = id_set_find(s, id);
        }
        s->used++;
    }
    s->e[i] = (struct id_entry){.id = id, .slot = slot, .gen = s->gen};
    s->slot_id[slot] = id;
    s->slot_epoch[slot] = s->epoch;
    return 0;
}

static void id_set_reset(struct id_set *s)
{
    if (++s->epoch == 0) { /* after 2^32 - 1 resets: start over */
        memset(s->slot_epoch, 0, (size_t)s->n_slots * sizeof *s->slot_epoch);
        s->epoch = 1;
    }
}

/* One event against the ids seen so far (its slots already checked by
 * pb_workload_check: an a is on a free slot, an f or r on a live one). 0, or
 * -1 with err. */
static int check_one_id(struct id_set *s, const struct pb_event *e, uint64_t id, size_t i,
                        char *err, size_t errlen)
{
    uint32_t live_slot;
    if (e->op == PB_OP_RESET) {
        id_set_reset(s);
        if (id == 0)
            return 0;
        snprintf(err, errlen, "ids section: event %zu (x) has id %llu, not 0", i,
                 (unsigned long long)id);
    } else if (id >= PB_MAX_ID) {
        snprintf(err, errlen, "ids section: event %zu has id %llu (ids are below 2^63)", i,
                 (unsigned long long)id);
    } else if (e->op == PB_OP_ALLOC) {
        if (id_set_alloc(s, id, e->slot, &live_slot) == 0)
            return 0;
        snprintf(err, errlen, "ids section: event %zu (a) allocates id %llu, which is already "
                 "live (slot %u)", i, (unsigned long long)id, live_slot);
    } else if (s->slot_id[e->slot] != id) {
        snprintf(err, errlen, "ids section: event %zu (%c) has id %llu, not the id its block "
                 "(slot %u) was allocated with", i, e->op == PB_OP_FREE ? 'f' : 'r',
                 (unsigned long long)id, e->slot);
    } else {
        if (e->op == PB_OP_FREE)
            s->slot_epoch[e->slot] = 0;
        return 0;
    }
    return -1;
}

/* How many events ahead check_ids asks for the table entry of an id. */
#define ID_PREFETCH 16

/* The ids section against the events, when there is one. 0, or -1 with err. */
static int check_ids(const struct pb_workload *w, char *err, size_t errlen)
{
    if (!w->ids)
        return 0;
    struct id_set s;
    if (id_set_init(&s, w->n_slots)) {
        id_set_free(&s);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = 0;
    const size_t chunk = PBT_DROP_CHUNK / sizeof *w->events;
    for (size_t i = 0; i < w->n_records && rc == 0; i++) {
        if (i && i % chunk == 0) {
            drop_pages(w->events, (i - chunk) * sizeof *w->events, chunk * sizeof *w->events);
            drop_pages(w->ids, (i - chunk) * sizeof *w->ids, chunk * sizeof *w->ids);
        }
        if (i + ID_PREFETCH < w->n_records) /* the table is larger than the caches */
            __builtin_prefetch(&s.e[id_home(&s, w->ids[i + ID_PREFETCH])]);
        rc = check_one_id(&s, &w->events[i], w->ids[i], i, err, errlen);
    }
    id_set_free(&s);
    return rc;
}

/* Everything past the header: tags, line marks, the replay of the slots, ids. */
static int check_body(struct pb_workload *w, const struct pbt_header *h, const char *base,
                      char *err, size_t errlen)
{
    if (load_tags(w, base + h->tags_offset, h->tags_size, h->n_tags, err, errlen) ||
        check_lines(w, err, errlen) || pb_workload_check(w, err, errlen))
        return -1;
    drop_pages(base, h->events_offset, w->n_records * sizeof *w->events);
    if (w->tids)
        drop_pages(base, h->tids_offset, w->n_records * sizeof *w->tids);
    return check_ids(w, err, errlen);
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
    char sha[65];
    if (check_header(h, size, path, diag)) {
        munmap(map, size);
        return -1;
    }
    if (digest_file(map, size, sha) != h->checksum) {
        pb_diag_add(diag, path, 0, "corrupt binary trace: checksum mismatch");
        munmap(map, size);
        return -1;
    }
    struct pb_workload *w = out;
    char *base = map;
    w->map = map;
    w->map_len = size;
    w->hmem = 1; /* what this loader allocates comes from pb_hmem, never malloc */
    /* Empty sections get NULL: their offset may be the file's end, outside the map. */
    w->n_records = h->n_records;
    w->events = w->n_records ? (struct pb_event *)(base + h->events_offset) : NULL;
    w->n_slots = h->n_slots;
    w->ids = (h->flags & PBT_FLAG_IDS) && w->n_records ? (uint64_t *)(base + h->ids_offset)
                                                        : NULL;
    w->tids = (h->flags & PBT_FLAG_TIDS) && w->n_records ? (uint16_t *)(base + h->tids_offset)
                                                          : NULL;
    w->n_lines = h->n_lines;
    w->lines = w->n_lines ? (struct pb_line_mark *)(base + h->lines_offset) : NULL;
    char err[256] = "";
    if (check_body(w, h, base, err, sizeof err)) {
        pb_diag_add(diag, path, 0, "corrupt binary trace: %s", err[0] ? err : "invalid");
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
    h->flags = (w->ids ? PBT_FLAG_IDS : 0) | (w->tids ? PBT_FLAG_TIDS : 0);
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
    h->tids_offset = w->tids ? at : 0;
    at += w->tids ? w->n_records * 2 : 0;
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
    if (w->tids)
        put(o, w->tids, w->n_records * sizeof *w->tids);
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
