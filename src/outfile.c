/*
 * outfile.c -- see pb_outfile.h.
 *
 * The temporary is created with open(O_CREAT | O_EXCL, 0666) under a fresh
 * name rather than with mkstemp, so the kernel applies the umask (mkstemp
 * makes 0600 files) without reading the process-wide umask here.
 */
#include "pb_outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { PB_OUTFILE_TRIES = 100 };

static int fail(struct pb_outfile *o, int error, const char *what, const char *name, char *err,
                size_t errlen)
{
    o->error = error ? error : EIO;
    snprintf(err, errlen, "%s %s: %s", what, name, strerror(o->error));
    return -1;
}

/* Six characters from the clock, the process id and the attempt. */
static void unique_suffix(char *out, unsigned attempt)
{
    static const char digits[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^
                 ((uint64_t)getpid() << 40) ^ ((uint64_t)attempt * 0x9e3779b97f4a7c15ull);
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 31;
    for (int i = 0; i < 6; i++, x /= 36)
        out[i] = digits[x % 36];
    out[6] = '\0';
}

/* Create TARGET.tmp.XXXXXX exclusively, mode 0666 & ~umask. fd or -1 with errno. */
static int create_temp(struct pb_outfile *o)
{
    for (unsigned attempt = 0; attempt < PB_OUTFILE_TRIES; attempt++) {
        char suffix[8];
        unique_suffix(suffix, attempt);
        snprintf(o->tmp, sizeof o->tmp, "%s.tmp.%s", o->path, suffix);
        int fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    return -1;
}

static int open_in_place(struct pb_outfile *o, char *err, size_t errlen)
{
    o->mode = PB_OUTFILE_IN_PLACE;
    o->fd = open(o->path, O_WRONLY | O_TRUNC | O_CLOEXEC);
    o->f = o->fd >= 0 ? fdopen(o->fd, "w") : NULL;
    if (o->f)
        return 0;
    int e = errno;
    if (o->fd >= 0)
        close(o->fd);
    return fail(o, e, "cannot write", o->path, err, errlen);
}

static int open_temp(struct pb_outfile *o, char *err, size_t errlen)
{
    char real[PATH_MAX];
    struct stat st;
    o->mode = PB_OUTFILE_RENAME;
    if (lstat(o->path, &st) == 0 && S_ISLNK(st.st_mode) && realpath(o->path, real))
        memcpy(o->path, real, sizeof real); /* keep the link, replace its target */
    o->fd = create_temp(o);
    if (o->fd < 0)
        return fail(o, errno, "cannot create", o->tmp, err, errlen);
    o->f = fdopen(o->fd, "w");
    if (o->f)
        return 0;
    int e = errno;
    close(o->fd);
    unlink(o->tmp);
    return fail(o, e, "cannot create", o->tmp, err, errlen);
}

int pb_outfile_open(struct pb_outfile *o, const char *path, char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    o->fd = -1;
    if (strcmp(path, "-") == 0) {
        o->mode = PB_OUTFILE_STDOUT;
        o->f = stdout;
        o->fd = STDOUT_FILENO;
        snprintf(o->path, sizeof o->path, "%s", "standard output");
        return 0;
    }
    if (!*path) {
        o->error = ENOENT;
        snprintf(err, errlen, "'': an empty output file name");
        return -1;
    }
    if (strlen(path) >= sizeof o->path)
        return fail(o, ENAMETOOLONG, "cannot write", path, err, errlen);
    memcpy(o->path, path, strlen(path) + 1);
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return open_in_place(o, err, errlen); /* a rename would replace the device itself */
    return open_temp(o, err, errlen);
}

int pb_outfile_commit(struct pb_outfile *o, char *err, size_t errlen)
{
    int e = 0;
    if (fflush(o->f) != 0 || ferror(o->f))
        e = errno ? errno : EIO;
    if (o->mode == PB_OUTFILE_STDOUT) {
        o->f = NULL;
        return e ? fail(o, e, "cannot write", o->path, err, errlen) : 0;
    }
    if (!e && o->mode == PB_OUTFILE_RENAME && fsync(o->fd) != 0)
        e = errno;
    if (fclose(o->f) != 0 && !e)
        e = errno ? errno : EIO;
    o->f = NULL;
    o->fd = -1;
    if (!e && o->mode == PB_OUTFILE_RENAME && rename(o->tmp, o->path) != 0)
        e = errno;
    if (!e)
        return 0;
    if (o->mode == PB_OUTFILE_RENAME)
        unlink(o->tmp);
    return fail(o, e, "cannot write", o->path, err, errlen);
}

void pb_outfile_abort(struct pb_outfile *o)
{
    if (!o->f || o->mode == PB_OUTFILE_STDOUT) {
        o->f = NULL;
        return;
    }
    fclose(o->f);
    o->f = NULL;
    o->fd = -1;
    if (o->mode == PB_OUTFILE_RENAME)
        unlink(o->tmp);
}
