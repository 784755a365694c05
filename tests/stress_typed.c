/* stress_typed.c - typed fork-join (FJ_TASK) under steals, on one 3-worker
 * pool (more workers than the 2 CI cores), from 2 outside threads at once:
 * fib with results read back from thieves' slots, a task whose argument
 * and result are structs bigger than a register, a wide spawn loop past
 * the deque's capacity, fj_go between typed spawns, a tree whose tasks wait
 * on a wait group for their own typed children before syncing them (on the
 * 3-worker pool thieves run them; every other round goes to a second pool
 * of one worker, whose helping waits claim their own slots as a thief
 * would: worker.c I5), and typed calls from outside any pool. Plain main,
 * so it also runs under TSan, which checks that a stolen child's writes
 * (its result in the slot included) happen-before its FJ_SYNC returns.
 * Exit status 0: every result held. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "forja.h"
#include "support.h"

#if defined(__SANITIZE_THREAD__)
#define ROUNDS 1500
#define FIB_N 15
#define WIDE 9000
#else
#define ROUNDS 4000
#define FIB_N 20
#define WIDE 9000
#endif
#define SUBMITTERS 2
#define WTREE_DEPTH 9

static fj_pool *pool, *solo;             /* solo: one worker */
static atomic_long failures;

static void fail(const char *what, long got, long want)
{
    atomic_fetch_add(&failures, 1);
    fprintf(stderr, "stress_typed: %s: got %ld, want %ld\n", what, got, want);
}

/* Sums of a range by halves, through 40-byte arguments and results; each
 * leaf also writes its cells, which the parent reads after FJ_SYNC. */
struct range { long *cell; long lo, hi, pad[2]; };
struct sums { long sum, squares, count, lo, hi; };

FJ_TASK(struct sums, range_sums, struct range, r)
{
    if (r.hi - r.lo <= 8) {
        struct sums s = { 0, 0, 0, r.lo, r.hi };
        for (long i = r.lo; i < r.hi; i++) {
            r.cell[i] = i;
            s.sum += i;
            s.squares += i * i;
            s.count++;
        }
        return s;
    }
    long mid = r.lo + (r.hi - r.lo) / 2;
    FJ_SPAWN(range_sums, ((struct range){ r.cell, r.lo, mid, { 0, 0 } }));
    struct sums right = FJ_CALL(range_sums, ((struct range){ r.cell, mid, r.hi, { 0, 0 } }));
    struct sums left = FJ_SYNC(range_sums);
    long cells = 0;
    for (long i = r.lo; i < r.hi; i++)
        cells += r.cell[i];                 /* the children's plain writes */
    if (left.lo != r.lo || left.hi != mid || right.lo != mid || right.hi != r.hi
        || cells != left.sum + right.sum)
        return (struct sums){ -1, -1, -1, r.lo, r.hi };
    return (struct sums){ left.sum + right.sum, left.squares + right.squares,
                          left.count + right.count, r.lo, r.hi };
}

FJ_TASK(long, twice, long, i)
{
    return 2 * i;
}

static atomic_long go_ran;

static void go_count(void *p)
{
    (void)p;
    atomic_fetch_add(&go_ran, 1);
}

/* More spawns than the deque holds, with fj_go's between them. */
FJ_TASK(long, wide, long, n)
{
    for (long i = 0; i < n; i++) {
        FJ_SPAWN(twice, i);
        if (i % 1000 == 0 && fj_go(NULL, go_count, NULL) != 0)
            return -1;
    }
    long bad = 0, sum = 0;
    for (long i = n - 1; i >= 0; i--) {
        long r = FJ_SYNC(twice);
        bad += r != 2 * i;
        sum += r;
    }
    return bad ? -bad : sum;
}

/* A binary tree of the given depth: each task waits for its two typed
 * children on a wait group, then syncs them; returns the number of tasks. */
struct wnode { int depth; fj_wg *parent; };

FJ_TASK(long, wtree, struct wnode, n)
{
    long r = 1;
    if (n.depth > 0) {
        fj_wg wg = FJ_WG_INIT;
        fj_wg_add(&wg, 2);
        FJ_SPAWN(wtree, ((struct wnode){ n.depth - 1, &wg }));
        FJ_SPAWN(wtree, ((struct wnode){ n.depth - 1, &wg }));
        fj_wg_wait(&wg);                    /* runs or publishes them */
        r += FJ_SYNC(wtree);
        r += FJ_SYNC(wtree);
    }
    if (n.parent)
        fj_wg_done(n.parent);
    return r;
}

struct job { int kind; long arg, r; long *cells; };

static void run_job(void *p)
{
    struct job *j = p;
    switch (j->kind) {
    case 0:
        j->r = tfib((int)j->arg);
        break;
    case 3:
        j->r = wtree((struct wnode){ (int)j->arg, NULL });
        break;
    case 1: {
        struct sums s = range_sums((struct range){ j->cells, 0, j->arg, { 0, 0 } });
        j->r = s.count == j->arg && s.sum == j->arg * (j->arg - 1) / 2 ? s.squares : -1;
        break;
    }
    default:
        j->r = wide(j->arg);
        break;
    }
}

static void check(struct job *j)
{
    static const char *const what[] = { "fib", "range sums", "wide", "waiting tree" };
    long want = j->kind == 0 ? fib_iter((int)j->arg)
              : j->kind == 1 ? (j->arg - 1) * j->arg * (2 * j->arg - 1) / 6
              : j->kind == 2 ? j->arg * (j->arg - 1)
                             : (1L << (j->arg + 1)) - 1;
    if (j->r != want)
        fail(what[j->kind], j->r, want);
}

static void *submitter(void *arg)
{
    intptr_t id = (intptr_t)arg;
    long *cells = calloc(4096, sizeof *cells);
    for (int r = 0; r < ROUNDS; r++) {
        struct job j = { (int)((r + id) % 4), 0, 0, cells };
        j.arg = j.kind == 0 ? FIB_N : j.kind == 1 ? 1000 + r % 3000
              : j.kind == 2 ? WIDE : WTREE_DEPTH;
        fj_pool *on = j.kind == 3 && r % 8 >= 4 ? solo : pool;
        if (fj_run(on, run_job, &j) != 0)
            fail("fj_run", -1, 0);
        check(&j);
        if (r % 50 == 0 && tfib(12) != fib_iter(12))  /* outside: runs at once */
            fail("outside fib", tfib(12), fib_iter(12));
    }
    free(cells);
    return NULL;
}

int main(void)
{
    fj_config cfg = { .workers = 3 }, one = { .workers = 1 };
    if (fj_pool_create(&pool, &cfg) != 0 || fj_pool_create(&solo, &one) != 0) {
        fprintf(stderr, "stress_typed: fj_pool_create failed\n");
        return 1;
    }
    pthread_t th[SUBMITTERS];
    for (intptr_t i = 0; i < SUBMITTERS; i++)
        if (pthread_create(&th[i], NULL, submitter, (void *)i) != 0)
            return 1;
    for (int i = 0; i < SUBMITTERS; i++)
        pthread_join(th[i], NULL);
    fj_stats s;
    if (fj_pool_stats(pool, &s) != 0)
        fail("fj_pool_stats", -1, 0);
    if (fj_pool_destroy(pool) != 0 || fj_pool_destroy(solo) != 0)
        fail("fj_pool_destroy", -1, 0);
    long wides = 0;
    for (int id = 0; id < SUBMITTERS; id++)
        for (int r = 0; r < ROUNDS; r++)
            wides += (r + id) % 4 == 2;
    if (atomic_load(&go_ran) != wides * ((WIDE + 999) / 1000))
        fail("fj_go between typed spawns", atomic_load(&go_ran), wides * ((WIDE + 999) / 1000));
    long f = atomic_load(&failures);
    printf("stress_typed: %d rounds x %d submitters, %llu steals: %s\n", ROUNDS, SUBMITTERS,
           (unsigned long long)s.steals, f ? "FAIL" : "ok");
    return f ? 1 : 0;
}
