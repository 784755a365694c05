/* fib.c - fork-join with fj_spawn / fj_sync: fib(n) spawns fib(n-1) and
 * computes fib(n-2) itself; then the same as a typed task (FJ_TASK), whose
 * argument and result travel in the task's slot. Usage: fib [n] (default 30). */
#include <forja.h>
#include <stdio.h>
#include <stdlib.h>

struct fib_arg {
    int n;
    long result;
};

static long fib(int n);

static void fib_task(void *p)
{
    struct fib_arg *a = p;
    a->result = fib(a->n);
}

static long fib(int n)
{
    if (n < 2)
        return n;
    struct fib_arg child = { n - 1, 0 };
    fj_group g = FJ_GROUP_INIT;
    fj_spawn(&g, fib_task, &child);   /* may run in parallel */
    long y = fib(n - 2);
    fj_sync(&g);                      /* child.result is ready */
    return child.result + y;
}

FJ_TASK(long, tfib, int, n)
{
    if (n < 2)
        return n;
    FJ_SPAWN(tfib, n - 1);            /* may run in parallel */
    long y = FJ_CALL(tfib, n - 2);
    return FJ_SYNC(tfib) + y;         /* the child's result */
}

static void tfib_task(void *p)
{
    struct fib_arg *a = p;
    a->result = tfib(a->n);
}

int main(int argc, char **argv)
{
    struct fib_arg root = { argc > 1 ? atoi(argv[1]) : 30, 0 };
    if (fj_run(NULL, fib_task, &root) != 0)   /* on the default pool */
        return 1;
    printf("fib(%d) = %ld on %u workers\n", root.n, root.result, fj_pool_size(NULL));
    struct fib_arg typed = { root.n, 0 };
    if (fj_run(NULL, tfib_task, &typed) != 0 || typed.result != root.result)
        return 1;
    printf("fib(%d) = %ld as a typed task\n", typed.n, typed.result);
    return 0;
}
