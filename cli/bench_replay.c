/*
 * bench_replay.c -- `poolbench bench --replay TRACE`: the trace recorded
 * from the command, replayed against the same allocators by `poolbench run`
 * itself (this executable, a fresh process, no shell), into a results file
 * in a private temporary directory that is read back and removed. The
 * replay runs first, so a bad trace stops bench before any round (exit 2,
 * nothing written).
 */
#include "bench.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fidelity.h"
#include "isolate.h"
#include "pb_signals.h"
#include "program.h"
#include "results_read.h"

/* The --backend list of the replay: each allocator's replay spec. */
static int backend_list(const struct bench_alloc *a, size_t n, char *out, size_t len)
{
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        char spec[PB_SPEC_TEXT_MAX];
        pb_fidelity_replay_spec(a[i].spec, spec, sizeof spec);
        size_t used = strlen(out);
        if ((size_t)snprintf(out + used, len - used, "%s%s", used ? "," : "", spec) >= len - used)
            return -1;
    }
    return 0;
}

/* Run `poolbench run` on the trace into path; the program's result. */
static int run_replay(const struct bench_replay_job *j, const char *list, const char *path,
                      struct pb_program_result *r, char *err, size_t errlen)
{
    char exe[PATH_MAX], rounds[32], cpu[32];
    ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (k <= 0) {
        snprintf(err, errlen, "cannot find the poolbench executable (/proc/self/exe)");
        return -1;
    }
    exe[k] = '\0';
    snprintf(rounds, sizeof rounds, "%u", j->rounds);
    snprintf(cpu, sizeof cpu, "%d", j->cpu);
    char *argv[] = {"poolbench", "run", "--quiet", "--trace", (char *)j->trace, "--backend",
                    (char *)list, "--rounds", rounds, "-o", (char *)path,
                    j->cpu >= 0 ? "--cpu" : NULL, cpu, NULL};
    struct pb_program_job job = {
        .path = exe, .argv = argv, .stdin_fd = -1, .cpu = -1, .stop = pb_signals_flag(),
    };
    if (pb_program_run(&job, r, err, errlen) != 0)
        return -1;
    close(r->out_fd);
    return 0;
}

int bench_replay(const struct bench_replay_job *j, const struct bench_alloc *a, size_t n,
                 cJSON **replay, char *err, size_t errlen)
{
    char list[BENCH_MAX_ALLOCATORS * PB_SPEC_TEXT_MAX + 16], dir[PATH_MAX], path[PATH_MAX + 16];
    *replay = NULL;
    if (backend_list(a, n, list, sizeof list)) {
        snprintf(err, errlen, "the allocators' specs are too long for one replay");
        return -1;
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/poolbench-replay-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        snprintf(err, errlen, "cannot create a temporary directory: %s", strerror(errno));
        return -1;
    }
    snprintf(path, sizeof path, "%s/replay.json", dir);
    struct pb_program_result r;
    int rc = run_replay(j, list, path, &r, err, errlen);
    if (rc == 0 && r.end == PB_ISO_INTERRUPTED)
        rc = -2;
    else if (rc == 0 && (r.end != PB_ISO_OK || r.exit_status == 2 || access(path, R_OK) != 0)) {
        snprintf(err, errlen, "the replay of %s failed: %s", j->trace,
                 r.err_tail[0] ? r.err_tail : "no message");
        rc = -1;
    }
    struct pb_results_file f = {0};
    if (rc == 0 && pb_results_read(path, &f, err, errlen) == 0) {
        *replay = f.doc;
        f.doc = NULL;
    } else if (rc == 0) {
        rc = -1;
    }
    pb_results_file_free(&f);
    unlink(path);
    rmdir(dir);
    return rc;
}
