/*
 * opts.c -- the options rules shared by the commands (pb_opts.h), and the
 * one rule that splits a list of specs.
 */
#include "pb_opts.h"

#include <stdio.h>
#include <string.h>

/* "-o/--output" for an option with a short form, else "--name". */
static void option_name(const struct pb_opts *opts, const struct option *o, char *out,
                        size_t len)
{
    int c = o->val;
    if (c > ' ' && c < 127 && c != ':' && strchr(opts->optstring, c))
        snprintf(out, len, "-%c/--%s", c, o->name);
    else
        snprintf(out, len, "--%s", o->name);
}

static int read_number(const struct pb_opts *opts, int c, const char *value, uint64_t *number,
                       char *err, size_t errlen)
{
    for (const struct pb_opt_number *n = opts->numbers; n && n->code; n++)
        if (n->code == c)
            return pb_num_opt_parse(&n->range, value, number, err, errlen);
    return 0;
}

int pb_opt_check(const struct pb_opts *opts, int c, const char *value, unsigned *seen,
                 uint64_t *number, char *err, size_t errlen)
{
    if (read_number(opts, c, value, number, err, errlen))
        return -1;
    for (unsigned i = 0; opts->longopts[i].name && i < 32; i++) {
        const struct option *o = &opts->longopts[i];
        if (o->flag || o->val != c || o->has_arg != required_argument)
            continue;
        char name[96];
        option_name(opts, o, name, sizeof name);
        int repeatable = c > 0 && c < 256 && opts->repeatable && strchr(opts->repeatable, c);
        if ((*seen & (1u << i)) && !repeatable) {
            snprintf(err, errlen, "%s given twice (it takes one value)", name);
            return -1;
        }
        *seen |= 1u << i;
        if (value && !*value) {
            snprintf(err, errlen, "%s given an empty value ('')", name);
            return -1;
        }
        return 0;
    }
    return 0;
}

size_t pb_spec_list_next(const char *text)
{
    for (const char *p = text;;) {
        const char *comma = strchr(p, ',');
        if (!comma)
            return strlen(text);
        const char *word = comma + 1;
        size_t len = strcspn(word, ",:");
        if (!memchr(word, '=', len))
            return (size_t)(comma - text); /* a name: the next spec starts there */
        p = word + len;                    /* an option of this spec */
    }
}
