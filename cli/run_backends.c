/*
 * run_backends.c -- the backends of `poolbench run`: parsed from the --backend
 * specs (run_opts.c splits each list) or the defaults, each created once so a
 * bad option value is found before anything runs, with its config read for
 * the results. The baseline backend
 * (PB_BK_BASELINE: null, the harness's own cost) goes first, as given or
 * with its defaults.
 */
#include "run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pb_text.h"

/* Create each backend once: its options are checked and its config read. */
static int prepare_backend(struct backend_slot *b)
{
    const struct pb_backend_ops *ops = b->spec.ops;
    char err[PB_ERR_MAX] = "";
    if (ops->available && ops->available(err, sizeof err)) {
        pb_text_line(stderr, "poolbench run: backend '%s' is unavailable: %s", ops->name, err);
        return -1;
    }
    void *self = NULL;
    if (ops->create(b->spec.opts, b->spec.n_opts, &self, err, sizeof err)) {
        pb_text_line(stderr, "poolbench run: --backend %s: %s", b->spec.text, err);
        return -1;
    }
    b->n_cfg = ops->config(self, b->cfg, RUN_MAX_CFG);
    ops->destroy(self);
    return 0;
}

/* Parse text into b (its opts point into b's own buffer) and prepare it. */
static int add_backend(struct backend_slot *b, const char *text)
{
    char err[512];
    if (pb_backend_spec_parse(text, &b->spec, err, sizeof err)) {
        pb_text_line(stderr, "poolbench run: --backend: %s (see poolbench list)", err);
        return -1;
    }
    return prepare_backend(b);
}

/* The registered baseline backend's name; NULL (printed) when there is none. */
static const char *baseline_name(void)
{
    for (size_t i = 0; pb_backends[i]; i++)
        if (pb_backends[i]->flags & PB_BK_BASELINE)
            return pb_backends[i]->name;
    pb_text_line(stderr, "poolbench run: no baseline backend is registered");
    return NULL;
}

/* Parse the --backend specs (or the defaults) into specs[0..max): the count,
 * or -1 printed. */
static int parse_backends(const struct run_opts *o, struct pb_backend_spec *specs, size_t max)
{
    char err[512];
    if (o->n_backends == 0) {
        int got = pb_backend_spec_parse_list(run_default_backends, specs, max, err, sizeof err);
        if (got < 0)
            pb_text_line(stderr, "poolbench run: default backends: %s", err);
        return got;
    }
    if (o->n_backends > max) {
        pb_text_line(stderr, "poolbench run: --backend: too many backends (at most %zu)", max);
        return -1;
    }
    for (size_t i = 0; i < o->n_backends; i++) {
        if (pb_backend_spec_parse(o->backends[i], &specs[i], err, sizeof err)) {
            pb_text_line(stderr, "poolbench run: --backend: %s (see poolbench list)", err);
            return -1;
        }
    }
    return (int)o->n_backends;
}

int run_prepare_backends(const struct run_opts *o, struct backend_slot *b, size_t *n)
{
    struct pb_backend_spec *specs = calloc(RUN_MAX_BACKENDS - 1, sizeof *specs);
    if (!specs)
        return -1;
    int got = parse_backends(o, specs, RUN_MAX_BACKENDS - 1);
    if (got < 0) {
        free(specs);
        return -1;
    }
    const char *texts[RUN_MAX_BACKENDS];
    for (int i = 0; i < got; i++)
        texts[i] = specs[i].text;
    if (run_check_listed_once("--backend", texts, (size_t)got)) {
        free(specs);
        return -1;
    }
    /* the baseline goes first, as given or with its defaults */
    int null_at = -1;
    for (int i = 0; i < got && null_at < 0; i++)
        if (specs[i].ops->flags & PB_BK_BASELINE)
            null_at = i;
    *n = 0;
    const char *baseline = baseline_name();
    int rc = baseline ? add_backend(&b[(*n)++], null_at >= 0 ? specs[null_at].text : baseline)
                      : -1;
    for (int i = 0; i < got && rc == 0; i++)
        if (i != null_at)
            rc = add_backend(&b[(*n)++], specs[i].text);
    free(specs);
    return rc;
}
