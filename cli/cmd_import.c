/*
 * cmd_import.c -- `poolbench import FORMAT FILE -o FILE.trace` (FORMAT heaptrack
 * or mtrace; `--from FORMAT FILE` is the same): converts another tool's
 * allocation log into a v1 trace.
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
            "usage: poolbench import FORMAT FILE -o FILE.trace [--depth N]\n"
            "       (or: poolbench import --from FORMAT FILE -o FILE.trace)\n\n"
            "Converts another tool's allocation log into a v1 trace. FORMAT:\n"
            "  heaptrack  a capture of heaptrack (FILE.zst, FILE.gz or plain), with call sites\n"
            "  mtrace     the log glibc's mtrace() writes to $MALLOC_TRACE\n\n"
            "  --depth N  heaptrack: a site is the N-th frame out that is not the allocator\n"
            "             (default 1; 2 names the callers of an allocation wrapper)\n\n"
            "Frees that match no allocation are dropped and counted in a closing comment,\n"
            "as are records the importer does not know. On a malformed line:\n"
            "FILE:LINE: message, exit 2, nothing written.\n");
}

static void mtrace_summary(FILE *out, const struct pb_import_stats *st)
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

/* The mtrace import: events to out, closing comments, the line for stderr. */
static int run_mtrace(FILE *in, const char *path, unsigned depth, FILE *out,
                      struct pb_diag *diag, char *msg, size_t msglen)
{
    (void)depth; /* mtrace logs no stacks: refused before */
    struct pb_import_stats st;
    if (pb_import_mtrace(in, path, out, &st, diag) != 0)
        return -1;
    mtrace_summary(out, &st);
    int n = snprintf(msg, msglen, "%llu events (%llu allocs, %llu frees, %llu reallocs)",
                     (unsigned long long)(st.allocs + st.frees + st.reallocs),
                     (unsigned long long)st.allocs, (unsigned long long)st.frees,
                     (unsigned long long)st.reallocs);
    if (st.dropped_frees && n > 0 && (size_t)n < msglen)
        snprintf(msg + n, msglen - (size_t)n, ", %llu frees of unknown blocks dropped",
                 (unsigned long long)st.dropped_frees);
    return 0;
}

static void heaptrack_summary(FILE *out, const struct pb_heaptrack_stats *st)
{
    fprintf(out, "# heaptrack %u.%u.%u, file format %u, %s; %llu lines\n",
            st->heaptrack_version >> 16 & 0xff, st->heaptrack_version >> 8 & 0xff,
            st->heaptrack_version & 0xff, st->file_version, st->compression,
            (unsigned long long)st->lines);
    fprintf(out, "# %llu events (%llu allocs, %llu frees), %llu live at end\n",
            (unsigned long long)(st->allocs + st->frees), (unsigned long long)st->allocs,
            (unsigned long long)st->frees, (unsigned long long)st->live_at_end);
    fprintf(out, "# %llu sites (%llu without a function name), %llu allocs without a site\n",
            (unsigned long long)st->sites, (unsigned long long)st->unnamed_sites,
            (unsigned long long)st->untagged_allocs);
    fprintf(out, "# dropped %llu unmatched frees", (unsigned long long)st->unmatched_frees);
    if (st->unmatched_frees)
        fprintf(out, " (the first on line %llu)", (unsigned long long)st->first_unmatched);
    fprintf(out, "\n# skipped %llu unknown records", (unsigned long long)st->unknown_records);
    if (st->unknown_records)
        fprintf(out, " (the first on line %llu)", (unsigned long long)st->first_unknown);
    fputc('\n', out);
    if (st->too_big)
        fprintf(out, "# %llu allocations above 2^40 bytes skipped, with their frees\n",
                (unsigned long long)st->too_big);
    if (st->other_allocs)
        fprintf(out, "# %llu allocations tagged @other (more than %d sites)\n",
                (unsigned long long)st->other_allocs, PB_HT_MAX_SITES);
    if (st->attached)
        fprintf(out, "# heaptrack attached to a running process: earlier blocks are missing\n");
}

/* The heaptrack import: events to out, closing comments, the line for stderr. */
static int run_heaptrack(FILE *in, const char *path, unsigned depth, FILE *out,
                         struct pb_diag *diag, char *msg, size_t msglen)
{
    struct pb_heaptrack_stats st;
    if (pb_import_heaptrack_depth(in, path, depth, out, &st, diag) != 0)
        return -1;
    heaptrack_summary(out, &st);
    if (depth > 1)
        fprintf(out, "# sites taken %u frames out (--depth %u)\n", depth, depth);
    snprintf(msg, msglen,
             "%llu events (%llu allocs, %llu frees), %llu unmatched frees, "
             "%llu unknown records, %llu sites",
             (unsigned long long)(st.allocs + st.frees), (unsigned long long)st.allocs,
             (unsigned long long)st.frees, (unsigned long long)st.unmatched_frees,
             (unsigned long long)st.unknown_records, (unsigned long long)st.sites);
    return 0;
}

/* The formats `import` reads. */
struct import_format {
    const char *name;
    int (*run)(FILE *in, const char *path, unsigned depth, FILE *out, struct pb_diag *diag,
               char *msg, size_t msglen);
    int stacks; /* it has call stacks: --depth applies */
};

static const struct import_format formats[] = {
    {"heaptrack", run_heaptrack, 1},
    {"mtrace", run_mtrace, 0},
};

static const struct import_format *find_format(const char *name)
{
    for (size_t i = 0; i < sizeof formats / sizeof *formats; i++)
        if (strcmp(formats[i].name, name) == 0)
            return &formats[i];
    return NULL;
}

/* Convert in_path to out_path atomically. */
static int import_file(const struct import_format *fmt, const char *in_path,
                       const char *out_path, unsigned depth)
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
    fprintf(out, "poolbench-trace 1\n# imported by poolbench import %s ", fmt->name);
    for (const char *c = in_path; *c; c++) /* traces are ASCII, one comment per line */
        fputc((unsigned char)*c >= 0x20 && (unsigned char)*c < 0x7f ? *c : '?', out);
    fputc('\n', out);
    struct pb_diag *diag = calloc(1, sizeof *diag);
    char msg[320];
    int rc = diag ? fmt->run(in, in_path, depth, out, diag, msg, sizeof msg) : -1;
    fclose(in);
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
    fprintf(stderr, ": %s\n", msg);
    return PB_EXIT_OK;
}

/* The format (FORMAT FILE or --from) and the rest of the command line
 * checked against it; NULL printed. Moves optind past a positional FORMAT. */
static const struct import_format *pick_format(int argc, char **argv, const char *from,
                                               unsigned depth, const char *out)
{
    if (!from && (argc - optind >= 2 || (argc - optind == 1 && find_format(argv[optind]))))
        from = argv[optind++]; /* `import FORMAT FILE` */
    else if (from && argc - optind == 2 && find_format(argv[optind])) {
        fprintf(stderr, "poolbench import: the format given twice (FORMAT and --from)\n");
        return NULL;
    }
    const struct import_format *fmt = from ? find_format(from) : NULL;
    const char *why = NULL;
    if (!fmt)
        fprintf(stderr, "poolbench import: %s (supported: heaptrack, mtrace)\n",
                from ? "unknown input format" : "missing the input format (import FORMAT FILE)");
    else if (depth > 1 && !fmt->stacks)
        fprintf(stderr, "poolbench import: --depth: %s logs no call stacks\n", fmt->name);
    else if (!out || !out[0])
        why = "missing -o FILE.trace";
    else if (argc - optind != 1)
        why = "expected exactly one input file";
    else
        return fmt;
    if (why)
        fprintf(stderr, "poolbench import: %s\n", why);
    return NULL;
}

int pb_cmd_import(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"from", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"depth", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *from = NULL, *out = NULL;
    int c;
    static const struct pb_opt_number numbers[] = {{'d', {"--depth", 1, 64}}, {0, {0}}};
    static const struct pb_opts rules = {"hf:o:d:", longopts, NULL, numbers};
    unsigned depth = 1;
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
        case 'd':
            depth = (unsigned)number;
            break;
        case 'h':
            usage(stdout);
            return PB_EXIT_OK;
        default:
            usage(stderr);
            return PB_EXIT_USAGE;
        }
    }
    const struct import_format *fmt = pick_format(argc, argv, from, depth, out);
    if (!fmt)
        return PB_EXIT_USAGE;
    return import_file(fmt, argv[optind], out, depth);
}
