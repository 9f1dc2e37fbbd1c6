/*
 * outfile.c -- see pb_outfile.h and docs/output-files.md.
 *
 * A new file's temporary is created with open(O_CREAT | O_EXCL, 0666) under a
 * fresh name rather than with mkstemp, so the kernel applies the umask (mkstemp
 * makes 0600 files) without reading the process-wide umask here. A replaced
 * file's temporary gets the old file's group and other bits plus owner rw (so
 * that a program writing it by name, gnuplot, can) and, at commit, exactly the
 * old file's bits.
 *
 * Links are resolved one at a time with lstat and readlink, not realpath:
 * realpath would also read the links of every directory on the way, outside
 * the kernel's fs.protected_symlinks check; the directories are left to the
 * kernel, which follows them when the temporary is created.
 *
 * The temporary is registered with pb_signals from its creation to its
 * rename or removal, each step with SIGINT, SIGTERM and SIGHUP blocked: a
 * signal that ends the process removes it (pb_signals.h), so an interrupted
 * command leaves no `*.tmp.*` behind and the target as it was.
 */
#include "pb_outfile.h"
#include "pb_signals.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum {
    PB_OUTFILE_TRIES = 100,    /* temporary names, and numbered unique names, tried */
    PB_OUTFILE_MAX_LINKS = 40, /* links followed in one chain (the kernel's limit) */
};

/* "cannot write GIVEN: ..." (with the target when a link was followed). */
static int fail(struct pb_outfile *o, int error, char *err, size_t errlen)
{
    o->error = error ? error : EIO;
    if (!o->unique && o->path[0] && strcmp(o->path, o->given) != 0)
        snprintf(err, errlen, "cannot write %s (a link to %s): %s", o->given, o->path,
                 strerror(o->error));
    else
        snprintf(err, errlen, "cannot write %s: %s", o->given, strerror(o->error));
    return -1;
}

/* "refusing to write GIVEN: it is WHAT" (or "it leads to HOP, WHAT"). */
static int refuse(struct pb_outfile *o, const char *what, char *err, size_t errlen)
{
    o->error = EPERM;
    if (strcmp(o->path, o->given) == 0)
        snprintf(err, errlen, "refusing to write %s: it is %s", o->given, what);
    else
        snprintf(err, errlen, "refusing to write %s: it leads to %s, %s", o->given, o->path, what);
    return -1;
}

/* The directory holding path's last component ("." when it has no slash). */
static void parent_dir(const char *path, char *dir, size_t len)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(dir, len, ".");
        return;
    }
    size_t n = (size_t)(slash - path);
    snprintf(dir, len, "%.*s", (int)(n ? n : 1), path);
}

static int sticky_world_writable(const char *dir)
{
    struct stat st;
    return stat(dir, &st) == 0 && (st.st_mode & S_ISVTX) && (st.st_mode & S_IWOTH);
}

/* The rules for the existing entry st at o->path (see pb_outfile.h). 0 ok, -1 refused. */
static int check_entry(struct pb_outfile *o, const struct stat *st, char *err, size_t errlen)
{
    char dir[PATH_MAX], what[PATH_MAX + 128];
    parent_dir(o->path, dir, sizeof dir);
    int sticky = sticky_world_writable(dir);
    unsigned me = (unsigned)geteuid(), owner = (unsigned)st->st_uid;
    if (S_ISLNK(st->st_mode) && sticky)
        snprintf(what, sizeof what, "a symbolic link in %s, a sticky world-writable directory",
                 dir);
    else if (S_ISLNK(st->st_mode) && owner != me)
        snprintf(what, sizeof what, "a symbolic link owned by uid %u, not by you (uid %u)", owner,
                 me);
    else if (sticky && owner != me)
        snprintf(what, sizeof what,
                 "owned by uid %u, not by you (uid %u), in %s, a sticky world-writable directory",
                 owner, me, dir);
    else
        return 0;
    return refuse(o, what, err, errlen);
}

/* Replace o->path by the target of the link it names. 0 ok; -1 with errno. */
static int follow_link(struct pb_outfile *o)
{
    char target[PATH_MAX], dir[PATH_MAX];
    ssize_t n = readlink(o->path, target, sizeof target);
    if (n < 0)
        return -1;
    if ((size_t)n >= sizeof target) {
        errno = ENAMETOOLONG;
        return -1;
    }
    target[n] = '\0';
    if (target[0] == '/' || !strchr(o->path, '/')) {
        memcpy(o->path, target, (size_t)n + 1);
        return 0;
    }
    parent_dir(o->path, dir, sizeof dir);
    if ((size_t)snprintf(o->path, sizeof o->path, "%s/%s", dir, target) >= sizeof o->path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

/* Follow the links at o->path by the rules, up to the first entry that is not one. */
static int resolve(struct pb_outfile *o, char *err, size_t errlen)
{
    for (int hops = 0; hops <= PB_OUTFILE_MAX_LINKS; hops++) {
        struct stat st;
        if (lstat(o->path, &st) != 0)
            return 0; /* nothing there yet: creating the temporary tells what is wrong */
        if (check_entry(o, &st, err, errlen))
            return -1;
        if (!S_ISLNK(st.st_mode))
            return 0;
        if (follow_link(o))
            return fail(o, errno, err, errlen);
    }
    return fail(o, ELOOP, err, errlen);
}

/* Fill o for path: the target, the rules, the mode to use and to keep. */
static int prepare(struct pb_outfile *o, const char *path, char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    o->fd = -1;
    o->keep_mode = -1;
    o->slot = -1;
    if (strcmp(path, "-") == 0) {
        o->mode = PB_OUTFILE_STDOUT;
        snprintf(o->given, sizeof o->given, "standard output");
        memcpy(o->path, o->given, sizeof o->path);
        return 0;
    }
    if (!*path) {
        o->error = ENOENT;
        snprintf(err, errlen, "'': an empty output file name");
        return -1;
    }
    size_t len = strlen(path);
    snprintf(o->given, sizeof o->given, "%s", path);
    if (len >= sizeof o->path)
        return fail(o, ENAMETOOLONG, err, errlen);
    memcpy(o->path, path, len + 1);
    if (resolve(o, err, errlen))
        return -1;
    struct stat st;
    if (lstat(o->path, &st) != 0)
        return 0; /* a new file */
    if (S_ISDIR(st.st_mode))
        return fail(o, EISDIR, err, errlen);
    if (S_ISREG(st.st_mode))
        o->keep_mode = (int)(st.st_mode & 0777);
    else
        o->mode = PB_OUTFILE_IN_PLACE; /* a rename would replace the device itself */
    return 0;
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

static int finish_temp(struct pb_outfile *o, int place_it);

/* Create TARGET.tmp.XXXXXX exclusively (never through a link) and register
 * it for removal on a signal. fd or -1 with errno. */
static int create_temp(struct pb_outfile *o)
{
    mode_t mode = o->keep_mode < 0 ? 0666 : (((mode_t)o->keep_mode & 077) | 0600);
    for (unsigned attempt = 0; attempt < PB_OUTFILE_TRIES; attempt++) {
        char suffix[8];
        unique_suffix(suffix, attempt);
        snprintf(o->tmp, sizeof o->tmp, "%s.tmp.%s", o->path, suffix);
        sigset_t old;
        pb_signals_block(&old);
        int fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        int e = errno;
        if (fd >= 0)
            o->slot = pb_signals_track(o->tmp);
        pb_signals_restore(&old);
        if (fd >= 0 || e != EEXIST) {
            errno = e;
            return fd;
        }
    }
    return -1;
}

static int open_in_place(struct pb_outfile *o, char *err, size_t errlen)
{
    o->fd = open(o->path, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
    o->f = o->fd >= 0 ? fdopen(o->fd, "w") : NULL;
    if (o->f)
        return 0;
    int e = errno;
    if (o->fd >= 0)
        close(o->fd);
    o->fd = -1;
    return fail(o, e, err, errlen);
}

static int open_temp(struct pb_outfile *o, char *err, size_t errlen)
{
    o->fd = create_temp(o);
    if (o->fd < 0)
        return fail(o, errno, err, errlen);
    o->f = fdopen(o->fd, "w");
    if (o->f)
        return 0;
    int e = errno;
    close(o->fd);
    o->fd = -1;
    finish_temp(o, 0);
    return fail(o, e, err, errlen);
}

int pb_outfile_open(struct pb_outfile *o, const char *path, char *err, size_t errlen)
{
    if (prepare(o, path, err, errlen))
        return -1;
    if (o->mode == PB_OUTFILE_STDOUT) {
        o->f = stdout;
        o->fd = STDOUT_FILENO;
        return 0;
    }
    if (o->mode == PB_OUTFILE_IN_PLACE)
        return open_in_place(o, err, errlen);
    return open_temp(o, err, errlen);
}

int pb_outfile_open_unique(struct pb_outfile *o, const char *path, char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    o->fd = -1;
    o->keep_mode = -1;
    o->slot = -1;
    o->unique = 1;
    snprintf(o->given, sizeof o->given, "%s", path);
    if (strlen(path) >= sizeof o->path)
        return fail(o, ENAMETOOLONG, err, errlen);
    memcpy(o->path, path, strlen(path) + 1);
    return open_temp(o, err, errlen);
}

int pb_outfile_check(const char *path, char *err, size_t errlen)
{
    struct pb_outfile o;
    if (prepare(&o, path, err, errlen))
        return -1;
    if (o.mode == PB_OUTFILE_STDOUT)
        return 0;
    if (o.mode == PB_OUTFILE_IN_PLACE)
        return faccessat(AT_FDCWD, o.path, W_OK, AT_EACCESS) == 0 ? 0
                                                                   : fail(&o, errno, err, errlen);
    int fd = create_temp(&o);
    if (fd < 0)
        return fail(&o, errno, err, errlen);
    close(fd);
    finish_temp(&o, 0);
    return 0;
}

/* path for k = 1, else path with "-k" before the extension of its last component. */
static int numbered_name(const char *path, unsigned k, char *out, size_t len)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    if (!dot || dot == base)
        dot = path + strlen(path);
    int n = k == 1 ? snprintf(out, len, "%s", path)
                   : snprintf(out, len, "%.*s-%u%s", (int)(dot - path), path, k, dot);
    return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* Move tmp to name unless something is there (EEXIST then). 0 or an errno. */
static int place_new(const char *tmp, const char *name)
{
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, name, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return errno;
    if (link(tmp, name) != 0) /* a file system without RENAME_NOREPLACE */
        return errno;
    unlink(tmp);
    return 0;
}

/* The temporary to its name: over o->path, or (unique) the first free name. 0 or an errno. */
static int place(struct pb_outfile *o)
{
    if (!o->unique)
        return rename(o->tmp, o->path) == 0 ? 0 : errno;
    for (unsigned k = 1; k <= PB_OUTFILE_TRIES; k++) {
        if (numbered_name(o->given, k, o->path, sizeof o->path))
            return ENAMETOOLONG;
        int e = place_new(o->tmp, o->path);
        if (e != EEXIST)
            return e;
    }
    return EEXIST;
}

/* End the temporary: place it (place_it != 0) or remove it; either way it
 * is no longer registered. 0 ok, or place's errno. */
static int finish_temp(struct pb_outfile *o, int place_it)
{
    sigset_t old;
    pb_signals_block(&old);
    int e = place_it ? place(o) : 0;
    if (!place_it || e)
        unlink(o->tmp);
    pb_signals_untrack(o->slot);
    o->slot = -1;
    pb_signals_restore(&old);
    return e;
}

/* Before the close: the kept mode, then the data on disk. 0 or an errno. */
static int settle(struct pb_outfile *o)
{
    if (o->keep_mode >= 0 && fchmod(o->fd, (mode_t)o->keep_mode) != 0)
        return errno;
    return fsync(o->fd) == 0 ? 0 : errno;
}

int pb_outfile_commit(struct pb_outfile *o, char *err, size_t errlen)
{
    int e = 0;
    if (fflush(o->f) != 0 || ferror(o->f))
        e = errno ? errno : EIO;
    if (o->mode == PB_OUTFILE_STDOUT) {
        o->f = NULL;
        return e ? fail(o, e, err, errlen) : 0;
    }
    if (!e && o->mode == PB_OUTFILE_RENAME)
        e = settle(o);
    if (fclose(o->f) != 0 && !e)
        e = errno ? errno : EIO;
    o->f = NULL;
    o->fd = -1;
    if (o->mode == PB_OUTFILE_RENAME) {
        int r = finish_temp(o, !e);
        e = e ? e : r;
    }
    return e ? fail(o, e, err, errlen) : 0;
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
        finish_temp(o, 0);
}
