/*
 * record_report.c -- what `poolbench record` says after the program ended,
 * from the list file the recorder's processes appended to
 * (pb_record_list.h): which trace is CMD's own process, which are earlier
 * programs of it (a wrapper that exec'd) and which are child processes, each
 * with its events (its closing "# exit: N events" comment, or its lines counted
 * when it has none); the processes that were not
 * followed; and, for a Python process, that pymalloc hid most allocations.
 *
 * Bounded output and memory: CMD's own file is always shown, of the others
 * the RECORD_SHOWN with the most events (all of them, in the order they were
 * created, when there are no more); the rest are counted. Processes not
 * followed are counted by pid (up to RECORD_MAX_PIDS distinct ones).
 * Everything from the list (paths, executables) is shown with pb_text_*: the
 * list is written by the recorded programs. Only paths FILE and FILE.<...>
 * are read.
 */
#include "record.h"

#include "pb_record_list.h"
#include "pb_infile.h"
#include "pb_text.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define RECORD_SHOWN 8
#define RECORD_MAX_PIDS (1u << 20)
#define RECORD_FIELD_MAX (PATH_MAX + 64)
#define RECORD_LINE_KEEP 511          /* bytes of a line that are looked at */
#define RECORD_COUNT_BLOCK 4096       /* bytes counted per 32-bit sum */
#define RECORD_TAIL 4096              /* bytes read for a trace's closing summary */

/* One trace file. */
struct rec_file {
    char kind; /* PB_REC_LIST_*, 0 = none */
    long pid, ppid;
    char *exe, *path;
    unsigned seq;     /* order of creation */
    unsigned ordinal; /* an earlier program of CMD's own process: its number, from 1 */
    uint64_t events, dropped;
    int python;
};

struct rec_state {
    const char *main_path; /* FILE */
    const char *cmd;
    enum record_follow follow;
    struct rec_file main;  /* the program that holds FILE (kind 0 until seen) */
    char *first_exe;       /* the first program of CMD's own process */
    struct rec_file shown[RECORD_SHOWN];
    unsigned n_shown, hidden, hidden_earlier;
    uint64_t hidden_events;
    unsigned files, earlier, seq;
    uint64_t events;
    unsigned skip_main;    /* programs of CMD's own process not recorded (--follow none) */
    char *skip_main_exe;   /* the last of them */
    long *skip_pids;       /* other processes not followed */
    size_t n_skip, cap_skip;
    int skip_lost;         /* more than fit in skip_pids */
    unsigned python_files;
    char *python_path, *python_exe; /* the first Python file (CMD's own preferred) */
};

static void file_free(struct rec_file *f)
{
    free(f->exe);
    free(f->path);
    memset(f, 0, sizeof *f);
}

/* A comment line of a trace (its first RECORD_LINE_KEEP bytes,
 * NUL-terminated): the dropped-frees and python comments are read. */
static void scan_comment(struct rec_file *rf, const char *line)
{
    unsigned long long d;
    if (sscanf(line, "# dropped %llu frees", &d) == 1)
        rf->dropped += d;
    else if (strncmp(line, "# " PB_REC_PYTHON_COMMENT, 2 + strlen(PB_REC_PYTHON_COMMENT)) == 0)
        rf->python = 1;
}

/* The event lines of b: those that start with a, f, r or x (the recorder
 * writes no leading blanks). Sums of comparisons, no branch: the compiler
 * vectorises the loop (a recorded trace has millions of lines). */
static uint64_t count_events(const unsigned char *b, size_t n)
{
    if (n == 0)
        return 0;
    uint64_t c = (b[0] == 'a') + (b[0] == 'f') + (b[0] == 'r') + (b[0] == 'x');
    for (size_t i = 1; i < n;) { /* blocks: a 32-bit sum is cheaper to widen to */
        size_t m = n - i < RECORD_COUNT_BLOCK ? n - i : RECORD_COUNT_BLOCK;
        unsigned sum = 0;
        for (size_t k = i; k < i + m; k++) { /* a line starts at b[k] after a newline */
            unsigned char x = b[k];
            sum += (unsigned char)(b[k - 1] == '\n') &
                   (unsigned char)((x == 'a') + (x == 'f') + (x == 'r') + (x == 'x'));
        }
        c += sum;
        i += m;
    }
    return c;
}

/* Every comment line of b ('#' first, after blanks) to scan_comment. */
static void scan_comments(struct rec_file *rf, const char *b, size_t n)
{
    const char *p = b, *end = b + n;
    while (p < end && (p = memchr(p, '#', (size_t)(end - p))) != NULL) {
        const char *start = p;
        while (start > b && (start[-1] == ' ' || start[-1] == '\t'))
            start--;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        if (start == b || start[-1] == '\n') {
            char line[RECORD_LINE_KEEP + 1];
            size_t len = (size_t)(stop - p) < RECORD_LINE_KEEP ? (size_t)(stop - p) : RECORD_LINE_KEEP;
            memcpy(line, p, len);
            line[len] = '\0';
            scan_comment(rf, line);
        }
        p = stop;
    }
}

/* Is line (NUL-terminated, at most RECORD_LINE_KEEP bytes) a summary line
 * "# WHY: N events (" of the recorder (WHY: exit, _exit or exec)? N into *n. */
static int summary_line(const char *line, uint64_t *n)
{
    static const char *const whys[] = {"# exit: ", "# _exit: ", "# exec: "};
    for (size_t i = 0; i < sizeof whys / sizeof whys[0]; i++) {
        size_t k = strlen(whys[i]);
        if (strncmp(line, whys[i], k) != 0 || line[k] < '0' || line[k] > '9')
            continue;
        char *end;
        unsigned long long v = strtoull(line + k, &end, 10);
        if (strncmp(end, " events (", 9) != 0)
            return 0;
        *n = v;
        return 1;
    }
    return 0;
}

/* The trace's closing summary, read from its last RECORD_TAIL bytes: when
 * the file ends with the recorder's summary (the "# WHY: N events" line, then
 * only comment lines), N is the number of event lines in it (the recorder
 * counts each a, f and r line it writes, and writes its summary after every
 * line of the events it counts), and the summary's own comments give the
 * dropped frees (cumulative: the last summary's figure is the file's) and
 * the python note. 0 when read; -1 when the file does not end so (a
 * process killed before its summary: the caller counts the lines). */
static int read_trailer(struct rec_file *rf, int fd, off_t size)
{
    char tail[RECORD_TAIL + 1];
    off_t from = size > RECORD_TAIL ? size - RECORD_TAIL : 0;
    ssize_t n = pread(fd, tail, (size_t)(size - from), from);
    if (n != size - from || n == 0 || tail[n - 1] != '\n')
        return -1;
    uint64_t dropped = 0;
    int python = 0;
    size_t end = (size_t)n - 1; /* the newline closing the line being read */
    while (end > 0) {
        size_t start = end;
        while (start > 0 && tail[start - 1] != '\n')
            start--;
        if (start == 0 && from > 0)
            return -1; /* a line cut by the tail: not the recorder's summary */
        if (tail[start] != '#')
            return -1;
        char line[RECORD_LINE_KEEP + 1];
        size_t len = end - start < RECORD_LINE_KEEP ? end - start : RECORD_LINE_KEEP;
        memcpy(line, tail + start, len);
        line[len] = '\0';
        uint64_t events;
        if (summary_line(line, &events)) {
            rf->events = events;
            rf->dropped = dropped;
            rf->python = python;
            return 0;
        }
        struct rec_file c = {0};
        scan_comment(&c, line);
        dropped += c.dropped;
        python |= c.python;
        if (start == 0)
            break;
        end = start - 1;
    }
    return -1;
}

/* Count event lines, the dropped-frees and python comments of one trace:
 * from its closing summary (read_trailer) when it has one, else through one
 * mapping of the whole file. */
static int scan_trace(struct rec_file *rf)
{
    char err[256];
    off_t size = 0;
    int fd = pb_infile_open(rf->path, &size, err, sizeof err);
    if (fd < 0)
        return -1;
    rf->events = rf->dropped = 0;
    rf->python = 0;
    if (size <= 0 || read_trailer(rf, fd, size) == 0) {
        close(fd);
        return 0;
    }
    void *map = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return -1;
    rf->events = count_events(map, (size_t)size);
    scan_comments(rf, map, (size_t)size);
    munmap(map, (size_t)size);
    return 0;
}

/* One NUL-terminated field of the list into buf; 0, or -1 at the end or
 * when it is too long (a cut or foreign list: reading stops there). */
static int read_field(FILE *f, char *buf, size_t cap)
{
    size_t n = 0;
    int c;
    while ((c = getc(f)) != EOF && c != '\0') {
        if (n + 1 >= cap)
            return -1;
        buf[n++] = (char)c;
    }
    buf[n] = '\0';
    return c == EOF ? -1 : 0;
}

/* Is path FILE or FILE.<digits and dots>? */
static int ours(const char *path, const char *main_path)
{
    size_t n = strlen(main_path);
    if (strncmp(path, main_path, n) != 0)
        return 0;
    if (!path[n])
        return 1;
    const char *tail = path + n + 1;
    return path[n] == '.' && tail[0] && strspn(tail, "0123456789.") == strlen(tail);
}

/* Read one record into rf (strings allocated); 0, or -1 at the end of the list. */
static int read_record(FILE *f, struct rec_file *rf)
{
    char kind[8], pid[24], ppid[24], exe[RECORD_FIELD_MAX], path[RECORD_FIELD_MAX];
    if (read_field(f, kind, sizeof kind) || read_field(f, pid, sizeof pid) ||
        read_field(f, ppid, sizeof ppid) || read_field(f, exe, sizeof exe) ||
        read_field(f, path, sizeof path) || strlen(kind) != 1)
        return -1;
    memset(rf, 0, sizeof *rf);
    rf->kind = kind[0];
    rf->pid = strtol(pid, NULL, 10);
    rf->ppid = strtol(ppid, NULL, 10);
    rf->exe = strdup(exe);
    rf->path = strdup(path);
    if (!rf->exe || !rf->path) {
        file_free(rf);
        return -1;
    }
    return 0;
}

/* Count a file (scanned) and keep it among the shown ones when it is one of
 * the largest; takes rf's strings. */
static void add_file(struct rec_state *st, struct rec_file *rf)
{
    st->files++;
    st->events += rf->events;
    if (rf->python && !st->python_files++) {
        st->python_path = strdup(rf->path);
        st->python_exe = strdup(rf->exe);
    }
    struct rec_file *slot = NULL;
    if (st->n_shown < RECORD_SHOWN) {
        slot = &st->shown[st->n_shown++];
    } else {
        slot = &st->shown[0];
        for (unsigned i = 1; i < RECORD_SHOWN; i++)
            if (st->shown[i].events < slot->events)
                slot = &st->shown[i];
        struct rec_file *out = rf->events > slot->events ? slot : rf;
        st->hidden++;
        st->hidden_events += out->events;
        st->hidden_earlier += out->ordinal != 0;
        if (out == rf) {
            file_free(rf);
            return;
        }
        file_free(slot);
    }
    *slot = *rf;
    memset(rf, 0, sizeof *rf);
}

static void add_skipped(struct rec_state *st, long pid)
{
    if (st->n_skip == st->cap_skip) {
        size_t cap = st->cap_skip ? st->cap_skip * 2 : 256;
        long *p = cap <= RECORD_MAX_PIDS ? realloc(st->skip_pids, cap * sizeof *p) : NULL;
        if (!p) {
            st->skip_lost = 1; /* counted as "at least" */
            return;
        }
        st->skip_pids = p;
        st->cap_skip = cap;
    }
    st->skip_pids[st->n_skip++] = pid;
}

/* Scan rf's trace and count it; a file that cannot be read is left out. */
static void take_file(struct rec_state *st, struct rec_file *rf)
{
    if (scan_trace(rf) == 0)
        add_file(st, rf);
    file_free(rf);
}

/* One record of the list. */
static void take_record(struct rec_state *st, struct rec_file *rf)
{
    rf->seq = st->seq++;
    if (rf->kind == PB_REC_LIST_SKIP || rf->kind == PB_REC_LIST_SKIP_MAIN) {
        if (rf->kind == PB_REC_LIST_SKIP) {
            add_skipped(st, rf->pid);
        } else {
            st->skip_main++;
            free(st->skip_main_exe);
            st->skip_main_exe = strdup(rf->exe);
        }
        file_free(rf);
        return;
    }
    if (!ours(rf->path, st->main_path)) {
        file_free(rf);
        return;
    }
    if (rf->kind == PB_REC_LIST_MOVED) { /* the program in FILE exec'd: its trace is now here */
        if (st->main.kind) {
            free(st->main.path);
            st->main.path = rf->path;
            rf->path = NULL;
            st->main.ordinal = ++st->earlier;
            take_file(st, &st->main);
        }
        file_free(rf);
        return;
    }
    if (rf->kind == PB_REC_LIST_MAIN && strcmp(rf->path, st->main_path) == 0) {
        if (st->main.kind)
            take_file(st, &st->main); /* FILE replaced without a move: cannot happen */
        if (!st->first_exe)
            st->first_exe = strdup(rf->exe);
        st->main = *rf;
        memset(rf, 0, sizeof *rf);
        return;
    }
    take_file(st, rf);
}

static int by_seq(const void *a, const void *b)
{
    const struct rec_file *x = a, *y = b;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

static int by_events(const void *a, const void *b)
{
    const struct rec_file *x = a, *y = b;
    if (x->events != y->events)
        return x->events < y->events ? 1 : -1;
    return by_seq(a, b);
}

static int by_pid(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

/* "PATH: N events[, D frees of earlier blocks dropped] -- " */
static void file_head(const struct rec_file *f)
{
    fputs("poolbench record: ", stderr);
    pb_text_put(stderr, f->path, 0);
    fprintf(stderr, ": %llu events", (unsigned long long)f->events);
    if (f->dropped)
        fprintf(stderr, ", %llu frees of earlier blocks dropped", (unsigned long long)f->dropped);
    fputs(" -- ", stderr);
}

static const char *base_name(const char *path)
{
    const char *b = strrchr(path, '/');
    return b && b[1] ? b + 1 : path;
}

static const char *or_unknown(const char *exe)
{
    return exe && exe[0] ? exe : "(executable unknown)";
}

static void print_main(const struct rec_state *st)
{
    const struct rec_file *m = &st->main;
    const char *cmd = base_name(st->cmd);
    file_head(m);
    if (!st->earlier)
        pb_text_line(stderr, "pid %ld, %s's own process: %s", m->pid, cmd, or_unknown(m->exe));
    else
        pb_text_line(stderr,
                     "pid %ld, %s's own process: %s, exec'd from a wrapper (%u program%s "
                     "before it, the first %s)",
                     m->pid, cmd, or_unknown(m->exe), st->earlier, st->earlier == 1 ? "" : "s",
                     or_unknown(st->first_exe));
}

static void print_file(const struct rec_state *st, const struct rec_file *f)
{
    const char *cmd = base_name(st->cmd);
    file_head(f);
    unsigned total = st->earlier + (st->main.kind ? 1 : 0);
    if (f->ordinal)
        pb_text_line(stderr, "pid %ld, %s's own process before exec (program %u of %u): %s",
                     f->pid, cmd, f->ordinal, total, or_unknown(f->exe));
    else if (f->kind == PB_REC_LIST_MAIN)
        pb_text_line(stderr, "pid %ld, a program of %s's own process: %s", f->pid, cmd,
                     or_unknown(f->exe));
    else if (f->kind == PB_REC_LIST_FORK)
        pb_text_line(stderr, "pid %ld, child of %ld (fork): %s", f->pid, f->ppid,
                     or_unknown(f->exe));
    else
        pb_text_line(stderr, "pid %ld (child of %ld), exec of %s", f->pid, f->ppid,
                     or_unknown(f->exe));
}

/* CMD's own file, then the others: by creation when all are shown, else the largest first. */
static void print_files(struct rec_state *st)
{
    if (st->main.kind)
        print_main(st);
    qsort(st->shown, st->n_shown, sizeof st->shown[0], st->hidden ? by_events : by_seq);
    for (unsigned i = 0; i < st->n_shown; i++)
        print_file(st, &st->shown[i]);
    if (!st->hidden)
        return;
    fprintf(stderr,
            "poolbench record: %u more file%s not listed (%llu events; the largest are above)",
            st->hidden, st->hidden == 1 ? "" : "s", (unsigned long long)st->hidden_events);
    if (st->hidden_earlier)
        fprintf(stderr, ", %u of them earlier programs of the command's own process",
                st->hidden_earlier);
    fputc('\n', stderr);
}

/* The processes that were not followed, counted (distinct pids). */
static void print_skipped(struct rec_state *st)
{
    const char *cmd = base_name(st->cmd);
    const char *mode = record_follow_name(st->follow);
    if (st->skip_main)
        pb_text_line(stderr,
                     "poolbench record: not recorded (--follow %s): %u program%s that %s's own "
                     "process exec'd, the last %s (--follow exec records %s)",
                     mode, st->skip_main, st->skip_main == 1 ? "" : "s", cmd,
                     or_unknown(st->skip_main_exe), st->skip_main == 1 ? "it" : "them");
    if (!st->n_skip)
        return;
    qsort(st->skip_pids, st->n_skip, sizeof *st->skip_pids, by_pid);
    size_t distinct = 0;
    for (size_t i = 0; i < st->n_skip; i++)
        distinct += i == 0 || st->skip_pids[i] != st->skip_pids[i - 1];
    pb_text_line(stderr,
                 "poolbench record: not recorded (--follow %s): %s%zu child process%s of %s "
                 "(fork, and the programs they exec'd; --follow all records them)",
                 mode, st->skip_lost ? "at least " : "", distinct,
                 distinct == 1 ? "" : "es", cmd);
}

/* The pymalloc note (pb_record_preload.c's python comment in a trace). */
static void print_python(const struct rec_state *st)
{
    if (!st->python_files)
        return;
    char more[64] = "";
    if (st->python_files > 1)
        snprintf(more, sizeof more, " (and %u more files)", st->python_files - 1);
    fputs("poolbench record: note: ", stderr);
    pb_text_put(stderr, st->python_path ? st->python_path : "?", 0);
    pb_text_line(stderr,
                 "%s is a Python process (%s): pymalloc, Python's own allocator, serves objects "
                 "up to 512 bytes without calling malloc, so most allocations are not in the trace",
                 more, base_name(or_unknown(st->python_exe)));
    fprintf(stderr, "poolbench record: note: to record every allocation, set PYTHONMALLOC=malloc: "
                    "PYTHONMALLOC=malloc poolbench record ... (see docs/recording.md)\n");
}

/* Count CMD's own file (its name is final now); 1 when there is one. */
static int take_main(struct rec_state *st)
{
    if (!st->main.kind)
        return 0;
    if (scan_trace(&st->main) != 0) {
        file_free(&st->main);
        return 0;
    }
    st->files++;
    st->events += st->main.events;
    if (st->main.python) { /* CMD's own is the one to name */
        st->python_files++;
        free(st->python_path);
        free(st->python_exe);
        st->python_path = strdup(st->main.path);
        st->python_exe = strdup(st->main.exe);
    }
    return 1;
}

static void state_free(struct rec_state *st)
{
    file_free(&st->main);
    for (unsigned i = 0; i < st->n_shown; i++)
        file_free(&st->shown[i]);
    free(st->first_exe);
    free(st->skip_main_exe);
    free(st->skip_pids);
    free(st->python_path);
    free(st->python_exe);
}

void record_report(const char *list, const char *main_path, const char *cmd,
                   enum record_follow follow, struct record_outcome *out)
{
    struct rec_state st;
    memset(&st, 0, sizeof st);
    st.main_path = main_path;
    st.cmd = cmd;
    st.follow = follow;
    FILE *f = fopen(list, "r");
    struct rec_file rf;
    while (f && read_record(f, &rf) == 0)
        take_record(&st, &rf);
    if (f)
        fclose(f);
    int main_written = take_main(&st);
    print_files(&st);
    print_skipped(&st);
    print_python(&st);
    fprintf(stderr, "poolbench record: %llu events in %u file%s\n", (unsigned long long)st.events,
            st.files, st.files == 1 ? "" : "s");
    out->files = st.files;
    out->events = st.events;
    out->main_written = main_written;
    state_free(&st);
}
