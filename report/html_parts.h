/*
 * html_parts.h -- the pieces of the HTML page (html_report.h) that the
 * replay page (html_report.c) and the bench page (html_bench.c) share: the
 * head with its style, the verdicts, the charts, the command, tables of
 * members, the glossary. Internal to report/. Every string from the
 * document goes through pb_html_put (escaped, in shown form).
 */
#ifndef PB_HTML_PARTS_H
#define PB_HTML_PARTS_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdio.h>

#include "html_report.h"

/* n bytes of s as HTML text (see pb_html_put). */
void pb_html_put_n(FILE *f, const char *s, size_t n);

/* A string (or number) member of o, escaped, or dflt (HTML) when missing. */
void pb_html_member(FILE *f, const cJSON *o, const char *key, const char *dflt);

/* The page's head: doctype, policy, style, title, the source line and the
 * navigation bar nav (HTML, no input in it). */
void pb_html_head(const struct pb_html_page *page, const char *nav, FILE *f);

/* The verdicts section (pb_verdicts of doc) under intro (HTML, no input in
 * it), every line of each verdict shown. 0 ok; -1 out of memory. */
int pb_html_verdicts(const cJSON *doc, const char *intro, FILE *f, char *err, size_t errlen);

/* A right-aligned table cell of text, escaped. */
void pb_html_num_cell(FILE *f, const char *text);

/* The charts section: each chart's SVG inline (pb_svg_inline) or why it is
 * left out, then the notes. Returns the number of charts drawn. */
size_t pb_html_charts(const struct pb_html_page *page, FILE *f);

/* One argument as a POSIX shell reads it: as it is, or single-quoted. */
void pb_html_shell_word(FILE *f, const char *arg);

/* "Command": poolbench's own command line (config.argv) as shell words. */
void pb_html_command(const cJSON *doc, FILE *f);

/* Every string or number member of o as a table row. */
void pb_html_members_table(const cJSON *o, FILE *f);

/* The glossary section: n entries of a term and what it means (HTML). */
void pb_html_glossary(const char *const (*entries)[2], size_t n, FILE *f);

/* The page of a bench document ("poolbench-bench/1"): as
 * pb_html_report_write (html_bench.c). */
int pb_html_bench_write(const struct pb_html_page *page, FILE *f, size_t *drawn, char *err,
                        size_t errlen);

#endif /* PB_HTML_PARTS_H */
