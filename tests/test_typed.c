/* test_typed.c - typed fork-join tasks: FJ_TASK, FJ_SPAWN, FJ_SYNC, FJ_CALL
 * (forja.h; the fast path in include/forja/detail.h, the slow paths in
 * src/group.c).
 *
 *   results    fib against its closed form on 1-3 workers and outside any
 *              pool; void tasks with struct arguments; mutual recursion.
 *   paths      a child stolen and waited for; a request answered by the
 *              FJ_SPAWN that meets it; a full deque (children run at
 *              once, results kept on the thread's stack), mixed with queued
 *              ones; plain groups nested inside; fj_go and an in-task
 *              fj_wg_wait while a typed child is queued, waiting for that
 *              child or for a plain child below it (worker.c I5).
 *   misuse     in debug builds: FJ_SYNC of another task, FJ_SYNC without
 *              FJ_SPAWN, a body returning with an un-synced FJ_SPAWN, and a
 *              plain group synced across a typed spawn abort naming it.
 * Assertions run on the test thread only; tasks record what they saw. */
#define _GNU_SOURCE
#include <criterion/criterion.h>

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "forja.h"
#include "support.h"

/* ------------------------------------------------------------- results */

struct fib_job { int n; long r; };

static void tfib_root(void *p)
{
    struct fib_job *j = p;
    j->r = tfib(j->n);
}

Test(typed, fib_matches_the_closed_form_on_1_2_and_3_workers, .timeout = 60)
{
    for (unsigned w = 1; w <= 3; w++) {
        fj_pool *p = make_pool(w);
        for (int n = 0; n <= 24; n += 6) {
            struct fib_job j = { n, -1 };
            cr_assert_eq(fj_run(p, tfib_root, &j), 0);
            cr_assert_eq(j.r, fib_iter(n), "fib(%d) on %u workers", n, w);
        }
        drop_pool(p);
    }
}

Test(typed, outside_any_pool_every_spawn_runs_at_once)
{
    cr_assert_eq(tfib(18), fib_iter(18));
    cr_assert_eq(fj_worker_id(), -1);
}

/* A void task with a struct argument: adds 1 to a[lo, hi) by halves. */
struct span { long *a; size_t lo, hi; };

FJ_TASK_VOID(add_one, struct span, s)
{
    if (s.hi - s.lo <= 4) {
        for (size_t i = s.lo; i < s.hi; i++)
            s.a[i]++;
        return;
    }
    size_t mid = s.lo + (s.hi - s.lo) / 2;
    FJ_SPAWN(add_one, ((struct span){ s.a, s.lo, mid }));
    FJ_CALL(add_one, ((struct span){ s.a, mid, s.hi }));
    FJ_SYNC(add_one);
}

struct span_job { struct span s; };

static void add_one_root(void *p)
{
    add_one(((struct span_job *)p)->s);
}

Test(typed, void_tasks_with_struct_arguments_cover_every_index_once, .timeout = 60)
{
    enum { N = 10007 };
    long *a = calloc(N, sizeof *a);
    cr_assert_not_null(a);
    fj_pool *p = make_pool(2);
    for (int round = 1; round <= 3; round++) {
        struct span_job j = { { a, 0, N } };
        cr_assert_eq(fj_run(p, add_one_root, &j), 0);
        for (size_t i = 0; i < N; i++)
            cr_assert_eq(a[i], round, "a[%zu] after round %d", i, round);
    }
    drop_pool(p);
    free(a);
}

/* Mutual recursion through FJ_TASK_DECL: is_even(n) spawns is_odd(n - 1). */
FJ_TASK_DECL(int, is_odd, int);

FJ_TASK(int, is_even, int, n)
{
    if (n == 0)
        return 1;
    FJ_SPAWN(is_odd, n - 1);
    return FJ_SYNC(is_odd);
}

FJ_TASK(int, is_odd, int, n)
{
    if (n == 0)
        return 0;
    FJ_SPAWN(is_even, n - 1);
    return FJ_SYNC(is_even);
}

struct parity_job { int n, even; };

static void parity_root(void *p)
{
    struct parity_job *j = p;
    j->even = is_even(j->n);
}

Test(typed, mutually_recursive_tasks_declared_ahead, .timeout = 60)
{
    fj_pool *p = make_pool(2);
    for (int n = 0; n < 40; n += 7) {
        struct parity_job j = { n, -1 };
        cr_assert_eq(fj_run(p, parity_root, &j), 0);
        cr_assert_eq(j.even, n % 2 == 0, "is_even(%d)", n);
    }
    drop_pool(p);
}

/* --------------------------------------------------------------- paths */

/* Stolen: note_worker runs on a thief and says where; its parent spawns
 * and syncs tiny children above it until then, and each FJ_SPAWN serves a
 * thief's request by publishing the older half: note_worker. */
static atomic_int started;

FJ_TASK(int, note_worker, int, unused)
{
    (void)unused;
    atomic_store(&started, 1);
    return fj_worker_id() + 100;
}

FJ_TASK(int, tiny, int, x)
{
    return x + 1;
}

struct steal_seen { int parent, child, rounds, tiny_ok; };

FJ_TASK(struct steal_seen, steal_driver, int, unused)
{
    (void)unused;
    struct steal_seen s = { fj_worker_id(), -1, 0, 1 };
    atomic_store(&started, 0);
    FJ_SPAWN(note_worker, 0);
    while (!atomic_load(&started) && s.rounds < 50000000) {
        FJ_SPAWN(tiny, s.rounds);
        s.tiny_ok &= FJ_SYNC(tiny) == s.rounds + 1;
        s.rounds++;
    }
    s.child = FJ_SYNC(note_worker) - 100;
    return s;
}

struct steal_job { struct steal_seen s; };

static void steal_root(void *p)
{
    ((struct steal_job *)p)->s = steal_driver(0);
}

Test(typed, a_stolen_child_is_waited_for_and_its_result_read_back, .timeout = 60)
{
    fj_pool *p = make_pool(2);
    for (int i = 0; i < 20; i++) {
        struct steal_job j;
        cr_assert_eq(fj_run(p, steal_root, &j), 0);
        cr_assert(j.s.tiny_ok, "round %d: a tiny child returned a wrong result", i);
        cr_assert(j.s.parent >= 0 && j.s.parent < 2 && j.s.child >= 0 && j.s.child < 2,
                  "round %d: workers %d and %d", i, j.s.parent, j.s.child);
        cr_assert_neq(j.s.parent, j.s.child, "round %d: not stolen after %d rounds", i,
                      j.s.rounds);
    }
    drop_pool(p);
}

/* A request pending at an FJ_SPAWN is answered after its push, the new
 * child included (deque.c [D6]; detail.h name_fji_push_slow): the parent
 * spawns once, after the other worker asked, then only waits. */
static int asked_flag;

FJ_TASK(int, asked_child, int, unused)
{
    (void)unused;
    __atomic_store_n(&asked_flag, 1, __ATOMIC_RELEASE);
    return fj_worker_id();
}

FJ_TASK(struct answer_seen, asked_parent, int, unused)
{
    (void)unused;
    struct answer_seen s = { wait_until_asked(), 0, fj_worker_id(), -1 };
    FJ_SPAWN(asked_child, 0);
    s.ran = wait_for_flag(&asked_flag);     /* nothing more spawned meanwhile */
    s.child = FJ_SYNC(asked_child);
    return s;
}

static void asked_root(void *p)
{
    *(struct answer_seen *)p = asked_parent(0);
}

Test(typed, an_fj_spawn_answers_a_pending_request_with_the_child_it_pushes, .timeout = 60)
{
    expect_answered(asked_root, &asked_flag);       /* support.h */
}

/* A full deque: more un-synced spawns than slots (8192 per worker). The
 * children beyond run at once; FJ_SYNC takes results from queued slots and
 * from the thread's stack alike, newest first. */
enum { WIDE = 8192 + 1000 };

FJ_TASK(long, twice, long, i)
{
    return 2 * i;
}

FJ_TASK(long, wide, long, n)
{
    for (long i = 0; i < n; i++)
        FJ_SPAWN(twice, i);
    long sum = 0, bad = 0;
    for (long i = n - 1; i >= 0; i--) {
        long r = FJ_SYNC(twice);
        bad += r != 2 * i;                  /* newest first */
        sum += r;
    }
    return bad ? -bad : sum;
}

struct wide_job { long n, r; };

static void wide_root(void *p)
{
    struct wide_job *j = p;
    j->r = wide(j->n);
}

Test(typed, a_full_deque_runs_children_at_once_and_keeps_their_results, .timeout = 60)
{
    long want = (long)WIDE * (WIDE - 1);
    for (unsigned w = 1; w <= 2; w++) {
        fj_pool *p = make_pool(w);
        struct wide_job j = { WIDE, 0 };
        cr_assert_eq(fj_run(p, wide_root, &j), 0);
        cr_assert_eq(j.r, want, "%u workers: %ld (negative: that many out of order)", w, j.r);
        drop_pool(p);
    }
    cr_assert_eq(wide(3000), 3000L * 2999, "outside any pool");
}

/* Plain groups nest inside a typed spawn; a plain task calls a typed one. */
static void plain_fib(void *p)
{
    struct fib_job *j = p;
    j->r = tfib(j->n);                      /* typed, from a plain child */
}

FJ_TASK(long, mixed, int, n)
{
    FJ_SPAWN(tfib, n);
    struct fib_job a = { n - 1, 0 };
    struct fib b = { n - 2, 0 };
    fj_group g = FJ_GROUP_INIT;
    fj_spawn(&g, plain_fib, &a);
    fj_spawn(&g, fib_task, &b);             /* support.h: plain fork-join */
    fj_sync(&g);
    return FJ_SYNC(tfib) - a.r - b.r;       /* fib(n) - fib(n-1) - fib(n-2) */
}

struct mixed_job { int n; long r; };

static void mixed_root(void *p)
{
    struct mixed_job *j = p;
    j->r = mixed(j->n);
}

Test(typed, plain_groups_nest_inside_typed_spawns_and_call_typed_tasks, .timeout = 60)
{
    for (unsigned w = 1; w <= 3; w++) {
        fj_pool *p = make_pool(w);
        for (int n = 2; n <= 22; n += 5) {
            struct mixed_job j = { n, -1 };
            cr_assert_eq(fj_run(p, mixed_root, &j), 0);
            cr_assert_eq(j.r, 0, "n = %d on %u workers", n, w);
        }
        drop_pool(p);
    }
}

/* fj_go and an in-task fj_wg_wait while a typed child is queued: the goes
 * must not land above the typed slot, and the helping wait must not run
 * it (worker.c I5); FJ_SYNC then runs it, exactly once. */
static fj_wg go_wg = FJ_WG_INIT;
static atomic_long go_runs, counted_runs;

static void go_inc(void *p)
{
    (void)p;
    atomic_fetch_add(&go_runs, 1);
    fj_wg_done(&go_wg);
}

FJ_TASK(long, counted, long, x)
{
    atomic_fetch_add(&counted_runs, 1);
    return x * 3;
}

FJ_TASK(long, go_while_queued, int, gos)
{
    FJ_SPAWN(counted, 14);
    fj_wg_add(&go_wg, gos);
    for (int i = 0; i < gos; i++)
        if (fj_go(NULL, go_inc, NULL) != 0)
            return -1;
    FJ_SPAWN(tiny, 1);                      /* right above counted's slot */
    int t = FJ_SYNC(tiny);
    fj_wg_wait(&go_wg);                     /* helps: runs the goes */
    return FJ_SYNC(counted) + t - 2;
}

struct go_job { int gos; long r; };

static void go_root(void *p)
{
    struct go_job *j = p;
    j->r = go_while_queued(j->gos);
}

Test(typed, fj_go_and_a_helping_wait_leave_a_queued_typed_child_alone, .timeout = 60)
{
    for (unsigned w = 1; w <= 2; w++) {
        fj_pool *p = make_pool(w);
        atomic_store(&go_runs, 0);
        atomic_store(&counted_runs, 0);
        struct go_job j = { 300, 0 };
        cr_assert_eq(fj_run(p, go_root, &j), 0);
        cr_assert_eq(j.r, 42, "%u workers", w);
        cr_assert_eq(atomic_load(&go_runs), 300);
        cr_assert_eq(atomic_load(&counted_runs), 1, "the typed child ran %ld times",
                     atomic_load(&counted_runs));
        drop_pool(p);
    }
}

/* Found in review: a child run at once (deque full), then a helping wait
 * that pops an ancestor's plain child (so there is room again), then a
 * second FJ_SPAWN. That one must run at once too: the chain back to the
 * first goes through the per-thread result stack, not through the deque. */
enum { SLOTS = 8192 };
static fj_wg room_wg = FJ_WG_INIT;
static atomic_int room_armed;
static atomic_long room_plain_ran;

static void room_plain(void *a)
{
    (void)a;
    atomic_fetch_add(&room_plain_ran, 1);
    if (atomic_exchange(&room_armed, 0))
        fj_wg_done(&room_wg);
}

FJ_TASK(long, ten_times, long, n)
{
    return n * 10;
}

FJ_TASK(long, eager_then_room, int, unused)
{
    (void)unused;
    FJ_SPAWN(ten_times, 1);                 /* the deque is full: runs at once */
    fj_wg_add(&room_wg, 1);
    atomic_store(&room_armed, 1);
    fj_wg_wait(&room_wg);                   /* helps: pops the root's top child */
    FJ_SPAWN(ten_times, 2);                 /* room again, but the chain is eager */
    long b = FJ_SYNC(ten_times);
    long a = FJ_SYNC(ten_times);
    return b == 20 && a == 10 ? 1 : -(a * 1000 + b);
}

struct room_job { long r; };

static void room_root(void *p)
{
    struct room_job *j = p;
    fj_group g = FJ_GROUP_INIT;
    for (int i = 0; i < SLOTS; i++)
        fj_spawn(&g, room_plain, NULL);     /* fills the deque */
    j->r = eager_then_room(0);
    fj_sync(&g);
}

Test(typed, spawns_after_one_run_at_once_stay_on_the_result_stack, .timeout = 60)
{
    fj_pool *p = make_pool(1);
    struct room_job j = { 0 };
    atomic_store(&room_plain_ran, 0);
    cr_assert_eq(fj_run(p, room_root, &j), 0);
    cr_assert_eq(j.r, 1, "results %ld (a * 1000 + b, negated)", j.r);
    cr_assert_eq(atomic_load(&room_plain_ran), SLOTS);
    drop_pool(p);
}

/* Found in review: a helping wait with a typed child on top must not pop it
 * and sit on it (the waiter spun for ever). It publishes it for the other
 * workers; alone in its pool, it claims its own public slots from the
 * bottom as a thief would (worker.c I5). So a wait for the child itself
 * ends on one worker and on two. The child's result differs from its
 * argument, so a result not read back from the slot would show. */
static fj_wg child_wg = FJ_WG_INIT;

FJ_TASK(int, done_elsewhere, int, unused)
{
    (void)unused;
    int id = fj_worker_id();
    fj_wg_done(&child_wg);
    return id + 100;
}

FJ_TASK(int, wait_for_published, int, unused)
{
    (void)unused;
    fj_wg_add(&child_wg, 1);
    FJ_SPAWN(done_elsewhere, 0);
    fj_wg_wait(&child_wg);                  /* the child ran meanwhile */
    return FJ_SYNC(done_elsewhere);
}

struct pub_job { int ran_on; };

static void pub_root(void *p)
{
    ((struct pub_job *)p)->ran_on = wait_for_published(0);
}

Test(typed, a_wait_for_a_typed_child_ends_on_1_and_2_workers, .timeout = 60)
{
    for (unsigned w = 1; w <= 2; w++) {
        fj_pool *p = make_pool(w);
        for (int i = 0; i < 10; i++) {
            struct pub_job j = { -1 };
            cr_assert_eq(fj_run(p, pub_root, &j), 0);
            cr_assert(j.ran_on >= 100 && j.ran_on < 100 + (int)w,
                      "%u workers, round %d: the child returned %d", w, i, j.ran_on);
        }
        drop_pool(p);
    }
}

/* A wait for a plain child queued below a typed one: the helping wait cannot
 * pop through the typed slot, so on one worker it ends only because it
 * claims its own public slots from the bottom (it hung before that). */
static fj_wg below_wg = FJ_WG_INIT;
static atomic_int below_ran;

static void release_below(void *unused)
{
    (void)unused;
    atomic_fetch_add(&below_ran, 1);
    fj_wg_done(&below_wg);
}

FJ_TASK(int, above_it, int, x)
{
    return x + 1;
}

FJ_TASK(int, wait_below_typed, int, x)
{
    fj_group g = FJ_GROUP_INIT;
    fj_wg_add(&below_wg, 1);
    fj_spawn(&g, release_below, NULL);      /* queued first: below */
    FJ_SPAWN(above_it, x);                  /* the typed slot on top */
    fj_wg_wait(&below_wg);
    int r = FJ_SYNC(above_it);
    fj_sync(&g);
    return r;
}

struct below_job { int r; };

static void below_root(void *p)
{
    ((struct below_job *)p)->r = wait_below_typed(41);
}

Test(typed, a_wait_for_a_plain_child_below_a_typed_one_ends_on_1_and_2_workers, .timeout = 60)
{
    for (unsigned w = 1; w <= 2; w++) {
        fj_pool *p = make_pool(w);
        atomic_store(&below_ran, 0);
        for (int i = 0; i < 10; i++) {
            struct below_job j = { 0 };
            cr_assert_eq(fj_run(p, below_root, &j), 0);
            cr_assert_eq(j.r, 42, "%u workers, round %d", w, i);
        }
        cr_assert_eq(atomic_load(&below_ran), 10);
        drop_pool(p);
    }
}

/* Found in review of the own claims: with more than one worker a waiting
 * worker must leave its typed child, and what is queued below it, to the
 * others. Claimed by the waiter, the task runs on top of it, and both
 * programs below hung on two workers while they end when a thief runs it. */
static fj_wg cw_a = FJ_WG_INIT, cw_b = FJ_WG_INIT;

FJ_TASK(int, waits_for_parent, int, x)      /* needs the parent after its wait */
{
    fj_wg_done(&cw_a);
    fj_wg_wait(&cw_b);
    return x + 1;
}

FJ_TASK(int, parent_continues, int, x)
{
    fj_wg_add(&cw_a, 1);
    fj_wg_add(&cw_b, 1);
    FJ_SPAWN(waits_for_parent, x);
    fj_wg_wait(&cw_a);
    fj_wg_done(&cw_b);
    return FJ_SYNC(waits_for_parent);
}

static fj_wg older_c = FJ_WG_INIT, older_x = FJ_WG_INIT;

static void older_sibling(void *unused)     /* needs the caller after A */
{
    (void)unused;
    fj_wg_wait(&older_c);
}

FJ_TASK(int, releases_x, int, x)
{
    fj_wg_done(&older_x);
    return x + 1;
}

FJ_TASK(int, waits_for_own_child, int, x)
{
    fj_wg_add(&older_x, 1);
    FJ_SPAWN(releases_x, x);
    fj_wg_wait(&older_x);
    return FJ_SYNC(releases_x);
}

struct two_job { int a, b; };

static void two_root(void *p)
{
    struct two_job *j = p;
    j->a = parent_continues(41);
    fj_group g = FJ_GROUP_INIT;
    fj_wg_add(&older_c, 1);
    fj_spawn(&g, older_sibling, NULL);      /* older than A's typed child */
    j->b = waits_for_own_child(41);
    fj_wg_done(&older_c);
    fj_sync(&g);
}

Test(typed, on_two_workers_a_waiter_leaves_its_queued_tasks_to_the_other, .timeout = 60)
{
    fj_pool *p = make_pool(2);
    for (int i = 0; i < 200; i++) {
        struct two_job j = { 0, 0 };
        cr_assert_eq(fj_run(p, two_root, &j), 0);
        cr_assert(j.a == 42 && j.b == 42, "round %d: %d %d", i, j.a, j.b);
    }
    drop_pool(p);
}

/* -------------------------------------------------------------- misuse */

FJ_TASK(int, other, int, x)
{
    return x;
}

FJ_TASK(int, sync_wrong_name, int, x)
{
    FJ_SPAWN(tiny, x);
    return FJ_SYNC(other);
}

FJ_TASK(int, sync_without_spawn, int, x)
{
    (void)x;
    return FJ_SYNC(tiny);
}

FJ_TASK(int, leaves_a_spawn, int, x)
{
    FJ_SPAWN(tiny, x);
    return 0;
}

FJ_TASK(int, returns_unsynced_child, int, x)
{
    FJ_SPAWN(leaves_a_spawn, x);
    return FJ_SYNC(leaves_a_spawn);
}

static void nothing(void *p) { (void)p; }

FJ_TASK(int, group_across_typed, int, x)
{
    fj_group g = FJ_GROUP_INIT;
    fj_spawn(&g, nothing, NULL);
    FJ_SPAWN(tiny, x);
    fj_sync(&g);                            /* the typed spawn is above */
    return FJ_SYNC(tiny);
}

struct misuse_row { const char *what; int (*task)(int); const char *message; };

static int call_wrong_name(int x) { return sync_wrong_name(x); }
static int call_without_spawn(int x) { return sync_without_spawn(x); }
static int call_unsynced(int x) { return returns_unsynced_child(x); }
static int call_group_across(int x) { return group_across_typed(x); }

static const struct misuse_row misuse[] = {
    { "FJ_SYNC of another task", call_wrong_name, "FJ_SYNC(other)" },
    { "FJ_SYNC without FJ_SPAWN", call_without_spawn, "FJ_SYNC" },
    { "a child returning with an un-synced FJ_SPAWN", call_unsynced, "un-synced children" },
    { "fj_sync across a typed spawn", call_group_across, "an FJ_SPAWN made after this group" },
};

static void misuse_task(void *p)
{
    const struct misuse_row *row = p;
    (void)row->task(1);
}

static int misuse_child(const void *arg)
{
    fj_pool *p = NULL;
    fj_config c = { .workers = 1 };
    if (fj_pool_create(&p, &c) != 0)
        return 90;
    fj_run(p, misuse_task, (void *)arg);
    return 0;                               /* no abort */
}

Test(typed, misuse_aborts_a_forked_child_in_debug_builds_naming_the_mistake, .timeout = 120)
{
#ifdef NDEBUG
    cr_skip_test("release build: FJ_SYNC's pairing is checked in debug builds only");
#endif
    for (size_t i = 0; i < sizeof misuse / sizeof *misuse; i++)
        expect_abort(misuse[i].what, misuse_child, &misuse[i], misuse[i].message);
}
