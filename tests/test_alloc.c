/* test_alloc.c - allocation failure (src/os.c FORJA_FAIL_ALLOC and its test
 * hook fji_alloc_fail_after): every allocation the library makes may fail,
 * and each failure is reported as ENOMEM, leaves no thread, no queued task
 * and no leak behind (the ASan build runs this suite with leak detection),
 * while everything forja.h promises never allocates keeps working.
 *
 * tests/test_errors.c covers the error table and a first ENOMEM sweep; this
 * file follows each allocation site: pool creation (every N, several
 * configurations, the environment variable), fj_spawn, fj_go_copy's heap
 * copy, an outside thread's queue registration, fj_reduce's accumulators.
 *
 * Cases that need a fresh process (FORJA_FAIL_ALLOC is read once, at the
 * first allocation) re-execute this binary with FORJA_ALLOC_CHILD=<mode>. */
#define _GNU_SOURCE
#include <criterion/criterion.h>

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "forja.h"
#include "support.h"

void fji_alloc_fail_after(uint64_t n);   /* src/os.c test hook, not API */

static fj_pool *const untouched = (fj_pool *)(uintptr_t)0x7177;

/* ----------------------------------------------------------- helpers */

/* --------------------------------------------------------- pool create */

/* Make allocation n, n+1, ... fail for every n until create succeeds; each
 * failing create returns ENOMEM, leaves *out alone and no thread. Returns
 * how many allocations a successful create made. */
static unsigned sweep_create(const fj_config *cfg)
{
    int base = thread_count();
    for (unsigned n = 1; n <= 2000; n++) {
        fj_pool *p = untouched;
        fji_alloc_fail_after(n);
        int r = fj_pool_create(&p, cfg);
        fji_alloc_fail_after(0);
        if (r == 0) {
            cr_assert_neq(p, untouched);
            cr_assert_eq(settle_thread_count(base + (int)fj_pool_size(p)),
                         base + (int)fj_pool_size(p), "a created pool runs its workers");
            cr_assert_eq(fj_pool_destroy(p), 0);
            cr_assert_eq(settle_thread_count(base), base);
            return n - 1;
        }
        cr_assert_eq(r, ENOMEM, "workers %u: allocation %u failing gave %d", cfg->workers, n, r);
        cr_assert_eq(p, untouched, "workers %u: out changed on error (allocation %u)",
                     cfg->workers, n);
        cr_assert_eq(settle_thread_count(base), base,
                     "workers %u: a thread is left after allocation %u failed", cfg->workers, n);
    }
    cr_assert_fail("fj_pool_create never succeeded");
    return 0;
}

Test(alloc, pool_create_fails_with_enomem_and_no_thread_at_every_allocation, .timeout = 120)
{
    static const fj_config cfgs[] = {
        { .workers = 1 }, { .workers = 2 }, { .workers = 4 }, { .workers = 8, .pin = 1 },
        { .workers = 3, .stack_size = 64 << 10 },
    };
    for (size_t i = 0; i < sizeof cfgs / sizeof *cfgs; i++) {
        unsigned allocs = sweep_create(&cfgs[i]);
        cr_assert_geq(allocs, 1, "a pool needs memory");
        /* The pool, its worker array and one deque per worker at least. */
        cr_assert_geq(allocs, cfgs[i].workers + 2, "workers %u: %u allocations",
                      cfgs[i].workers, allocs);
    }
}

Test(alloc, a_failed_create_leaves_the_library_usable, .timeout = 60)
{
    fj_pool *p = untouched;
    fj_config c = { .workers = 2 };
    fji_alloc_fail_after(2);            /* the pool itself, then nothing */
    cr_assert_eq(fj_pool_create(&p, &c), ENOMEM);
    fji_alloc_fail_after(0);
    p = make_pool(2);
    struct fib f = { 20, 0 };
    cr_assert_eq(fj_run(p, fib_task, &f), 0);
    cr_assert_eq(f.r, 6765);
    cr_assert_eq(fj_pool_destroy(p), 0);
}

/* ------------------------------------------------------ fj_spawn, fj_run */

Test(alloc, spawn_outside_a_pool_runs_inline_while_every_allocation_fails)
{
    fji_alloc_fail_after(1);
    struct fib f = { 22, 0 };
    fib_task(&f);                       /* fj_spawn outside any pool */
    fji_alloc_fail_after(0);
    cr_assert_eq(f.r, 17711);
}

Test(alloc, spawn_and_sync_inside_a_pool_never_allocate, .timeout = 60)
{
    fj_pool *p = make_pool(3);
    struct fib warm = { 5, 0 };
    cr_assert_eq(fj_run(p, fib_task, &warm), 0);     /* registers our queue */
    fji_alloc_fail_after(1);
    struct fib f = { 24, 0 };
    int e = fj_run(p, fib_task, &f);
    fji_alloc_fail_after(0);
    cr_assert_eq(e, 0, "fj_run on a registered queue needs no memory");
    cr_assert_eq(f.r, 46368);
    cr_assert_eq(fj_pool_destroy(p), 0);
}

/* ------------------------------------------------------------ fj_go_copy */

#define N_EACH 200

static atomic_int runs[4 * N_EACH + 8];

struct big { int idx; char pad[FJ_COPY_INLINE + 36]; };   /* > 64 bytes: heap copy */
struct small { int idx; char pad[FJ_COPY_INLINE - 8]; };  /* <= 64: inline */

_Static_assert(sizeof(struct big) > FJ_COPY_INLINE, "big is a heap copy");
_Static_assert(sizeof(struct small) <= FJ_COPY_INLINE, "small is inline");

static void count_big(void *p) { atomic_fetch_add(&runs[((struct big *)p)->idx], 1); }
static void count_small(void *p) { atomic_fetch_add(&runs[((struct small *)p)->idx], 1); }
static void count_idx(void *p) { atomic_fetch_add(&runs[(intptr_t)p], 1); }

static void reset_runs(void)
{
    for (size_t i = 0; i < sizeof runs / sizeof *runs; i++)
        atomic_store(&runs[i], 0);
}

/* Indices [0, N_EACH): before injection; [N_EACH, 2N): heap copies refused;
 * [2N, 3N): small copies and plain fj_go during injection; [3N, 4N): after.
 * Runs on a worker too, where Criterion's asserts must not be used: returns
 * NULL, or what went wrong. */
static char what_failed[160];

static const char *go_copy_sequence(fj_pool *p)
{
    struct big b;
    struct small s;
    memset(&b, 0, sizeof b);
    memset(&s, 0, sizeof s);
    for (int i = 0; i < N_EACH; i++) {
        b.idx = i;
        if (fj_go_copy(p, count_big, &b, sizeof b) != 0)
            return "a heap-sized fj_go_copy failed before injection";
    }
    /* Let the queue drain first: an outside thread's ring grows (allocates)
     * when its backlog outgrows it; a drained ring takes 256 records. */
    for (int i = 0, spins = 0; i < N_EACH; ) {
        if (atomic_load(&runs[i]) == 1) {
            i++;
        } else if (++spins > 1000000) {
            return "the first tasks did not run";
        } else {
            sched_yield();
        }
    }
    fji_alloc_fail_after(1);
    for (int i = N_EACH; i < 2 * N_EACH; i++) {
        b.idx = i;
        int e = fj_go_copy(p, count_big, &b, sizeof b);
        if (e != ENOMEM) {
            fji_alloc_fail_after(0);
            snprintf(what_failed, sizeof what_failed,
                     "a %zu-byte fj_go_copy returned %d under injection", sizeof b, e);
            return what_failed;
        }
    }
    for (int i = 2 * N_EACH; i < 3 * N_EACH; i++) {
        int e;
        if (i & 1) {
            s.idx = i;
            e = fj_go_copy(p, count_small, &s, sizeof s);
        } else {
            e = fj_go(p, count_idx, (void *)(intptr_t)i);
        }
        if (e != 0) {
            fji_alloc_fail_after(0);
            snprintf(what_failed, sizeof what_failed,
                     "an inline submission (#%d) returned %d under injection", i, e);
            return what_failed;
        }
    }
    fji_alloc_fail_after(0);
    for (int i = 3 * N_EACH; i < 4 * N_EACH; i++) {
        b.idx = i;
        if (fj_go_copy(p, count_big, &b, sizeof b) != 0)
            return "a heap-sized fj_go_copy failed after injection";
    }
    return NULL;
}

static void check_go_copy_runs(void)
{
    for (int i = 0; i < 4 * N_EACH; i++) {
        int want = (i >= N_EACH && i < 2 * N_EACH) ? 0 : 1;
        cr_assert_eq(atomic_load(&runs[i]), want, "task %d ran %d times, want %d", i,
                     atomic_load(&runs[i]), want);
    }
}

Test(alloc, go_copy_over_64_bytes_from_outside_returns_enomem_and_never_runs, .timeout = 60)
{
    reset_runs();
    fj_pool *p = make_pool(2);
    cr_assert_eq(fj_go(p, count_idx, (void *)(intptr_t)(4 * N_EACH)), 0);  /* register */
    const char *bad = go_copy_sequence(p);
    cr_assert_null(bad, "%s", bad);
    cr_assert_eq(fj_pool_destroy(p), 0);            /* drains every accepted task */
    check_go_copy_runs();
}

static void go_copy_sequence_task(void *arg)
{
    *(const char **)arg = go_copy_sequence(NULL);   /* NULL: this task's pool */
}

Test(alloc, go_copy_over_64_bytes_from_a_task_returns_enomem_and_never_runs, .timeout = 60)
{
    reset_runs();
    fj_pool *p = make_pool(2);
    const char *bad = "not run";
    cr_assert_eq(fj_run(p, go_copy_sequence_task, &bad), 0);
    cr_assert_null(bad, "%s", bad);
    cr_assert_eq(fj_pool_destroy(p), 0);
    check_go_copy_runs();
}

/* A failed fj_go_copy from a task reserved the top slot and wrote its
 * group; the slot must be left holding the typed marker (deque.c I6), or the
 * FJ_SPAWN that lands there next is taken for a detached task. Found in
 * review: debug builds aborted in the FJ_SPAWN, release builds reported a
 * false FJ_SYNC mismatch once an fj_go went on top. */
struct big_arg { char pad[FJ_COPY_INLINE + 36]; };

static void big_nop(void *p)
{
    (void)p;
}

FJ_TASK(long, plus_one, long, n)
{
    return n + 1;
}

FJ_TASK(long, spawn_after_failed_copy, long, n)
{
    struct big_arg b;
    memset(&b, 0, sizeof b);
    fji_alloc_fail_after(1);
    int e = fj_go_copy(NULL, big_nop, &b, sizeof b);
    fji_alloc_fail_after(0);
    if (e != ENOMEM)
        return -1;
    FJ_SPAWN(plus_one, n);                      /* into the slot the copy left */
    cr_assert_eq(fj_go(NULL, count_idx, (void *)(intptr_t)0), 0);
    return FJ_SYNC(plus_one);
}

static void spawn_after_failed_copy_root(void *arg)
{
    *(long *)arg = spawn_after_failed_copy(41);
}

Test(alloc, a_typed_spawn_after_a_failed_go_copy_from_a_task_is_still_typed, .timeout = 60)
{
    reset_runs();
    fj_pool *p = make_pool(1);
    long r = 0;
    cr_assert_eq(fj_run(p, spawn_after_failed_copy_root, &r), 0);
    cr_assert_eq(r, 42);
    cr_assert_eq(fj_pool_destroy(p), 0);
    cr_assert_eq(atomic_load(&runs[0]), 1);
}

/* ---------------------------------------------- outside thread registration */

struct first_go { fj_pool *p; int first, second; };

static void *first_go_thread(void *arg)
{
    struct first_go *f = arg;
    fji_alloc_fail_after(1);            /* registration needs memory */
    f->first = fj_go(f->p, count_idx, (void *)(intptr_t)0);
    fji_alloc_fail_after(0);
    f->second = fj_go(f->p, count_idx, (void *)(intptr_t)1);
    return NULL;
}

Test(alloc, a_fresh_threads_first_go_returns_enomem_when_its_queue_cannot_be_made, .timeout = 60)
{
    reset_runs();
    fj_pool *p = make_pool(2);
    struct first_go f = { p, -1, -1 };
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, first_go_thread, &f), 0);
    cr_assert_eq(pthread_join(t, NULL), 0);
    cr_assert_eq(f.first, ENOMEM, "first fj_go returned %d", f.first);
    cr_assert_eq(f.second, 0, "the next fj_go registers and succeeds: %d", f.second);
    cr_assert_eq(fj_pool_destroy(p), 0);
    cr_assert_eq(atomic_load(&runs[0]), 0, "the refused task ran");
    cr_assert_eq(atomic_load(&runs[1]), 1);
}

/* Every allocation of a first submission failing in turn: the call returns
 * ENOMEM with nothing queued, or 0 and the task runs once. */
struct nth_go { fj_pool *p; uint64_t n; int e; };

static void *nth_go_thread(void *arg)
{
    struct nth_go *g = arg;
    fji_alloc_fail_after(g->n);
    g->e = fj_go(g->p, count_idx, (void *)(intptr_t)g->n);
    fji_alloc_fail_after(0);
    return NULL;
}

Test(alloc, a_first_submission_failing_at_any_allocation_queues_nothing, .timeout = 60)
{
    reset_runs();
    fj_pool *p = make_pool(2);
    int got[7] = { 0 };
    for (uint64_t n = 1; n <= 6; n++) {  /* each from a new thread: a new registration */
        struct nth_go g = { p, n, -1 };
        pthread_t t;
        cr_assert_eq(pthread_create(&t, NULL, nth_go_thread, &g), 0);
        cr_assert_eq(pthread_join(t, NULL), 0);
        cr_assert(g.e == 0 || g.e == ENOMEM, "allocation %llu failing: %d",
                  (unsigned long long)n, g.e);
        got[n] = g.e;
    }
    cr_assert_eq(got[1], ENOMEM, "the first allocation of a registration failing");
    cr_assert_eq(fj_pool_destroy(p), 0);            /* drains what was accepted */
    for (int n = 1; n <= 6; n++)
        cr_assert_eq(atomic_load(&runs[n]), got[n] == 0,
                     "allocation %d failing: fj_go returned %d, task ran %d times", n,
                     got[n], atomic_load(&runs[n]));
}

/* ------------------------------------------------------------- fj_reduce */

struct wide { uint64_t sum; uint64_t count; unsigned char pad[80]; };   /* 96 bytes */

_Static_assert(sizeof(struct wide) > FJ_REDUCE_INLINE, "wide is allocated per split");

static void wide_body(size_t lo, size_t hi, void *acc, void *arg)
{
    (void)arg;
    struct wide *w = acc;
    for (size_t i = lo; i < hi; i++)
        w->sum += i;
    w->count += hi - lo;
}

static void wide_combine(void *acc, const void *right, void *arg)
{
    (void)arg;
    struct wide *a = acc;
    const struct wide *b = right;
    a->sum += b->sum;
    a->count += b->count;
}

Test(alloc, reduce_with_a_wide_accumulator_returns_enomem_and_leaves_result_untouched,
     .timeout = 60)
{
    fj_pool *p = make_pool(2);
    struct wide id, res;
    memset(&id, 0, sizeof id);
    memset(&res, 0x5c, sizeof res);
    struct wide before = res;
    fji_alloc_fail_after(1);
    int e = fj_reduce(p, 0, 1000, 10, &res, sizeof res, &id, wide_body, wide_combine, NULL);
    fji_alloc_fail_after(0);
    cr_assert_eq(e, ENOMEM);
    cr_assert(memcmp(&res, &before, sizeof res) == 0, "*result changed on ENOMEM");

    /* Failing at the n-th allocation: the first ones may have succeeded
     * (identity copy, root accumulator, some splits). Either ENOMEM with
     * *result untouched, or the right answer; nothing leaks (ASan). */
    int succeeded = 0;
    for (uint64_t n = 2; n <= 400 && !succeeded; n++) {
        memset(&res, 0x5c, sizeof res);
        fji_alloc_fail_after(n);
        e = fj_reduce(p, 0, 1000, 10, &res, sizeof res, &id, wide_body, wide_combine, NULL);
        fji_alloc_fail_after(0);
        if (e == 0) {
            succeeded = 1;
            cr_assert_eq(res.sum, 1000ull * 999 / 2);
            cr_assert_eq(res.count, 1000);
        } else {
            cr_assert_eq(e, ENOMEM, "allocation %llu failing: %d", (unsigned long long)n, e);
            cr_assert(memcmp(&res, &before, sizeof res) == 0,
                      "*result changed on ENOMEM (allocation %llu)", (unsigned long long)n);
        }
    }
    cr_assert(succeeded, "fj_reduce needs fewer than 400 allocations for 127 splits");
    cr_assert_eq(fj_pool_destroy(p), 0);
}

static void narrow_body(size_t lo, size_t hi, void *acc, void *arg)
{
    (void)arg;
    for (size_t i = lo; i < hi; i++)
        *(uint64_t *)acc += i;
}

static void narrow_combine(void *acc, const void *right, void *arg)
{
    (void)arg;
    *(uint64_t *)acc += *(const uint64_t *)right;
}

struct reduce_in_task { int e; uint64_t r; };

static void narrow_reduce_task(void *arg)
{
    struct reduce_in_task *c = arg;
    uint64_t zero = 0;
    c->e = fj_reduce(NULL, 0, 100000, 0, &c->r, sizeof c->r, &zero, narrow_body,
                     narrow_combine, NULL);
}

Test(alloc, reduce_and_for_with_inline_accumulators_need_no_memory_inside_a_task,
     .timeout = 60)
{
    fj_pool *p = make_pool(3);
    struct reduce_in_task c = { -1, 0 };
    struct fib warm = { 3, 0 };
    cr_assert_eq(fj_run(p, fib_task, &warm), 0);     /* registers our queue */
    fji_alloc_fail_after(1);
    int e = fj_run(p, narrow_reduce_task, &c);
    fji_alloc_fail_after(0);
    cr_assert_eq(e, 0);
    cr_assert_eq(c.e, 0);
    cr_assert_eq(c.r, 100000ull * 99999 / 2);
    cr_assert_eq(fj_pool_destroy(p), 0);
}

/* ------------------------------------------- FORJA_FAIL_ALLOC, fresh process */

/* Run this binary in mode `mode` with FORJA_FAIL_ALLOC=fail_alloc; its
 * stdout in out, stderr left ours (support.h: run_self). */
static int child_status(const char *mode, const char *fail_alloc, char *out, size_t cap)
{
    char mode_var[64], fail_var[64];
    snprintf(mode_var, sizeof mode_var, "FORJA_ALLOC_CHILD=%s", mode);
    snprintf(fail_var, sizeof fail_var, "FORJA_FAIL_ALLOC=%s", fail_alloc);
    const char *const vars[] = { mode_var, fail_var, NULL };
    int status = run_self(vars, out, cap, NULL, 0);
    cr_assert_neq(status, -1, "%s: could not run the child", mode);
    return status;
}

static int child_main(const char *mode)
{
    if (!strcmp(mode, "create")) {
        int base = thread_count();
        fj_pool *p = NULL;
        fj_config c = { .workers = 2 };
        int e = fj_pool_create(&p, &c);
        if (e == 0)
            fj_pool_destroy(p);
        int left = settle_thread_count(base) - base;
        struct fib f = { 10, 0 };
        fib_task(&f);                   /* serial elision needs no memory */
        printf("create %d threads %d fib %ld default %u\n", e, left, f.r, fj_pool_size(NULL));
        return 0;
    }
    return 99;
}

int main(int argc, char *argv[])
{
    return suite_main(argc, argv, "FORJA_ALLOC_CHILD", child_main);
}

Test(alloc, forja_fail_alloc_in_a_forked_childs_environment_fails_create_from_the_nth_allocation,
     .timeout = 60)
{
    char out[256];
    int st = child_status("create", "1", out, sizeof out);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
    cr_assert_str_eq(out, "create 12 threads 0 fib 55 default 0\n");

    st = child_status("create", "3", out, sizeof out);    /* pool, workers, then a deque */
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
    cr_assert_str_eq(out, "create 12 threads 0 fib 55 default 0\n");

    st = child_status("create", "1000000", out, sizeof out);  /* far away: no effect */
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
    cr_assert(strncmp(out, "create 0 threads 0 fib 55 default ", 34) == 0, "got %s", out);

    st = child_status("create", "zero", out, sizeof out);     /* not a number: ignored */
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
    cr_assert(strncmp(out, "create 0 threads 0 fib 55 default ", 34) == 0, "got %s", out);
}
