/*
 * pb_num.h -- reading the numbers users type in options and specs.
 */
#ifndef PB_NUM_H
#define PB_NUM_H

#include <stdint.h>

/* Decimal or 0x hex with an optional k/m/g suffix (x1024, x1024^2, x1024^3),
 * no sign, no blanks, no octal; 0 and *out on success, -1 on anything else
 * (including overflow). Shared by backend options and generator specs. */
int pb_parse_scaled_u64(const char *text, uint64_t *out);

#endif /* PB_NUM_H */
