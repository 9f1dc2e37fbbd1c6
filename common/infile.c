/*
 * infile.c -- input files are regular files (pb_infile.h).
 */
#include "pb_infile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int pb_infile_open(const char *path, off_t *size, char *err, size_t errlen)
{
    if (!*path) {
        snprintf(err, errlen, "'': an empty file name");
        return -1;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    const char *bad = S_ISDIR(st.st_mode)   ? "is a directory"
                      : !S_ISREG(st.st_mode) ? "is not a regular file (pipes and devices are "
                                               "not read)"
                                             : NULL;
    if (bad) {
        snprintf(err, errlen, "%s: %s", path, bad);
        close(fd);
        return -1;
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0)
        fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    if (size)
        *size = st.st_size;
    return fd;
}
