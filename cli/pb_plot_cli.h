/*
 * pb_plot_cli.h -- the charts of `poolbench plot` as one call, for the
 * commands that draw them (cmd_plot.c defines it): export the data
 * (report/plot_export.h), draw each chart with gnuplot, write the index.
 */
#ifndef PB_PLOT_CLI_H
#define PB_PLOT_CLI_H

#include "results_read.h"

/* The charts of set into dir (which exists): their data, each chart drawn
 * with gnuplot (the executable) and the scripts of folder scripts as
 * DIR/NAME.FORMAT (format "png" or "svg"), and DIR/README.md; axis (enum
 * pb_plot_axis) for the throughput chart. Prints the notes and any error on
 * stderr and one line on stdout ("poolbench plot: ..."). Returns the exit
 * status: PB_EXIT_OK, PB_EXIT_FAIL (gnuplot or writing failed) or
 * PB_EXIT_USAGE (nothing to chart, bad input). */
int pb_plot_write_charts(const struct pb_results_set *set, const char *dir,
                         const char *gnuplot, const char *scripts, const char *format,
                         int axis);

#endif /* PB_PLOT_CLI_H */
