/* spawn, serial: the n task bodies as calls through a function pointer (the
 * loop a runtime's submission replaces). */
#include "spawn.h"

static void tiny(unsigned *s)
{
    *s += 1;
}

static void (*volatile body)(unsigned *) = tiny;

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    unsigned *slot = spawn_slots(n);
    bench_clock c = bench_start();
    for (long i = 0; i < n; i++)
        body(&slot[i]);
    bench_clock e = bench_stop(c);
    spawn_check(n, slot);
    bench_report_u64("spawn", threads, n, (uint64_t)n, e);
    free(slot);
    return 0;
}
