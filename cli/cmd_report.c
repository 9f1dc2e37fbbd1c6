/*
 * cmd_report.c -- `poolbench report` (and `poolbench plot --html`): one
 * results file as one self-contained HTML page, DIR/report.html.
 *
 * The charts are those `plot` draws, exported and drawn the same way
 * (plot_draw.h) with gnuplot's SVG terminal, in a private temporary folder
 * of $TMPDIR that is removed afterwards; each SVG is read back and handed to
 * the page builder (report/html_report.h), which writes it inline. Without
 * gnuplot the page is written without charts, saying why.
 *
 * The work runs in catch mode (pb_signals.h): SIGINT, SIGTERM or SIGHUP ends
 * gnuplot, then the temporary folder is removed and the process ends by the
 * signal, leaving no page (or the old one) behind.
 */
#include "html_report.h"
#include "pb_cli.h"
#include "pb_infile.h"
#include "pb_opts.h"
#include "pb_outfile.h"
#include "pb_signals.h"
#include "pb_text.h"
#include "plot_draw.h"
#include "plot_export.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PB_REPORT_SVG_MAX (64u << 20) /* a chart's SVG larger than this is left out */
#define PB_REPORT_NOTES_SHOWN 5        /* notes shown on stderr; the page has them all */

/* The page's charts and notes, as they are gathered. */
struct report_charts {
    struct pb_plot_charts list;   /* names and captions (pb_plot_export) */
    struct pb_html_chart *page;   /* list.n entries, with each SVG */
    char **text;                  /* the SVG texts (owned), NULL: not drawn */
    struct pb_plot_notes *notes;  /* what the charts leave out */
    char extra[2][512];           /* why there are no charts ("" if there are); "and N more" */
    const char *lines[PB_PLOT_MAX_NOTES + 2];
    size_t n_lines;
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: poolbench report RESULTS.json|BENCH.json [-o DIR] [--log]\n\n"
            "Writes DIR/report.html (default DIR: the folder of RESULTS.json), one\n"
            "self-contained page: the verdicts per workload, the summary table with its\n"
            "units and noise marks, refused and failed runs with their reasons, every\n"
            "chart of `poolbench plot` as inline SVG (drawn with gnuplot), the machine\n"
            "and the exact command, and what each figure means. No script and nothing\n"
            "from the network: open it in any browser (docs/report.md). A results file of\n"
            "`poolbench bench` gets its own page: the verdict, the runs per allocator, the\n"
            "bench and fidelity charts, the fidelity table and the program.\n\n"
            "  -o DIR          output folder (created when missing)\n"
            "  --log           logarithmic ns/op axis on the throughput chart\n\n"
            "Exit status: 0 ok (also without gnuplot: the page then says there are no\n"
            "charts); 1 gnuplot or writing failed; 2 bad usage or input.\n");
}

static int parse_args(int argc, char **argv, const char **dir, int *logscale)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {"output", required_argument, NULL, 'o'},
        {"log", no_argument, NULL, 'l'},
        {NULL, 0, NULL, 0},
    };
    static const struct pb_opts rules = {"ho:", longopts, NULL, NULL};
    unsigned seen = 0;
    uint64_t number = 0;
    int c;
    while ((c = getopt_long(argc, argv, rules.optstring, longopts, NULL)) != -1) {
        char oerr[160];
        if (pb_opt_check(&rules, c, optarg, &seen, &number, oerr, sizeof oerr)) {
            fprintf(stderr, "poolbench report: %s\n", oerr);
            return PB_EXIT_USAGE;
        }
        if (c == 'h') {
            usage(stdout);
            return PB_EXIT_OK;
        } else if (c == 'o') {
            *dir = optarg;
        } else if (c == 'l') {
            *logscale = 1;
        } else {
            usage(stderr);
            return PB_EXIT_USAGE;
        }
    }
    return -1;
}

/* Remove the temporary folder and the files in it (all of them ours). */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char path[4400];
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            int k = snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            if (k > 0 && (size_t)k < sizeof path)
                unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
}

/* DIR/NAME.svg whole into a new string (*len bytes), or NULL with why in err. */
static char *read_svg(const char *dir, const char *name, size_t *len, char *err, size_t errlen)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s.svg", dir, name);
    off_t size;
    int fd = pb_infile_open(path, &size, err, errlen);
    if (fd < 0)
        return NULL;
    char *buf = NULL;
    if (size > (off_t)PB_REPORT_SVG_MAX)
        snprintf(err, errlen, "its SVG is larger than %u MiB", PB_REPORT_SVG_MAX >> 20);
    else if (!(buf = malloc((size_t)size + 1)))
        snprintf(err, errlen, "out of memory");
    size_t got = 0;
    while (buf && got < (size_t)size) {
        ssize_t k = read(fd, buf + got, (size_t)size - got);
        if (k <= 0 && !(k < 0 && errno == EINTR)) {
            snprintf(err, errlen, "cannot read its SVG: %s", k ? strerror(errno) : "cut short");
            free(buf);
            buf = NULL;
        }
        got += k > 0 ? (size_t)k : 0;
    }
    close(fd);
    if (buf) {
        buf[got] = '\0';
        *len = got;
    }
    return buf;
}

/* Read every chart's SVG into c->page; one that cannot be read is left out
 * with the reason as a note. 0 ok; -1 out of memory. */
static int load_svgs(const char *dir, struct report_charts *c)
{
    c->page = calloc(c->list.n ? c->list.n : 1, sizeof *c->page);
    c->text = calloc(c->list.n ? c->list.n : 1, sizeof *c->text);
    if (!c->page || !c->text)
        return -1;
    for (size_t i = 0; i < c->list.n; i++) {
        char why[512];
        struct pb_html_chart *h = &c->page[i];
        h->name = c->list.v[i].name;
        h->caption = c->list.v[i].caption;
        c->text[i] = read_svg(dir, h->name, &h->svg_len, why, sizeof why);
        h->svg = c->text[i];
        if (!h->svg)
            pb_plot_note(c->notes, "chart %s: %s", h->name, why);
    }
    return 0;
}

/* Export and draw the charts as SVG in a temporary folder and read them
 * back. Without runs or gnuplot: no charts, and extra[0] says why. Exit status. */
static int draw_svgs(const char *who, const struct pb_results_set *set, int logscale,
                     struct report_charts *c)
{
    char err[16384], tmp[4200];
    struct pb_plot_tools tools;
    if (cJSON_GetArraySize(set->files[0].runs) == 0) {
        snprintf(c->extra[0], sizeof c->extra[0], "the file holds no runs");
        return PB_EXIT_OK;
    }
    if (pb_plot_find_tools(&tools, err, sizeof err)) {
        snprintf(c->extra[0], sizeof c->extra[0], "%.400s", err);
        pb_text_line(stderr, "%s: note: no charts in the page: %s", who, err);
        return PB_EXIT_OK;
    }
    const char *base = getenv("TMPDIR");
    snprintf(tmp, sizeof tmp, "%s/poolbench-report-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmp)) {
        pb_text_line(stderr, "%s: cannot create a temporary folder %s: %s", who, tmp,
                     strerror(errno));
        return PB_EXIT_FAIL;
    }
    int rc = PB_EXIT_OK;
    if (pb_plot_export_set(set, tmp, &c->list, c->notes, err, sizeof err)) {
        pb_text_line(stderr, "%s: %s", who, err);
        rc = PB_EXIT_USAGE;
    } else if (!pb_signals_caught() &&
               pb_plot_draw_charts(&tools, tmp, &c->list, "svg", logscale, err, sizeof err)) {
        if (!pb_signals_caught())
            pb_text_line(stderr, "%s: %s", who, err);
        rc = PB_EXIT_FAIL;
    } else if (!pb_signals_caught() && load_svgs(tmp, c)) {
        fprintf(stderr, "%s: out of memory\n", who);
        rc = PB_EXIT_FAIL;
    }
    remove_dir(tmp);
    return rc;
}

/* The notes as lines for the page, and the first few on stderr. */
static void gather_notes(const char *who, struct report_charts *c)
{
    if (c->extra[0][0])
        c->lines[c->n_lines++] = c->extra[0];
    for (size_t i = 0; i < c->notes->n; i++) {
        c->lines[c->n_lines++] = c->notes->text[i];
        if (i < PB_REPORT_NOTES_SHOWN)
            pb_text_line(stderr, "%s: note: %s", who, c->notes->text[i]);
    }
    size_t hidden = c->notes->n > PB_REPORT_NOTES_SHOWN ? c->notes->n - PB_REPORT_NOTES_SHOWN : 0;
    if (hidden + c->notes->dropped)
        pb_text_line(stderr, "%s: note: and %zu more (listed in the page)", who,
                     hidden + c->notes->dropped);
    if (c->notes->dropped) {
        snprintf(c->extra[1], sizeof c->extra[1], "and %zu more", c->notes->dropped);
        c->lines[c->n_lines++] = c->extra[1];
    }
}

static void charts_free(struct report_charts *c)
{
    for (size_t i = 0; c->text && i < c->list.n; i++)
        free(c->text[i]);
    free(c->text);
    free(c->page);
    free(c->notes);
    pb_plot_charts_free(&c->list);
}

/* Write the page to target, unless a signal came. Exit status. */
static int write_page(const char *who, const char *target, const struct pb_results_file *file,
                      const struct report_charts *c, size_t *drawn)
{
    char err[8192];
    struct pb_html_page page = {file->doc, file->path, c->page, c->page ? c->list.n : 0,
                                c->lines, c->n_lines};
    struct pb_outfile out;
    if (pb_outfile_open(&out, target, err, sizeof err)) {
        pb_text_line(stderr, "%s: %s", who, err);
        return PB_EXIT_FAIL;
    }
    if (pb_html_report_write(&page, out.f, drawn, err, sizeof err)) {
        pb_outfile_abort(&out);
        pb_text_line(stderr, "%s: %s: %s", who, target, err);
        return PB_EXIT_FAIL;
    }
    if (pb_signals_caught()) {
        pb_outfile_abort(&out);
        return PB_EXIT_FAIL;
    }
    if (pb_outfile_commit(&out, err, sizeof err)) {
        pb_text_line(stderr, "%s: %s", who, err);
        return PB_EXIT_FAIL;
    }
    return PB_EXIT_OK;
}

/* Draw, then write the page, in catch mode; a signal ends the process by it. */
static int build(const char *who, const struct pb_results_set *set, const char *target,
                 int logscale)
{
    struct report_charts c;
    memset(&c, 0, sizeof c);
    if (!(c.notes = calloc(1, sizeof *c.notes))) {
        fprintf(stderr, "%s: out of memory\n", who);
        return PB_EXIT_FAIL;
    }
    pb_signals_catch(1); /* gnuplot gets the signal; we clean up, then end by it */
    int rc = draw_svgs(who, set, logscale, &c);
    size_t drawn = 0, loaded = 0;
    for (size_t i = 0; c.page && i < c.list.n; i++)
        loaded += c.page[i].svg != NULL;
    if (rc == PB_EXIT_OK && !pb_signals_caught()) {
        gather_notes(who, &c);
        rc = write_page(who, target, &set->files[0], &c, &drawn);
    }
    charts_free(&c);
    int sig = pb_signals_caught();
    pb_signals_catch(0);
    if (sig) {
        raise(sig); /* cleanup mode: removes any temporary and ends the process */
        return 128 + sig;
    }
    if (rc == PB_EXIT_OK && drawn < loaded)
        pb_text_line(stderr, "%s: note: %zu chart%s left out: gnuplot's SVG did not pass (the "
                     "page says why)", who, loaded - drawn, loaded - drawn == 1 ? "" : "s");
    if (rc == PB_EXIT_OK)
        pb_text_line(stdout, "%s: %s (%zu chart%s)", who, target, drawn, drawn == 1 ? "" : "s");
    return rc;
}

int pb_report_main(const char *who, char *const *paths, size_t n, const char *dir,
                   int logscale)
{
    if (n != 1) {
        fprintf(stderr, "%s: %s\n", who,
                n ? "the page is made of one results file: give exactly one"
                  : "no results file given");
        return PB_EXIT_USAGE;
    }
    char err[16384], first[4096], folder[4096], target[4200];
    struct pb_results_set set;
    if (pb_plot_read_set(&set, paths, 1, err, sizeof err)) {
        pb_text_line(stderr, "%s: %s", who, err);
        return PB_EXIT_USAGE;
    }
    snprintf(first, sizeof first, "%s", set.files[0].path);
    snprintf(folder, sizeof folder, "%s", dir ? dir : dirname(first));
    snprintf(target, sizeof target, "%s/report.html", folder);
    int rc = PB_EXIT_USAGE;
    if (pb_plot_make_dirs(folder))
        pb_text_line(stderr, "%s: cannot create %s: %s", who, folder, strerror(errno));
    else if (pb_outfile_check(target, err, sizeof err))
        pb_text_line(stderr, "%s: %s", who, err);
    else
        rc = build(who, &set, target, logscale);
    pb_results_set_free(&set);
    return rc;
}

int pb_cmd_report(int argc, char **argv)
{
    const char *dir = NULL;
    int logscale = 0;
    int rc = parse_args(argc, argv, &dir, &logscale);
    if (rc >= 0)
        return rc;
    if (optind >= argc) {
        fprintf(stderr, "poolbench report: no results file given\n");
        usage(stderr);
        return PB_EXIT_USAGE;
    }
    return pb_report_main("poolbench report", argv + optind, (size_t)(argc - optind), dir,
                          logscale);
}
