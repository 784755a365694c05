/* os.c - the operating system seam: futexes, CPU affinity, thread names and
 * the allocator. Every #if on the platform lives here.
 *
 * Futexes. fji_futex_wait/wake use FUTEX_PRIVATE_FLAG. A private FUTEX_WAKE
 * hashes the address and never dereferences it, which is what lets a waker
 * call it after the memory may have been released (fj_wg_wait's Go rule in
 * wg.c, fj_run's completion word in go.c): the worst case is a spurious
 * wake-up of an unrelated waiter, which every waiter tolerates by re-checking.
 *
 * Asymmetric fences. Posting work (inject.c) and parking (sleep.c) form a
 * store-buffering pair: each side stores, then loads what the other stored,
 * and needs a full barrier in between. Posts are frequent (every fj_go) and
 * parks rare (a worker parks after ~50 us of fruitless search), so when the
 * kernel offers membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) the frequent
 * side uses a compiler barrier only and the rare side calls fji_os_barrier(),
 * which runs a full barrier on every CPU that runs one of our threads (and a
 * thread that is not running passed one when it was switched out). Whatever
 * the producer stored before its compiler barrier is then visible to the
 * caller, or the producer's later load sees what the caller stored before:
 * the Dekker pair again, with the cost moved to one side (as in liburcu and
 * folly's asymmetric barriers). fji_os_asym is decided once per process,
 * before the first pool exists (pthread_once), since both sides of a pair
 * must agree on it; after fork() the child, which has one thread and no live
 * pool, decides again (registration does not survive exec, and may not
 * survive fork). Off in TSan builds (TSan cannot see the kernel's barrier),
 * when FORJA_MEMBARRIER=0 is set (tests run both ways), and where the kernel
 * lacks the command (before 4.14, some sandboxes): then both sides use
 * seq-cst RMWs and fences as before.
 *
 * Allocation failure injection. FORJA_FAIL_ALLOC=N (read once, at the first
 * allocation) makes the N-th allocation and every later one fail, N >= 1;
 * tests use it to prove that every ENOMEM path leaves no thread, no task and
 * no leak behind. fji_alloc_fail_after() sets the same from a test.
 */
#define _GNU_SOURCE
#include "os.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "atomics.h"
#include "pool.h"                   /* fji_die */

/* Both keep the caller's errno: a wait that finds the word changed (EAGAIN)
 * or is interrupted (EINTR) is normal here, and forja's calls never set
 * errno (forja.h). */
void fji_futex_wait(uint32_t *addr, uint32_t expected)
{
    int saved = errno;
    syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
    errno = saved;
}

void fji_futex_wake(uint32_t *addr, int n)
{
    int saved = errno;
    syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
    errno = saved;
}

/* The process's CPUs: the affinity mask when the library was loaded, before
 * any thread of the program narrowed its own. Read per call from the calling
 * thread, a pool created from a pinned thread (a user's, or a worker of a
 * pinned pool) got one worker and, pinned, put every worker on that thread's
 * CPU (found in review). */
static cpu_set_t process_cpus;
static bool process_cpus_ok;

__attribute__((constructor)) static void snapshot_cpus(void)
{
    process_cpus_ok = sched_getaffinity(0, sizeof process_cpus, &process_cpus) == 0
                      && CPU_COUNT(&process_cpus) > 0;
}

unsigned fji_os_cpu_count(void)
{
    if (process_cpus_ok)
        return (unsigned)CPU_COUNT(&process_cpus);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

void fji_os_unpin(void)
{
    if (process_cpus_ok)
        (void)pthread_setaffinity_np(pthread_self(), sizeof process_cpus, &process_cpus);
}

bool fji_os_asym;

static void asym_decide(void)
{
    bool on = false;
#if defined(__linux__) && defined(__NR_membarrier) && !defined(FJI_TSAN_BUILD)
    const char *env = getenv("FORJA_MEMBARRIER");
    if (!(env && env[0] == '0')) {
        long q = syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
        on = q > 0 && (q & MEMBARRIER_CMD_PRIVATE_EXPEDITED)
             && syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
    }
#endif
    fji_os_asym = on;
}

static pthread_once_t asym_once = PTHREAD_ONCE_INIT;

void fji_os_asym_init(void)
{
    (void)pthread_once(&asym_once, asym_decide);   /* publishes fji_os_asym */
}

void fji_os_asym_after_fork(void)
{
    asym_decide();                  /* one thread, no live pool: no reader races */
}

void fji_os_barrier(void)
{
#if defined(__linux__) && defined(__NR_membarrier) && !defined(FJI_TSAN_BUILD)
    if (syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0)
        return;
#endif
    fji_die("membarrier(PRIVATE_EXPEDITED) failed after registering: "
            "cannot order posts against parks");
}

uint64_t fji_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Whether fji_now_ns is cheap enough to call per loop chunk: under 200 ns a
 * call (the vDSO takes ~20; a clock source that forces a system call, such
 * as hpet or acpi_pm in some virtual machines, takes ~500-1000). Measured
 * once per process over 32 calls. */
static bool clock_fast;

static void clock_measure(void)
{
    uint64_t t0 = fji_now_ns(), t = t0;
    for (int i = 0; i < 32; i++)
        t = fji_now_ns();
    clock_fast = t - t0 < 32 * 200;
}

static pthread_once_t clock_once = PTHREAD_ONCE_INIT;

bool fji_now_is_cheap(void)
{
    (void)pthread_once(&clock_once, clock_measure);
    return clock_fast;
}

/* Test hook, not in forja.h: make fji_now_is_cheap() answer cheap (what a
 * real measurement would say from now on is overridden). */
void fji_now_set_cheap(bool cheap);
void fji_now_set_cheap(bool cheap)
{
    (void)pthread_once(&clock_once, clock_measure);
    clock_fast = cheap;
}

void fji_os_pin(unsigned i)
{
    if (!process_cpus_ok)
        return;
    const cpu_set_t *set = &process_cpus;
    unsigned want = i % (unsigned)CPU_COUNT(set), seen = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (!CPU_ISSET(cpu, set))
            continue;
        if (seen++ == want) {
            cpu_set_t one;
            CPU_ZERO(&one);
            CPU_SET(cpu, &one);
            (void)pthread_setaffinity_np(pthread_self(), sizeof one, &one);
            return;
        }
    }
}

/* sched_getcpu, errno kept: it runs inside fj_wg_wait's help loop too. */
int fji_os_current_cpu(void)
{
    int saved = errno;
    int cpu = sched_getcpu();
    errno = saved;
    return cpu;
}

/* Move the caller to a CPU of its current affinity mask other than me that
 * taken() does not claim: a one-CPU mask that excludes its CPU makes the
 * kernel migrate it before the call returns, and the mask it had, set
 * again, lets it stay there (spread.c I1). A CPU the kernel refuses (taken
 * offline, or out of the cpuset since) is skipped for the next one. The
 * mask read here, not the one at load, is what it gets back, so affinity
 * that the program or an administrator set on the worker since is kept.
 * Returns the CPU it moved to, or -1 (nothing changed). */
int fji_os_move_off(int me, bool (*taken)(int cpu, void *ctx), void *ctx)
{
    int saved = errno, to = -1;
    cpu_set_t mask;
    CPU_ZERO(&mask);
    if (pthread_getaffinity_np(pthread_self(), sizeof mask, &mask) == 0) {
        for (int cpu = 0; cpu < CPU_SETSIZE && to < 0; cpu++) {
            if (cpu == me || !CPU_ISSET(cpu, &mask) || taken(cpu, ctx))
                continue;
            cpu_set_t one;
            CPU_ZERO(&one);
            CPU_SET(cpu, &one);
            if (pthread_setaffinity_np(pthread_self(), sizeof one, &one) != 0)
                continue;
            if (pthread_setaffinity_np(pthread_self(), sizeof mask, &mask) != 0)
                fji_os_unpin();                 /* never left on one CPU */
            to = cpu;
        }
    }
    errno = saved;
    return to;
}

void fji_os_set_name(const char *name)
{
    (void)pthread_setname_np(pthread_self(), name);   /* at most 15 chars */
}

/* ------------------------------------------------------------- allocation */

static uint64_t alloc_count;            /* allocations so far (relaxed) */
static uint64_t alloc_fail_at;          /* 0: never fail; else fail from this one on */
static pthread_once_t alloc_env_once = PTHREAD_ONCE_INIT;

static void alloc_read_env(void)
{
    const char *s = getenv("FORJA_FAIL_ALLOC");
    if (s && *s) {
        char *end;
        unsigned long long v = strtoull(s, &end, 10);
        if (*end == '\0' && v > 0)
            fji_store_relaxed_64(&alloc_fail_at, v);  /* published by the once */
    }
}

static int alloc_should_fail(void)
{
    (void)pthread_once(&alloc_env_once, alloc_read_env);   /* publishes fail_at */
    uint64_t at = fji_load_relaxed_64(&alloc_fail_at);  /* the hook's store: a test
                                                           sets it before it allocates */
    if (at == 0)
        return 0;
    return fji_faa_seq_cst_64(&alloc_count, 1) + 1 >= at;   /* a count only */
}

/* Test hook, not in forja.h: from now on, the n-th allocation and every later
 * one fail (n = 1: the next one); 0 switches injection off and resets. */
void fji_alloc_fail_after(uint64_t n);
void fji_alloc_fail_after(uint64_t n)
{
    (void)pthread_once(&alloc_env_once, alloc_read_env);   /* the hook wins */
    fji_store_relaxed_64(&alloc_count, 0);
    fji_store_relaxed_64(&alloc_fail_at, n);
}

void *fji_alloc(size_t size)
{
    if (alloc_should_fail())
        return NULL;
    return malloc(size);
}

void *fji_alloc_aligned(size_t align, size_t size)
{
    if (alloc_should_fail())
        return NULL;
    void *p = NULL;
    if (posix_memalign(&p, align, size) != 0)
        return NULL;
    return p;
}

void fji_free(void *p)
{
    free(p);
}
