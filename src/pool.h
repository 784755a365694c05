/* pool.h - the pool object (pool.c). */
#ifndef FJI_POOL_H
#define FJI_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "forja.h"
#include "inject.h"
#include "sleep.h"
#include "worker.h"

struct fj_pool {
    unsigned size;
    fji_worker *workers;          /* size of them, each on its own lines */
    fji_sleep sleep;
    fji_inject inject;
    uint32_t exit_ok;             /* destroy: workers may leave once drained */
    uint64_t drained;             /* destroy's drain: idle | version << 32 | DONE [P3] */
    uint64_t caller_yield_until;  /* idle workers yield until then (ns): a woken
                                   * fj_run caller needs a CPU (go.c [G2]) */
    int pin;
};

/* Resolve a pool argument: pool itself, else the caller's pool, else the
 * default pool (created on first use). caller names the API function for the
 * debug check's message. NULL with *err = ENOMEM (or the create
 * error) if the default pool cannot be created. */
fj_pool *fji_pool_resolve_slow(const fj_pool *pool, int *err, const char *caller);
static inline fj_pool *fji_pool_resolve(const fj_pool *pool, int *err, const char *caller)
{
#ifdef NDEBUG
    if (pool)                                   /* release builds check nothing */
        return (fj_pool *)pool;
#endif
    return fji_pool_resolve_slow(pool, err, caller);
}

/* Debug builds: abort if pool is not a live pool (destroyed twice, used after
 * destroy returned); release builds: nothing. */
void fji_pool_check(const fj_pool *pool, const char *fn);

_Noreturn void fji_die(const char *msg);

#endif
