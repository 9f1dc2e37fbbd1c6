/*
 * pb_text.h -- showing strings that come from input (trace and job names,
 * tags, results files, paths) on a terminal or in a one-line message, so that
 * none of them can move the cursor, recolour, retitle or rewrite the screen,
 * or split one message line into two.
 *
 * The shown form keeps printable ASCII and valid printable UTF-8 as they are
 * and writes every byte of anything else as \xHH: C0 controls (tab and
 * newline too), DEL, C1 controls (U+0080..U+009F), bytes that are not valid
 * UTF-8 (overlong forms and surrogates included), and the invisible Unicode
 * controls that reorder or break lines (U+061C, U+200E/F, U+2028/9,
 * U+202A..U+202E, U+2066..U+2069).
 */
#ifndef PB_TEXT_H
#define PB_TEXT_H

#include <stddef.h>
#include <stdio.h>

/* The character at s (n >= 1 bytes there): its length in bytes (1 for a
 * byte that starts no valid UTF-8 sequence) and, in *ok, whether it is shown
 * as it is (0: each of its bytes becomes \xHH). Reads at most n bytes and
 * never past a NUL. */
size_t pb_text_char(const char *s, size_t n, int *ok);

/* s in shown form into out (len bytes), cut at a character boundary when it
 * does not fit; NUL-terminated when len > 0. Returns out. */
const char *pb_text_safe(const char *s, char *out, size_t len);

/* s in shown form to f; with keep_newlines, '\n' is written as it is (for
 * multi-line text such as gnuplot's messages). */
void pb_text_put(FILE *f, const char *s, int keep_newlines);

/* One message line to f: the formatted text in shown form (a newline inside
 * it is escaped too, so it stays one line), then '\n'. */
void pb_text_line(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* JSON text (cJSON's output) to f with the same value, for a terminal:
 * cJSON escapes only C0 controls in strings, so DEL, C1 controls and the
 * invisible controls above become \uXXXX here too. Bytes that are not valid
 * UTF-8 are written as they are (JSON has no escape for them). */
void pb_text_json(FILE *f, const char *json);

#endif /* PB_TEXT_H */
