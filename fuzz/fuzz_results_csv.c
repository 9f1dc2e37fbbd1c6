/*
 * fuzz_results_csv.c -- libFuzzer target for a results file read back
 * (pb_results_parse: the JSON reader and the shape checks that plot, compare
 * and export rely on) and, for every file it accepts, the CSV table of
 * `poolbench export --csv` (pb_csv_write), as written to a file and to a
 * terminal.
 *
 * A refused file must come with a message naming it. An accepted one must
 * give one CSV record per row reported plus the header, each of 8 fields,
 * counted with an RFC 4180 scan (a CRLF outside quotes ends a record, a
 * comma outside quotes a field, so a field whose quoting is wrong shows up
 * as a record or a field too many or too few), and the row count must be
 * what the runs call for. The terminal's form must hold no
 * control character but the records' CRLF.
 */
#include "csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* The rows the table must have: per ok run its figures (the latency ones
 * only with a latency object), one per other run. */
static size_t expected_rows(const struct pb_results_file *f)
{
    size_t n_fig, n_lat = 0, rows = 0;
    const struct pb_csv_figure *figs = pb_csv_figures(&n_fig);
    for (size_t i = 0; i < n_fig; i++)
        n_lat += strncmp(pb_res_path_text(figs[i].path), "latency.", 8) == 0;
    const cJSON *run;
    cJSON_ArrayForEach(run, f->runs) {
        if (!pb_run_ok(run))
            rows++;
        else if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(run, "latency")))
            rows += n_fig;
        else
            rows += n_fig - n_lat;
    }
    return rows;
}

/* Records of an RFC 4180 text: CRLFs outside double quotes. Aborts on a
 * record that has not 8 fields, and on a quote that opens inside a field or
 * stays open. */
static size_t count_records(const char *s, size_t len)
{
    size_t records = 0, commas = 0;
    int quoted = 0, field_start = 1;
    for (size_t i = 0; i < len; i++) {
        if (quoted) {
            if (s[i] == '"' && i + 1 < len && s[i + 1] == '"')
                i++;
            else if (s[i] == '"')
                quoted = 0;
            continue;
        }
        if (s[i] == '"' && !field_start)
            abort(); /* a bare quote inside an unquoted field */
        quoted = s[i] == '"';
        field_start = s[i] == ',' || (s[i] == '\n' && i && s[i - 1] == '\r');
        commas += s[i] == ',';
        if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n') {
            if (commas != 7) /* the 8 columns of PB_CSV_HEADER */
                abort();
            records++;
            commas = 0;
        }
    }
    if (quoted)
        abort();
    return records;
}

static void check_table(const struct pb_results_file *f, int shown)
{
    char *buf = NULL, err[256];
    size_t len = 0, rows = 0;
    FILE *out = open_memstream(&buf, &len);
    if (!out)
        return;
    int rc = pb_csv_write(f, out, shown, &rows, err, sizeof err);
    fclose(out);
    if (rc == 0 && (rows != expected_rows(f) || count_records(buf, len) != rows + 1))
        abort();
    for (size_t i = 0; rc == 0 && shown && i < len; i++) {
        unsigned char c = (unsigned char)buf[i];
        int crlf = (c == '\r' && i + 1 < len && buf[i + 1] == '\n') ||
                   (c == '\n' && i && buf[i - 1] == '\r');
        if ((c < 0x20 || c == 0x7f) && !crlf)
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
    if (pb_results_parse("fuzz.json", text, &f, err, sizeof err) == 0) {
        check_table(&f, 0);
        check_table(&f, 1);
        pb_results_file_free(&f);
    } else if (strncmp(err, "fuzz.json", 9) != 0) {
        abort(); /* a refusal names the file */
    }
    free(text);
    return 0;
}
