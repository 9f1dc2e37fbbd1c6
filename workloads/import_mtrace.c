/*
 * import_mtrace.c -- glibc mtrace() logs to v1 trace events.
 *
 * The log glibc writes (malloc/mtrace.c) has one call per line:
 *
 *   = Start                          tracing began (mtrace()); may repeat
 *   = End                            tracing stopped (muntrace())
 *   @ WHERE + PTR SIZE               malloc/calloc/memalign/...: PTR of SIZE bytes
 *   @ WHERE - PTR                    free(PTR), or realloc(PTR, 0)
 *   @ WHERE < OLD                    realloc moved or kept OLD ...
 *   @ WHERE > NEW SIZE               ... giving NEW of SIZE bytes (always right after '<')
 *   @ WHERE ! OLD SIZE               a failed realloc: OLD stays as it was
 *
 * WHERE is the caller, "FILE:(SYM+OFF)[0xADDR]" or "[0xADDR]", and ends with
 * "] "; the "@ WHERE " prefix is missing when the caller is unknown. PTR is
 * "0x..." or "(nil)" (a failed malloc), SIZE is "%#lx" ("0x14", or "0").
 *
 * The log names no thread (no version of glibc's tracer writes one; calls are
 * logged in the order they take its lock), so the trace has no `t` lines: a
 * one-thread trace of every thread's calls in the log's order.
 *
 * Addresses are mapped to IDs with a hash table; IDs count up from 1, so a
 * reused address gets a new ID. A free of an address never seen allocated is
 * dropped (and counted); a realloc of one becomes an allocation.
 */
#include "pb_import.h"

#include <stdlib.h>
#include <string.h>

/* address -> ID, open addressing with linear probing; addr 0 = empty */
struct mt_slot {
    uint64_t addr;
    uint64_t id;
};

struct mt_map {
    struct mt_slot *slots;
    size_t cap, used;
};

/* the importer's state for one file */
struct mt_state {
    const char *name;
    FILE *out;
    struct pb_import_stats *st;
    struct pb_diag *diag;
    struct mt_map map;
    uint64_t next_id;
    uint64_t pending_line; /* line of a '<' waiting for its '>', 0 when none */
    uint64_t pending_addr;
    int problems;
};

static size_t mt_hash(uint64_t a, size_t mask)
{
    return (size_t)((a * 0x9E3779B97F4A7C15ull) >> 17) & mask;
}

static int map_grow(struct mt_map *m)
{
    size_t cap = m->cap ? m->cap * 2 : 1024;
    struct mt_slot *s = calloc(cap, sizeof *s);
    if (!s)
        return -1;
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->slots[i].addr)
            continue;
        size_t j = mt_hash(m->slots[i].addr, cap - 1);
        while (s[j].addr)
            j = (j + 1) & (cap - 1);
        s[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = s;
    m->cap = cap;
    return 0;
}

static int map_put(struct mt_map *m, uint64_t addr, uint64_t id)
{
    if ((m->used + 1) * 2 > m->cap && map_grow(m) != 0)
        return -1;
    size_t mask = m->cap - 1;
    size_t i = mt_hash(addr, mask);
    while (m->slots[i].addr)
        i = (i + 1) & mask;
    m->slots[i].addr = addr;
    m->slots[i].id = id;
    m->used++;
    return 0;
}

/* Remove addr; its ID, 0 when absent. Backward-shift deletion. Address 0
 * marks an empty slot, so it is never in the map. */
static uint64_t map_take(struct mt_map *m, uint64_t addr)
{
    if (!m->cap || !addr)
        return 0;
    size_t mask = m->cap - 1;
    size_t i = mt_hash(addr, mask);
    while (m->slots[i].addr != addr) {
        if (!m->slots[i].addr)
            return 0;
        i = (i + 1) & mask;
    }
    uint64_t id = m->slots[i].id;
    for (size_t j = (i + 1) & mask; m->slots[j].addr; j = (j + 1) & mask) {
        size_t home = mt_hash(m->slots[j].addr, mask);
        int between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!between) {
            m->slots[i] = m->slots[j];
            i = j;
        }
    }
    m->slots[i].addr = 0;
    m->used--;
    return id;
}

/* --- fields ------------------------------------------------------------------ */

/* Split s into at most max blank-separated fields; the number found (max+1 if more). */
static int split(char *s, char **f, int max)
{
    int n = 0;
    for (;;) {
        s += strspn(s, " \t");
        if (!*s)
            return n;
        if (n == max)
            return max + 1;
        f[n++] = s;
        s += strcspn(s, " \t");
        if (*s)
            *s++ = '\0';
    }
}

/* A hex "0x..." number (or "0"); -1 when malformed. */
static int parse_hex(const char *s, uint64_t *v)
{
    if (strcmp(s, "0") == 0) {
        *v = 0;
        return 0;
    }
    if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || !s[2])
        return -1;
    uint64_t x = 0;
    for (const char *p = s + 2; *p; p++) {
        int d;
        if (*p >= '0' && *p <= '9')
            d = *p - '0';
        else if (*p >= 'a' && *p <= 'f')
            d = *p - 'a' + 10;
        else if (*p >= 'A' && *p <= 'F')
            d = *p - 'A' + 10;
        else
            return -1;
        if (x >> 60)
            return -1; /* overflow */
        x = x * 16 + (uint64_t)d;
    }
    *v = x;
    return 0;
}

/* A pointer: hex, or "(nil)" meaning NULL (0). */
static int parse_ptr(const char *s, uint64_t *v)
{
    if (strcmp(s, "(nil)") == 0) {
        *v = 0;
        return 0;
    }
    return parse_hex(s, v);
}

/* --- events ------------------------------------------------------------------ */

static void problem(struct mt_state *s, uint64_t line, const char *fmt, const char *arg)
{
    pb_diag_add(s->diag, s->name, line, fmt, arg);
    s->problems++;
}

static void emit_alloc(struct mt_state *s, uint64_t addr, uint64_t size, uint64_t line)
{
    if (size > PB_MAX_SIZE) {
        s->st->too_big++;
        return;
    }
    uint64_t old = map_take(&s->map, addr);
    if (old) { /* freed outside the trace, then handed out again */
        fprintf(s->out, "f %llu\n", (unsigned long long)old);
        s->st->frees++;
        s->st->implicit_frees++;
    }
    uint64_t id = s->next_id++;
    if (map_put(&s->map, addr, id) != 0) {
        problem(s, line, "%s", "out of memory");
        return;
    }
    fprintf(s->out, "a %llu %llu\n", (unsigned long long)id, (unsigned long long)size);
    s->st->allocs++;
}

static void emit_free(struct mt_state *s, uint64_t addr)
{
    uint64_t id = map_take(&s->map, addr);
    if (!id) {
        s->st->dropped_frees++;
        return;
    }
    fprintf(s->out, "f %llu\n", (unsigned long long)id);
    s->st->frees++;
}

/* '>' NEW SIZE after '<' OLD. */
static void emit_realloc(struct mt_state *s, uint64_t old, uint64_t addr, uint64_t size,
                         uint64_t line)
{
    uint64_t id = map_take(&s->map, old);
    if (!id) {
        s->st->unknown_reallocs++;
        emit_alloc(s, addr, size, line);
        return;
    }
    if (size > PB_MAX_SIZE) {
        fprintf(s->out, "f %llu\n", (unsigned long long)id);
        s->st->frees++;
        s->st->too_big++;
        return;
    }
    uint64_t stale = map_take(&s->map, addr);
    if (stale) {
        fprintf(s->out, "f %llu\n", (unsigned long long)stale);
        s->st->frees++;
        s->st->implicit_frees++;
    }
    if (map_put(&s->map, addr, id) != 0) {
        problem(s, line, "%s", "out of memory");
        return;
    }
    fprintf(s->out, "r %llu %llu\n", (unsigned long long)id, (unsigned long long)size);
    s->st->reallocs++;
}

/* Check the field count of an event: op plus want operands. */
static int want_fields(struct mt_state *s, uint64_t line, int got, int want, const char *op)
{
    if (got == want + 1)
        return 0;
    problem(s, line, got > want + 1 ? "extra field after '%s' event" : "missing field in '%s' event",
            op);
    return -1;
}

/* One event: f[0] is the op, f[1..] its operands. */
static void do_event(struct mt_state *s, uint64_t line, char **f, int n)
{
    uint64_t a = 0, size = 0;
    const char *op = f[0];
    if (strlen(op) != 1 || !strchr("+-<>!", op[0])) {
        problem(s, line, "unknown mtrace event '%s'", op);
        return;
    }
    if (s->pending_line && op[0] != '>') {
        problem(s, s->pending_line, "%s", "realloc '<' line not followed by its '>' line");
        s->pending_line = 0;
    }
    int operands = (op[0] == '-' || op[0] == '<') ? 1 : 2;
    if (want_fields(s, line, n, operands, op) != 0)
        return;
    if (parse_ptr(f[1], &a) != 0) {
        problem(s, line, "bad address '%s'", f[1]);
        return;
    }
    if (operands == 2 && parse_hex(f[2], &size) != 0) {
        problem(s, line, "bad size '%s' (expected 0x... hex)", f[2]);
        return;
    }
    switch (op[0]) {
    case '+':
        if (a)
            emit_alloc(s, a, size, line);
        else
            s->st->failed++;
        break;
    case '-':
        if (a)
            emit_free(s, a);
        break;
    case '<':
        s->pending_line = line;
        s->pending_addr = a;
        break;
    case '>':
        if (!s->pending_line) {
            problem(s, line, "%s", "realloc '>' line without a '<' line before it");
            return;
        }
        s->pending_line = 0;
        if (a)
            emit_realloc(s, s->pending_addr, a, size, line);
        else /* no new block: a failed realloc, the old one stays */
            s->st->failed++;
        break;
    default: /* '!': a failed realloc changes nothing */
        s->st->failed++;
        break;
    }
}

/* One input line (without its newline). */
static void do_line(struct mt_state *s, uint64_t line, char *text)
{
    char *p = text + strspn(text, " \t");
    if (!*p || *p == '=')
        return; /* blank, "= Start", "= End" */
    if (*p == '@') {
        char *end = NULL;
        for (char *q = strstr(p, "] "); q; q = strstr(q + 1, "] "))
            end = q;
        if (!end) {
            problem(s, line, "%s", "malformed caller: expected '@ ...[ADDRESS] ' before the event");
            return;
        }
        p = end + 2;
    }
    char *f[4] = {NULL, NULL, NULL, NULL};
    int n = split(p, f, 3);
    if (n == 0) {
        problem(s, line, "%s", "missing event after the caller");
        return;
    }
    do_event(s, line, f, n);
}

/* Read one line of any length into *buf; its length, -1 at end of file. */
static long read_line(FILE *in, char **buf, size_t *cap)
{
    size_t len = 0;
    int c;
    while ((c = getc(in)) != EOF) {
        if (len + 2 > *cap) {
            size_t ncap = *cap ? *cap * 2 : 256;
            char *nb = realloc(*buf, ncap);
            if (!nb)
                return -2;
            *buf = nb;
            *cap = ncap;
        }
        if (c == '\n')
            break;
        (*buf)[len++] = (char)c;
    }
    if (c == EOF && len == 0)
        return -1;
    if (len && (*buf)[len - 1] == '\r')
        len--;
    (*buf)[len] = '\0';
    return (long)len;
}

int pb_import_mtrace(FILE *in, const char *name, FILE *out, struct pb_import_stats *st,
                     struct pb_diag *diag)
{
    struct mt_state s;
    memset(&s, 0, sizeof s);
    memset(st, 0, sizeof *st);
    s.name = name;
    s.out = out;
    s.st = st;
    s.diag = diag;
    s.next_id = 1;
    char *buf = NULL;
    size_t cap = 0;
    long len;
    while ((len = read_line(in, &buf, &cap)) >= 0) {
        st->lines++;
        if (memchr(buf, '\0', (size_t)len)) {
            problem(&s, st->lines, "%s", "NUL byte in line");
            continue;
        }
        do_line(&s, st->lines, buf);
    }
    if (len == -2)
        problem(&s, 0, "%s", "out of memory");
    if (s.pending_line)
        problem(&s, s.pending_line, "%s", "realloc '<' line not followed by its '>' line");
    if (ferror(in))
        problem(&s, 0, "%s", "read error");
    if (ferror(out))
        problem(&s, 0, "%s", "write error");
    st->live_at_end = s.map.used;
    free(buf);
    free(s.map.slots);
    return s.problems ? -1 : 0;
}
