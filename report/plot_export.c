/*
 * plot_export.c -- writes the TSV and variable files of each chart. The TSVs
 * are tab-separated with '#' comment headers naming every column, so they
 * read well by hand too; numbers use %.9g, missing ones NaN.
 */
#include "plot_write.h"
#include "results_fields.h"
#include "pb_outfile.h"
#include "pb_stats.h"
#include "pb_text.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void pb_plot_note(struct pb_plot_notes *notes, const char *fmt, ...)
{
    if (!notes)
        return;
    if (notes->n >= PB_PLOT_MAX_NOTES) {
        notes->dropped++;
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(notes->text[notes->n++], PB_PLOT_NOTE_LEN, fmt, ap);
    va_end(ap);
}

/* ---- index ------------------------------------------------------------------ */

static int has_workload(const struct pb_plot_index *ix, const char *name)
{
    for (size_t i = 0; i < ix->n_workloads; i++)
        if (strcmp(ix->workloads[i], name) == 0)
            return 1;
    return 0;
}

static int has_series(const struct pb_plot_index *ix, size_t file, const char *backend)
{
    for (size_t i = 0; i < ix->n_series; i++)
        if (ix->series[i].file == file && strcmp(ix->series[i].backend, backend) == 0)
            return 1;
    return 0;
}

static void describe_machines(const struct pb_results_set *set, struct pb_plot_index *ix)
{
    char raw[512], first[512], m[512], file[PB_LABEL_MAX];
    pb_text_safe(pb_results_machine(&set->files[0], raw, sizeof raw), first, sizeof first);
    int same = 1;
    for (size_t f = 1; f < set->n; f++) {
        pb_text_safe(pb_results_machine(&set->files[f], raw, sizeof raw), m, sizeof m);
        same &= strcmp(m, first) == 0;
    }
    if (same) {
        snprintf(ix->machine, sizeof ix->machine, "%s", first);
        return;
    }
    /* one line per file: a title too long for one line is cut at the edges */
    size_t used = 0;
    for (size_t f = 0; f < set->n && used < sizeof ix->machine; f++) { /* '\n' between */
        pb_text_safe(pb_results_machine(&set->files[f], raw, sizeof raw), m, sizeof m);
        pb_text_safe(set->files[f].label, file, sizeof file);
        used += (size_t)snprintf(ix->machine + used, sizeof ix->machine - used, "%s%s: %s",
                                 f ? "\n" : "", file, m);
    }
}

/* Order the series by backend (first appearance), then file: insertion
 * sort, stable, on the colour index given here. */
static void group_by_backend(struct pb_plot_index *ix)
{
    size_t n_backends = 0;
    for (size_t i = 0; i < ix->n_series; i++) {
        size_t c = n_backends;
        for (size_t j = 0; j < i; j++)
            if (strcmp(ix->series[j].backend, ix->series[i].backend) == 0)
                c = ix->series[j].colour;
        ix->series[i].colour = c;
        n_backends += c == n_backends;
    }
    for (size_t i = 1; i < ix->n_series; i++) {
        struct pb_plot_series key = ix->series[i];
        size_t j = i;
        for (; j > 0 && ix->series[j - 1].colour > key.colour; j--)
            ix->series[j] = ix->series[j - 1];
        ix->series[j] = key;
    }
}

int pb_plot_index_build(const struct pb_results_set *set, struct pb_plot_index *ix, char *err,
                        size_t errlen)
{
    memset(ix, 0, sizeof *ix);
    size_t total = 0;
    for (size_t f = 0; f < set->n; f++)
        total += (size_t)cJSON_GetArraySize(set->files[f].runs);
    if (total == 0) {
        snprintf(err, errlen, "%s: no runs to chart", set->n ? set->files[0].path : "(none)");
        return -1;
    }
    ix->series = calloc(total, sizeof *ix->series);
    ix->workloads = calloc(total, sizeof *ix->workloads);
    if (!ix->series || !ix->workloads) {
        pb_plot_index_free(ix);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t f = 0; f < set->n; f++) {
        const cJSON *run;
        cJSON_ArrayForEach(run, set->files[f].runs) {
            const char *w = pb_run_workload_name(run);
            if (!has_workload(ix, w))
                ix->workloads[ix->n_workloads++] = w;
            char b[PB_LABEL_MAX], sb[121], sf[121];
            pb_run_backend_label(run, b, sizeof b);
            if (has_series(ix, f, b))
                continue;
            struct pb_plot_series *s = &ix->series[ix->n_series++];
            s->file = f;
            snprintf(s->backend, sizeof s->backend, "%s", b);
            if (set->n > 1) { /* each half cut at a character, to fit */
                pb_text_safe(b, sb, 121);
                pb_text_safe(set->files[f].label, sf, 121);
                snprintf(s->label, sizeof s->label, "%s (%s)", sb, sf);
            } else {
                pb_text_safe(b, s->label, sizeof s->label);
            }
        }
    }
    group_by_backend(ix);
    describe_machines(set, ix);
    return 0;
}

void pb_plot_index_free(struct pb_plot_index *ix)
{
    free(ix->series);
    free(ix->workloads);
    memset(ix, 0, sizeof *ix);
}

const cJSON *pb_plot_find_run(const struct pb_results_set *set, const struct pb_plot_series *s,
                              const char *workload)
{
    const cJSON *run;
    cJSON_ArrayForEach(run, set->files[s->file].runs) {
        char b[PB_LABEL_MAX];
        pb_run_backend_label(run, b, sizeof b);
        if (strcmp(b, s->backend) == 0 && strcmp(pb_run_workload_name(run), workload) == 0)
            return run;
    }
    return NULL;
}

const char *pb_plot_unit(double max, double *scale)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    double s = 1;
    while (u < 4 && !isnan(max) && max >= s * 1024 * 2) {
        s *= 1024;
        u++;
    }
    *scale = s;
    return units[u];
}

void pb_plot_safe_name(const char *name, char *out, size_t len)
{
    size_t i = 0;
    for (; name[i] && i + 1 < len; i++) {
        char c = name[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '.';
        out[i] = ok ? c : '_';
    }
    if (len)
        out[i < len ? i : len - 1] = '\0';
    if (i == 0 && len > 1)
        snprintf(out, len, "_");
}

/* ---- writing helpers ----------------------------------------------------- */


typedef int (*chart_all_fn)(const struct pb_results_set *, const struct pb_plot_index *, FILE *,
                            FILE *, struct pb_plot_notes *);
typedef int (*chart_one_fn)(const struct pb_results_set *, const struct pb_plot_index *,
                            const char *, FILE *, FILE *, struct pb_plot_notes *);
typedef int (*chart_file_fn)(const struct pb_results_file *, FILE *, FILE *,
                             struct pb_plot_notes *);

/* One chart's writer and what it reads: a set's charts of all workloads
 * (all) or of one (one), or a bench file's (file_fn). */
struct writer {
    chart_all_fn all;
    chart_one_fn one;
    chart_file_fn file_fn;
    const struct pb_results_set *set;
    const struct pb_plot_index *ix;
    const char *workload;
    const struct pb_results_file *file;
};

static int run_writer(const struct writer *w, FILE *tsv, FILE *vars, struct pb_plot_notes *notes)
{
    if (w->file_fn)
        return w->file_fn(w->file, tsv, vars, notes);
    if (w->all)
        return w->all(w->set, w->ix, tsv, vars, notes);
    return w->one(w->set, w->ix, w->workload, tsv, vars, notes);
}

static int add_chart(struct pb_plot_charts *c, const char *script, const char *name,
                     const char *question, const char *caption)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        struct pb_plot_chart *v = realloc(c->v, cap * sizeof *v);
        if (!v)
            return -1;
        c->v = v;
        c->cap = cap;
    }
    struct pb_plot_chart *ch = &c->v[c->n++];
    memset(ch, 0, sizeof *ch);
    snprintf(ch->script, sizeof ch->script, "%s", script);
    snprintf(ch->name, sizeof ch->name, "%s", name);
    snprintf(ch->question, sizeof ch->question, "%s", question);
    snprintf(ch->caption, sizeof ch->caption, "%s", caption);
    return 0;
}

/* Run one writer into NAME.tsv and NAME.vars; *rows gets its row count. */
static int export_one(const char *dir, const char *name, const struct writer *w,
                      struct pb_plot_notes *notes, int *rows, char *err, size_t errlen)
{
    char path[4400];
    struct pb_outfile tsv, vars;
    snprintf(path, sizeof path, "%s/%s.tsv", dir, name);
    if (pb_outfile_open(&tsv, path, err, errlen))
        return -1;
    snprintf(path, sizeof path, "%s/%s.vars", dir, name);
    if (pb_outfile_open(&vars, path, err, errlen)) {
        pb_outfile_abort(&tsv);
        return -1;
    }
    *rows = run_writer(w, tsv.f, vars.f, notes);
    if (*rows < 0) {
        snprintf(err, errlen, "cannot write %s/%s.tsv (out of memory or disk full)", dir, name);
        pb_outfile_abort(&tsv);
        pb_outfile_abort(&vars);
        return -1;
    }
    if (*rows == 0) {
        pb_outfile_abort(&tsv);
        pb_outfile_abort(&vars);
        return 0;
    }
    if (pb_outfile_commit(&tsv, err, errlen)) {
        pb_outfile_abort(&vars);
        return -1;
    }
    return pb_outfile_commit(&vars, err, errlen);
}

enum { BASE_LEN = 136 }; /* a workload's part of a file name: safe name and -N */

/* Whether bases[w] repeats one of bases[0..w-1]. */
static int base_taken(char (*bases)[BASE_LEN], size_t w)
{
    for (size_t i = 0; i < w; i++)
        if (strcmp(bases[i], bases[w]) == 0)
            return 1;
    return 0;
}

/* The part of each workload's file names (KIND-PART.tsv): its safe name, with
 * -N added when that is already another workload's part, so no two workloads
 * share a file; from [A-Za-z0-9._-] only, never with a '/'. */
static void workload_bases(const struct pb_plot_index *ix, char (*bases)[BASE_LEN])
{
    for (size_t w = 0; w < ix->n_workloads; w++) {
        char safe[120];
        pb_plot_safe_name(ix->workloads[w], safe, sizeof safe);
        snprintf(bases[w], BASE_LEN, "%s", safe);
        for (size_t k = w + 1; base_taken(bases, w); k++)
            snprintf(bases[w], BASE_LEN, "%s-%zu", safe, k);
    }
}

static const struct {
    const char *kind;
    chart_one_fn fn;
    const char *question, *caption; /* %s: the workload */
} per_workload[] = {
    {"memory", pb_plot_write_memory,
     "Which backend needs the least memory on %s, and how far above the live bytes is it?",
     "Per backend: peak live bytes (the ideal) against granted, footprint, resident and "
     "wasted page bytes; one unit and axis kind for every workload's memory chart."},
    {"timeline", pb_plot_write_timeline,
     "How does each backend's memory follow the live bytes during %s?",
     "Live bytes against each backend's resident (thick) and footprint (thin) bytes, event by "
     "event; on a log axis a 0 is drawn at the bottom, labelled 0."},
    {"latency", pb_plot_write_latency,
     "How long does a single alloc or free take on %s, and how slow is the tail?",
     "The share of calls at most x ns, per backend; calls below the timer's resolution "
     "(dashed) are drawn at it, and a median below it reads \"< R ns\"."},
};

/* The per-workload charts (memory, timeline, latency) of every workload. */
static int export_workloads(const struct pb_results_set *set, const struct pb_plot_index *ix,
                            const char *dir, struct pb_plot_charts *out,
                            struct pb_plot_notes *notes, char *err, size_t errlen)
{
    char (*bases)[BASE_LEN] = calloc(ix->n_workloads ? ix->n_workloads : 1, sizeof *bases);
    if (!bases)
        return -1;
    workload_bases(ix, bases);
    int rows, rc = 0;
    for (size_t w = 0; !rc && w < ix->n_workloads; w++) {
        for (size_t k = 0; !rc && k < sizeof per_workload / sizeof per_workload[0]; k++) {
            char name[160], question[256], shown[PB_LABEL_MAX];
            snprintf(name, sizeof name, "%s-%s", per_workload[k].kind, bases[w]);
            const struct writer wr = {NULL, per_workload[k].fn, NULL, set, ix,
                                      ix->workloads[w], NULL};
            rc = export_one(dir, name, &wr, notes, &rows, err, errlen);
            snprintf(question, sizeof question, per_workload[k].question,
                     pb_text_safe(ix->workloads[w], shown, sizeof shown));
            if (!rc && rows > 0)
                rc = add_chart(out, per_workload[k].kind, name, question,
                               per_workload[k].caption);
        }
    }
    free(bases);
    return rc;
}

int pb_plot_export(const struct pb_results_set *set, const char *dir,
                   struct pb_plot_charts *out, struct pb_plot_notes *notes, char *err,
                   size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (errlen)
        err[0] = '\0';
    struct pb_plot_index ix;
    if (pb_plot_index_build(set, &ix, err, errlen))
        return -1;
    int rows, rc = 0;
    const struct writer time = {pb_plot_write_throughput, NULL, NULL, set, &ix, NULL, NULL};
    const struct writer frag = {pb_plot_write_fragmentation, NULL, NULL, set, &ix, NULL, NULL};
    rc = export_one(dir, "throughput", &time, notes, &rows, err, errlen);
    if (!rc && rows > 0)
        rc = add_chart(out, "throughput", "throughput", "Which backend is fastest per workload?",
                       "Median ns/op per backend and workload with whiskers for its interval "
                       "(~: noisy), the cold first replay beside it; below, net of the null "
                       "backend, never negative (~0: within noise, <0: below harness cost, not "
                       "drawn); a missing bar is labelled with its run's status.");
    if (!rc && rows > 0)
        pb_plot_time_axis(set, &ix, out->v[out->n - 1].axis, sizeof out->v[out->n - 1].axis);
    if (!rc)
        rc = export_workloads(set, &ix, dir, out, notes, err, errlen);
    if (!rc)
        rc = export_one(dir, "fragmentation", &frag, notes, &rows, err, errlen);
    if (!rc && rows > 0)
        rc = add_chart(out, "fragmentation", "fragmentation",
                       "How much of what each backend holds is not live data, per workload?",
                       "Internal fragmentation (1 - live/granted) and Johnstone-Wilson "
                       "fragmentation (footprint/live - 1, log axis); a missing bar says why.");
    pb_plot_index_free(&ix);
    if (rc && !*err)
        snprintf(err, errlen, "out of memory");
    if (rc)
        pb_plot_charts_free(out);
    return rc;
}

int pb_plot_export_bench(const struct pb_results_file *file, const char *dir,
                         struct pb_plot_charts *out, struct pb_plot_notes *notes, char *err,
                         size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (errlen)
        err[0] = '\0';
    const struct writer bench = {NULL, NULL, pb_plot_write_bench, NULL, NULL, NULL, file};
    const struct writer fid = {NULL, NULL, pb_plot_write_fidelity, NULL, NULL, NULL, file};
    int rows, rc = export_one(dir, "bench", &bench, notes, &rows, err, errlen);
    if (!rc && rows > 0)
        rc = add_chart(out, "bench", "bench",
                       "Which allocator makes the whole program fastest, and which leanest?",
                       "Median wall time (left) and median peak RSS (right) of the program "
                       "under each allocator, with whiskers for the rounds' interval (~: "
                       "noisy); a failed allocator keeps its place, labelled \"failed\".");
    if (!rc && pb_res_get(file->doc, PB_F_FIDELITY))
        rc = export_one(dir, "fidelity", &fid, notes, &rows, err, errlen);
    if (!rc && rows > 0 && pb_res_get(file->doc, PB_F_FIDELITY))
        rc = add_chart(out, "fidelity", "fidelity",
                       "Does the replay rank the allocators as the whole program does?",
                       "One point per allocator: the replay's net ns/op against the program's "
                       "median wall time (left), the replay's peak resident bytes against the "
                       "program's peak RSS (right), whiskers for the program's interval; points "
                       "rising left to right agree. The title gives the rank correlations.");
    if (rc && !*err)
        snprintf(err, errlen, "out of memory");
    if (rc)
        pb_plot_charts_free(out);
    return rc;
}

void pb_plot_charts_free(struct pb_plot_charts *c)
{
    free(c->v);
    memset(c, 0, sizeof *c);
}
