/*
 * suggest.c -- the closest known name (pb_suggest.h): the optimal string
 * alignment distance (Levenshtein plus a swap of two neighbours), computed
 * in three rows on the stack, so names are bounded by PB_SUGGEST_MAX_LEN.
 */
#include "pb_suggest.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static char fold(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static size_t min3(size_t x, size_t y, size_t z)
{
    size_t m = x < y ? x : y;
    return m < z ? m : z;
}

size_t pb_edit_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > PB_SUGGEST_MAX_LEN || m > PB_SUGGEST_MAX_LEN)
        return SIZE_MAX;
    /* rows i-2, i-1 and i of the table d[i][j] = distance(a[0..i), b[0..j)) */
    size_t rows[3][PB_SUGGEST_MAX_LEN + 1];
    size_t *before = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= m; j++)
        prev[j] = j;
    for (size_t i = 1; i <= n; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t cost = fold(a[i - 1]) != fold(b[j - 1]);
            cur[j] = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
            if (i > 1 && j > 1 && fold(a[i - 1]) == fold(b[j - 2]) &&
                fold(a[i - 2]) == fold(b[j - 1]) && before[j - 2] + 1 < cur[j])
                cur[j] = before[j - 2] + 1;
        }
        size_t *t = before;
        before = prev;
        prev = cur;
        cur = t;
    }
    return prev[m];
}

void pb_suggest_init(struct pb_suggest *s, const char *word)
{
    memset(s, 0, sizeof *s);
    s->word = word;
    s->dist = SIZE_MAX;
}

/* Append name to the list, or "..." once when it no longer fits. */
static void add_known(struct pb_suggest *s, const char *name)
{
    size_t used = strlen(s->known);
    if (used >= 3 && strcmp(s->known + used - 3, "...") == 0)
        return;
    const char *sep = s->n_known ? ", " : "";
    size_t need = strlen(sep) + strlen(name);
    if (used + need + strlen(", ...") < sizeof s->known)
        snprintf(s->known + used, sizeof s->known - used, "%s%s", sep, name);
    else
        snprintf(s->known + used, sizeof s->known - used, "%s...", sep);
    s->n_known++;
}

void pb_suggest_offer(struct pb_suggest *s, const char *name)
{
    add_known(s, name);
    size_t d = pb_edit_distance(s->word, name);
    if (d < s->dist) {
        s->dist = d;
        s->best = name;
    }
}

const char *pb_suggest_best(const struct pb_suggest *s)
{
    if (!s->best || s->dist == SIZE_MAX)
        return NULL;
    size_t longer = strlen(s->word) > strlen(s->best) ? strlen(s->word) : strlen(s->best);
    return s->dist <= 1 || s->dist * 3 <= longer ? s->best : NULL;
}

const char *pb_suggest_hint(const struct pb_suggest *s, char *buf, size_t len)
{
    const char *best = pb_suggest_best(s);
    if (best)
        snprintf(buf, len, " (did you mean '%s'?)", best);
    else if (len > 0)
        buf[0] = '\0';
    return buf;
}
