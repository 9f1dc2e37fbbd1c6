/*
 * cmd_import.c -- `poolbench import --from mtrace FILE -o FILE.trace`:
 * converts another tool's allocation log into a v1 trace.
 *
 * The output is written to a temporary file next to FILE.trace and renamed
 * over it only when the whole input converted cleanly; on any problem
 * nothing is written and the exit status is 2.
 */
#include "pb_cli.h"
#include "pb_import.h"
#include "pb_outfile.h"
#include "pb_infile.h"
#include "pb_opts.h"
#include "pb_text.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f)
{
    fprintf(f,
            "usage: poolbench import --from mtrace FILE -o FILE.trace\n\n"
            "Converts an allocation log into a v1 trace. Formats (--from):\n"
            "  mtrace   the log glibc's mtrace() writes to $MALLOC_TRACE\n\n"
            "Frees of addresses never seen allocated are dropped and counted in a comment;\n"
            "failed calls are skipped. On a malformed line: FILE:LINE: message, exit 2,\n"
            "nothing written.\n");
}

static void write_summary(FILE *out, const struct pb_import_stats *st)
{
    unsigned long long ev = st->allocs + st->frees + st->reallocs;
    fprintf(out, "# %llu events (%llu allocs, %llu frees, %llu reallocs), %llu live at end\n",
            ev, (unsigned long long)st->allocs, (unsigned long long)st->frees,
            (unsigned long long)st->reallocs, (unsigned long long)st->live_at_end);
    fprintf(out, "# dropped %llu frees of blocks allocated before recording\n",
            (unsigned long long)st->dropped_frees);
    if (st->unknown_reallocs)
        fprintf(out, "# %llu reallocs of blocks allocated before recording written as allocations\n",
                (unsigned long long)st->unknown_reallocs);
    if (st->implicit_frees)
        fprintf(out, "# %llu frees inserted for addresses reused without a logged free\n",
                (unsigned long long)st->implicit_frees);
    if (st->failed)
        fprintf(out, "# %llu failed calls skipped\n", (unsigned long long)st->failed);
    if (st->too_big)
        fprintf(out, "# %llu allocations above 2^40 bytes skipped\n",
                (unsigned long long)st->too_big);
}

/* Convert in_path to out_path atomically. */
static int import_mtrace(const char *in_path, const char *out_path)
{
    char err[PATH_MAX + 128];
    int fd = pb_infile_open(in_path, NULL, err, sizeof err); /* a FIFO would block */
    FILE *in = fd >= 0 ? fdopen(fd, "r") : NULL;
    if (!in) {
        if (fd >= 0) {
            snprintf(err, sizeof err, "%s: %s", in_path, strerror(errno));
            close(fd);
        }
        pb_text_line(stderr, "poolbench import: %s", err);
        return PB_EXIT_USAGE;
    }
    struct pb_outfile o;
    if (pb_outfile_open(&o, out_path, err, sizeof err) != 0) {
        pb_text_line(stderr, "poolbench import: %s", err);
        fclose(in);
        return PB_EXIT_USAGE;
    }
    FILE *out = o.f;
    fprintf(out, "poolbench-trace 1\n# imported by poolbench import --from mtrace ");
    for (const char *c = in_path; *c; c++) /* traces are ASCII, one comment per line */
        fputc((unsigned char)*c >= 0x20 && (unsigned char)*c < 0x7f ? *c : '?', out);
    fputc('\n', out);
    struct pb_diag *diag = calloc(1, sizeof *diag);
    struct pb_import_stats st;
    int rc = diag ? pb_import_mtrace(in, in_path, out, &st, diag) : -1;
    fclose(in);
    if (rc == 0)
        write_summary(out, &st);
    if (rc != 0) {
        pb_outfile_abort(&o);
    } else if (pb_outfile_commit(&o, err, sizeof err) != 0) {
        pb_text_line(stderr, "poolbench import: %s", err);
        rc = -2;
    }
    if (rc == -1) {
        if (diag)
            pb_diag_print(diag, stderr);
        else
            fprintf(stderr, "poolbench import: out of memory\n");
        free(diag);
        return PB_EXIT_USAGE;
    }
    free(diag);
    if (rc != 0)
        return PB_EXIT_FAIL;
    fputs("poolbench import: ", stderr);
    pb_text_put(stderr, out_path, 0);
    fprintf(stderr, ": %llu events (%llu allocs, %llu frees, %llu reallocs)",
            (unsigned long long)(st.allocs + st.frees + st.reallocs),
            (unsigned long long)st.allocs, (unsigned long long)st.frees,
            (unsigned long long)st.reallocs);
    if (st.dropped_frees)
        fprintf(stderr, ", %llu frees of unknown blocks dropped",
                (unsigned long long)st.dropped_frees);
    fprintf(stderr, "\n");
    return PB_EXIT_OK;
}

int pb_cmd_import(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"from", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *from = NULL, *out = NULL;
    int c;
    static const struct pb_opts rules = {"hf:o:", longopts, NULL, NULL};
    unsigned seen = 0;
    uint64_t number = 0;
    while ((c = getopt_long(argc, argv, rules.optstring, longopts, NULL)) != -1) {
        char oerr[160];
        if (pb_opt_check(&rules, c, optarg, &seen, &number, oerr, sizeof oerr)) {
            fprintf(stderr, "poolbench import: %s\n", oerr);
            return PB_EXIT_USAGE;
        }
        switch (c) {
        case 'f':
            from = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'h':
            usage(stdout);
            return PB_EXIT_OK;
        default:
            usage(stderr);
            return PB_EXIT_USAGE;
        }
    }
    if (!from || strcmp(from, "mtrace") != 0) {
        fprintf(stderr, "poolbench import: %s (supported: --from mtrace)\n",
                from ? "unknown input format" : "missing --from");
        return PB_EXIT_USAGE;
    }
    if (!out || !out[0]) {
        fprintf(stderr, "poolbench import: missing -o FILE.trace\n");
        return PB_EXIT_USAGE;
    }
    if (argc - optind != 1) {
        fprintf(stderr, "poolbench import: expected exactly one input file\n");
        return PB_EXIT_USAGE;
    }
    return import_mtrace(argv[optind], out);
}
