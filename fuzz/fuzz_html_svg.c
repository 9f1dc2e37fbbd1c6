/*
 * fuzz_html_svg.c -- libFuzzer target for the SVG rewriter of the HTML
 * report (pb_svg_inline, report/html_svg.c), which takes gnuplot's output
 * to place it inline in a page.
 *
 * A refused picture must come with a reason and write nothing. An accepted
 * one must hold no "<script", "<style" or "<foreignObject" (in any case),
 * and must be accepted again as it was written: what the rewriter emits is
 * itself within the subset it allows (every tag allowed and balanced, no
 * value leading out of the picture, every value and text escaped), so no
 * input can make it write markup it would refuse. (Text may say
 * "javascript:"; a value may not, which the second pass checks.)
 */
#include "html_svg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* The rewriter on text; the output in *out (free it), its status returned. */
static int rewrite(const char *text, size_t len, char **out, size_t *out_len, char *err,
                   size_t errlen)
{
    FILE *f = open_memstream(out, out_len);
    if (!f)
        abort();
    int rc = pb_svg_inline(f, text, len, "p1-", err, errlen);
    if (fclose(f) != 0)
        abort();
    return rc;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static const char *const banned[] = {"<script", "<style", "<foreignobject"};
    char *out = NULL, err[512] = "";
    size_t len = 0;
    int rc = rewrite((const char *)data, size, &out, &len, err, sizeof err);
    if (rc != 0) {
        if (len != 0 || err[0] == '\0')
            abort(); /* refused: nothing written, and a reason */
        free(out);
        return 0;
    }
    for (size_t i = 0; i < sizeof banned / sizeof *banned; i++)
        if (strcasestr(out, banned[i]))
            abort();
    char *again = NULL;
    size_t again_len = 0;
    if (rewrite(out, len, &again, &again_len, err, sizeof err) != 0) {
        fprintf(stderr, "its own output refused: %s\n", err);
        abort();
    }
    free(again);
    free(out);
    return 0;
}
