/*
 * csv.h -- a results file as one tidy CSV table (docs/export.md): one row
 * per run and figure, for spreadsheets and pandas.
 *
 * Columns: backend, workload, threads, status, figure, value, unit, error.
 * An ok run gives one row per figure of the table below (the latency ones
 * only when the run has latency); a figure that is null or absent in the
 * file has an empty value, never 0. A run whose status is not "ok" gives one
 * row: its status and error, with figure, value and unit empty.
 *
 * The text follows RFC 4180: records end in CRLF, and a field holding a
 * comma, a double quote, CR or LF is double-quoted with its quotes doubled.
 * Strings from the file are untrusted: a text field that starts with = + -
 * @ TAB CR LF (what a spreadsheet would take for a formula) or with ' gets a
 * leading ', so a reader recovers the original by dropping one leading '
 * from a text field that has one. Numbers are never changed that way. For a
 * terminal, text fields can be written in pb_text.h's shown form instead
 * (control characters as \xHH), so that none of them reaches the screen.
 */
#ifndef PB_CSV_H
#define PB_CSV_H

#include <stddef.h>
#include <stdio.h>

#include "results_read.h"
#include "results_fields.h"

/* The header line's fields, in order, comma-separated. */
#define PB_CSV_HEADER "backend,workload,threads,status,figure,value,unit,error"

/* What a figure's value is in the file. */
enum pb_csv_kind {
    PB_CSV_NUMBER, /* a JSON number, written in the shortest form that reads back exactly */
    PB_CSV_BOOL,   /* a JSON boolean, written 1 (true) or 0 (false) */
};

/* One figure of a run: its name is its dotted path in the run object. */
struct pb_csv_figure {
    enum pb_res_path path; /* PB_RP_TIME_NS_PER_OP_MEDIAN: pb_res_path_text names it */
    const char *unit; /* "ns", "bytes", "ratio", "count", ... */
    enum pb_csv_kind kind;
};

/* The figures exported for every ok run, in row order; *n gets their number. */
const struct pb_csv_figure *pb_csv_figures(size_t *n);

/* One text field to out, quoted and defused as above. 0 ok; -1 when
 * writing failed. */
int pb_csv_put_text(FILE *out, const char *s);

/* One number field to out: the shortest %.15g..%.17g form that reads back as
 * v; nothing (an empty field) for NaN or an infinity. 0 ok; -1 when writing
 * failed. */
int pb_csv_put_number(FILE *out, double v);

/* The whole table of f (header, then every run in file order) to out, its
 * text fields in shown form when shown (out is a terminal); *rows gets the
 * data rows written (the header not counted). 0 ok; -1 with err (strerror's
 * text, or "out of memory") when writing failed. */
int pb_csv_write(const struct pb_results_file *f, FILE *out, int shown, size_t *rows,
                 char *err, size_t errlen);

#endif /* PB_CSV_H */
