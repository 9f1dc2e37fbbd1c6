/* test_outfile.c -- pb_outfile: temp + rename, umask, symlinks, devices, FIFOs, failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pb_outfile.h"

/* A fresh directory under /tmp. */
static void make_dir(char *dir, size_t len)
{
    snprintf(dir, len, "/tmp/pb-test-outfile-XXXXXX");
    assert_non_null(mkdtemp(dir));
}

/* Remove dir and the plain entries in it. */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    char path[PATH_MAX + 300];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    assert_int_equal(rmdir(dir), 0);
}

/* Entries in dir besides . and .. */
static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* The whole file at path in buf ("" if it cannot be read). */
static const char *read_file(const char *path, char *buf, size_t len)
{
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f)
        return buf;
    size_t n = fread(buf, 1, len - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void new_file_gets_mode_from_umask(void **state)
{
    (void)state;
    char dir[64], path[128], err[256];
    make_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/new.txt", dir);
    mode_t old = umask(022);
    struct pb_outfile o;
    assert_int_equal(pb_outfile_open(&o, path, err, sizeof err), 0);
    assert_int_equal(o.mode, PB_OUTFILE_RENAME);
    fputs("hello\n", o.f);
    assert_int_equal(pb_outfile_commit(&o, err, sizeof err), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    umask(077);
    assert_int_equal(pb_outfile_open(&o, path, err, sizeof err), 0);
    assert_int_equal(pb_outfile_commit(&o, err, sizeof err), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    umask(old);
    remove_dir(dir);
}

static void commit_replaces_the_old_file_only_at_the_end(void **state)
{
    (void)state;
    char dir[64], path[128], err[256], buf[64];
    make_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/out.txt", dir);
    write_file(path, "old\n");
    struct pb_outfile o;
    assert_int_equal(pb_outfile_open(&o, path, err, sizeof err), 0);
    fputs("new\n", o.f);
    assert_int_equal(fflush(o.f), 0);
    assert_string_equal(read_file(path, buf, sizeof buf), "old\n");
    assert_int_equal(count_entries(dir), 2); /* the file and its temporary */
    assert_int_equal(pb_outfile_commit(&o, err, sizeof err), 0);
    assert_string_equal(read_file(path, buf, sizeof buf), "new\n");
    assert_int_equal(count_entries(dir), 1);
    remove_dir(dir);
}

static void abort_leaves_nothing_and_the_old_file(void **state)
{
    (void)state;
    char dir[64], path[128], fresh[128], err[256], buf[64];
    make_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/out.txt", dir);
    snprintf(fresh, sizeof fresh, "%s/fresh.txt", dir);
    write_file(path, "old\n");
    struct pb_outfile o, p;
    assert_int_equal(pb_outfile_open(&o, path, err, sizeof err), 0);
    assert_int_equal(pb_outfile_open(&p, fresh, err, sizeof err), 0);
    fputs("half", o.f);
    fputs("half", p.f);
    pb_outfile_abort(&o);
    pb_outfile_abort(&p);
    assert_string_equal(read_file(path, buf, sizeof buf), "old\n");
    assert_int_equal(access(fresh, F_OK), -1);
    assert_int_equal(count_entries(dir), 1);
    remove_dir(dir);
}

static void symlink_keeps_the_link_and_replaces_its_target(void **state)
{
    (void)state;
    char dir[64], target[128], link[128], err[256], buf[64];
    make_dir(dir, sizeof dir);
    snprintf(target, sizeof target, "%s/target.txt", dir);
    snprintf(link, sizeof link, "%s/link.txt", dir);
    write_file(target, "old\n");
    assert_int_equal(symlink("target.txt", link), 0);
    struct pb_outfile o;
    assert_int_equal(pb_outfile_open(&o, link, err, sizeof err), 0);
    fputs("new\n", o.f);
    assert_int_equal(pb_outfile_commit(&o, err, sizeof err), 0);
    struct stat st;
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(lstat(target, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_string_equal(read_file(target, buf, sizeof buf), "new\n");
    assert_int_equal(count_entries(dir), 2);
    remove_dir(dir);
}

static void dev_null_stays_a_device(void **state)
{
    (void)state;
    char err[256];
    struct pb_outfile o;
    assert_int_equal(pb_outfile_open(&o, "/dev/null", err, sizeof err), 0);
    assert_int_equal(o.mode, PB_OUTFILE_IN_PLACE);
    fputs("discarded\n", o.f);
    assert_int_equal(pb_outfile_commit(&o, err, sizeof err), 0);
    struct stat st;
    assert_int_equal(stat("/dev/null", &st), 0);
    assert_true(S_ISCHR(st.st_mode));
    assert_int_equal(pb_outfile_open(&o, "/dev/null", err, sizeof err), 0);
    pb_outfile_abort(&o);
    assert_int_equal(stat("/dev/null", &st), 0);
    assert_true(S_ISCHR(st.st_mode));
}

static void a_full_device_fails_at_commit(void **state)
{
    (void)state;
    char err[256];
    struct stat st;
    if (stat("/dev/full", &st) != 0 || !S_ISCHR(st.st_mode))
        skip();
    struct pb_outfile o;
    assert_int_equal(pb_outfile_open(&o, "/dev/full", err, sizeof err), 0);
    fputs("no room\n", o.f);
    assert_int_equal(pb_outfile_commit(&o, err, sizeof err), -1);
    assert_non_null(strstr(err, "/dev/full"));
    assert_int_not_equal(o.error, 0);
    assert_int_equal(stat("/dev/full", &st), 0);
    assert_true(S_ISCHR(st.st_mode));
}

static void fifo_is_written_in_place(void **state)
{
    (void)state;
    char dir[64], fifo[128], err[256];
    make_dir(dir, sizeof dir);
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) { /* the reader: exit 0 only if it got exactly the text */
        char buf[64];
        FILE *f = fopen(fifo, "r");
        size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
        buf[n] = '\0';
        _exit(strcmp(buf, "through the fifo\n") == 0 ? 0 : 1);
    }
    struct pb_outfile o;
    assert_int_equal(pb_outfile_open(&o, fifo, err, sizeof err), 0);
    assert_int_equal(o.mode, PB_OUTFILE_IN_PLACE);
    fputs("through the fifo\n", o.f);
    assert_int_equal(pb_outfile_commit(&o, err, sizeof err), 0);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    struct stat st;
    assert_int_equal(lstat(fifo, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    assert_int_equal(count_entries(dir), 1);
    remove_dir(dir);
}

static void unwritable_directory_is_an_error_naming_the_path(void **state)
{
    (void)state;
    char dir[64], path[128], err[256];
    make_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/no-such-dir/x.txt", dir);
    struct pb_outfile o;
    assert_int_equal(pb_outfile_open(&o, path, err, sizeof err), -1);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "No such file or directory"));
    if (geteuid() != 0) { /* root writes anywhere: a read-only directory means nothing then */
        assert_int_equal(chmod(dir, 0555), 0);
        snprintf(path, sizeof path, "%s/x.txt", dir);
        assert_int_equal(pb_outfile_open(&o, path, err, sizeof err), -1);
        assert_non_null(strstr(err, path));
        assert_int_equal(chmod(dir, 0755), 0);
    }
    assert_int_equal(count_entries(dir), 0);
    remove_dir(dir);
}

static void a_directory_target_is_refused(void **state)
{
    (void)state;
    char dir[64], err[256];
    make_dir(dir, sizeof dir);
    struct pb_outfile o;
    assert_int_equal(pb_outfile_open(&o, dir, err, sizeof err), -1);
    assert_non_null(strstr(err, dir));
    assert_int_equal(count_entries(dir), 0);
    remove_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(new_file_gets_mode_from_umask),
        cmocka_unit_test(commit_replaces_the_old_file_only_at_the_end),
        cmocka_unit_test(abort_leaves_nothing_and_the_old_file),
        cmocka_unit_test(symlink_keeps_the_link_and_replaces_its_target),
        cmocka_unit_test(dev_null_stays_a_device),
        cmocka_unit_test(a_full_device_fails_at_commit),
        cmocka_unit_test(fifo_is_written_in_place),
        cmocka_unit_test(unwritable_directory_is_an_error_naming_the_path),
        cmocka_unit_test(a_directory_target_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
