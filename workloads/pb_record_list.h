/*
 * pb_record_list.h -- what the recorder library (libpbrecord.so) and
 * `poolbench record` agree on: the environment variables that configure the
 * recorder and the records of the list file through which each recorded or
 * skipped process tells poolbench record about itself. Only constants: the
 * library is a stand-alone shared object and links nothing of poolbench.
 *
 * The list file (PB_RECORD_LIST) is a sequence of records, each one
 * O_APPEND write(2) of five NUL-terminated fields:
 *
 *     KIND \0 PID \0 PPID \0 EXE \0 PATH \0
 *
 * PID and PPID are decimal, EXE is /proc/self/exe of the process (may be
 * empty), PATH the trace file (empty for the kinds that write none). KIND:
 *   PB_REC_LIST_MAIN  a program of CMD's own process (pid PB_RECORD_FIRST)
 *                     writes PATH (FILE, or FILE.<pid>... when FILE is taken)
 *   PB_REC_LIST_MOVED the program that wrote FILE exec'd: its trace is now PATH
 *                     (a new program of the same process takes FILE over)
 *   PB_REC_LIST_FORK  a fork child writes PATH
 *   PB_REC_LIST_EXEC  a program exec'd by any other process writes PATH
 *   PB_REC_LIST_SKIP_MAIN  a program of CMD's own process is not recorded
 *                          (--follow none: only the first program is)
 *   PB_REC_LIST_SKIP  another process (fork child or program it exec'd) is
 *                     not recorded (--follow none or exec)
 */
#ifndef PB_RECORD_LIST_H
#define PB_RECORD_LIST_H

/* The environment of the recorded program (see docs/recording.md). */
#define PB_RECORD_ENV_OUT "PB_RECORD_OUT"
#define PB_RECORD_ENV_FIRST "PB_RECORD_FIRST"
#define PB_RECORD_ENV_LIST "PB_RECORD_LIST"
#define PB_RECORD_ENV_SITES "PB_RECORD_SITES"
#define PB_RECORD_ENV_MODE "PB_RECORD_MODE"
#define PB_RECORD_ENV_FOLLOW "PB_RECORD_FOLLOW" /* "none", "exec" or "all" (unset: all) */

#define PB_REC_LIST_MAIN 'm'
#define PB_REC_LIST_MOVED 'M'
#define PB_REC_LIST_FORK 'f'
#define PB_REC_LIST_EXEC 'e'
#define PB_REC_LIST_SKIP_MAIN 'X'
#define PB_REC_LIST_SKIP 'x'

/* The comment a trace gets when its process ran Python with pymalloc on. */
#define PB_REC_PYTHON_COMMENT "python: pymalloc"

#endif /* PB_RECORD_LIST_H */
