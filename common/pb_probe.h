/*
 * pb_probe.h -- a hook for tests that count the harness's malloc calls.
 *
 * pb_probe_mark is a weak undefined symbol: in a normal run nothing defines
 * it, its address is NULL and the harness skips the call. A test preloads a
 * library that defines it (tests/malloc_probe.c, which also interposes the
 * malloc family); the dynamic linker then binds the reference to it, and the
 * library counts the allocation calls made between mark 1 and mark 0. Call
 * only as `if (pb_probe_mark) pb_probe_mark(phase);`.
 */
#ifndef PB_PROBE_H
#define PB_PROBE_H

/* The phases: the harness's malloc-free stretch begins, and ends. */
#define PB_PROBE_BEGIN 1
#define PB_PROBE_END 0

/* Defined only by a preloaded test library; NULL otherwise. */
void pb_probe_mark(int phase) __attribute__((weak));

#endif /* PB_PROBE_H */
