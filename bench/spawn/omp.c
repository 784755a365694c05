/* spawn, OpenMP: inside parallel + single, one thread creates n tasks and
 * taskwaits; the other threads of the team run them. */
#include "common/omp_util.h"
#include "spawn.h"

static void launch(unsigned *slot, long n)
{
#pragma omp parallel
    {
#pragma omp single
        {
            for (long i = 0; i < n; i++) {
#pragma omp task firstprivate(i)
                slot[i] += 1;
            }
#pragma omp taskwait
        }
    }
}

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    bench_omp_setup(threads);
    unsigned *slot = spawn_slots(n);
    launch(slot, n / 10);
    memset(slot, 0, (size_t)n * sizeof *slot);
    bench_clock c = bench_start();
    launch(slot, n);
    bench_clock e = bench_stop(c);
    spawn_check(n, slot);
    bench_report_u64("spawn", threads, n, (uint64_t)n, e);
    free(slot);
    return 0;
}
