/*
 * pb_cli.h -- the subcommands of the poolbench executable.
 *
 * Each subcommand lives in its own src/cmd_NAME.c and takes the arguments
 * after its name (argv[0] is the subcommand's name). It returns the process
 * exit status: PB_EXIT_OK, PB_EXIT_FAIL (a run failed) or PB_EXIT_USAGE (bad
 * usage or bad input). Only subcommands print; the modules below them return
 * errors as status + message.
 */
#ifndef PB_CLI_H
#define PB_CLI_H

#include <stddef.h>

#define PB_EXIT_OK 0
#define PB_EXIT_FAIL 1
#define PB_EXIT_USAGE 2

/* One subcommand: its name, a one-line summary for --help, and its entry point. */
struct pb_command {
    const char *name;
    const char *summary;
    int (*main)(int argc, char **argv);
};

int pb_cmd_list(int argc, char **argv);
/* check [--json] FILE...: validate traces, print their figures. */
int pb_cmd_check(int argc, char **argv);
/* convert IN OUT: text, .gz and binary .pbt traces into one another. */
int pb_cmd_convert(int argc, char **argv);
/* `poolbench gen`: a generator's events written as a trace (src/cmd_gen.c). */
int pb_cmd_gen(int argc, char **argv);
/* run [--backend LIST] [--workload SPEC]... [--trace FILE]...: the benchmark. */
int pb_cmd_run(int argc, char **argv);

/* `poolbench record -- CMD`: run CMD under the LD_PRELOAD recorder (cmd_record.c). */
int pb_cmd_record(int argc, char **argv);

/* `poolbench bench -- CMD`: the whole program under each allocator (cmd_bench.c). */
int pb_cmd_bench(int argc, char **argv);

/* `poolbench import FORMAT FILE -o OUT`: convert a heaptrack or mtrace log (cmd_import.c). */
int pb_cmd_import(int argc, char **argv);
/* poolbench plot: charts of results files (cmd_plot.c). */
int pb_cmd_plot(int argc, char **argv);
/* poolbench report: one results file as one HTML page, DIR/report.html (cmd_report.c). */
int pb_cmd_report(int argc, char **argv);
/* poolbench compare: base against new results, exit 1 on a regression (cmd_compare.c). */
int pb_cmd_compare(int argc, char **argv);

/* poolbench export --csv: a results file as one tidy CSV table (cmd_export.c). */
int pb_cmd_export(int argc, char **argv);

/* advise TRACE: size classes and slab for a pools set, and the run command (cmd_advise.c). */
int pb_cmd_advise(int argc, char **argv);

struct pb_workload;

/* advise --sites: per-site figures and recommendations of w, the hybrid and
 * by-hand forms and their run command, and with measured (a results file of
 * that command, else NULL) their measured savings beside the predicted, as
 * text or JSON on stdout (cmd_advise_sites.c).
 * 0, or -1 and why in err. */
int pb_advise_sites(const struct pb_workload *w, const char *trace, int json,
                    const char *measured, char *err, size_t errlen);

/* s as one shell word (quoted when it needs to be), into buf (cmd_advise.c). */
void pb_cli_shell_word(const char *s, char *buf, size_t len);
/* `poolbench __child` (internal): one preloaded run for poolbench run (cmd_child.c). */
int pb_cmd_child(int argc, char **argv);

/* The one syntax of --backend and --workload specs (pb_spec_list_next), as
 * `poolbench list` and `poolbench run --help` print it (cmd_list.c). */
extern const char pb_spec_syntax_help[];

/* The version string, "poolbench X.Y.Z (git COMMIT)". */
const char *pb_version_string(void);

#endif /* PB_CLI_H */
