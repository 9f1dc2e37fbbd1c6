/*
 * sysalloc.c -- production allocators that replace malloc for a whole
 * process: jemalloc, mimalloc, tcmalloc, and `preload` for any other
 * malloc-compatible shared library.
 *
 * How they run: the library is never linked. It is found at run time (a
 * soname is looked for in the C library's own directory and the usual ones)
 * and the runner executes each run in a fresh process with the library in
 * LD_PRELOAD (flag PB_BK_PROCESS_WIDE). In that process malloc, free,
 * realloc, aligned_alloc and malloc_usable_size ARE the library's, so this
 * backend calls them exactly as the malloc backend does. The library's own
 * extras (mallctl, mi_process_info, MallocExtension_*) are reached with
 * dlsym(RTLD_DEFAULT, ...), never by linking.
 *
 * Active or not: create() works in any process (the parent creates an
 * instance to check options and read the config), but an instance is
 * "active" only when the library is loaded in this process AND the malloc
 * and malloc_usable_size every call here binds to are the library's (found
 * with dladdr) AND the library's marker symbol resolves. config() reports
 * active=yes|no; last_error() says why an instance is not active. The runner
 * refuses to measure an inactive instance. alloc() on an inactive instance
 * refuses every request, so nothing is ever measured against the wrong
 * allocator by mistake.
 *
 * Figures from the allocator's own statistics (stats op; all process-wide,
 * so they include the harness's own allocations: the runner subtracts their
 * value before the replay):
 *   jemalloc  after mallctl("epoch") is bumped: footprint_bytes = stats.mapped
 *             (bytes in active extents mapped by the allocator), resident_bytes
 *             = stats.resident (bytes in physically resident data pages the
 *             allocator tracks, metadata included).
 *   mimalloc  mi_process_info: footprint_bytes = current_commit (bytes
 *             committed by mimalloc), resident_bytes = current_rss (on Linux
 *             mimalloc 2.0 reports its commit figure here: its own estimate,
 *             not the kernel's). Debian's 2.0.9, a release build, moves these
 *             in whole 32 MiB arena steps and leaves huge blocks out, so on a
 *             workload of a few MiB they stay at their baseline (0 growth):
 *             the kernel's resident figure is then the one to read.
 *   tcmalloc  MallocExtension_GetNumericProperty: footprint_bytes =
 *             generic.heap_size (bytes reserved from the OS, released pages
 *             included), resident_bytes = generic.heap_size -
 *             tcmalloc.pageheap_unmapped_bytes (held and not given back).
 *   preload   no statistics: footprint_bytes and resident_bytes are 0 (the
 *             runner's kernel figure, anonymous RSS, is then the only one).
 * granted_bytes is exact: malloc_usable_size of each live block. It and the
 * call counters are kept from the first stats() call on (libc_calls.c): the
 * runner's memory pass asks before its first alloc; the timed replays never
 * ask, so they pay neither malloc_usable_size (about as costly as the malloc
 * and free themselves for jemalloc and tcmalloc on fixed-size churn) nor, when
 * threads share the instance, a counter cache line bouncing between cores.
 * The kernel's figure (anonymous RSS of the run's process against a
 * baseline) is measured by the runner beside these.
 *
 * Costs: the library's calls and a few counter updates (plus
 * malloc_usable_size on every alloc and free once stats() has been called);
 * stats() asks the library (mallctl, mi_process_info, property lookups),
 * never from alloc or free.
 *
 * No check op: the heap is the library's, not this backend's to verify. As
 * with malloc, an alignment up to 16 gets malloc's promise (jemalloc aligns
 * an 8-byte block to 8; see pb_backend.h's alloc).
 */
#include "libc_calls.h"
#include "pb_backend.h"
#include "pb_hmem.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <malloc.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What differs from one library to the next. */
struct lib_desc {
    const char *backend;     /* backend name */
    const char *soname;      /* default library, looked for at run time (NULL: lib= required) */
    const char *marker;      /* a symbol only this library defines (NULL: none) */
    void (*version)(char *out, size_t len);                /* from the live library */
    void (*figures)(size_t *footprint, size_t *resident);  /* from the live library */
};

struct sysalloc {
    const struct lib_desc *lib;
    char path[PATH_MAX];     /* the library file, resolved */
    int active;              /* malloc of this process is the library's */
    size_t peak_footprint;
    struct pb_libc_calls calls; /* the calls, counters and last error */
};

/* ---- each library's extras, through dlsym ---------------------------------- */

static void *sym(const char *name)
{
    return dlsym(RTLD_DEFAULT, name);
}

typedef int (*mallctl_fn)(const char *, void *, size_t *, void *, size_t);

static void jemalloc_version(char *out, size_t len)
{
    mallctl_fn ctl = (mallctl_fn)sym("mallctl");
    const char *v = NULL;
    size_t sz = sizeof v;
    if (ctl && ctl("version", &v, &sz, NULL, 0) == 0 && v)
        snprintf(out, len, "jemalloc %s", v);
}

static size_t jemalloc_size(mallctl_fn ctl, const char *name)
{
    size_t v = 0, sz = sizeof v;
    return ctl(name, &v, &sz, NULL, 0) == 0 ? v : 0;
}

static void jemalloc_figures(size_t *footprint, size_t *resident)
{
    mallctl_fn ctl = (mallctl_fn)sym("mallctl");
    if (!ctl)
        return;
    uint64_t epoch = 1;
    size_t sz = sizeof epoch;
    ctl("epoch", &epoch, &sz, &epoch, sz); /* refresh the cached statistics */
    *footprint = jemalloc_size(ctl, "stats.mapped");
    *resident = jemalloc_size(ctl, "stats.resident");
}

static void mimalloc_version(char *out, size_t len)
{
    int (*ver)(void) = (int (*)(void))sym("mi_version");
    if (ver) {
        int v = ver();
        snprintf(out, len, "mimalloc %d.%d.%d", v / 100, v / 10 % 10, v % 10);
    }
}

typedef void (*mi_info_fn)(size_t *, size_t *, size_t *, size_t *, size_t *, size_t *, size_t *,
                           size_t *);

static void mimalloc_figures(size_t *footprint, size_t *resident)
{
    mi_info_fn info = (mi_info_fn)sym("mi_process_info");
    if (!info)
        return;
    size_t elapsed, user, sys, rss, peak_rss, commit, peak_commit, faults;
    info(&elapsed, &user, &sys, &rss, &peak_rss, &commit, &peak_commit, &faults);
    *footprint = commit;
    *resident = rss;
}

static void tcmalloc_version(char *out, size_t len)
{
    typedef const char *(*ver_fn)(int *, int *, const char **);
    ver_fn ver = (ver_fn)sym("tc_version");
    int major = 0, minor = 0;
    const char *patch = "";
    const char *v = ver ? ver(&major, &minor, &patch) : NULL;
    if (v)
        snprintf(out, len, "%s", v);
}

static void tcmalloc_figures(size_t *footprint, size_t *resident)
{
    typedef int (*prop_fn)(const char *, size_t *);
    prop_fn get = (prop_fn)sym("MallocExtension_GetNumericProperty");
    size_t heap = 0, unmapped = 0;
    if (!get || !get("generic.heap_size", &heap))
        return;
    get("tcmalloc.pageheap_unmapped_bytes", &unmapped);
    *footprint = heap;
    *resident = heap > unmapped ? heap - unmapped : 0;
}

static const struct lib_desc lib_jemalloc = {
    "jemalloc", "libjemalloc.so.2", "mallctl", jemalloc_version, jemalloc_figures,
};
static const struct lib_desc lib_mimalloc = {
    "mimalloc", "libmimalloc.so.2.0", "mi_version", mimalloc_version, mimalloc_figures,
};
static const struct lib_desc lib_tcmalloc = {
    "tcmalloc", "libtcmalloc_minimal.so.4", "tc_version", tcmalloc_version, tcmalloc_figures,
};
static const struct lib_desc lib_preload = {"preload", NULL, NULL, NULL, NULL};

/* ---- finding the library ------------------------------------------------- */

/* The directory the C library was loaded from (e.g. /lib/x86_64-linux-gnu). */
static int libc_dir_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    const char *slash = strrchr(info->dlpi_name, '/');
    if (!slash || !strstr(slash, "/libc.so"))
        return 0;
    snprintf(arg, PATH_MAX, "%.*s", (int)(slash - info->dlpi_name), info->dlpi_name);
    return 1;
}

/* Resolve name (a path, or a soname looked for in the usual directories)
 * to a readable file's real path; -1 when there is none. */
static int find_library(const char *name, char *out, size_t len)
{
    if (strchr(name, '/'))
        return access(name, R_OK) == 0 && realpath(name, out) ? 0 : -1;
    char libc_dir[PATH_MAX] = "";
    dl_iterate_phdr(libc_dir_cb, libc_dir);
    const char *usr = strncmp(libc_dir, "/lib/", 5) == 0 ? "/usr" : "";
    char usr_dir[PATH_MAX + 8];
    snprintf(usr_dir, sizeof usr_dir, "%s%s", usr, libc_dir);
    const char *dirs[] = {libc_dir, usr_dir, "/usr/local/lib", "/usr/lib", "/lib"};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        char cand[PATH_MAX + 256];
        if (!dirs[i][0])
            continue;
        snprintf(cand, sizeof cand, "%s/%s", dirs[i], name);
        if (access(cand, R_OK) == 0 && realpath(cand, out) && strlen(out) < len)
            return 0;
    }
    return -1;
}

/* Can the dynamic loader preload path (name as given)? LD_PRELOAD splits its
 * list at spaces and colons, with no quoting, and skips, with a warning only
 * the child would print, what it cannot load; so say it here, before anything
 * runs. 0 yes; -1 and err. */
static int check_preloadable(const char *backend, const char *name, const char *path,
                             char *err, size_t errlen)
{
    char shown[PATH_MAX + 32];
    snprintf(shown, sizeof shown, strcmp(name, path) ? "%.1000s (%.1000s)" : "%.1000s", name,
             path);
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: library %s is not a regular file", backend, shown);
        return -1;
    }
    if (strpbrk(path, " :")) {
        snprintf(err, errlen, "%s: library %s: LD_PRELOAD cannot load a path containing a "
                 "space or colon; copy the library to a path without them",
                 backend, shown);
        return -1;
    }
    unsigned char magic[4] = {0};
    int fd = open(path, O_RDONLY | O_CLOEXEC); /* not fopen: its FILE would be malloc'd */
    ssize_t got = fd >= 0 ? pread(fd, magic, sizeof magic, 0) : -1;
    if (fd >= 0)
        close(fd);
    if (got != (ssize_t)sizeof magic || memcmp(magic, "\177ELF", 4) != 0) {
        snprintf(err, errlen, "%s: library %s is not an ELF shared library (a linker script? "
                 "give the versioned file, e.g. libfoo.so.2)", backend, shown);
        return -1;
    }
    return 0;
}

/* A library looked for among the loaded objects. */
struct loaded {
    const char *path; /* real path */
    int found;
};

/* The real path of the object holding fn; "" when unknown. */
static void object_of(void *fn, char *out, size_t len)
{
    Dl_info info;
    out[0] = '\0';
    if (fn && dladdr(fn, &info) && info.dli_fname && !realpath(info.dli_fname, out))
        snprintf(out, len, "%s", info.dli_fname);
}

/* dl_iterate_phdr: does a loaded object's real path equal arg's path? */
static int loaded_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    struct loaded *l = arg;
    char real[PATH_MAX];
    if (info->dlpi_name && info->dlpi_name[0] && realpath(info->dlpi_name, real) &&
        strcmp(real, l->path) == 0)
        l->found = 1;
    return l->found;
}

/* Is the library this process's malloc? 1 yes; 0 and why in s->calls.err.
 * Looks at the loaded objects with dl_iterate_phdr, not dlopen(RTLD_NOLOAD),
 * whose first call mallocs in the dynamic loader: from the library under test. */
static int check_active(struct sysalloc *s)
{
    struct loaded l = {s->path, 0};
    dl_iterate_phdr(loaded_cb, &l);
    if (!l.found) {
        snprintf(s->calls.err, sizeof s->calls.err, "%s: %.150s is not loaded in this process (not preloaded)",
                 s->lib->backend, s->path);
        return 0;
    }
    static const char *const calls[] = {"malloc", "free", "realloc", "malloc_usable_size"};
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        char where[PATH_MAX];
        object_of(sym(calls[i]), where, sizeof where);
        if (strcmp(where, s->path) != 0) {
            snprintf(s->calls.err, sizeof s->calls.err, "%s: %s of this process is %.90s's, not %.90s's",
                     s->lib->backend, calls[i], where[0] ? where : "nobody", s->path);
            return 0;
        }
    }
    if (s->lib->marker && !sym(s->lib->marker)) {
        snprintf(s->calls.err, sizeof s->calls.err, "%s: %.150s does not define %s", s->lib->backend, s->path,
                 s->lib->marker);
        return 0;
    }
    return 1;
}

/* ---- the operations shared by every library -------------------------------- */

#define LIB_HELP "shared library to preload: a path (a relative one is resolved against the " \
                 "current directory; no space or colon), or a soname looked for in the C " \
                 "library's directory"

static const struct pb_option_desc jemalloc_options[] = {
    {"lib", "libjemalloc.so.2", LIB_HELP},
    {NULL, NULL, NULL},
};

static const struct pb_option_desc mimalloc_options[] = {
    {"lib", "libmimalloc.so.2.0", LIB_HELP},
    {NULL, NULL, NULL},
};

static const struct pb_option_desc tcmalloc_options[] = {
    {"lib", "libtcmalloc_minimal.so.4", LIB_HELP},
    {NULL, NULL, NULL},
};

static const struct pb_option_desc preload_options[] = {
    {"lib", "(required)", "path of any malloc-compatible shared library to preload "
                          "(shorthand: preload:/path/lib.so; a relative path, with a '/', is "
                          "resolved against the current directory; no space or colon)"},
    {NULL, NULL, NULL},
};

static int sys_available(const struct lib_desc *lib, char *err, size_t errlen)
{
    char path[PATH_MAX];
    if (!lib->soname || find_library(lib->soname, path, sizeof path) == 0)
        return 0;
    snprintf(err, errlen, "%s not found (install it, e.g. the Debian package for %s)",
             lib->soname, lib->backend);
    return -1;
}

static int sys_create(const struct lib_desc *lib, const struct pb_backend_ops *ops,
                      const struct pb_option *opts, size_t n, void **out, char *err,
                      size_t errlen)
{
    if (pb_options_check(ops, opts, n, err, errlen))
        return -1;
    const char *name = pb_option_get(opts, n, "lib");
    if (!name)
        name = lib->soname;
    if (!name) {
        snprintf(err, errlen, "%s: which library? give lib=PATH (or %s:/path/lib.so)",
                 lib->backend, lib->backend);
        return -1;
    }
    /* not from malloc, which is the library under test here */
    struct sysalloc *s = pb_hmem_alloc(sizeof *s);
    if (!s) {
        snprintf(err, errlen, "%s: out of memory", lib->backend);
        return -1;
    }
    if (find_library(name, s->path, sizeof s->path)) {
        snprintf(err, errlen, "%s: cannot find library %s: %s", lib->backend, name,
                 strchr(name, '/') ? strerror(errno) : "not in the library directories");
        pb_hmem_free(s, sizeof *s);
        return -1;
    }
    if (check_preloadable(lib->backend, name, s->path, err, errlen)) {
        pb_hmem_free(s, sizeof *s);
        return -1;
    }
    s->lib = lib;
    s->calls.name = lib->backend;
    s->active = check_active(s);
    *out = s;
    return 0;
}

/* An inactive instance refuses everything (calls.err says why since create). */
static int refuse_inactive(struct sysalloc *s)
{
    if (s->active)
        return 0;
    s->calls.failures++;
    return -1;
}

static void *sys_alloc(void *self, size_t size, size_t align)
{
    struct sysalloc *s = self;
    return refuse_inactive(s) ? NULL : pb_libc_alloc(&s->calls, size, align);
}

static int sys_free(void *self, void *ptr, size_t size)
{
    (void)size;
    return pb_libc_free(&((struct sysalloc *)self)->calls, ptr);
}

static void *sys_realloc(void *self, void *ptr, size_t old_size, size_t new_size, size_t align)
{
    struct sysalloc *s = self;
    return refuse_inactive(s) ? NULL
                              : pb_libc_realloc(&s->calls, ptr, old_size, new_size, align);
}

/* Direct calls only while active: an inactive instance refuses instead. */
static int sys_direct(void *self, struct pb_direct_calls *out)
{
    const struct sysalloc *s = self;
    return s->active ? pb_libc_direct(&s->calls, out) : -1;
}

static void sys_stats(void *self, struct pb_backend_stats *out)
{
    struct sysalloc *s = self;
    size_t footprint = 0, resident = 0;
    if (s->active && s->lib->figures)
        s->lib->figures(&footprint, &resident);
    if (footprint > s->peak_footprint)
        s->peak_footprint = footprint;
    *out = (struct pb_backend_stats){
        .footprint_bytes = footprint,
        .peak_footprint_bytes = s->peak_footprint,
        .resident_bytes = resident,
    };
    pb_libc_stats(&s->calls, out); /* granted is exact from here on (see the header) */
}

/* Copy text into out[size], cut short if it must be. */
static void copy_cut(char *out, size_t size, const char *text)
{
    size_t n = strlen(text);
    if (n >= size)
        n = size - 1;
    memcpy(out, text, n);
    out[n] = '\0';
}

/* For a library without a version call: the base name of its real path
 * (e.g. libtcmalloc_minimal.so.4.5.10). */
static void file_version(const char *path, char *out, size_t len)
{
    const char *base = strrchr(path, '/');
    copy_cut(out, len, base ? base + 1 : path);
}

static void put(struct pb_config_entry *e, const char *key, const char *value)
{
    copy_cut(e->key, sizeof e->key, key);
    copy_cut(e->value, sizeof e->value, value);
}

/* lib (path), version (from the live library; "unknown" when not active),
 * active (yes/no). */
static size_t sys_config(void *self, struct pb_config_entry *out, size_t max)
{
    struct sysalloc *s = self;
    char version[96] = "";
    if (s->active && s->lib->version)
        s->lib->version(version, sizeof version);
    else if (s->active)
        file_version(s->path, version, sizeof version);
    const char *v = version[0] ? version : "unknown (read in the run's own process)";
    const char *values[] = {s->path, v, s->active ? "yes" : "no"};
    const char *keys[] = {"lib", "version", "active"};
    size_t n = 0;
    for (; n < 3 && n < max; n++)
        put(&out[n], keys[n], values[n]);
    return n;
}

static const char *sys_last_error(void *self)
{
    return ((const struct sysalloc *)self)->calls.err;
}

static void sys_destroy(void *self)
{
    pb_hmem_free(self, sizeof(struct sysalloc));
}

/* ---- the four backends ----------------------------------------------------- */

extern const struct pb_backend_ops pb_backend_jemalloc, pb_backend_mimalloc,
    pb_backend_tcmalloc, pb_backend_preload;

#define SYS_FLAGS (PB_BK_PROCESS_WIDE | PB_BK_THREAD_SAFE)

static int jemalloc_available(char *err, size_t errlen)
{
    return sys_available(&lib_jemalloc, err, errlen);
}

static int jemalloc_create(const struct pb_option *opts, size_t n, void **out, char *err,
                           size_t errlen)
{
    return sys_create(&lib_jemalloc, &pb_backend_jemalloc, opts, n, out, err, errlen);
}

static int mimalloc_available(char *err, size_t errlen)
{
    return sys_available(&lib_mimalloc, err, errlen);
}

static int mimalloc_create(const struct pb_option *opts, size_t n, void **out, char *err,
                           size_t errlen)
{
    return sys_create(&lib_mimalloc, &pb_backend_mimalloc, opts, n, out, err, errlen);
}

static int tcmalloc_available(char *err, size_t errlen)
{
    return sys_available(&lib_tcmalloc, err, errlen);
}

static int tcmalloc_create(const struct pb_option *opts, size_t n, void **out, char *err,
                           size_t errlen)
{
    return sys_create(&lib_tcmalloc, &pb_backend_tcmalloc, opts, n, out, err, errlen);
}

static int preload_create(const struct pb_option *opts, size_t n, void **out, char *err,
                          size_t errlen)
{
    return sys_create(&lib_preload, &pb_backend_preload, opts, n, out, err, errlen);
}

const struct pb_backend_ops pb_backend_jemalloc = {
    .version = PB_BACKEND_API_VERSION,
    .name = "jemalloc",
    .description = "jemalloc, preloaded into the run's own process (libjemalloc2)",
    .flags = SYS_FLAGS,
    .options = jemalloc_options,
    .available = jemalloc_available,
    .create = jemalloc_create,
    .alloc = sys_alloc,
    .free = sys_free,
    .realloc = sys_realloc,
    .stats = sys_stats,
    .config = sys_config,
    .last_error = sys_last_error,
    .destroy = sys_destroy,
    .direct_calls = sys_direct,
};

const struct pb_backend_ops pb_backend_mimalloc = {
    .version = PB_BACKEND_API_VERSION,
    .name = "mimalloc",
    .description = "mimalloc, preloaded into the run's own process (libmimalloc2.0)",
    .flags = SYS_FLAGS,
    .options = mimalloc_options,
    .available = mimalloc_available,
    .create = mimalloc_create,
    .alloc = sys_alloc,
    .free = sys_free,
    .realloc = sys_realloc,
    .stats = sys_stats,
    .config = sys_config,
    .last_error = sys_last_error,
    .destroy = sys_destroy,
    .direct_calls = sys_direct,
};

const struct pb_backend_ops pb_backend_tcmalloc = {
    .version = PB_BACKEND_API_VERSION,
    .name = "tcmalloc",
    .description = "tcmalloc (gperftools, minimal), preloaded into the run's own process "
                   "(libtcmalloc-minimal4)",
    .flags = SYS_FLAGS,
    .options = tcmalloc_options,
    .available = tcmalloc_available,
    .create = tcmalloc_create,
    .alloc = sys_alloc,
    .free = sys_free,
    .realloc = sys_realloc,
    .stats = sys_stats,
    .config = sys_config,
    .last_error = sys_last_error,
    .destroy = sys_destroy,
    .direct_calls = sys_direct,
};

const struct pb_backend_ops pb_backend_preload = {
    .version = PB_BACKEND_API_VERSION,
    .name = "preload",
    .description = "any malloc-compatible shared library, preloaded into the run's own process",
    .flags = SYS_FLAGS,
    .options = preload_options,
    .available = NULL,
    .create = preload_create,
    .alloc = sys_alloc,
    .free = sys_free,
    .realloc = sys_realloc,
    .stats = sys_stats,
    .config = sys_config,
    .last_error = sys_last_error,
    .destroy = sys_destroy,
    .direct_calls = sys_direct,
};
