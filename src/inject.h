/* inject.h - the injection queues: one per submitting thread (inject.c). */
#ifndef FJI_INJECT_H
#define FJI_INJECT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "forja.h"
#include "sleep.h"

typedef struct fji_ring fji_ring;
typedef struct fji_producer fji_producer;

/* The pool's set of producer queues. */
typedef struct fji_inject {
    pthread_mutex_t lock;         /* registration and teardown only */
    fji_producer *list;           /* append-only while the pool lives */
    uint64_t serial;              /* unique per pool: keys the per-thread cache */
} fji_inject;

int  fji_inject_init(fji_inject *in);
void fji_inject_fini(fji_inject *in);     /* frees queues; pool is drained */

/* Producer side: called by the submitting thread. Posts one task to the
 * calling thread's queue of this pool (registered on first use: a mutex,
 * once), in one pass: mark the queue busy and read s's CLOSING bit through
 * one barrier [J3]; store the record - fn and arg, or a copy of size bytes of
 * arg when copy (fji_task_set_copy) [J2]; publish [J1]; run the wake-up check
 * on s (sleep.c P2-P3) while still busy, so destroy cannot free s under it;
 * clear busy. Returns 0; ECANCELED (destroy has begun) or ENOMEM (no queue,
 * no room, no copy), having queued and kept nothing. */
int fji_inject_push(fji_inject *in, fji_sleep *s, fj_fn fn, const void *arg, size_t size,
                    bool copy);

/* Consumer side (any worker). */
/* Claim 1..max records into out[] (0: nothing found). */
unsigned fji_inject_take(fji_inject *in, fji_producer **hint, fji_task *out, unsigned max);
bool fji_inject_nonempty(fji_inject *in);
void fji_inject_wait_idle(fji_inject *in);    /* destroy: no producer busy */

#endif
