/*
 * cmd_record.c -- `poolbench record [-o FILE.trace] [--sites[=depth=N]] [--follow WHO] -- CMD [ARGS...]`:
 * runs CMD with the recorder library (libpbrecord.so) preloaded and reports
 * the trace file(s) it wrote (record_launch.c starts CMD, record_report.c
 * reports; the user's guide is docs/recording.md).
 *
 * The library is looked up in this order: $PB_RECORD_LIB, next to the
 * poolbench executable (the build tree), PB_RECORD_LIBDIR (where
 * `cmake --install` puts it, <prefix>/lib/poolbench). The child gets
 * LD_PRELOAD with the recorder first (after any ASan runtime already listed,
 * which must stay first), PB_RECORD_OUT (absolute), PB_RECORD_FIRST (its own
 * pid: that process writes FILE, every other one FILE.<pid>), PB_RECORD_LIST
 * (a temporary file where each process appends what it writes, see
 * pb_record_list.h), PB_RECORD_FOLLOW (--follow), PB_RECORD_SITES and
 * PB_RECORD_MODE (the bits of the trace FILE replaces, so a replaced trace is
 * never more readable than before).
 *
 * CMD and FILE are checked before CMD runs: a command that cannot be run
 * (not found, not executable) ends record with status 2 and leaves an old
 * FILE alone; otherwise an old FILE (or a symbolic link there) is removed,
 * never followed, and a file must be creatable in its directory. An exec
 * that fails all the same is reported by the child through a pipe.
 *
 * Signals: SIGTERM and SIGHUP sent to poolbench record (and a SIGINT sent to
 * it alone, not by the terminal, which signals the program itself) are
 * passed on to CMD; record keeps waiting for CMD to end, then reports the
 * trace written so far and exits as for any CMD that failed or was killed.
 * CMD gets SIGTERM if record itself is killed (PR_SET_PDEATHSIG).
 */
#include "pb_cli.h"
#include "record.h"
#include "pb_outfile.h"
#include "pb_opts.h"
#include "pb_signals.h"
#include "pb_text.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PB_RECORD_LIBDIR
#define PB_RECORD_LIBDIR "/usr/local/lib/poolbench"
#endif

static void usage(FILE *f)
{
    fprintf(f,
            "usage: poolbench record [-o FILE.trace] [--sites[=depth=N]] [--follow none|exec|all]\n"
            "                        -- CMD [ARGS...]\n\n"
            "Runs CMD with poolbench's recorder preloaded (LD_PRELOAD) and writes every\n"
            "malloc, calloc, realloc, free, aligned_alloc, posix_memalign, memalign, valloc,\n"
            "pvalloc and reallocarray call it makes as a v1 trace.\n\n"
            "  -o, --output FILE  the trace of CMD's own process (default: CMD.trace in the\n"
            "                     current directory, CMD's base name)\n"
            "  --follow WHO       which processes are recorded:\n"
            "                       none  CMD's own process, its first program only\n"
            "                       exec  CMD's own process across exec (the default): a\n"
            "                             wrapper script that execs the real program gives\n"
            "                             the real program's trace in FILE, the wrapper's\n"
            "                             in FILE.<pid>; child processes are not recorded\n"
            "                       all   every process: each child (fork child, program it\n"
            "                             exec'd) writes FILE.<pid>[.<k>] as well\n"
            "  --sites            tag each allocation with its call site, @MODULE:OFFSET\n"
            "                     (advise --sites names its function and line)\n"
            "  --sites=depth=N    ... with the Nth caller instead (1: the allocator's caller,\n"
            "                     2: its caller, for wrappers such as xmalloc; N <= 16)\n"
            "  -h, --help         this text\n\n"
            "At the end record lists the files: which one is CMD's own process, which are\n"
            "earlier programs of it and which are children, and what was not recorded.\n"
            "Python: pymalloc serves small objects without malloc; record notes it and\n"
            "suggests PYTHONMALLOC=malloc (see docs/recording.md).\n\n"
            "SIGTERM and SIGHUP sent to poolbench record are passed on to CMD; record waits\n"
            "for CMD to end, then reports. CMD gets SIGTERM if record is killed.\n\n"
            "Exit status: 0 when CMD succeeded; 1 when CMD failed or was killed (the trace\n"
            "is still written) or no trace was written; 2 on bad usage, when CMD cannot be\n"
            "run (not found, not executable), when the recorder library is missing or when\n"
            "FILE cannot be created.\n");
}

/* FILE as an absolute path (the program may chdir). */
static int absolute_path(const char *path, char *out, size_t cap)
{
    if (path[0] == '/')
        return (size_t)snprintf(out, cap, "%s", path) < cap ? 0 : -1;
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        return -1;
    return (size_t)snprintf(out, cap, "%s/%s", cwd, path) < cap ? 0 : -1;
}

/* The default output name: base name of CMD + ".trace". */
static void default_output(const char *cmd, char *out, size_t cap)
{
    const char *base = strrchr(cmd, '/');
    base = base ? base + 1 : cmd;
    snprintf(out, cap, "%s.trace", base[0] ? base : "record");
}

/* What the command line asked for. */
struct record_opts {
    const char *out;
    int sites;
    enum record_follow follow;
    char **cmd;
};

/* Before anything is touched: CMD can be run and the library is there. */
static int check_setup(char **cmd, char *lib, size_t cap)
{
    int err = record_check_command(cmd[0]);
    if (err) {
        pb_text_line(stderr, "poolbench record: cannot run '%s': %s", cmd[0], strerror(err));
        return PB_EXIT_USAGE;
    }
    if (record_find_library(PB_RECORD_LIBDIR, lib, cap) != 0) {
        fprintf(stderr,
                "poolbench record: cannot find %s (looked at $PB_RECORD_LIB, next to the\n"
                "poolbench executable and in %s); build the 'pbrecord' target or install\n",
                RECORD_LIBNAME, PB_RECORD_LIBDIR);
        return PB_EXIT_USAGE;
    }
    return PB_EXIT_OK;
}

/* FILE made absolute, an old one removed (its bits kept in mode), and a new
 * one creatable there. */
static int prepare_output(const char *out, char *abs_out, size_t cap, char *mode, size_t mcap)
{
    if (absolute_path(out, abs_out, cap) != 0) {
        pb_text_line(stderr, "poolbench record: output path too long: %s", out);
        return PB_EXIT_USAGE;
    }
    struct stat st; /* never unlink /dev/null, a FIFO or a device: only a file is replaced */
    int exists = lstat(abs_out, &st) == 0;
    mode[0] = '\0'; /* a replaced trace keeps its bits (never wider) */
    if (exists && S_ISREG(st.st_mode))
        snprintf(mode, mcap, "%o", (unsigned)(st.st_mode & 0666));
    if (exists && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
        pb_text_line(stderr, "poolbench record: %s is not a regular file; record writes a new file",
                     abs_out);
        return PB_EXIT_USAGE;
    }
    if (unlink(abs_out) != 0 && errno != ENOENT) {
        pb_text_line(stderr, "poolbench record: cannot replace %s: %s", abs_out, strerror(errno));
        return PB_EXIT_USAGE;
    }
    char err[PATH_MAX + 256]; /* before CMD runs: can a file be created there? */
    if (pb_outfile_check(out, err, sizeof err) != 0) {
        pb_text_line(stderr, "poolbench record: %s", err);
        return PB_EXIT_USAGE;
    }
    return PB_EXIT_OK;
}

/* Wait for the child; its exit status, 128+signal when killed, -1 on error.
 * Signals are forwarded to it until it has ended (pb_signals_reap). */
static int wait_child(pid_t pid)
{
    int status;
    if (pb_signals_reap(pid, &status) != 0)
        return -1;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
}

/* A fresh list file in $TMPDIR, registered for removal on a signal; its fd or -1. */
static int make_list(char *list, size_t len, int *slot)
{
    const char *tmpdir = getenv("TMPDIR");
    snprintf(list, len, "%s/poolbench-record-XXXXXX", tmpdir && tmpdir[0] ? tmpdir : "/tmp");
    sigset_t old;
    pb_signals_block(&old);
    int lfd = mkstemp(list);
    int e = errno;
    *slot = lfd >= 0 ? pb_signals_track(list) : -1;
    pb_signals_restore(&old);
    errno = e;
    return lfd;
}

/* Remove the list file and forget it. */
static void drop_list(const char *list, int slot)
{
    sigset_t old;
    pb_signals_block(&old);
    unlink(list);
    pb_signals_untrack(slot);
    pb_signals_restore(&old);
}

/* The exit status after CMD ran (rc as from wait_child), with its messages. */
static int outcome_status(const char *cmd, int rc, const struct record_outcome *res)
{
    const char *written = res->files ? " (the trace is written)" : "";
    if (rc > 128)
        pb_text_line(stderr, "poolbench record: %s was killed by signal %d%s", cmd, rc - 128,
                     written);
    else if (rc != 0)
        pb_text_line(stderr, "poolbench record: %s exited with status %d%s", cmd, rc, written);
    if (!res->main_written)
        pb_text_line(stderr,
                     "poolbench record: no trace of %s's own process: it did not load the "
                     "recorder (statically linked and set-user-ID programs ignore LD_PRELOAD) "
                     "or could not write its file",
                     cmd);
    if (res->files == 0 || rc != 0)
        return PB_EXIT_FAIL;
    return PB_EXIT_OK;
}

/* Run CMD under the recorder, wait for it, report; the exit status. */
static int run_recorded(const struct record_env *env, const struct record_opts *o)
{
    pb_signals_catch(1); /* SIGTERM, SIGHUP: passed on to CMD, which ends the recording */
    struct record_launch_error le;
    pid_t pid = record_start(env, o->cmd, &le);
    if (pid < 0) {
        fprintf(stderr, "poolbench record: fork: %s\n", strerror(errno));
        return PB_EXIT_FAIL;
    }
    int rc = wait_child(pid);
    if (le.stage == 1) {
        fprintf(stderr, "poolbench record: cannot set the environment: %s\n", strerror(le.err));
        return PB_EXIT_FAIL;
    }
    if (le.stage == 2) { /* checked before, but the exec can still fail (ELOOP, ETXTBSY...) */
        pb_text_line(stderr, "poolbench record: cannot run '%s': %s", o->cmd[0], strerror(le.err));
        return PB_EXIT_USAGE;
    }
    int sig = pb_signals_caught();
    if (sig)
        pb_text_line(stderr, "poolbench record: interrupted (%s); %s got the signal too",
                     strsignal(sig), o->cmd[0]);
    struct record_outcome res;
    record_report(env->list, env->out, o->cmd[0], o->follow, &res);
    return outcome_status(o->cmd[0], rc, &res);
}

static int record(const struct record_opts *o)
{
    char lib[PATH_MAX], abs_out[PATH_MAX], mode[16];
    int rc = check_setup(o->cmd, lib, sizeof lib);
    if (rc == PB_EXIT_OK)
        rc = prepare_output(o->out, abs_out, sizeof abs_out, mode, sizeof mode);
    if (rc != PB_EXIT_OK)
        return rc;
    char list[PATH_MAX];
    int slot;
    int lfd = make_list(list, sizeof list, &slot);
    if (lfd < 0) {
        pb_text_line(stderr, "poolbench record: cannot create %s: %s", list, strerror(errno));
        return PB_EXIT_FAIL;
    }
    close(lfd);
    char *preload = record_make_preload(lib);
    if (!preload) {
        drop_list(list, slot);
        fprintf(stderr, "poolbench record: out of memory\n");
        return PB_EXIT_FAIL;
    }
    struct record_env env = {preload, abs_out, list, o->sites, mode, o->follow};
    rc = run_recorded(&env, o);
    free(preload);
    drop_list(list, slot);
    pb_signals_catch(0);
    return rc;
}

static int parse_follow(const char *v, enum record_follow *f)
{
    static const enum record_follow all[] = {RECORD_FOLLOW_NONE, RECORD_FOLLOW_EXEC,
                                             RECORD_FOLLOW_ALL};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(v, record_follow_name(all[i])) == 0) {
            *f = all[i];
            return 0;
        }
    pb_text_line(stderr, "poolbench record: --follow '%s': expected none, exec or all", v);
    return -1;
}

/* --sites[=depth=N]: the caller depth into *depth (1 without a value). */
static int parse_sites(const char *v, int *depth)
{
    *depth = 1;
    if (!v)
        return 0;
    char *end = (char *)v;
    unsigned long n = 0;
    if (strncmp(v, "depth=", 6) == 0 && v[6] >= '0' && v[6] <= '9')
        n = strtoul(v + 6, &end, 10);
    if (n < 1 || n > RECORD_SITES_DEPTH_MAX || *end) {
        pb_text_line(stderr, "poolbench record: --sites=%s: expected depth=N, N from 1 to %d", v,
                     RECORD_SITES_DEPTH_MAX);
        return -1;
    }
    *depth = (int)n;
    return 0;
}

/* The options into o; -1 to exit with *status (help, or bad usage). */
static int parse_options(int argc, char **argv, struct record_opts *o, int *status)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"sites", optional_argument, NULL, 's'},
        {"follow", required_argument, NULL, 'F'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const struct pb_opts rules = {"+ho:", longopts, NULL, NULL};
    unsigned seen = 0;
    uint64_t number = 0;
    int c;
    *status = PB_EXIT_USAGE;
    while ((c = getopt_long(argc, argv, rules.optstring, longopts, NULL)) != -1) {
        char oerr[160];
        if (pb_opt_check(&rules, c, optarg, &seen, &number, oerr, sizeof oerr)) {
            fprintf(stderr, "poolbench record: %s\n", oerr);
            return -1;
        }
        switch (c) {
        case 'o':
            o->out = optarg;
            break;
        case 's':
            if (parse_sites(optarg, &o->sites) != 0)
                return -1;
            break;
        case 'F':
            if (parse_follow(optarg, &o->follow) != 0)
                return -1;
            break;
        case 'h':
            usage(stdout);
            *status = PB_EXIT_OK;
            return -1;
        default:
            usage(stderr);
            return -1;
        }
    }
    return 0;
}

int pb_cmd_record(int argc, char **argv)
{
    struct record_opts o = {NULL, 0, RECORD_FOLLOW_EXEC, NULL};
    int status;
    if (parse_options(argc, argv, &o, &status) != 0)
        return status;
    if (optind >= argc) {
        fprintf(stderr, "poolbench record: missing command (poolbench record -- CMD [ARGS...])\n");
        return PB_EXIT_USAGE;
    }
    if (!argv[optind][0]) {
        fprintf(stderr, "poolbench record: the command is an empty string ('')\n");
        return PB_EXIT_USAGE;
    }
    char def[PATH_MAX];
    if (!o.out) {
        default_output(argv[optind], def, sizeof def);
        o.out = def;
    }
    if (!o.out[0]) {
        fprintf(stderr, "poolbench record: empty output path\n");
        return PB_EXIT_USAGE;
    }
    o.cmd = argv + optind;
    return record(&o);
}
