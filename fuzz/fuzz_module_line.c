/*
 * fuzz_module_line.c -- libFuzzer target for the `# pb-module` line parser
 * (pb_sym_parse_line) and the module table (pb_sym_add).
 *
 * The input is split into lines. Each must parse as a pb-module line, as no
 * such line, or as a malformed one with a reason, never a crash or a read
 * past its length; a line that parses holds only what the format allows (a
 * name of tag characters, paired lowercase hex or no build-id, an absolute
 * path or none, NUL-free) and goes into a symbolizer, which never opens
 * files here (nothing is resolved).
 */
#include "pb_symbolize.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static void check_line(const struct pb_sym_module_line *m)
{
    size_t n = strlen(m->name), b = strlen(m->build_id);
    if (n == 0 || n > PB_SYM_NAME_MAX || strchr(m->name, ':') || b % 2 || b > PB_SYM_BUILD_ID_MAX)
        abort();
    if (strspn(m->build_id, "0123456789abcdef") != b)
        abort();
    if (m->path[0] && m->path[0] != '/')
        abort();
    if (strlen(m->path) > PB_SYM_PATH_MAX)
        abort();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    struct pb_symbolizer *s = pb_sym_new("/nonexistent");
    struct pb_sym_module_line *m = malloc(sizeof *m);
    if (!s || !m)
        abort();
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = (size_t)((nl ? nl : end) - p);
        char *line = malloc(len ? len : 1); /* exactly len bytes: an overread is seen */
        if (!line)
            abort();
        memcpy(line, p, len);
        char err[PB_SYM_REASON_MAX] = "";
        int rc = pb_sym_parse_line(line, len, m, err, sizeof err);
        if (rc < -1 || rc > 1 || (rc < 0 && !err[0]))
            abort();
        if (rc == 1) {
            check_line(m);
            pb_sym_add(s, m);
        }
        free(line);
        p += len + (nl != NULL);
    }
    if (pb_sym_n_modules(s) > PB_SYM_MAX_MODULES)
        abort();
    free(m);
    pb_sym_free(s);
    return 0;
}
