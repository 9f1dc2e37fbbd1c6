/*
 * pb_clock.h -- the one clock every layer times with: CLOCK_MONOTONIC in
 * nanoseconds (the timed replays, the memory pass's own cost, timeouts).
 */
#ifndef PB_CLOCK_H
#define PB_CLOCK_H

#include <stdint.h>

/* Nanoseconds of CLOCK_MONOTONIC now. */
uint64_t pb_now_ns(void);

/* Milliseconds a poll may wait before deadline (a pb_now_ns value): 0 at or
 * past it, at most 1000; 1000 when deadline is 0 (none). */
int pb_ms_until(uint64_t deadline);

#endif /* PB_CLOCK_H */
