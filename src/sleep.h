/* sleep.h - idle workers: searching, parked, woken (sleep.c). */
#ifndef FJI_SLEEP_H
#define FJI_SLEEP_H

#include <stdbool.h>
#include <stdint.h>

typedef struct fji_sleep {
    _Alignas(64) uint64_t state;  /* SEARCHING | PARKED << 20 | WOKEN << 40 | CLOSING */
    _Alignas(64) uint32_t epoch;  /* the futex word parked workers sleep on */
    /* Counts for tests (I4), on the epoch's line, which only wake-ups and
     * parks touch: claimed wake-ups, and returns from park (K5). */
    uint64_t claims;
    uint64_t returns;
    bool spread;                  /* set at create: yield after a claim (spread.c 3.) */
} fji_sleep;

#define FJI_SLEEP_CLOSING (1ull << 63)

void fji_sleep_init(fji_sleep *s);

/* Poster side, after publishing work (P1: a seq-cst RMW, or with asymmetric
 * fences an injection push's release store, os.c): wake one parked worker if
 * nobody is searching and some parked worker is not already woken (P2-P3). */
void fji_sleep_notify(fji_sleep *s);

/* Searcher side. */
void fji_sleep_search_begin(fji_sleep *s);
void fji_sleep_search_end(fji_sleep *s);        /* found work */

/* Park: called while searching. recheck(ctx) runs after the announcement
 * and must look at every place work (or the caller's exit condition) can
 * appear; if it returns true the worker does not sleep. Otherwise *sleeps
 * (the caller's own counter) is incremented before it sleeps. Returns true
 * if it slept. Either way the caller is searching again afterwards. */
bool fji_sleep_park(fji_sleep *s, bool (*recheck)(void *), void *ctx, uint64_t *sleeps);

/* True when n workers are parked, none searches and woken is 0 (every
 * claim taken off by a K5); then claims <= returns (I4), read with relaxed
 * loads after it (see sleep.c). For tests. */
bool fji_sleep_quiet(const fji_sleep *s, unsigned n);

/* Wake every parked worker (destroy). */
void fji_sleep_wake_all(fji_sleep *s);

/* Wake every parked worker, if there is one: after a seq-cst RMW that made
 * a park re-check's condition true, and a seq-cst fence ([S4]; a wait group
 * released in-task waiters). */
void fji_sleep_wake_parked(fji_sleep *s);

/* Set CLOSING (seq-cst RMW, then a fence, and the membarrier with asymmetric
 * fences: inject.c [J3]) and wake everyone. Submitters read CLOSING from
 * state (go.c on a worker, inject.c fji_inject_push elsewhere). */
void fji_sleep_close(fji_sleep *s);

#endif
