/* spawn, forja: the main thread (outside the pool) fj_go's n tasks after one
 * fj_wg_add(n); each task bumps its slot and calls fj_wg_done; main then
 * fj_wg_wait's (it sleeps). */
#include "common/forja_util.h"
#include "spawn.h"

static fj_wg wg = FJ_WG_INIT;

static void tiny(void *p)
{
    *(unsigned *)p += 1;
    fj_wg_done(&wg);
}

static void launch(fj_pool *pool, unsigned *slot, long n)
{
    fj_wg_add(&wg, n);
    for (long i = 0; i < n; i++) {
        int rc = fj_go(pool, tiny, &slot[i]);
        if (rc != 0)
            bench_fail("fj_go: error %d", rc);
    }
    fj_wg_wait(&wg);
}

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    fj_pool *pool = bench_forja_pool(threads);
    unsigned *slot = spawn_slots(n);
    launch(pool, slot, n / 10);
    memset(slot, 0, (size_t)n * sizeof *slot);
    bench_clock c = bench_start();
    launch(pool, slot, n);
    bench_clock e = bench_stop(c);
    spawn_check(n, slot);
    bench_report_u64("spawn", threads, n, (uint64_t)n, e);
    free(slot);
    bench_forja_done(pool);
    return 0;
}
