/* uts: an unbalanced tree search (after UTS, Olivier et al., LCPC 2006): a
 * binomial tree. The root has n children; every other node has 5 children
 * with probability 0.2, else none (a critical branching process: subtree sizes
 * are heavy-tailed, so the work is extremely unbalanced). A node's fate comes
 * from its id: h = splitmix64 iterated 32 times (the compute grain); it has
 * children iff h < 2^64/5, with ids h+1 .. h+5. Result: the number of nodes.
 * One task per node, no cutoff. Checked against a serial recount. */
#ifndef BENCH_UTS_H
#define BENCH_UTS_H

#include "common/bench.h"

#define UTS_KIDS 5
#define UTS_ROOT_ID (20ull * 0x9e3779b97f4a7c15ull) /* a seed with several big subtrees */
#define UTS_THRESHOLD 0x3333333333333333ull     /* floor(2^64 / 5) */

static inline uint64_t uts_hash(uint64_t id)
{
    for (int i = 0; i < 32; i++)
        id = bench_mix64(id);
    return id;
}

/* Children of a node whose hash is h (never the root). */
static inline int uts_nkids(uint64_t h)
{
    return h < UTS_THRESHOLD ? UTS_KIDS : 0;
}

/* The serial recount every program checks against (untimed). */
static inline uint64_t uts_count_serial(uint64_t id)
{
    uint64_t h = uts_hash(id), count = 1;
    for (int i = 0; i < uts_nkids(h); i++)
        count += uts_count_serial(h + (uint64_t)i + 1);
    return count;
}

static inline uint64_t uts_tree_serial(long n)
{
    uint64_t h = uts_hash(UTS_ROOT_ID), count = 1;
    for (long i = 0; i < n; i++)
        count += uts_count_serial(h + (uint64_t)i + 1);
    return count;
}

static inline void uts_check(long n, uint64_t r)
{
    uint64_t want = uts_tree_serial(n);
    if (r != want)
        bench_fail("uts(%ld) = %" PRIu64 " nodes, expected %" PRIu64, n, r, want);
}

#endif /* BENCH_UTS_H */
