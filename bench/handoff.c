/* handoff - what a call from outside the pool adds to a short fj_for.
 *
 *   handoff <workers> <n> [calls]
 *
 * One loop of n iterations (8 dependent multiply-adds each, about 2.3 ns
 * per iteration here) is timed three ways, each as the mean of `calls`
 * back-to-back calls (default 300): serially; as fj_for called from main,
 * outside the pool; and as fj_for called from inside one fj_run task. From
 * outside, every call queues the loop for a worker and the caller waits
 * (spins briefly, then sleeps on a futex and is woken by the worker that
 * ends the loop); from inside, the calling worker runs the loop itself and
 * nothing is handed over. The difference is the hand-off's cost, which
 * matters for loops of tens to hundreds of microseconds. Prints one line:
 * the three times and the two speedups over serial. */
#include "common/forja_util.h"

static volatile double sink;

static void body(size_t lo, size_t hi, void *arg)
{
    (void)arg;
    double s = 0;
    for (size_t i = lo; i < hi; i++) {
        double x = (double)i;
        for (int k = 0; k < 8; k++)
            x = x * 1.0000001 + 0.5;
        s += x;
    }
    sink = s;
}

struct job { fj_pool *pool; size_t n; int calls; double seconds; };

static void loops(struct job *j)
{
    for (int c = 0; c < j->calls; c++) {
        int rc = fj_for(j->pool, 0, j->n, 0, body, NULL);
        if (rc != 0)
            bench_fail("fj_for: error %d", rc);
    }
}

static void inside(void *p)
{
    struct job *j = p;
    double t = bench_wall_now();
    loops(j);
    j->seconds = (bench_wall_now() - t) / j->calls;
}

int main(int argc, char **argv)
{
    int workers;
    long n;
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s <workers> <n> [calls]\n", argv[0]);
        return 2;
    }
    bench_args(3, argv, &workers, &n);
    int calls = argc > 3 ? atoi(argv[3]) : 300;
    if (calls < 1)
        bench_fail("calls must be at least 1");
    fj_pool *pool = bench_forja_pool(workers);
    struct job j = { pool, (size_t)n, calls, 0 };

    double t = bench_wall_now();
    for (int c = 0; c < calls; c++)
        body(0, (size_t)n, NULL);
    double serial = (bench_wall_now() - t) / calls;

    t = bench_wall_now();
    loops(&j);
    double outside = (bench_wall_now() - t) / calls;

    if (fj_run(pool, inside, &j) != 0)
        bench_fail("fj_run failed");
    printf("handoff: n %ld, %d workers: serial %.1f us; fj_for from outside %.1f us "
           "(%.2fx); from inside a task %.1f us (%.2fx)\n", n, workers, serial * 1e6,
           outside * 1e6, serial / outside, j.seconds * 1e6, serial / j.seconds);
    bench_forja_done(pool);
    return 0;
}
