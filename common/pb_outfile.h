/*
 * pb_outfile.h -- writing an output file whole or not at all.
 *
 * Every command that writes a file goes through here: a regular file is
 * written to a temporary name in its directory and renamed over the target
 * only once complete, so a failure leaves nothing and an existing file intact.
 * Special targets are respected: "-" is standard output, an existing
 * non-regular file (/dev/null, a FIFO, a device) is written in place instead
 * of being replaced by a regular file. A SIGINT, SIGTERM or SIGHUP that ends
 * the process removes the temporary (pb_signals.h), so an interrupted command
 * leaves nothing half-written. docs/output-files.md has the rules:
 *
 * - A symbolic link is followed (the link stays, its target is replaced) only
 *   when it is owned by the caller (geteuid()) and does not lie in a sticky
 *   world-writable directory such as /tmp; any other link is refused, and so
 *   is any existing file in such a directory that the caller does not own
 *   (the fs.protected_symlinks/_regular/_fifos rules, applied whatever the
 *   sysctls say). Each link along a chain is checked the same way.
 * - A replaced regular file keeps its permission bits; a new file gets
 *   0666 & ~umask. The temporary is never readable by more users than the
 *   file it replaces.
 * - The temporary is created with O_CREAT | O_EXCL | O_NOFOLLOW: nothing is
 *   ever written through a link planted at its name.
 */
#ifndef PB_OUTFILE_H
#define PB_OUTFILE_H

#include <limits.h>
#include <stddef.h>
#include <stdio.h>

/* How an open pb_outfile reaches its target. */
enum pb_outfile_mode {
    PB_OUTFILE_RENAME,   /* a temporary file renamed over path by commit */
    PB_OUTFILE_IN_PLACE, /* an existing device or FIFO, written directly */
    PB_OUTFILE_STDOUT,   /* path "-": standard output, left open */
};

/* One output being written: write through f (or fd, then nothing through f). */
struct pb_outfile {
    FILE *f;                  /* the stream to write to */
    int fd;                   /* f's descriptor (for gzdopen on a dup, fsync) */
    enum pb_outfile_mode mode;
    int error;                /* errno of the last failure, 0 if none */
    int keep_mode;            /* permission bits of the file replaced, -1 for a new file */
    int unique;               /* opened by pb_outfile_open_unique: never replace */
    char given[PATH_MAX];     /* the path as the caller named it (in messages) */
    char path[PATH_MAX];      /* the target: given itself, or a link's target */
    char tmp[PATH_MAX + 32];  /* the temporary name (RENAME mode) */
    int slot;                 /* its pb_signals registration, -1 if none */
};

/* Open path for writing (see above). 0 ok; -1 with a message naming the
 * path in err ("cannot write PATH: ..." or "refusing to write PATH: ...")
 * and o->error set; nothing is left on disk then. */
int pb_outfile_open(struct pb_outfile *o, const char *path, char *err, size_t errlen);

/* Open a new file for a name that must not replace anything (a timestamped
 * copy): commit takes path, or else path with "-2", "-3", ... before its
 * extension (run-X.json, run-X-2.json), whichever is free, without ever
 * replacing an entry; o->path is the name taken. Links are never followed.
 * 0 ok; -1 and err as pb_outfile_open. */
int pb_outfile_open_unique(struct pb_outfile *o, const char *path, char *err, size_t errlen);

/* Would pb_outfile_open(path) succeed now? Applies the same rules and creates
 * and removes a temporary in the target's directory; an existing device or
 * FIFO is only tested for write permission (opening a FIFO would hand its
 * reader an end of file). For commands that work long before they write.
 * 0 yes; -1 and err as pb_outfile_open. */
int pb_outfile_check(const char *path, char *err, size_t errlen);

/* Flush and close (fsync, set the kept mode and rename a temporary into
 * place). 0 ok; -1 with "cannot write PATH: ..." in err and o->error set,
 * the temporary removed. */
int pb_outfile_commit(struct pb_outfile *o, char *err, size_t errlen);

/* Give up: close and remove the temporary; an in-place target is left as it is. */
void pb_outfile_abort(struct pb_outfile *o);

#endif
