/* forja_task.h - the fork-join fib tasks shared by bench/fib/forja-group.c
 * and bench/fib/forja.c (the suite's programs), bench/fib.c (issue 2's
 * spawn+sync cost program) and every forja program's warm-up
 * (common/forja_util.h): fib_task with fj_spawn/fj_sync, fib_t typed. */
#ifndef BENCH_FIB_FORJA_TASK_H
#define BENCH_FIB_FORJA_TASK_H

#include <stdint.h>

#include <forja.h>

struct fib_arg { long n; uint64_t r; };

/* fib(n): fj_spawn fib(n-1), call fib(n-2), fj_sync; no cutoff. */
static void fib_task(void *p)
{
    struct fib_arg *a = p;
    if (a->n < 2) {
        a->r = (uint64_t)a->n;
        return;
    }
    struct fib_arg x = { a->n - 1, 0 }, y = { a->n - 2, 0 };
    fj_group g = FJ_GROUP_INIT;
    fj_spawn(&g, fib_task, &x);
    fib_task(&y);
    fj_sync(&g);
    a->r = x.r + y.r;
}

/* The same as a typed task (FJ_TASK): FJ_SPAWN fib(n-1), FJ_CALL fib(n-2),
 * FJ_SYNC; fib_t_root is its root for fj_run. */
FJ_TASK(uint64_t, fib_t, long, n)
{
    if (n < 2)
        return (uint64_t)n;
    FJ_SPAWN(fib_t, n - 1);
    uint64_t b = FJ_CALL(fib_t, n - 2);
    return FJ_SYNC(fib_t) + b;
}

static void __attribute__((unused)) fib_t_root(void *p)
{
    struct fib_arg *a = p;
    a->r = fib_t(a->n);
}

#endif
