/* for.c - parallel loops: fj_for and fj_reduce, and how they split ranges.
 *
 * Two splitters, chosen by grain:
 *
 * Fixed (grain > 0). A range of more than grain iterations splits at
 * lo + n/2 into two halves, recursively; the right half is spawned, the left
 * recursed into. The tree is a function of (begin, end, grain) alone, and
 * fj_reduce combines each node's two accumulators left (+) right, so the
 * result is bit-identical across runs and worker counts.
 *
 * Lazy (grain 0): split only when another worker is hungry. A piece runs its
 * range in chunks and, before each chunk, looks for a thief's request on its
 * worker: the limit a thief that found no public work lowers (deque.c
 * [D6]), which is also what the spawns test. If there is one, it spawns the
 * right half of what remains (that spawn answers the request and publishes
 * the older half of the private slots, the new one counted: a lone right
 * half is published at once) and carries on with the left half.
 * A hungry thief waits up to one chunk for its answer, so chunks are sized
 * by time: they start at 1 iteration (or at the size of the chunk that was
 * running when the piece was split off) and double while a chunk takes less
 * than CHUNK_NS, and halve when one takes over 4 x CHUNK_NS. CHUNK_NS sits
 * well inside a thief's patience before it parks (worker.c SPIN_ROUNDS,
 * about 50 us) and a syncing owner's (group.c SYNC_SPINS): with a fixed
 * fraction of the share instead, costly iterations on many workers made
 * chunks of a few hundred microseconds, and thieves parked - or owners slept
 * in fj_sync - before their answer came (pfor on 16 cores: 9.8x serial where
 * OpenMP got 17x). One clock read per chunk (vDSO, ~20 ns) is under 0.2% of
 * a chunk. The last chunk's time also says what the rest of the range is
 * worth: a piece does not split when that is under SPLIT_MIN_NS, since a
 * thief's steal and the owner's join cost more than sharing it saves (an
 * fj_for of 1000 trivial iterations on 2 workers: 11 us inside a task when
 * it split for every request, most of it the steals). A piece that has not
 * timed a chunk yet splits on request: the cost is unknown and may be large.
 * Where the clock is a system call (fji_now_is_cheap() false: some virtual
 * machines' clock sources) chunks just double up to chunk_max (1/256 of a
 * worker's share) and every request is answered.
 * This is lazy binary splitting (Tzannes, Caragea, Barua, Vishkin, PPoPP'10)
 * driven by the split deque's own steal requests instead of a guess at
 * whether the deque is empty: a uniform loop on a busy pool is split about
 * once per worker, a loop on one worker never, and an uneven loop keeps
 * splitting its remaining tail for as long as thieves come back hungry. The
 * chunk cap bounds how long a thief waits for the answer. Compared with
 * rayon's adaptive splitter (split count reset when stolen) and TBB's
 * auto_partitioner, nothing is split for workers that are not asking.
 *
 * fj_reduce gives every spawned piece its own accumulator, initialised from a
 * private copy of identity (result may alias identity), and combines a
 * piece's accumulator with those of the pieces it split off, in index order,
 * after fj_sync. Accumulators up to FJ_REDUCE_INLINE bytes live in the
 * frames; larger ones are allocated per split (ENOMEM: the piece is folded
 * serially, and fj_reduce reports ENOMEM without touching *result).
 *
 * Invariants
 *   I1  Every index of [begin, end) is passed to exactly one body call; no
 *       call gets an empty range; with grain > 0 no call gets more than grain.
 *   I2  fj_reduce combines adjacent ranges only, left operand first.
 *   I3  A lazy piece splits at most 64 times (each split halves what is left).
 * No atomics of its own except reading limit (relaxed: a hint, [D6]) and
 * the ENOMEM flag (relaxed: read after the root's sync, which orders it).
 * Checked by: tests/test_for.c, tests/test_reduce.c.
 */
#include <errno.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "atomics.h"
#include "os.h"
#include "pool.h"
#include "worker.h"

#define MAX_SPLITS 64
#define CHUNK_NS   10000u         /* a lazy chunk's target length: 10 us */
#define SPLIT_MIN_NS 10000u       /* the least work worth a thief's steal */

typedef struct loop {
    fj_range_fn body;             /* fj_for */
    fj_reduce_body rbody;         /* fj_reduce */
    fj_combine_fn combine;
    const void *identity;         /* a private copy */
    size_t size;
    void *arg;
    size_t grain;                 /* > 0: fixed tree */
    size_t chunk_max;             /* lazy, untimed: largest chunk between checks */
    bool timed;                   /* lazy: size chunks by time (the clock is cheap) */
    uint32_t failed;              /* ENOMEM seen */
} loop;

typedef struct piece {
    const loop *L;
    size_t lo, hi;
    void *acc;                    /* fj_reduce only */
    size_t chunk;                 /* lazy: the splitter's chunk then (0: none) */
    uint64_t chunk_ns;            /* and how long its last one took */
} piece;

typedef struct { alignas(16) unsigned char b[FJ_REDUCE_INLINE]; } acc_buf;

static void run_piece(void *p);

/* ------------------------------------------------------------- accumulators */

/* A fresh accumulator set to identity: in buf if it fits, else malloc'ed;
 * NULL: no memory (recorded in L->failed). */
static void *acc_new(const loop *L, acc_buf *buf)
{
    void *a = L->size <= FJ_REDUCE_INLINE ? buf->b : fji_alloc(L->size);
    if (!a) {
        fji_store_relaxed_32((uint32_t *)&L->failed, ENOMEM);
        return NULL;
    }
    memcpy(a, L->identity, L->size);
    return a;
}

static void acc_free(void *a, acc_buf *buf)
{
    if (a != buf->b)
        fji_free(a);
}

static void fold(const loop *L, size_t lo, size_t hi, void *acc)
{
    if (L->rbody)
        L->rbody(lo, hi, acc, L->arg);
    else
        L->body(lo, hi, L->arg);
}

/* -------------------------------------------------------------- fixed tree */

static void run_fixed(const loop *L, size_t lo, size_t hi, void *acc)
{
    if (hi - lo <= L->grain) {
        fold(L, lo, hi, acc);
        return;
    }
    size_t mid = lo + (hi - lo) / 2;
    acc_buf buf;
    piece right = { .L = L, .lo = mid, .hi = hi };
    if (L->rbody && !(right.acc = acc_new(L, &buf))) {
        run_fixed(L, lo, mid, acc);             /* no memory: stay serial */
        run_fixed(L, mid, hi, acc);
        return;
    }
    fj_group g = FJ_GROUP_INIT;
    fj_spawn(&g, run_piece, &right);
    run_fixed(L, lo, mid, acc);
    fj_sync(&g);
    if (L->rbody) {
        L->combine(acc, right.acc, L->arg);     /* I2 */
        acc_free(right.acc, &buf);
    }
}

/* -------------------------------------------------------------------- lazy */

static bool hungry(void)
{
    return fji_hot_asked(fji_tls_hot);  /* deque.h: what the spawns test */
}

/* Is [lo, hi) worth sharing, judging by the last chunk (k iterations in ns
 * nanoseconds; k == 0: none timed yet)? Compares (hi - lo) / k * ns with
 * SPLIT_MIN_NS without the product, which could overflow. */
static bool worth_splitting(const loop *L, size_t n, size_t k, uint64_t ns)
{
    if (!L->timed || k == 0)
        return true;                            /* untimed, or cost unknown */
    uint64_t per = ns ? ns : 1;
    return n / k >= (SPLIT_MIN_NS + per - 1) / per;
}

static void run_lazy(const loop *L, size_t lo, size_t hi, void *acc,
                     size_t chunk, uint64_t chunk_ns)
{
    piece parts[MAX_SPLITS];
    acc_buf bufs[MAX_SPLITS];
    int n = 0;
    fj_group g = FJ_GROUP_INIT;
    bool timed = L->timed;
    size_t last_k = chunk;                      /* the last timed chunk, if any */
    uint64_t last_ns = chunk_ns;
    if (chunk == 0)
        chunk = 1;
    uint64_t t0 = timed ? fji_now_ns() : 0;
    while (lo < hi) {
        if (hi - lo > 1 && n < MAX_SPLITS && hungry() &&
            worth_splitting(L, hi - lo, last_k, last_ns)) {
            size_t mid = lo + (hi - lo) / 2;
            parts[n] = (piece){ .L = L, .lo = mid, .hi = hi, .chunk = last_k,
                                .chunk_ns = last_ns };
            if (!L->rbody || (parts[n].acc = acc_new(L, &bufs[n]))) {
                fj_spawn(&g, run_piece, &parts[n++]);
                hi = mid;
                continue;
            }
        }
        size_t k = hi - lo < chunk ? hi - lo : chunk;
        fold(L, lo, lo + k, acc);
        lo += k;
        if (!timed) {
            if (chunk < L->chunk_max)
                chunk *= 2;
            continue;
        }
        uint64_t t1 = fji_now_ns(), took = t1 - t0;
        t0 = t1;
        last_k = k;
        last_ns = took;
        if (took < CHUNK_NS && chunk <= SIZE_MAX / 2)
            chunk *= 2;                         /* time alone bounds it */
        else if (took > 4 * CHUNK_NS && chunk > 1)
            chunk /= 2;
    }
    fj_sync(&g);
    if (L->rbody)
        while (n-- > 0) {                       /* nearest right piece first: I2 */
            L->combine(acc, parts[n].acc, L->arg);
            acc_free(parts[n].acc, &bufs[n]);
        }
}

static void run_piece(void *arg)
{
    piece *p = arg;
    if (p->L->grain)
        run_fixed(p->L, p->lo, p->hi, p->acc);
    else
        run_lazy(p->L, p->lo, p->hi, p->acc, p->chunk, p->chunk_ns);
}

/* -------------------------------------------------------------------- API */

static int run_loop(fj_pool *pool, loop *L, size_t begin, size_t end, void *acc)
{
    int e;
    fj_pool *p = fji_pool_resolve(pool, &e, L->rbody ? "fj_reduce" : "fj_for");
    if (!p)
        return e;
    if (!L->grain) {
        size_t share = (end - begin) / ((size_t)p->size * 256);
        L->chunk_max = share ? share : 1;
        L->timed = fji_now_is_cheap();
    }
    piece root = { .L = L, .lo = begin, .hi = end, .acc = acc };
    fji_worker *w = fji_self();
    if (w && w->pool == p) {
        run_piece(&root);                       /* a task: take part */
        return 0;
    }
    return fj_run(p, run_piece, &root);
}

int fj_for(fj_pool *pool, size_t begin, size_t end, size_t grain,
           fj_range_fn body, void *arg)
{
    if (!body || begin > end)
        return EINVAL;
    if (begin == end)
        return 0;
    loop L = { .body = body, .arg = arg, .grain = grain };
    return run_loop(pool, &L, begin, end, NULL);
}

int fj_reduce(fj_pool *pool, size_t begin, size_t end, size_t grain,
              void *result, size_t size, const void *identity,
              fj_reduce_body body, fj_combine_fn combine, void *arg)
{
    if (begin > end || size == 0 || !result || !identity || !body || !combine)
        return EINVAL;
    acc_buf idbuf, accbuf;
    void *id = size <= FJ_REDUCE_INLINE ? idbuf.b : fji_alloc(size);
    if (!id)
        return ENOMEM;
    memcpy(id, identity, size);                 /* result may alias identity */
    loop L = { .rbody = body, .combine = combine, .identity = id, .size = size,
               .arg = arg, .grain = grain };
    void *acc = acc_new(&L, &accbuf);
    int e = acc ? 0 : ENOMEM;
    if (!e && begin < end)
        e = run_loop(pool, &L, begin, end, acc);
    if (!e)
        e = (int)fji_load_relaxed_32(&L.failed);
    if (!e)
        memcpy(result, acc, size);
    if (acc)
        acc_free(acc, &accbuf);
    if (id != idbuf.b)
        fji_free(id);
    return e;
}
