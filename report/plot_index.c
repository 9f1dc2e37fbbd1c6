/*
 * plot_index.c -- DIR/README.md, the index of the charts of `poolbench plot`
 * (plot_export.h): the files they come from, the notes on what the charts
 * leave out or mark, then each chart with the question it answers and its
 * caption. Text from the results is shown markdown-escaped.
 */
#include "plot_export.h"
#include "results_fields.h"
#include "pb_outfile.h"
#include "pb_text.h"

#include <stdio.h>
#include <string.h>

/* Text from the results (paths, names, notes, errors) as markdown text: in
 * shown form (pb_text.h), its backslashes included, and with the characters
 * that would make markup (code, emphasis, links, HTML, tables, maths)
 * backslash-escaped, so it reads as it is and cannot break the index. */
static void put_md(FILE *f, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        int ok;
        size_t k = pb_text_char(s + i, n - i, &ok);
        if (!ok)
            for (size_t j = 0; j < k; j++)
                fprintf(f, "\\\\x%02x", (unsigned char)s[i + j]);
        else if (strchr("\\`*_[]<>|~$&", s[i]))
            fprintf(f, "\\%c", s[i]);
        else
            fwrite(s + i, 1, k, f);
        i += k;
    }
}

/* The files charted, with their machines. */
static void put_sources(FILE *f, const struct pb_results_set *set)
{
    fprintf(f, "# poolbench charts\n\nDrawn by `poolbench plot` from:\n\n");
    for (size_t i = 0; i < set->n; i++) {
        char m[512];
        fputs("- ", f);
        put_md(f, set->files[i].path);
        fputs(" (", f);
        put_md(f, pb_results_machine(&set->files[i], m, sizeof m));
        fputs(")", f);
        const cJSON *name = pb_res_at(set->files[i].doc, PB_RP_PROGRAM_NAME);
        if (set->files[i].bench && cJSON_IsString(name)) {
            fputs(": poolbench bench, the whole program ", f);
            put_md(f, name->valuestring);
            fputs(" under each allocator", f);
        }
        fputc('\n', f);
    }
    fprintf(f, "\nEach chart below answers the question in bold. Its data is next to it as "
               "NAME.tsv (with NAME.vars); docs/charts.md in the poolbench sources explains "
               "every chart. A bar or line that is missing has a label at its place saying "
               "why.\n");
}

/* The notes: each once (a figure missing alike on several workloads is one
 * note). */
static void put_notes(FILE *f, const struct pb_plot_notes *notes)
{
    if (!notes || !notes->n)
        return;
    fprintf(f, "\nWhat the charts leave out or mark as a gap, and why (each once):\n\n");
    for (size_t i = 0; i < notes->n; i++) {
        fputs("- ", f);
        put_md(f, notes->text[i]);
        fputc('\n', f);
    }
    if (notes->dropped)
        fprintf(f, "- and %zu more\n", notes->dropped);
}

/* The throughput chart's axis, as drawn: asked for, or its data's choice. */
static void put_axis(FILE *f, const struct pb_plot_chart *c, int axis)
{
    if (axis == PB_PLOT_AXIS_LOG)
        fputs(" Log axes (--log).", f);
    else if (axis == PB_PLOT_AXIS_LINEAR)
        fputs(" Linear axes (--linear).", f);
    else if (*c->axis) {
        fputs(" Both panels: ", f);
        put_md(f, c->axis);
        fputs(".", f);
    }
}

int pb_plot_write_index(const char *dir, const struct pb_results_set *set,
                        const struct pb_plot_charts *charts, const struct pb_plot_notes *notes,
                        const char *format, int axis, char *err, size_t errlen)
{
    char final[4400];
    snprintf(final, sizeof final, "%s/README.md", dir);
    struct pb_outfile out;
    if (pb_outfile_open(&out, final, err, errlen) != 0)
        return -1;
    FILE *f = out.f;
    put_sources(f, set);
    put_notes(f, notes);
    for (size_t i = 0; i < charts->n; i++) { /* names are [A-Za-z0-9._-] (pb_plot_safe_name) */
        const struct pb_plot_chart *c = &charts->v[i];
        fputs("\n## ", f);
        put_md(f, c->name);
        fputs("\n\n**", f);
        put_md(f, c->question);
        fputs("** ", f);
        put_md(f, c->caption);
        if (strcmp(c->script, "throughput") == 0)
            put_axis(f, c, axis);
        fputs("\n\n![", f);
        put_md(f, c->name);
        fprintf(f, "](%s.%s)\n", c->name, format);
    }
    return pb_outfile_commit(&out, err, errlen);
}
