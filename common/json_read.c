/*
 * json_read.c -- untrusted JSON: a depth pre-scan, cJSON's parse, then the
 * checks cJSON leaves out (text after the value, duplicate keys).
 *
 * Positions of keys come from the text, not from cJSON (whose nodes do not
 * keep them): in a valid document the object keys appear in the text in the
 * same order as a pre-order walk of the tree visits the members, so the k-th
 * member the walk meets is the k-th string in the text that is followed by a
 * colon. The walk finds a duplicate's number; one more scan finds its line.
 */
#include "pb_json_read.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Above this many members an object's keys are sorted instead of compared pairwise. */
#define PAIRWISE_MAX 32

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void locate(const char *text, size_t offset, struct pb_json_error *e)
{
    e->line = 1;
    e->column = 1;
    for (size_t i = 0; i < offset; i++) {
        if (text[i] == '\n') {
            e->line++;
            e->column = 1;
        } else {
            e->column++;
        }
    }
}

static cJSON *fail_at(const char *text, size_t offset, struct pb_json_error *e,
                      const char *message)
{
    locate(text, offset, e);
    snprintf(e->message, sizeof e->message, "%s", message);
    return NULL;
}

/* Index just past the string whose opening quote is at t[i] (len when unterminated). */
static size_t skip_string(const char *t, size_t len, size_t i)
{
    for (i++; i < len; i++) {
        if (t[i] == '\\')
            i++;
        else if (t[i] == '"')
            return i + 1;
    }
    return len;
}

/* Offset of the first '[' or '{' nested deeper than the limit, or SIZE_MAX. */
static size_t too_deep(const char *t, size_t len)
{
    size_t depth = 0;
    for (size_t i = 0; i < len; i++) {
        char c = t[i];
        if (c == '"') {
            i = skip_string(t, len, i) - 1;
        } else if (c == '[' || c == '{') {
            if (++depth > PB_JSON_MAX_DEPTH)
                return i;
        } else if ((c == ']' || c == '}') && depth > 0) {
            depth--;
        }
    }
    return SIZE_MAX;
}

/* Offsets of keys number a and b (text order, a < b) in a valid document. */
static void key_offsets(const char *t, size_t len, size_t a, size_t b, size_t *oa, size_t *ob)
{
    size_t k = 0;
    *oa = *ob = 0;
    for (size_t i = 0; i < len; i++) {
        if (t[i] != '"')
            continue;
        size_t end = skip_string(t, len, i), j = end;
        while (j < len && is_blank(t[j]))
            j++;
        if (j < len && t[j] == ':') {
            if (k == a)
                *oa = i;
            if (k == b) {
                *ob = i;
                return;
            }
            k++;
        }
        i = end - 1;
    }
}

static const char *key_of(const cJSON *c)
{
    return c->string ? c->string : "";
}

/* Positions i < j of the earliest member j of obj whose key an earlier member i
 * already has, comparing pairwise: 1 found, 0 none. */
static int pair_small(const cJSON *obj, size_t *pi, size_t *pj)
{
    size_t j = 0;
    for (const cJSON *b = obj->child; b; b = b->next, j++) {
        size_t i = 0;
        for (const cJSON *a = obj->child; a != b; a = a->next, i++) {
            if (strcmp(key_of(a), key_of(b)) == 0) {
                *pi = i;
                *pj = j;
                return 1;
            }
        }
    }
    return 0;
}

struct member {
    const char *key;
    size_t pos;
};

static int by_key_then_pos(const void *x, const void *y)
{
    const struct member *a = x, *b = y;
    int c = strcmp(a->key, b->key);
    return c ? c : (a->pos > b->pos) - (a->pos < b->pos);
}

/* pair_small for a large object, by sorting: 1 found, 0 none, -1 out of memory. */
static int pair_sorted(const cJSON *obj, size_t n, size_t *pi, size_t *pj)
{
    struct member *m = malloc(n * sizeof *m);
    if (!m)
        return -1;
    size_t k = 0;
    for (const cJSON *c = obj->child; c; c = c->next, k++)
        m[k] = (struct member){key_of(c), k};
    qsort(m, n, sizeof *m, by_key_then_pos);
    int found = 0;
    for (size_t r = 1; r < n; r++) {
        /* m[r] is the second use of its key when it starts a run's second place */
        if (strcmp(m[r].key, m[r - 1].key) == 0 && (r < 2 || strcmp(m[r - 2].key, m[r].key) != 0) &&
            (!found || m[r].pos < *pj)) {
            *pi = m[r - 1].pos;
            *pj = m[r].pos;
            found = 1;
        }
    }
    free(m);
    return found;
}

/* The walk over the tree in text order. */
struct dup_walk {
    size_t next_key;      /* object members met so far */
    size_t first, second; /* numbers of the two uses of the duplicate key */
    const char *key;
    int found;            /* 1 duplicate, -1 out of memory */
};

static void walk(const cJSON *node, struct dup_walk *w)
{
    int object = cJSON_IsObject(node);
    size_t n = 0, pi = SIZE_MAX, pj = SIZE_MAX, first = 0;
    for (const cJSON *c = node->child; c; c = c->next)
        n++;
    if (object && n > 1) {
        int r = n <= PAIRWISE_MAX ? pair_small(node, &pi, &pj) : pair_sorted(node, n, &pi, &pj);
        if (r < 0) {
            w->found = -1;
            return;
        }
    }
    size_t pos = 0;
    for (const cJSON *c = node->child; c && !w->found; c = c->next, pos++) {
        if (object) {
            size_t k = w->next_key++;
            if (pos == pi)
                first = k;
            if (pos == pj) {
                w->found = 1;
                w->first = first;
                w->second = k;
                w->key = key_of(c);
                return;
            }
        }
        walk(c, w);
    }
}

/* 0 when no object of root holds a key twice, else -1 and *e. */
static int check_duplicates(const cJSON *root, const char *text, size_t len,
                            struct pb_json_error *e)
{
    struct dup_walk w = {0};
    walk(root, &w);
    if (w.found == 0)
        return 0;
    if (w.found < 0) {
        fail_at(text, 0, e, "out of memory");
        return -1;
    }
    size_t oa, ob;
    key_offsets(text, len, w.first, w.second, &oa, &ob);
    struct pb_json_error first;
    locate(text, oa, &first);
    char msg[sizeof e->message];
    snprintf(msg, sizeof msg, "duplicate key \"%.64s\"%s (first at line %zu)", w.key,
             strlen(w.key) > 64 ? "..." : "", first.line);
    pb_json_printable(msg);
    fail_at(text, ob, e, msg);
    return -1;
}

cJSON *pb_json_parse(const char *text, size_t len, struct pb_json_error *e)
{
    memset(e, 0, sizeof *e);
    size_t deep = too_deep(text, len);
    if (deep != SIZE_MAX) {
        char msg[64];
        snprintf(msg, sizeof msg, "nesting deeper than %d levels", PB_JSON_MAX_DEPTH);
        return fail_at(text, deep, e, msg);
    }
    const char *stop = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &stop, 0);
    size_t off = stop && stop >= text && stop <= text + len ? (size_t)(stop - text) : 0;
    if (!root)
        return fail_at(text, off, e, "invalid JSON");
    while (off < len && is_blank(text[off]))
        off++;
    if (off < len) {
        cJSON_Delete(root);
        return fail_at(text, off, e, "text after the JSON value");
    }
    if (check_duplicates(root, text, len, e) != 0) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

void pb_json_printable(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            *s = '?';
}
