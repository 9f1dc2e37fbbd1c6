/*
 * advise_measured.c -- `advise --sites TRACE --measured RESULTS`: the forms
 * advise printed, looked up in a results file of the run command it printed,
 * and their measured savings against malloc set beside the predicted ones.
 *
 * A run counts when it is ok, its workload's sha256 is the trace's (so a
 * renamed or moved trace still matches, an edited one does not) and its
 * backend_spec is the form's. Saving = malloc's median ns/op minus the
 * form's; the error is measured minus predicted. Two intervals that overlap
 * make the saving noise, and it is said so.
 */
#include "advise_measured.h"
#include "results_fields.h"

#include "pb_text.h"
#include "results_read.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The first ok run of spec on the workload with this sha256, or NULL. */
static const cJSON *find_run(const cJSON *runs, const char *spec, const char *sha)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, runs) {
        const cJSON *s = pb_json_at(r, PB_F_BACKEND_SPEC);
        const cJSON *h = pb_res_at(r, PB_RP_WORKLOAD_SHA256);
        if (pb_run_ok(r) && cJSON_IsString(s) && cJSON_IsString(h) &&
            strcmp(s->valuestring, spec) == 0 && strcmp(h->valuestring, sha) == 0)
            return r;
    }
    return NULL;
}

static void take(const cJSON *run, struct pb_form_measured *f)
{
    f->found = run != NULL;
    f->ns = run ? pb_res_num(run, PB_RP_TIME_NS_PER_OP_MEDIAN) : NAN;
    f->lo = run ? pb_res_num(run, PB_RP_TIME_NS_PER_OP_CI_LOW) : NAN;
    f->hi = run ? pb_res_num(run, PB_RP_TIME_NS_PER_OP_CI_HIGH) : NAN;
    f->resident = run ? pb_res_num(run, PB_RP_MEMORY_PEAK_RESIDENT_BYTES) : NAN;
}

int pb_sites_measured_read(const char *path, const char *sha256, struct pb_sites_measured *m,
                           char *err, size_t errlen)
{
    if (!sha256[0]) {
        snprintf(err, errlen, "--measured: the trace has no sha256 to match runs by");
        return -1;
    }
    struct pb_results_file rf;
    char why[512];
    if (pb_results_read(path, &rf, why, sizeof why)) {
        snprintf(err, errlen, "--measured: %s", why);
        return -1;
    }
    snprintf(m->results, sizeof m->results, "%s", path);
    take(find_run(rf.runs, "malloc", sha256), &m->malloc);
    m->malloc.spec = "malloc";
    for (size_t i = 0; i < m->n; i++)
        take(find_run(rf.runs, m->f[i].spec, sha256), &m->f[i]);
    pb_results_file_free(&rf);
    if (!m->malloc.found) {
        snprintf(err, errlen, "--measured: %.200s has no ok malloc run of this trace (run the "
                 "command advise prints, with -o FILE)", path);
        return -1;
    }
    return 0;
}

int pb_form_overlaps_malloc(const struct pb_sites_measured *m, const struct pb_form_measured *f)
{
    return !(f->hi < m->malloc.lo || f->lo > m->malloc.hi);
}

void pb_sites_measured_print(FILE *out, const struct pb_sites_measured *m)
{
    fputc('\n', out);
    pb_text_line(out, "measured (%s, median ns/op and 95 %% interval):", m->results);
    fprintf(out, "  malloc: %.2f (%.2f-%.2f), peak resident %.0f bytes\n", m->malloc.ns,
            m->malloc.lo, m->malloc.hi, m->malloc.resident);
    for (size_t i = 0; i < m->n; i++) {
        const struct pb_form_measured *f = &m->f[i];
        if (!f->found) {
            pb_text_line(out, "  %s: no ok run of it on this trace", f->spec);
            continue;
        }
        double save = m->malloc.ns - f->ns;
        pb_text_line(out, "  %s: %.2f (%.2f-%.2f), peak resident %.0f bytes", f->spec, f->ns,
                     f->lo, f->hi, f->resident);
        if (isnan(f->predicted))
            fprintf(out, "    saves %.2f ns/op against malloc%s\n", save,
                    pb_form_overlaps_malloc(m, f) ? " (within noise: the intervals overlap)"
                                                  : "");
        else
            fprintf(out, "    saves %.2f ns/op against malloc, predicted %.2f: error %+.2f%s\n",
                    save, f->predicted, save - f->predicted,
                    pb_form_overlaps_malloc(m, f) ? " (within noise: the intervals overlap)"
                                                  : "");
    }
}

static void add_num(cJSON *o, const char *key, double v)
{
    if (isnan(v))
        cJSON_AddNullToObject(o, key);
    else
        cJSON_AddNumberToObject(o, key, v);
}

static cJSON *form_json(const struct pb_sites_measured *m, const struct pb_form_measured *f)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, PB_F_BACKEND_SPEC, f->spec);
    cJSON_AddBoolToObject(o, "found", f->found);
    add_num(o, PB_F_NS_PER_OP, f->ns);
    add_num(o, PB_F_CI_LOW, f->lo);
    add_num(o, PB_F_CI_HIGH, f->hi);
    add_num(o, PB_F_PEAK_RESIDENT_BYTES, f->resident);
    double save = f->found ? m->malloc.ns - f->ns : NAN;
    add_num(o, "predicted_save_ns_per_op", f->predicted);
    add_num(o, "measured_save_ns_per_op", save);
    add_num(o, "error_ns_per_op", save - f->predicted);
    if (f->found)
        cJSON_AddBoolToObject(o, PB_F_WITHIN_NOISE, pb_form_overlaps_malloc(m, f));
    else
        cJSON_AddNullToObject(o, PB_F_WITHIN_NOISE);
    return o;
}

cJSON *pb_sites_measured_json(const struct pb_sites_measured *m)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "results", m->results);
    cJSON *mal = cJSON_AddObjectToObject(o, "malloc");
    if (mal) {
        add_num(mal, PB_F_NS_PER_OP, m->malloc.ns);
        add_num(mal, PB_F_CI_LOW, m->malloc.lo);
        add_num(mal, PB_F_CI_HIGH, m->malloc.hi);
        add_num(mal, PB_F_PEAK_RESIDENT_BYTES, m->malloc.resident);
    }
    cJSON *arr = cJSON_AddArrayToObject(o, "forms");
    for (size_t i = 0; arr && i < m->n; i++)
        cJSON_AddItemToArray(arr, form_json(m, &m->f[i]));
    return o;
}
