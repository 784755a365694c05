/* forja_task.h - the fork-join fib task shared by bench/fib/forja.c (the
 * suite's program), bench/fib.c (issue 2's spawn+sync cost program) and
 * every forja program's warm-up (common/forja_util.h). */
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

#endif
