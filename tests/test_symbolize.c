/* test_symbolize.c -- pb_symbolize: the # pb-module line parser, and tags
 * resolved against this test's own executable (PIE), by build-id. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "pb_symbolize.h"

/* ---- the parser ---- */

/* parse s (its strlen), expecting rc; the line in *m when rc is 1. */
static int parse(const char *s, struct pb_sym_module_line *m)
{
    char err[PB_SYM_REASON_MAX] = "";
    int rc = pb_sym_parse_line(s, strlen(s), m, err, sizeof err);
    if (rc < 0)
        assert_true(err[0] != '\0'); /* a malformed line says why */
    return rc;
}

static void test_parse_good(void **state)
{
    (void)state;
    struct pb_sym_module_line m;
    assert_int_equal(parse("# pb-module orders 8b70aa /work/build/orders", &m), 1);
    assert_string_equal(m.name, "orders");
    assert_string_equal(m.build_id, "8b70aa");
    assert_string_equal(m.path, "/work/build/orders");
    /* blanks around, a path with spaces, CR LF, the "-" build-id */
    assert_int_equal(parse("  #\tpb-module  libc.so.6\t- /opt/my libs/libc.so.6\r", &m), 1);
    assert_string_equal(m.name, "libc.so.6");
    assert_string_equal(m.build_id, "");
    assert_string_equal(m.path, "/opt/my libs/libc.so.6");
    /* \xHH escapes decoded; a backslash not followed by xHH kept */
    assert_int_equal(parse("# pb-module a-b_c 00 /t\\x1b[31m/caf\\xc3\\xa9\\x5c\\q\\x4", &m), 1);
    assert_string_equal(m.path, "/t\x1b[31m/caf\xc3\xa9\\\\q\\x4");
    /* "-": no path known */
    assert_int_equal(parse("# pb-module x 0a -", &m), 1);
    assert_string_equal(m.path, "");
}

static void test_parse_not_ours(void **state)
{
    (void)state;
    struct pb_sym_module_line m;
    assert_int_equal(parse("", &m), 0);
    assert_int_equal(parse("a 1 48 @orders:14a6", &m), 0);
    assert_int_equal(parse("# exit: 3 events", &m), 0);
    assert_int_equal(parse("# pb-modules x 00 /x", &m), 0);
    assert_int_equal(parse("#pb-modulex 00 /x", &m), 0);
    assert_int_equal(parse("#", &m), 0);
    assert_int_equal(parse("   ", &m), 0);
}

static void test_parse_malformed(void **state)
{
    (void)state;
    struct pb_sym_module_line m;
    assert_int_equal(parse("# pb-module", &m), -1);
    assert_int_equal(parse("# pb-module orders", &m), -1);
    assert_int_equal(parse("# pb-module orders 8b70", &m), -1);            /* no path */
    assert_int_equal(parse("# pb-module orders 8b70 relative/path", &m), -1);
    assert_int_equal(parse("# pb-module orders 8b7 /x", &m), -1);          /* odd length */
    assert_int_equal(parse("# pb-module orders 8B70 /x", &m), -1);         /* uppercase */
    assert_int_equal(parse("# pb-module orders zz /x", &m), -1);
    assert_int_equal(parse("# pb-module or:ders 00 /x", &m), -1);          /* ':' */
    assert_int_equal(parse("# pb-module or\x1b" "ders 00 /x", &m), -1);
    assert_int_equal(parse("# pb-module orders 00 /a\\x00b", &m), -1);     /* NUL */
    char line[PB_SYM_PATH_MAX + 64];
    snprintf(line, sizeof line, "# pb-module %070d 00 /x", 0); /* name too long */
    assert_int_equal(parse(line, &m), -1);
    char id[PB_SYM_BUILD_ID_MAX + 3];
    memset(id, 'a', sizeof id - 1);
    id[sizeof id - 1] = '\0';
    snprintf(line, sizeof line, "# pb-module x %s /x", id); /* build-id too long */
    assert_int_equal(parse(line, &m), -1);
    int n = snprintf(line, sizeof line, "# pb-module x 00 /");
    memset(line + n, 'p', sizeof line - (size_t)n - 1); /* path too long */
    line[sizeof line - 1] = '\0';
    assert_int_equal(parse(line, &m), -1);
}

/* A NUL byte inside the given length, and lengths that stop mid-line: no
 * read past len, no crash, a definite answer. */
static void test_parse_lengths(void **state)
{
    (void)state;
    struct pb_sym_module_line m;
    char err[PB_SYM_REASON_MAX];
    static const char nul[] = "# pb-module x 00 /a\0b";
    assert_int_equal(pb_sym_parse_line(nul, sizeof nul - 1, &m, err, sizeof err), -1);
    const char *full = "# pb-module orders 8b70aa /work/build/orders";
    size_t len = strlen(full);
    for (size_t n = 0; n <= len; n++) {
        char *copy = malloc(n ? n : 1); /* exactly n bytes: ASan sees an overread */
        assert_non_null(copy);
        memcpy(copy, full, n);
        int rc = pb_sym_parse_line(copy, n, &m, err, sizeof err);
        assert_true(rc >= -1 && rc <= 1);
        if (n == len)
            assert_int_equal(rc, 1);
        free(copy);
    }
}

/* ---- resolving against this executable ---- */

/* This executable's build-id, from the notes of its own mapping (as the
 * recorder reads it), not through the code under test. */
struct self_id {
    char hex[PB_SYM_BUILD_ID_MAX + 1];
};

static int self_note(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    struct self_id *id = arg;
    for (size_t i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_NOTE)
            continue;
        const unsigned char *p = (const void *)(info->dlpi_addr + ph->p_vaddr);
        size_t off = 0, al = ph->p_align == 8 ? 8 : 4;
        while (off + sizeof(ElfW(Nhdr)) <= ph->p_memsz) {
            const ElfW(Nhdr) *n = (const void *)(p + off);
            size_t name = (n->n_namesz + al - 1) & ~(al - 1);
            const unsigned char *d = p + off + sizeof *n + name;
            if (n->n_type == NT_GNU_BUILD_ID && n->n_descsz <= PB_SYM_BUILD_ID_MAX / 2) {
                for (size_t k = 0; k < n->n_descsz; k++)
                    sprintf(id->hex + 2 * k, "%02x", d[k]);
                return 1;
            }
            off += sizeof *n + name + ((n->n_descsz + al - 1) & ~(al - 1));
        }
    }
    return 1; /* the first object is the executable */
}

/* A module line for this executable, and the tag of a return address just
 * after the start of fn (as if a call there returned to fn + 1 + k). */
static void self_module(struct pb_sym_module_line *m, const char *name)
{
    struct self_id id = {""};
    dl_iterate_phdr(self_note, &id);
    assert_true(id.hex[0] != '\0');
    snprintf(m->name, sizeof m->name, "%s", name);
    snprintf(m->build_id, sizeof m->build_id, "%s", id.hex);
    ssize_t n = readlink("/proc/self/exe", m->path, sizeof m->path - 1);
    assert_true(n > 0);
    m->path[n] = '\0';
}

__attribute__((noinline)) int pb_test_sym_target(int x);
__attribute__((noinline)) int pb_test_sym_target(int x)
{
    return x * 3 + 1;
}

static void self_tag(const char *name, void *fn, char *tag, size_t len)
{
    Dl_info info;
    assert_true(dladdr(fn, &info) != 0);
    uintptr_t off = (uintptr_t)fn - (uintptr_t)info.dli_fbase + 2; /* - 1: inside fn */
    snprintf(tag, len, "%s:%lx", name, (unsigned long)off);
}

static void test_resolve_self(void **state)
{
    (void)state;
    struct pb_symbolizer *s = pb_sym_new(NULL);
    assert_non_null(s);
    struct pb_sym_module_line m;
    self_module(&m, "selftest");
    assert_int_equal(pb_sym_add(s, &m), 0);
    char tag[128];
    self_tag("selftest", (void *)pb_test_sym_target, tag, sizeof tag);
    struct pb_sym_result r;
    pb_sym_resolve(s, tag, &r);
    assert_true(r.resolved);
    assert_string_equal(r.function, "pb_test_sym_target");
    assert_string_equal(r.reason, "");
    assert_non_null(strstr(r.source, "test_symbolize.c:")); /* built with -g */
    pb_sym_resolve(s, "selftest:fffffffffff0", &r); /* beyond the file */
    assert_false(r.resolved);
    assert_string_equal(r.reason, "no symbol");
    pb_sym_free(s);
}

/* reason for tag when the only module line is m. */
static void expect_reason(const struct pb_sym_module_line *m, const char *tag, const char *want)
{
    struct pb_symbolizer *s = pb_sym_new(NULL);
    assert_non_null(s);
    assert_int_equal(pb_sym_add(s, m), 0);
    struct pb_sym_result r;
    pb_sym_resolve(s, tag, &r);
    assert_false(r.resolved);
    assert_string_equal(r.function, "");
    assert_string_equal(r.reason, want);
    pb_sym_free(s);
}

static void test_unresolved_reasons(void **state)
{
    (void)state;
    struct pb_sym_module_line m, other;
    self_module(&m, "t");
    m.build_id[0] = m.build_id[0] == '0' ? '1' : '0';
    expect_reason(&m, "t:1000", "build-id differs (rebuilt since recording)");
    self_module(&m, "t");
    m.build_id[0] = '\0';
    expect_reason(&m, "t:1000", "no build-id recorded");
    self_module(&m, "t");
    expect_reason(&m, "u:1000", "no pb-module line for its module");
    expect_reason(&m, "Node", "not a call-site tag (MODULE:OFFSET)");
    expect_reason(&m, "t:xyz", "not a call-site tag (MODULE:OFFSET)");
    expect_reason(&m, "t:12345678901234567", "not a call-site tag (MODULE:OFFSET)");
    snprintf(m.path, sizeof m.path, "/nonexistent/pb-sym-test");
    expect_reason(&m, "t:1000", "not found");
    snprintf(m.path, sizeof m.path, "/dev/zero");
    expect_reason(&m, "t:1000", "not a regular file");
    snprintf(m.path, sizeof m.path, "/tmp");
    expect_reason(&m, "t:1000", "not a regular file");
    char fifo[64];
    snprintf(fifo, sizeof fifo, "/tmp/pb-sym-fifo-%ld", (long)getpid());
    unlink(fifo);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    snprintf(m.path, sizeof m.path, "%s", fifo); /* no writer: an open would block */
    expect_reason(&m, "t:1000", "not a regular file");
    unlink(fifo);
    snprintf(m.path, sizeof m.path, "/proc/self/status"); /* regular, not ELF */
    expect_reason(&m, "t:1000", "not an ELF file");
    /* the same name twice, different build-ids: neither is used */
    struct pb_symbolizer *s = pb_sym_new(NULL);
    self_module(&m, "t");
    other = m;
    other.build_id[0] = other.build_id[0] == '0' ? '1' : '0';
    assert_int_equal(pb_sym_add(s, &m), 0);
    assert_int_equal(pb_sym_add(s, &m), 0); /* an equal line: the same module */
    assert_int_equal(pb_sym_n_modules(s), 1);
    assert_int_equal(pb_sym_add(s, &other), 0);
    struct pb_sym_result r;
    pb_sym_resolve(s, "t:1000", &r);
    assert_string_equal(r.reason, "several modules have its name");
    pb_sym_free(s);
}

/* ---- reading a trace file ---- */

static void write_gz(const char *path, const char *text)
{
    gzFile g = gzopen(path, "wb");
    assert_non_null(g);
    assert_int_equal(gzputs(g, text), (int)strlen(text));
    assert_int_equal(gzclose(g), Z_OK);
}

static void test_read_trace(void **state)
{
    (void)state;
    struct pb_sym_module_line m;
    self_module(&m, "self");
    char text[2 * PB_SYM_PATH_MAX], tag[128];
    snprintf(text, sizeof text,
             "poolbench-trace 1\n# pb-module self %s %s\na 1 8 @self:10\n"
             "# pb-module bad\n# pb-module x 00 relative\nf 1\n# pb-module lib 00 /x\r\n",
             m.build_id, m.path);
    char path[64];
    snprintf(path, sizeof path, "/tmp/pb-sym-%ld.trace.gz", (long)getpid());
    write_gz(path, text);
    struct pb_symbolizer *s = pb_sym_new(NULL);
    char err[256];
    assert_int_equal(pb_sym_read_trace(s, path, err, sizeof err), 0);
    assert_int_equal(pb_sym_n_modules(s), 2);
    uint64_t first;
    assert_int_equal(pb_sym_n_malformed(s, &first), 2);
    assert_int_equal(first, 4);
    self_tag("self", (void *)pb_test_sym_target, tag, sizeof tag);
    struct pb_sym_result r;
    pb_sym_resolve(s, tag, &r);
    assert_true(r.resolved);
    assert_string_equal(r.function, "pb_test_sym_target");
    pb_sym_free(s);
    unlink(path);
    s = pb_sym_new(NULL);
    assert_int_equal(pb_sym_read_trace(s, "/dev/zero", err, sizeof err), -1);
    assert_non_null(strstr(err, "not a regular file"));
    pb_sym_free(s);
}

/* ---- separate debug information, by build-id ---- */

static int run(const char *cmd)
{
    return system(cmd);
}

/* A stripped copy of this executable with its debug information under a
 * debug root at ROOT/.build-id/xx/rest.debug: the name and the line come
 * from there. Skipped without objcopy. */
static void test_separate_debug(void **state)
{
    (void)state;
    if (run("command -v objcopy >/dev/null 2>&1") != 0)
        skip();
    struct pb_sym_module_line m;
    self_module(&m, "stripped");
    char dir[64], cmd[4 * PB_SYM_PATH_MAX + 1024];
    snprintf(dir, sizeof dir, "/tmp/pb-sym-debug-%ld", (long)getpid());
    snprintf(cmd, sizeof cmd,
             "rm -rf '%s' && mkdir -p '%s/root/.build-id/%.2s' && "
             "objcopy --only-keep-debug '%s' '%s/root/.build-id/%.2s/%s.debug' && "
             "objcopy --strip-all '%s' '%s/exe'",
             dir, dir, m.build_id, m.path, dir, m.build_id, m.build_id + 2, m.path, dir);
    assert_int_equal(run(cmd), 0);
    char root[128];
    snprintf(root, sizeof root, "%s/root", dir);
    snprintf(m.path, sizeof m.path, "%s/exe", dir);
    char tag[128];
    self_tag("stripped", (void *)pb_test_sym_target, tag, sizeof tag);
    struct pb_sym_result r;
    struct pb_symbolizer *s = pb_sym_new("/nonexistent"); /* no debug files: no name */
    assert_int_equal(pb_sym_add(s, &m), 0);
    pb_sym_resolve(s, tag, &r);
    assert_false(r.resolved && strcmp(r.function, "pb_test_sym_target") == 0);
    pb_sym_free(s);
    s = pb_sym_new(root);
    assert_int_equal(pb_sym_add(s, &m), 0);
    pb_sym_resolve(s, tag, &r);
    assert_true(r.resolved);
    assert_string_equal(r.function, "pb_test_sym_target");
    assert_non_null(strstr(r.source, "test_symbolize.c:"));
    pb_sym_free(s);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(run(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_good),
        cmocka_unit_test(test_parse_not_ours),
        cmocka_unit_test(test_parse_malformed),
        cmocka_unit_test(test_parse_lengths),
        cmocka_unit_test(test_resolve_self),
        cmocka_unit_test(test_unresolved_reasons),
        cmocka_unit_test(test_read_trace),
        cmocka_unit_test(test_separate_debug),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
