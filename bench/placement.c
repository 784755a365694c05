/* placement - where the spawn benchmark's threads ran, round by round.
 *
 *   placement <workers> <n> [rounds] [wg|nowg] [pins]
 *
 * Runs the spawn benchmark's shape (bench/spawn/forja.c: the main thread,
 * outside the pool, fj_go's n tiny tasks and waits) for `rounds` rounds
 * (default 5) and prints, per round, the push time, the total time, the
 * pool's steal and sleep counts, and for every thread of the process the CPU
 * it last ran on and its time running and waiting for a CPU, from the
 * kernel's /proc/self/task/TID/schedstat. Thread 0 is main, then the workers
 * in the order the kernel lists them.
 *
 * "nowg" drops the tasks' fj_wg_done: main polls fj_pool_stats until the
 * tasks have run (its CPU then stays busy). pins, one character per thread in
 * that order, pins thread i to CPU pins[i] ('-': left alone), e.g. "001":
 * main and worker 1 on CPU 0, worker 2 on CPU 1.
 *
 * What it showed on the 2-core VM (issue 3's closing note): at 2 workers the
 * time depends on where the kernel puts three threads on two CPUs. With the
 * two workers sharing one CPU and main alone on the other, 10^6 tasks take
 * 16-22 ms; when main shares a CPU, its pushes slow to 25-33 ms; when the
 * workers run on different CPUs at once, each task's fj_wg_done is an atomic
 * add on a line the other CPU just wrote, and the workers spend 52-94 ms of
 * CPU on what takes 17-24 ms without the wait group ("001" pins). Since the
 * wait group's counter is split (src/wg.c: a worker claims 64 dones at a
 * time into a line of its own), the same "001" rounds spend 17-24 ms of
 * worker CPU with the wait group and 13-17 ms without it. Linux-only
 * (schedstat, sched_setaffinity); a diagnostic, not part of the suite. */
#define _GNU_SOURCE
#include <dirent.h>
#include <sched.h>

#include "common/forja_util.h"

#define MAX_THREADS 64

static fj_wg wg = FJ_WG_INIT;

static void tiny(void *p)
{
    *(unsigned *)p += 1;
    fj_wg_done(&wg);
}

static void tiny_nowg(void *p)
{
    *(unsigned *)p += 1;
}

struct thread_times { long tid; int cpu; double run_ms, wait_ms; };

/* The CPU a thread last ran on: field 39 of /proc/.../stat, counted after
 * the command name's closing parenthesis (the name may hold spaces). */
static int last_cpu(const char *tid)
{
    char path[320], buf[1024];
    snprintf(path, sizeof path, "/proc/self/task/%s/stat", tid);
    FILE *f = fopen(path, "r");
    if (!f || !fgets(buf, sizeof buf, f))
        bench_fail("cannot read %s", path);
    fclose(f);
    char *p = strrchr(buf, ')');
    int field = 2;
    for (char *tok = strtok(p + 1, " "); tok; tok = strtok(NULL, " "))
        if (++field == 39)
            return atoi(tok);
    return -1;
}

/* Every thread's schedstat totals; returns the count. */
static int snapshot(struct thread_times *t)
{
    DIR *d = opendir("/proc/self/task");
    if (!d)
        bench_fail("cannot open /proc/self/task");
    int k = 0;
    for (struct dirent *e; (e = readdir(d)) && k < MAX_THREADS;) {
        if (e->d_name[0] == '.')
            continue;
        char path[320];
        unsigned long long run, wait;
        snprintf(path, sizeof path, "/proc/self/task/%s/schedstat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f || fscanf(f, "%llu %llu", &run, &wait) != 2)
            bench_fail("cannot read %s", path);
        fclose(f);
        t[k] = (struct thread_times){ atol(e->d_name), last_cpu(e->d_name),
                                      run / 1e6, wait / 1e6 };
        k++;
    }
    closedir(d);
    return k;
}

static void pin(const char *pins)
{
    struct thread_times t[MAX_THREADS];
    int k = snapshot(t);
    for (int i = 0; i < k && pins[i]; i++) {
        if (pins[i] == '-')
            continue;
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(pins[i] - '0', &set);
        if (sched_setaffinity((pid_t)t[i].tid, sizeof set, &set) != 0)
            bench_fail("cannot pin thread %d to CPU %c", i, pins[i]);
    }
}

int main(int argc, char **argv)
{
    int workers;
    long n;
    if (argc < 3 || argc > 6) {
        fprintf(stderr, "usage: %s <workers> <n> [rounds] [wg|nowg] [pins]\n", argv[0]);
        return 2;
    }
    bench_args(3, argv, &workers, &n);
    int rounds = argc > 3 ? atoi(argv[3]) : 5;
    int use_wg = !(argc > 4 && !strcmp(argv[4], "nowg"));
    fj_pool *pool = bench_forja_pool(workers);
    unsigned *slot = calloc((size_t)n, sizeof *slot);
    if (!slot)
        bench_fail("out of memory");
    if (argc > 5)
        pin(argv[5]);
    for (int r = 0; r < rounds; r++) {
        struct thread_times t0[MAX_THREADS], t1[MAX_THREADS];
        fj_stats s0, s1;
        fj_pool_stats(pool, &s0);
        int k = snapshot(t0);
        double start = bench_wall_now();
        if (use_wg)
            fj_wg_add(&wg, n);
        for (long i = 0; i < n; i++)
            if (fj_go(pool, use_wg ? tiny : tiny_nowg, &slot[i]) != 0)
                bench_fail("fj_go failed");
        double pushed = bench_wall_now();
        if (use_wg)
            fj_wg_wait(&wg);
        else
            do
                fj_pool_stats(pool, &s1);
            while (s1.tasks - s0.tasks < (uint64_t)n);
        double done = bench_wall_now();
        fj_pool_stats(pool, &s1);
        printf("round %d: pushes %.1f ms, all %.1f ms; steals %llu, sleeps %llu\n", r,
               (pushed - start) * 1e3, (done - start) * 1e3,
               (unsigned long long)(s1.steals - s0.steals),
               (unsigned long long)(s1.sleeps - s0.sleeps));
        int k1 = snapshot(t1);
        for (int i = 0; i < k && i < k1; i++)
            printf("  thread %d: cpu %d, running %.1f ms, waiting %.1f ms\n", i,
                   t1[i].cpu, t1[i].run_ms - t0[i].run_ms, t1[i].wait_ms - t0[i].wait_ms);
    }
    for (long i = 0; i < n; i++)
        if (slot[i] != (unsigned)rounds)
            bench_fail("task %ld ran %u times, not %d", i, slot[i], rounds);
    free(slot);
    bench_forja_done(pool);
    return 0;
}
