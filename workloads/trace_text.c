/*
 * trace_text.c -- the v1 text trace parser (workloads/README.md, "Trace
 * format"), plain or gzip'd.
 *
 * How: the file is read in 1 MiB blocks (through zlib's inflate for gzip,
 * so the SHA-256 sees the file's own bytes). Each block is parsed up to its
 * last newline and the unfinished line is carried to the front of the buffer
 * for the next read. Inside a block a line ends at its '\n' (a sentinel: the
 * tokenizer never checks a length), fields are cut at blanks into at most six
 * (pointer, length) pairs, numbers are converted by hand, and the builder
 * checks the trace rules and assigns slots. A `t TID` line only sets the
 * builder's thread for the events after it. Nothing is allocated per line.
 *
 * Bytes that cannot be in a text trace (NUL, or not ASCII: >= 0x80) are
 * looked for in every block as it is read, with a word-at-a-time test, before
 * anything else: the first one stops the parse at once ("binary data"), so a
 * binary file, or a 50 GB file of NULs, costs one block, not a read to its end.
 * A line longer than the buffer stops it too (the rest of the file is not a
 * trace either). The in-memory parser applies the same two rules to the same
 * bytes, so both give the same verdict. After any other problem the parser
 * goes on with the next line, so one run reports up to PB_DIAG_MAX problems
 * (and counts them all); it stops when the builder is exhausted (out of
 * memory, or past its limit).
 */
#include "pb_num.h"
#include "pb_sha256.h"
#include "pb_workload.h"
#include "trace_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define BLOCK_SIZE ((size_t)1 << 20) /* bytes read at once; also the longest line */
#define GZ_IN_SIZE ((size_t)1 << 18) /* compressed bytes read at once */
#define MAX_FIELDS 6                 /* a ID SIZE ALIGN @TAG, plus one to see extras */
#define SHOW_LEN 40                  /* at most this much of a bad field is quoted */

struct field {
    const char *p;
    size_t n;
};

struct text_parser {
    struct pb_builder *b;
    struct pb_diag *diag;
    const char *file;
    uint64_t line;    /* the line being parsed, from 1 */
    uint64_t offset;  /* offset in the (inflated) text of the block being parsed */
    int seen_content; /* a line that is not blank or a comment came before */
    int stop;         /* a problem that ends the parse was reported */
    char err[256];
};

/* Character classes for the tokenizer. */
enum { CH_OTHER = 0, CH_BLANK = 1, CH_LF = 2, CH_CR = 3 };

static unsigned char char_class(unsigned char c)
{
    switch (c) {
    case ' ':
    case '\t':
        return CH_BLANK;
    case '\n':
        return CH_LF;
    case '\r':
        return CH_CR;
    default:
        return CH_OTHER;
    }
}

static void problem(struct text_parser *tp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void problem(struct text_parser *tp, const char *fmt, ...)
{
    char msg[PB_DIAG_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    for (char *c = msg; *c; c++) /* quoted fields may hold control characters (ESC, CR) */
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
    pb_diag_add(tp->diag, tp->file, tp->line, "%s", msg);
}

/* ---- numbers -------------------------------------------------------------- */

enum num_status { NUM_OK, NUM_NOT_A_NUMBER, NUM_TOO_BIG };

/* An unsigned decimal number, or 0x hex when allow_hex. */
static enum num_status parse_number(const struct field *f, int allow_hex, uint64_t *out)
{
    const unsigned char *p = (const unsigned char *)f->p;
    size_t n = f->n;
    uint64_t v = 0;
    int too_big = 0;
    if (allow_hex && n > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        for (size_t i = 2; i < n; i++) {
            int d = pb_hex_digit(p[i]);
            if (d < 0)
                return NUM_NOT_A_NUMBER;
            if (v >> 60)
                too_big = 1;
            v = v << 4 | (unsigned)d;
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            unsigned d = (unsigned)p[i] - '0';
            if (d > 9)
                return NUM_NOT_A_NUMBER;
            if (v > (UINT64_MAX - d) / 10)
                too_big = 1;
            v = v * 10 + d;
        }
    }
    *out = v;
    return too_big ? NUM_TOO_BIG : NUM_OK;
}

/* Why field f is not a number, as a parenthesised hint ("" when no better one). */
static const char *not_a_number_hint(const struct field *f, int allow_hex)
{
    if (f->p[0] == '+' || f->p[0] == '-')
        return " (numbers are unsigned, with no sign)";
    for (size_t i = 0; i < f->n; i++)
        if (f->p[i] == ',' || f->p[i] == '_' || f->p[i] == '\'')
            return " (no thousands separators)";
    if (!allow_hex && f->n > 1 && f->p[0] == '0' && (f->p[1] == 'x' || f->p[1] == 'X'))
        return " (ALIGN is decimal; 0x hex is for ids and sizes)";
    if (memchr(f->p, '#', f->n))
        return " (comments must be whole lines starting with #)";
    return "";
}

/* Field f as an ID or SIZE (max is the largest valid value); 0 or -1 after a problem. */
static int field_number(struct text_parser *tp, const struct field *f, const char *what,
                        uint64_t max, const char *range, uint64_t *out)
{
    enum num_status st = parse_number(f, 1, out);
    if (st == NUM_NOT_A_NUMBER) {
        problem(tp, "%s '%.*s' is not a number%s", what, (int)(f->n < SHOW_LEN ? f->n : SHOW_LEN),
                f->p, not_a_number_hint(f, 1));
        return -1;
    }
    if (st == NUM_TOO_BIG || *out > max) {
        problem(tp, "%s %.*s is out of range (%s)", what, (int)(f->n < SHOW_LEN ? f->n : SHOW_LEN),
                f->p, range);
        return -1;
    }
    return 0;
}

/* Field f as an ALIGN: a decimal power of two from 1 to 4096, as its log2. */
static int field_align(struct text_parser *tp, const struct field *f, unsigned *log2_out)
{
    uint64_t v;
    int shown = (int)(f->n < SHOW_LEN ? f->n : SHOW_LEN);
    enum num_status st = parse_number(f, 0, &v);
    if (st == NUM_NOT_A_NUMBER) {
        problem(tp, "ALIGN '%.*s' is not a number%s", shown, f->p, not_a_number_hint(f, 0));
        return -1;
    }
    if (st == NUM_OK && v != 0 && (v & (v - 1)) == 0 && v <= 4096) {
        unsigned l = 0;
        while ((v >> l) != 1)
            l++;
        *log2_out = l;
        return 0;
    }
    if (st == NUM_OK && v != 0 && (v & (v - 1)) != 0)
        problem(tp, "ALIGN %.*s is not a power of two (1, 2, 4, ... 4096)", shown, f->p);
    else
        problem(tp, "ALIGN %.*s is out of range (a power of two from 1 to 4096)", shown, f->p);
    return -1;
}

/* ---- events ----------------------------------------------------------------- */

static const char *const usage_a = "a ID SIZE [ALIGN] [@TAG]";
static const char *const usage_f = "f ID";
static const char *const usage_r = "r ID SIZE";
static const char *const usage_x = "x";
static const char *const usage_t = "t TID";

static void missing(struct text_parser *tp, const char *what, const char *usage)
{
    problem(tp, "missing %s (expected '%s')", what, usage);
}

static void extra(struct text_parser *tp, const struct field *f, const char *usage)
{
    problem(tp, "extra field '%.*s' (expected '%s')", (int)(f->n < SHOW_LEN ? f->n : SHOW_LEN),
            f->p, usage);
}

static void builder_result(struct text_parser *tp, int rc)
{
    if (rc) {
        problem(tp, "%s", tp->err);
        tp->stop = pb_builder_exhausted(tp->b);
    }
}

static void event_alloc(struct text_parser *tp, const struct field *f, int n)
{
    if (n < 3) {
        missing(tp, n == 1 ? "ID and SIZE" : "SIZE", usage_a);
        return;
    }
    if (n > 5) {
        extra(tp, &f[5], usage_a);
        return;
    }
    uint64_t id, size;
    if (field_number(tp, &f[1], "ID", PB_MAX_ID - 1, "ids are below 2^63", &id) ||
        field_number(tp, &f[2], "SIZE", PB_MAX_SIZE, "at most 2^40 = 1099511627776", &size))
        return;
    unsigned align_log2 = PB_DEFAULT_ALIGN_LOG2;
    const struct field *tag = NULL;
    if (n >= 4 && f[3].p[0] == '@') {
        tag = &f[3];
        if (n == 5) {
            extra(tp, &f[4], usage_a);
            return;
        }
    } else if (n >= 4) {
        if (field_align(tp, &f[3], &align_log2))
            return;
        if (n == 5) {
            if (f[4].p[0] != '@') {
                extra(tp, &f[4], usage_a);
                return;
            }
            tag = &f[4];
        }
    }
    builder_result(tp, pb_builder_alloc(tp->b, id, size, align_log2, tag ? tag->p + 1 : NULL,
                                        tag ? tag->n - 1 : 0, tp->line, tp->err, sizeof tp->err));
}

static void event_free(struct text_parser *tp, const struct field *f, int n)
{
    uint64_t id;
    if (n < 2)
        missing(tp, "ID", usage_f);
    else if (n > 2)
        extra(tp, &f[2], usage_f);
    else if (field_number(tp, &f[1], "ID", PB_MAX_ID - 1, "ids are below 2^63", &id) == 0)
        builder_result(tp, pb_builder_free(tp->b, id, tp->line, tp->err, sizeof tp->err));
}

static void event_realloc(struct text_parser *tp, const struct field *f, int n)
{
    uint64_t id, size;
    if (n < 3)
        missing(tp, n == 1 ? "ID and SIZE" : "SIZE", usage_r);
    else if (n > 3)
        extra(tp, &f[3], usage_r);
    else if (field_number(tp, &f[1], "ID", PB_MAX_ID - 1, "ids are below 2^63", &id) == 0 &&
             field_number(tp, &f[2], "SIZE", PB_MAX_SIZE, "at most 2^40 = 1099511627776",
                          &size) == 0)
        builder_result(tp,
                       pb_builder_realloc(tp->b, id, size, tp->line, tp->err, sizeof tp->err));
}

static void event_reset(struct text_parser *tp, const struct field *f, int n)
{
    if (n > 1)
        extra(tp, &f[1], usage_x);
    else
        builder_result(tp, pb_builder_reset(tp->b, tp->line, tp->err, sizeof tp->err));
}

/* Field f as a TID: decimal (hex is for ids and sizes), 0 to PB_MAX_TID. */
static int field_tid(struct text_parser *tp, const struct field *f, uint16_t *out)
{
    uint64_t v;
    int shown = (int)(f->n < SHOW_LEN ? f->n : SHOW_LEN);
    enum num_status st = parse_number(f, 0, &v);
    if (st == NUM_NOT_A_NUMBER) {
        int hex = f->n > 1 && f->p[0] == '0' && (f->p[1] == 'x' || f->p[1] == 'X');
        problem(tp, "TID '%.*s' is not a number%s", shown, f->p,
                hex ? " (TID is decimal; 0x hex is for ids and sizes)" : not_a_number_hint(f, 1));
        return -1;
    }
    if (st == NUM_TOO_BIG || v > PB_MAX_TID) {
        problem(tp, "TID %.*s is out of range (thread ids are below 65536)", shown, f->p);
        return -1;
    }
    *out = (uint16_t)v;
    return 0;
}

/* `t TID`: the thread of the events that follow. */
static void thread_line(struct text_parser *tp, const struct field *f, int n)
{
    uint16_t tid;
    if (n < 2)
        missing(tp, "TID", usage_t);
    else if (n > 2)
        extra(tp, &f[2], usage_t);
    else if (field_tid(tp, &f[1], &tid) == 0)
        pb_builder_thread(tp->b, tid);
}

static const char header_word[] = "poolbench-trace";

static void header(struct text_parser *tp, const struct field *f, int n)
{
    uint64_t v;
    if (n < 2)
        missing(tp, "version", "poolbench-trace 1");
    else if (n > 2)
        extra(tp, &f[2], "poolbench-trace 1");
    else if (parse_number(&f[1], 0, &v) != NUM_OK || v != 1)
        problem(tp, "unsupported trace version %.*s", (int)(f[1].n < SHOW_LEN ? f[1].n : SHOW_LEN),
                f[1].p);
}

static void dispatch(struct text_parser *tp, const struct field *f, int n)
{
    int first = !tp->seen_content;
    tp->seen_content = 1;
    if (f[0].n == 1) {
        switch (f[0].p[0]) {
        case 'a':
            event_alloc(tp, f, n);
            return;
        case 'f':
            event_free(tp, f, n);
            return;
        case 'r':
            event_realloc(tp, f, n);
            return;
        case 'x':
            event_reset(tp, f, n);
            return;
        case 't':
            thread_line(tp, f, n);
            return;
        default:
            break;
        }
    }
    int is_header = f[0].n == sizeof header_word - 1 && memcmp(f[0].p, header_word, f[0].n) == 0;
    if (is_header && first)
        header(tp, f, n);
    else if (is_header)
        problem(tp, "unknown event 'poolbench-trace' (the header may only be the first line "
                    "that is not blank or a comment)");
    else
        problem(tp, "unknown event '%.*s' (expected a, f, r, x or t)",
                (int)(f[0].n < SHOW_LEN ? f[0].n : SHOW_LEN), f[0].p);
}

static void trailing_comment(struct text_parser *tp)
{
    problem(tp, "trailing comment: comments must be whole lines starting with #");
}

/* Parse the line starting at p, which a '\n' ends; returns the next line's start. */
static const char *parse_line(struct text_parser *tp, const char *p)
{
    struct field f[MAX_FIELDS];
    int n = 0;
    tp->line++;
    for (;;) {
        unsigned char c;
        while ((c = char_class((unsigned char)*p)) == CH_BLANK)
            p++;
        if (c == CH_LF)
            break;
        if (c == CH_CR && p[1] == '\n') {
            p++;
            break;
        }
        if (*p == '#') {
            if (n == 0)
                return (const char *)rawmemchr(p, '\n') + 1;
            trailing_comment(tp);
            return (const char *)rawmemchr(p, '\n') + 1;
        }
        const char *start = p;
        for (;;) {
            c = char_class((unsigned char)*p);
            if (c == CH_OTHER || (c == CH_CR && p[1] != '\n'))
                p++;
            else
                break;
        }
        if (n < MAX_FIELDS) {
            f[n].p = start;
            f[n].n = (size_t)(p - start);
        }
        n++;
    }
    if (n)
        dispatch(tp, f, n > MAX_FIELDS ? MAX_FIELDS : n);
    return p + 1;
}

/* ---- bytes ------------------------------------------------------------------ */

static int bad_byte(unsigned char c)
{
    return c == 0 || c >= 0x80;
}

/* The index of the first byte of s[0, n) that cannot be in a text trace (NUL
 * or >= 0x80), n if none. A word at a time: a word with one gets looked at
 * byte by byte. */
static size_t first_bad_byte(const char *s, size_t n)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        uint64_t w[4], acc = 0;
        memcpy(w, s + i, sizeof w);
        for (int k = 0; k < 4; k++)
            acc |= (w[k] & highs) | ((w[k] - ones) & ~w[k] & highs);
        if (acc)
            break;
    }
    for (; i < n; i++)
        if (bad_byte((unsigned char)s[i]))
            return i;
    return n;
}

/* Parse every line of [p, end), where end[-1] is '\n'. */
static void parse_region(struct text_parser *tp, const char *p, const char *end)
{
    while (p < end && !tp->stop)
        p = parse_line(tp, p);
}

static void line_too_long(struct text_parser *tp)
{
    tp->line++;
    problem(tp, "line too long (more than %zu bytes): not a text trace", BLOCK_SIZE);
    tp->stop = 1;
}

/* The text s[0, n) (at tp->offset in the file) has a bad byte at `at`:
 * parse the whole lines before it, then report it and stop. The line it is
 * in is too long instead when it started BLOCK_SIZE or more bytes before it. */
static void stop_at_bad_byte(struct text_parser *tp, const char *s, size_t at)
{
    const char *nl = at ? memrchr(s, '\n', at) : NULL;
    size_t line_start = nl ? (size_t)(nl - s) + 1 : 0;
    parse_region(tp, s, s + line_start);
    if (tp->stop)
        return;
    if (at - line_start >= BLOCK_SIZE) {
        line_too_long(tp);
        return;
    }
    unsigned char c = (unsigned char)s[at];
    unsigned long long off = (unsigned long long)(tp->offset + at);
    tp->line++;
    if (c == 0)
        problem(tp, "binary data (byte 0x00 at offset %llu): not a text trace", off);
    else
        problem(tp, "binary data (byte 0x%02x at offset %llu, column %zu): not a text trace "
                "(a trace is ASCII text, comments too)", c, off, at - line_start + 1);
    tp->stop = 1;
}

static int finish(struct text_parser *tp, struct pb_workload *out)
{
    if (tp->diag->total) {
        pb_builder_discard(tp->b);
        return -1;
    }
    if (pb_builder_finish(tp->b, out)) {
        pb_diag_add(tp->diag, tp->file, 0, "out of memory");
        return -1;
    }
    return 0;
}

/* Parse the final line s[0, n) (no newline, n < BLOCK_SIZE) from a copy that has one. */
static int parse_last_line(struct text_parser *tp, const char *s, size_t n)
{
    char *tail = malloc(n + 1);
    if (!tail)
        return -1;
    memcpy(tail, s, n);
    tail[n] = '\n';
    parse_region(tp, tail, tail + n + 1);
    free(tail);
    return 0;
}

/* The lines of text[0, len), which has no bad byte, a block of at most
 * BLOCK_SIZE bytes at a time (as a file is read: a line must end within
 * BLOCK_SIZE bytes of its start). -1 when out of memory. */
static int parse_memory(struct text_parser *tp, const char *text, size_t len)
{
    size_t at = 0;
    while (at < len && !tp->stop) {
        size_t win = len - at < BLOCK_SIZE ? len - at : BLOCK_SIZE;
        const char *nl = memrchr(text + at, '\n', win);
        if (nl) {
            tp->offset = at;
            parse_region(tp, text + at, nl + 1);
            at = (size_t)(nl - text) + 1;
        } else if (win == BLOCK_SIZE) {
            line_too_long(tp);
        } else {
            return parse_last_line(tp, text + at, win);
        }
    }
    return 0;
}

int pb_workload_parse_text(const char *name, const char *text, size_t len,
                           struct pb_workload *out, struct pb_diag *diag)
{
    struct text_parser tp = {.diag = diag, .file = name};
    memset(out, 0, sizeof *out);
    tp.b = pb_builder_new();
    if (!tp.b) {
        pb_diag_add(diag, name, 0, "out of memory");
        return -1;
    }
    /* the lines before the first bad byte's, then that line, as a file is read */
    size_t bad = first_bad_byte(text, len);
    const char *nl = bad < len && bad ? memrchr(text, '\n', bad) : NULL;
    size_t start = bad == len ? len : nl ? (size_t)(nl - text) + 1 : 0;
    int rc = parse_memory(&tp, text, start);
    if (rc == 0 && bad < len && !tp.stop) {
        tp.offset = start;
        stop_at_bad_byte(&tp, text + start, bad - start);
    }
    if (rc) {
        pb_builder_discard(tp.b);
        pb_diag_add(diag, name, 0, "out of memory");
        return -1;
    }
    return finish(&tp, out);
}

/* ---- reading files ------------------------------------------------------------- */

/* The bytes of a trace file, plain or gzip'd, hashed as they are read. */
struct source {
    int fd;
    int gz;
    int raw_eof;
    int z_done;
    z_stream zs;
    unsigned char *in;
    struct pb_sha256 sha;
    char err[160];
};

static ssize_t read_raw(struct source *s, void *dst, size_t cap)
{
    ssize_t n;
    do
        n = read(s->fd, dst, cap);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        snprintf(s->err, sizeof s->err, "read error: %s", strerror(errno));
    else
        pb_sha256_update(&s->sha, dst, (size_t)n);
    return n;
}

/* Up to cap decompressed bytes: > 0, 0 at the end, -1 with s->err. */
static ssize_t read_gz(struct source *s, char *dst, size_t cap)
{
    s->zs.next_out = (unsigned char *)dst;
    s->zs.avail_out = (uInt)cap;
    while (s->zs.avail_out == cap) {
        if (s->zs.avail_in == 0 && !s->raw_eof) {
            ssize_t n = read_raw(s, s->in, GZ_IN_SIZE);
            if (n < 0)
                return -1;
            s->raw_eof = n == 0;
            s->zs.next_in = s->in;
            s->zs.avail_in = (uInt)n;
        }
        if (s->z_done) { /* between members of a multi-member gzip file */
            if (s->zs.avail_in == 0 && s->raw_eof)
                return 0;
            if (s->zs.avail_in == 0)
                continue;
            inflateReset(&s->zs);
            s->z_done = 0;
        }
        int rc = inflate(&s->zs, Z_NO_FLUSH);
        if (rc == Z_STREAM_END) {
            s->z_done = 1;
        } else if (rc == Z_BUF_ERROR && s->raw_eof && s->zs.avail_in == 0) {
            snprintf(s->err, sizeof s->err, "truncated gzip data");
            return -1;
        } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
            snprintf(s->err, sizeof s->err, "corrupt gzip data (%s)",
                     s->zs.msg ? s->zs.msg : "inflate failed");
            return -1;
        }
    }
    return (ssize_t)(cap - s->zs.avail_out);
}

static ssize_t source_read(struct source *s, char *dst, size_t cap)
{
    return s->gz ? read_gz(s, dst, cap) : read_raw(s, dst, cap);
}

/* Parse everything the source gives; problems go to tp's diag. buf holds
 * BLOCK_SIZE + 1 bytes. */
static void parse_source(struct text_parser *tp, struct source *src, char *buf)
{
    size_t have = 0; /* bytes of an unfinished line at the front of buf */
    while (!tp->stop) {
        ssize_t n = source_read(src, buf + have, BLOCK_SIZE - have);
        if (n < 0) {
            pb_diag_add(tp->diag, tp->file, 0, "%s", src->err);
            return;
        }
        if (n == 0)
            break;
        size_t bad = first_bad_byte(buf + have, (size_t)n);
        if (bad < (size_t)n) {
            stop_at_bad_byte(tp, buf, have + bad);
            return;
        }
        have += (size_t)n;
        char *last = memrchr(buf, '\n', have);
        if (!last) {
            if (have == BLOCK_SIZE)
                line_too_long(tp);
            continue;
        }
        parse_region(tp, buf, last + 1);
        size_t used = (size_t)(last + 1 - buf);
        tp->offset += used;
        have -= used;
        memmove(buf, last + 1, have);
    }
    if (have && !tp->stop) {
        buf[have] = '\n';
        parse_region(tp, buf, buf + have + 1);
    }
}

int pb_text_load_fd(int fd, int gz, const char *path, struct pb_workload *out,
                    struct pb_diag *diag, char sha256_hex[65])
{
    struct text_parser tp = {.diag = diag, .file = path};
    struct source src = {.fd = fd, .gz = gz};
    pb_sha256_init(&src.sha);
    char *buf = malloc(BLOCK_SIZE + 1);
    tp.b = pb_builder_new();
    if (gz) {
        src.in = malloc(GZ_IN_SIZE);
        if (src.in && inflateInit2(&src.zs, 16 + MAX_WBITS) != Z_OK) {
            free(src.in);
            src.in = NULL;
        }
    }
    if (!buf || !tp.b || (gz && !src.in)) {
        pb_diag_add(diag, path, 0, "out of memory");
        pb_builder_discard(tp.b);
        free(buf);
        free(src.in);
        return -1;
    }
    parse_source(&tp, &src, buf);
    free(buf);
    if (gz) {
        inflateEnd(&src.zs);
        free(src.in);
    }
    pb_sha256_final_hex(&src.sha, sha256_hex);
    return finish(&tp, out);
}

/* ---- writing ------------------------------------------------------------------ */

#define OUT_BUF 65536

struct text_out {
    FILE *f;
    char buf[OUT_BUF];
    size_t n;
    int failed;
};

static void out_flush(struct text_out *o)
{
    if (o->n && !o->failed && fwrite(o->buf, 1, o->n, o->f) != o->n)
        o->failed = 1;
    o->n = 0;
}

static void out_str(struct text_out *o, const char *s, size_t n)
{
    if (o->n + n > OUT_BUF)
        out_flush(o);
    memcpy(o->buf + o->n, s, n);
    o->n += n;
}

/* A space, then v in decimal. */
static void out_num(struct text_out *o, uint64_t v)
{
    char tmp[24];
    int i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    tmp[--i] = ' ';
    out_str(o, tmp + i, sizeof tmp - (size_t)i);
}

int pb_workload_write_text(const struct pb_workload *w, FILE *f)
{
    struct text_out *o = malloc(sizeof *o);
    if (!o)
        return -1;
    o->f = f;
    o->n = 0;
    o->failed = 0;
    static const char head[] = "poolbench-trace 1\n";
    out_str(o, head, sizeof head - 1);
    uint16_t tid = 0; /* the thread of the lines written so far: 0 until a `t` line */
    for (size_t i = 0; i < w->n_records; i++) {
        const struct pb_event *e = &w->events[i];
        uint64_t id = w->ids ? w->ids[i] : e->slot;
        if (w->tids && w->tids[i] != tid) {
            tid = w->tids[i];
            out_str(o, "t", 1);
            out_num(o, tid);
            out_str(o, "\n", 1);
        }
        switch (e->op) {
        case PB_OP_ALLOC:
            out_str(o, "a", 1);
            out_num(o, id);
            out_num(o, e->size);
            if (e->align_log2 != PB_DEFAULT_ALIGN_LOG2)
                out_num(o, (uint64_t)1 << e->align_log2);
            if (e->tag && e->tag <= w->n_tags) {
                const char *t = w->tags[e->tag - 1];
                out_str(o, " @", 2);
                out_str(o, t, strlen(t));
            }
            break;
        case PB_OP_FREE:
            out_str(o, "f", 1);
            out_num(o, id);
            break;
        case PB_OP_REALLOC:
            out_str(o, "r", 1);
            out_num(o, id);
            out_num(o, e->size);
            break;
        default:
            out_str(o, "x", 1);
            break;
        }
        out_str(o, "\n", 1);
    }
    out_flush(o);
    int rc = o->failed || fflush(f) != 0 || ferror(f) ? -1 : 0;
    free(o);
    return rc;
}
