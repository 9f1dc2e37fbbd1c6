/*
 * cmd_run.c -- `poolbench run`: replays every workload against every backend
 * (and always against the baseline, null: the harness's own cost), each
 * measurement in a fresh process, and writes one results document.
 *
 * Order of work: parse the options (run_opts.c), load and check every
 * workload (run_workloads.c), create every backend once (run_backends.c: bad
 * option values are found here), check the output can be written, and only
 * then run anything (run_rounds.c); a bad input therefore writes nothing and
 * exits 2.
 */
#include "pb_cli.h"
#include "results_fields.h"
#include "pb_signals.h"
#include "run.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pb_outfile.h"
#include "pb_text.h"
#include "results.h"
#include "summary.h"
#include "verdict.h"

/* Before any run: can the results be written where they will go? (A failure
 * at the end would throw the runs away.) 0 ok; -1, printed. */
static int check_output(const struct run_opts *o)
{
    if (!o->output && mkdir("results", 0777) && errno != EEXIST) {
        pb_text_line(stderr, "poolbench run: cannot create results/: %s", strerror(errno));
        return -1;
    }
    char err[PATH_MAX + 256];
    if (pb_outfile_check(o->output ? o->output : "results/latest.json", err, sizeof err) == 0)
        return 0;
    pb_text_line(stderr, "poolbench run: %s", err);
    return -1;
}

int pb_cmd_run(int argc, char **argv)
{
    struct run_opts o;
    int rc = run_parse_opts(argc, argv, &o);
    if (rc)
        return rc > 0 ? PB_EXIT_OK : PB_EXIT_USAGE;
    struct workload_list l = {0};
    struct backend_slot *b = calloc(RUN_MAX_BACKENDS, sizeof *b);
    size_t nb = 0;
    int status = PB_EXIT_USAGE;
    if (!b || run_prepare_backends(&o, b, &nb) || run_load_workloads(&o, &l) ||
        check_output(&o))
        goto out;
    cJSON *doc = pb_results_new(run_config_json(&o, b, nb, &l, argc, argv));
    if (!doc)
        goto out;
    /* SIGINT, SIGTERM, SIGHUP from here on: the running child is killed and
     * reaped, and the runs finished so far are written; a further signal
     * while they are written is only recorded, so the file is committed */
    pb_signals_catch(1);
    size_t failed = run_measure(&o, b, nb, &l, doc);
    int interrupted = pb_signals_caught() != 0;
    if (interrupted)
        cJSON_ReplaceItemInObjectCaseSensitive(doc, PB_F_INTERRUPTED, cJSON_CreateBool(1));
    char err[512] = "";
    int wrote = o.output ? pb_results_write(doc, o.output, err, sizeof err)
                         : pb_results_write_default(doc, "run", "latest.json", err, sizeof err);
    if (wrote) {
        pb_text_line(stderr, "poolbench run: %s", err);
        status = PB_EXIT_FAIL;
    } else {
        status = failed || interrupted ? PB_EXIT_FAIL : PB_EXIT_OK;
        if (!o.quiet && !(o.output && strcmp(o.output, "-") == 0))
        {
            pb_summary_print(doc, stdout);
            pb_verdict_print(doc, stdout);
        }
        if (interrupted)
            pb_text_line(stderr, "poolbench run: interrupted; the runs finished so far are written");
    }
    pb_signals_catch(0);
    cJSON_Delete(doc);
out:
    free(b);
    run_free_workloads(&l);
    run_free_opts(&o);
    return status;
}
