/*
 * program.h -- one run of a whole program (`poolbench bench`): the command
 * executed in a fresh process, optionally with a malloc library preloaded,
 * its standard output kept apart in an unnamed file (never mixed with
 * poolbench's, and compared between allocators), and what the kernel says it
 * cost: wall time around the process, user and system time, peak RSS, page
 * faults and context switches (wait4's rusage).
 */
#ifndef PB_PROGRAM_H
#define PB_PROGRAM_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#define PB_PROGRAM_ERR_MAX 512

/* What to run and how. */
struct pb_program_job {
    const char *path;        /* the file executed (pb_program_find) */
    char *const *argv;       /* its arguments, argv[0] as the user typed it; NULL-ended */
    const char *preload;     /* LD_PRELOAD for the program alone; NULL: none (inherited one removed) */
    char *const *env_extra;  /* more NAME=VALUE entries (NULL-ended, or NULL), replacing inherited ones */
    int stdin_fd;            /* the program's standard input (read from its start); -1: /dev/null */
    int cpu;                 /* pin the program to this CPU; -1: not pinned */
    unsigned timeout_sec;    /* 0: none; else the program (its whole process group) is killed */
    volatile sig_atomic_t *stop; /* when set (a signal), the program is killed; may be NULL */
};

/* How one run ended and what it cost. */
struct pb_program_result {
    int end;                 /* PB_ISO_OK, PB_ISO_FAILED or PB_ISO_INTERRUPTED (isolate.h) */
    int exited;              /* 1: exited, with exit_status; 0: killed by term_signal */
    int exit_status, term_signal;
    uint64_t wall_ns;        /* CLOCK_MONOTONIC from before fork to the exit's notification */
    uint64_t user_ns, sys_ns;
    uint64_t max_rss_bytes;  /* ru_maxrss: the largest resident set of the process (or of a
                                waited-for descendant) */
    uint64_t minor_faults, major_faults, voluntary_switches, involuntary_switches;
    int out_fd;              /* its standard output (an unnamed file; the caller closes it) */
    uint64_t out_bytes;
    char out_sha256[65];     /* its SHA-256, 64 hex digits */
    char err_tail[256];      /* the last line of its standard error, in shown form */
};

/* Where execvp would find cmd: 0 and its path in out (absolute; symbolic
 * links kept, as the program may look at its own name), or the errno execvp
 * would end with (ENOENT: not found, EACCES: not executable, EISDIR). */
int pb_program_find(const char *cmd, char *out, size_t len);

/* 1 when path is an ELF executable without a dynamic loader (statically
 * linked: LD_PRELOAD cannot reach its malloc), 0 otherwise (dynamic, or a
 * script whose interpreter will be dynamic). */
int pb_program_is_static(const char *path);

/* Run job once. 0 with *out filled (out->end says how it ended; a program
 * that crashed, exited non-zero or timed out is a result, not an error);
 * -1 when the run could not be started (err says why). */
int pb_program_run(const struct pb_program_job *job, struct pb_program_result *out, char *err,
                   size_t errlen);

/* Compare two output files from their starts: -1 when equal, else the
 * offset of the first difference (the shorter's length when one is a
 * prefix); *line (from 1) is that offset's line in a. -2 on a read error. */
int64_t pb_program_output_diff(int a, int b, uint64_t *line);

#endif /* PB_PROGRAM_H */
