/*
 * fuzz_bench_doc.c -- libFuzzer target for a bench results file read back
 * (pb_bench_check_doc: the shape checks that plot, report and the verdict
 * rely on) and, for every document it accepts, the verdicts and the
 * terminal table of `poolbench bench`.
 *
 * A refused document must come with a message. An accepted one must give
 * verdicts whose texts are terminated and a table written to a memory
 * stream without a crash; what the table prints goes through pb_text_line,
 * so it must hold no control character but newlines.
 */
#include "bench_results.h"
#include "pb_json_read.h"
#include "verdict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static void check_table(const cJSON *doc)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return;
    pb_bench_summary_print(doc, f);
    pb_verdict_print(doc, f);
    fclose(f);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if ((c < 0x20 && c != '\n') || c == 0x7f)
            abort(); /* a control character reached the terminal */
    }
    free(text);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    struct pb_json_error e;
    cJSON *doc = pb_json_parse((const char *)data, size, &e);
    if (!doc)
        return 0;
    char err[512] = "";
    if (pb_bench_check_doc(doc, err, sizeof err) != 0) {
        if (!err[0])
            abort(); /* a refusal without a reason */
        cJSON_Delete(doc);
        return 0;
    }
    struct pb_verdict *v;
    size_t n;
    if (pb_verdicts(doc, &v, &n) == 0) {
        for (size_t i = 0; i < n; i++)
            if (!memchr(v[i].speed, '\0', sizeof v[i].speed) ||
                !memchr(v[i].share, '\0', sizeof v[i].share))
                abort();
        free(v);
    }
    check_table(doc);
    cJSON_Delete(doc);
    return 0;
}
