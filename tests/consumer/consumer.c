/* consumer.c - built against an installed forja, once with find_package
 * (tests/consumer/CMakeLists.txt) and once with pkg-config (Makefile,
 * test-install). Uses only forja.h: fj_run + fj_spawn/fj_sync, fj_go + an
 * fj_wg, fj_for. Exit status 0: every result was right. */
#include <forja.h>

#include <stdatomic.h>
#include <stdio.h>

struct fib { int n; long r; };

static void fib(void *p)
{
    struct fib *f = p;
    if (f->n < 2) {
        f->r = f->n;
        return;
    }
    struct fib a = { f->n - 1, 0 }, b = { f->n - 2, 0 };
    fj_group g = FJ_GROUP_INIT;
    fj_spawn(&g, fib, &a);
    fib(&b);
    fj_sync(&g);
    f->r = a.r + b.r;
}

static fj_wg wg;
static atomic_long sum;

static void add(void *p)
{
    atomic_fetch_add(&sum, *(const int *)p);
    fj_wg_done(&wg);
}

static void range_sum(size_t lo, size_t hi, void *arg)
{
    long s = 0;
    for (size_t i = lo; i < hi; i++)
        s += (long)i;
    atomic_fetch_add((atomic_long *)arg, s);
}

FJ_TASK(long, tfib, int, n)
{
    if (n < 2)
        return n;
    FJ_SPAWN(tfib, n - 1);
    long b = FJ_CALL(tfib, n - 2);
    return FJ_SYNC(tfib) + b;
}

static void tfib_root(void *p)
{
    struct fib *f = p;
    f->r = tfib(f->n);
}

int main(void)
{
    fj_pool *pool = NULL;
    fj_config cfg = { .workers = 2 };
    if (fj_pool_create(&pool, &cfg) != 0) {
        fprintf(stderr, "consumer: fj_pool_create failed\n");
        return 1;
    }
    int ok = 1;

    struct fib f = { 20, 0 };
    ok &= fj_run(pool, fib, &f) == 0 && f.r == 6765;
    struct fib t = { 20, 0 };
    ok &= fj_run(pool, tfib_root, &t) == 0 && t.r == 6765;

    fj_wg_add(&wg, 100);
    for (int i = 1; i <= 100; i++)
        ok &= fj_go_copy(pool, add, &i, sizeof i) == 0;
    fj_wg_wait(&wg);
    ok &= atomic_load(&sum) == 5050;

    atomic_long total = 0;
    ok &= fj_for(pool, 0, 1000, 0, range_sum, &total) == 0 && atomic_load(&total) == 499500;

    ok &= fj_pool_destroy(pool) == 0;
    printf("consumer: %s\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
