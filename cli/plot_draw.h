/*
 * plot_draw.h -- drawing charts with gnuplot, shared by `poolbench plot`
 * (cmd_plot.c, which defines these) and `poolbench report` (cmd_report.c,
 * which draws the same charts as SVG for its page), so both run gnuplot
 * the same way on the same exported data.
 */
#ifndef PB_PLOT_DRAW_H
#define PB_PLOT_DRAW_H

#include <stddef.h>

#include "plot_export.h"

/* Where gnuplot and the scripts of plots/ are. */
struct pb_plot_tools {
    char gnuplot[4200]; /* the executable, found on PATH */
    char scripts[4200]; /* the folder holding throughput.gp and the others */
};

/* Find gnuplot and the scripts ($POOLBENCH_PLOTS, the installed tree, the
 * source tree). 0 ok; -1 with what is missing in err. */
int pb_plot_find_tools(struct pb_plot_tools *t, char *err, size_t errlen);

/* Draw every chart of charts (exported into dir by pb_plot_export) as
 * DIR/NAME.FORMAT, format "png" or "svg" being gnuplot's terminal; logscale:
 * the throughput chart's axis (enum pb_plot_axis: 0 its data's choice, 1
 * log, 2 linear). Each file appears whole or not at all (pb_outfile). 0 ok;
 * -1 with err (gnuplot failed, its messages shown on stderr). */
int pb_plot_draw_charts(const struct pb_plot_tools *t, const char *dir,
                        const struct pb_plot_charts *charts, const char *format, int logscale,
                        char *err, size_t errlen);

/* The charts of `poolbench plot` of set into dir (which exists): their
 * data, each chart drawn with gnuplot (the executable) and the scripts of
 * folder scripts as DIR/NAME.FORMAT (format "png" or "svg"), and
 * DIR/README.md; axis (enum pb_plot_axis) for the throughput chart. Prints
 * the notes and any error on stderr and one line on stdout ("poolbench
 * plot: ..."). Returns the exit status: PB_EXIT_OK, PB_EXIT_FAIL (gnuplot or
 * writing failed) or PB_EXIT_USAGE (nothing to chart, bad input). */
int pb_plot_write_charts(const struct pb_results_set *set, const char *dir,
                         const char *gnuplot, const char *scripts, const char *format,
                         int axis);

/* Read the results files of `plot` and `report`: one file of either schema
 * (a replay's results or a bench document: pb_results_read_any, read once),
 * or several replay results files (pb_results_set_read). 0 ok; -1 with err. */
int pb_plot_read_set(struct pb_results_set *set, char *const *paths, size_t n, char *err,
                     size_t errlen);

/* The charts of set into dir: a bench document's (pb_plot_export_bench)
 * when set is one, else a replay's (pb_plot_export). 0 ok; -1 with err. */
int pb_plot_export_set(const struct pb_results_set *set, const char *dir,
                       struct pb_plot_charts *out, struct pb_plot_notes *notes, char *err,
                       size_t errlen);

/* mkdir -p dir. 0 ok; -1 with errno. */
int pb_plot_make_dirs(const char *dir);

/* `poolbench report` on paths (exactly one results file) into dir (NULL:
 * the file's folder), for `report` and `plot --html`; who starts its
 * messages ("poolbench report"). Returns the exit status (cmd_report.c). */
int pb_report_main(const char *who, char *const *paths, size_t n, const char *dir,
                   int logscale);

#endif /* PB_PLOT_DRAW_H */
