/*
 * cmd_convert.c -- `poolbench convert IN OUT`: a trace between its forms.
 *
 * IN is any trace (text, gzip'd text or binary .pbt, told apart by content).
 * OUT's name picks the output: `.pbt` binary, `.gz` gzip'd canonical text,
 * `-` canonical text on stdout, anything else canonical text. Files are
 * written to a temporary name and renamed, so a failure leaves nothing.
 */
#include "pb_cli.h"
#include "pb_workload.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* Write w as text (gzip'd when gz) to a temporary file renamed to path. */
static int write_text_file(const struct pb_workload *w, const char *path, int gz)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!tmp)
        return -1;
    snprintf(tmp, plen + 16, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        fprintf(stderr, "poolbench convert: cannot create %s: %s\n", tmp, strerror(errno));
        free(tmp);
        return -1;
    }
    fchmod(fd, 0644);
    FILE *f = NULL;
    if (gz) {
        gzFile z = gzdopen(fd, "wb");
        cookie_io_functions_t io = {.write = gz_cookie_write, .close = gz_cookie_close};
        f = z ? fopencookie(z, "w", io) : NULL;
        if (z && !f)
            gzclose(z);
        else if (!z)
            close(fd);
    } else {
        f = fdopen(fd, "w");
        if (!f)
            close(fd);
    }
    int rc = f ? pb_workload_write_text(w, f) : -1;
    if (f && fclose(f) != 0)
        rc = -1;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -1;
    if (rc != 0) {
        fprintf(stderr, "poolbench convert: cannot write %s: %s\n", path,
                strerror(errno ? errno : EIO));
        unlink(tmp);
    }
    free(tmp);
    return rc;
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
        char err[512];
        rc = pb_workload_write_binary(&w, out, err, sizeof err);
        if (rc)
            fprintf(stderr, "poolbench convert: %s\n", err);
    } else {
        rc = write_text_file(&w, out, ends_with(out, ".gz"));
    }
    pb_workload_free(&w);
    return rc == 0 ? PB_EXIT_OK : PB_EXIT_USAGE;
}
