/*
 * pb_json_read.h -- parsing JSON that comes from a file poolbench did not
 * write itself (job files, results files read back by plot and compare).
 *
 * cJSON alone says only "failed" and accepts what a reader should not: keys
 * given twice in one object (cJSON keeps both and lookups see the first, so
 * the second is silently ignored) and text after the value. This reader
 * refuses those, checks the nesting depth before cJSON recurses into it, and
 * says where (line and column) each problem is, so every untrusted reader
 * gives the same answers.
 */
#ifndef PB_JSON_READ_H
#define PB_JSON_READ_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* Deepest nesting of arrays and objects accepted: cJSON's own limit. */
#define PB_JSON_MAX_DEPTH CJSON_NESTING_LIMIT

/* What is wrong with a JSON text, and where: the caller prefixes the file. */
struct pb_json_error {
    size_t line, column;   /* 1-based position of the problem in the text */
    char message[224];     /* "invalid JSON", "nesting deeper than 1000 levels", ... */
};

/* Parse len bytes of text (NUL-terminated or not) into a tree the caller
 * deletes with cJSON_Delete. NULL and *e filled on invalid JSON, nesting
 * deeper than PB_JSON_MAX_DEPTH, a key given twice in one object (at any
 * level; the message names the key and the line of its first use), text
 * after the value, or out of memory. Nothing is printed. */
cJSON *pb_json_parse(const char *text, size_t len, struct pb_json_error *e);

/* Replace every byte of s that is not printable ASCII by '?', so that a
 * message quoting an untrusted string cannot drive a terminal. */
void pb_json_printable(char *s);

#endif /* PB_JSON_READ_H */
