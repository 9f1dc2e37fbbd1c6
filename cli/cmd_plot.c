/*
 * cmd_plot.c -- `poolbench plot`: exports the chart data of one or more
 * results files and draws each chart with gnuplot and the scripts of plots/,
 * then writes an index (README.md) listing the charts with their captions.
 */
#include "pb_build_info.h"
#include "pb_cli.h"
#include "pb_paths.h"
#include "pb_opts.h"
#include "pb_outfile.h"
#include "pb_signals.h"
#include "pb_text.h"
#include "plot_draw.h"
#include "plot_export.h"

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PB_SOURCE_PLOTS
#define PB_SOURCE_PLOTS ""
#endif

struct plot_opts {
    const char *dir;      /* output folder, NULL: that of the first file */
    const char *format;   /* "png" or "svg" */
    int logscale;         /* the throughput chart's axis: PB_PLOT_AXIS_AUTO, _LOG, _LINEAR */
    int html;             /* --html: the page of `poolbench report` instead */
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: poolbench plot RESULTS.json... [-o DIR] [--format png|svg] [--log|--linear]\n"
            "       poolbench plot BENCH.json [-o DIR] [--format png|svg]\n"
            "       poolbench plot --html RESULTS.json|BENCH.json [-o DIR] [--log|--linear]\n\n"
            "Draws the charts of one or more results files with gnuplot: throughput,\n"
            "memory, timeline, latency (when measured) and fragmentation. Several files\n"
            "overlay, each backend labelled by file. A results file of `poolbench bench`\n"
            "(drawn alone) gets the bench chart (wall time and peak RSS per allocator)\n"
            "and, after --replay, the fidelity chart. DIR (default: the folder of the first\n"
            "file) receives the charts, their data (NAME.tsv + NAME.vars) and README.md,\n"
            "an index of the charts.\n\n"
            "  -o DIR          output folder (created when missing)\n"
            "  --format FMT    png (default) or svg\n"
            "  --log           logarithmic ns/op axes on the throughput chart (the default\n"
            "                  when its bars span more than 20x)\n"
            "  --linear        linear ns/op axes on the throughput chart\n"
            "  --html          write DIR/report.html instead: poolbench report (one file)\n\n"
            "The scripts come from $POOLBENCH_PLOTS, the installed share/poolbench/plots\n"
            "or the source tree. Exit status: 0 ok; 1 gnuplot failed; 2 bad usage or input\n"
            "(including gnuplot missing).\n");
}

/* Whether path/name is a file; *out gets the joined path. */
static int has_file(const char *dir, const char *name, char *out, size_t len)
{
    snprintf(out, len, "%s/%s", dir, name);
    return access(out, R_OK) == 0;
}

/* The folder holding throughput.gp and friends, into out; -1 when none. */
static int find_scripts(char *out, size_t len)
{
    char probe[4400];
    const char *env = getenv("POOLBENCH_PLOTS");
    if (env && *env) {
        snprintf(out, len, "%s", env);
        return has_file(env, "throughput.gp", probe, sizeof probe) ? 0 : -1;
    }
    char rel[4200]; /* an installed tree next to the executable: bin/../share/poolbench/plots */
    if (pb_exe_relative("../share/poolbench/plots", rel, sizeof rel) == 0 &&
        has_file(rel, "throughput.gp", probe, sizeof probe)) {
        snprintf(out, len, "%s", rel);
        return 0;
    }
    const char *const fallback[] = {PB_SOURCE_PLOTS, PB_DATADIR "/plots"};
    for (int i = 0; i < 2; i++) {
        if (*fallback[i] && has_file(fallback[i], "throughput.gp", probe, sizeof probe)) {
            snprintf(out, len, "%s", fallback[i]);
            return 0;
        }
    }
    return -1;
}

/* The gnuplot executable on PATH, into out; -1 when there is none. */
static int find_gnuplot(char *out, size_t len)
{
    const char *path = getenv("PATH");
    if (!path)
        return -1;
    while (*path) {
        size_t n = strcspn(path, ":");
        snprintf(out, len, "%.*s/gnuplot", (int)(n ? n : 1), n ? path : ".");
        if (access(out, X_OK) == 0)
            return 0;
        path += n + (path[n] == ':');
    }
    return -1;
}

/* mkdir -p. 0 ok; -1 with errno. */
static int make_dirs(const char *dir)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", dir);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(buf, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

/* Append name='value'; to a gnuplot -e command: single-quoted (no
 * expansion inside), each quote of value a "'" joined on with '.' (gnuplot
 * 5.4 misreads two doubled quotes in a row). 0 ok; -1 when it does not fit. */
static int add_gp_assign(char *cmd, size_t len, const char *name, const char *value)
{
    static const char quote[] = "'.\"'\".'";
    size_t used = strlen(cmd);
    used += (size_t)snprintf(cmd + used, len - used, "%s='", name);
    for (; *value && used + sizeof quote + 3 < len; value++) {
        if (*value == '\'') {
            memcpy(cmd + used, quote, sizeof quote - 1);
            used += sizeof quote - 1;
        } else {
            cmd[used++] = *value;
        }
    }
    snprintf(cmd + used, len - used, "'; ");
    return *value ? -1 : 0;
}

/* Copy gnuplot's messages to stderr (after it failed), in shown form: they
 * quote the lines of the .vars files, which hold strings of the results. */
static void show_log(FILE *log)
{
    char buf[4096];
    rewind(log);
    while (fgets(buf, sizeof buf, log))
        pb_text_put(stderr, buf, 1);
}

/* DIR/NAME.EXT for gnuplot: a relative DIR gets "./" in front, so that no
 * path starts with '<' or '|', which gnuplot would run as a command (plot
 * '<cmd', load '<cmd', set output '|cmd'). */
static void gp_path(char *out, size_t len, const char *dir, const char *name, const char *ext)
{
    snprintf(out, len, "%s%s/%s.%s", dir[0] == '/' ? "" : "./", dir, name, ext);
}

/* Run gnuplot -e cmd script, its messages kept in a temporary file and
 * shown only when it fails (a good run prints nothing of its warnings).
 * Its exit status (128 + N: killed by signal N), or -1 with err. */
static int run_gnuplot(const char *gnuplot, const char *cmd, const char *script, char *err,
                       size_t errlen)
{
    fflush(NULL);
    FILE *log = tmpfile();
    /* gnuplot dies with us, and before a signal removes the file it writes */
    pid_t pid = pb_signals_fork(SIGKILL, 1);
    if (pid < 0) {
        snprintf(err, errlen, "cannot start gnuplot: %s", strerror(errno));
        if (log)
            fclose(log);
        return -1;
    }
    if (pid == 0) {
        if (log)
            dup2(fileno(log), STDERR_FILENO);
        execl(gnuplot, "gnuplot", "-e", cmd, script, (char *)NULL);
        _exit(127);
    }
    int status;
    if (pb_signals_reap(pid, &status) != 0) {
        snprintf(err, errlen, "waiting for gnuplot: %s", strerror(errno));
        if (log)
            fclose(log);
        return -1;
    }
    int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (log) {
        if (rc)
            show_log(log);
        fclose(log);
    }
    return rc;
}

/* Draw one chart into DIR/NAME.FMT (through a temporary name). 0 ok; -1 with err. */
static int draw(const char *gnuplot, const char *scripts, const char *dir,
                const struct pb_plot_chart *ch, const struct plot_opts *o, char *err,
                size_t errlen)
{
    char data[4400], vars[4400], final[4400], script[4400], cmd[20000] = "";
    gp_path(data, sizeof data, dir, ch->name, "tsv");
    gp_path(vars, sizeof vars, dir, ch->name, "vars");
    gp_path(final, sizeof final, dir, ch->name, o->format);
    snprintf(script, sizeof script, "%s/%s.gp", scripts, ch->script);
    struct pb_outfile out; /* gnuplot writes the temporary (or a device in place) */
    if (pb_outfile_open(&out, final, err, errlen) != 0)
        return -1;
    if (add_gp_assign(cmd, sizeof cmd, "datafile", data) ||
        add_gp_assign(cmd, sizeof cmd, "varsfile", vars) ||
        add_gp_assign(cmd, sizeof cmd, "outfile",
                      out.mode == PB_OUTFILE_RENAME ? out.tmp : out.path) ||
        add_gp_assign(cmd, sizeof cmd, "fmt", o->format)) {
        snprintf(err, errlen, "%s: path too long for gnuplot", final);
        pb_outfile_abort(&out);
        return -1;
    }
    if (o->logscale != PB_PLOT_AXIS_AUTO) /* else the .vars file's choice */
        snprintf(cmd + strlen(cmd), sizeof cmd - strlen(cmd), "logscale=%d",
                 o->logscale == PB_PLOT_AXIS_LOG);
    int rc = run_gnuplot(gnuplot, cmd, script, err, errlen);
    if (rc > 0)
        snprintf(err, errlen, "gnuplot failed on %s for %s (status %d)", script, ch->name, rc);
    if (rc) {
        pb_outfile_abort(&out);
        return -1;
    }
    return pb_outfile_commit(&out, err, errlen);
}

/* --format png|svg; 0, or -1 after saying why on stderr. */
static int set_format(struct plot_opts *o, const char *arg)
{
    if (strcmp(arg, "png") != 0 && strcmp(arg, "svg") != 0) {
        pb_text_line(stderr, "poolbench plot: --format must be png or svg, not '%s'", arg);
        return -1;
    }
    o->format = arg;
    return 0;
}

/* --log or --linear (axis), which exclude each other; 0, or -1 after saying
 * why on stderr. */
static int set_axis(struct plot_opts *o, int axis)
{
    if (o->logscale != PB_PLOT_AXIS_AUTO && o->logscale != axis) {
        fprintf(stderr, "poolbench plot: --log and --linear exclude each other\n");
        return -1;
    }
    o->logscale = axis;
    return 0;
}

static int parse_args(int argc, char **argv, struct plot_opts *o)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {"output", required_argument, NULL, 'o'},
        {"format", required_argument, NULL, 'f'},
        {"log", no_argument, NULL, 'l'},
        {"linear", no_argument, NULL, 'L'},
        {"html", no_argument, NULL, 'H'},
        {NULL, 0, NULL, 0},
    };
    int c;
    static const struct pb_opts rules = {"ho:", longopts, NULL, NULL};
    unsigned seen = 0;
    uint64_t number = 0;
    while ((c = getopt_long(argc, argv, rules.optstring, longopts, NULL)) != -1) {
        char oerr[160];
        if (pb_opt_check(&rules, c, optarg, &seen, &number, oerr, sizeof oerr)) {
            fprintf(stderr, "poolbench plot: %s\n", oerr);
            return PB_EXIT_USAGE;
        }
        switch (c) {
        case 'h':
            usage(stdout);
            return PB_EXIT_OK;
        case 'o':
            o->dir = optarg;
            break;
        case 'f':
            if (set_format(o, optarg))
                return PB_EXIT_USAGE;
            break;
        case 'l':
        case 'L':
            if (set_axis(o, c == 'l' ? PB_PLOT_AXIS_LOG : PB_PLOT_AXIS_LINEAR))
                return PB_EXIT_USAGE;
            break;
        case 'H':
            o->html = 1;
            break;
        default:
            usage(stderr);
            return PB_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "poolbench plot: no results file given\n");
        usage(stderr);
        return PB_EXIT_USAGE;
    }
    return -1;
}

/* The first few notes on stderr; all of them go into the index. */
static void print_notes(const struct pb_plot_notes *notes, const char *dir)
{
    enum { SHOWN = 5 };
    size_t shown = notes->n < SHOWN ? notes->n : SHOWN;
    for (size_t i = 0; i < shown; i++)
        pb_text_line(stderr, "poolbench plot: note: %s", notes->text[i]);
    size_t more = notes->n - shown + notes->dropped;
    if (more)
        pb_text_line(stderr, "poolbench plot: note: and %zu more (listed in %s/README.md)", more,
                     dir);
}

int pb_plot_write_charts(const struct pb_results_set *set, const char *dir,
                         const char *gnuplot, const char *scripts, const char *format,
                         int axis)
{
    const struct plot_opts opts = {dir, format, axis, 0}, *o = &opts;
    char err[16384] = "";
    struct pb_plot_notes *notes = calloc(1, sizeof *notes);
    struct pb_plot_charts charts;
    if (!notes || pb_plot_export_set(set, dir, &charts, notes, err, sizeof err)) {
        pb_text_line(stderr, "poolbench plot: %s", notes ? err : "out of memory");
        free(notes);
        return PB_EXIT_USAGE;
    }
    print_notes(notes, dir);
    if (charts.n == 0) {
        fprintf(stderr, "poolbench plot: nothing to chart: no run has figures to draw\n");
        free(notes);
        return PB_EXIT_USAGE;
    }
    int rc = PB_EXIT_OK;
    for (size_t i = 0; i < charts.n && rc == PB_EXIT_OK; i++)
        if (draw(gnuplot, scripts, dir, &charts.v[i], o, err, sizeof err))
            rc = PB_EXIT_FAIL;
    if (rc == PB_EXIT_OK && pb_plot_write_index(dir, set, &charts, notes, o->format,
                                                o->logscale, err, sizeof err))
        rc = PB_EXIT_FAIL;
    free(notes);
    if (rc == PB_EXIT_OK)
        pb_text_line(stdout, "poolbench plot: %zu charts in %s (index: %s/README.md)", charts.n,
                     dir, dir);
    else
        pb_text_line(stderr, "poolbench plot: %s", err);
    pb_plot_charts_free(&charts);
    return rc;
}

int pb_cmd_plot(int argc, char **argv)
{
    struct plot_opts o = {NULL, "png", PB_PLOT_AXIS_AUTO, 0};
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0)
        return rc;
    if (o.html)
        return pb_report_main("poolbench plot", argv + optind, (size_t)(argc - optind), o.dir,
                              o.logscale);
    char err[16384];
    struct pb_plot_tools tools;
    if (pb_plot_find_tools(&tools, err, sizeof err)) {
        fprintf(stderr, "poolbench plot: %s\n", err);
        return PB_EXIT_USAGE;
    }
    struct pb_results_set set;
    if (pb_plot_read_set(&set, argv + optind, (size_t)(argc - optind), err, sizeof err)) {
        pb_text_line(stderr, "poolbench plot: %s", err);
        return PB_EXIT_USAGE;
    }
    char first[4096], dir[4096];
    snprintf(first, sizeof first, "%s", set.files[0].path);
    snprintf(dir, sizeof dir, "%s", o.dir ? o.dir : dirname(first));
    if (make_dirs(dir)) {
        pb_text_line(stderr, "poolbench plot: cannot create %s: %s", dir, strerror(errno));
        pb_results_set_free(&set);
        return PB_EXIT_USAGE;
    }
    rc = pb_plot_write_charts(&set, dir, tools.gnuplot, tools.scripts, o.format, o.logscale);
    pb_results_set_free(&set);
    return rc;
}

int pb_plot_read_set(struct pb_results_set *set, char *const *paths, size_t n, char *err,
                     size_t errlen)
{
    if (n != 1)
        return pb_results_set_read(set, paths, n, err, errlen);
    struct pb_results_file f; /* one file is read once, whichever its schema */
    if (pb_results_read_any(paths[0], &f, err, errlen))
        return -1;
    if (pb_results_set_of(set, &f)) {
        pb_results_file_free(&f);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

int pb_plot_export_set(const struct pb_results_set *set, const char *dir,
                       struct pb_plot_charts *out, struct pb_plot_notes *notes, char *err,
                       size_t errlen)
{
    if (set->n == 1 && set->files[0].bench)
        return pb_plot_export_bench(&set->files[0], dir, out, notes, err, errlen);
    return pb_plot_export(set, dir, out, notes, err, errlen);
}

int pb_plot_make_dirs(const char *dir)
{
    return make_dirs(dir);
}

int pb_plot_find_tools(struct pb_plot_tools *t, char *err, size_t errlen)
{
    if (find_gnuplot(t->gnuplot, sizeof t->gnuplot)) {
        snprintf(err, errlen, "gnuplot not found: install the Debian package gnuplot-nox");
        return -1;
    }
    if (find_scripts(t->scripts, sizeof t->scripts)) {
        snprintf(err, errlen, "cannot find the gnuplot scripts (throughput.gp): set "
                              "POOLBENCH_PLOTS to the plots/ folder of the source tree");
        return -1;
    }
    return 0;
}

int pb_plot_draw_charts(const struct pb_plot_tools *t, const char *dir,
                        const struct pb_plot_charts *charts, const char *format, int logscale,
                        char *err, size_t errlen)
{
    struct plot_opts o = {dir, format, logscale, 0};
    for (size_t i = 0; i < charts->n; i++)
        if (draw(t->gnuplot, t->scripts, dir, &charts->v[i], &o, err, errlen))
            return -1;
    return 0;
}
