/*
 * pb_outfile.h -- writing an output file whole or not at all.
 *
 * Every command that writes a file goes through here: a regular file is
 * written to a temporary name in its directory and renamed over the target
 * only once complete, so a failure leaves nothing and an existing file intact.
 * Special targets are respected: "-" is standard output, an existing
 * non-regular file (/dev/null, a FIFO, a device) is written in place instead
 * of being replaced by a regular file, and a symbolic link keeps pointing at
 * its (replaced) target. New files get mode 0666 & ~umask like any other.
 * A SIGINT, SIGTERM or SIGHUP that ends the process removes the temporary
 * (pb_signals.h), so an interrupted command leaves nothing half-written.
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
    char path[PATH_MAX];      /* the target: path itself, or a symlink's target */
    char tmp[PATH_MAX + 32];  /* the temporary name (RENAME mode) */
    int slot;                 /* its pb_signals registration, -1 if none */
};

/* Open path for writing (see above). 0 ok; -1 with a message naming the
 * path in err ("cannot create TMP: ..." or "cannot write PATH: ...") and
 * o->error set; nothing is left on disk then. */
int pb_outfile_open(struct pb_outfile *o, const char *path, char *err, size_t errlen);

/* Flush and close (fsync and rename a temporary into place). 0 ok; -1 with
 * "cannot write PATH: ..." in err and o->error set, the temporary removed. */
int pb_outfile_commit(struct pb_outfile *o, char *err, size_t errlen);

/* Give up: close and remove the temporary; an in-place target is left as it is. */
void pb_outfile_abort(struct pb_outfile *o);

#endif
