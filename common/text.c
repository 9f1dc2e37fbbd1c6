/*
 * text.c -- see pb_text.h.
 */
#include "pb_text.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Valid, printable code points that still must not reach a terminal raw:
 * C1 controls and the invisible direction and line-break controls. */
static int is_hidden(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || cp == 0x200e || cp == 0x200f ||
           cp == 0x2028 || cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

size_t pb_text_char(const char *s, size_t n, int *ok)
{
    static const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000}; /* shortest forms */
    const unsigned char *u = (const unsigned char *)s;
    unsigned c = u[0];
    *ok = 0;
    if (c < 0x80) {
        *ok = c >= 0x20 && c != 0x7f;
        return 1;
    }
    size_t len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
               : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (len == 0 || len > n)
        return 1;
    uint32_t cp = c & (0x7fu >> len);
    for (size_t i = 1; i < len; i++) {
        if ((u[i] & 0xc0) != 0x80) /* a NUL ends the sequence here too */
            return 1;
        cp = cp << 6 | (u[i] & 0x3fu);
    }
    if (cp < least[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 1;
    *ok = !is_hidden(cp);
    return len;
}

const char *pb_text_safe(const char *s, char *out, size_t len)
{
    if (len == 0)
        return out;
    size_t n = strlen(s), o = 0;
    for (size_t i = 0; i < n;) {
        int ok;
        size_t k = pb_text_char(s + i, n - i, &ok);
        size_t need = ok ? k : 4 * k;
        if (o + need >= len)
            break;
        if (ok)
            memcpy(out + o, s + i, k);
        else
            for (size_t j = 0; j < k; j++)
                snprintf(out + o + 4 * j, 5, "\\x%02x", (unsigned char)s[i + j]);
        o += need;
        i += k;
    }
    out[o] = '\0';
    return out;
}

void pb_text_put(FILE *f, const char *s, int keep_newlines)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        int ok;
        size_t k = pb_text_char(s + i, n - i, &ok);
        if (ok || (keep_newlines && s[i] == '\n'))
            fwrite(s + i, 1, k, f);
        else
            for (size_t j = 0; j < k; j++)
                fprintf(f, "\\x%02x", (unsigned char)s[i + j]);
        i += k;
    }
}

void pb_text_json(FILE *f, const char *json)
{
    size_t n = strlen(json);
    for (size_t i = 0; i < n;) {
        const unsigned char *u = (const unsigned char *)json + i;
        int ok;
        size_t k = pb_text_char(json + i, n - i, &ok);
        if (u[0] == 0x7f)
            fputs("\\u007f", f);
        else if (!ok && k > 1) /* valid UTF-8, hidden: 2 bytes (C1, U+061C) or 3 (U+2xxx) */
            fprintf(f, "\\u%04x", k == 2 ? (u[0] & 0x1fu) << 6 | (u[1] & 0x3fu)
                                         : (u[0] & 0x0fu) << 12 | (u[1] & 0x3fu) << 6 |
                                               (u[2] & 0x3fu));
        else
            fwrite(json + i, 1, k, f); /* ASCII (cJSON's layout too), printable or invalid */
        i += k;
    }
}

void pb_text_line(FILE *f, const char *fmt, ...)
{
    char small[1024], *buf = small;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        small[0] = '\0';
    else if ((size_t)n >= sizeof small && (buf = malloc((size_t)n + 1)) != NULL) {
        va_start(ap, fmt);
        vsnprintf(buf, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    pb_text_put(f, buf ? buf : small, 0); /* out of memory: the message cut short */
    fputc('\n', f);
    if (buf != small)
        free(buf);
}
