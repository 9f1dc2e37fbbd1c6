/*
 * symbolize.c -- call-site tags to function names and source lines
 * (pb_symbolize.h), with elfutils' libdwfl.
 *
 * Modules: one per distinct NAME of the trace's `# pb-module` lines (equal
 * lines are one module; the same NAME with another build-id or path makes
 * it ambiguous, and its tags are not resolved: the tag cannot say which).
 * Each is opened on first use, once: PATH is stat'ed and opened only when it
 * is a regular file (O_NONBLOCK, O_NOCTTY: a FIFO or a device never blocks
 * or becomes a terminal) of at most PB_SYM_FILE_MAX bytes, handed to a Dwfl
 * of its own (dwfl_report_elf, bias 0: module addresses are the file's
 * virtual addresses), and its build-id compared with the recorded one. A
 * module without a recorded build-id is not used: nothing would show that
 * the file is the one that ran.
 *
 * Addresses: the recorded offset is from dladdr's dli_fbase, the start of
 * the module's first mapping, which glibc puts at the load bias plus the
 * lowest PT_LOAD's p_vaddr rounded down to the page. So the file's address
 * is that rounded p_vaddr plus the offset: the same formula for a PIE
 * executable or a shared library (p_vaddr 0) and a fixed-address executable
 * (p_vaddr 0x400000). The offset is a return address: the call instruction
 * ends there, so names and lines are looked up at offset - 1.
 *
 * Separate debug information: libdwfl uses the file's own DWARF and symbol
 * table first; only when they are missing does it call find_debuginfo,
 * which here looks at DEBUG_ROOT/.build-id/xx/rest.debug alone (opened like
 * PATH and checked to carry the same build-id), not at the .gnu_debuglink
 * paths an untrusted file could point anywhere.
 */
#include "pb_num.h"
#include "pb_symbolize.h"

#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>
#include <dwarf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pb_infile.h"
#include "pb_zstream.h"

#define PB_SYM_READ_CHUNK (64u << 10)

/* One module: its line, and once opened its Dwfl. */
struct pb_sym_mod {
    struct pb_sym_module_line line;
    int ambiguous;
    int state; /* 0: not opened yet, 1: usable, -1: not (why) */
    char why[PB_SYM_REASON_MAX];
    const char *debug_root; /* the symbolizer's */
    Dwfl *dwfl;
    Dwfl_Module *mod;
    GElf_Addr base; /* module address of offset 0 */
};

struct pb_symbolizer {
    char debug_root[PB_SYM_PATH_MAX];
    struct pb_sym_mod **v; /* each allocated alone: libdwfl keeps a pointer to it */
    size_t n, cap;
    uint64_t n_malformed, first_malformed;
};

/* ---- the pb-module line ---- */

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static int is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == '-' || c == '<' || c == '>';
}

/* The next field of line[*i, len): its start and length; *i after it. */
static size_t next_field(const char *line, size_t len, size_t *i, const char **start)
{
    while (*i < len && is_blank(line[*i]))
        (*i)++;
    *start = line + *i;
    size_t n = 0;
    while (*i < len && !is_blank(line[*i])) {
        (*i)++;
        n++;
    }
    return n;
}

/* PATH (the rest of the line): "-" for none, else absolute, \xHH decoded. */
static int parse_path(const char *p, size_t n, char *out, char *err, size_t errlen)
{
    size_t o = 0;
    if (n == 1 && p[0] == '-') {
        out[0] = '\0';
        return 0;
    }
    if (n == 0 || p[0] != '/') {
        snprintf(err, errlen, "the path is not absolute");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)p[i];
        if (c == '\\' && n - i >= 4 && p[i + 1] == 'x' && pb_hex_digit(p[i + 2]) >= 0 &&
            pb_hex_digit(p[i + 3]) >= 0) {
            c = pb_hex_digit(p[i + 2]) * 16 + pb_hex_digit(p[i + 3]);
            i += 3;
        }
        if (c == 0 || o == PB_SYM_PATH_MAX) {
            snprintf(err, errlen, c ? "the path is too long" : "the path contains a NUL byte");
            return -1;
        }
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return 0;
}

/* NAME and BUILDID, checked and copied. */
static int parse_name_id(const char *name, size_t nn, const char *id, size_t ni,
                         struct pb_sym_module_line *out, char *err, size_t errlen)
{
    if (nn == 0 || nn > PB_SYM_NAME_MAX) {
        snprintf(err, errlen, nn ? "the module name is too long" : "no module name");
        return -1;
    }
    for (size_t i = 0; i < nn; i++)
        if (!is_name_char(name[i])) {
            snprintf(err, errlen, "the module name has a character a tag cannot have");
            return -1;
        }
    memcpy(out->name, name, nn);
    out->name[nn] = '\0';
    if (ni == 1 && id[0] == '-') {
        out->build_id[0] = '\0';
        return 0;
    }
    if (ni < 2 || ni > PB_SYM_BUILD_ID_MAX || ni % 2) {
        snprintf(err, errlen, "the build-id is not '-' or 2 to %d hex digits, paired",
                 PB_SYM_BUILD_ID_MAX);
        return -1;
    }
    for (size_t i = 0; i < ni; i++)
        if (pb_hex_digit(id[i]) < 0 || (id[i] >= 'A' && id[i] <= 'F')) {
            snprintf(err, errlen, "the build-id is not lowercase hex");
            return -1;
        }
    memcpy(out->build_id, id, ni);
    out->build_id[ni] = '\0';
    return 0;
}

int pb_sym_parse_line(const char *line, size_t len, struct pb_sym_module_line *out, char *err,
                      size_t errlen)
{
    if (len && line[len - 1] == '\r')
        len--;
    size_t i = 0;
    while (i < len && is_blank(line[i]))
        i++;
    if (i == len || line[i] != '#')
        return 0;
    i++;
    while (i < len && is_blank(line[i]))
        i++;
    if (len - i < 9 || memcmp(line + i, "pb-module", 9) != 0 ||
        (len - i > 9 && !is_blank(line[i + 9])))
        return 0;
    i += 9;
    const char *name, *id;
    size_t nn = next_field(line, len, &i, &name);
    size_t ni = next_field(line, len, &i, &id);
    if (parse_name_id(name, nn, id, ni, out, err, errlen) != 0)
        return -1;
    while (i < len && is_blank(line[i]))
        i++;
    if (i == len) {
        snprintf(err, errlen, "no path");
        return -1;
    }
    return parse_path(line + i, len - i, out->path, err, errlen) == 0 ? 1 : -1;
}

/* ---- the symbolizer and its modules ---- */

struct pb_symbolizer *pb_sym_new(const char *debug_root)
{
    struct pb_symbolizer *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    snprintf(s->debug_root, sizeof s->debug_root, "%s",
             debug_root ? debug_root : PB_SYM_DEBUG_ROOT);
    return s;
}

static struct pb_sym_mod *find_mod(const struct pb_symbolizer *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i]->line.name, name) == 0)
            return s->v[i];
    return NULL;
}

int pb_sym_add(struct pb_symbolizer *s, const struct pb_sym_module_line *m)
{
    struct pb_sym_mod *old = find_mod(s, m->name);
    if (old) {
        if (strcmp(old->line.build_id, m->build_id) != 0 || strcmp(old->line.path, m->path) != 0)
            old->ambiguous = 1;
        return 0;
    }
    if (s->n == PB_SYM_MAX_MODULES)
        return -1;
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        struct pb_sym_mod **v = realloc(s->v, cap * sizeof *v);
        if (!v)
            return -1;
        s->v = v;
        s->cap = cap;
    }
    struct pb_sym_mod *n = calloc(1, sizeof *n);
    if (!n)
        return -1;
    n->line = *m;
    n->debug_root = s->debug_root;
    s->v[s->n++] = n;
    return 0;
}

size_t pb_sym_n_modules(const struct pb_symbolizer *s)
{
    return s->n;
}

uint64_t pb_sym_n_malformed(const struct pb_symbolizer *s, uint64_t *first_line)
{
    if (first_line)
        *first_line = s->first_malformed;
    return s->n_malformed;
}

void pb_sym_free(struct pb_symbolizer *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        if (s->v[i]->dwfl)
            dwfl_end(s->v[i]->dwfl);
        free(s->v[i]);
    }
    free(s->v);
    free(s);
}

/* ---- reading a trace's comment lines ---- */

static void malformed(struct pb_symbolizer *s, uint64_t lineno)
{
    if (!s->n_malformed++)
        s->first_malformed = lineno;
}

/* One whole line (overlong: longer than PB_SYM_LINE_MAX, only its start kept). */
static void take_line(struct pb_symbolizer *s, const char *line, size_t len, int overlong,
                      uint64_t lineno, struct pb_sym_module_line *m)
{
    char why[PB_SYM_REASON_MAX];
    size_t i = 0;
    while (i < len && is_blank(line[i]))
        i++;
    if (i == len || line[i] != '#')
        return;
    int rc = pb_sym_parse_line(line, len, m, why, sizeof why);
    if (rc != 0 && overlong)
        rc = -1;
    if (rc < 0 || (rc == 1 && pb_sym_add(s, m) != 0))
        malformed(s, lineno);
}

/* The lines of z, each to take_line. 0, or -1 with err. */
static int scan_lines(struct pb_symbolizer *s, struct pb_zstream *z, char *buf, char *line,
                      char *err, size_t errlen)
{
    struct pb_sym_module_line *m = malloc(sizeof *m);
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t len = 0;
    int overlong = 0;
    uint64_t lineno = 1;
    ssize_t got;
    while ((got = pb_zstream_read(z, buf, PB_SYM_READ_CHUNK)) > 0) {
        const char *p = buf, *end = buf + got;
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t n = (size_t)((nl ? nl : end) - p);
            size_t room = PB_SYM_LINE_MAX - len;
            memcpy(line + len, p, n < room ? n : room);
            len += n < room ? n : room;
            overlong |= n > room;
            p += n;
            if (nl) {
                take_line(s, line, len, overlong, lineno++, m);
                len = 0;
                overlong = 0;
                p++;
            }
        }
    }
    if (got == 0 && (len || overlong))
        take_line(s, line, len, overlong, lineno, m);
    free(m);
    if (got < 0)
        snprintf(err, errlen, "%s", z->err);
    return got < 0 ? -1 : 0;
}

int pb_sym_read_trace(struct pb_symbolizer *s, const char *path, char *err, size_t errlen)
{
    int fd = pb_infile_open(path, NULL, err, errlen);
    if (fd < 0)
        return -1;
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    char *buf = malloc(PB_SYM_READ_CHUNK);
    char *line = malloc(PB_SYM_LINE_MAX);
    struct pb_zstream z;
    int rc = -1;
    if (!buf || !line)
        snprintf(err, errlen, "out of memory");
    else if (pb_zstream_open(&z, f) != 0)
        snprintf(err, errlen, "%s", z.err);
    else {
        rc = scan_lines(s, &z, buf, line, err, errlen);
        pb_zstream_close(&z);
    }
    free(buf);
    free(line);
    fclose(f);
    return rc;
}

/* ---- opening a module ---- */

/* path as a regular file of at most PB_SYM_FILE_MAX bytes: its fd, or -1 with why. */
static int open_regular(const char *path, char *why, size_t whylen)
{
    struct stat st;
    if (!path[0] || stat(path, &st) != 0) {
        snprintf(why, whylen, "not found");
        return -1;
    }
    int fd = S_ISREG(st.st_mode) ? open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC) : -2;
    if (fd == -1) {
        snprintf(why, whylen, errno == ENOENT ? "not found" : "cannot be opened (%s)",
                 strerror(errno));
        return -1;
    }
    if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
        close(fd);
        fd = -2;
    }
    if (fd == -2) {
        snprintf(why, whylen, "not a regular file");
        return -1;
    }
    if (st.st_size > PB_SYM_FILE_MAX) {
        snprintf(why, whylen, "larger than %lld bytes", (long long)PB_SYM_FILE_MAX);
        close(fd);
        return -1;
    }
    return fd;
}

/* bytes as lowercase hex into hex (2 * n + 1 bytes). */
static void to_hex(const unsigned char *bytes, size_t n, char *hex)
{
    for (size_t i = 0; i < n; i++) {
        hex[2 * i] = "0123456789abcdef"[bytes[i] >> 4];
        hex[2 * i + 1] = "0123456789abcdef"[bytes[i] & 15];
    }
    hex[2 * n] = '\0';
}

/* Does the ELF file at fd carry the GNU build-id hex? */
static int fd_has_build_id(int fd, const char *hex)
{
    Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
    const void *bits = NULL;
    ssize_t n = e ? dwelf_elf_gnu_build_id(e, &bits) : -1;
    char have[PB_SYM_BUILD_ID_MAX + 1];
    int same = n > 0 && (size_t)n * 2 <= PB_SYM_BUILD_ID_MAX;
    if (same) {
        to_hex(bits, (size_t)n, have);
        same = strcmp(have, hex) == 0;
    }
    if (e)
        elf_end(e);
    return same;
}

/* libdwfl's find_debuginfo: DEBUG_ROOT/.build-id/xx/rest.debug only, when
 * it carries the module's build-id. Its fd (libdwfl closes it), or -1. */
static int find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
                          Dwarf_Addr base, const char *file_name, const char *debuglink_file,
                          GElf_Word debuglink_crc, char **debuginfo_file_name)
{
    (void)mod, (void)modname, (void)base, (void)file_name, (void)debuglink_file;
    (void)debuglink_crc;
    const struct pb_sym_mod *m = *userdata;
    const char *id = m->line.build_id;
    char path[PB_SYM_PATH_MAX + 2 * PB_SYM_BUILD_ID_MAX + 32], why[PB_SYM_REASON_MAX];
    if (strlen(id) < 4)
        return -1;
    snprintf(path, sizeof path, "%s/.build-id/%.2s/%s.debug", m->debug_root, id, id + 2);
    int fd = open_regular(path, why, sizeof why);
    if (fd < 0)
        return -1;
    if (!fd_has_build_id(fd, id)) {
        close(fd);
        return -1;
    }
    *debuginfo_file_name = strdup(path);
    return fd;
}

/* find_elf is never needed (every module is reported with its file);
 * debuginfo_path only serves libdwfl's own find_debuginfo, not used. */
static const Dwfl_Callbacks pb_sym_callbacks = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = find_debuginfo,
    .debuginfo_path = NULL,
};

/* The module address of offset 0 (see the top): the lowest PT_LOAD's
 * p_vaddr, rounded down to the page, plus the bias. */
static int module_base(Dwfl_Module *mod, GElf_Addr *base)
{
    GElf_Addr bias;
    Elf *e = dwfl_module_getelf(mod, &bias);
    size_t n;
    if (!e || elf_getphdrnum(e, &n) != 0)
        return -1;
    GElf_Addr lo = (GElf_Addr)-1;
    for (size_t i = 0; i < n; i++) {
        GElf_Phdr ph;
        if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD && ph.p_vaddr < lo)
            lo = ph.p_vaddr;
    }
    if (lo == (GElf_Addr)-1)
        return -1;
    long page = sysconf(_SC_PAGESIZE);
    *base = (lo & ~(GElf_Addr)((page > 0 ? page : 4096) - 1)) + bias;
    return 0;
}

/* The Dwfl of m's file, checked against the recorded build-id; m->state set. */
static void mod_open(struct pb_sym_mod *m)
{
    m->state = -1;
    if (!m->line.build_id[0]) {
        snprintf(m->why, sizeof m->why, "no build-id recorded");
        return;
    }
    int fd = open_regular(m->line.path, m->why, sizeof m->why);
    if (fd < 0)
        return;
    m->dwfl = dwfl_begin(&pb_sym_callbacks);
    if (!m->dwfl) {
        close(fd);
        snprintf(m->why, sizeof m->why, "out of memory");
        return;
    }
    dwfl_report_begin(m->dwfl);
    m->mod = dwfl_report_elf(m->dwfl, m->line.name, m->line.path, fd, 0, true);
    dwfl_report_end(m->dwfl, NULL, NULL);
    if (!m->mod) {
        close(fd); /* not taken over on failure */
        snprintf(m->why, sizeof m->why, "not an ELF file");
        return;
    }
    void **ud;
    dwfl_module_info(m->mod, &ud, NULL, NULL, NULL, NULL, NULL, NULL);
    *ud = m;
    const unsigned char *bits;
    GElf_Addr at;
    int n = dwfl_module_build_id(m->mod, &bits, &at);
    char have[PB_SYM_BUILD_ID_MAX + 1] = "";
    if (n > 0 && 2 * (size_t)n <= PB_SYM_BUILD_ID_MAX)
        to_hex(bits, (size_t)n, have);
    if (strcmp(have, m->line.build_id) != 0)
        snprintf(m->why, sizeof m->why, "build-id differs (rebuilt since recording)");
    else if (module_base(m->mod, &m->base) != 0)
        snprintf(m->why, sizeof m->why, "no loadable segment");
    else
        m->state = 1;
}

/* ---- resolving ---- */

/* Split tag into its module name and offset: 0, or -1 when it is no MODULE:HEX. */
static int split_tag(const char *tag, char name[PB_SYM_NAME_MAX + 1], uint64_t *off)
{
    const char *colon = strrchr(tag, ':');
    if (!colon || colon == tag || (size_t)(colon - tag) > PB_SYM_NAME_MAX)
        return -1;
    size_t digits = strlen(colon + 1);
    if (digits == 0 || digits > 16)
        return -1;
    uint64_t v = 0;
    for (const char *p = colon + 1; *p; p++) {
        int h = pb_hex_digit(*p);
        if (h < 0)
            return -1;
        v = v << 4 | (uint64_t)h;
    }
    memcpy(name, tag, (size_t)(colon - tag));
    name[colon - tag] = '\0';
    *off = v;
    return 0;
}

int pb_sym_is_site_tag(const char *tag)
{
    char name[PB_SYM_NAME_MAX + 1];
    uint64_t off;
    return split_tag(tag, name, &off) == 0;
}

/* The DWARF name of the innermost function around addr, or NULL. */
static const char *dwarf_function(Dwfl_Module *mod, Dwarf_Addr addr)
{
    Dwarf_Addr bias;
    Dwarf_Die *cu = dwfl_module_addrdie(mod, addr, &bias);
    Dwarf_Die *scopes = NULL;
    int n = cu ? dwarf_getscopes(cu, addr - bias, &scopes) : -1;
    const char *name = NULL;
    for (int i = 0; i < n && !name; i++)
        if (dwarf_tag(&scopes[i]) == DW_TAG_subprogram)
            name = dwarf_diename(&scopes[i]);
    free(scopes);
    return name;
}

/* Name and line of the module address addr into r. */
static void lookup(struct pb_sym_mod *m, GElf_Addr addr, struct pb_sym_result *r)
{
    GElf_Off o;
    GElf_Sym sym;
    const char *fn = dwfl_module_addrinfo(m->mod, addr, &o, &sym, NULL, NULL, NULL);
    if (!fn || !fn[0])
        fn = dwarf_function(m->mod, addr);
    if (!fn || !fn[0]) {
        snprintf(r->reason, sizeof r->reason, "no symbol");
        return;
    }
    snprintf(r->function, sizeof r->function, "%s", fn);
    r->resolved = 1;
    Dwfl_Line *l = dwfl_module_getsrc(m->mod, addr);
    int lineno = 0;
    const char *src = l ? dwfl_lineinfo(l, NULL, &lineno, NULL, NULL, NULL) : NULL;
    if (src && src[0] && lineno > 0)
        snprintf(r->source, sizeof r->source, "%s:%d", src, lineno);
}

void pb_sym_resolve(struct pb_symbolizer *s, const char *tag, struct pb_sym_result *r)
{
    memset(r, 0, sizeof *r);
    char name[PB_SYM_NAME_MAX + 1];
    uint64_t off;
    if (split_tag(tag, name, &off) != 0) {
        snprintf(r->reason, sizeof r->reason, "not a call-site tag (MODULE:OFFSET)");
        return;
    }
    struct pb_sym_mod *m = find_mod(s, name);
    if (!m) {
        snprintf(r->reason, sizeof r->reason, "no pb-module line for its module");
        return;
    }
    if (m->ambiguous) {
        snprintf(r->reason, sizeof r->reason, "several modules have its name");
        return;
    }
    if (m->state == 0)
        mod_open(m);
    if (m->state < 0) {
        snprintf(r->reason, sizeof r->reason, "%s", m->why);
        return;
    }
    lookup(m, m->base + (off ? off - 1 : 0), r);
}
