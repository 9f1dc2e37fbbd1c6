/*
 * generators.c -- the one table of synthetic generators. Adding a generator:
 * write workloads/gen_NAME.c defining `const struct pb_generator pb_gen_NAME`
 * (parameters with defaults and help, a build function driving the builder),
 * add it here and to CMakeLists.txt, and document it in workloads/README.md.
 */
#include "pb_generators.h"

extern const struct pb_generator pb_gen_churn;
extern const struct pb_generator pb_gen_mixed;
extern const struct pb_generator pb_gen_gc;
extern const struct pb_generator pb_gen_frames;
extern const struct pb_generator pb_gen_ramp;

const struct pb_generator *const pb_generators[] = {
    &pb_gen_churn, &pb_gen_mixed, &pb_gen_gc, &pb_gen_frames, &pb_gen_ramp, NULL,
};
