/* skynet, forja: a typed task (FJ_TASK): every inner node FJ_SPAWNs its ten
 * children and sums their FJ_SYNCs. skynet/forja-group.c is the same with
 * fj_spawn/fj_sync; skynet-forja-go the goroutine style. */
#include "common/forja_util.h"
#include "skynet.h"

struct sk_arg { uint64_t num, size; };

FJ_TASK(uint64_t, sk, struct sk_arg, a)
{
    if (a.size == 1)
        return a.num;
    uint64_t sub = a.size / 10;
    for (uint64_t i = 0; i < 10; i++)
        FJ_SPAWN(sk, ((struct sk_arg){ a.num + i * sub, sub }));
    uint64_t sum = 0;
    for (int i = 0; i < 10; i++)
        sum += FJ_SYNC(sk);
    return sum;
}

struct sk_job { struct sk_arg a; uint64_t sum; };

static void sk_root(void *p)
{
    struct sk_job *j = p;
    j->sum = sk(j->a);
}

int main(int argc, char **argv)
{
    int threads;
    long n;
    bench_args(argc, argv, &threads, &n);
    skynet_args(n);
    fj_pool *pool = bench_forja_pool(threads);
    struct sk_job j = { { 0, (uint64_t)n }, 0 };
    bench_clock e = bench_forja_run(pool, sk_root, &j);
    skynet_check(n, j.sum);
    bench_report_u64("skynet", threads, n, j.sum, e);
    bench_forja_done(pool);
    return 0;
}
