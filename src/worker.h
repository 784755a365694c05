/* worker.h - a worker thread and how it finds work (worker.c). */
#ifndef FJI_WORKER_H
#define FJI_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "deque.h"
#include "inject.h"
#include "stats.h"

struct fj_pool;

typedef struct fji_worker {
    fji_deque deque;              /* first: deque.hot is fji_tls_hot (detail.h) */
    struct fj_pool *pool;
    uint32_t id;
    uint64_t rng;                 /* victim choice; owner-only */
    fji_producer *inject_hint;    /* the queue it last took from */
    uint32_t depth;               /* tasks on this thread's stack (task.c) */
    fji_counters stats;
    pthread_t thread;
    int32_t cpu;                  /* spread.c: its CPU while awake, or FJI_CPU_PARKED */
} fji_worker;

/* fji_tls_hot outside any pool (detail.h): zeroed, never written. */
extern fji_hot fji_outside;

/* The calling thread's worker, NULL outside any pool. */
static inline fji_worker *fji_self(void)
{
    fji_hot *h = fji_tls_hot;
    return h == &fji_outside ? NULL : (fji_worker *)(void *)h;
}

/* Is w's top slot an FJ_SPAWN's? Then nothing may go above it but nested
 * work (detail.h, typed tasks; I5 in worker.c). Only inside a task (depth >
 * 0), where typed slots can be: the idle loop skips the slot's load. Owner
 * only. */
static inline bool fji_worker_typed_top(const fji_worker *w)
{
    const fji_hot *h = &w->deque.hot;
    return w->depth && h->top > h->slots && h->top[-1].group == FJI_TYPED_GROUP;
}

void *fji_worker_main(void *w);

/* Run tasks of w's pool (own deque, injection queues, steals), sleeping when
 * there are none, until done(ctx) is true. done must be cheap; it is also
 * evaluated in the park re-check, after the sleep protocol's fence. */
void fji_worker_help_until(fji_worker *w, bool (*done)(void *), void *ctx);

/* Find one task and run it; false: found none (never sleeps). */
bool fji_worker_run_one(fji_worker *w);

/* Steal one task from victim and run it (leapfrogging); false: none. */
bool fji_worker_leapfrog(fji_worker *w, uint32_t victim);

#endif
