/*
 * pb_clock.h -- the one clock every layer times with: CLOCK_MONOTONIC in
 * nanoseconds (the timed replays, the memory pass's own cost, timeouts).
 */
#ifndef PB_CLOCK_H
#define PB_CLOCK_H

#include <stdint.h>

/* Nanoseconds of CLOCK_MONOTONIC now. */
uint64_t pb_now_ns(void);

#endif /* PB_CLOCK_H */
