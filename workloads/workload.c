/*
 * workload.c -- diagnostics, the workload builder, figures and freeing.
 *
 * The builder turns a stream of (id, size, align, tag) events into the
 * decoded form of pb_workload.h while checking the trace rules:
 *
 *  - live IDs live in an open-addressing hash table (linear probing, load
 *    <= 1/2, backward-shift deletion) that maps the 64-bit ID to its slot.
 *    Nothing is allocated per event: the table, the per-slot arrays and the
 *    event array all grow geometrically.
 *  - slots are dense: a freed slot goes on a LIFO stack and the next
 *    allocation reuses it, so n_slots is the peak number of live blocks.
 *    With threads (`t` lines) each thread has its own stack: a slot freed by
 *    thread T is reused only by T's next allocations, so reusing a slot never
 *    makes one thread wait for another's free (a dependency the program did
 *    not have: its threads' addresses are their own); thread 0's stack is the
 *    one-thread stack, so a trace without `t` lines gets the same slots. When
 *    threads free each other's blocks there are then more slots than the peak
 *    of live blocks (the freeing thread holds them).
 *  - per slot the builder keeps the block's ID, current size, alignment and
 *    the line that allocated it (for "already live (allocated at line N)"),
 *    and its position in the list of live slots, which makes `x` cost
 *    O(live blocks) rather than O(table).
 *  - tags are interned in a second hash table; the event carries 1 + index.
 *
 * The line map keeps a mark for the first event that has a source line and
 * wherever an event's line is not the previous event's line + 1, so a trace
 * without comments or blank lines needs a single mark.
 *
 * Memory: every array the builder grows is counted, and a growth that would
 * take the total past its limit (the machine's physical memory unless set) is
 * refused before anything is allocated; so is everything after a refusal or
 * a failed allocation (the builder is then exhausted). A trace, or a small
 * .gz that inflates to a huge one, thus ends in a clean "too large" message,
 * not in the OOM killer.
 */
#include "pb_workload.h"
#include "trace_internal.h"

#include "pb_hmem.h"
#include "pb_text.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* ---- diagnostics ---------------------------------------------------------- */

void pb_diag_add(struct pb_diag *d, const char *file, uint64_t line, const char *fmt, ...)
{
    d->total++;
    if (d->count >= PB_DIAG_MAX)
        return;
    char *m = d->msg[d->count++];
    int n = 0;
    if (file && line)
        n = snprintf(m, PB_DIAG_LEN, "%s:%llu: ", file, (unsigned long long)line);
    else if (file)
        n = snprintf(m, PB_DIAG_LEN, "%s: ", file);
    if (n < 0 || n >= PB_DIAG_LEN)
        n = PB_DIAG_LEN - 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m + n, PB_DIAG_LEN - (size_t)n, fmt, ap);
    va_end(ap);
}

void pb_diag_print(const struct pb_diag *d, FILE *f)
{
    for (int i = 0; i < d->count; i++)
        pb_text_line(f, "%s", d->msg[i]); /* names and trace text in shown form */
    if (d->total > (uint64_t)d->count)
        fprintf(f, "(%llu more problems not shown; %llu in all)\n",
                (unsigned long long)(d->total - (uint64_t)d->count),
                (unsigned long long)d->total);
}

/* ---- the builder ------------------------------------------------------------ */

#define NO_SLOT UINT32_MAX

struct id_entry {
    uint64_t id;
    uint32_t slot; /* NO_SLOT when the entry is empty */
};

struct pb_builder {
    struct pb_event *events;
    uint64_t *ids;       /* NULL while every event's id has equalled its slot */
    uint16_t *tids;      /* NULL while every event has been thread 0 */
    size_t n_events, cap_events, cap_ids, cap_tids;
    uint16_t tid;        /* the thread of the next event (the last `t` line) */

    struct pb_line_mark *lines;
    size_t n_lines, cap_lines;
    uint64_t prev_line;

    /* live IDs -> slot */
    struct id_entry *table;
    size_t table_cap; /* power of two */
    size_t n_live;

    /* per slot, valid while the slot is live */
    uint64_t *slot_id;
    uint64_t *slot_size;
    uint64_t *slot_line;
    uint8_t *slot_align;
    uint32_t *slot_live_pos; /* index in live[] */
    uint32_t n_slots, cap_slots;

    uint32_t *live;      /* the live slots, in no particular order (n_live of them) */
    uint32_t *free_slots; /* LIFO stack of slots freed by thread 0 (and by x) */
    uint32_t n_free;
    uint32_t *slot_next;   /* threads other than 0: their stacks, linked through the slots */
    uint32_t *thread_free; /* per thread: 1 + the top of its stack; 0 = empty */
    size_t cap_thread_free;

    /* interned tags */
    char **tags;
    uint32_t n_tags, cap_tags;
    uint32_t *tag_table; /* 1 + index into tags, 0 = empty */
    size_t tag_table_cap;

    /* memory */
    uint64_t mem_bytes;  /* bytes held by the arrays above */
    uint64_t mem_limit;  /* the most they may hold */
    int exhausted;       /* 1 after the limit or an allocation failed: nothing more is added */
    int over_limit;      /* ... and it was the limit */
    int limit_set;       /* the limit is not the default */
};

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

/* Whether the builder may go from `old` to `new` bytes of one array; a refusal
 * exhausts it. */
static int mem_ok(struct pb_builder *b, uint64_t old, uint64_t new)
{
    if (b->exhausted)
        return 0;
    if (new > old && new - old > b->mem_limit - b->mem_bytes) {
        b->exhausted = b->over_limit = 1;
        return 0;
    }
    return 1;
}

/* Account for an array that went from `old` to `new` bytes (new 0: it failed). */
static void mem_done(struct pb_builder *b, uint64_t old, uint64_t new)
{
    if (new == 0) {
        b->exhausted = 1;
        return;
    }
    b->mem_bytes = b->mem_bytes - old + new;
}

/* Make room for `need` elements of *p (capacity *cap), doubling; -1 when the
 * memory limit or realloc refuses. */
static int grow(struct pb_builder *b, void **p, size_t *cap, size_t elem, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 64;
    while (n < need)
        n *= 2;
    if (n > SIZE_MAX / elem) {
        b->exhausted = b->over_limit = 1;
        return -1;
    }
    if (!mem_ok(b, (uint64_t)*cap * elem, (uint64_t)n * elem))
        return -1;
    void *q = realloc(*p, n * elem);
    mem_done(b, (uint64_t)*cap * elem, q ? (uint64_t)n * elem : 0);
    if (!q)
        return -1;
    *p = q;
    *cap = n;
    return 0;
}

/* The default memory limit: the machine's physical memory. */
static uint64_t physical_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page <= 0)
        return UINT64_MAX;
    return (uint64_t)pages * (uint64_t)page;
}

void pb_builder_set_memory_limit(struct pb_builder *b, uint64_t bytes)
{
    b->mem_limit = bytes > b->mem_bytes ? bytes : b->mem_bytes;
    b->limit_set = 1;
}

int pb_builder_exhausted(const struct pb_builder *b)
{
    return b->exhausted;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The message for an event refused because memory ran out (or would have). */
static int out_of_memory(const struct pb_builder *b, char *err, size_t errlen)
{
    if (!b->over_limit)
        return fail(err, errlen, "out of memory");
    return fail(err, errlen, "too large: the workload needs more than %llu MiB of memory (%s)",
                (unsigned long long)(b->mem_limit >> 20),
                b->limit_set ? "its limit" : "the machine's physical memory");
}

struct pb_builder *pb_builder_new(void)
{
    struct pb_builder *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->table_cap = 64;
    b->table = malloc(b->table_cap * sizeof *b->table);
    if (!b->table) {
        free(b);
        return NULL;
    }
    b->mem_bytes = b->table_cap * sizeof *b->table;
    b->mem_limit = physical_memory();
    for (size_t i = 0; i < b->table_cap; i++)
        b->table[i].slot = NO_SLOT;
    return b;
}

static void free_tags(char **tags, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        free(tags[i]);
    free(tags);
}

void pb_builder_discard(struct pb_builder *b)
{
    if (!b)
        return;
    free(b->events);
    free(b->ids);
    free(b->tids);
    free(b->lines);
    free(b->table);
    free(b->slot_id);
    free(b->slot_size);
    free(b->slot_line);
    free(b->slot_align);
    free(b->slot_live_pos);
    free(b->live);
    free(b->free_slots);
    free(b->slot_next);
    free(b->thread_free);
    free_tags(b->tags, b->n_tags);
    free(b->tag_table);
    free(b);
}

/* Index of id's entry, or of the empty entry where it would go. */
static size_t table_find(const struct pb_builder *b, uint64_t id)
{
    size_t mask = b->table_cap - 1;
    size_t i = (size_t)mix64(id) & mask;
    while (b->table[i].slot != NO_SLOT && b->table[i].id != id)
        i = (i + 1) & mask;
    return i;
}

static int table_grow(struct pb_builder *b)
{
    size_t old_cap = b->table_cap;
    struct id_entry *old = b->table;
    uint64_t old_bytes = old_cap * sizeof *old, new_bytes = old_bytes * 2;
    if (!mem_ok(b, old_bytes, old_bytes + new_bytes)) /* both are held while rehashing */
        return -1;
    struct id_entry *t = malloc(old_cap * 2 * sizeof *t);
    mem_done(b, old_bytes, t ? new_bytes : 0);
    if (!t)
        return -1;
    for (size_t i = 0; i < old_cap * 2; i++)
        t[i].slot = NO_SLOT;
    b->table = t;
    b->table_cap = old_cap * 2;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].slot != NO_SLOT)
            b->table[table_find(b, old[i].id)] = old[i];
    free(old);
    return 0;
}

/* Remove the entry at index i, shifting later entries of the cluster back. */
static void table_remove_at(struct pb_builder *b, size_t i)
{
    size_t mask = b->table_cap - 1;
    size_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (b->table[j].slot == NO_SLOT)
            break;
        size_t home = (size_t)mix64(b->table[j].id) & mask;
        /* j's entry may move to i when its home is not in (i, j] cyclically. */
        int stays = (i <= j) ? (i < home && home <= j) : (i < home || home <= j);
        if (!stays) {
            b->table[i] = b->table[j];
            i = j;
        }
    }
    b->table[i].slot = NO_SLOT;
}

/* The first id that differs from its slot: from now on ids are kept, the
 * earlier ones being their slots. Generators, whose ids are reused the way
 * slots are, never get here: their workloads cost 16 bytes per event, not 24. */
static int start_ids(struct pb_builder *b)
{
    if (grow(b, (void **)&b->ids, &b->cap_ids, sizeof *b->ids, b->n_events + 1))
        return -1;
    for (size_t i = 0; i < b->n_events; i++)
        b->ids[i] = b->events[i].slot;
    return 0;
}

/* The first event of a thread other than 0: from now on threads are kept, the
 * earlier events being thread 0. A one-thread trace never gets here. */
static int start_tids(struct pb_builder *b)
{
    if (grow(b, (void **)&b->tids, &b->cap_tids, sizeof *b->tids, b->n_events + 1))
        return -1;
    memset(b->tids, 0, b->n_events * sizeof *b->tids);
    return 0;
}

void pb_builder_thread(struct pb_builder *b, uint16_t tid)
{
    b->tid = tid;
}

static int push_event(struct pb_builder *b, const struct pb_event *e, uint64_t id, uint64_t line)
{
    if (grow(b, (void **)&b->events, &b->cap_events, sizeof *b->events, b->n_events + 1))
        return -1;
    if (!b->ids && id != e->slot && start_ids(b))
        return -1;
    if (b->ids && grow(b, (void **)&b->ids, &b->cap_ids, sizeof *b->ids, b->n_events + 1))
        return -1;
    if (!b->tids && b->tid != 0 && start_tids(b))
        return -1;
    if (b->tids && grow(b, (void **)&b->tids, &b->cap_tids, sizeof *b->tids, b->n_events + 1))
        return -1;
    if (b->n_lines == 0 ? line != 0 : line != b->prev_line + 1) {
        if (grow(b, (void **)&b->lines, &b->cap_lines, sizeof *b->lines, b->n_lines + 1))
            return -1;
        b->lines[b->n_lines].event = b->n_events;
        b->lines[b->n_lines].line = line;
        b->n_lines++;
    }
    b->prev_line = line;
    b->events[b->n_events] = *e;
    if (b->ids)
        b->ids[b->n_events] = id;
    if (b->tids)
        b->tids[b->n_events] = b->tid;
    b->n_events++;
    return 0;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int tag_char_ok(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == ':' || c == '<' || c == '>' || c == '-';
}

/* Checks a tag's syntax; 0 ok, -1 with the reason in err. */
static int check_tag(const char *tag, size_t len, char *err, size_t errlen)
{
    if (len == 0)
        return fail(err, errlen, "malformed tag '@': empty (a tag is @ and 1 to %d of "
                    "[A-Za-z0-9_.:<>-])", PB_MAX_TAG_LEN);
    if (len > PB_MAX_TAG_LEN)
        return fail(err, errlen, "malformed tag '@%.20s...': %zu characters (at most %d)", tag,
                    len, PB_MAX_TAG_LEN);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)tag[i];
        if (!tag_char_ok(c)) {
            if (c > ' ' && c < 127)
                return fail(err, errlen, "malformed tag '@%.*s': character '%c' is not one of "
                            "[A-Za-z0-9_.:<>-]", (int)len, tag, c);
            return fail(err, errlen, "malformed tag: byte 0x%02x is not one of [A-Za-z0-9_.:<>-]",
                        c);
        }
    }
    return 0;
}

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static size_t tag_find(const struct pb_builder *b, const char *tag, size_t len)
{
    size_t mask = b->tag_table_cap - 1;
    size_t i = (size_t)hash_bytes(tag, len) & mask;
    for (;;) {
        uint32_t t = b->tag_table[i];
        if (t == 0)
            return i;
        const char *s = b->tags[t - 1];
        if (strncmp(s, tag, len) == 0 && s[len] == '\0')
            return i;
        i = (i + 1) & mask;
    }
}

static int tag_table_grow(struct pb_builder *b)
{
    size_t cap = b->tag_table_cap ? b->tag_table_cap * 2 : 64;
    uint64_t old_bytes = b->tag_table_cap * sizeof *b->tag_table;
    uint64_t new_bytes = cap * sizeof *b->tag_table;
    if (!mem_ok(b, old_bytes, old_bytes + new_bytes))
        return -1;
    uint32_t *t = calloc(cap, sizeof *t);
    mem_done(b, old_bytes, t ? new_bytes : 0);
    if (!t)
        return -1;
    free(b->tag_table);
    b->tag_table = t;
    b->tag_table_cap = cap;
    for (uint32_t k = 0; k < b->n_tags; k++)
        b->tag_table[tag_find(b, b->tags[k], strlen(b->tags[k]))] = k + 1;
    return 0;
}

/* The event's tag field for tag (interning it), or -1 with err. */
static int intern_tag(struct pb_builder *b, const char *tag, size_t len, uint16_t *out, char *err,
                      size_t errlen)
{
    if (check_tag(tag, len, err, errlen))
        return -1;
    if ((b->n_tags + 1) * 2 > b->tag_table_cap && tag_table_grow(b))
        return out_of_memory(b, err, errlen);
    size_t i = tag_find(b, tag, len);
    if (b->tag_table[i]) {
        *out = (uint16_t)b->tag_table[i];
        return 0;
    }
    if (b->n_tags >= PB_MAX_TAGS)
        return fail(err, errlen, "too many distinct tags (at most %d)", PB_MAX_TAGS);
    size_t cap = b->cap_tags;
    if (grow(b, (void **)&b->tags, &cap, sizeof *b->tags, (size_t)b->n_tags + 1))
        return out_of_memory(b, err, errlen);
    b->cap_tags = (uint32_t)cap;
    char *s = malloc(len + 1);
    if (!s) {
        b->exhausted = 1;
        return out_of_memory(b, err, errlen);
    }
    memcpy(s, tag, len);
    s[len] = '\0';
    b->tags[b->n_tags++] = s;
    b->tag_table[i] = b->n_tags;
    *out = (uint16_t)b->n_tags;
    return 0;
}

/* Put slot on the stack of the current thread. */
static void push_free(struct pb_builder *b, uint32_t slot)
{
    if (b->tid == 0) {
        b->free_slots[b->n_free++] = slot;
        return;
    }
    size_t old = b->cap_thread_free;
    if (grow(b, (void **)&b->thread_free, &b->cap_thread_free, sizeof *b->thread_free,
             (size_t)b->tid + 1)) {
        b->free_slots[b->n_free++] = slot; /* no room: the shared stack, still correct */
        return;
    }
    memset(b->thread_free + old, 0, (b->cap_thread_free - old) * sizeof *b->thread_free);
    b->slot_next[slot] = b->thread_free[b->tid];
    b->thread_free[b->tid] = slot + 1;
}

/* The current thread's most recently freed slot; 0 when it has none. */
static int pop_free(struct pb_builder *b, uint32_t *out)
{
    if (b->tid == 0 || b->tid >= b->cap_thread_free || !b->thread_free[b->tid]) {
        if (b->tid != 0 || !b->n_free)
            return 0;
        *out = b->free_slots[--b->n_free];
        return 1;
    }
    *out = b->thread_free[b->tid] - 1;
    b->thread_free[b->tid] = b->slot_next[*out];
    return 1;
}

/* A slot for a new block: the most recently freed one, else a new one. */
static int take_slot(struct pb_builder *b, uint32_t *out)
{
    if (pop_free(b, out))
        return 0;
    if (b->n_slots == NO_SLOT - 1)
        return -1;
    if (b->n_slots == b->cap_slots) {
        size_t need = (size_t)b->n_slots + 1, c;
        c = b->cap_slots;
        if (grow(b, (void **)&b->slot_id, &c, sizeof *b->slot_id, need))
            return -1;
        c = b->cap_slots;
        if (grow(b, (void **)&b->slot_size, &c, sizeof *b->slot_size, need))
            return -1;
        c = b->cap_slots;
        if (grow(b, (void **)&b->slot_line, &c, sizeof *b->slot_line, need))
            return -1;
        c = b->cap_slots;
        if (grow(b, (void **)&b->slot_align, &c, sizeof *b->slot_align, need))
            return -1;
        c = b->cap_slots;
        if (grow(b, (void **)&b->slot_live_pos, &c, sizeof *b->slot_live_pos, need))
            return -1;
        c = b->cap_slots;
        if (grow(b, (void **)&b->live, &c, sizeof *b->live, need))
            return -1;
        c = b->cap_slots;
        if (grow(b, (void **)&b->free_slots, &c, sizeof *b->free_slots, need))
            return -1;
        c = b->cap_slots;
        if (grow(b, (void **)&b->slot_next, &c, sizeof *b->slot_next, need))
            return -1;
        b->cap_slots = (uint32_t)c;
    }
    *out = b->n_slots++;
    return 0;
}

static void release_slot(struct pb_builder *b, uint32_t slot)
{
    uint32_t pos = b->slot_live_pos[slot];
    uint32_t last = b->live[--b->n_live];
    b->live[pos] = last;
    b->slot_live_pos[last] = pos;
    push_free(b, slot);
}

static int check_id(uint64_t id, char *err, size_t errlen)
{
    if (id >= PB_MAX_ID)
        return fail(err, errlen, "id %llu is out of range (ids are below 2^63)",
                    (unsigned long long)id);
    return 0;
}

static int check_size(uint64_t size, char *err, size_t errlen)
{
    if (size > PB_MAX_SIZE)
        return fail(err, errlen, "size %llu is out of range (at most 2^40 = %llu)",
                    (unsigned long long)size, (unsigned long long)PB_MAX_SIZE);
    return 0;
}

int pb_builder_alloc(struct pb_builder *b, uint64_t id, uint64_t size, unsigned align_log2,
                     const char *tag, size_t tag_len, uint64_t line, char *err, size_t errlen)
{
    if (b->exhausted)
        return out_of_memory(b, err, errlen);
    if (check_id(id, err, errlen) || check_size(size, err, errlen))
        return -1;
    if (align_log2 > PB_MAX_ALIGN_LOG2)
        return fail(err, errlen, "alignment 2^%u is out of range (at most 4096)", align_log2);
    if ((b->n_live + 1) * 2 > b->table_cap && table_grow(b))
        return out_of_memory(b, err, errlen);
    size_t i = table_find(b, id);
    if (b->table[i].slot != NO_SLOT) {
        uint64_t at = b->slot_line[b->table[i].slot];
        if (at)
            return fail(err, errlen, "id %llu is already live (allocated at line %llu)",
                        (unsigned long long)id, (unsigned long long)at);
        return fail(err, errlen, "id %llu is already live", (unsigned long long)id);
    }
    uint16_t tag_field = 0;
    if (tag && intern_tag(b, tag, tag_len, &tag_field, err, errlen))
        return -1;
    uint32_t slot;
    if (take_slot(b, &slot))
        return out_of_memory(b, err, errlen);
    struct pb_event e = {.size = size, .slot = slot, .tag = tag_field, .op = PB_OP_ALLOC,
                         .align_log2 = (uint8_t)align_log2};
    if (push_event(b, &e, id, line)) {
        push_free(b, slot);
        return out_of_memory(b, err, errlen);
    }
    b->table[i].id = id;
    b->table[i].slot = slot;
    b->slot_id[slot] = id;
    b->slot_size[slot] = size;
    b->slot_line[slot] = line;
    b->slot_align[slot] = (uint8_t)align_log2;
    b->slot_live_pos[slot] = (uint32_t)b->n_live;
    b->live[b->n_live++] = slot;
    return 0;
}

/* The table index of live id, or -1 with the f/r "not live" message. */
static long long find_live(struct pb_builder *b, char op, uint64_t id, char *err, size_t errlen)
{
    if (check_id(id, err, errlen))
        return -1;
    size_t i = table_find(b, id);
    if (b->table[i].slot == NO_SLOT)
        return fail(err, errlen, "%c on id %llu, which is not live (never allocated, or "
                    "already freed)", op, (unsigned long long)id);
    return (long long)i;
}

int pb_builder_free(struct pb_builder *b, uint64_t id, uint64_t line, char *err, size_t errlen)
{
    if (b->exhausted)
        return out_of_memory(b, err, errlen);
    long long i = find_live(b, 'f', id, err, errlen);
    if (i < 0)
        return -1;
    uint32_t slot = b->table[i].slot;
    struct pb_event e = {.size = b->slot_size[slot], .slot = slot, .op = PB_OP_FREE,
                         .align_log2 = b->slot_align[slot]};
    if (push_event(b, &e, id, line))
        return out_of_memory(b, err, errlen);
    table_remove_at(b, (size_t)i);
    release_slot(b, slot);
    return 0;
}

int pb_builder_realloc(struct pb_builder *b, uint64_t id, uint64_t size, uint64_t line,
                       char *err, size_t errlen)
{
    if (b->exhausted)
        return out_of_memory(b, err, errlen);
    if (check_size(size, err, errlen))
        return -1;
    long long i = find_live(b, 'r', id, err, errlen);
    if (i < 0)
        return -1;
    uint32_t slot = b->table[i].slot;
    struct pb_event e = {.size = size, .slot = slot, .op = PB_OP_REALLOC,
                         .align_log2 = b->slot_align[slot]};
    if (push_event(b, &e, id, line))
        return out_of_memory(b, err, errlen);
    b->slot_size[slot] = size;
    return 0;
}

int pb_builder_reset(struct pb_builder *b, uint64_t line, char *err, size_t errlen)
{
    if (b->exhausted)
        return out_of_memory(b, err, errlen);
    struct pb_event e = {.op = PB_OP_RESET};
    if (push_event(b, &e, 0, line))
        return out_of_memory(b, err, errlen);
    if (b->n_live * 4 >= b->table_cap) {
        for (size_t i = 0; i < b->table_cap; i++)
            b->table[i].slot = NO_SLOT;
    } else {
        for (size_t k = 0; k < b->n_live; k++)
            table_remove_at(b, table_find(b, b->slot_id[b->live[k]]));
    }
    while (b->n_live)
        b->free_slots[b->n_free++] = b->live[--b->n_live];
    return 0;
}

/* Give back the unused tail of a grown array (keeps it when realloc fails). */
static void *shrink(void *p, size_t n, size_t elem)
{
    if (!p || n == 0)
        return p;
    void *q = realloc(p, n * elem);
    return q ? q : p;
}

int pb_builder_finish(struct pb_builder *b, struct pb_workload *out)
{
    b->events = shrink(b->events, b->n_events, sizeof *b->events);
    b->ids = shrink(b->ids, b->n_events, sizeof *b->ids);
    b->tids = shrink(b->tids, b->n_events, sizeof *b->tids);
    b->lines = shrink(b->lines, b->n_lines, sizeof *b->lines);
    out->events = b->events;
    out->ids = b->ids;
    out->tids = b->tids;
    out->n_records = b->n_events;
    out->n_slots = b->n_slots;
    out->lines = b->lines;
    out->n_lines = b->n_lines;
    out->tags = b->tags;
    out->n_tags = b->n_tags;
    out->map = NULL;
    out->map_len = 0;
    b->events = NULL;
    b->ids = NULL;
    b->tids = NULL;
    b->lines = NULL;
    b->tags = NULL;
    b->n_tags = 0;
    pb_builder_discard(b);
    return pb_workload_compute_figures(out);
}

/* ---- whole workloads ------------------------------------------------------ */

uint64_t pb_workload_line(const struct pb_workload *w, size_t i)
{
    if (w->n_lines == 0 || i >= w->n_records || w->lines[0].event > i)
        return 0;
    size_t lo = 0, hi = w->n_lines; /* last mark with event <= i is in [lo, hi) */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (w->lines[mid].event <= i)
            lo = mid;
        else
            hi = mid;
    }
    if (w->lines[lo].line == 0)
        return 0;
    return w->lines[lo].line + (i - w->lines[lo].event);
}

static const char *const op_names = "afrx";

/* Release pb_workload_check's per-slot arrays (NULL ones are skipped). */
static void free_check_arrays(uint32_t n_slots, uint64_t *size, uint64_t *gen, uint8_t *align)
{
    pb_hmem_free(size, n_slots * sizeof *size);
    pb_hmem_free(gen, n_slots * sizeof *gen);
    pb_hmem_free(align, n_slots);
}

/* What pb_workload_check keeps while it walks the events. */
struct check_state {
    struct pb_workload_figures f;
    uint64_t *size;   /* size of each live slot */
    uint64_t *gen;    /* gen[slot] == epoch when live; epoch grows at every x */
    uint8_t *align;
    uint64_t epoch, live_bytes, live_blocks;
    uint64_t max_slot; /* 1 + the highest slot used */
};

/* An x: every block is released; its fields must be zero. */
static int check_reset(struct check_state *st, const struct pb_event *e, size_t i, char *err,
                       size_t errlen)
{
    st->f.resets++;
    st->epoch++;
    st->live_bytes = st->live_blocks = 0;
    if (e->size || e->slot || e->tag || e->align_log2)
        return fail(err, errlen, "event %zu: x with non-zero fields", i);
    return 0;
}

/* An a on slot s. */
static int check_alloc(struct check_state *st, const struct pb_workload *w,
                       const struct pb_event *e, size_t i, char *err, size_t errlen)
{
    uint32_t s = e->slot;
    int rc = 0;
    if (st->gen[s] == st->epoch)
        rc = fail(err, errlen, "event %zu: a on slot %u, which is live", i, s);
    else if (e->tag > w->n_tags)
        rc = fail(err, errlen, "event %zu: tag %u out of range (%u tags)", i, e->tag, w->n_tags);
    if (s >= st->max_slot)
        st->max_slot = (uint64_t)s + 1;
    st->gen[s] = st->epoch;
    st->size[s] = e->size;
    st->align[s] = e->align_log2;
    st->f.allocs++;
    st->f.total_requested_bytes += e->size;
    st->live_bytes += e->size;
    st->live_blocks++;
    return rc;
}

/* An f or r on slot s, which must be live and match its block. */
static int check_release(struct check_state *st, const struct pb_event *e, size_t i, char *err,
                         size_t errlen)
{
    uint32_t s = e->slot;
    if (st->gen[s] != st->epoch)
        return fail(err, errlen, "event %zu: %c on slot %u, which is not live", i,
                    op_names[e->op], s);
    if (e->tag || e->align_log2 != st->align[s] || (e->op == PB_OP_FREE && e->size != st->size[s]))
        return fail(err, errlen, "event %zu: %c does not match the block of slot %u", i,
                    op_names[e->op], s);
    if (e->op == PB_OP_FREE) {
        st->gen[s] = 0;
        st->f.frees++;
        st->live_bytes -= st->size[s];
        st->live_blocks--;
    } else {
        st->f.reallocs++;
        st->live_bytes = st->live_bytes - st->size[s] + e->size;
        st->size[s] = e->size;
    }
    return 0;
}

/* Event i against the rules, its figures added. 0, or -1 and err. */
static int check_event(struct check_state *st, const struct pb_workload *w, size_t i, char *err,
                       size_t errlen)
{
    const struct pb_event *e = &w->events[i];
    if (e->op > PB_OP_RESET)
        return fail(err, errlen, "event %zu: invalid op %u", i, e->op);
    if (e->op == PB_OP_RESET)
        return check_reset(st, e, i, err, errlen);
    if (e->slot >= w->n_slots)
        return fail(err, errlen, "event %zu: slot %u out of range (%u slots)", i, e->slot,
                    w->n_slots);
    if (e->size > PB_MAX_SIZE || e->align_log2 > PB_MAX_ALIGN_LOG2)
        return fail(err, errlen, "event %zu: size or alignment out of range", i);
    int rc = e->op == PB_OP_ALLOC ? check_alloc(st, w, e, i, err, errlen)
                                  : check_release(st, e, i, err, errlen);
    if (st->live_bytes > st->f.peak_live_bytes) {
        st->f.peak_live_bytes = st->live_bytes;
        st->f.peak_event = i;
    }
    if (st->live_blocks > st->f.peak_live_blocks)
        st->f.peak_live_blocks = st->live_blocks;
    return rc;
}

int pb_workload_check(struct pb_workload *w, char *err, size_t errlen)
{
    struct check_state st;
    memset(&st, 0, sizeof st);
    st.epoch = 1;
    /* Every slot is used by an a, so there are no more slots than events: checked first,
     * as a corrupt count would otherwise size the arrays below (up to 2^32 slots). */
    if (w->n_slots > w->n_records)
        return fail(err, errlen, "%u slots for %zu events (every slot is used by an a)",
                    w->n_slots, w->n_records);
    /* from pb_hmem: the .pbt loader runs in a preloaded backend's process */
    if (w->n_slots) {
        st.size = pb_hmem_calloc(w->n_slots, sizeof *st.size);
        st.gen = pb_hmem_calloc(w->n_slots, sizeof *st.gen);
        st.align = pb_hmem_alloc(w->n_slots);
        if (!st.size || !st.gen || !st.align) {
            free_check_arrays(w->n_slots, st.size, st.gen, st.align);
            return fail(err, errlen, "out of memory");
        }
    }
    int rc = 0;
    for (size_t i = 0; i < w->n_records && rc == 0; i++)
        rc = check_event(&st, w, i, err, errlen);
    free_check_arrays(w->n_slots, st.size, st.gen, st.align);
    if (rc == 0 && w->n_slots != st.max_slot)
        rc = fail(err, errlen, "%u slots, but the events use %llu", w->n_slots,
                  (unsigned long long)st.max_slot);
    if (rc)
        return rc;
    st.f.events = st.f.allocs + st.f.frees + st.f.reallocs;
    st.f.live_blocks_at_end = st.live_blocks;
    st.f.live_bytes_at_end = st.live_bytes;
    if (pb_workload_thread_pass(w, &st.f))
        return fail(err, errlen, "out of memory");
    w->fig = st.f;
    return 0;
}

int pb_workload_compute_figures(struct pb_workload *w)
{
    return pb_workload_check(w, NULL, 0);
}

/* Whether p points into w's mapping (then it is not separately owned). */
static int in_map(const struct pb_workload *w, const void *p)
{
    const char *c = p, *m = w->map;
    return m && c >= m && c < m + w->map_len;
}

void pb_workload_free(struct pb_workload *w)
{
    if (!in_map(w, w->events))
        free(w->events);
    if (!in_map(w, w->ids))
        free(w->ids);
    if (!in_map(w, w->tids))
        free(w->tids);
    if (!in_map(w, w->lines))
        free(w->lines);
    if (w->tags) {
        for (uint32_t i = 0; i < w->n_tags; i++)
            if (!in_map(w, w->tags[i]))
                free(w->tags[i]);
        if (w->hmem)
            pb_hmem_free(w->tags, w->n_tags * sizeof *w->tags);
        else
            free(w->tags);
    }
    if (w->hmem)
        pb_hmem_free_str(w->path);
    else
        free(w->path);
    free(w->params);
    if (w->map)
        munmap(w->map, w->map_len);
    memset(w, 0, sizeof *w);
}

int pb_workload_set_path(struct pb_workload *w, const char *path)
{
    char *copy = NULL;
    if (path && *path && !(copy = w->hmem ? pb_hmem_strdup(path) : strdup(path)))
        return -1;
    if (w->hmem)
        pb_hmem_free_str(w->path);
    else
        free(w->path);
    w->path = copy;
    return 0;
}
