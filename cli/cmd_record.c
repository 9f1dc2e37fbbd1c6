/*
 * cmd_record.c -- `poolbench record [-o FILE.trace] [--sites] -- CMD [ARGS...]`:
 * runs CMD with the recorder library (libpbrecord.so) preloaded and reports
 * the trace file(s) it wrote.
 *
 * The library is looked up in this order: $PB_RECORD_LIB, next to the
 * poolbench executable (the build tree), PB_RECORD_LIBDIR (where
 * `cmake --install` puts it, <prefix>/lib/poolbench). The child gets
 * LD_PRELOAD with the recorder first (after any ASan runtime already listed,
 * which must stay first), PB_RECORD_OUT (absolute), PB_RECORD_FIRST (its own
 * pid: that process writes FILE, every other one FILE.<pid>), PB_RECORD_LIST
 * (a temporary file where each recording process appends its path),
 * PB_RECORD_SITES and PB_RECORD_MODE (the bits of the trace FILE replaces, so
 * a replaced trace is never more readable than before).
 *
 * FILE is checked before CMD runs: an old FILE (or a symbolic link there) is
 * removed, never followed, and a file must be creatable in its directory.
 *
 * Signals: SIGTERM and SIGHUP sent to poolbench record (and a SIGINT sent to
 * it alone, not by the terminal, which signals the program itself) are
 * passed on to CMD; record keeps waiting for CMD to end, then reports the
 * trace written so far and exits as for any CMD that failed or was killed.
 * CMD gets SIGTERM if record itself is killed (PR_SET_PDEATHSIG).
 */
#include "pb_cli.h"
#include "pb_outfile.h"
#include "pb_paths.h"
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

#define PB_RECORD_LIBNAME "libpbrecord.so"

/* What one recorded file holds. */
struct record_file_stats {
    uint64_t events;
    uint64_t dropped;
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: poolbench record [-o FILE.trace] [--sites] -- CMD [ARGS...]\n\n"
            "Runs CMD with poolbench's recorder preloaded (LD_PRELOAD) and writes every\n"
            "malloc, calloc, realloc, free, aligned_alloc, posix_memalign, memalign, valloc,\n"
            "pvalloc and reallocarray call it makes as a v1 trace.\n\n"
            "  -o, --output FILE  the trace of CMD's own process (default: CMD.trace in the\n"
            "                     current directory, CMD's base name). Each other process\n"
            "                     (fork child, exec'd program) writes FILE.<pid>.\n"
            "  --sites            tag each allocation with its call site, @MODULE:OFFSET\n"
            "  -h, --help         this text\n\n"
            "SIGTERM and SIGHUP sent to poolbench record are passed on to CMD; record waits\n"
            "for CMD to end, then reports. CMD gets SIGTERM if record is killed.\n\n"
            "Exit status: 0 when CMD succeeded, 1 when CMD failed or was killed (the trace\n"
            "is still written), 2 on bad usage or when the recorder library is missing.\n");
}

static int readable(const char *path)
{
    return access(path, R_OK) == 0;
}

/* Find libpbrecord.so; 0 and its absolute path in out, or -1. */
static int find_library(char *out, size_t cap)
{
    const char *env = getenv("PB_RECORD_LIB");
    if (env && env[0]) {
        if (!readable(env) || !realpath(env, out))
            return -1;
        return 0;
    }
    /* beside the executable (the build tree), then an installed tree's lib/poolbench */
    static const char *const rel[] = {PB_RECORD_LIBNAME, "../lib/poolbench/" PB_RECORD_LIBNAME};
    for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
        char cand[PATH_MAX];
        if (pb_exe_relative(rel[i], cand, sizeof cand) == 0 && readable(cand) &&
            realpath(cand, out) && strlen(out) < cap)
            return 0;
    }
    if ((size_t)snprintf(out, cap, "%s/%s", PB_RECORD_LIBDIR, PB_RECORD_LIBNAME) < cap &&
        readable(out))
        return 0;
    return -1;
}

static int is_asan_runtime(const char *entry, size_t len)
{
    static const char *const names[] = {"libasan", "libclang_rt.asan"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t k = strlen(names[i]);
        for (size_t j = 0; j + k <= len; j++)
            if (memcmp(entry + j, names[i], k) == 0)
                return 1;
    }
    return 0;
}

/* LD_PRELOAD for the child: ASan runtimes already listed, then the recorder,
 * then the rest (so a malloc replacement listed there is what we forward to). */
static char *make_preload(const char *lib)
{
    const char *old = getenv("LD_PRELOAD");
    size_t oldlen = old ? strlen(old) : 0;
    size_t cap = strlen(lib) + 2 * oldlen + 4;
    char *asan = calloc(1, cap), *rest = calloc(1, cap), *out = calloc(1, cap);
    if (!asan || !rest || !out) {
        free(asan);
        free(rest);
        free(out);
        return NULL;
    }
    for (const char *p = old; p && *p;) {
        size_t len = strcspn(p, ": ");
        if (len) {
            char *dst = is_asan_runtime(p, len) ? asan : rest;
            if (dst[0])
                strcat(dst, ":");
            strncat(dst, p, len);
        }
        p += len;
        p += strspn(p, ": ");
    }
    snprintf(out, cap, "%s%s%s%s%s", asan, asan[0] ? ":" : "", lib, rest[0] ? ":" : "", rest);
    free(asan);
    free(rest);
    return out;
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

struct record_env {
    const char *preload;
    const char *out;
    const char *list;
    int sites;
    const char *mode; /* PB_RECORD_MODE: a replaced trace's bits, or "" */
};

/* In the child: set the environment and exec CMD; never returns. */
static void run_child(const struct record_env *e, char **cmd)
{
    char pid[32];
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    if (setenv("LD_PRELOAD", e->preload, 1) != 0 || setenv("PB_RECORD_OUT", e->out, 1) != 0 ||
        setenv("PB_RECORD_FIRST", pid, 1) != 0 || setenv("PB_RECORD_LIST", e->list, 1) != 0 ||
        setenv("PB_RECORD_MODE", e->mode, 1) != 0 ||
        (e->sites ? setenv("PB_RECORD_SITES", "1", 1) : unsetenv("PB_RECORD_SITES")) != 0) {
        fprintf(stderr, "poolbench record: cannot set the environment: %s\n", strerror(errno));
        _exit(127);
    }
    execvp(cmd[0], cmd);
    pb_text_line(stderr, "poolbench record: cannot run '%s': %s", cmd[0], strerror(errno));
    _exit(127);
}

/* Count event lines and read the dropped-frees comment of one trace. */
static int scan_trace(const char *path, struct record_file_stats *st)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[512];
    int at_line_start = 1;
    memset(st, 0, sizeof *st);
    while (fgets(line, sizeof line, f)) {
        if (at_line_start) {
            const char *p = line + strspn(line, " \t");
            unsigned long long d;
            if (*p == 'a' || *p == 'f' || *p == 'r' || *p == 'x')
                st->events++;
            else if (sscanf(p, "# dropped %llu frees", &d) == 1)
                st->dropped += d;
        }
        at_line_start = strchr(line, '\n') != NULL;
    }
    fclose(f);
    return 0;
}

/* Print one line per file written (paths from the list file); the count. */
static int report_files(const char *list, uint64_t *events)
{
    FILE *f = fopen(list, "r");
    int n = 0;
    *events = 0;
    if (!f)
        return 0;
    char path[PATH_MAX + 2];
    while (fgets(path, sizeof path, f)) {
        path[strcspn(path, "\n")] = '\0';
        struct record_file_stats st;
        if (!path[0] || scan_trace(path, &st) != 0)
            continue;
        fputs("poolbench record: ", stderr);
        pb_text_put(stderr, path, 0);
        fprintf(stderr, ": %llu events", (unsigned long long)st.events);
        if (st.dropped)
            fprintf(stderr, ", %llu frees of earlier blocks dropped",
                    (unsigned long long)st.dropped);
        fprintf(stderr, "\n");
        *events += st.events;
        n++;
    }
    fclose(f);
    return n;
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

static int record(const char *out, int sites, char **cmd)
{
    char lib[PATH_MAX], abs_out[PATH_MAX];
    if (find_library(lib, sizeof lib) != 0) {
        fprintf(stderr,
                "poolbench record: cannot find %s (looked at $PB_RECORD_LIB, next to the\n"
                "poolbench executable and in %s); build the 'pbrecord' target or install\n",
                PB_RECORD_LIBNAME, PB_RECORD_LIBDIR);
        return PB_EXIT_USAGE;
    }
    if (absolute_path(out, abs_out, sizeof abs_out) != 0) {
        pb_text_line(stderr, "poolbench record: output path too long: %s", out);
        return PB_EXIT_USAGE;
    }
    struct stat st; /* never unlink /dev/null, a FIFO or a device: only a file is replaced */
    char mode[16] = ""; /* a replaced trace keeps its bits (never wider) */
    int exists = lstat(abs_out, &st) == 0;
    if (exists && S_ISREG(st.st_mode))
        snprintf(mode, sizeof mode, "%o", (unsigned)(st.st_mode & 0666));
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
    char list[PATH_MAX];
    int slot;
    int lfd = make_list(list, sizeof list, &slot);
    if (lfd < 0) {
        pb_text_line(stderr, "poolbench record: cannot create %s: %s", list, strerror(errno));
        return PB_EXIT_FAIL;
    }
    close(lfd);
    char *preload = make_preload(lib);
    if (!preload) {
        drop_list(list, slot);
        fprintf(stderr, "poolbench record: out of memory\n");
        return PB_EXIT_FAIL;
    }
    struct record_env env = {preload, abs_out, list, sites, mode};
    fflush(NULL);
    pb_signals_catch(1); /* SIGTERM, SIGHUP: passed on to CMD, which ends the recording */
    pid_t pid = pb_signals_fork(SIGTERM, 1);
    if (pid == 0)
        run_child(&env, cmd);
    free(preload);
    if (pid < 0) {
        pb_signals_catch(0);
        drop_list(list, slot);
        fprintf(stderr, "poolbench record: fork: %s\n", strerror(errno));
        return PB_EXIT_FAIL;
    }
    int rc = wait_child(pid);
    int sig = pb_signals_caught();
    if (sig)
        fprintf(stderr, "poolbench record: interrupted (%s); %s got the signal too\n",
                strsignal(sig), cmd[0]);
    uint64_t events;
    int files = report_files(list, &events);
    drop_list(list, slot);
    pb_signals_catch(0);
    fprintf(stderr, "poolbench record: %llu events in %d file%s\n", (unsigned long long)events,
            files, files == 1 ? "" : "s");
    if (rc != 0) {
        if (rc > 128)
            pb_text_line(stderr, "poolbench record: %s was killed by signal %d%s", cmd[0],
                         rc - 128, files ? " (the trace is written)" : "");
        else
            pb_text_line(stderr, "poolbench record: %s exited with status %d%s", cmd[0], rc,
                         files ? " (the trace is written)" : "");
    }
    if (files == 0) {
        pb_text_line(stderr, "poolbench record: no trace was written (is %s writable?)", abs_out);
        return PB_EXIT_FAIL;
    }
    if (rc != 0)
        return PB_EXIT_FAIL;
    return PB_EXIT_OK;
}

int pb_cmd_record(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"sites", no_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *out = NULL;
    int sites = 0, c;
    static const struct pb_opts rules = {"+ho:", longopts, NULL, NULL};
    unsigned seen = 0;
    uint64_t number = 0;
    while ((c = getopt_long(argc, argv, rules.optstring, longopts, NULL)) != -1) {
        char oerr[160];
        if (pb_opt_check(&rules, c, optarg, &seen, &number, oerr, sizeof oerr)) {
            fprintf(stderr, "poolbench record: %s\n", oerr);
            return PB_EXIT_USAGE;
        }
        switch (c) {
        case 'o':
            out = optarg;
            break;
        case 's':
            sites = 1;
            break;
        case 'h':
            usage(stdout);
            return PB_EXIT_OK;
        default:
            usage(stderr);
            return PB_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "poolbench record: missing command (poolbench record -- CMD [ARGS...])\n");
        return PB_EXIT_USAGE;
    }
    if (!argv[optind][0]) {
        fprintf(stderr, "poolbench record: the command is an empty string ('')\n");
        return PB_EXIT_USAGE;
    }
    char def[PATH_MAX];
    if (!out) {
        default_output(argv[optind], def, sizeof def);
        out = def;
    }
    if (!out[0]) {
        fprintf(stderr, "poolbench record: empty output path\n");
        return PB_EXIT_USAGE;
    }
    return record(out, sites, argv + optind);
}
