/*
 * fuzz_bench_plot.c -- libFuzzer target for a results file read back by
 * `plot` and `report` (pb_results_parse_any: either schema) and, for every
 * bench document it accepts, what is made of it: the data of the bench and
 * fidelity charts (pb_plot_write_bench, pb_plot_write_fidelity) and the
 * HTML page without charts (pb_html_report_write).
 *
 * A refused file must come with a message naming it. For an accepted one:
 * every data line of a chart's TSV has its columns (11, 13), no control
 * character but the tabs and newlines of the layout, and one line per run
 * (per fidelity row); every line of a .vars file is whole (its strings
 * single-quoted, none left open); the page holds no "<script" and no
 * control character but newlines and the tabs gnuplot's SVG would bring.
 */
#include "html_report.h"
#include "plot_export.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

typedef int (*writer_fn)(const struct pb_results_file *, FILE *, FILE *, struct pb_plot_notes *);

/* Check buf's non-comment lines: cols tab-separated fields each, no control
 * character but tab and newline; their count. Aborts otherwise. */
static size_t check_tsv(const char *buf, size_t len, size_t cols)
{
    size_t lines = 0, tabs = 0;
    int comment = 0, start = 1;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (start)
            comment = c == '#';
        start = c == '\n';
        if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
            abort();
        tabs += c == '\t';
        if (c == '\n') {
            if (!comment && tabs + 1 != cols)
                abort();
            lines += !comment;
            tabs = 0;
        }
    }
    return lines;
}

/* Each line of a .vars file has an even number of single quotes outside
 * double-quoted "'" pieces: no string is left open. */
static void check_vars(const char *buf, size_t len)
{
    int in_single = 0, in_double = 0;
    for (size_t i = 0; i < len; i++) {
        char c = buf[i];
        if (c == '\n' && (in_single || in_double))
            abort();
        if (!in_double && c == '\'')
            in_single = !in_single;
        else if (!in_single && c == '"')
            in_double = !in_double;
    }
}

static void check_chart(const struct pb_results_file *f, writer_fn fn, size_t cols, size_t rows)
{
    char *t = NULL, *v = NULL;
    size_t tl = 0, vl = 0;
    FILE *tsv = open_memstream(&t, &tl), *vars = open_memstream(&v, &vl);
    struct pb_plot_notes *notes = calloc(1, sizeof *notes);
    if (tsv && vars && notes) {
        int n = fn(f, tsv, vars, notes);
        fflush(tsv);
        fflush(vars);
        if (n >= 0 && (check_tsv(t, tl, cols) != (size_t)n || (size_t)n != rows))
            abort();
        check_vars(v, vl);
    }
    if (tsv)
        fclose(tsv);
    if (vars)
        fclose(vars);
    free(t);
    free(v);
    free(notes);
}

static void check_page(const struct pb_results_file *f)
{
    char *buf = NULL, err[256];
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    if (!out)
        return;
    struct pb_html_page page = {f->doc, f->path, NULL, 0, NULL, 0};
    int rc = pb_html_report_write(&page, out, NULL, err, sizeof err);
    fclose(out);
    if (rc == 0 && (memmem(buf, len, "<script", 7) || memmem(buf, len, "<SCRIPT", 7)))
        abort();
    for (size_t i = 0; rc == 0 && i < len; i++) {
        unsigned char c = (unsigned char)buf[i];
        if ((c < 0x20 && c != '\n') || c == 0x7f)
            abort();
    }
    free(buf);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    struct pb_results_file f;
    char err[1024];
    if (pb_results_parse_any("fuzz.json", text, &f, err, sizeof err) == 0) {
        if (f.bench) {
            const cJSON *rows = cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(f.doc, "fidelity"), "rows");
            check_chart(&f, pb_plot_write_bench, 11, (size_t)cJSON_GetArraySize(f.runs));
            check_chart(&f, pb_plot_write_fidelity, 13, (size_t)cJSON_GetArraySize(rows));
            check_page(&f);
        }
        pb_results_file_free(&f);
    } else if (strncmp(err, "fuzz.json", 9) != 0) {
        abort(); /* a refusal names the file */
    }
    free(text);
    return 0;
}
