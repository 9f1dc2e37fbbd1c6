/*
 * pb_num.h -- reading the numbers users type in options and specs.
 */
#ifndef PB_NUM_H
#define PB_NUM_H

#include <stddef.h>
#include <stdint.h>

/* Decimal or 0x hex with an optional k/m/g suffix (x1024, x1024^2, x1024^3),
 * no sign, no blanks, no octal; 0 and *out on success, -1 on anything else
 * (including overflow). Shared by backend options and generator specs. */
int pb_parse_scaled_u64(const char *text, uint64_t *out);

/* A command-line option that takes an integer, and the values it allows:
 * one table row per option, so every command checks its numbers alike. */
struct pb_num_opt {
    const char *name; /* as typed: "--repeat" */
    uint64_t min, max;
};

/* Read text as a value of opt: decimal digits only (no sign, blanks, hex or
 * suffix; leading zeros are decimal), from opt->min to opt->max. 0 and *out
 * on success; -1 and, in err, a message naming the option, the value and the
 * allowed range ("--repeat '0' is out of range: give an integer from 1 to
 * 100000"). Checked before anything runs, so a bad value is bad usage. */
int pb_num_opt_parse(const struct pb_num_opt *opt, const char *text, uint64_t *out, char *err,
                     size_t errlen);

/* The value of hex digit c (0-9, a-f, A-F), or -1 for any other character. */
int pb_hex_digit(int c);

#endif /* PB_NUM_H */
