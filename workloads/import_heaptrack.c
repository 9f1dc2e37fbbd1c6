/*
 * import_heaptrack.c -- heaptrack captures to v1 trace events with site tags.
 *
 * heaptrack's preload library writes a raw log (pointers, instruction
 * addresses); heaptrack_interpret turns it into the file `heaptrack PROG`
 * leaves behind (PROG.PID.zst or .gz), which heaptrack_print reads. That
 * interpreted text is what is read here (heaptrack 1.4, src/interpret/
 * heaptrack_interpret.cpp writes it, src/analyze/accumulatedtracedata.cpp
 * reads it). One record a line, the letter first, numbers in lower-case hex
 * separated by one space:
 *
 *   v HTVER FILEVER     heaptrack's version (0x010400) and the format's (1..3); first
 *   X CMDLINE           the command line                  (a comment in the trace)
 *   I PAGESIZE PAGES    the machine                       (skipped)
 *   s LEN STRING        string number 1, 2, ... (LEN bytes; format < 3: the rest of the line)
 *   i IP MOD [FN [FILE LINE [FN FILE LINE]...]]
 *                       instruction pointer number 1, 2, ...: module, function, file (string
 *                       numbers, 0 = unknown) and line; the frames inlined there follow, the
 *                       innermost first (format >= 2)
 *   t IPNUM PARENT      trace node number 1, 2, ...: one frame of a stack, PARENT its caller's
 *                       node (0 = the outermost); an allocation names its innermost node
 *   a SIZE TRACE        allocation info number 0, 1, ...: one (size, stack) pair
 *   + INFO              a block of that size allocated at that stack
 *   - INFO              a live block of that info freed
 *   c MS   R RSS   A   S SUPPRESSION   # comment, empty line     (skipped)
 *
 * Mapping. Each '+' gets a new ID (counting from 1), written `a ID SIZE @SITE`.
 * A '-' names only the info, not the block: heaptrack_interpret matched the
 * raw free to its pointer and wrote that pointer's info, and dropped frees of
 * pointers it never saw allocated. Blocks of one info have the same size and
 * stack, so any choice among them gives the same live bytes, per site and in
 * total, at every event; the importer frees the most recently allocated one
 * (a stack of live IDs per info). That is exact for a block freed before the
 * next allocation of its info (heaptrack's "temporary" allocations) and a
 * guess for the rest. A '-' with no live block of its info is counted and
 * dropped. realloc is logged by heaptrack as a free and an allocation, and is
 * written so (f, then a); heaptrack logs no alignments and no threads.
 *
 * Sites. The site of a stack is its innermost frame, counting inlined frames,
 * that is not the allocator itself (malloc, calloc, realloc, operator new,
 * ...): `FUNCTION:FILE:LINE` with the file's base name, or `FUNCTION` without
 * debug information; a frame with no name at all (a stripped binary) is
 * `MODULE:0xADDRESS`, the module's base name and the address in that run.
 * Each ip's site frame is found when it is read, each trace node's (its own
 * ip's, or else its parent's) when it is read; the tag text is made once per
 * node an allocation uses. With depth N > 1 (`import --depth N`, for
 * allocation wrappers such as sqlite3Malloc or xmalloc) the site is the N-th
 * such frame outwards, each instruction address counted once (the frames
 * inlined at one address are one), or the outermost when there are fewer.
 *
 * Bounds. Every number is checked against the tables it indexes; tables grow
 * by doubling up to the PB_HT_ limits of pb_import.h, so memory follows what
 * the file holds and a hostile file gets a message with its line number.
 */
#include "pb_import.h"
#include "pb_zstream.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define HT_BLOCK 65536
#define HT_TAG_HASH 131072        /* slots of the tag set, > 2 * PB_HT_MAX_SITES */
#define HT_NO_TAG UINT32_MAX      /* a trace node's tag: none */
#define HT_MAX_VERSION 3

struct ht_str {
    uint64_t off;
    uint32_t len;
};

/* One instruction pointer: its address and module, and whether and how it
 * is a site: its site frame (func), or func 0 and unnamed 1 when no frame of it
 * has a name (the site is then MODULE:ADDRESS). */
struct ht_ip {
    uint64_t addr;
    uint32_t module, func, file, line;
    uint32_t unnamed;
};

/* One trace node: the ip that holds its site (0: none), its tag
 * (0: not made yet, HT_NO_TAG: none, else 1 + tag number), its caller's
 * node and the node whose ip is its site (for --depth: the site's caller). */
struct ht_trace {
    uint32_t site_ip, tag, parent, site_node;
};

/* One allocation info; head: 1 + node of its newest live block, 0 when none. */
struct ht_info {
    uint64_t size;
    uint32_t trace, head;
};

/* One live block: its ID (0: an allocation not written) and the next older one. */
struct ht_node {
    uint64_t id;
    uint32_t next;
};

/* A growable array of elem-sized entries, counted up to max. */
struct ht_table {
    void *v;
    uint64_t n, cap, max;
    size_t elem;
    const char *what;
};

struct ht_state {
    const char *name;
    FILE *out;
    struct pb_heaptrack_stats *st;
    struct pb_diag *diag;
    uint64_t line;
    int stop, seen_version, problems;
    struct ht_table arena, strs, ips, traces, infos, nodes;
    uint32_t free_nodes;                 /* 1 + first recycled node, 0 when none */
    struct ht_table tags;                /* tag texts, PB_MAX_TAG_LEN + 1 bytes each */
    uint32_t *tag_hash;                  /* HT_TAG_HASH slots: 1 + tag number; made on first use */
    uint32_t other_tag;                  /* 1 + number of "other", 0 before */
    uint64_t next_id;
    unsigned depth;                      /* the site is the depth-th site frame out (1: innermost) */
};

/* --- problems, tables ------------------------------------------------------------ */

static void problem(struct ht_state *s, const char *fmt, const char *arg)
{
    pb_diag_add(s->diag, s->name, s->line, fmt, arg);
    s->problems++;
    if (s->diag->total >= PB_DIAG_MAX)
        s->stop = 1;
}

/* A problem after which nothing that follows would mean anything. */
static void fatal(struct ht_state *s, const char *fmt, const char *arg)
{
    problem(s, fmt, arg);
    s->stop = 1;
}

static void table_init(struct ht_table *t, size_t elem, uint64_t max, const char *what)
{
    memset(t, 0, sizeof *t);
    t->elem = elem;
    t->max = max;
    t->what = what;
}

/* Room for `more` entries after the n there are: their address, NULL (with
 * a fatal problem) beyond the table's limit or out of memory. */
static void *table_room(struct ht_state *s, struct ht_table *t, uint64_t more)
{
    if (t->n + more > t->max) {
        char msg[96];
        snprintf(msg, sizeof msg, "more than %" PRIu64 " %s (the importer's limit)", t->max,
                 t->what);
        fatal(s, "%s", msg);
        return NULL;
    }
    if (t->n + more > t->cap) {
        uint64_t cap = t->cap ? t->cap : 256;
        while (cap < t->n + more)
            cap *= 2;
        if (cap > t->max)
            cap = t->max;
        void *v = realloc(t->v, (size_t)cap * t->elem);
        if (!v) {
            fatal(s, "%s", "out of memory");
            return NULL;
        }
        t->v = v;
        t->cap = cap;
    }
    return (char *)t->v + (size_t)t->n * t->elem;
}

/* Entry `num` (1-based) of t, or NULL when there is none. */
static void *table_at1(const struct ht_table *t, uint64_t num)
{
    if (num == 0 || num > t->n)
        return NULL;
    return (char *)t->v + (size_t)(num - 1) * t->elem;
}

/* --- fields ---------------------------------------------------------------------- */

/* The fields of one record after its letter. */
struct ht_cur {
    const char *p, *end;
};

/* The next hex field: 1 with *v, 0 at the end of the line, -1 when malformed. */
static int next_hex(struct ht_cur *c, uint64_t *v)
{
    if (c->p == c->end)
        return 0;
    uint64_t x = 0;
    const char *q = c->p;
    for (; q < c->end && *q != ' '; q++) {
        int d = *q >= '0' && *q <= '9' ? *q - '0' : *q >= 'a' && *q <= 'f' ? *q - 'a' + 10 : -1;
        if (d < 0 || x >> 60)
            return -1;
        x = x * 16 + (uint64_t)d;
    }
    if (q == c->p || (q < c->end && q + 1 == c->end))
        return -1; /* an empty field, or a blank at the end */
    c->p = q < c->end ? q + 1 : q;
    *v = x;
    return 1;
}

/* Exactly n hex fields into v; a problem naming the record otherwise. */
static int want_hex(struct ht_state *s, struct ht_cur *c, uint64_t *v, int n, const char *rec)
{
    for (int i = 0; i < n; i++) {
        int r = next_hex(c, &v[i]);
        if (r <= 0) {
            problem(s, r == 0 ? "missing field in '%s' record" : "bad hex number in '%s' record",
                    rec);
            return -1;
        }
    }
    if (c->p != c->end) {
        problem(s, "extra field in '%s' record", rec);
        return -1;
    }
    return 0;
}

/* --- sites ----------------------------------------------------------------------- */

static const char *str_text(const struct ht_state *s, uint64_t num, uint32_t *len)
{
    const struct ht_str *e = table_at1(&s->strs, num);
    *len = e ? e->len : 0;
    return e ? (const char *)s->arena.v + e->off : "";
}

/* Whether a function name is the allocator's own (the site is further out). */
static int is_allocator(const char *f, uint32_t len)
{
    static const char *const names[] = {"malloc", "calloc", "realloc", "reallocarray",
                                        "free", "posix_memalign", "aligned_alloc", "memalign",
                                        "valloc", "pvalloc", "_Znwm", "_Znam", "_Znwj", "_Znaj"};
    if (len >= 12 && memcmp(f, "operator new", 12) == 0)
        return 1;
    static const char *const prefixes[] = {"__GI_", "__libc_", "__"};
    for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++) {
        size_t pl = strlen(prefixes[i]);
        if (len > pl && memcmp(f, prefixes[i], pl) == 0) {
            f += pl;
            len -= (uint32_t)pl;
        }
    }
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strlen(names[i]) == len && memcmp(f, names[i], len) == 0)
            return 1;
    return 0;
}

/* Whether a frame of function string `func` can be a site: named, not the allocator. */
static int site_frame(const struct ht_state *s, uint64_t func)
{
    uint32_t len;
    const char *f = str_text(s, func, &len);
    return len > 0 && !is_allocator(f, len);
}

/* Append src[0..len) to the tag text t (length *n, at most cap): characters outside
 * the tag alphabet become '_', blanks are dropped. */
static void tag_put(char *t, size_t *n, size_t cap, const char *src, size_t len)
{
    for (size_t i = 0; i < len && *n < cap; i++) {
        char c = src[i];
        if (c == ' ' || c == '\t')
            continue;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 strchr("_.:<>-", c) != NULL;
        t[(*n)++] = ok && c ? c : '_';
    }
}

/* The length of a function name without its parameter list and qualifiers:
 * "ns::f(int) const [clone .cold]" is "ns::f". */
static uint32_t name_len(const char *f, uint32_t len)
{
    const char *clone = NULL;
    for (uint32_t i = 0; i + 8 <= len; i++)
        if (memcmp(f + i, " [clone ", 8) == 0)
            clone = f + i;
    if (clone)
        len = (uint32_t)(clone - f);
    uint32_t end = len;
    while (end > 0 && f[end - 1] != ')') /* " const", " &&", " volatile" */
        end--;
    if (end == 0 || len - end > 12)
        return len;
    int depth = 0;
    for (uint32_t i = end; i-- > 0;) {
        depth += f[i] == ')' ? 1 : f[i] == '(' ? -1 : 0;
        if (depth == 0)
            return i > 0 ? i : len;
    }
    return len;
}

/* The base name of string num (a file or module path). */
static const char *base_name(const struct ht_state *s, uint64_t num, uint32_t *len)
{
    const char *p = str_text(s, num, len);
    const char *slash = NULL;
    for (uint32_t i = 0; i < *len; i++)
        if (p[i] == '/')
            slash = p + i;
    if (slash) {
        *len -= (uint32_t)(slash + 1 - p);
        p = slash + 1;
    }
    return p;
}

/* The tag text of a site (an ip's site frame, or its module and address): at most
 * PB_MAX_TAG_LEN characters; a longer one keeps its start and gets a hash of
 * the whole, so different sites keep different tags. 0 when empty. */
static size_t site_text(const struct ht_state *s, const struct ht_ip *ip, char *t)
{
    char full[512];
    size_t n = 0;
    uint32_t len;
    const char *p;
    if (ip->unnamed) {
        char addr[24];
        p = base_name(s, ip->module, &len);
        tag_put(full, &n, sizeof full, p, len);
        if (!len)
            tag_put(full, &n, sizeof full, "unknown", 7);
        snprintf(addr, sizeof addr, ":0x%" PRIx64, ip->addr);
        tag_put(full, &n, sizeof full, addr, strlen(addr));
    } else {
        p = str_text(s, ip->func, &len);
        tag_put(full, &n, sizeof full, p, name_len(p, len));
        if (ip->file) {
            char num[16];
            p = base_name(s, ip->file, &len);
            tag_put(full, &n, sizeof full, ":", 1);
            tag_put(full, &n, sizeof full, p, len);
            snprintf(num, sizeof num, ":%u", ip->line);
            tag_put(full, &n, sizeof full, num, strlen(num));
        }
    }
    if (n <= PB_MAX_TAG_LEN) {
        memcpy(t, full, n);
        t[n] = '\0';
        return n;
    }
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)full[i]) * 16777619u;
    memcpy(t, full, PB_MAX_TAG_LEN - 9);
    snprintf(t + PB_MAX_TAG_LEN - 9, 10, "-%08x", h);
    return PB_MAX_TAG_LEN;
}

static char *tag_name(const struct ht_state *s, uint32_t num)
{
    return (char *)s->tags.v + (size_t)(num - 1) * (PB_MAX_TAG_LEN + 1);
}

/* 1 + the number of tag text t, added when new; past PB_HT_MAX_SITES tags a
 * new text becomes "other" (which may be one more). HT_NO_TAG out of memory. */
static uint32_t tag_intern(struct ht_state *s, const char *t, size_t n, int unnamed)
{
    if (!s->tag_hash && !(s->tag_hash = calloc(HT_TAG_HASH, sizeof *s->tag_hash))) {
        fatal(s, "%s", "out of memory");
        return HT_NO_TAG;
    }
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)t[i]) * 16777619u;
    size_t i = h & (HT_TAG_HASH - 1);
    for (; s->tag_hash[i]; i = (i + 1) & (HT_TAG_HASH - 1))
        if (strcmp(tag_name(s, s->tag_hash[i]), t) == 0)
            return s->tag_hash[i];
    if (s->tags.n >= PB_HT_MAX_SITES && strcmp(t, "other") != 0) {
        if (!s->other_tag) /* "other" itself may be tag PB_HT_MAX_SITES + 1 */
            s->other_tag = tag_intern(s, "other", 5, 0);
        return s->other_tag;
    }
    char *dst = table_room(s, &s->tags, 1);
    if (!dst)
        return HT_NO_TAG;
    memcpy(dst, t, n + 1);
    s->tag_hash[i] = (uint32_t)++s->tags.n;
    s->st->sites++;
    s->st->unnamed_sites += unnamed != 0;
    return s->tag_hash[i];
}

/* The tag of trace node num (1 + tag number, or HT_NO_TAG), made on first use. */
static uint32_t trace_tag(struct ht_state *s, uint64_t num)
{
    struct ht_trace *tr = table_at1(&s->traces, num);
    if (!tr)
        return HT_NO_TAG;
    if (tr->tag)
        return tr->tag;
    const struct ht_trace *site = tr->site_node ? table_at1(&s->traces, tr->site_node) : NULL;
    for (unsigned k = 1; site && k < s->depth; k++) { /* out past wrappers: the caller's site */
        const struct ht_trace *up = site->parent ? table_at1(&s->traces, site->parent) : NULL;
        const struct ht_trace *next = up && up->site_node ? table_at1(&s->traces, up->site_node)
                                                          : NULL;
        if (!next)
            break; /* fewer site frames than depth: the outermost stands */
        site = next;
    }
    const struct ht_ip *ip = site ? table_at1(&s->ips, site->site_ip) : NULL;
    char t[PB_MAX_TAG_LEN + 1];
    size_t n = ip ? site_text(s, ip, t) : 0;
    tr->tag = n ? tag_intern(s, t, n, ip->unnamed) : HT_NO_TAG;
    return tr->tag;
}

/* --- records --------------------------------------------------------------------- */

static void do_version(struct ht_state *s, struct ht_cur *c)
{
    uint64_t hv = 0, fv = 0;
    int r = next_hex(c, &hv);
    int r2 = r > 0 ? next_hex(c, &fv) : r;
    if (r <= 0 || r2 < 0 || c->p != c->end || hv > UINT32_MAX) {
        fatal(s, "%s", "malformed version line: expected 'v HEAPTRACK_VERSION FILE_VERSION'");
        return;
    }
    if (r2 == 0) /* heaptrack before 1.0 wrote 'v 10200' for format 1 */
        fv = hv == 0x010200 ? 1 : 0;
    char v[24];
    snprintf(v, sizeof v, "%" PRIu64, fv);
    if (fv == 0)
        fatal(s, "file format version %s (heaptrack before 1.0) is not supported", v);
    else if (fv > HT_MAX_VERSION)
        fatal(s, "file format version %s is newer than this importer reads (1 to 3)", v);
    s->st->heaptrack_version = (unsigned)hv;
    s->st->file_version = (unsigned)fv;
    s->seen_version = 1;
}

/* 's': string number n_strs + 1. A malformed one is still counted (empty),
 * so the numbers of the strings after it stay right. */
static void do_string(struct ht_state *s, struct ht_cur *c)
{
    const char *text = c->p;
    uint64_t len = (uint64_t)(c->end - c->p);
    if (s->st->file_version >= 3) { /* "LEN STRING", STRING exactly LEN bytes */
        const char *q = c->p;
        uint64_t want = 0;
        while (q < c->end && *q != ' ' && want >> 40 == 0) {
            int d = *q >= '0' && *q <= '9' ? *q - '0' : *q >= 'a' && *q <= 'f' ? *q - 'a' + 10 : -1;
            if (d < 0)
                break;
            want = want * 16 + (uint64_t)d;
            q++;
        }
        text = q < c->end ? q + 1 : q;
        len = (uint64_t)(c->end - text);
        if (q == c->p || (q < c->end && *q != ' ') || len != want) {
            problem(s, "%s", "malformed string: expected 's LENGTH TEXT' with LENGTH (hex) bytes");
            len = 0;
        }
    }
    if (s->arena.n + len > PB_HT_MAX_STRING_BYTES) {
        fatal(s, "%s", "strings longer than 2^30 bytes together (the importer's limit)");
        return;
    }
    struct ht_str *e = table_room(s, &s->strs, 1);
    char *dst = e ? table_room(s, &s->arena, len + 1) : NULL;
    if (!dst)
        return;
    memcpy(dst, text, (size_t)len);
    dst[len] = '\0';
    e->off = s->arena.n;
    e->len = (uint32_t)len;
    s->arena.n += len + 1;
    s->strs.n++;
}

/* A string number read from a record: 0 or an existing string. */
static int string_ok(struct ht_state *s, uint64_t v, const char *rec)
{
    if (v <= s->strs.n)
        return 1;
    problem(s, "string number out of range in '%s' record", rec);
    return 0;
}


/* A message for a field that next_hex could not read (r: 0 or -1). */
static void field_problem(struct ht_state *s, int r, const char *rec)
{
    problem(s, r == 0 ? "missing field in '%s' record" : "bad hex number in '%s' record", rec);
}

/* The frames of an 'i' record after IP and MODULE: the first that can be a
 * site goes into ip. 0, or -1 after a problem. */
static int ip_frames(struct ht_state *s, struct ht_cur *c, struct ht_ip *ip)
{
    int named = 0;
    for (int k = 0; c->p != c->end; k++) {
        uint64_t v[3] = {0, 0, 0};
        int n = 0, r = 1;
        while (n < 3 && (r = next_hex(c, &v[n])) > 0)
            n++;
        if (r < 0) {
            field_problem(s, r, "i");
            return -1;
        }
        if (n == 2 || (n == 1 && k > 0)) { /* only the first frame may be a bare function */
            problem(s, "%s", "malformed frame in 'i' record: expected FUNCTION FILE LINE");
            return -1;
        }
        if (!string_ok(s, v[0], "i") || !string_ok(s, v[1], "i"))
            return -1;
        if (v[2] > UINT32_MAX) {
            problem(s, "%s", "line number out of range in 'i' record");
            return -1;
        }
        uint32_t len;
        str_text(s, v[0], &len);
        named |= len > 0;
        if (!ip->func && site_frame(s, v[0])) {
            ip->func = (uint32_t)v[0];
            ip->file = (uint32_t)v[1];
            ip->line = (uint32_t)v[2];
        }
    }
    ip->unnamed = !named;
    return 0;
}

/* 'i': ip number n_ips + 1 (counted even when malformed, as strings are). */
static void do_ip(struct ht_state *s, struct ht_cur *c)
{
    struct ht_ip ip = {0, 0, 0, 0, 0, 0};
    uint64_t addr = 0, module = 0;
    int r = next_hex(c, &addr);
    r = r > 0 ? next_hex(c, &module) : r;
    if (r <= 0)
        field_problem(s, r, "i");
    else if (string_ok(s, module, "i")) {
        ip.addr = addr;
        ip.module = (uint32_t)module;
        if (ip_frames(s, c, &ip) != 0)
            memset(&ip, 0, sizeof ip);
    }
    struct ht_ip *e = table_room(s, &s->ips, 1);
    if (!e)
        return;
    *e = ip;
    s->ips.n++;
}

/* 't': trace node number n_traces + 1; its site is its ip's, or its parent's. */
static void do_trace(struct ht_state *s, struct ht_cur *c)
{
    struct ht_trace tr = {0, 0, 0, 0};
    uint64_t v[2];
    if (want_hex(s, c, v, 2, "t") == 0) {
        if (v[0] > s->ips.n)
            problem(s, "%s", "ip number out of range in 't' record");
        else if (v[1] > s->traces.n)
            problem(s, "%s", "parent trace number out of range in 't' record");
        else {
            const struct ht_ip *ip = table_at1(&s->ips, v[0]);
            const struct ht_trace *parent = table_at1(&s->traces, v[1]);
            int site = ip && (ip->func || ip->unnamed);
            tr.site_ip = site ? (uint32_t)v[0] : parent ? parent->site_ip : 0;
            tr.site_node = site ? (uint32_t)s->traces.n + 1 : parent ? parent->site_node : 0;
            tr.parent = (uint32_t)v[1];
        }
    }
    struct ht_trace *e = table_room(s, &s->traces, 1);
    if (!e)
        return;
    *e = tr;
    s->traces.n++;
}

/* 'a': allocation info number n_infos (these count from 0). */
static void do_info(struct ht_state *s, struct ht_cur *c)
{
    struct ht_info in = {0, 0, 0};
    uint64_t v[2];
    if (want_hex(s, c, v, 2, "a") == 0) {
        if (v[1] > s->traces.n)
            problem(s, "%s", "trace number out of range in 'a' record");
        else {
            in.size = v[0];
            in.trace = (uint32_t)v[1];
        }
    }
    struct ht_info *e = table_room(s, &s->infos, 1);
    if (!e)
        return;
    *e = in;
    s->infos.n++;
}

static const char raw_log[] =
    "this is heaptrack's raw log ('%s' record), not the capture heaptrack_interpret makes "
    "of it: convert it first (docs/import.md)";

/* The info a '+' or '-' record names, or NULL after a problem. */
static struct ht_info *record_info(struct ht_state *s, struct ht_cur *c, const char *rec)
{
    uint64_t v[3];
    int n = 0, r = 0;
    while (n < 3 && (r = next_hex(c, &v[n])) > 0)
        n++;
    if (n == 3 && c->p == c->end && rec[0] == '+') {
        fatal(s, raw_log, rec); /* '+ SIZE TRACE POINTER' */
        return NULL;
    }
    if (n != 1 || c->p != c->end) {
        if (n == 0)
            field_problem(s, r, rec);
        else
            problem(s, n > 1 ? "extra field in '%s' record" : "bad hex number in '%s' record", rec);
        return NULL;
    }
    if (v[0] >= s->infos.n) {
        problem(s, "allocation info number out of range in '%s' record", rec);
        return NULL;
    }
    return (struct ht_info *)s->infos.v + v[0];
}

/* '+': a new block of the info, pushed on its stack of live blocks. */
static void do_alloc(struct ht_state *s, struct ht_cur *c)
{
    struct ht_info *in = record_info(s, c, "+");
    if (!in)
        return;
    uint32_t k = s->free_nodes;
    struct ht_node *node;
    if (k) {
        node = (struct ht_node *)s->nodes.v + (k - 1);
        s->free_nodes = node->next;
    } else {
        node = table_room(s, &s->nodes, 1);
        if (!node)
            return;
        k = (uint32_t)++s->nodes.n;
    }
    node->id = in->size <= PB_MAX_SIZE ? s->next_id++ : 0;
    node->next = in->head;
    in->head = k;
    s->st->live_at_end++;
    if (!node->id) {
        s->st->too_big++;
        return;
    }
    uint32_t tag = trace_tag(s, in->trace);
    fprintf(s->out, "a %" PRIu64 " %" PRIu64, node->id, in->size);
    if (tag == HT_NO_TAG)
        s->st->untagged_allocs++;
    else
        fprintf(s->out, " @%s", tag_name(s, tag));
    fputc('\n', s->out);
    s->st->other_allocs += s->other_tag && tag == s->other_tag;
    s->st->allocs++;
}

/* '-': the newest live block of the info freed; none is an unmatched free. */
static void do_free(struct ht_state *s, struct ht_cur *c)
{
    struct ht_info *in = record_info(s, c, "-");
    if (!in)
        return;
    if (!in->head) {
        if (!s->st->unmatched_frees++)
            s->st->first_unmatched = s->line;
        return;
    }
    uint32_t k = in->head;
    struct ht_node *node = (struct ht_node *)s->nodes.v + (k - 1);
    in->head = node->next;
    node->next = s->free_nodes;
    s->free_nodes = k;
    s->st->live_at_end--;
    if (node->id) {
        fprintf(s->out, "f %" PRIu64 "\n", node->id);
        s->st->frees++;
    }
}

/* 'X': the command line, kept as a comment (printable ASCII, cut at 200). */
static void do_cmdline(struct ht_state *s, struct ht_cur *c)
{
    fputs("# heaptrack capture of: ", s->out);
    for (const char *p = c->p; p < c->end && p - c->p < 200; p++)
        fputc(*p >= 0x20 && *p < 0x7f ? *p : '?', s->out);
    fputc('\n', s->out);
}

/* One record: its letter, and the fields after "L ". */
static void do_record(struct ht_state *s, char mode, struct ht_cur *c)
{
    char rec[2] = {mode, '\0'};
    if (!s->seen_version && mode != 'v') {
        fatal(s, "%s", "not a heaptrack capture: expected its version line 'v ...' first");
        return;
    }
    switch (mode) {
    case 'v':
        if (s->seen_version)
            problem(s, "%s", "a second version line");
        else
            do_version(s, c);
        break;
    case 's': do_string(s, c); break;
    case 'i': do_ip(s, c); break;
    case 't': do_trace(s, c); break;
    case 'a': do_info(s, c); break;
    case '+': do_alloc(s, c); break;
    case '-': do_free(s, c); break;
    case 'X': do_cmdline(s, c); break;
    case 'A': s->st->attached = 1; break;
    case 'c': case 'R': case 'I': case 'S': break; /* time, RSS, machine, suppressions */
    case 'x': case 'm': fatal(s, raw_log, rec); break;
    default:
        if (!s->st->unknown_records++)
            s->st->first_unknown = s->line;
        break;
    }
}

/* One line, without its newline. */
static void do_line(struct ht_state *s, const char *text, size_t len)
{
    if (len && text[len - 1] == '\r')
        len--;
    if (len == 0 || text[0] == '#')
        return;
    if (memchr(text, '\0', len)) {
        problem(s, "%s", "NUL byte in line");
        return;
    }
    if (len > 1 && text[1] != ' ') {
        problem(s, "%s", "malformed record: expected a letter, a blank and its fields");
        return;
    }
    struct ht_cur c = {text + (len > 1 ? 2 : 1), text + len};
    do_record(s, text[0], &c);
}

/* --- reading --------------------------------------------------------------------- */

/* Room for a block after the end bytes of buf: the buffer doubles, up to
 * PB_HT_MAX_LINE + HT_BLOCK, only while a long line needs it. */
static char *line_room(struct ht_state *s, char *buf, size_t *cap, size_t end)
{
    if (*cap - end >= HT_BLOCK)
        return buf;
    size_t ncap = *cap * 2 < PB_HT_MAX_LINE + HT_BLOCK ? *cap * 2 : PB_HT_MAX_LINE + HT_BLOCK;
    char *nb = realloc(buf, ncap);
    if (!nb) {
        fatal(s, "%s", "out of memory");
        return NULL;
    }
    *cap = ncap;
    return nb;
}

/* Every line of z, split at '\n' in blocks; a line longer than PB_HT_MAX_LINE
 * stops the import. */
static void read_lines(struct ht_state *s, struct pb_zstream *z)
{
    size_t cap = 2 * HT_BLOCK;
    char *buf = malloc(cap);
    size_t start = 0, end = 0;
    if (!buf) {
        fatal(s, "%s", "out of memory");
        return;
    }
    for (;;) {
        char *nl;
        while (!s->stop && (nl = memchr(buf + start, '\n', end - start)) != NULL) {
            s->line++;
            do_line(s, buf + start, (size_t)(nl - (buf + start)));
            start = (size_t)(nl - buf) + 1;
        }
        if (s->stop)
            break;
        if (end - start > PB_HT_MAX_LINE) {
            s->line++;
            fatal(s, "%s", "line longer than 1 MiB");
            break;
        }
        memmove(buf, buf + start, end - start);
        end -= start;
        start = 0;
        char *nb = line_room(s, buf, &cap, end);
        if (!nb)
            break;
        buf = nb;
        ssize_t n = pb_zstream_read(z, buf + end, cap - end);
        if (n < 0) {
            s->line = 0;
            fatal(s, "%s", z->err);
            break;
        }
        if (n == 0) {
            if (end > 0) { /* a last line without its newline */
                s->line++;
                do_line(s, buf, end);
            }
            break;
        }
        end += (size_t)n;
    }
    free(buf);
}

static void state_free(struct ht_state *s)
{
    free(s->arena.v);
    free(s->strs.v);
    free(s->ips.v);
    free(s->traces.v);
    free(s->infos.v);
    free(s->nodes.v);
    free(s->tags.v);
    free(s->tag_hash);
}

int pb_import_heaptrack(FILE *in, const char *name, FILE *out, struct pb_heaptrack_stats *st,
                        struct pb_diag *diag)
{
    return pb_import_heaptrack_depth(in, name, 1, out, st, diag);
}

int pb_import_heaptrack_depth(FILE *in, const char *name, unsigned depth, FILE *out,
                              struct pb_heaptrack_stats *st, struct pb_diag *diag)
{
    struct ht_state s;
    memset(&s, 0, sizeof s);
    memset(st, 0, sizeof *st);
    s.name = name;
    s.out = out;
    s.st = st;
    s.diag = diag;
    s.next_id = 1;
    s.depth = depth ? depth : 1;
    table_init(&s.arena, 1, PB_HT_MAX_STRING_BYTES + PB_HT_MAX_ENTRIES, "bytes of strings");
    table_init(&s.strs, sizeof(struct ht_str), PB_HT_MAX_ENTRIES, "strings ('s')");
    table_init(&s.ips, sizeof(struct ht_ip), PB_HT_MAX_ENTRIES, "instruction pointers ('i')");
    table_init(&s.traces, sizeof(struct ht_trace), PB_HT_MAX_ENTRIES, "trace nodes ('t')");
    table_init(&s.infos, sizeof(struct ht_info), PB_HT_MAX_ENTRIES, "allocation infos ('a')");
    table_init(&s.nodes, sizeof(struct ht_node), PB_HT_MAX_LIVE, "blocks live at once");
    table_init(&s.tags, PB_MAX_TAG_LEN + 1, PB_HT_MAX_SITES + 1, "site tags");
    struct pb_zstream z;
    memset(&z, 0, sizeof z);
    if (pb_zstream_open(&z, in) != 0)
        fatal(&s, "%s", z.err);
    else {
        st->compression = z.kind;
        read_lines(&s, &z);
        if (!s.problems && !s.seen_version) {
            s.line = 0;
            fatal(&s, "%s", "not a heaptrack capture: no version line 'v ...'");
        }
    }
    pb_zstream_close(&z);
    st->lines = s.line;
    if (ferror(out)) {
        s.line = 0;
        problem(&s, "%s", "write error");
    }
    state_free(&s);
    return s.problems ? -1 : 0;
}
