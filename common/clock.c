/*
 * clock.c -- CLOCK_MONOTONIC as a count of nanoseconds.
 */
#include "pb_clock.h"

#include <time.h>

uint64_t pb_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int pb_ms_until(uint64_t deadline)
{
    if (!deadline)
        return 1000;
    uint64_t now = pb_now_ns();
    if (now >= deadline)
        return 0;
    uint64_t left = (deadline - now) / 1000000u + 1;
    return left < 1000 ? (int)left : 1000;
}
