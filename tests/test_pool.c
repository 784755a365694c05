/* test_pool.c - pool lifecycle (forja.h, src/pool.c, src/worker.c): create,
 * destroy and its drain, ECANCELED/EDEADLK, the default pool, FORJA_WORKERS,
 * the exit drain, worker names and ids, fj_run across pools.
 *
 * Cases that need a fresh process (the default pool, FORJA_WORKERS, exit)
 * re-execute this binary with FORJA_TEST_CHILD=<mode>: main() below runs the
 * mode instead of Criterion and reports on stdout; the test reads stdout,
 * stderr and the exit status. */
#define _GNU_SOURCE
#include <criterion/criterion.h>

#include <dirent.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "forja.h"
#include "support.h"

static unsigned cpus(void)
{
    cpu_set_t set;
    cr_assert_eq(sched_getaffinity(0, sizeof set, &set), 0);
    return (unsigned)CPU_COUNT(&set);
}

static atomic_long wrong;

static void check(int ok)
{
    if (!ok)
        atomic_fetch_add(&wrong, 1);
}

static void nothing(void *p) { (void)p; }

static atomic_long noop_runs;

static void noop_count(void *p)
{
    (void)p;
    atomic_fetch_add(&noop_runs, 1);
}

/* ------------------------------------------------------ child processes */

struct child { int status; char out[4096]; char err[4096]; };

/* Run this binary in mode `mode` with FORJA_WORKERS set to `workers` (NULL:
 * unset), collecting stdout, stderr and the status (support.h: run_self). */
static void run_child(struct child *c, const char *mode, const char *workers)
{
    char mode_var[128], workers_var[128];
    snprintf(mode_var, sizeof mode_var, "FORJA_TEST_CHILD=%s", mode);
    snprintf(workers_var, sizeof workers_var, "FORJA_WORKERS=%s", workers ? workers : "");
    const char *const vars[] = { mode_var, workers ? workers_var : NULL, NULL };
    c->status = run_self(vars, c->out, sizeof c->out, c->err, sizeof c->err);
    cr_assert_neq(c->status, -1, "%s: could not run the child", mode);
}

static int lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* --- the modes, run instead of Criterion ---------------------------------- */

static void slow_write(void *p)
{
    usleep(100000);                     /* still running when main returns */
    const char *msg = p;
    ssize_t r = write(1, msg, strlen(msg));
    (void)r;
}

static void write_byte(void *p)
{
    (void)p;
    usleep(1000);
    ssize_t r = write(1, "x", 1);
    (void)r;
}

/* An atexit handler registered before forja's runs after it: the default
 * pool is gone; a late fj_go must say so instead of queueing into a new
 * pool that nobody drains. */
static void late_go(void)
{
    int e = fj_go(NULL, write_byte, NULL);
    printf("|late %s", e == ECANCELED ? "ECANCELED" : e == 0 ? "0" : "other");
}

static int child_main(const char *mode)
{
    if (!strcmp(mode, "default_size")) {
        printf("%u\n", fj_pool_size(NULL));
        return 0;
    }
    if (!strcmp(mode, "create_size") || !strcmp(mode, "create_2")) {
        fj_config cfg = { .workers = mode[7] == '2' ? 2 : 0 };
        fj_pool *p = NULL;
        if (fj_pool_create(&p, &cfg) != 0)
            return 2;
        printf("%u\n", fj_pool_size(p));
        return fj_pool_destroy(p) == 0 ? 0 : 3;
    }
    if (!strcmp(mode, "exit_drain_return") || !strcmp(mode, "exit_drain_exit")) {
        setvbuf(stdout, NULL, _IONBF, 0);
        if (fj_go(NULL, slow_write, "drained\n") != 0)
            return 2;
        if (mode[11] == 'e')
            exit(0);
        return 0;                       /* return from main: exit drains */
    }
    if (!strcmp(mode, "exit_drain_many")) {
        for (int i = 0; i < 200; i++)
            if (fj_go(NULL, write_byte, NULL) != 0)
                return 2;
        return 0;
    }
    if (!strcmp(mode, "exit_late_go")) {
        setvbuf(stdout, NULL, _IONBF, 0);
        atexit(late_go);                /* runs after forja's handler */
        if (fj_go(NULL, write_byte, NULL) != 0)
            return 2;
        return 0;
    }
    fprintf(stderr, "unknown FORJA_TEST_CHILD mode %s\n", mode);
    return 99;
}

int main(int argc, char *argv[])
{
    return suite_main(argc, argv, "FORJA_TEST_CHILD", child_main);
}

/* --------------------------------------------------------- create/destroy */

Test(pool, create_and_destroy_many_times_with_every_setting, .timeout = 90)
{
    for (int i = 0; i < 100; i++) {
        fj_config cfg = {
            .workers = 1 + (unsigned)i % 3,
            .stack_size = i % 4 == 0 ? (size_t)1 << 20 : 0,
            .pin = i & 1,
        };
        fj_pool *p = NULL;
        cr_assert_eq(fj_pool_create(&p, &cfg), 0, "iteration %d", i);
        cr_assert_eq(fj_pool_size(p), cfg.workers);
        if (i % 2 == 0) {
            struct fib f = { 12, 0 };
            cr_assert_eq(fj_run(p, fib_task, &f), 0);
            cr_assert_eq(f.r, 144);
        }
        cr_assert_eq(fj_pool_destroy(p), 0, "iteration %d", i);
    }
}

Test(pool, create_with_null_config_uses_one_worker_per_cpu, .timeout = 30)
{
    unsetenv("FORJA_WORKERS");
    fj_pool *p = NULL;
    cr_assert_eq(fj_pool_create(&p, NULL), 0);
    cr_assert_eq(fj_pool_size(p), cpus());
    drop_pool(p);
    fj_config zero = { 0 };
    cr_assert_eq(fj_pool_create(&p, &zero), 0);
    cr_assert_eq(fj_pool_size(p), cpus());
    drop_pool(p);
}

/* os.c: the default size and the workers' CPUs come from the process's
 * mask, not the creating thread's. Before the fix a pool created from a
 * thread pinned to one CPU got one worker, and its workers inherited the
 * pin (a review's program). */
static atomic_uint worker_cpus;

static void read_worker_cpus(void *p)
{
    (void)p;
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        atomic_store(&worker_cpus, (unsigned)CPU_COUNT(&set));
}

static void *create_from_pinned_thread(void *arg)
{
    unsigned *size = arg;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(sched_getcpu() >= 0 ? sched_getcpu() : 0, &one);
    if (pthread_setaffinity_np(pthread_self(), sizeof one, &one) != 0)
        return NULL;
    fj_config cfg = { 0 };
    fj_pool *p;
    if (fj_pool_create(&p, &cfg) != 0)
        return NULL;
    *size = fj_pool_size(p);
    fj_run(p, read_worker_cpus, NULL);
    fj_pool_destroy(p);
    return arg;
}

Test(pool, a_pool_created_from_a_pinned_thread_has_every_cpu, .timeout = 30)
{
    unsetenv("FORJA_WORKERS");
    unsigned size = 0;
    pthread_t t;
    void *r = NULL;
    cr_assert_eq(pthread_create(&t, NULL, create_from_pinned_thread, &size), 0);
    cr_assert_eq(pthread_join(t, &r), 0);
    cr_assert_not_null(r, "could not pin the thread or create the pool");
    cr_assert_eq(size, cpus(), "default size %u from a pinned thread, %u CPUs", size, cpus());
    cr_assert_eq(atomic_load(&worker_cpus), cpus(), "a worker may run on %u of %u CPUs",
                 atomic_load(&worker_cpus), cpus());
}

Test(pool, too_many_workers_is_einval_and_leaves_out_untouched)
{
    fj_pool *sentinel = (fj_pool *)(uintptr_t)0x1234, *p = sentinel;
    fj_config cfg = { .workers = FJ_WORKERS_MAX + 1 };
    cr_assert_eq(fj_pool_create(&p, &cfg), EINVAL);
    cr_assert_eq(p, sentinel);
}

Test(pool, destroy_of_null_is_einval)
{
    cr_assert_eq(fj_pool_destroy(NULL), EINVAL);
}

/* -------------------------------------------------------------- drain */

static fj_pool *drain_pool;
static atomic_long accepted, ran;

static void spreading(void *p)
{
    intptr_t depth = (intptr_t)p;
    atomic_fetch_add(&ran, 1);
    for (int i = 0; depth > 0 && i < 2; i++)
        if (fj_go(drain_pool, spreading, (void *)(depth - 1)) == 0)
            atomic_fetch_add(&accepted, 1);
}

Test(pool, destroy_runs_every_accepted_task_including_tasks_launched_by_tasks, .timeout = 60)
{
    for (int round = 0; round < 5; round++) {
        drain_pool = make_pool(2);
        atomic_store(&accepted, 0);
        atomic_store(&ran, 0);
        for (int i = 0; i < 2000; i++) {
            cr_assert_eq(fj_go(drain_pool, spreading, (void *)(intptr_t)(i % 4)), 0,
                         "before destroy every fj_go is accepted");
            atomic_fetch_add(&accepted, 1);
        }
        drop_pool(drain_pool);
        cr_assert_eq(atomic_load(&ran), atomic_load(&accepted),
                     "round %d: %ld accepted, %ld ran", round, atomic_load(&accepted),
                     atomic_load(&ran));
    }
}

/* A task that runs when destroy begins and then waits, above a typed child,
 * for work only another worker may take (worker.c I5: its own FJ_SPAWN
 * child under an in-task fj_wg_wait). The other worker finds nothing when
 * it reaches the drain; it must not leave while this task still runs
 * (pool.c [P3]). Before the fix it left, the child was never taken, and
 * destroy never returned (a review's program: 6 hangs in 6 runs). */
static fj_pool *strand_pool;
static atomic_int strand_started, strand_done;

static void strand_noop(void *p)
{
    (void)p;
}

FJ_TASK_VOID(strand_child, fj_wg *, wg)
{
    fj_wg_done(wg);
}

FJ_TASK_VOID(strand_body, int, unused)
{
    (void)unused;
    fj_wg wg = FJ_WG_INIT;
    fj_wg_add(&wg, 1);
    FJ_SPAWN(strand_child, &wg);
    fj_wg_wait(&wg);                    /* above a typed slot: needs a thief */
    FJ_SYNC(strand_child);
}

static void strand_task(void *p)
{
    (void)p;
    atomic_store(&strand_started, 1);
    while (fj_go(strand_pool, strand_noop, NULL) == 0)  /* until destroy began */
        sched_yield();
    usleep(20000);                      /* the other worker reaches the drain */
    strand_body(0);
    atomic_store(&strand_done, 1);
}

Test(pool, destroy_waits_for_a_running_task_that_needs_another_worker, .timeout = 30)
{
    for (int round = 0; round < 3; round++) {
        strand_pool = make_pool(2);
        atomic_store(&strand_started, 0);
        atomic_store(&strand_done, 0);
        cr_assert_eq(fj_go(strand_pool, strand_task, NULL), 0);
        while (!atomic_load(&strand_started))
            sched_yield();
        drop_pool(strand_pool);
        cr_assert(atomic_load(&strand_done), "round %d: destroy returned before the task", round);
    }
}

/* inject.c [J5]: a thread that never exits (here the test's) and submits to
 * many short-lived pools must not keep a queue per destroyed pool. Before
 * the fix, about 21 KiB per pool: 43 MB over these 2000 (a review's
 * program). Heap in use is read with mallinfo2 (0 under ASan, which
 * replaces malloc: then the check is empty, and ASan's leak check at exit
 * covers it). */
static void leak_done(void *wg)
{
    fj_wg_done(wg);
}

Test(pool, submitting_to_many_destroyed_pools_keeps_no_queue_per_pool, .timeout = 60)
{
    fj_config cfg = { .workers = 1 };
    size_t at100 = 0;
    for (int i = 0; i < 2000; i++) {
        fj_pool *p;
        cr_assert_eq(fj_pool_create(&p, &cfg), 0);
        fj_wg wg = FJ_WG_INIT;
        fj_wg_add(&wg, 1);
        cr_assert_eq(fj_go(p, leak_done, &wg), 0);     /* an outside queue */
        fj_wg_wait(&wg);
        cr_assert_eq(fj_pool_destroy(p), 0);
        if (i == 100)
            at100 = mallinfo2().uordblks;
    }
    size_t now = mallinfo2().uordblks;
    cr_assert_lt(now, at100 + (1u << 20), "heap in use grew from %zu to %zu bytes over 1900 pools",
                 at100, now);
}

/* ------------------------------------------------ ECANCELED during destroy */

static fj_pool *cancel_pool;
static sem_t blocker_started, blocker_release;
static atomic_int go_in_task = -1, copy_in_task = -1;

static void blocker(void *p)
{
    (void)p;
    sem_post(&blocker_started);
    while (sem_wait(&blocker_release) != 0)
        ;
    atomic_store(&go_in_task, fj_go(cancel_pool, noop_count, NULL));
    int x = 1;
    atomic_store(&copy_in_task, fj_go_copy(cancel_pool, noop_count, &x, sizeof x));
}

static void *destroyer(void *p)
{
    return (void *)(intptr_t)fj_pool_destroy(p);
}

static atomic_long body_calls;

static void count_body(size_t lo, size_t hi, void *arg)
{
    (void)lo; (void)hi; (void)arg;
    atomic_fetch_add(&body_calls, 1);
}

Test(pool, go_and_run_return_ecanceled_once_destroy_has_begun, .timeout = 60)
{
    cancel_pool = make_pool(2);
    sem_init(&blocker_started, 0, 0);
    sem_init(&blocker_release, 0, 0);
    cr_assert_eq(fj_go(cancel_pool, blocker, NULL), 0);
    while (sem_wait(&blocker_started) != 0)
        ;
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, destroyer, cancel_pool), 0);

    /* fj_go is accepted until destroy begins; then ECANCELED for good. */
    long accepted_noops = 0;
    int r;
    while ((r = fj_go(cancel_pool, noop_count, NULL)) == 0) {
        accepted_noops++;
        sched_yield();
    }
    cr_assert_eq(r, ECANCELED);
    cr_assert_eq(fj_go(cancel_pool, noop_count, NULL), ECANCELED);
    int x = 7;
    cr_assert_eq(fj_go_copy(cancel_pool, noop_count, &x, sizeof x), ECANCELED);
    cr_assert_eq(fj_run(cancel_pool, noop_count, NULL), ECANCELED);
    cr_assert_eq(fj_for(cancel_pool, 0, 100, 1, count_body, NULL), ECANCELED);

    sem_post(&blocker_release);         /* the running task tries fj_go now */
    void *rc;
    pthread_join(th, &rc);
    cr_assert_eq((intptr_t)rc, 0, "destroy returns 0");
    cr_assert_eq(atomic_load(&go_in_task), ECANCELED, "fj_go from a task during destroy");
    cr_assert_eq(atomic_load(&copy_in_task), ECANCELED, "fj_go_copy from a task during destroy");
    cr_assert_eq(atomic_load(&noop_runs), accepted_noops, "every accepted task ran, no other");
    cr_assert_eq(atomic_load(&body_calls), 0);
}

/* ------------------------------------------------------------- EDEADLK */

static atomic_int self_destroy_rc = -1;

static void destroy_own_pool(void *p)
{
    atomic_store(&self_destroy_rc, fj_pool_destroy(p));
}

Test(pool, destroy_from_own_task_returns_edeadlk_and_changes_nothing, .timeout = 30)
{
    fj_pool *p = make_pool(2);
    cr_assert_eq(fj_run(p, destroy_own_pool, p), 0);
    cr_assert_eq(atomic_load(&self_destroy_rc), EDEADLK);
    struct fib f = { 15, 0 };
    cr_assert_eq(fj_run(p, fib_task, &f), 0, "the pool still works");
    cr_assert_eq(f.r, 610);
    drop_pool(p);
}

static fj_wg edeadlk_wg;

static void destroy_own_pool_then_done(void *p)
{
    destroy_own_pool(p);
    fj_wg_done(&edeadlk_wg);
}

Test(pool, destroy_from_own_fj_go_task_returns_edeadlk, .timeout = 30)
{
    fj_pool *p = make_pool(2);
    fj_wg_add(&edeadlk_wg, 1);
    cr_assert_eq(fj_go(p, destroy_own_pool_then_done, p), 0);
    fj_wg_wait(&edeadlk_wg);
    cr_assert_eq(atomic_load(&self_destroy_rc), EDEADLK);
    drop_pool(p);
}

/* -------------------------------------------------------- default pool */

static fj_wg default_wg;
static atomic_int default_id = -2;

static void default_task(void *p)
{
    (void)p;
    atomic_store(&default_id, fj_worker_id());
    fj_wg_done(&default_wg);
}

Test(pool, default_pool_has_one_worker_per_cpu_and_runs_tasks, .timeout = 30)
{
    unsetenv("FORJA_WORKERS");
    unsigned n = fj_pool_size(NULL);
    cr_assert_gt(n, 0);
    cr_assert_eq(n, cpus());
    fj_wg_add(&default_wg, 1);
    cr_assert_eq(fj_go(NULL, default_task, NULL), 0);
    fj_wg_wait(&default_wg);
    int id = atomic_load(&default_id);
    cr_assert(id >= 0 && (unsigned)id < n, "worker id %d", id);
    struct fib f = { 18, 0 };
    cr_assert_eq(fj_run(NULL, fib_task, &f), 0);
    cr_assert_eq(f.r, 2584);
    fj_stats s;
    cr_assert_eq(fj_pool_stats(NULL, &s), 0);
    cr_assert_gt(s.tasks, 0);
}

Test(pool, forja_workers_sets_the_default_pool_size, .timeout = 30)
{
    struct child c;
    run_child(&c, "default_size", "3");
    cr_assert(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0, "status %#x, stderr: %s",
              c.status, c.err);
    cr_assert_str_eq(c.out, "3\n");
    cr_assert_str_empty(c.err, "no warning for a valid value: %s", c.err);
    run_child(&c, "create_size", "3");
    cr_assert(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0);
    cr_assert_str_eq(c.out, "3\n", "a pool created with workers 0 honours it too");
    run_child(&c, "create_2", "3");
    cr_assert(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0);
    cr_assert_str_eq(c.out, "2\n", "an explicit cfg->workers wins over the variable");
}

Test(pool, invalid_forja_workers_is_ignored_with_a_one_line_warning, .timeout = 60)
{
    static const char *bad[] = { "abc", "0", "100000", "513", "-1", "3x", "",
                                 " -18446744073709551615", "\t-18446744073709551614", " 2" };
    char want[32];
    snprintf(want, sizeof want, "%u\n", cpus());
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct child c;
        run_child(&c, "default_size", bad[i]);
        cr_assert(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0,
                  "FORJA_WORKERS=\"%s\": status %#x", bad[i], c.status);
        cr_assert_str_eq(c.out, want, "FORJA_WORKERS=\"%s\" is ignored", bad[i]);
        if (bad[i][0] == '\0')
            continue;                   /* empty: unset, or invalid; either is fine */
        cr_assert_eq(lines(c.err), 1, "FORJA_WORKERS=\"%s\": want one warning line, got: %s",
                     bad[i], c.err);
        cr_assert_eq(c.err[strlen(c.err) - 1], '\n');
    }
}

Test(pool, exit_drains_the_default_pool_after_return_from_main, .timeout = 30)
{
    struct child c;
    run_child(&c, "exit_drain_return", NULL);
    cr_assert(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0, "status %#x, stderr: %s",
              c.status, c.err);
    cr_assert_str_eq(c.out, "drained\n", "the task launched before exit ran to completion");
}

Test(pool, exit_drains_the_default_pool_after_exit_0, .timeout = 30)
{
    struct child c;
    run_child(&c, "exit_drain_exit", NULL);
    cr_assert(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0, "status %#x, stderr: %s",
              c.status, c.err);
    cr_assert_str_eq(c.out, "drained\n");
}

Test(pool, exit_drains_every_queued_task, .timeout = 30)
{
    struct child c;
    run_child(&c, "exit_drain_many", "2");
    cr_assert(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0, "status %#x, stderr: %s",
              c.status, c.err);
    cr_assert_eq(strlen(c.out), 200, "every one of 200 queued tasks ran at exit: %zu",
                 strlen(c.out));
}

Test(pool, after_exit_drained_the_default_pool_null_is_ecanceled, .timeout = 30)
{
    struct child c;
    run_child(&c, "exit_late_go", "2");
    cr_assert(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0, "status %#x, stderr: %s",
              c.status, c.err);
    cr_assert_str_eq(c.out, "x|late ECANCELED", "the first task ran, the late one was refused");
}

static fj_wg fork_wg;
static atomic_int fork_ran;

static void fork_task(void *p)
{
    (void)p;
    atomic_fetch_add(&fork_ran, 1);
    fj_wg_done(&fork_wg);
}

Test(pool, a_forked_child_gets_a_fresh_working_default_pool, .timeout = 30)
{
    fj_wg_add(&fork_wg, 1);
    cr_assert_eq(fj_go(NULL, fork_task, NULL), 0);   /* the parent's pool exists */
    fj_wg_wait(&fork_wg);
    settle_before_fork();                            /* support.h: ASan */
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        int ok = fj_pool_size(NULL) > 0;
        fj_wg_add(&fork_wg, 10);
        for (int i = 0; i < 10; i++)
            ok &= fj_go(NULL, fork_task, NULL) == 0;
        fj_wg_wait(&fork_wg);
        struct fib f = { 15, 0 };
        ok &= fj_run(NULL, fib_task, &f) == 0 && f.r == 610;
        ok &= atomic_load(&fork_ran) == 11;
        _exit(ok ? 0 : 1);
    }
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
}

/* -------------------------------------------------- worker ids and names */

static pthread_t main_thread;
static atomic_int name_mismatch, ids_seen_mask;

static void who_am_i(void *p)
{
    unsigned size = *(unsigned *)p;
    int id = fj_worker_id();
    check(id >= 0 && (unsigned)id < size);
    if (id >= 0 && id < 31)
        atomic_fetch_or(&ids_seen_mask, 1 << id);
    char name[16] = "", want[24];
    pthread_getname_np(pthread_self(), name, sizeof name);
    snprintf(want, sizeof want, "forja-w%d", id);
    if (strcmp(name, want))
        atomic_fetch_add(&name_mismatch, 1);
    check(!pthread_equal(pthread_self(), main_thread));
}

static void *outside_id(void *p)
{
    (void)p;
    return (void *)(intptr_t)fj_worker_id();
}

Test(pool, worker_id_is_in_range_inside_fj_run_and_minus_one_outside, .timeout = 30)
{
    main_thread = pthread_self();
    cr_assert_eq(fj_worker_id(), -1);
    pthread_t th;
    void *rc;
    pthread_create(&th, NULL, outside_id, NULL);
    pthread_join(th, &rc);
    cr_assert_eq((intptr_t)rc, -1, "a plain thread is outside any pool");
    unsigned size = 3;
    fj_pool *p = make_pool(size);
    for (int i = 0; i < 200; i++)
        cr_assert_eq(fj_run(p, who_am_i, &size), 0);
    cr_assert_eq(atomic_load(&wrong), 0);
    cr_assert_eq(fj_worker_id(), -1);
    drop_pool(p);
}

static int has_thread_named(const char *want)
{
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return 0;
    int found = 0;
    struct dirent *e;
    while (!found && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[300], name[32] = "";
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        if (fgets(name, sizeof name, f)) {
            name[strcspn(name, "\n")] = '\0';
            found = !strcmp(name, want);
        }
        fclose(f);
    }
    closedir(d);
    return found;
}

Test(pool, workers_are_named_forja_w_and_their_index, .timeout = 30)
{
    main_thread = pthread_self();
    unsigned size = 3;
    fj_pool *p = make_pool(size);
    cr_assert_eq(fj_run(p, who_am_i, &size), 0);
    cr_assert_eq(atomic_load(&name_mismatch), 0, "a worker's name is not forja-w<its id>");
    for (unsigned i = 0; i < size; i++) {
        char want[24];
        snprintf(want, sizeof want, "forja-w%u", i);
        int found = 0;
        for (int tries = 0; !found && tries < 1000; tries++) {   /* naming is async */
            found = has_thread_named(want);
            if (!found)
                usleep(1000);
        }
        cr_assert(found, "no thread named %s in /proc/self/task", want);
    }
    cr_assert_not(has_thread_named("forja-w3"));
    drop_pool(p);
}

/* --------------------------------------------------------------- fj_run */

struct nested { fj_pool *other; pthread_t outer; int inner_id; int inner_ran;
                int same_thread; int rc; };

static void inner_run(void *p)
{
    struct nested *n = p;
    n->inner_ran = 1;
    n->inner_id = fj_worker_id();
    n->same_thread = pthread_equal(pthread_self(), n->outer);
}

static void outer_run(void *p)
{
    struct nested *n = p;
    n->outer = pthread_self();
    n->rc = fj_run(n->other, inner_run, n);
    check(n->inner_ran == 1);           /* done when fj_run returns */
}

Test(pool, fj_run_from_a_task_of_the_same_pool_is_a_plain_call, .timeout = 30)
{
    fj_pool *p = make_pool(2);
    struct nested n = { .other = p, .inner_id = -5 };
    cr_assert_eq(fj_run(p, outer_run, &n), 0);
    cr_assert_eq(n.rc, 0);
    cr_assert_eq(n.inner_ran, 1);
    cr_assert(n.same_thread, "inner ran on the calling worker");
    cr_assert(n.inner_id >= 0 && n.inner_id < 2);
    struct nested m = { .other = NULL, .inner_id = -5 };   /* NULL: the task's pool */
    cr_assert_eq(fj_run(p, outer_run, &m), 0);
    cr_assert_eq(m.rc, 0);
    cr_assert(m.same_thread);
    cr_assert_eq(atomic_load(&wrong), 0);
    drop_pool(p);
}

Test(pool, fj_run_from_a_task_of_another_pool_runs_on_that_pool, .timeout = 30)
{
    fj_pool *p1 = make_pool(2), *p2 = make_pool(3);
    for (int i = 0; i < 50; i++) {
        struct nested n = { .other = p2, .inner_id = -5 };
        cr_assert_eq(fj_run(p1, outer_run, &n), 0);
        cr_assert_eq(n.rc, 0);
        cr_assert_eq(n.inner_ran, 1);
        cr_assert_not(n.same_thread, "inner ran on a worker of the other pool");
        cr_assert(n.inner_id >= 0 && n.inner_id < 3, "id %d", n.inner_id);
    }
    cr_assert_eq(atomic_load(&wrong), 0);
    drop_pool(p1);
    drop_pool(p2);
}

Test(pool, fj_run_with_a_null_fn_is_einval, .timeout = 30)
{
    fj_pool *p = make_pool(2);
    cr_assert_eq(fj_run(p, NULL, NULL), EINVAL);
    cr_assert_eq(fj_run(p, nothing, NULL), 0);
    drop_pool(p);
}
