/*
 * plot_write.c -- the writing helpers of the chart writers (plot_write.h):
 * TSV cells and keys, gnuplot strings and variables, figures read from runs.
 */
#include "plot_write.h"
#include "results_fields.h"
#include "pb_stats.h"
#include "pb_text.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void pb_plot_put_num(FILE *f, double v)
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
void pb_plot_put_key(FILE *f, const char *raw)
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
void pb_plot_put_gp_string(FILE *f, const char *s)
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

void pb_plot_put_gp_var(FILE *f, const char *name, const char *value)
{
    fprintf(f, "%s = ", name);
    pb_plot_put_gp_string(f, value);
    fputc('\n', f);
}

/* The backend colours, PB_PLOT_COLOURS of them, told apart on white and by
 * most colour-blind readers: the Okabe-Ito colours without yellow (too pale
 * for a line) and black (the live bytes' and whiskers' colour), then darker
 * ones of Paul Tol's qualitative schemes and a brown. */
static const char *const palette[PB_PLOT_COLOURS] = {
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7",
    "#332288", "#999933", "#882255", "#117733", "#777777", "#8C510A",
};

/* array palette[...]: the scripts' linetypes 1..PB_PLOT_COLOURS, so that
 * the colour[] of a series picks one of them. */
void pb_plot_put_palette(FILE *vars)
{
    fprintf(vars, "array palette[%d] = [", PB_PLOT_COLOURS);
    for (int i = 0; i < PB_PLOT_COLOURS; i++)
        fprintf(vars, "%s'%s'", i ? ", " : "", palette[i]);
    fputs("]\n", vars);
}

/* The variables every chart has: the series drawn are ix->series[pick[i]]
 * (pick NULL: all of them), with their legend titles; colour[] numbers their
 * backend and fileno[] their file (from 1), so a backend keeps its colour in
 * every chart and its files differ by shade or dash; lt[] numbers each series
 * in the whole set, for charts that give every series a colour of its own. */
void pb_plot_put_common_vars(FILE *vars, const struct pb_plot_index *ix, const char *workload,
                             const size_t *pick, size_t n)
{
    char shown[1024];
    fprintf(vars, "# gnuplot variables for the data file of the same name (poolbench plot)\n");
    pb_plot_put_gp_var(vars, "machine", ix->machine);
    pb_plot_put_gp_var(vars, "workload",
                       workload ? pb_text_safe(workload, shown, sizeof shown) : "all workloads");
    pb_plot_put_palette(vars);
    fprintf(vars, "NS = %zu\n", n);
    fprintf(vars, "array series[%zu] = [", n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputs(", ", vars);
        pb_plot_put_gp_string(vars, ix->series[pick ? pick[i] : i].label);
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

const char *pb_plot_ratio(double r, char *buf, size_t len)
{
    snprintf(buf, len, r >= 100 ? "%.0fx" : "%.3gx", r);
    return buf;
}

void pb_plot_put_scale_vars(FILE *vars, double all_lo, double all_hi, double lo, double hi,
                            const char *charts)
{
    double scale;
    const char *unit = pb_plot_unit(all_hi, &scale);
    double span = all_lo > 0 ? all_hi / all_lo : 1;
    int logy = span > PB_PLOT_LOG_SPAN;
    char line[PB_PLOT_NOTE_LEN];
    pb_plot_put_gp_var(vars, "unit", unit);
    fprintf(vars, "scale = %.17g\n", scale);
    fprintf(vars, "logy = %d\n", logy);
    fprintf(vars, "ymin = %.17g\nymax = %.17g\n", lo > 0 ? lo : 1, hi > 0 ? hi : 1);
    char ratio[32];
    pb_plot_ratio(span, ratio, sizeof ratio);
    if (logy)
        snprintf(line, sizeof line, "log axis on %s: the figures of all workloads span %s "
                 "(over %dx)", charts, ratio, PB_PLOT_LOG_SPAN);
    else
        snprintf(line, sizeof line, "linear axis in %s on %s: the figures of all workloads "
                 "span %s (at most %dx)", unit, charts, ratio, PB_PLOT_LOG_SPAN);
    pb_plot_put_gp_var(vars, "scale_note", line);
}

/* Track the range of byte values: smallest above 0 and largest. */
void pb_plot_widen(double v, double *lo, double *hi)
{
    if (isnan(v))
        return;
    if (v > 0 && (*lo == 0 || v < *lo))
        *lo = v;
    if (v > *hi)
        *hi = v;
}

int pb_plot_finish(FILE *tsv, FILE *vars, int rows)
{
    return ferror(tsv) || ferror(vars) ? -1 : rows;
}

/* The run's first note, or a fallback, to say why a figure is missing. */
const char *pb_plot_first_note(const cJSON *run, const char *fallback)
{
    const cJSON *n = cJSON_GetArrayItem(pb_res_get(run, PB_F_NOTES), 0);
    return cJSON_IsString(n) ? n->valuestring : fallback;
}

const char *pb_plot_run_error(const cJSON *run)
{
    const cJSON *e = pb_res_get(run, PB_F_ERROR);
    return cJSON_IsString(e) ? e->valuestring : "no reason given";
}

const char *pb_plot_run_status(const cJSON *run, char *buf, size_t len)
{
    const cJSON *s = pb_res_get(run, PB_F_STATUS);
    pb_text_safe(cJSON_IsString(s) ? s->valuestring : "no status", buf, len);
    if (len && !*buf)
        snprintf(buf, len, "empty status");
    return buf;
}

/* Whether a run has any of the byte figures charted from memory. */
int pb_plot_has_memory(const cJSON *run)
{
    const cJSON *m = pb_res_get(run, PB_F_MEMORY);
    return !isnan(pb_json_number(m, PB_F_GRANTED_BYTES_AT_PEAK)) ||
           !isnan(pb_json_number(m, PB_F_PEAK_FOOTPRINT_BYTES)) ||
           !isnan(pb_json_number(m, PB_F_PEAK_RESIDENT_BYTES));
}

/* A number of a results file as a chart may draw it: NaN when missing, null
 * or not finite (1e999 reads as infinity). */
double pb_plot_finite_num(const cJSON *obj, const char *dotted)
{
    double v = pb_json_number(obj, dotted);
    return isfinite(v) ? v : NAN;
}

double pb_plot_finite_at(const cJSON *obj, enum pb_res_path p)
{
    return pb_plot_finite_num(obj, pb_res_path_text(p));
}

/* Files from before the rounds have min..max and no interval. */
struct pb_plot_fig pb_plot_fig_of(const cJSON *dist, double mid)
{
    struct pb_plot_fig f = {NAN, NAN, NAN, NAN, 0};
    if (isnan(mid))
        return f;
    f.mid = mid;
    double lo = pb_plot_finite_num(dist, PB_F_CI_LOW), hi = pb_plot_finite_num(dist, PB_F_CI_HIGH);
    f.has_ci = !isnan(lo) && !isnan(hi);
    if (!f.has_ci) {
        lo = pb_plot_finite_num(dist, PB_F_MIN);
        hi = pb_plot_finite_num(dist, PB_F_MAX);
    }
    int spread = !isnan(lo) && !isnan(hi) && lo <= hi;
    const cJSON *flag = pb_res_get(dist, PB_F_NOISY);
    f.noisy = cJSON_IsBool(flag) ? cJSON_IsTrue(flag)
                                 : spread && hi - lo > PB_NOISY_REL * fabs(mid);
    if (spread && hi >= 0) {
        f.lo = lo > 0 ? lo : 0;
        f.hi = hi;
    }
    f.has_ci &= spread;
    return f;
}
