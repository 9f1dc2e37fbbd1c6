/*
 * main.c -- poolbench's entry point: finds the subcommand and runs it.
 */
#include "pb_cli.h"
#include "pb_signals.h"
#include "pb_text.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const struct pb_command commands[] = {
    {"list", "list the backends and workload generators with their options", pb_cmd_list},
    {"record", "run a program and record its allocations as a trace", pb_cmd_record},
    {"bench", "run a whole program under each allocator and measure it", pb_cmd_bench},
    {"import", "convert an allocation log (heaptrack, glibc mtrace) into a trace", pb_cmd_import},
    {"check", "validate trace files and print their figures", pb_cmd_check},
    {"convert", "convert a trace between text, .gz and binary .pbt", pb_cmd_convert},
    {"gen", "write a synthetic workload's events as a trace", pb_cmd_gen},
    {"run", "replay workloads against backends; write time and memory results", pb_cmd_run},
    {"plot", "draw charts of results files with gnuplot (overlaying several)", pb_cmd_plot},
    {"report", "write a results file as one self-contained HTML page", pb_cmd_report},
    {"advise", "recommend size classes and a slab size for a trace's pools", pb_cmd_advise},
    {"compare", "compare two results files; exit 1 on a regression", pb_cmd_compare},
    {"export", "write a results file as one tidy CSV table (spreadsheets, pandas)", pb_cmd_export},
    {"__child", NULL, pb_cmd_child}, /* internal: a preloaded run (cmd_child.c) */
};

static const size_t n_commands = sizeof commands / sizeof commands[0];

static void usage(FILE *f)
{
    fprintf(f, "usage: poolbench [--help] [--version] COMMAND [ARGS...]\n\n"
               "Measures allocators: replays allocation workloads against backends and\n"
               "reports time, fragmentation and wasted page memory.\n\ncommands:\n");
    for (size_t i = 0; i < n_commands; i++)
        if (commands[i].summary) /* NULL: internal, not listed */
            fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'poolbench COMMAND --help' describes one command.\n");
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    /* SIGINT, SIGTERM, SIGHUP: no temporary file survives them (pb_signals.h) */
    pb_signals_init();
    int c;
    /* "+" stops at the first non-option: the subcommand parses its own flags. */
    while ((c = getopt_long(argc, argv, "+hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            usage(stdout);
            return PB_EXIT_OK;
        case 'V':
            printf("%s\n", pb_version_string());
            return PB_EXIT_OK;
        default:
            usage(stderr);
            return PB_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return PB_EXIT_USAGE;
    }
    const char *name = argv[optind];
    for (size_t i = 0; i < n_commands; i++) {
        if (strcmp(commands[i].name, name) == 0) {
            int first = optind;
            optind = 0; /* glibc: 0 fully reinitialises getopt for the subcommand */
            return commands[i].main(argc - first, argv + first);
        }
    }
    pb_text_line(stderr, "poolbench: unknown command '%s' (see poolbench --help)", name);
    return PB_EXIT_USAGE;
}
