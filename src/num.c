/*
 * num.c -- number reading shared by backend options and generator specs.
 */
#include "pb_num.h"

#include <errno.h>
#include <stdlib.h>

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
