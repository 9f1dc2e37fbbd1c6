/*
 * load.c -- pb_workload_load: opens a trace file, tells text, gzip'd text
 * and binary .pbt apart by their first bytes (not by the file name), and
 * hands the file to the right loader; then names the workload.
 */
#include "pb_workload.h"
#include "trace_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The workload's short name: the base name without .gz, .trace, .pbt or .txt. */
static void set_name(struct pb_workload *w, const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    static const char *const exts[] = {".gz", ".trace", ".pbt", ".txt"};
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        size_t e = strlen(exts[i]);
        if (n > e && memcmp(base + n - e, exts[i], e) == 0)
            n -= e;
    }
    if (n >= sizeof w->name)
        n = sizeof w->name - 1;
    memcpy(w->name, base, n);
    w->name[n] = '\0';
}

/* Open path for reading as a regular file; -1 with the reason in diag.
 * O_NONBLOCK so that opening a FIFO with no writer does not hang before
 * fstat can refuse it; it changes nothing for a regular file. */
static int open_trace(const char *path, struct pb_diag *diag)
{
    if (!*path) {
        pb_diag_add(diag, NULL, 0, "'': an empty file name is not a trace file");
        return -1;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        pb_diag_add(diag, path, 0, "cannot open: %s", strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        pb_diag_add(diag, path, 0, "cannot stat: %s", strerror(errno));
        close(fd);
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        pb_diag_add(diag, path, 0, "is a directory, not a trace file");
        close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        pb_diag_add(diag, path, 0, "is not a regular file (pipes and devices are not read)");
        close(fd);
        return -1;
    }
    return fd;
}

int pb_workload_load(const char *path, struct pb_workload *out, struct pb_diag *diag)
{
    memset(out, 0, sizeof *out);
    int fd = open_trace(path, diag);
    if (fd < 0)
        return -1;
    unsigned char head[PB_PBT_MAGIC_LEN] = {0};
    ssize_t n = pread(fd, head, sizeof head, 0);
    if (n < 0) {
        pb_diag_add(diag, path, 0, "read error: %s", strerror(errno));
        close(fd);
        return -1;
    }
    int rc;
    char sha[65] = "";
    if (n == PB_PBT_MAGIC_LEN && memcmp(head, PB_PBT_MAGIC, PB_PBT_MAGIC_LEN) == 0) {
        rc = pb_binary_load_fd(fd, path, out, diag);
        if (rc == 0)
            memcpy(sha, out->sha256, sizeof sha);
    } else {
        int gz = n >= 2 && head[0] == 0x1f && head[1] == 0x8b;
        rc = pb_text_load_fd(fd, gz, path, out, diag, sha);
    }
    close(fd);
    if (rc)
        return -1;
    set_name(out, path);
    snprintf(out->source, sizeof out->source, "trace");
    memcpy(out->sha256, sha, sizeof out->sha256);
    if (pb_workload_set_path(out, path)) {
        pb_workload_free(out);
        pb_diag_add(diag, path, 0, "out of memory");
        return -1;
    }
    return 0;
}
