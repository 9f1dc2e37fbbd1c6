/*
 * pb_symbolize.h -- naming the call sites of `poolbench record --sites`.
 *
 * A recorded tag is MODULE:OFFSET (the return address's offset from the
 * module's load base); the trace names each module once in a comment line
 * `# pb-module NAME BUILDID PATH` (docs/recording.md). This module reads
 * those lines and turns a tag into the function it is in and, when debug
 * information exists (in the file, or separately under
 * DEBUG_ROOT/.build-id/xx/rest.debug), its source file and line, with
 * elfutils' libdwfl. A module is only read when the file at PATH has the
 * recorded build-id: a rebuilt binary is never used to name old offsets.
 * Everything from the trace and the ELF files is data: PATH is opened as a
 * regular file only, with a size bound, and strings come back as they are
 * (the caller escapes them for a terminal).
 */
#ifndef PB_SYMBOLIZE_H
#define PB_SYMBOLIZE_H

#include <stddef.h>
#include <stdint.h>

#define PB_SYM_NAME_MAX 64        /* a module name: a tag's module part */
#define PB_SYM_BUILD_ID_MAX 128   /* hex digits of a build-id (64 bytes) */
#define PB_SYM_PATH_MAX 4096      /* a module's path, decoded */
#define PB_SYM_LINE_MAX 20000     /* a pb-module line as written (\xHH escapes) */
#define PB_SYM_MAX_MODULES 4096   /* pb-module lines kept from one trace */
#define PB_SYM_FILE_MAX ((int64_t)4 << 30) /* a module file larger than this is not read */
#define PB_SYM_FUNC_MAX 512       /* a function name as returned (cut when longer) */
#define PB_SYM_REASON_MAX 160
#define PB_SYM_DEBUG_ROOT "/usr/lib/debug"

/* One `# pb-module` line. */
struct pb_sym_module_line {
    char name[PB_SYM_NAME_MAX + 1];
    char build_id[PB_SYM_BUILD_ID_MAX + 1]; /* lowercase hex; "" when the line says "-" */
    char path[PB_SYM_PATH_MAX + 1];         /* absolute, \xHH decoded */
};

/* What a tag resolves to. */
struct pb_sym_result {
    int resolved;                      /* 1: function is set */
    char function[PB_SYM_FUNC_MAX];    /* "" when unresolved */
    char source[PB_SYM_PATH_MAX + 24]; /* "FILE:LINE", "" when there is no line information */
    char reason[PB_SYM_REASON_MAX];    /* why not resolved, "" when resolved */
};

struct pb_symbolizer;

/* Parse one line (len bytes, no newline; a trailing CR is dropped): 1 when
 * it is a well-formed pb-module line (into *out), 0 when it is no pb-module
 * line at all, -1 when it is a malformed one (why in err). Never reads past len. */
int pb_sym_parse_line(const char *line, size_t len, struct pb_sym_module_line *out, char *err,
                      size_t errlen);

/* An empty symbolizer looking for separate debug files under debug_root
 * (NULL: PB_SYM_DEBUG_ROOT). NULL when out of memory. */
struct pb_symbolizer *pb_sym_new(const char *debug_root);

/* Add one module line (a second line of the same name with another
 * build-id or path makes the name ambiguous). 0, or -1 when full/out of memory. */
int pb_sym_add(struct pb_symbolizer *s, const struct pb_sym_module_line *m);

/* Read every pb-module line of the trace file at path (plain, gzip or
 * zstd; a regular file only) into s. 0, or -1 with err. */
int pb_sym_read_trace(struct pb_symbolizer *s, const char *path, char *err, size_t errlen);

/* Modules known, and the malformed pb-module lines met (first one's line
 * number in *first_line, 0 when none). */
size_t pb_sym_n_modules(const struct pb_symbolizer *s);
uint64_t pb_sym_n_malformed(const struct pb_symbolizer *s, uint64_t *first_line);

/* Resolve tag (without '@') into *r. Modules are opened on first use and
 * kept open until pb_sym_free. */
void pb_sym_resolve(struct pb_symbolizer *s, const char *tag, struct pb_sym_result *r);

/* Is tag of the MODULE:HEXOFFSET form a call site has? */
int pb_sym_is_site_tag(const char *tag);

void pb_sym_free(struct pb_symbolizer *s);

#endif /* PB_SYMBOLIZE_H */
