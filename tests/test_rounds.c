/* test_rounds.c -- one run's processes merged into its figures, and the net
 * figure paired round by round against the baseline (report/rounds.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "hand_workloads.h"
#include "results.h"
#include "rounds.h"

struct fixture {
    struct pb_workload *w;
    struct pb_backend_spec spec;
    struct pb_run_job job;
};

static void fixture_init(struct fixture *f)
{
    char err[256];
    f->w = tw_new("four");
    for (uint32_t s = 0; s < 4; s++)
        tw_add(f->w, PB_OP_ALLOC, s, 40); /* 4 events */
    tw_figures(f->w);
    assert_int_equal(pb_backend_spec_parse("pool:chunk=48", &f->spec, err, sizeof err), 0);
    f->job = (struct pb_run_job){.backend = &f->spec, .workload = f->w, .repeat = 3,
                                 .warmup = 1, .touch = PB_TOUCH_PAGES, .cpu = -1};
}

/* A timed process's part whose replays took ns[0..3) (per op: ns / 4), and
 * whose cold replay took cold ns, with 8 minor faults in each replay. */
static cJSON *time_part(struct fixture *f, const uint64_t ns[3], uint64_t cold)
{
    struct pb_usage u[3] = {{.minor_faults = 8}, {.minor_faults = 8}, {.minor_faults = 8}};
    struct pb_run_result res = {.ok = 1, .ns = (uint64_t *)ns, .n_ns = 3, .usage = u,
                                .cold_done = 1, .cold_ns = cold,
                                .cold_usage = {.minor_faults = 40, .system_ns = 3,
                                               .user_ns = 1}};
    f->job.pass = PB_PASS_TIME;
    return pb_run_part_json(&f->job, &res);
}

static cJSON *memory_part(struct fixture *f)
{
    struct pb_run_result res = {.ok = 1};
    f->job.pass = PB_PASS_MEMORY;
    return pb_run_part_json(&f->job, &res);
}

/* A whole run of the given per-round ns/op (each round's three replays all
 * take that); NAN: the round did not run. */
static cJSON *run_of(struct fixture *f, const double *per_op, size_t rounds)
{
    cJSON *parts[8] = {NULL};
    unsigned pos[8] = {0};
    for (size_t r = 0; r < rounds; r++) {
        uint64_t v = (uint64_t)(per_op[r] * 4);
        uint64_t ns[3] = {v, v, v};
        parts[r] = isnan(per_op[r]) ? NULL : time_part(f, ns, 400);
        pos[r] = (unsigned)(rounds - r);
    }
    cJSON *part = pb_run_merge(memory_part(f), parts, pos, rounds);
    return pb_run_json(&f->spec, NULL, 0, cJSON_CreateObject(), part);
}

static const cJSON *get(const cJSON *o, const char *a, const char *b)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, a);
    return b ? cJSON_GetObjectItemCaseSensitive(x, b) : x;
}

static void rounds_are_the_samples(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f);
    cJSON *parts[3];
    uint64_t a[3] = {400, 800, 600}, b[3] = {100, 100, 900}, c[3] = {2000, 2000, 2000};
    parts[0] = time_part(&f, a, 4000); /* median replay 600 ns: 150 ns/op */
    parts[1] = time_part(&f, b, 4000); /* 100 ns: 25 ns/op */
    parts[2] = time_part(&f, c, 4000); /* 500 ns/op */
    unsigned pos[3] = {2, 0, 1};
    cJSON *part = pb_run_merge(memory_part(&f), parts, pos, 3);
    const cJSON *t = get(part, "time", NULL);
    const cJSON *ns = get(t, "ns_per_op", NULL);
    assert_true(get(ns, "median", NULL)->valuedouble == 150);
    assert_true(get(ns, "min", NULL)->valuedouble == 25);
    assert_true(get(ns, "max", NULL)->valuedouble == 500);
    const cJSON *samples = get(ns, "samples", NULL);
    assert_int_equal(cJSON_GetArraySize(samples), 3);
    assert_true(cJSON_GetArrayItem(samples, 0)->valuedouble == 150); /* round order */
    assert_true(cJSON_GetArrayItem(samples, 1)->valuedouble == 25);
    assert_true(get(ns, "ci_level", NULL)->valuedouble == 0.75); /* [min, max] at n = 3 */
    assert_true(cJSON_IsTrue(get(ns, "noisy", NULL)));
    assert_true(get(t, "rounds", NULL)->valuedouble == 3);
    assert_true(get(t, "repeats", NULL)->valuedouble == 3);
    assert_true(get(get(t, "cold_ns_per_op", NULL), "median", NULL)->valuedouble == 1000);
    /* 8 faults per replay of 4 ops: 2000 per 1000 ops; cold: 40 per 4 ops */
    const cJSON *causes = get(t, "causes", NULL);
    assert_true(get(get(causes, "warm", NULL), "minor_faults_per_kop", NULL)->valuedouble ==
                2000);
    assert_true(get(get(causes, "cold", NULL), "minor_faults_per_kop", NULL)->valuedouble ==
                10000);
    assert_true(get(get(causes, "cold", NULL), "system_share", NULL)->valuedouble == 0.75);
    const cJSON *pr = get(t, "per_round", NULL);
    assert_int_equal(cJSON_GetArraySize(pr), 3);
    assert_true(get(cJSON_GetArrayItem(pr, 0), "position", NULL)->valuedouble == 2);
    assert_int_equal(cJSON_GetArraySize(get(cJSON_GetArrayItem(pr, 2), "replay_ns_per_op",
                                            NULL)),
                     3);
    cJSON_Delete(part);
    tw_free(f.w);
}

static void net_pairs_rounds_and_reads_noise_as_zero(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f);
    const double base[6] = {10, 20, 10, 20, 10, 20};
    const double clear[6] = {15, 25, 15, 25, 15, 25}; /* +5 in every round */
    const double noise[6] = {11, 19, 9, 21, 10, 20};  /* -1..+1 */
    const double below[6] = {9, 19, 9, 19, 9, 19};    /* -1 in every round */
    cJSON *null_run = run_of(&f, base, 6), *a = run_of(&f, clear, 6);
    cJSON *b = run_of(&f, noise, 6), *c = run_of(&f, below, 6);
    pb_run_set_net_against(null_run, null_run);
    pb_run_set_net_against(a, null_run);
    pb_run_set_net_against(b, null_run);
    pb_run_set_net_against(c, null_run);
    /* unpaired, the medians (15 vs 20) would overlap: the pairing sees +5 */
    assert_true(get(get(a, "time", NULL), "net_ns_per_op", NULL)->valuedouble == 5);
    assert_false(cJSON_IsTrue(get(get(get(a, "time", NULL), "net", NULL), "within_noise", NULL)));
    assert_true(get(get(b, "time", NULL), "net_ns_per_op", NULL)->valuedouble == 0);
    assert_true(cJSON_IsTrue(get(get(get(b, "time", NULL), "net", NULL), "within_noise", NULL)));
    assert_true(cJSON_IsNull(get(get(c, "time", NULL), "net_ns_per_op", NULL)));
    assert_true(cJSON_IsTrue(get(get(get(c, "time", NULL), "net", NULL), "below_baseline", NULL)));
    const cJSON *notes = get(c, "notes", NULL);
    assert_non_null(strstr(cJSON_GetArrayItem(notes, cJSON_GetArraySize(notes) - 1)->valuestring,
                           "below the harness's own"));
    assert_true(get(get(null_run, "time", NULL), "net_ns_per_op", NULL)->valuedouble == 0);
    cJSON_Delete(null_run);
    cJSON_Delete(a);
    cJSON_Delete(b);
    cJSON_Delete(c);
    tw_free(f.w);
}

static void missing_rounds_are_not_paired(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f);
    const double base[3] = {10, 10, NAN}, run[3] = {20, 20, 20};
    cJSON *null_run = run_of(&f, base, 3), *r = run_of(&f, run, 3);
    pb_run_set_net_against(r, null_run);
    const cJSON *net = get(get(r, "time", NULL), "net", NULL);
    assert_int_equal(cJSON_GetArraySize(get(net, "samples", NULL)), 2);
    assert_true(get(get(r, "time", NULL), "net_ns_per_op", NULL)->valuedouble == 10);
    cJSON_Delete(null_run);
    cJSON_Delete(r);
    tw_free(f.w);
}

static void failed_null_is_noted(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f);
    const double run[2] = {20, 20};
    cJSON *null_run = pb_run_json(&f.spec, NULL, 0, NULL,
                                  pb_run_failed_part(&f.job, "a of 8192 bytes refused by null"));
    cJSON *r = run_of(&f, run, 2);
    cJSON *failed = pb_run_json(&f.spec, NULL, 0, NULL, pb_run_failed_part(&f.job, "crashed"));
    pb_run_set_net_against(null_run, null_run);
    pb_run_set_net_against(r, null_run);
    pb_run_set_net_against(failed, null_run);
    assert_true(cJSON_IsNull(get(get(r, "time", NULL), "net_ns_per_op", NULL)));
    const cJSON *notes = get(r, "notes", NULL);
    assert_string_equal(cJSON_GetArrayItem(notes, cJSON_GetArraySize(notes) - 1)->valuestring,
                        "net_ns_per_op: null because the null baseline run failed: a of 8192 "
                        "bytes refused by null");
    assert_int_equal(cJSON_GetArraySize(get(failed, "notes", NULL)), 0);
    cJSON_Delete(null_run);
    cJSON_Delete(r);
    cJSON_Delete(failed);
    tw_free(f.w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rounds_are_the_samples),
        cmocka_unit_test(net_pairs_rounds_and_reads_noise_as_zero),
        cmocka_unit_test(missing_rounds_are_not_paired),
        cmocka_unit_test(failed_null_is_noted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
