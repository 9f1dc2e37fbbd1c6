/*
 * cmd_convert.c -- `poolbench convert IN OUT`: a trace between its forms.
 *
 * IN is any trace (text, gzip'd text or binary .pbt, told apart by content).
 * OUT's name picks the output: `.pbt` binary, `.gz` gzip'd canonical text,
 * `-` canonical text on stdout, anything else canonical text. Files are
 * written to a temporary name and renamed, so a failure leaves nothing.
 */
#include "pb_cli.h"
#include "pb_outfile.h"
#include "pb_text.h"
#include "pb_workload.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: poolbench convert IN OUT\n\n"
               "Converts a trace between its forms. IN: a v1 text trace, a .gz one or a binary\n"
               ".pbt file. OUT: FILE.pbt writes the binary twin, FILE.gz gzip'd canonical text,\n"
               "'-' canonical text on stdout, any other name canonical text. A bad IN writes\n"
               "nothing (exit 2).\n");
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* fopencookie glue: a FILE * whose writes go through gzwrite. */
static ssize_t gz_cookie_write(void *cookie, const char *buf, size_t n)
{
    int w = gzwrite((gzFile)cookie, buf, (unsigned)n);
    return w <= 0 ? -1 : (ssize_t)w;
}

static int gz_cookie_close(void *cookie)
{
    return gzclose((gzFile)cookie) == Z_OK ? 0 : -1;
}

/* A FILE * writing gzip'd data to a dup of fd (so fd itself stays open). */
static FILE *gz_stream(int fd)
{
    int copy = dup(fd);
    gzFile z = copy >= 0 ? gzdopen(copy, "wb") : NULL;
    cookie_io_functions_t io = {.write = gz_cookie_write, .close = gz_cookie_close};
    FILE *f = z ? fopencookie(z, "w", io) : NULL;
    if (z && !f)
        gzclose(z);
    else if (!z && copy >= 0)
        close(copy);
    return f;
}

/* Write w as text (gzip'd when gz) to path through pb_outfile (temp + rename). */
static int write_text_file(const struct pb_workload *w, const char *path, int gz)
{
    struct pb_outfile o;
    char err[PATH_MAX + 128];
    if (pb_outfile_open(&o, path, err, sizeof err) != 0) {
        pb_text_line(stderr, "poolbench convert: %s", err);
        return -1;
    }
    errno = 0;
    FILE *f = gz ? gz_stream(o.fd) : o.f;
    int rc = f ? pb_workload_write_text(w, f) : -1;
    if (f && gz && fclose(f) != 0)
        rc = -1;
    if (rc != 0) {
        int e = errno ? errno : EIO;
        pb_outfile_abort(&o);
        pb_text_line(stderr, "poolbench convert: cannot write %s: %s", path, strerror(e));
        return -1;
    }
    if (pb_outfile_commit(&o, err, sizeof err) != 0) {
        pb_text_line(stderr, "poolbench convert: %s", err);
        return -1;
    }
    return 0;
}

int pb_cmd_convert(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return PB_EXIT_OK;
        }
        usage(stderr);
        return PB_EXIT_USAGE;
    }
    if (argc - optind != 2) {
        fprintf(stderr, "poolbench convert: expected IN and OUT\n");
        usage(stderr);
        return PB_EXIT_USAGE;
    }
    const char *in = argv[optind], *out = argv[optind + 1];
    char err[PATH_MAX + 256];
    if (strcmp(out, "-") != 0 && pb_outfile_check(out, err, sizeof err) != 0) {
        pb_text_line(stderr, "poolbench convert: %s", err); /* before reading a big IN */
        return PB_EXIT_USAGE;
    }
    struct pb_diag *diag = calloc(1, sizeof *diag);
    if (!diag)
        return PB_EXIT_USAGE;
    struct pb_workload w;
    if (pb_workload_load(in, &w, diag) != 0) {
        pb_diag_print(diag, stderr);
        free(diag);
        return PB_EXIT_USAGE;
    }
    free(diag);
    int rc;
    if (strcmp(out, "-") == 0) {
        rc = pb_workload_write_text(&w, stdout);
        if (rc)
            fprintf(stderr, "poolbench convert: cannot write to stdout\n");
    } else if (ends_with(out, ".pbt")) {
        rc = pb_workload_write_binary(&w, out, err, sizeof err);
        if (rc)
            pb_text_line(stderr, "poolbench convert: %s", err);
    } else {
        rc = write_text_file(&w, out, ends_with(out, ".gz"));
    }
    pb_workload_free(&w);
    return rc == 0 ? PB_EXIT_OK : PB_EXIT_USAGE;
}
