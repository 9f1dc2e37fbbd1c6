/*
 * pb_assert.h -- executable invariants for the allocators.
 *
 * pb_assert(cond) states an invariant an allocator's block comment promises
 * (not a check of the caller's input: bad requests are refused with a
 * message, never asserted). With PB_DEBUG_ASSERT defined (CMake option
 * PB_DEBUG_ASSERT, on by default in Debug builds, so in the ASan CI build) a
 * false condition prints where and aborts; otherwise the condition is
 * compiled but never evaluated (sizeof), so Release code is unchanged and a
 * variable used only in an assertion still counts as used.
 */
#ifndef PB_ASSERT_H
#define PB_ASSERT_H

#include <stdio.h>
#include <stdlib.h>

/* Report a broken invariant and abort: the run's process dies, not the suite. */
__attribute__((noreturn, cold)) static inline void pb_assert_fail(const char *cond,
                                                                  const char *file, int line)
{
    fprintf(stderr, "poolbench: internal invariant broken at %s:%d: %s\n", file, line, cond);
    abort();
}

#ifdef PB_DEBUG_ASSERT
#define pb_assert(cond) ((cond) ? (void)0 : pb_assert_fail(#cond, __FILE__, __LINE__))
#else
#define pb_assert(cond) ((void)sizeof(!(cond)))
#endif

#endif /* PB_ASSERT_H */
