/*
 * pb_suggest.h -- "did you mean": the known name closest to a mistyped one
 * (a backend, a generator, an option key), by edit distance, and the list of
 * every known name, for one error message. The names offered are the
 * program's own (tables), the word is the user's: callers print the message
 * with pb_text_line.
 */
#ifndef PB_SUGGEST_H
#define PB_SUGGEST_H

#include <stddef.h>

/* Names longer than this are never close to anything (the distance is SIZE_MAX). */
#define PB_SUGGEST_MAX_LEN 64
/* Room for the list of known names ("a, b, c"); cut with "..." beyond. */
#define PB_SUGGEST_KNOWN_MAX 256

/* Edit distance between a and b: insertions, deletions, substitutions and
 * swaps of two neighbours count 1 each ("mallco" is 1 from "malloc"); ASCII
 * letters compare without case. SIZE_MAX when either is longer than
 * PB_SUGGEST_MAX_LEN. */
size_t pb_edit_distance(const char *a, const char *b);

/* A search for the closest name: init with the word, offer every known name,
 * then read the best (or the hint) and the list. */
struct pb_suggest {
    const char *word;                 /* the unknown word (not copied) */
    const char *best;                 /* closest name offered so far; NULL before any */
    size_t dist;                      /* its distance */
    char known[PB_SUGGEST_KNOWN_MAX]; /* every name offered, ", "-separated */
    size_t n_known;
};

void pb_suggest_init(struct pb_suggest *s, const char *word);

/* Offer one known name (kept by pointer: it must outlive s). The first of
 * equally close names wins. */
void pb_suggest_offer(struct pb_suggest *s, const char *name);

/* The closest name when it is a likely slip of the word (a distance of 1, or
 * at most a third of the longer of the two), else NULL. */
const char *pb_suggest_best(const struct pb_suggest *s);

/* " (did you mean 'NAME'?)" in buf when pb_suggest_best has a name, else "".
 * Returns buf. */
const char *pb_suggest_hint(const struct pb_suggest *s, char *buf, size_t len);

#endif /* PB_SUGGEST_H */
