/*
 * file_test.h -- helpers shared by the tests of output files (test_outfile.c,
 * test_signals.c): a fresh directory, its entries counted, a small file
 * written and read back whole. Include after cmocka.h.
 */
#ifndef PB_FILE_TEST_H
#define PB_FILE_TEST_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A fresh directory under /tmp, named for the test (prefix), in dir. */
static inline void ft_make_dir(char *dir, size_t len, const char *prefix)
{
    snprintf(dir, len, "/tmp/%s-XXXXXX", prefix);
    assert_non_null(mkdtemp(dir));
}

/* Entries in dir besides . and .. */
static inline int ft_count_entries(const char *dir)
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

static inline void ft_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* The whole file at path in buf ("" if it cannot be read). */
static inline const char *ft_read_file(const char *path, char *buf, size_t len)
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

#endif /* PB_FILE_TEST_H */
