/*
 * record.h -- the parts of `poolbench record`, one file each: starting the
 * program under the recorder (record_launch.c), reporting the files it wrote
 * (record_report.c) and the command itself, options and flow (cmd_record.c).
 * Internal to the CLI layer.
 */
#ifndef PB_RECORD_H
#define PB_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define RECORD_LIBNAME "libpbrecord.so"

/* --follow: which processes record (the value of PB_RECORD_FOLLOW). */
enum record_follow { RECORD_FOLLOW_NONE, RECORD_FOLLOW_EXEC, RECORD_FOLLOW_ALL };

/* "none", "exec", "all". */
const char *record_follow_name(enum record_follow f);

/* Find libpbrecord.so ($PB_RECORD_LIB, beside the executable, libdir); 0 and
 * its absolute path in out, or -1. */
int record_find_library(const char *libdir, char *out, size_t cap);

/* LD_PRELOAD for the program: ASan runtimes already listed, then lib, then
 * the rest (so a malloc replacement listed there is what the recorder
 * forwards to). Allocated; NULL when out of memory. */
char *record_make_preload(const char *lib);

/* Can cmd be run the way execvp would run it (a path, or found in $PATH)?
 * 0, or the errno execvp would end with: ENOENT (not found), EACCES (not
 * executable), EISDIR (a directory). Checked before FILE is touched, so a
 * mistyped command leaves an old trace in place. */
int record_check_command(const char *cmd);

/* The program's environment besides the variables it inherits. */
#define RECORD_SITES_DEPTH_MAX 16 /* --sites=depth=N, at most (the recorder's limit) */

struct record_env {
    const char *preload; /* LD_PRELOAD */
    const char *out;     /* FILE, absolute */
    const char *list;    /* the list file */
    int sites;           /* --sites: 0 off, else the caller depth (1: the allocator's caller) */
    const char *mode;    /* a replaced trace's bits, or "" */
    enum record_follow follow;
};

/* Why the program did not start (record_start). */
struct record_launch_error {
    int stage; /* 0: none; 1: setting the environment; 2: exec */
    int err;   /* errno */
};

/* Fork and exec cmd with env e, the child forwarded signals (pb_signals_fork).
 * The child's pid, or -1 (fork failed, errno). When the exec failed, *le says
 * why (the child is then exiting with 127 and still has to be reaped). */
pid_t record_start(const struct record_env *e, char **cmd, struct record_launch_error *le);

/* What a recording left (record_report). */
struct record_outcome {
    unsigned files;   /* trace files written */
    uint64_t events;  /* their events */
    int main_written; /* FILE holds a trace of CMD's own process */
};

/* Read the list file and print one line per trace (bounded: CMD's own
 * process first, then the largest few and a count of the rest), the
 * processes not followed, the pymalloc note for a Python process and the
 * totals; main_path is FILE (absolute), cmd CMD as given. */
void record_report(const char *list, const char *main_path, const char *cmd,
                   enum record_follow follow, struct record_outcome *out);

#endif /* PB_RECORD_H */
