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
/* poolbench plot: charts of results files (cmd_plot.c). */
int pb_cmd_plot(int argc, char **argv);
/* poolbench compare: base against new results, exit 1 on a regression (cmd_compare.c). */
int pb_cmd_compare(int argc, char **argv);

/* The version string, "poolbench X.Y.Z (git COMMIT)". */
const char *pb_version_string(void);

#endif /* PB_CLI_H */
