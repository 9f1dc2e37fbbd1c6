/*
 * test_backends.c -- the table of the test-only backends (crash.c,
 * tracker.c): pb_backends_extra (pb_backend.h), which pb_backend_find
 * consults after the registry's. Linked only into tests and
 * poolbench_testbackends, never into the real binary.
 */
#include "pb_backend.h"

extern const struct pb_backend_ops pb_backend_crash;
extern const struct pb_backend_ops pb_backend_tracker;
extern const struct pb_backend_ops pb_backend_tracker_local;

const struct pb_backend_ops *const pb_backends_extra[] = {
    &pb_backend_crash, &pb_backend_tracker, &pb_backend_tracker_local, NULL};
