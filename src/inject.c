/* inject.c - how work enters a pool from outside its workers: one queue per
 * submitting thread.
 *
 * Words
 *   producer  the one thread that pushes into a queue (fj_go, fj_go_copy,
 *             fj_run from outside the pool, or a worker whose deque is full).
 *   consumer  any worker of the pool, taking from the head.
 *   ring      a power-of-two array of task records; grows by doubling.
 *             A record is stored in three parallel arrays, by how often each
 *             part is needed: a 16-byte cell (fn, arg), a flags word, and a
 *             64-byte payload that only fj_go_copy's inline copies use. Four
 *             cells share a cache line, so a plain fj_go moves a quarter of a
 *             line from producer to consumer instead of a whole 96-byte
 *             fji_task.
 *
 * Why one queue per thread: submitters never contend with each other, so
 * many threads submitting at once do not collapse onto one cache line, and a
 * push needs no lock and no CAS loop: fill the slot, publish tail with one
 * release store (an RMW where the asymmetric fences are off: [J1]).
 * Consumers claim with a CAS on head, the thief half of Chase-Lev (the
 * producer never pops). A thread registers with a pool on its first submit
 * (a mutex, once); a per-thread cache finds its queue afterwards. A thread's
 * queues are released when it exits (a pthread key destructor) and then
 * reused by the next thread that registers with that pool, so threads that
 * come and go do not pile up queues.
 *
 * Lifetime: a queue has two references, the pool's and its thread's; the last
 * one to let go frees it. Old rings are kept until the queue is freed, since
 * a consumer may still read a stale ring pointer (they total less than the
 * current ring).
 *
 * Invariants
 *   I1  head <= tail; slots[head, tail) hold published records; only the
 *       producer writes tail and ring, only consumers (by CAS) write head.
 *   I2  The producer writes slot index t only when t - head < capacity, so
 *       while head == h the record at h is stable.
 *   I3  Every ring published after index i was written holds a copy of i.
 *
 * Orderings
 *   [J1] publish: the producer writes the record, then exchanges tail (seq-cst
 *        RMW). A consumer that acquire-loads tail > h sees record h. The RMW
 *        also is P1 of the wake-up protocol (sleep.c [S1]). With asymmetric
 *        fences (os.c: fji_os_asym) it is a release store instead, and the
 *        parker's membarrier (sleep.c K2) stands in for the RMW's barrier:
 *        no locked instruction on the push path, which took spawn from 15-20
 *        to about 50 M tasks/s on 2 cores (the two RMWs stalled on the
 *        consumers' reads of tail and of the sleep word).
 *   [J2] claim: a consumer copies records h .. h+k-1 through relaxed words
 *        (they may be rewritten if another consumer already took them and
 *        the producer wrapped around), then CASes head h -> h+k. Success means
 *        head was still h, so by I2 the copies were stable; failure discards
 *        them. A consumer takes at most INJECT_BATCH records (and at most what its
 *        deque can hold); the batch goes to its deque, published, where
 *        other workers can steal it, so one claim does not starve the rest.
 *   [J3] destroy vs submit (store-buffering shape): the producer exchanges
 *        busy = 1, then (fji_fence_atomic_load) reads the pool's CLOSING bit;
 *        destroy sets CLOSING with an RMW, fences, then waits for every busy
 *        to be 0. Either the producer sees CLOSING (and returns ECANCELED
 *        without pushing) or destroy sees busy and waits until the push is
 *        published; so after the wait no new record can appear, and the
 *        workers drain what is there. busy = 0 is a release store, paired
 *        with destroy's acquire load. With asymmetric fences busy = 1 is a
 *        plain store and a compiler barrier, and destroy calls
 *        fji_os_barrier() after its RMW (sleep.c fji_sleep_close).
 *   [J5] lifetime: owned = 0 is a release store at thread exit, paired with
 *        register's acquire load and CAS that reuses the queue; refs is an
 *        RMW count, and the one that takes it to 0 frees (pool and thread
 *        each hold one). The pool's list pointer is release-stored after the
 *        new queue is initialised and acquire-loaded by every walker. A
 *        thread that registers with a pool first drops its queues of pools
 *        already destroyed: refs read 1 (acquire, after fini's RMW) means
 *        only its own reference is left, so the pool and its workers are
 *        done with the queue. Before, a thread that never exits (main)
 *        kept about 21 KiB per destroyed pool it had submitted to, and
 *        walked them on every lookup (found in review).
 *   [J4] grow: the producer copies the live records into a new ring, then
 *        release-stores the ring pointer before it publishes any record that
 *        lives only there ([J1] orders that). A consumer loads tail (acquire),
 *        then the ring (acquire): a ring at least as new as that tail.
 * Checked by: tests/test_wg.c (many submitters), tests/test_alloc.c (ENOMEM
 * at registration and growth), tests/stress_pool.c (TSan; and again with
 * FORJA_MEMBARRIER=0 in the plain build), tests/model/sleep.pml (ASYM=1).
 */
#define _GNU_SOURCE
#include "inject.h"

#include <errno.h>
#include <sched.h>
#include <string.h>

#include "atomics.h"
#include "os.h"
#include "sleep.h"
#include "task.h"

#define RING_FIRST  256u
#define CLAIM_WAITS 8           /* at most ~8 x 0.3 us waiting for a batch */
#define CLAIM_PAUSE 32

/* A record's parts, as relaxed 64-bit words (racy copies: [J2]). */
typedef struct { uint64_t w[2]; } cell;                 /* fn, arg */
typedef struct { uint64_t w[FJ_COPY_INLINE / 8]; } payload;

_Static_assert(sizeof(void *) == sizeof(uint64_t) && sizeof(fj_fn) == sizeof(uint64_t),
               "cells hold pointers as 64-bit words");
_Static_assert(sizeof(payload) == sizeof(((fji_task *)0)->payload), "payload size");

struct fji_ring {
    uint64_t mask;
    fji_ring *older;              /* retired rings, freed with the queue */
    cell *cells;                  /* [mask + 1], then payloads and flags */
    payload *payloads;
    uint32_t *flags;
};

struct fji_producer {
    /* written by the producer, read by consumers on every take */
    _Alignas(64) uint64_t tail;
    fji_ring *ring;
    /* the producer's own lines */
    _Alignas(64) uint32_t busy;   /* [J3]; read by destroy only */
    uint64_t head_seen;           /* a head value read earlier: head only grows */
    /* written by consumers */
    _Alignas(64) uint64_t head;
    /* registry: immutable after registration except owned/refs */
    _Alignas(64) fji_producer *next;
    uint64_t serial;              /* the pool's */
    uint32_t owned;               /* a live thread uses it */
    uint32_t refs;                /* pool + owning thread */
};

/* The calling thread's queues, one node per pool it submitted to. */
struct tls_node {
    struct tls_node *next;
    uint64_t serial;
    fji_producer *q;
};
static __thread struct tls_node *tls_queues;
static pthread_key_t tls_key;
static pthread_once_t tls_once = PTHREAD_ONCE_INIT;

static fji_ring *ring_new(uint64_t cap)
{
    size_t head = (sizeof(fji_ring) + 63) & ~(size_t)63;
    unsigned char *m = fji_alloc_aligned(64, head + cap * (sizeof(cell) + sizeof(payload)
                                                          + sizeof(uint32_t)));
    if (!m)
        return NULL;
    fji_ring *r = (fji_ring *)(void *)m;
    r->mask = cap - 1;
    r->older = NULL;
    r->cells = (cell *)(void *)(m + head);
    r->payloads = (payload *)(void *)(r->cells + cap);
    r->flags = (uint32_t *)(void *)(r->payloads + cap);
    return r;
}

/* Record i of r = (fn, arg, flags, and the payload when flags has
 * FJI_TASK_COPY): producer only; racy against consumers reading a record
 * they will not claim ([J2]). A plain fj_go writes one cell and a flag. */
static void record_store(fji_ring *r, uint64_t i, fj_fn fn, const void *arg,
                         uint32_t flags, const unsigned char *pay)
{
    i &= r->mask;
    uint64_t fw, aw;
    memcpy(&fw, &fn, sizeof fw);
    memcpy(&aw, &arg, sizeof aw);
    fji_store_relaxed_64(&r->cells[i].w[0], fw);
    fji_store_relaxed_64(&r->cells[i].w[1], aw);
    fji_store_relaxed_32(&r->flags[i], flags);
    if (flags & FJI_TASK_COPY) {
        payload pl;
        memcpy(&pl, pay, sizeof pl);
        for (size_t k = 0; k < sizeof pl / 8; k++)
            fji_store_relaxed_64(&r->payloads[i].w[k], pl.w[k]);
    }
}

/* *dst = record i of r, possibly stale: only the claim's CAS says ([J2]). */
static void record_load(fji_task *dst, const fji_ring *r, uint64_t i)
{
    i &= r->mask;
    uint64_t fn = fji_load_relaxed_64(&r->cells[i].w[0]);
    uint64_t arg = fji_load_relaxed_64(&r->cells[i].w[1]);
    memcpy(&dst->fn, &fn, sizeof fn);
    memcpy(&dst->arg, &arg, sizeof arg);
    dst->group = NULL;
    dst->flags = fji_load_relaxed_32(&r->flags[i]);
    if (dst->flags & FJI_TASK_COPY) {
        payload pl;
        for (size_t k = 0; k < sizeof pl / 8; k++)
            pl.w[k] = fji_load_relaxed_64(&r->payloads[i].w[k]);
        memcpy(dst->payload, &pl, sizeof pl);
    }
}

static void queue_free(fji_producer *q)
{
    fji_ring *r = q->ring;
    while (r) {
        fji_ring *o = r->older;
        fji_free(r);
        r = o;
    }
    fji_free(q);
}

static void queue_unref(fji_producer *q)
{
    if (fji_faa_seq_cst_32(&q->refs, (uint32_t)-1) == 1)   /* [J5] */
        queue_free(q);
}

/* Thread exit: give our queues back to their pools (or free them). */
static void tls_release(void *unused)
{
    (void)unused;
    struct tls_node *n = tls_queues;
    tls_queues = NULL;
    while (n) {
        struct tls_node *next = n->next;
        fji_store_release_32(&n->q->owned, 0);          /* [J5] */
        queue_unref(n->q);
        fji_free(n);
        n = next;
    }
}

static bool tls_key_ok;             /* written once, under pthread_once */

static void tls_key_create(void)
{
    tls_key_ok = pthread_key_create(&tls_key, tls_release) == 0;
}

int fji_inject_init(fji_inject *in)
{
    static uint64_t serials;
    memset(in, 0, sizeof *in);
    int e = pthread_mutex_init(&in->lock, NULL);
    if (e)
        return e;
    in->serial = fji_faa_seq_cst_64(&serials, 1) + 1;  /* only uniqueness matters */
    return 0;
}

void fji_inject_fini(fji_inject *in)
{
    fji_producer *q = in->list;
    while (q) {
        fji_producer *next = q->next;
        queue_unref(q);
        q = next;
    }
    in->list = NULL;
    pthread_mutex_destroy(&in->lock);
}

/* Drop the calling thread's queues whose pools were destroyed ([J5]). */
static void prune_dead(void)
{
    struct tls_node **link = &tls_queues;
    while (*link) {
        struct tls_node *n = *link;
        if (fji_load_acquire_32(&n->q->refs) == 1) {    /* [J5]: the pool let go */
            *link = n->next;
            queue_unref(n->q);
            fji_free(n);
        } else {
            link = &n->next;
        }
    }
}

static fji_producer *register_queue(fji_inject *in)
{
    (void)pthread_once(&tls_once, tls_key_create);
    prune_dead();
    struct tls_node *n = fji_alloc(sizeof *n);
    if (!n)
        return NULL;
    pthread_mutex_lock(&in->lock);
    fji_producer *q;
    for (q = in->list; q; q = q->next)          /* reuse a released queue */
        if (!fji_load_acquire_32(&q->owned) && fji_cas_seq_cst_32(&q->owned, 0, 1)) /* [J5] */
            break;
    if (q) {
        fji_faa_seq_cst_32(&q->refs, 1);                /* [J5] */
    } else {
        q = fji_alloc_aligned(64, sizeof *q);
        fji_ring *r = q ? ring_new(RING_FIRST) : NULL;
        if (!r) {
            fji_free(q);
            pthread_mutex_unlock(&in->lock);
            fji_free(n);
            return NULL;
        }
        memset(q, 0, sizeof *q);
        q->ring = r;
        q->serial = in->serial;
        q->owned = 1;
        q->refs = 2;
        q->next = in->list;
        fji_store_release_ptr((void **)&in->list, q);   /* [J5]: consumers walk it */
    }
    pthread_mutex_unlock(&in->lock);
    n->serial = in->serial;
    n->q = q;
    n->next = tls_queues;
    tls_queues = n;
    if (tls_key_ok)                             /* no key: kept until exit */
        (void)pthread_setspecific(tls_key, n);  /* non-NULL: run the destructor */
    return q;
}

static fji_producer *fji_inject_mine(fji_inject *in)
{
    for (struct tls_node *n = tls_queues; n; n = n->next)
        if (n->serial == in->serial)
            return n->q;
    return register_queue(in);
}

static int grow(fji_producer *q, uint64_t head, uint64_t tail)
{
    fji_ring *old = q->ring;                    /* producer-only writer: plain read */
    fji_ring *r = ring_new((old->mask + 1) * 2);
    if (!r)
        return ENOMEM;
    for (uint64_t i = head; i < tail; i++) {    /* the producer's own records */
        fji_task t;
        record_load(&t, old, i);
        record_store(r, i, t.fn, t.arg, t.flags, t.payload);
    }
    r->older = old;
    fji_store_release_ptr((void **)&q->ring, r);        /* [J4] */
    return 0;
}

/* The slot for record t, growing the ring if it is full; NULL: ENOMEM. */
static fji_ring *room_for(fji_producer *q, uint64_t t)
{
    fji_ring *r = q->ring;                      /* producer-only writer: plain read */
    if (__builtin_expect(t - q->head_seen > r->mask, 0)) {  /* maybe full: I2 */
        /* Re-read head only now: it only grows, so an old value is a safe
         * underestimate, and the consumers' line stays theirs. */
        q->head_seen = fji_load_acquire_64(&q->head);  /* [J2]: after the claims */
        if (t - q->head_seen > r->mask && grow(q, q->head_seen, t))
            return NULL;
    }
    return q->ring;
}

int fji_inject_push(fji_inject *in, fji_sleep *s, fj_fn fn, const void *arg, size_t size,
                    bool copy)
{
    fji_producer *q = fji_inject_mine(in);
    if (!q)
        return ENOMEM;
    bool asym = fji_os_asym;                            /* os.c: fixed while pools live */
    if (asym) {                                  /* os.c: destroy calls the barrier */
        fji_store_relaxed_32(&q->busy, 1);              /* [J3] */
        fji_compiler_barrier();                         /* [J3] */
    } else {
        fji_fas_seq_cst_32(&q->busy, 1);                /* [J3] */
        fji_fence_atomic_load();                        /* [J3] */
    }
    int e = 0;
    if (fji_load_relaxed_64(&s->state) & FJI_SLEEP_CLOSING) {  /* [J3]: destroy's RMW */
        e = ECANCELED;
        goto out;
    }
    uint64_t t = q->tail;                               /* producer-only writer */
    fji_ring *r = room_for(q, t);
    if (!r) {
        e = ENOMEM;
        goto out;
    }
    if (copy) {
        fji_task st;
        if ((e = fji_task_set_copy(&st, fn, arg, size)) != 0)
            goto out;
        record_store(r, t, st.fn, st.arg, st.flags, st.payload);   /* [J2] */
    } else {
        record_store(r, t, fn, arg, 0, NULL);           /* [J2] */
    }
    if (asym)
        fji_store_release_64(&q->tail, t + 1);          /* [J1], sleep.c P1 (asymmetric) */
    else
        fji_fas_seq_cst_64(&q->tail, t + 1);            /* [J1], sleep.c P1 */
    fji_sleep_notify(s);                                /* P2-P3, while s is pinned */
out:
    fji_store_release_32(&q->busy, 0);                  /* [J3]: after the last use of s */
    return e;
}

/* Claim up to max records into out[]; returns how many. [J2] for a run of records: every record in
 * [h, h+k) is stable while head == h (I2), and the CAS h -> h+k checks that. */
static unsigned take_from(fji_producer *q, fji_task *out, unsigned max)
{
    for (;;) {
        uint64_t h = fji_load_acquire_64(&q->head);     /* [J2]: CAS re-checks it */
        uint64_t t = fji_load_acquire_64(&q->tail);     /* [J1] */
        if (h >= t)
            return 0;
        /* Few records and the producer still adding: let it fill a batch
         * before claiming. Claiming each record as it appears pulls the
         * producer's tail and slot lines over at every push (a cache miss on
         * both sides per task); a consumer that waits a moment takes them a
         * batch at a time. Stops as soon as tail stands still. */
        for (int i = 0; i < CLAIM_WAITS && t - h < max; i++) {
            for (int j = 0; j < CLAIM_PAUSE; j++)
                fji_cpu_relax();
            uint64_t t2 = fji_load_acquire_64(&q->tail);        /* [J1] */
            if (t2 == t)
                break;
            t = t2;
        }
        uint64_t k = t - h;
        if (k > max)
            k = max;
        fji_ring *r = fji_load_acquire_ptr((void *const *)&q->ring);   /* [J4] */
        for (uint64_t i = 0; i < k; i++)
            record_load(&out[i], r, h + i);
        if (fji_cas_seq_cst_64(&q->head, h, h + k))     /* [J2] */
            return (unsigned)k;
    }
}

/* A hint for take (whose CAS decides), and sleep.c's K3 re-check: there the
 * load of tail follows K2's fence (or membarrier), so it sees a P1 ([J1]) that
 * the poster's P3 did not pair with a wake-up ([S1]). */
static bool nonempty(fji_producer *q)
{
    return fji_load_relaxed_64(&q->head) < fji_load_relaxed_64(&q->tail);
}

unsigned fji_inject_take(fji_inject *in, fji_producer **hint, fji_task *out, unsigned max)
{
    unsigned k;
    if (*hint && nonempty(*hint) && (k = take_from(*hint, out, max)))
        return k;
    for (fji_producer *q = fji_load_acquire_ptr((void *const *)&in->list); q; q = q->next)  /* [J5] */
        if (nonempty(q) && (k = take_from(q, out, max))) {
            *hint = q;
            return k;
        }
    return 0;
}

bool fji_inject_nonempty(fji_inject *in)
{
    for (fji_producer *q = fji_load_acquire_ptr((void *const *)&in->list); q; q = q->next)  /* [J5] */
        if (nonempty(q))
            return true;
    return false;
}

void fji_inject_wait_idle(fji_inject *in)
{
    /* [J3]: after sleep.c fji_sleep_close's RMW and barrier */
    for (fji_producer *q = fji_load_acquire_ptr((void *const *)&in->list); q; q = q->next)  /* [J5] */
        while (fji_load_acquire_32(&q->busy))           /* [J3] */
            sched_yield();
}
