// spawn, oneTBB: the main thread runs n tasks into one task_group and waits.
#include "common/tbb_util.h"
#include "spawn.h"

#include <tbb/task_group.h>

static void launch(unsigned *slot, long n)
{
    tbb::task_group g;
    for (long i = 0; i < n; i++)
        g.run([slot, i] { slot[i] += 1; });
    g.wait();
}

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    auto gc = bench_tbb_setup(threads);
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
