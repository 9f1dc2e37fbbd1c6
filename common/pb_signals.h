/*
 * pb_signals.h -- what SIGINT, SIGTERM and SIGHUP do to poolbench: one
 * handler for the three, installed once by main, in one of two modes.
 *
 * - Cleanup (the default): the signal removes every temporary file this
 *   process registered (pb_outfile's temporaries, record's list file) and
 *   then ends the process by that same signal, so no `*.tmp.*` is left and
 *   an existing target is untouched. Commands with nothing to keep (convert,
 *   gen, import, plot, ...) need nothing more.
 * - Catch (pb_signals_catch(1), `run` and `record`): the signal is only
 *   recorded (pb_signals_caught) and, when a child was given with
 *   pb_signals_fork(..., 1), passed on to it; the command winds down itself
 *   (`run` kills its children and writes the finished runs, `record` waits
 *   for its program). Further signals while it does so are recorded again,
 *   so a results file being written is committed, not cut off.
 *
 * A signal inherited as ignored (nohup's SIGHUP, SIGINT in a shell's
 * background job) stays ignored, in this process and its children.
 * Children forked with pb_signals_fork die with their parent, even when the
 * parent is killed by SIGKILL (PR_SET_PDEATHSIG).
 *
 * The registry of temporary paths is process-wide state by necessity: a
 * signal handler has no caller to hand it a context. Registering, renaming
 * and removing happen with the three signals blocked, so the handler sees
 * either a file that exists under its registered name or no entry. Writers
 * are single-threaded (the handler may run in any thread that does not
 * block the signals).
 */
#ifndef PB_SIGNALS_H
#define PB_SIGNALS_H

#include <signal.h>
#include <sys/types.h>

/* Temporary paths registered at once; more are simply not cleaned on a signal. */
#define PB_SIGNALS_TRACKED 8

/* Install the handler for SIGINT, SIGTERM and SIGHUP (not for one inherited
 * as ignored), in cleanup mode. Called once by main; 0 ok, -1 on failure. */
int pb_signals_init(void);

/* on = 1: catch mode from now on, the recorded signal reset to none;
 * on = 0: cleanup mode again, and no child to forward to. */
void pb_signals_catch(int on);

/* The first signal recorded since pb_signals_catch(1), 0 if none. */
int pb_signals_caught(void);

/* The recorded signal as a flag a polling loop can take (pb_isolate_run's stop). */
volatile sig_atomic_t *pb_signals_flag(void);

/* Record sig as if it had been caught (a child reported an interruption). */
void pb_signals_note(int sig);

/* Block SIGINT, SIGTERM and SIGHUP in this thread; *old receives the mask to restore. */
void pb_signals_block(sigset_t *old);

/* Restore the mask saved by pb_signals_block (pending signals arrive now). */
void pb_signals_restore(const sigset_t *old);

/* Register path, a temporary file this process just created, for removal on
 * a signal in cleanup mode. Call with the signals blocked. The slot, or -1
 * when all PB_SIGNALS_TRACKED are taken (the file then is not cleaned). */
int pb_signals_track(const char *path);

/* Forget slot (from pb_signals_track; -1 is ignored). Call with the signals
 * blocked, together with the rename or unlink that ends the temporary. */
void pb_signals_untrack(int slot);

/* fork() for a child of poolbench (a run, a recorded program, gnuplot).
 * In the child: the three signals have their default dispositions (those
 * ignored stay ignored), nothing is registered, and it gets death_sig when
 * the parent dies (it exits at once if the parent died already). In the
 * parent, forward != 0 makes it the child of the handler until
 * pb_signals_reap: in catch mode signals are passed on to it; in cleanup
 * mode it is killed and reaped before the temporaries are removed (it may be
 * writing one). Returns as fork. */
pid_t pb_signals_fork(int death_sig, int forward);

/* Wait for child pid to end (through EINTR), stop forwarding to it, then
 * reap it -- in that order, so no signal goes to its pid once reused.
 * 0 with *status as from waitpid, or -1 with errno. */
int pb_signals_reap(pid_t pid, int *status);

#endif /* PB_SIGNALS_H */
