/*
 * pb_infile.h -- opening an input file that is read whole or streamed: a
 * regular file only. A FIFO with no writer would block the open, a device
 * such as /dev/zero never ends, a directory reads as an error.
 */
#ifndef PB_INFILE_H
#define PB_INFILE_H

#include <stddef.h>
#include <sys/types.h>

/* Open path read-only (without blocking, close-on-exec) and check it is a
 * regular file; its size in *size when size is not NULL. The fd, or -1 and
 * err ("PATH: is not a regular file (pipes and devices are not read)"). */
int pb_infile_open(const char *path, off_t *size, char *err, size_t errlen);

#endif /* PB_INFILE_H */
