/* test_outfile.c -- pb_outfile: temp + rename, umask, kept modes, symlink rules, devices,
 * FIFOs, failures, the pre-flight check and unique names. The tests of links and files owned
 * by another user need root (lchown to nobody, uid 65534) and are skipped otherwise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "file_test.h"
#include "pb_outfile.h"

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

static void new_file_gets_mode_from_umask(void **state)
{
    (void)state;
    char dir[64], path[128], err[256];
    ft_make_dir(dir, sizeof dir, "pb-test-outfile");
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
    umask(077); /* another new file (a replaced one keeps its mode: see below) */
    snprintf(path, sizeof path, "%s/new2.txt", dir);
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
    ft_make_dir(dir, sizeof dir, "pb-test-outfile");
    snprintf(path, sizeof path, "%s/out.txt", dir);
    ft_write_file(path, "old\n");
    struct pb_outfile o;
    assert_int_equal(pb_outfile_open(&o, path, err, sizeof err), 0);
    fputs("new\n", o.f);
    assert_int_equal(fflush(o.f), 0);
    assert_string_equal(ft_read_file(path, buf, sizeof buf), "old\n");
    assert_int_equal(ft_count_entries(dir), 2); /* the file and its temporary */
    assert_int_equal(pb_outfile_commit(&o, err, sizeof err), 0);
    assert_string_equal(ft_read_file(path, buf, sizeof buf), "new\n");
    assert_int_equal(ft_count_entries(dir), 1);
    remove_dir(dir);
}

static void abort_leaves_nothing_and_the_old_file(void **state)
{
    (void)state;
    char dir[64], path[128], fresh[128], err[256], buf[64];
    ft_make_dir(dir, sizeof dir, "pb-test-outfile");
    snprintf(path, sizeof path, "%s/out.txt", dir);
    snprintf(fresh, sizeof fresh, "%s/fresh.txt", dir);
    ft_write_file(path, "old\n");
    struct pb_outfile o, p;
    assert_int_equal(pb_outfile_open(&o, path, err, sizeof err), 0);
    assert_int_equal(pb_outfile_open(&p, fresh, err, sizeof err), 0);
    fputs("half", o.f);
    fputs("half", p.f);
    pb_outfile_abort(&o);
    pb_outfile_abort(&p);
    assert_string_equal(ft_read_file(path, buf, sizeof buf), "old\n");
    assert_int_equal(access(fresh, F_OK), -1);
    assert_int_equal(ft_count_entries(dir), 1);
    remove_dir(dir);
}

static void symlink_keeps_the_link_and_replaces_its_target(void **state)
{
    (void)state;
    char dir[64], target[128], link[128], err[256], buf[64];
    ft_make_dir(dir, sizeof dir, "pb-test-outfile");
    snprintf(target, sizeof target, "%s/target.txt", dir);
    snprintf(link, sizeof link, "%s/link.txt", dir);
    ft_write_file(target, "old\n");
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
    assert_string_equal(ft_read_file(target, buf, sizeof buf), "new\n");
    assert_int_equal(ft_count_entries(dir), 2);
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
    ft_make_dir(dir, sizeof dir, "pb-test-outfile");
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
    assert_int_equal(ft_count_entries(dir), 1);
    remove_dir(dir);
}

static void unwritable_directory_is_an_error_naming_the_path(void **state)
{
    (void)state;
    char dir[64], path[128], err[256];
    ft_make_dir(dir, sizeof dir, "pb-test-outfile");
    snprintf(path, sizeof path, "%s/no-such-dir/x.txt", dir);
    struct pb_outfile o;
    assert_int_equal(pb_outfile_open(&o, path, err, sizeof err), -1);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "No such file or directory"));
    assert_null(strstr(err, ".tmp")); /* the user's path, not the temporary's */
    if (geteuid() != 0) { /* root writes anywhere: a read-only directory means nothing then */
        assert_int_equal(chmod(dir, 0555), 0);
        snprintf(path, sizeof path, "%s/x.txt", dir);
        assert_int_equal(pb_outfile_open(&o, path, err, sizeof err), -1);
        assert_non_null(strstr(err, path));
        assert_int_equal(chmod(dir, 0755), 0);
    }
    assert_int_equal(ft_count_entries(dir), 0);
    remove_dir(dir);
}

static void a_directory_target_is_refused(void **state)
{
    (void)state;
    char dir[64], err[256];
    ft_make_dir(dir, sizeof dir, "pb-test-outfile");
    struct pb_outfile o;
    assert_int_equal(pb_outfile_open(&o, dir, err, sizeof err), -1);
    assert_non_null(strstr(err, dir));
    assert_int_equal(ft_count_entries(dir), 0);
    remove_dir(dir);
}

/* ---- symlinks and files that belong to someone else ------------------------ */

enum { NOBODY = 65534 };

static mode_t mode_of(const char *path)
{
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    return st.st_mode & 07777;
}

static mode_t type_of(const char *path)
{
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    return st.st_mode & S_IFMT;
}

/* A victim file (0600, "secret\n") in a directory of its own. */
static void make_victim(char *vdir, size_t dlen, char *victim, size_t vlen)
{
    ft_make_dir(vdir, dlen, "pb-test-outfile");
    snprintf(victim, vlen, "%s/victim.txt", vdir);
    ft_write_file(victim, "secret\n");
    assert_int_equal(chmod(victim, 0600), 0);
}

static void assert_victim_untouched(const char *victim)
{
    char buf[64];
    assert_string_equal(ft_read_file(victim, buf, sizeof buf), "secret\n");
    assert_int_equal(mode_of(victim), 0600);
}

/* open and check both refuse path with a message holding path and why. */
static void assert_refused(const char *path, const char *why)
{
    char err[1024];
    struct pb_outfile o;
    assert_int_equal(pb_outfile_open(&o, path, err, sizeof err), -1);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, why));
    assert_int_equal(pb_outfile_check(path, err, sizeof err), -1);
    assert_non_null(strstr(err, why));
}

static void a_link_owned_by_another_user_is_refused(void **state)
{
    (void)state;
    if (geteuid() != 0)
        skip(); /* only root can give a link away */
    char dir[64], vdir[64], victim[128], link[128];
    ft_make_dir(dir, sizeof dir, "pb-test-outfile");
    make_victim(vdir, sizeof vdir, victim, sizeof victim);
    snprintf(link, sizeof link, "%s/shared.json", dir);
    assert_int_equal(symlink(victim, link), 0);
    assert_int_equal(lchown(link, NOBODY, NOBODY), 0);
    assert_refused(link, "a symbolic link owned by uid 65534, not by you (uid 0)");
    assert_victim_untouched(victim);
    assert_int_equal(ft_count_entries(dir), 1);
    remove_dir(dir);
    remove_dir(vdir);
}

static void a_link_in_a_sticky_world_writable_dir_is_refused(void **state)
{
    (void)state;
    char dir[64], vdir[64], victim[128], link[128];
    ft_make_dir(dir, sizeof dir, "pb-test-outfile");
    assert_int_equal(chmod(dir, 01777), 0);
    make_victim(vdir, sizeof vdir, victim, sizeof victim);
    snprintf(link, sizeof link, "%s/shared.json", dir);
    assert_int_equal(symlink(victim, link), 0);
    assert_refused(link, "a symbolic link in "); /* even the caller's own link */
    if (geteuid() == 0) {                        /* the attack of the issue: /tmp/x -> victim */
        assert_int_equal(lchown(link, NOBODY, NOBODY), 0);
        assert_refused(link, "sticky world-writable directory");
    }
    assert_victim_untouched(victim);
    assert_int_equal(ft_count_entries(dir), 1);
    remove_dir(dir);
    remove_dir(vdir);
}

static void another_users_file_in_a_sticky_dir_is_refused(void **state)
{
    (void)state;
    if (geteuid() != 0)
        skip();
    char dir[64], file[128], fifo[128], buf[64];
    ft_make_dir(dir, sizeof dir, "pb-test-outfile");
    assert_int_equal(chmod(dir, 01777), 0);
    snprintf(file, sizeof file, "%s/theirs.json", dir);
    snprintf(fifo, sizeof fifo, "%s/theirs.fifo", dir);
    ft_write_file(file, "theirs\n");
    assert_int_equal(chown(file, NOBODY, NOBODY), 0);
    assert_int_equal(mkfifo(fifo, 0666), 0);
    assert_int_equal(chown(fifo, NOBODY, NOBODY), 0);
    assert_refused(file, "owned by uid 65534, not by you (uid 0), in ");
    assert_refused(fifo, "sticky world-writable directory");
    assert_string_equal(ft_read_file(file, buf, sizeof buf), "theirs\n");
    assert_int_equal(ft_count_entries(dir), 2);
    remove_dir(dir);
}

static void own_file_in_a_sticky_dir_is_replaced(void **state)
{
    (void)state;
    char dir[64], file[128], err[256], buf[64];
    ft_make_dir(dir, sizeof dir, "pb-test-outfile");
    assert_int_equal(chmod(dir, 01777), 0);
    snprintf(file, sizeof file, "%s/mine.json", dir);
    ft_write_file(file, "old\n");
    struct pb_outfile o;
    assert_int_equal(pb_outfile_open(&o, file, err, sizeof err), 0);
    fputs("new\n", o.f);
    assert_int_equal(pb_outfile_commit(&o, err, sizeof err), 0);
    assert_string_equal(ft_read_file(file, buf, sizeof buf), "new\n");
    remove_dir(dir);
}

static void every_link_of_a_chain_is_checked(void **state)
{
    (void)state;
    if (geteuid() != 0)
        skip();
    char dir[64], vdir[64], victim[128], mine[128], theirs[128];
    ft_make_dir(dir, sizeof dir, "pb-test-outfile");
    make_victim(vdir, sizeof vdir, victim, sizeof victim);
    snprintf(mine, sizeof mine, "%s/mine.json", dir);
    snprintf(theirs, sizeof theirs, "%s/theirs.json", dir);
    assert_int_equal(symlink(victim, theirs), 0);
    assert_int_equal(lchown(theirs, NOBODY, NOBODY), 0);
    assert_int_equal(symlink("theirs.json", mine), 0); /* mine -> theirs -> victim */
    char err[1024];
    struct pb_outfile o;
    assert_int_equal(pb_outfile_open(&o, mine, err, sizeof err), -1);
    assert_non_null(strstr(err, mine));
    char want[256];
    snprintf(want, sizeof want, "leads to %s, a symbolic link owned by uid 65534", theirs);
    assert_non_null(strstr(err, want));
    assert_victim_untouched(victim);
    assert_int_equal(ft_count_entries(dir), 2);
    remove_dir(dir);
    remove_dir(vdir);
}

static void an_own_dangling_link_gets_its_target_written(void **state)
{
    (void)state;
    char dir[64], target[128], link[128], err[256], buf[64];
    ft_make_dir(dir, sizeof dir, "pb-test-outfile");
    snprintf(target, sizeof target, "%s/new.json", dir);
    snprintf(link, sizeof link, "%s/link.json", dir);
    assert_int_equal(symlink("new.json", link), 0);
    struct pb_outfile o;
    assert_int_equal(pb_outfile_open(&o, link, err, sizeof err), 0);
    assert_string_equal(o.path, target); /* relative to the link's directory */
    fputs("made\n", o.f);
    assert_int_equal(pb_outfile_commit(&o, err, sizeof err), 0);
    assert_int_equal(type_of(link), S_IFLNK);
    assert_string_equal(ft_read_file(target, buf, sizeof buf), "made\n");
    remove_dir(dir);
}

/* ---- modes ------------------------------------------------------------------ */

/* Replace path (whose mode is old) under umask mask; its mode afterwards. The
 * temporary, while it is written, grants group and others nothing path did not. */
static mode_t replace_under_umask(const char *path, mode_t old, mode_t mask)
{
    char err[256];
    assert_int_equal(chmod(path, old), 0);
    mode_t saved = umask(mask);
    struct pb_outfile o;
    assert_int_equal(pb_outfile_open(&o, path, err, sizeof err), 0);
    assert_int_equal(mode_of(o.tmp) & 077 & ~old, 0);
    fputs("replaced\n", o.f);
    assert_int_equal(pb_outfile_commit(&o, err, sizeof err), 0);
    umask(saved);
    return mode_of(path);
}

static void a_replaced_file_keeps_its_mode(void **state)
{
    (void)state;
    char dir[64], path[128], buf[64];
    ft_make_dir(dir, sizeof dir, "pb-test-outfile");
    snprintf(path, sizeof path, "%s/kept.json", dir);
    ft_write_file(path, "old\n");
    assert_int_equal(replace_under_umask(path, 0600, 022), 0600); /* not widened to 0644 */
    assert_int_equal(replace_under_umask(path, 0640, 077), 0640);
    assert_int_equal(replace_under_umask(path, 0444, 022), 0444);
    assert_int_equal(replace_under_umask(path, 04755, 022), 0755); /* no set-id bits */
    assert_string_equal(ft_read_file(path, buf, sizeof buf), "replaced\n");
    assert_int_equal(ft_count_entries(dir), 1);
    remove_dir(dir);
}

/* ---- the pre-flight check ---------------------------------------------------- */

static void check_finds_what_open_would_and_leaves_nothing(void **state)
{
    (void)state;
    char dir[64], path[128], file[128], err[256];
    ft_make_dir(dir, sizeof dir, "pb-test-outfile");
    snprintf(path, sizeof path, "%s/no-such-dir/x.json", dir);
    assert_int_equal(pb_outfile_check(path, err, sizeof err), -1);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "No such file or directory"));
    assert_null(strstr(err, ".tmp"));
    snprintf(file, sizeof file, "%s/plain", dir); /* a path under a file: fails for root too */
    ft_write_file(file, "x\n");
    snprintf(path, sizeof path, "%s/plain/x.json", dir);
    assert_int_equal(pb_outfile_check(path, err, sizeof err), -1);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "Not a directory"));
    assert_int_equal(pb_outfile_check(dir, err, sizeof err), -1);
    assert_non_null(strstr(err, "Is a directory"));
    snprintf(path, sizeof path, "%s/fine.json", dir);
    assert_int_equal(pb_outfile_check(path, err, sizeof err), 0);
    assert_int_equal(pb_outfile_check("-", err, sizeof err), 0);
    assert_int_equal(pb_outfile_check("/dev/null", err, sizeof err), 0);
    assert_int_equal(ft_count_entries(dir), 1); /* only "plain": no temporary, no fine.json */
    remove_dir(dir);
}

static void check_does_not_open_a_fifo(void **state)
{
    (void)state;
    char dir[64], fifo[128], err[256];
    ft_make_dir(dir, sizeof dir, "pb-test-outfile");
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    alarm(20); /* an open for writing would wait for a reader for ever */
    assert_int_equal(pb_outfile_check(fifo, err, sizeof err), 0);
    alarm(0);
    assert_int_equal(type_of(fifo), S_IFIFO);
    assert_int_equal(ft_count_entries(dir), 1);
    remove_dir(dir);
}

/* ---- unique names -------------------------------------------------------------- */

/* Write text to a unique name from path; the name taken in got. */
static void write_unique(const char *path, const char *text, char *got, size_t len)
{
    char err[256];
    struct pb_outfile o;
    assert_int_equal(pb_outfile_open_unique(&o, path, err, sizeof err), 0);
    fputs(text, o.f);
    assert_int_equal(pb_outfile_commit(&o, err, sizeof err), 0);
    snprintf(got, len, "%s", o.path);
}

static void unique_names_never_replace_anything(void **state)
{
    (void)state;
    char dir[64], vdir[64], victim[128], path[128], want[160], got[PATH_MAX], buf[64];
    ft_make_dir(dir, sizeof dir, "pb-test-outfile");
    make_victim(vdir, sizeof vdir, victim, sizeof victim);
    snprintf(path, sizeof path, "%s/run-1.json", dir);
    write_unique(path, "first\n", got, sizeof got);
    assert_string_equal(got, path);
    write_unique(path, "second\n", got, sizeof got);
    snprintf(want, sizeof want, "%s/run-1-2.json", dir);
    assert_string_equal(got, want);
    snprintf(want, sizeof want, "%s/run-1-3.json", dir); /* a link there is skipped, not followed */
    assert_int_equal(symlink(victim, want), 0);
    write_unique(path, "third\n", got, sizeof got);
    snprintf(want, sizeof want, "%s/run-1-4.json", dir);
    assert_string_equal(got, want);
    assert_string_equal(ft_read_file(path, buf, sizeof buf), "first\n");
    assert_string_equal(ft_read_file(want, buf, sizeof buf), "third\n");
    assert_victim_untouched(victim);
    snprintf(path, sizeof path, "%s/noext", dir);
    write_unique(path, "a\n", got, sizeof got);
    write_unique(path, "b\n", got, sizeof got);
    snprintf(want, sizeof want, "%s/noext-2", dir);
    assert_string_equal(got, want);
    assert_int_equal(ft_count_entries(dir), 6);
    remove_dir(dir);
    remove_dir(vdir);
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
        cmocka_unit_test(a_link_owned_by_another_user_is_refused),
        cmocka_unit_test(a_link_in_a_sticky_world_writable_dir_is_refused),
        cmocka_unit_test(another_users_file_in_a_sticky_dir_is_refused),
        cmocka_unit_test(own_file_in_a_sticky_dir_is_replaced),
        cmocka_unit_test(every_link_of_a_chain_is_checked),
        cmocka_unit_test(an_own_dangling_link_gets_its_target_written),
        cmocka_unit_test(a_replaced_file_keeps_its_mode),
        cmocka_unit_test(check_finds_what_open_would_and_leaves_nothing),
        cmocka_unit_test(check_does_not_open_a_fifo),
        cmocka_unit_test(unique_names_never_replace_anything),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
