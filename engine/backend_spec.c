/*
 * backend_spec.c -- splits a list into specs (pb_spec_list_next), a spec on
 * ':' and ',', and checks names and option keys against the registry
 * (pb_options_check). A bare path right after the name (no '=', a '/') is
 * the backend's first declared option: "preload:/usr/lib/libfoo.so" is
 * "preload:lib=/usr/lib/libfoo.so".
 */
#include "backend_spec.h"

#include <stdio.h>
#include <string.h>

#include "pb_opts.h"

/* End the item at s at its first ':' or ','; the next item, or NULL after the last. */
static char *cut(char *s)
{
    char *sep = s + strcspn(s, ",:");
    if (*sep == '\0')
        return NULL;
    *sep = '\0';
    return sep + 1;
}

/* Split "key=value" at buf (in place) into opt; -1 when malformed. */
static int split_option(char *item, struct pb_option *opt)
{
    char *eq = strchr(item, '=');
    if (!eq || eq == item || eq[1] == '\0')
        return -1;
    *eq = '\0';
    opt->key = item;
    opt->value = eq + 1;
    return 0;
}

int pb_backend_spec_parse(const char *text, struct pb_backend_spec *out, char *err,
                          size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (strlen(text) >= sizeof out->text) {
        snprintf(err, errlen, "backend spec '%.40s...' is too long", text);
        return -1;
    }
    strcpy(out->text, text);
    for (char *c = out->text; (c = strchr(c, ',')); c++)
        *c = ':'; /* every ',' of one spec separates options: one written form */
    strcpy(out->buf, text);
    char *name = out->buf;
    char *rest = cut(name);
    if (*name == '\0') {
        snprintf(err, errlen, "empty backend name in '%s'", text);
        return -1;
    }
    out->ops = pb_backend_lookup(name, err, errlen); /* unknown, or another API version */
    if (!out->ops)
        return -1;
    while (rest) {
        char *item = rest;
        rest = cut(item);
        if (out->n_opts == PB_SPEC_MAX_OPTS) {
            snprintf(err, errlen, "too many options in '%s' (at most %d)", text,
                     PB_SPEC_MAX_OPTS);
            return -1;
        }
        /* shorthand: a bare first path is the backend's first option (preload:/x.so) */
        if (out->n_opts == 0 && !strchr(item, '=') && strchr(item, '/') && out->ops->options &&
            out->ops->options[0].key) {
            out->opts[0].key = out->ops->options[0].key;
            out->opts[0].value = item;
        } else if (split_option(item, &out->opts[out->n_opts])) {
            snprintf(err, errlen, "backend option '%s' in '%s' is not key=value", item, text);
            return -1;
        }
        out->n_opts++;
    }
    return pb_options_check(out->ops, out->opts, out->n_opts, err, errlen);
}

int pb_backend_spec_parse_list(const char *text, struct pb_backend_spec *out, size_t max,
                               char *err, size_t errlen)
{
    size_t n = 0;
    const char *p = text;
    for (;;) {
        size_t len = pb_spec_list_next(p);
        char one[PB_SPEC_TEXT_MAX];
        if (len == 0) {
            snprintf(err, errlen, "empty backend name in list '%s'", text);
            return -1;
        }
        if (len >= sizeof one) {
            snprintf(err, errlen, "backend spec in '%.40s...' is too long", text);
            return -1;
        }
        if (n == max) {
            snprintf(err, errlen, "too many backends (at most %zu)", max);
            return -1;
        }
        memcpy(one, p, len);
        one[len] = '\0';
        if (pb_backend_spec_parse(one, &out[n], err, errlen))
            return -1;
        n++;
        if (p[len] == '\0')
            break;
        p += len + 1;
    }
    return (int)n;
}
