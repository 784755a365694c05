/* stats.h - per-worker counters (stats.c sums them for fj_pool_stats). */
#ifndef FJI_STATS_H
#define FJI_STATS_H

#include <stdint.h>

#include "atomics.h"

/* Written by the owning worker only, read racily by fj_pool_stats: relaxed
 * atomic words, so an increment is a plain load, add and store. tasks lives in
 * the worker's hot fields (detail.h) because the inline spawn counts it. */
typedef struct fji_counters {
    _Alignas(64) uint64_t steals;
    uint64_t steal_attempts;
    uint64_t sleeps;
} fji_counters;

static inline void fji_stat_add(uint64_t *c, uint64_t n)
{
    fji_store_relaxed_64(c, fji_load_relaxed_64(c) + n);    /* owner-only writer */
}

#endif
