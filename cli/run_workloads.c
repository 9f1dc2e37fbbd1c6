/*
 * run_workloads.c -- the workloads of `poolbench run`: the traces given (or
 * the shipped ones), the generator specs and job files, checked before
 * anything runs. A synthetic workload is checked (values, and its estimated
 * size against --max-events and --max-live-bytes) up front but generated only
 * when it is prepared; a prepared workload lives on as its .pbt file, which
 * every measuring process maps, so the runner holds one workload's events at
 * a time.
 */
#include "run.h"
#include "pb_paths.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "child_run.h"
#include "pb_build_info.h"
#include "pb_text.h"
#include "pb_workload_json.h"

/* Append a loaded workload (job NULL) or a job to generate later (w NULL). */
static int add_workload(struct workload_list *l, struct pb_workload *w, struct pb_gen_job *job)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        struct pb_workload *nw = realloc(l->w, cap * sizeof *nw);
        if (nw)
            l->w = nw;
        struct pb_gen_job *nj = nw ? realloc(l->jobs, cap * sizeof *nj) : NULL;
        if (nj)
            l->jobs = nj;
        int *nf = nj ? realloc(l->fd, cap * sizeof *nf) : NULL;
        if (nf)
            l->fd = nf;
        cJSON **ns = nf ? realloc(l->json, cap * sizeof *ns) : NULL;
        if (!ns)
            return -1;
        l->json = ns;
        l->cap = cap;
    }
    static const struct pb_gen_job none;
    static const struct pb_workload empty;
    l->w[l->n] = w ? *w : empty;
    l->fd[l->n] = -1;
    l->json[l->n] = NULL;
    l->jobs[l->n++] = job ? *job : none;
    return 0;
}

void run_free_workloads(struct workload_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        pb_workload_free(&l->w[i]);
        if (l->fd[i] >= 0)
            close(l->fd[i]);
        cJSON_Delete(l->json[i]);
        free(l->jobs[i].params);
        free(l->jobs[i].name);
    }
    free(l->w);
    free(l->jobs);
    free(l->fd);
    free(l->json);
    for (size_t i = 0; i < l->n_found; i++)
        free(l->found_traces[i]);
    free(l->found_traces);
}

/* Check spec's workloads (values and estimated sizes) and list them, to be generated later. */
static int add_spec(struct workload_list *l, const char *spec, const struct run_opts *o)
{
    struct pb_gen_job *jobs = NULL;
    size_t n = 0;
    char err[512];
    if (pb_workload_spec_prepare(spec, o->has_seed ? &o->seed : NULL, &o->limits, &jobs, &n, err,
                                 sizeof err)) {
        pb_text_line(stderr, "poolbench run: --workload %s: %s", spec, err);
        return -1;
    }
    size_t i = 0;
    while (i < n && add_workload(l, NULL, &jobs[i]) == 0)
        i++;
    for (size_t k = i; k < n; k++) {
        free(jobs[k].params);
        free(jobs[k].name);
    }
    free(jobs); /* the strings of jobs[0..i) now belong to l */
    return i < n ? -1 : 0;
}

static int add_trace(struct workload_list *l, const char *path)
{
    struct pb_workload w;
    struct pb_diag diag;
    memset(&w, 0, sizeof w);
    memset(&diag, 0, sizeof diag);
    if (pb_workload_load(path, &w, &diag)) {
        pb_diag_print(&diag, stderr);
        if (diag.count == 0)
            pb_text_line(stderr, "%s: cannot load this trace", path);
        return -1;
    }
    if (add_workload(l, &w, NULL)) {
        pb_workload_free(&w);
        return -1;
    }
    return 0;
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The shipped traces: next to the sources of this build, beside the
 * executable (build directory inside the tree), or installed. */
static void find_shipped_dir(char *out, size_t len)
{
    out[0] = '\0';
    char beside[PATH_MAX] = "", installed[PATH_MAX] = "";
    if (pb_exe_relative("../workloads/traces", beside, sizeof beside))
        beside[0] = '\0';
    if (pb_exe_relative("../share/poolbench/traces", installed, sizeof installed))
        installed[0] = '\0';
    const char *candidates[] = {PB_SOURCE_DIR "/workloads/traces", beside, installed,
                                PB_DATADIR "/traces"};
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
        if (candidates[i][0] && is_dir(candidates[i])) {
            snprintf(out, len, "%s", candidates[i]);
            return;
        }
    }
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int add_shipped_traces(struct workload_list *l)
{
    char dir[PATH_MAX + 64];
    find_shipped_dir(dir, sizeof dir);
    DIR *d = dir[0] ? opendir(dir) : NULL;
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!has_suffix(e->d_name, ".trace.gz"))
            continue;
        char **found = realloc(l->found_traces, (l->n_found + 1) * sizeof *found);
        if (!found)
            break;
        l->found_traces = found;
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        if (!(found[l->n_found] = malloc(len)))
            break;
        snprintf(found[l->n_found++], len, "%s/%s", dir, e->d_name);
    }
    closedir(d);
    qsort(l->found_traces, l->n_found, sizeof *l->found_traces, by_name);
    for (size_t i = 0; i < l->n_found; i++)
        if (add_trace(l, l->found_traces[i]))
            return -1;
    return 0;
}

int run_load_workloads(const struct run_opts *o, struct workload_list *l)
{
    int bad = 0;
    for (size_t i = 0; i < o->n_specs; i++)
        bad |= add_spec(l, o->specs[i], o) != 0;
    for (size_t i = 0; i < o->n_traces; i++)
        bad |= add_trace(l, o->traces[i]) != 0;
    if (bad)
        return -1;
    if (o->n_specs == 0 && o->n_traces == 0) {
        for (size_t i = 0; i < run_n_default_specs; i++)
            if (add_spec(l, run_default_specs[i], o))
                return -1;
        if (add_shipped_traces(l))
            return -1;
    }
    if (l->n == 0) {
        pb_text_line(stderr, "poolbench run: no workloads");
        return -1;
    }
    return 0;
}

/* Generate workload wi when it is a job (checked and estimated already, so
 * only running out of memory fails here): 0, or -1 with the message printed. */
static int generate(struct workload_list *l, size_t wi)
{
    char err[512];
    if (!l->jobs[wi].params || pb_gen_job_build(&l->jobs[wi], &l->w[wi], err, sizeof err) == 0)
        return 0;
    pb_text_line(stderr, "poolbench run: --workload %s", err);
    return -1;
}

int run_prepare_workload(struct workload_list *l, size_t wi)
{
    if (generate(l, wi))
        return -1;
    char err[512];
    struct pb_workload *w = &l->w[wi];
    l->json[wi] = pb_workload_to_json(w);
    l->fd[wi] = pb_child_workload_file(w, err, sizeof err);
    if (l->fd[wi] < 0 || !l->json[wi]) {
        pb_text_line(stderr, "poolbench run: %s: %s", w->name, l->json[wi] ? err : "out of memory");
        return -1;
    }
    /* the measuring processes map the file: keep only what names the workload */
    char *path = w->path;
    int hmem = w->hmem; /* path was taken from pb_hmem or malloc: freed the same way */
    char name[sizeof w->name];
    snprintf(name, sizeof name, "%s", w->name);
    w->path = NULL;
    pb_workload_free(w);
    memset(w, 0, sizeof *w);
    snprintf(w->name, sizeof w->name, "%s", name);
    w->path = path;
    w->hmem = hmem;
    return 0;
}
