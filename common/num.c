/*
 * num.c -- number reading shared by backend options, generator specs and the
 * commands' integer options.
 */
#include "pb_num.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned suffix_shift(char c)
{
    switch (c) {
    case 'k': case 'K': return 10;
    case 'm': case 'M': return 20;
    case 'g': case 'G': return 30;
    default: return 0;
    }
}

int pb_parse_scaled_u64(const char *text, uint64_t *out)
{
    if (!text || text[0] < '0' || text[0] > '9')
        return -1;
    int hex = text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(text, &end, hex ? 16 : 10);
    if (errno || end == text || (hex && end == text + 2))
        return -1;
    unsigned shift = suffix_shift(*end);
    if (shift) {
        end++;
        if (v > (UINT64_MAX >> shift))
            return -1;
        v <<= shift;
    }
    if (*end != '\0')
        return -1;
    *out = v;
    return 0;
}

/* Plain decimal: 1 or more digits and nothing else; -1 on overflow too. */
static int parse_decimal(const char *text, uint64_t *out)
{
    uint64_t v = 0;
    if (!text || !*text)
        return -1;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int pb_num_opt_parse(const struct pb_num_opt *opt, const char *text, uint64_t *out, char *err,
                     size_t errlen)
{
    uint64_t v = 0;
    int digits = text && *text && strspn(text, "0123456789") == strlen(text);
    if (digits && parse_decimal(text, &v) == 0 && v >= opt->min && v <= opt->max) {
        *out = v;
        return 0;
    }
    /* the value is quoted as typed, but only its first 40 bytes */
    snprintf(err, errlen, "%s '%.40s%s' is %s: give an integer from %llu to %llu", opt->name,
             text ? text : "", text && strlen(text) > 40 ? "..." : "",
             digits ? "out of range" : "not a number", (unsigned long long)opt->min,
             (unsigned long long)opt->max);
    return -1;
}

int pb_hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}
