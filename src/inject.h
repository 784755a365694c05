/* inject.h - the injection queues: one per submitting thread (inject.c). */
#ifndef FJI_INJECT_H
#define FJI_INJECT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "forja.h"

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

/* The calling thread's queue for this pool, registered on first use (a
 * per-thread cache keyed by the pool's serial); NULL: ENOMEM. */
fji_producer *fji_inject_mine(fji_inject *in);

/* Producer side (the queue's thread only), in this order:
 *   begin    marks the queue busy and reads the pool's closing flag through
 *            the same barrier [J3]: false -> destroy has begun: ECANCELED
 *            (begin already undid itself).
 *   stage    the record to fill (producer-private);
 *   commit   copies it into the ring (growing it: ENOMEM) and publishes it
 *            with a seq-cst RMW [J1]; the caller then runs the wake-up check
 *            (sleep.c P2-P3) before end, while the pool is still pinned;
 *   end      clears busy (release) [J3]. */
bool      fji_producer_begin(fji_producer *q, const uint64_t *closing_word, uint64_t closing_bit);
fji_task *fji_producer_stage(fji_producer *q);
int       fji_producer_commit(fji_producer *q);
void      fji_producer_end(fji_producer *q);

/* Consumer side (any worker). */
/* Claim 1..max records into out[] (0: nothing found). */
unsigned fji_inject_take(fji_inject *in, fji_producer **hint, fji_task *out, unsigned max);
bool fji_inject_nonempty(fji_inject *in);
void fji_inject_wait_idle(fji_inject *in);    /* destroy: no producer busy */

#endif
