/*
 * compare_settings.c -- the settings that change figures and differ between
 * two results files: options of `poolbench run`, the build, the machine, a
 * backend's configuration, a workload's parameters. Reported, never refused:
 * the reader decides whether the comparison still means something.
 */
#include "compare.h"
#include "results_fields.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Top-level settings, as "object.field" under the document. */
static const enum pb_res_path file_settings[] = {
    PB_RP_CONFIG_ROUNDS,    PB_RP_CONFIG_REPEAT,       PB_RP_CONFIG_WARMUP,
    PB_RP_CONFIG_TOUCH,     PB_RP_CONFIG_CPU,          PB_RP_CONFIG_SAMPLE_EVERY,
    PB_RP_CONFIG_THREADS,   PB_RP_CONFIG_CROSS_FREE,   PB_RP_TOOL_BUILD_TYPE,
    PB_RP_TOOL_GIT,         PB_RP_TOOL_COMPILER,       PB_RP_TOOL_CFLAGS,
    PB_RP_MACHINE_CPU,      PB_RP_MACHINE_CORES,       PB_RP_MACHINE_KERNEL,
    PB_RP_MACHINE_LIBC,
};

/* One scalar as text into buf; "?" for an object or nested array. */
static void scalar_text(const cJSON *v, char *buf, size_t len)
{
    if (cJSON_IsString(v))
        snprintf(buf, len, "%s", v->valuestring);
    else if (cJSON_IsNumber(v))
        snprintf(buf, len, "%.15g", v->valuedouble);
    else if (cJSON_IsBool(v))
        snprintf(buf, len, "%s", cJSON_IsTrue(v) ? "true" : "false");
    else if (cJSON_IsNull(v))
        snprintf(buf, len, "null");
    else
        snprintf(buf, len, "?");
}

/* A value as text into buf (cut to fit): scalars as they are, an array's
 * elements joined by ',', "(not recorded)" when v is NULL. Returns buf. */
static const char *value_text(const cJSON *v, char *buf, size_t len)
{
    if (!v) {
        snprintf(buf, len, "(not recorded)");
    } else if (cJSON_IsArray(v)) {
        size_t used = 0;
        const cJSON *x;
        buf[0] = '\0';
        cJSON_ArrayForEach(x, v) {
            char one[64];
            scalar_text(x, one, sizeof one);
            if (used < len)
                used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? "," : "", one);
        }
    } else {
        scalar_text(v, buf, len);
    }
    return buf;
}

/* Append (what, base, new) unless the same entry is there. 0 ok, -1 on OOM. */
static int add_setting(struct pb_compare_report *r, const char *what, const char *base,
                       const char *new_value)
{
    struct pb_compare_setting s;
    snprintf(s.what, sizeof s.what, "%s", what);
    snprintf(s.base, sizeof s.base, "%s", base);
    snprintf(s.new_value, sizeof s.new_value, "%s", new_value);
    for (size_t i = 0; i < r->n_settings; i++) {
        const struct pb_compare_setting *o = &r->settings[i];
        if (!strcmp(o->what, s.what) && !strcmp(o->base, s.base) &&
            !strcmp(o->new_value, s.new_value))
            return 0;
    }
    if (r->n_settings == r->cap_settings) {
        size_t cap = r->cap_settings ? r->cap_settings * 2 : 16;
        struct pb_compare_setting *v = realloc(r->settings, cap * sizeof *v);
        if (!v)
            return -1;
        r->settings = v;
        r->cap_settings = cap;
    }
    r->settings[r->n_settings++] = s;
    return 0;
}

/* Compare the values a and b (either may be NULL) and add what when they differ. */
static int check_value(struct pb_compare_report *r, const char *what, const cJSON *a,
                       const cJSON *b)
{
    char ta[PB_LABEL_MAX], tb[PB_LABEL_MAX];
    value_text(a, ta, sizeof ta);
    value_text(b, tb, sizeof tb);
    return strcmp(ta, tb) == 0 ? 0 : add_setting(r, what, ta, tb);
}

/* Every key of backend_config that differs between runs a and b (same label). */
static int check_backend_config(struct pb_compare_report *r, const cJSON *a, const cJSON *b)
{
    const cJSON *ca = pb_res_get(a, PB_F_BACKEND_CONFIG);
    const cJSON *cb = pb_res_get(b, PB_F_BACKEND_CONFIG);
    char label[PB_LABEL_MAX], what[PB_LABEL_MAX + 64];
    pb_run_backend_label(a, label, sizeof label);
    const cJSON *it;
    cJSON_ArrayForEach(it, ca) {
        snprintf(what, sizeof what, "backend_config of %s: %s", label, it->string);
        if (check_value(r, what, it, cJSON_GetObjectItemCaseSensitive(cb, it->string)))
            return -1;
    }
    cJSON_ArrayForEach(it, cb) {
        snprintf(what, sizeof what, "backend_config of %s: %s", label, it->string);
        if (!cJSON_GetObjectItemCaseSensitive(ca, it->string) && check_value(r, what, NULL, it))
            return -1;
    }
    return 0;
}

/* For a run of base with no match: the runs of new_file with its label and
 * workload ran the same backend another way. */
static int check_unmatched(struct pb_compare_report *r, const cJSON *run,
                           const struct pb_results_file *new_file)
{
    char la[PB_LABEL_MAX], lb[PB_LABEL_MAX];
    pb_run_backend_label(run, la, sizeof la);
    const cJSON *o;
    cJSON_ArrayForEach(o, new_file->runs) {
        if (strcmp(pb_run_workload_name(o), pb_run_workload_name(run)) == 0 &&
            strcmp(pb_run_backend_label(o, lb, sizeof lb), la) == 0 &&
            check_backend_config(r, run, o))
            return -1;
    }
    return 0;
}

/* A paired workload's params and sha256: the same name, other events. */
static int check_workload(struct pb_compare_report *r, const cJSON *a, const cJSON *b)
{
    static const char *const fields[] = {PB_F_PARAMS, PB_F_SHA256};
    const cJSON *wa = pb_res_get(a, PB_F_WORKLOAD);
    const cJSON *wb = pb_res_get(b, PB_F_WORKLOAD);
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        char what[PB_LABEL_MAX + 64];
        snprintf(what, sizeof what, "workload %s: %s", pb_run_workload_name(a), fields[i]);
        if (check_value(r, what, cJSON_GetObjectItemCaseSensitive(wa, fields[i]),
                        cJSON_GetObjectItemCaseSensitive(wb, fields[i])))
            return -1;
    }
    return 0;
}

int pb_compare_settings(const struct pb_results_file *base, const struct pb_results_file *new_file,
                        struct pb_compare_report *out)
{
    for (size_t i = 0; i < sizeof file_settings / sizeof file_settings[0]; i++)
        if (check_value(out, pb_res_path_text(file_settings[i]),
                        pb_res_at(base->doc, file_settings[i]),
                        pb_res_at(new_file->doc, file_settings[i])))
            return -1;
    const cJSON *run;
    cJSON_ArrayForEach(run, base->runs) {
        const cJSON *other = pb_compare_match(new_file, run);
        if (other ? check_workload(out, run, other) : check_unmatched(out, run, new_file))
            return -1;
    }
    return 0;
}
