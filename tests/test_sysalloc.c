/*
 * test_sysalloc.c -- the production allocators (allocators/sysalloc.c) and
 * the runner's preloaded-child path (src/child_run.c, src/cmd_child.c), end
 * to end through the poolbench binary: jemalloc, mimalloc and tcmalloc (and
 * preload:PATH) each replay a small trace with alloc, free and realloc in a
 * process of their own with the library preloaded; backend_config names the
 * library and its version; the memory figures are measured; a missing
 * library is a usage error that writes nothing; `__child` without the preload
 * refuses to measure glibc's malloc as the library's. Also pool-per-tag's
 * memory.classes (one row per tag) from the runner's tagged replay.
 *
 * A test of a library that is not installed is skipped with a message. The
 * sanitizer build skips every test that preloads a library: an ASan program
 * cannot run with another malloc preloaded before the ASan runtime.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli_test.h"
#include "json_test.h"
#include "pb_backend.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#else
#define SANITIZED 0
#endif

/* ---- running the binary ------------------------------------------------- */

static const char *dir_file(const struct ct_dir *d, const char *name, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s", d->path, name);
    return buf;
}

/* Run argv in PB_TESTDATA with stdout/stderr (and fd 3, if fd3 is given)
 * into files of d; preload non-NULL sets LD_PRELOAD. The exit status. */
static int run(const struct ct_dir *d, char *const argv[], const char *preload, const char *fd3)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        ct_redirect(d);
        if (fd3) {
            int f3 = open(fd3, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            dup2(f3, 3);
        }
        if (preload)
            setenv("LD_PRELOAD", preload, 1);
        else
            unsetenv("LD_PRELOAD");
        if (chdir(PB_TESTDATA) != 0)
            _exit(126);
        execv(argv[0], argv);
        _exit(127);
    }
    return ct_finish(pid);
}

/* Skip (with a message) when the library cannot be preloaded here. */
static int cannot_preload(const char *backend)
{
    if (SANITIZED) {
        printf("[  SKIPPED ] %s: preloading another malloc cannot work in the sanitizer "
               "build (the ASan runtime must come first)\n", backend);
        return 1;
    }
    const struct pb_backend_ops *ops = pb_backend_find(backend);
    assert_non_null(ops);
    char why[PB_ERR_MAX] = "";
    if (ops->available && ops->available(why, sizeof why)) {
        printf("[  SKIPPED ] %s: %s\n", backend, why);
        return 1;
    }
    return 0;
}

/* ---- each library through the runner's preloaded child ------------------- */

/* poolbench run --backend SPEC over run_small (a, f, r, x): ok, with the
 * library's path, version and measured memory figures. */
/* A memory figure is either at least the workload's peak live bytes (memory
 * that holds the live data cannot be smaller) or null with a note that says
 * why it is not reported: never an impossible number. */
static void check_figure_or_reason(const cJSON *r, const char *key, double live)
{
    const cJSON *v = jt_get(jt_get(r, "memory"), key);
    if (cJSON_IsNumber(v)) {
        assert_true(v->valuedouble >= live);
        return;
    }
    assert_true(cJSON_IsNull(v));
    int noted = 0;
    const cJSON *n;
    cJSON_ArrayForEach(n, jt_get(r, "notes"))
        noted += strstr(n->valuestring, "not reported") != NULL;
    assert_true(noted > 0);
}

static void check_library_run(const char *spec, const char *backend, int has_stats)
{
    struct ct_dir d;
    ct_dir_make(&d, "pb-test-sys");
    char out[160];
    char *argv[] = {PB_BIN, "run", "--backend", (char *)spec, "--trace", "run_small.trace",
                    "--repeat", "2", "--quiet", "-o", (char *)dir_file(&d, "r.json", out,
                                                                        sizeof out), NULL};
    assert_int_equal(run(&d, argv, NULL, NULL), 0);
    cJSON *doc = jt_load(out);
    const cJSON *r = jt_run_of(doc, backend);
    assert_string_equal(jt_str(r, "status"), "ok");
    const cJSON *bc = jt_get(r, "backend_config");
    const char *lib = jt_str(bc, "lib");
    assert_int_equal(lib[0], '/');
    assert_int_equal(access(lib, R_OK), 0);
    assert_string_equal(jt_str(bc, "active"), "yes");
    const char *version = jt_str(bc, "version");
    assert_true(version[0] != '\0');
    assert_null(strstr(version, "unknown"));
    const cJSON *m = jt_get(r, "memory");
    /* run_small's peak is 208 live bytes: every block got at least its size */
    assert_true(jt_num(m, "granted_bytes_at_peak") >= 208);
    check_figure_or_reason(r, "peak_footprint_bytes", 208);
    check_figure_or_reason(r, "peak_resident_bytes", 208);
    if (cJSON_IsNumber(jt_get(m, "peak_resident_bytes")))
        assert_string_equal(jt_str(m, "resident_method"), "smaps_rollup");
    if (has_stats)
        assert_true(jt_num(m, "allocator_peak_resident_bytes") >= 0);
    else
        assert_true(cJSON_IsNull(jt_get(m, "allocator_peak_resident_bytes")));
    assert_true(jt_num(jt_get(jt_get(r, "time"), "ns_per_op"), "median") > 0);
    cJSON_Delete(doc);
    ct_dir_remove(&d);
}

static void jemalloc_run(void **state)
{
    (void)state;
    if (cannot_preload("jemalloc"))
        skip();
    check_library_run("jemalloc", "jemalloc", 1);
}

static void mimalloc_run(void **state)
{
    (void)state;
    if (cannot_preload("mimalloc"))
        skip();
    check_library_run("mimalloc", "mimalloc", 1);
}

static void tcmalloc_run(void **state)
{
    (void)state;
    if (cannot_preload("tcmalloc"))
        skip();
    check_library_run("tcmalloc", "tcmalloc", 1);
}

/* The allocator's own statistics move with the workload: 100000 live blocks
 * of 64 bytes (6.4 MB) grow jemalloc's stats.mapped/stats.resident and
 * tcmalloc's heap well past their baseline. */
static void check_stats_grow(const char *backend)
{
    struct ct_dir d;
    ct_dir_make(&d, "pb-test-sys");
    char out[160];
    char *argv[] = {PB_BIN, "run", "--backend", (char *)backend, "--workload",
                    "churn:live=100000:pairs=1000", "--repeat", "1", "--warmup", "0",
                    "--quiet", "-o", (char *)dir_file(&d, "r.json", out, sizeof out), NULL};
    assert_int_equal(run(&d, argv, NULL, NULL), 0);
    cJSON *doc = jt_load(out);
    const cJSON *r = jt_run_of(doc, backend);
    assert_string_equal(jt_str(r, "status"), "ok");
    const cJSON *m = jt_get(r, "memory");
    double live = 6400000;
    assert_true(jt_num(m, "granted_bytes_at_peak") >= live);
    check_figure_or_reason(r, "peak_footprint_bytes", live);
    assert_true(jt_num(m, "allocator_peak_resident_bytes") > live / 2);
    check_figure_or_reason(r, "peak_resident_bytes", live);
    int noted = 0;
    const cJSON *n;
    cJSON_ArrayForEach(n, jt_get(r, "notes"))
        noted += strstr(n->valuestring, "allocator_peak_resident_bytes: the allocator's own") != 0;
    assert_int_equal(noted, 1);
    cJSON_Delete(doc);
    ct_dir_remove(&d);
}

static void jemalloc_stats_grow(void **state)
{
    (void)state;
    if (cannot_preload("jemalloc"))
        skip();
    check_stats_grow("jemalloc");
}

static void tcmalloc_stats_grow(void **state)
{
    (void)state;
    if (cannot_preload("tcmalloc"))
        skip();
    check_stats_grow("tcmalloc");
}

/* preload:PATH (the shorthand) with jemalloc's file: no statistics of its own. */
static void preload_path_run(void **state)
{
    (void)state;
    if (cannot_preload("jemalloc"))
        skip();
    void *self = NULL;
    char err[PB_ERR_MAX];
    const struct pb_backend_ops *ops = pb_backend_find("jemalloc");
    assert_int_equal(ops->create(NULL, 0, &self, err, sizeof err), 0);
    struct pb_config_entry cfg[4];
    assert_true(ops->config(self, cfg, 4) >= 1);
    char spec[300];
    snprintf(spec, sizeof spec, "preload:%s", cfg[0].value);
    ops->destroy(self);
    check_library_run(spec, "preload", 0);
}

/* A library that is not there: exit 2, a message naming it, nothing written. */
static void missing_library(void **state)
{
    (void)state;
    struct ct_dir d;
    ct_dir_make(&d, "pb-test-sys");
    char out[160], errf[160];
    char *argv[] = {PB_BIN, "run", "--backend", "preload:lib=/nonexistent.so", "--trace",
                    "run_small.trace", "--quiet", "-o",
                    (char *)dir_file(&d, "r.json", out, sizeof out), NULL};
    assert_int_equal(run(&d, argv, NULL, NULL), 2);
    assert_int_equal(access(out, F_OK), -1);
    char *text = jt_slurp(dir_file(&d, "stderr", errf, sizeof errf));
    assert_non_null(strstr(text, "cannot find library /nonexistent.so"));
    free(text);
    char *argv2[] = {PB_BIN, "run", "--backend", "jemalloc:lib=libnosuch.so.9", "--trace",
                     "run_small.trace", "--quiet", "-o", out, NULL};
    assert_int_equal(run(&d, argv2, NULL, NULL), 2);
    assert_int_equal(access(out, F_OK), -1);
    text = jt_slurp(errf);
    assert_non_null(strstr(text, "libnosuch.so.9"));
    free(text);
    ct_dir_remove(&d);
}

/* In this (unpreloaded) process an instance is inactive and says why (that
 * it refuses every request cleanly is test_backend_contract's). */
static void inactive_instance_refuses(void **state)
{
    (void)state;
    const struct pb_backend_ops *ops = pb_backend_find("jemalloc");
    char err[PB_ERR_MAX];
    void *self = NULL;
    if (ops->create(NULL, 0, &self, err, sizeof err)) {
        printf("[  SKIPPED ] jemalloc: %s\n", err);
        skip();
    }
    struct pb_config_entry cfg[4];
    size_t n = ops->config(self, cfg, 4);
    assert_int_equal(n, 3);
    assert_string_equal(cfg[2].key, "active");
    assert_string_equal(cfg[2].value, "no");
    assert_null(ops->alloc(self, 32, 16));
    assert_non_null(strstr(ops->last_error(self), "not loaded in this process"));
    ops->destroy(self);
}

/* `poolbench __child` checks malloc is the library's: without the preload
 * the run fails saying so; with it, the run is ok and active. */
static void child_checks_the_preload(void **state)
{
    (void)state;
    const struct pb_backend_ops *ops = pb_backend_find("jemalloc");
    char why[PB_ERR_MAX];
    if (ops->available(why, sizeof why)) {
        printf("[  SKIPPED ] jemalloc: %s\n", why);
        skip();
    }
    struct ct_dir d;
    ct_dir_make(&d, "pb-test-sys");
    char pbt[160], res[160];
    dir_file(&d, "w.pbt", pbt, sizeof pbt);
    dir_file(&d, "part.json", res, sizeof res);
    char *conv[] = {PB_BIN, "convert", "run_small.trace", pbt, NULL};
    assert_int_equal(run(&d, conv, NULL, NULL), 0);
    char *argv[] = {PB_BIN, "__child", "--fd", "3", "--pbt", pbt, "--name", "run_small",
                    "--path", "run_small.trace", "--backend", "jemalloc", "--repeat", "1",
                    "--warmup", "0", "--touch", "pages", "--sample-every", "0", NULL};
    assert_int_equal(run(&d, argv, NULL, res), 0);
    cJSON *part = jt_load(res);
    assert_string_equal(jt_str(part, "status"), "failed");
    assert_non_null(strstr(jt_str(part, "error"), "the preload did not take effect"));
    assert_string_equal(jt_str(jt_get(part, "backend_config"), "active"), "no");
    cJSON_Delete(part);
    if (!SANITIZED) {
        void *self = NULL;
        char err[PB_ERR_MAX];
        struct pb_config_entry cfg[4];
        assert_int_equal(ops->create(NULL, 0, &self, err, sizeof err), 0);
        ops->config(self, cfg, 4);
        ops->destroy(self);
        assert_int_equal(run(&d, argv, cfg[0].value, res), 0);
        part = jt_load(res);
        assert_string_equal(jt_str(part, "status"), "ok");
        assert_string_equal(jt_str(jt_get(part, "backend_config"), "active"), "yes");
        cJSON_Delete(part);
    } else {
        printf("[  SKIPPED ] __child with jemalloc preloaded: not in the sanitizer build\n");
    }
    ct_dir_remove(&d);
}

/* ---- the pool family in the runner -------------------------------------- */

/* pool-per-tag over a trace of three tags: one memory.classes row per tag,
 * named, with utilisation = chunks_live / chunks_carved; null has none. */
static void pool_per_tag_classes(void **state)
{
    (void)state;
    struct ct_dir d;
    ct_dir_make(&d, "pb-test-sys");
    char out[160];
    char *argv[] = {PB_BIN, "run", "--backend", "pool-per-tag,pools", "--trace",
                    "run_tagged.trace", "--repeat", "1", "--quiet", "-o",
                    (char *)dir_file(&d, "r.json", out, sizeof out), NULL};
    assert_int_equal(run(&d, argv, NULL, NULL), 0);
    cJSON *doc = jt_load(out);
    const cJSON *r = jt_run_of(doc, "pool-per-tag");
    assert_string_equal(jt_str(r, "status"), "ok");
    const cJSON *classes = jt_get(jt_get(r, "memory"), "classes");
    const char *want[] = {"Node", "Edge", "Name"};
    int seen[3] = {0, 0, 0}, tags = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, classes) {
        if (strcmp(jt_str(c, "kind"), "tag") != 0)
            continue;
        tags++;
        for (int i = 0; i < 3; i++)
            seen[i] += strcmp(jt_str(c, "tag"), want[i]) == 0;
        double live = jt_num(c, "chunks_live"), carved = jt_num(c, "chunks_carved");
        assert_true(carved >= live && carved > 0);
        assert_true(jt_num(c, "utilisation") == live / carved);
        assert_true(jt_num(c, "footprint_bytes") > 0);
    }
    assert_int_equal(tags, 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(seen[i], 1);
    /* at the live peak (after line 15): Node has blocks 1, 2 and 8 live */
    cJSON_ArrayForEach(c, classes)
        if (cJSON_IsString(cJSON_GetObjectItem(c, "tag")) && strcmp(jt_str(c, "tag"), "Node") == 0)
            assert_int_equal((int)jt_num(c, "chunks_live"), 3);
    const cJSON *pools = jt_get(jt_get(jt_run_of(doc, "pools"), "memory"), "classes");
    int system = 0;
    cJSON_ArrayForEach(c, pools) {
        assert_string_not_equal(jt_str(c, "kind"), "tag");
        system += strcmp(jt_str(c, "kind"), "system") == 0;
    }
    assert_int_equal(system, 1);
    assert_true(cJSON_IsNull(jt_get(jt_run_of(doc, "null"), "memory")) ||
                !cJSON_GetObjectItem(jt_get(jt_run_of(doc, "null"), "memory"), "classes"));
    cJSON_Delete(doc);
    ct_dir_remove(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(jemalloc_run),
        cmocka_unit_test(mimalloc_run),
        cmocka_unit_test(tcmalloc_run),
        cmocka_unit_test(preload_path_run),
        cmocka_unit_test(jemalloc_stats_grow),
        cmocka_unit_test(tcmalloc_stats_grow),
        cmocka_unit_test(missing_library),
        cmocka_unit_test(inactive_instance_refuses),
        cmocka_unit_test(child_checks_the_preload),
        cmocka_unit_test(pool_per_tag_classes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
