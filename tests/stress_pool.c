/* stress_pool.c - everything at once on one 3-worker pool (more workers than
 * the 2 CI cores): fork-join fib, fj_go from 3 outside threads, wait groups
 * waited on inside and outside tasks, fj_for from outside and from tasks.
 * Every result is checked against a closed form or a checksum. Plain main so
 * it also runs under TSan, which checks the happens-before edges forja.h
 * promises (spawn/sync, go/done/wait, run, for). Exit status 0: all held. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forja.h"
#include "support.h"

#if defined(__SANITIZE_THREAD__)
#define ROUNDS 300
#define FIB_N 16
#else
#define ROUNDS 3000
#define FIB_N 20
#endif
#define SUBMITTERS 3
#define GO_TASKS 500
#define FOR_N 20000

static fj_pool *pool;
static atomic_long failures;

static void fail(const char *what, long got, long want)
{
    atomic_fetch_add(&failures, 1);
    fprintf(stderr, "stress_pool: %s: got %ld, want %ld\n", what, got, want);
}

/* ------------------------------------------------------------------ fib */

/* -------------------------------------------------------- fj_go + wg */

struct batch { fj_wg wg; long slot[GO_TASKS]; };
struct item { struct batch *b; int i; };

static void go_item(void *p)
{
    struct item *it = p;              /* fj_go_copy: our own copy */
    it->b->slot[it->i] = (long)it->i * it->i + 1;   /* plain write, read after wait */
    fj_wg_done(&it->b->wg);
}

static long batch_sum(void)
{
    long s = 0;
    for (long i = 0; i < GO_TASKS; i++)
        s += i * i + 1;
    return s;
}

/* Launch GO_TASKS into pool p (NULL: the calling task's), wait, checksum. */
static void go_batch(fj_pool *p, const char *where)
{
    struct batch *b = calloc(1, sizeof *b);
    fj_wg_add(&b->wg, GO_TASKS);
    for (int i = 0; i < GO_TASKS; i++) {
        struct item it = { b, i };
        if (fj_go_copy(p, go_item, &it, sizeof it) != 0) {
            fail("fj_go_copy", -1, 0);
            fj_wg_done(&b->wg);
        }
    }
    fj_wg_wait(&b->wg);
    long s = 0;
    for (int i = 0; i < GO_TASKS; i++)
        s += b->slot[i];
    if (s != batch_sum())
        fail(where, s, batch_sum());
    free(b);
}

/* -------------------------------------------------------------- fj_for */

struct sum { atomic_long total; };

static void sum_body(size_t lo, size_t hi, void *arg)
{
    long s = 0;
    for (size_t i = lo; i < hi; i++)
        s += (long)i;
    atomic_fetch_add(&((struct sum *)arg)->total, s);
}

static void for_check(fj_pool *p, size_t grain, const char *where)
{
    struct sum s = { 0 };
    int rc = fj_for(p, 0, FOR_N, grain, sum_body, &s);
    if (rc != 0)
        fail("fj_for rc", rc, 0);
    long want = (long)FOR_N * (FOR_N - 1) / 2;
    if (atomic_load(&s.total) != want)
        fail(where, atomic_load(&s.total), want);
}

/* ------------------------------------------------- tasks that do it all */

static void mixed_task(void *arg)
{
    int round = (int)(intptr_t)arg;
    struct fib f = { FIB_N - 4 + round % 4, 0 };
    fib_task(&f);
    if (f.r != fib_iter(f.n))
        fail("fib in task", f.r, fib_iter(f.n));
    go_batch(NULL, "wg wait inside a task");
    for_check(NULL, round % 3 == 0 ? 0 : (size_t)(round % 3) * 97, "fj_for inside a task");
}

static void *submitter(void *arg)
{
    int id = (int)(intptr_t)arg;
    for (int r = 0; r < ROUNDS; r++) {
        switch ((r + id) % 4) {
        case 0:
            go_batch(pool, "wg wait outside");
            break;
        case 1: {
            struct fib f = { FIB_N, 0 };
            if (fj_run(pool, fib_task, &f) != 0 || f.r != fib_iter(FIB_N))
                fail("fj_run fib", f.r, fib_iter(FIB_N));
            break;
        }
        case 2:
            for_check(pool, (size_t)(r % 5), "fj_for outside");
            break;
        default:
            if (fj_run(pool, mixed_task, (void *)(intptr_t)r) != 0)
                fail("fj_run mixed", -1, 0);
            break;
        }
    }
    return NULL;
}

/* Detached work launched from tasks, joined with one wg from outside. */
static fj_wg detached_wg;
static atomic_long detached_ran;

static void detached_leaf(void *p)
{
    (void)p;
    atomic_fetch_add(&detached_ran, 1);
    fj_wg_done(&detached_wg);
}

static void detached_parent(void *p)
{
    (void)p;
    for (int i = 0; i < 10; i++) {
        fj_wg_add(&detached_wg, 1);
        if (fj_go(NULL, detached_leaf, NULL) != 0) {
            fail("fj_go from a task", -1, 0);
            fj_wg_done(&detached_wg);
        }
    }
    fj_wg_done(&detached_wg);
}

int main(void)
{
    fj_config cfg = { .workers = 3 };
    if (fj_pool_create(&pool, &cfg) != 0) {
        fprintf(stderr, "stress_pool: fj_pool_create failed\n");
        return 1;
    }
    pthread_t th[SUBMITTERS];
    for (intptr_t i = 0; i < SUBMITTERS; i++)
        if (pthread_create(&th[i], NULL, submitter, (void *)i) != 0)
            return 1;

    /* The main thread meanwhile: detached trees and big fork-join runs. */
    long parents = 0;
    for (int r = 0; r < ROUNDS / 3; r++) {
        fj_wg_add(&detached_wg, 20);
        for (int i = 0; i < 20; i++, parents++)
            if (fj_go(pool, detached_parent, NULL) != 0) {
                fail("fj_go outside", -1, 0);
                fj_wg_done(&detached_wg);
            }
        struct fib f = { FIB_N + 2, 0 };
        if (fj_run(pool, fib_task, &f) != 0 || f.r != fib_iter(FIB_N + 2))
            fail("main fib", f.r, fib_iter(FIB_N + 2));
        fj_wg_wait(&detached_wg);
    }
    if (atomic_load(&detached_ran) != parents * 10)
        fail("detached leaves", atomic_load(&detached_ran), parents * 10);

    for (int i = 0; i < SUBMITTERS; i++)
        pthread_join(th[i], NULL);

    fj_stats s;
    if (fj_pool_stats(pool, &s) != 0 || s.tasks == 0)
        fail("fj_pool_stats", (long)s.tasks, 1);
    if (fj_pool_destroy(pool) != 0)
        fail("fj_pool_destroy", -1, 0);
    long f = atomic_load(&failures);
    printf("stress_pool: %d rounds x %d submitters, %llu tasks, %llu steals, %llu sleeps: %s\n",
           ROUNDS, SUBMITTERS, (unsigned long long)s.tasks, (unsigned long long)s.steals,
           (unsigned long long)s.sleeps, f ? "FAIL" : "ok");
    return f != 0;
}
