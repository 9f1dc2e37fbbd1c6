/*
 * pb_opts.h -- rules every command applies to its getopt_long options, so
 * that they are checked alike, from one table per command: an option that
 * takes a value may be given once (a second one would silently replace the
 * first), its value may not be empty (an empty file name or spec only fails
 * later, obscurely), and an integer option's value is read by
 * pb_num_opt_parse against its range.
 */
#ifndef PB_OPTS_H
#define PB_OPTS_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

#include "pb_num.h"

/* An integer option: its getopt code and its range. */
struct pb_opt_number {
    int code;
    struct pb_num_opt range;
};

/* A command's options, as given to getopt_long, and their rules. */
struct pb_opts {
    const char *optstring;
    const struct option *longopts;       /* at most 32 entries */
    const char *repeatable;              /* short codes that add up (run's -w, -t), or NULL */
    const struct pb_opt_number *numbers; /* the integer options, ended by code 0; or NULL */
};

/* Check option c (a getopt_long result) with value (optarg), before its own
 * case: an integer option's value is read into *number; an option that takes
 * a value is refused a second time unless repeatable (seen: the command's bit
 * set, one bit per longopts entry, 0 at the start) and with an empty value.
 * 0 ok (options without a value always are); -1 and err, which names the
 * option ("-o/--output given twice (it takes one value)"). */
int pb_opt_check(const struct pb_opts *opts, int c, const char *value, unsigned *seen,
                 uint64_t *number, char *err, size_t errlen);

/* The one syntax of a spec list ("pool:chunk=48,slab=16k,malloc", run's
 * --backend and --workload): the length of the spec that starts at text.
 * Inside a spec, ':' or ',' separate its options (key=value); a ',' followed
 * by a word (up to the next ',' or ':') without '=' ends it, that word being
 * the name of the next spec. So the list above is "pool:chunk=48,slab=16k",
 * then "malloc". Walk a list with: len = pb_spec_list_next(p); use p[0..len);
 * stop when p[len] is '\0', else p += len + 1. */
size_t pb_spec_list_next(const char *text);

#endif /* PB_OPTS_H */
