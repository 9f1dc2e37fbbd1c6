/*
 * html_report.h -- one results document as one self-contained HTML page:
 * the verdicts at its head, the summary table (the same cells as the
 * terminal's, summary.h), every chart as inline SVG, the machine and the
 * exact command, and what each figure means. No script, no external
 * resource: the style is inline and a Content-Security-Policy forbids
 * anything else. docs/report.md describes the page.
 *
 * Every string from the document (names, errors, verdict texts, the
 * command) is written in shown form (pb_text.h) with & < > " ' escaped, and
 * each SVG is rewritten by pb_svg_inline (html_svg.h), so nothing in a
 * results file can become markup. The page builder knows no command line
 * and no file system: it takes the document and the charts' SVG texts.
 */
#ifndef PB_HTML_REPORT_H
#define PB_HTML_REPORT_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdio.h>

/* One chart for the page, in the order given. */
struct pb_html_chart {
    const char *name;    /* its name, as `plot` names its file: heading and anchor */
    const char *caption; /* one line about it */
    const char *svg;     /* gnuplot's SVG text (svg_len bytes); NULL: not drawn */
    size_t svg_len;
};

/* What the page is made of. */
struct pb_html_page {
    const cJSON *doc;                   /* a results document (results_read.h checked it) */
    const char *source;                 /* its path, as given: shown at the head */
    const struct pb_html_chart *charts; /* n_charts of them */
    size_t n_charts;
    const char *const *notes;           /* lines about the charts: what they leave out, or
                                           why there are none (under "No charts") */
    size_t n_notes;
};

/* Write the page to f. A chart whose SVG does not pass pb_svg_inline is
 * left out with the reason in its place; *drawn (when not NULL) gets the
 * number of charts on the page. 0 ok; -1 with err (out of memory, or
 * writing to f failed). */
int pb_html_report_write(const struct pb_html_page *page, FILE *f, size_t *drawn, char *err,
                         size_t errlen);

/* s as HTML text, also fit for a quoted attribute value: in shown form
 * (control characters and invalid UTF-8 as \xHH), & < > " ' as references. */
void pb_html_put(FILE *f, const char *s);

#endif /* PB_HTML_REPORT_H */
