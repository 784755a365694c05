/* stress_deque.c - one owner and two thieves on the split deque (src/deque.c),
 * a few hundred thousand tasks: every task is taken exactly once, by the owner
 * (pop) or by one thief (steal), whatever the interleaving (deque_race.h,
 * which test_deque.c runs at small sizes). Plain main so it also runs under
 * TSan, which checks the orderings [D1]-[D5] the counts cannot see.
 * Usage: stress_deque [tasks]. Exit status 0: every check held. */
#include <stdio.h>
#include <stdlib.h>

#include "deque_race.h"

#if defined(__SANITIZE_THREAD__)
#define DEFAULT_TASKS 250000u
#else
#define DEFAULT_TASKS 3000000u
#endif

static int run(uint32_t cap, unsigned burst_max, unsigned long seed, size_t ntasks)
{
    struct deque_race_result r;
    if (deque_race(cap, burst_max, seed, ntasks, &r) != 0) {
        fprintf(stderr, "stress_deque: cannot set up the race (memory or threads)\n");
        return 1;
    }
    int fail = r.missing || r.twice || r.bad || r.left || r.lost_request ||
               r.by_owner + r.by_thieves != (long)ntasks;
    printf("stress_deque: cap %u burst %u: %zu tasks, owner %ld, thieves %ld, "
           "missing %ld, twice %ld, bad %ld, left %u, lost request %d: %s\n",
           cap, burst_max, ntasks, r.by_owner, r.by_thieves, r.missing, r.twice,
           r.bad, r.left, r.lost_request, fail ? "FAIL" : "ok");
    return fail;
}

int main(int argc, char **argv)
{
    size_t ntasks = argc > 1 ? strtoul(argv[1], NULL, 10) : DEFAULT_TASKS;
    if (ntasks == 0)
        ntasks = DEFAULT_TASKS;
    int fail = 0;
    fail |= run(1024, 16, 1, ntasks);   /* deep deque, splits by request */
    fail |= run(16, 1, 2, ntasks);      /* one task at a time: races for the last one */
    fail |= run(8, 12, 3, ntasks);      /* always nearly full */
    return fail;
}
