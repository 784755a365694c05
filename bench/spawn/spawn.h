/* spawn: one outside thread launches n tiny detached tasks (task i does
 * slot[i] += 1) and waits for all of them on one wait group: the cost of
 * submitting and running a task, reported as tasks per second (n / seconds).
 * A warm-up round of n/10 tasks runs first. Checked: every slot is 1. */
#ifndef BENCH_SPAWN_H
#define BENCH_SPAWN_H

#include "common/bench.h"

static inline unsigned *spawn_slots(long n)
{
    unsigned *s = (unsigned *)calloc((size_t)n + 1, sizeof *s);
    if (!s)
        bench_fail("out of memory");
    return s;
}

static inline void spawn_check(long n, const unsigned *slot)
{
    for (long i = 0; i < n; i++)
        if (slot[i] != 1)
            bench_fail("spawn(%ld): slot %ld ran %u times", n, i, slot[i]);
}

#endif /* BENCH_SPAWN_H */
