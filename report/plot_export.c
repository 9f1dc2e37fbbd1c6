/*
 * plot_export.c -- writes the TSV and variable files of each chart. The TSVs
 * are tab-separated with '#' comment headers naming every column, so they
 * read well by hand too; numbers use %.9g, missing ones NaN.
 */
#include "plot_export.h"
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

static void put_num(FILE *f, double v)
{
    if (isnan(v) || isinf(v))
        fputs("\tNaN", f);
    else
        fprintf(f, "\t%.9g", v);
}

/* A string of a results file in a TSV header line or the first column of a
 * data line: control characters and invalid UTF-8 as \xHH text (a newline or
 * a tab would start a row or a column), and what gnuplot reads specially in
 * a data field made literal: a backslash doubled (it drops single ones), a
 * double quote (the start of a quoted field) made a single one, and a '#'
 * in front escaped (a comment line). */
static void put_key(FILE *f, const char *raw)
{
    size_t n = strlen(raw);
    for (size_t i = 0; i < n;) {
        int ok;
        size_t k = pb_text_char(raw + i, n - i, &ok);
        if (!ok)
            for (size_t j = 0; j < k; j++)
                fprintf(f, "\\\\x%02x", (unsigned char)raw[i + j]);
        else if (raw[i] == '\\' || (i == 0 && raw[i] == '#'))
            fprintf(f, "\\%c", raw[i]);
        else if (raw[i] == '"')
            fputc('\'', f);
        else
            fwrite(raw + i, 1, k, f);
        i += k;
    }
}

/* A gnuplot string expression for s that no gnuplot expansion touches:
 * single-quoted text (gnuplot does no backquote command substitution, no
 * backslash or macro processing inside single quotes), each single quote of
 * s and each '\n' (a line break in a title) a double-quoted "'" or "\n"
 * joined on with '.' (gnuplot 5.4 misreads two doubled quotes in a row), any
 * other control character or invalid UTF-8 \xHH text, so that nothing in it
 * ends the string or the line of the .vars file. */
static void put_gp_string(FILE *f, const char *s)
{
    size_t n = strlen(s);
    fputc('\'', f);
    for (size_t i = 0; i < n;) {
        int ok;
        size_t k = pb_text_char(s + i, n - i, &ok);
        if (s[i] == '\n')
            fputs("' . \"\\n\" . '", f);
        else if (!ok)
            for (size_t j = 0; j < k; j++)
                fprintf(f, "\\x%02x", (unsigned char)s[i + j]);
        else if (s[i] == '\'')
            fputs("' . \"'\" . '", f);
        else
            fwrite(s + i, 1, k, f);
        i += k;
    }
    fputc('\'', f);
}

static void put_gp_var(FILE *f, const char *name, const char *value)
{
    fprintf(f, "%s = ", name);
    put_gp_string(f, value);
    fputc('\n', f);
}

/* The variables every chart has: the series drawn are ix->series[pick[i]]
 * (pick NULL: all of them), with their legend titles; colour[] numbers their
 * backend and fileno[] their file (from 1), so a backend keeps its colour in
 * every chart and its files differ by shade or dash; lt[] numbers each series
 * in the whole set, for charts that give every series a colour of its own. */
static void put_common_vars(FILE *vars, const struct pb_plot_index *ix, const char *workload,
                            const size_t *pick, size_t n)
{
    char shown[1024];
    fprintf(vars, "# gnuplot variables for the data file of the same name (poolbench plot)\n");
    put_gp_var(vars, "machine", ix->machine);
    put_gp_var(vars, "workload",
               workload ? pb_text_safe(workload, shown, sizeof shown) : "all workloads");
    fprintf(vars, "NS = %zu\n", n);
    fprintf(vars, "array series[%zu] = [", n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputs(", ", vars);
        put_gp_string(vars, ix->series[pick ? pick[i] : i].label);
    }
    fputs(n ? "]\n" : "\"\"]\n", vars);
    static const char *const arrays[] = {"lt", "colour", "fileno"};
    for (int a = 0; a < 3; a++) {
        fprintf(vars, "array %s[%zu] = [", arrays[a], n ? n : 1);
        for (size_t i = 0; i < n; i++) {
            size_t k = pick ? pick[i] : i;
            size_t v = a == 0 ? k : a == 1 ? ix->series[k].colour : ix->series[k].file;
            fprintf(vars, "%s%zu", i ? ", " : "", v + 1);
        }
        fputs(n ? "]\n" : "1]\n", vars);
    }
}

/* Byte values from lo (smallest above 0) to hi: the unit for a linear axis,
 * and logy = 1 when they span more than PB_PLOT_LOG_SPAN (a linear axis would
 * flatten the small ones). */
static void put_unit_vars(FILE *vars, double lo, double hi)
{
    double scale;
    const char *unit = pb_plot_unit(hi, &scale);
    put_gp_var(vars, "unit", unit);
    fprintf(vars, "scale = %.17g\n", scale);
    fprintf(vars, "logy = %d\n", lo > 0 && hi / lo > PB_PLOT_LOG_SPAN);
    fprintf(vars, "ymin = %.17g\nymax = %.17g\n", lo > 0 ? lo : 1, hi > 0 ? hi : 1);
}

/* Track the range of byte values: smallest above 0 and largest. */
static void widen(double v, double *lo, double *hi)
{
    if (isnan(v))
        return;
    if (v > 0 && (*lo == 0 || v < *lo))
        *lo = v;
    if (v > *hi)
        *hi = v;
}

static int finish(FILE *tsv, FILE *vars, int rows)
{
    return ferror(tsv) || ferror(vars) ? -1 : rows;
}

/* The run's first note, or a fallback, to say why a figure is missing. */
static const char *first_note(const cJSON *run, const char *fallback)
{
    const cJSON *n = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(run, "notes"), 0);
    return cJSON_IsString(n) ? n->valuestring : fallback;
}

static const char *run_error(const cJSON *run)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(run, "error");
    return cJSON_IsString(e) ? e->valuestring : "no reason given";
}

/* Whether a run has any of the byte figures charted from memory. */
static int has_memory(const cJSON *run)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(run, "memory");
    return !isnan(pb_json_number(m, "granted_bytes_at_peak")) ||
           !isnan(pb_json_number(m, "peak_footprint_bytes")) ||
           !isnan(pb_json_number(m, "peak_resident_bytes"));
}

/* ---- throughput ------------------------------------------------------------- */

/* A number of a results file as a chart may draw it: NaN when missing, null
 * or not finite (1e999 reads as infinity). */
static double finite_num(const cJSON *obj, const char *dotted)
{
    double v = pb_json_number(obj, dotted);
    return isfinite(v) ? v : NAN;
}

static int is_true(const cJSON *obj, const char *key)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, key));
}

/* One figure of the time chart: the bar (mid), its whiskers and the noisy
 * mark (1 or 0; NaN without a figure). */
struct time_fig {
    double mid, lo, hi, noisy;
    int has_ci; /* the whiskers are the file's confidence interval, not min..max */
};

static const struct time_fig no_fig = {NAN, NAN, NAN, NAN, 0};

/* The figure mid of the distribution object dist (ns_per_op, cold_ns_per_op,
 * net): whiskers from its interval ci_low..ci_high, or min..max when it has
 * none (files from before the rounds), cut at 0 (no time is negative), none
 * when the file has neither or its low end is above its high one; noisy its
 * flag, or without one the flag's rule on the whiskers (wider than
 * PB_NOISY_REL of the median). */
static struct time_fig time_fig_of(const cJSON *dist, double mid)
{
    struct time_fig f = no_fig;
    if (isnan(mid))
        return f;
    f.mid = mid;
    double lo = finite_num(dist, "ci_low"), hi = finite_num(dist, "ci_high");
    f.has_ci = !isnan(lo) && !isnan(hi);
    if (!f.has_ci) {
        lo = finite_num(dist, "min");
        hi = finite_num(dist, "max");
    }
    int spread = !isnan(lo) && !isnan(hi) && lo <= hi;
    const cJSON *flag = cJSON_GetObjectItemCaseSensitive(dist, "noisy");
    f.noisy = cJSON_IsBool(flag) ? cJSON_IsTrue(flag)
                                 : spread && hi - lo > PB_NOISY_REL * fabs(mid);
    if (spread && hi >= 0) {
        f.lo = lo > 0 ? lo : 0;
        f.hi = hi;
    }
    f.has_ci &= spread;
    return f;
}

/* How the net bar reads (the TSV's net state column). */
enum net_state {
    NET_SHOWN = 0,          /* a bar of net_ns_per_op */
    NET_WITHIN_NOISE = 1,   /* drawn as 0, labelled "~0" */
    NET_BELOW_BASELINE = 2, /* not drawn, labelled "<0" */
    NET_BASELINE = 3,       /* the null backend itself: 0 by definition */
};

/* The net figure of an ok run's time t, never below 0: within noise it is 0,
 * below the baseline (the flag, or a negative net_ns_per_op of an older
 * file) none; *state says which (NaN: no figure, the null run failed). */
static struct time_fig net_fig_of(const cJSON *run, const cJSON *t, double *state)
{
    const cJSON *net = cJSON_GetObjectItemCaseSensitive(t, "net");
    const cJSON *backend = cJSON_GetObjectItemCaseSensitive(run, "backend");
    double v = finite_num(t, "net_ns_per_op");
    struct time_fig f = no_fig;
    *state = NAN;
    if (cJSON_IsString(backend) && strcmp(backend->valuestring, "null") == 0 && v == 0) {
        *state = NET_BASELINE;
        f.mid = f.noisy = 0;
    } else if (is_true(net, "within_noise")) {
        *state = NET_WITHIN_NOISE;
        f = time_fig_of(net, 0);
        f.noisy = 0; /* "~0" says it */
    } else if (is_true(net, "below_baseline") || v < 0) {
        *state = NET_BELOW_BASELINE;
    } else if (!isnan(v)) {
        *state = NET_SHOWN;
        f = time_fig_of(net, v);
    }
    return f;
}

/* What the axes and footnotes of the time chart need of its figures. */
struct time_seen {
    double lo, hi;         /* smallest above 0 and largest, bars and whiskers */
    double warm_hi;        /* largest warm bar or whisker (a first pass) */
    double top;            /* the linear axis: the figures drawn whole */
    int cut;               /* cold bars past PB_PLOT_COLD_SPAN * warm_hi, cut at the top */
    double net_hi;         /* largest net bar or whisker */
    size_t n_min, n_max;   /* samples (rounds) per warm figure */
    int rounds, replays;   /* figures whose run has rounds; of older files (timed replays) */
    int with_ci, without_ci; /* warm figures with whiskers from an interval, or min..max */
    int cold;              /* cold figures drawn */
    int net_whiskers;      /* net figures with whiskers (files with rounds) */
};

static void see_fig(struct time_seen *seen, const struct time_fig *f)
{
    widen(f->mid, &seen->lo, &seen->hi);
    widen(f->lo, &seen->lo, &seen->hi);
    widen(f->hi, &seen->lo, &seen->hi);
}

static void put_fig(FILE *tsv, const struct time_fig *f)
{
    put_num(tsv, f->mid);
    put_num(tsv, f->lo);
    put_num(tsv, f->hi);
    put_num(tsv, f->noisy);
}

/* The 13 cells of series s on workload (warm, cold, net: bar, whiskers,
 * noisy; the net state). Returns 1 when it has a warm figure. */
static int throughput_cells(FILE *tsv, const struct pb_results_set *set,
                            const struct pb_plot_series *s, const char *workload,
                            struct time_seen *seen, struct pb_plot_notes *notes)
{
    const cJSON *run = pb_plot_find_run(set, s, workload);
    if (run && !pb_run_ok(run))
        pb_plot_note(notes, "%s on %s failed, left out: %s", s->label, workload, run_error(run));
    const cJSON *t = run && pb_run_ok(run) ? cJSON_GetObjectItemCaseSensitive(run, "time") : NULL;
    const cJSON *warm_d = cJSON_GetObjectItemCaseSensitive(t, "ns_per_op");
    const cJSON *cold_d = cJSON_GetObjectItemCaseSensitive(t, "cold_ns_per_op");
    double mid = finite_num(warm_d, "median"), cold_mid = finite_num(cold_d, "median");
    if (mid < 0 || cold_mid < 0)
        pb_plot_note(notes, "%s on %s: a negative ns/op in the file, not drawn", s->label,
                     workload);
    struct time_fig warm = time_fig_of(warm_d, mid < 0 ? NAN : mid);
    struct time_fig cold = time_fig_of(cold_d, cold_mid < 0 ? NAN : cold_mid);
    double state = NAN;
    struct time_fig net = t ? net_fig_of(run, t, &state) : no_fig;
    if (state == NET_BELOW_BASELINE)
        pb_plot_note(notes, "%s on %s: net ns/op below the harness's own cost (null's), "
                            "not drawn", s->label, workload);
    put_fig(tsv, &warm);
    put_fig(tsv, &cold);
    put_fig(tsv, &net);
    put_num(tsv, state);
    if (isnan(warm.mid))
        return 0;
    see_fig(seen, &warm);
    see_fig(seen, &cold);
    seen->top = fmax(seen->top, fmax(warm.mid, warm.hi)); /* fmax skips a NaN */
    if (cold.mid > PB_PLOT_COLD_SPAN * seen->warm_hi)
        seen->cut = 1;
    else
        seen->top = fmax(seen->top, fmax(cold.mid, cold.hi));
    seen->net_hi = fmax(seen->net_hi, fmax(net.mid, net.hi));
    seen->cold |= !isnan(cold.mid);
    seen->net_whiskers |= !isnan(net.hi);
    size_t n = (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(warm_d, "samples"));
    seen->n_min = n < seen->n_min ? n : seen->n_min;
    seen->n_max = n > seen->n_max ? n : seen->n_max;
    int rounds = cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(t, "rounds"));
    seen->rounds += rounds;
    seen->replays += !rounds;
    seen->with_ci += warm.has_ci;
    seen->without_ci += !warm.has_ci;
    return 1;
}

/* The largest warm bar or whisker of the chart: cold bars beyond
 * PB_PLOT_COLD_SPAN times it are cut on a linear axis, so that one slow first
 * replay does not flatten every warm bar. */
static double warm_top(const struct pb_results_set *set, const struct pb_plot_index *ix)
{
    double hi = 0;
    for (size_t w = 0; w < ix->n_workloads; w++) {
        for (size_t s = 0; s < ix->n_series; s++) {
            const cJSON *run = pb_plot_find_run(set, &ix->series[s], ix->workloads[w]);
            if (!run || !pb_run_ok(run))
                continue;
            const cJSON *d = cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(run, "time"), "ns_per_op");
            double mid = finite_num(d, "median");
            struct time_fig f = time_fig_of(d, mid < 0 ? NAN : mid);
            hi = fmax(hi, fmax(f.mid, f.hi));
        }
    }
    return hi;
}

/* The time chart's variables: axis ranges, has_cold, and one footnote line
 * per panel (note_time, note_net) saying what bars, whiskers and marks are.
 * The linear axis ends at time_top, the figures drawn whole; cold bars past
 * it (cold_cut) are cut there, their median written on them. */
static void put_time_vars(FILE *vars, const struct time_seen *seen)
{
    char count[64], line[PB_PLOT_NOTE_LEN];
    if (seen->n_min == seen->n_max)
        snprintf(count, sizeof count, "%zu", seen->n_max);
    else
        snprintf(count, sizeof count, "%zu-%zu", seen->n_min, seen->n_max);
    const char *whiskers = !seen->without_ci ? "95 % interval (min-max below 6 rounds)"
                           : !seen->with_ci  ? "min-max (the file has no interval)"
                                             : "95 % interval (min-max below 6 rounds or "
                                               "without one)";
    const char *over = !seen->replays  ? "rounds"
                       : !seen->rounds ? "timed replays"
                                       : "rounds (or timed replays, in files without rounds)";
    snprintf(line, sizeof line, "bars: median over %s %s, whiskers: %s; ~: noisy (interval "
             "wider than %.0f %% of the median)", count, over, whiskers, PB_NOISY_REL * 100);
    put_gp_var(vars, "note_time", line);
    snprintf(line, sizeof line, "net: minus null%s; ~0: within noise (drawn as 0); <0: below "
             "harness cost (not drawn)", seen->net_whiskers ? ", whiskers: the interval of the "
             "round-by-round differences, from 0" : "");
    put_gp_var(vars, "note_net", line);
    fprintf(vars, "has_cold = %d\n", seen->cold);
    fprintf(vars, "time_lo = %.9g\ntime_hi = %.9g\n", seen->lo > 0 ? seen->lo : 1,
            seen->hi > 0 ? seen->hi : 1);
    fprintf(vars, "time_top = %.9g\ncold_cut = %d\n", seen->top > 0 ? seen->top : 1, seen->cut);
    fprintf(vars, "net_hi = %.9g\n", seen->net_hi);
}

int pb_plot_write_throughput(const struct pb_results_set *set, const struct pb_plot_index *ix,
                             FILE *tsv, FILE *vars, struct pb_plot_notes *notes)
{
    struct time_seen seen = {.n_min = SIZE_MAX, .warm_hi = warm_top(set, ix)};
    int drawn = 0; /* warm figures: with none, there is nothing to chart */
    fprintf(tsv, "# ns per op, per backend: warm (the median over rounds, whiskers low and "
                 "high: its interval, or min-max without one; noisy 1/0), cold (the first "
                 "replay, the same), net (minus null's, never below 0; state 0 drawn, 1 within "
                 "noise: 0, 2 below the harness's cost: not drawn, 3 the null baseline); NaN: "
                 "no figure\n# workload");
    for (size_t s = 0; s < ix->n_series; s++)
        fprintf(tsv, "\t%s median\tlow\thigh\tnoisy\tcold median\tlow\thigh\tnoisy"
                     "\tnet\tlow\thigh\tnoisy\tnet state", ix->series[s].label);
    fputc('\n', tsv);
    for (size_t w = 0; w < ix->n_workloads; w++) {
        put_key(tsv, ix->workloads[w]);
        for (size_t s = 0; s < ix->n_series; s++)
            drawn += throughput_cells(tsv, set, &ix->series[s], ix->workloads[w], &seen, notes);
        fputc('\n', tsv);
    }
    if (!drawn)
        seen.n_min = 0;
    put_common_vars(vars, ix, NULL, NULL, ix->n_series);
    fprintf(vars, "NW = %zu\n", ix->n_workloads);
    put_time_vars(vars, &seen);
    return finish(tsv, vars, drawn ? (int)ix->n_workloads : 0);
}

/* ---- memory ------------------------------------------------------------------- */

/* Series of ix that ran workload successfully with memory figures, into
 * pick (n_series long); notes say why the others are left out. */
static size_t memory_series(const struct pb_results_set *set, const struct pb_plot_index *ix,
                            const char *workload, size_t *pick, struct pb_plot_notes *notes,
                            const char *chart)
{
    size_t n = 0;
    for (size_t s = 0; s < ix->n_series; s++) {
        const cJSON *run = pb_plot_find_run(set, &ix->series[s], workload);
        if (!run || !pb_run_ok(run))
            continue; /* failed runs are noted once, by the throughput chart */
        if (!has_memory(run)) {
            if (notes && chart)
                pb_plot_note(notes, "%s on %s: no memory figures (%s)", ix->series[s].label,
                             workload, first_note(run, "all null"));
            continue;
        }
        pick[n++] = s;
    }
    return n;
}

static const char *const memory_columns[] = {
    "workload.peak_live_bytes", "memory.granted_bytes_at_peak", "memory.peak_footprint_bytes",
    "memory.peak_resident_bytes", "memory.wasted_page_bytes",
};

int pb_plot_write_memory(const struct pb_results_set *set, const struct pb_plot_index *ix,
                         const char *workload, FILE *tsv, FILE *vars,
                         struct pb_plot_notes *notes)
{
    size_t *pick = calloc(ix->n_series ? ix->n_series : 1, sizeof *pick);
    if (!pick)
        return -1;
    size_t n = memory_series(set, ix, workload, pick, notes, "memory");
    fputs("# memory on workload ", tsv);
    put_key(tsv, workload);
    fputs(", bytes; NaN: not measured\n# backend\tpeak live (ideal)\tgranted at peak\t"
          "peak footprint\tpeak resident\twasted pages\n", tsv);
    double lo = 0, hi = 0;
    for (size_t i = 0; i < n; i++) {
        const cJSON *run = pb_plot_find_run(set, &ix->series[pick[i]], workload);
        put_key(tsv, ix->series[pick[i]].label);
        for (size_t c = 0; c < sizeof memory_columns / sizeof memory_columns[0]; c++) {
            double v = pb_json_number(run, memory_columns[c]);
            put_num(tsv, v);
            widen(v, &lo, &hi);
        }
        fputc('\n', tsv);
    }
    put_common_vars(vars, ix, workload, pick, n);
    put_unit_vars(vars, lo, hi);
    free(pick);
    return finish(tsv, vars, (int)n);
}

/* ---- timeline ----------------------------------------------------------------- */

static void sample_range(const cJSON *timeline, double *lo, double *hi)
{
    static const char *const keys[] = {"live_bytes", "footprint_bytes", "resident_bytes"};
    const cJSON *s;
    cJSON_ArrayForEach(s, timeline) {
        for (int k = 0; k < 3; k++)
            widen(pb_json_number(s, keys[k]), lo, hi);
    }
}

int pb_plot_write_timeline(const struct pb_results_set *set, const struct pb_plot_index *ix,
                           const char *workload, FILE *tsv, FILE *vars,
                           struct pb_plot_notes *notes)
{
    size_t *pick = calloc(ix->n_series ? ix->n_series : 1, sizeof *pick);
    if (!pick)
        return -1;
    size_t n_mem = memory_series(set, ix, workload, pick, NULL, NULL), n = 0;
    static const char *const cols[] = {"event", "live_bytes", "granted_bytes",
                                       "footprint_bytes", "resident_bytes", "occupied_bytes"};
    fputs("# timeline of workload ", tsv);
    put_key(tsv, workload);
    fputs(": one block per backend (two blank lines apart); bytes; NaN: not measured\n", tsv);
    double lo = 0, hi = 0;
    int rows = 0;
    for (size_t i = 0; i < n_mem; i++) {
        const struct pb_plot_series *s = &ix->series[pick[i]];
        const cJSON *tl = cJSON_GetObjectItemCaseSensitive(pb_plot_find_run(set, s, workload),
                                                           "timeline");
        if (cJSON_GetArraySize(tl) == 0) {
            pb_plot_note(notes, "%s on %s: empty timeline, left out", s->label, workload);
            continue;
        }
        fprintf(tsv, "%s# %s\n# event\tlive\tgranted\tfootprint\tresident\toccupied\n",
                n ? "\n\n" : "", s->label);
        const cJSON *smp;
        cJSON_ArrayForEach(smp, tl) {
            fprintf(tsv, "%.0f", pb_json_number(smp, cols[0]));
            for (int c = 1; c < 6; c++)
                put_num(tsv, pb_json_number(smp, cols[c]));
            fputc('\n', tsv);
            rows++;
        }
        sample_range(tl, &lo, &hi);
        pick[n++] = pick[i];
    }
    put_common_vars(vars, ix, workload, pick, n);
    put_unit_vars(vars, lo, hi);
    free(pick);
    return finish(tsv, vars, n ? rows : 0);
}

/* ---- fragmentation ------------------------------------------------------------ */

int pb_plot_write_fragmentation(const struct pb_results_set *set,
                                const struct pb_plot_index *ix, FILE *tsv, FILE *vars,
                                struct pb_plot_notes *notes)
{
    (void)notes; /* the memory chart already says which runs have no figures */
    size_t *pick = calloc(ix->n_series ? ix->n_series : 1, sizeof *pick);
    size_t *tmp = calloc(ix->n_series ? ix->n_series : 1, sizeof *tmp);
    if (!pick || !tmp) {
        free(pick);
        free(tmp);
        return -1;
    }
    size_t n = 0;
    for (size_t s = 0; s < ix->n_series; s++) { /* series with memory on any workload */
        int any = 0;
        for (size_t w = 0; w < ix->n_workloads && !any; w++) {
            size_t k = memory_series(set, ix, ix->workloads[w], tmp, NULL, NULL);
            for (size_t j = 0; j < k; j++)
                any |= tmp[j] == s;
        }
        if (any)
            pick[n++] = s;
    }
    free(tmp);
    fprintf(tsv, "# fragmentation, percent: internal = 1 - peak live / granted at peak; "
                 "Johnstone-Wilson = peak footprint / peak live - 1; NaN: not measured\n"
                 "# workload");
    for (size_t i = 0; i < n; i++)
        fprintf(tsv, "\t%s internal\tJohnstone-Wilson", ix->series[pick[i]].label);
    fputc('\n', tsv);
    size_t jw_pos = 0; /* Johnstone-Wilson figures above 0: what a log axis can draw */
    for (size_t w = 0; n && w < ix->n_workloads; w++) {
        put_key(tsv, ix->workloads[w]);
        for (size_t i = 0; i < n; i++) {
            const cJSON *run = pb_plot_find_run(set, &ix->series[pick[i]], ix->workloads[w]);
            const cJSON *m = run && pb_run_ok(run)
                                 ? cJSON_GetObjectItemCaseSensitive(run, "memory") : NULL;
            put_num(tsv, 100 * pb_json_number(m, "internal_fragmentation"));
            double jw = 100 * pb_json_number(m, "fragmentation");
            put_num(tsv, jw);
            jw_pos += jw > 0; /* NaN compares false */
        }
        fputc('\n', tsv);
    }
    put_common_vars(vars, ix, NULL, pick, n);
    fprintf(vars, "NW = %zu\njw_pos = %zu\n", ix->n_workloads, jw_pos);
    free(pick);
    return finish(tsv, vars, n ? (int)ix->n_workloads : 0);
}

/* ---- latency -------------------------------------------------------------------- */

/* Quantile i of a cdf_ns array of n, or NaN past its end. */
static double cdf_at(const cJSON *cdf, int i)
{
    const cJSON *v = cJSON_GetArrayItem(cdf, i);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* One block of the latency TSV; *na and *nf get the alloc and free quantiles. */
static void latency_block(FILE *tsv, const cJSON *lat, int *na_out, int *nf_out)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(lat, "alloc"), "cdf_ns");
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(lat, "free"), "cdf_ns");
    int na = cJSON_GetArraySize(a), nf = cJSON_GetArraySize(f);
    int n = na > nf ? na : nf;
    *na_out = na;
    *nf_out = nf;
    for (int i = 0; i < n; i++) {
        fprintf(tsv, "%d", i);
        put_num(tsv, i < na ? (double)(i + 1) / na : NAN);
        put_num(tsv, cdf_at(a, i));
        put_num(tsv, i < nf ? (double)(i + 1) / nf : NAN);
        put_num(tsv, cdf_at(f, i));
        fputc('\n', tsv);
    }
}

int pb_plot_write_latency(const struct pb_results_set *set, const struct pb_plot_index *ix,
                          const char *workload, FILE *tsv, FILE *vars,
                          struct pb_plot_notes *notes)
{
    (void)notes;
    size_t *pick = calloc(ix->n_series ? ix->n_series : 1, sizeof *pick);
    if (!pick)
        return -1;
    fputs("# latency CDF of workload ", tsv);
    put_key(tsv, workload);
    fputs(": one block per backend (two blank lines apart)\n", tsv);
    size_t n = 0;
    int rows = 0, n_alloc = 0, n_free = 0;
    for (size_t s = 0; s < ix->n_series; s++) {
        const cJSON *run = pb_plot_find_run(set, &ix->series[s], workload);
        const cJSON *lat = run && pb_run_ok(run)
                               ? cJSON_GetObjectItemCaseSensitive(run, "latency") : NULL;
        if (!cJSON_IsObject(lat))
            continue;
        fprintf(tsv, "%s# %s: alloc p50 %.1f p99 %.1f p99.9 %.1f max %.1f ns; free p50 %.1f "
                     "p99 %.1f p99.9 %.1f max %.1f ns\n"
                     "# i\talloc fraction\talloc ns\tfree fraction\tfree ns\n",
                n ? "\n\n" : "", ix->series[s].label, pb_json_number(lat, "alloc.p50_ns"),
                pb_json_number(lat, "alloc.p99_ns"), pb_json_number(lat, "alloc.p999_ns"),
                pb_json_number(lat, "alloc.max_ns"), pb_json_number(lat, "free.p50_ns"),
                pb_json_number(lat, "free.p99_ns"), pb_json_number(lat, "free.p999_ns"),
                pb_json_number(lat, "free.max_ns"));
        int na, nf;
        latency_block(tsv, lat, &na, &nf);
        rows += na > nf ? na : nf;
        n_alloc += na;
        n_free += nf;
        pick[n++] = s;
    }
    put_common_vars(vars, ix, workload, pick, n);
    /* a workload without frees (freed by resets only) has no free quantiles */
    fprintf(vars, "n_alloc = %d\nn_free = %d\n", n_alloc, n_free);
    free(pick);
    return finish(tsv, vars, n ? rows : 0);
}

/* ---- export ------------------------------------------------------------------------ */

typedef int (*chart_all_fn)(const struct pb_results_set *, const struct pb_plot_index *, FILE *,
                            FILE *, struct pb_plot_notes *);
typedef int (*chart_one_fn)(const struct pb_results_set *, const struct pb_plot_index *,
                            const char *, FILE *, FILE *, struct pb_plot_notes *);

static int add_chart(struct pb_plot_charts *c, const char *script, const char *name,
                     const char *caption)
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
    snprintf(ch->script, sizeof ch->script, "%s", script);
    snprintf(ch->name, sizeof ch->name, "%s", name);
    snprintf(ch->caption, sizeof ch->caption, "%s", caption);
    return 0;
}

/* Run one writer into NAME.tsv and NAME.vars; *rows gets its row count. */
static int export_one(const struct pb_results_set *set, const struct pb_plot_index *ix,
                      const char *dir, const char *name, chart_all_fn all, chart_one_fn one,
                      const char *workload, struct pb_plot_notes *notes, int *rows, char *err,
                      size_t errlen)
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
    *rows = all ? all(set, ix, tsv.f, vars.f, notes) : one(set, ix, workload, tsv.f, vars.f, notes);
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
    const char *caption; /* %s: the workload */
} per_workload[] = {
    {"memory", pb_plot_write_memory,
     "Memory on %s: peak live bytes (the ideal) against granted, footprint, resident and "
     "wasted page bytes, per backend."},
    {"timeline", pb_plot_write_timeline,
     "Timeline of %s: live bytes against each backend's resident and footprint bytes, "
     "event by event."},
    {"latency", pb_plot_write_latency,
     "Latency CDF on %s: the share of single allocs and frees faster than x ns, per backend."},
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
            char name[160], caption[512];
            snprintf(name, sizeof name, "%s-%s", per_workload[k].kind, bases[w]);
            rc = export_one(set, ix, dir, name, NULL, per_workload[k].fn, ix->workloads[w],
                            notes, &rows, err, errlen);
            snprintf(caption, sizeof caption, per_workload[k].caption, ix->workloads[w]);
            if (!rc && rows > 0)
                rc = add_chart(out, per_workload[k].kind, name, caption);
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
    rc = export_one(set, &ix, dir, "throughput", pb_plot_write_throughput, NULL, NULL, notes,
                    &rows, err, errlen);
    if (!rc && rows > 0)
        rc = add_chart(out, "throughput", "throughput",
                       "Time per operation per backend and workload: median ns/op with "
                       "whiskers for its spread (~: noisy), the cold first replay beside it; "
                       "below, net of the null backend, never negative (~0: within noise, "
                       "<0: below harness cost, not drawn).");
    if (!rc)
        rc = export_workloads(set, &ix, dir, out, notes, err, errlen);
    if (!rc)
        rc = export_one(set, &ix, dir, "fragmentation", pb_plot_write_fragmentation, NULL, NULL,
                        notes, &rows, err, errlen);
    if (!rc && rows > 0)
        rc = add_chart(out, "fragmentation", "fragmentation",
                       "Fragmentation per backend and workload: internal (1 - live/granted) "
                       "and Johnstone-Wilson (footprint/live - 1).");
    pb_plot_index_free(&ix);
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
