/* soak.c - randomized soak driver: for as long as asked, several outside
 * threads run random mixtures of everything forja offers and check every
 * result: no task lost, none run twice, every sum right.
 *
 *   usage: soak [seconds [seed]]      defaults: SOAK_DEFAULT_SECONDS, a seed
 *                                     from the clock (printed, to replay)
 *
 * Each outside thread (SOAK_THREADS of them) loops over rounds; a round picks
 * one scenario and a target pool (the default pool, a shared 2-worker pool,
 * or a private pool created for the round and destroyed after it):
 *   tree     a random fork-join tree (fj_spawn into one or two groups per
 *            node, fj_sync, detached fj_go leaves joined by a wait group,
 *            waited for outside or inside the root task); every node counts
 *            its runs and returns its subtree checksum.
 *   ttree    the same tree as typed tasks (FJ_TASK / FJ_SPAWN / FJ_SYNC),
 *            its detached leaves sent above a typed slot; sometimes from
 *            outside any pool, where every FJ_SPAWN runs at once.
 *   burst    fj_go / fj_go_copy (inline and heap-sized copies, the local copy
 *            overwritten right after the call) from this outside thread,
 *            joined with fj_wg_wait outside the pool.
 *   nested   fj_run of a task that fj_go's children and waits inside the
 *            task; each child fj_go's grandchildren and waits for them too.
 *   for      fj_for over a random range and grain, from outside or from a
 *            task, sometimes with an fj_for inside the body; per-index
 *            counters.
 *   reduce   fj_reduce with a random grain: an 8-byte sum against the closed
 *            form, and a 96-byte accumulator (heap path) that checks that
 *            only adjacent ranges are combined, left first.
 *   cross    fj_run on the shared pool of a task that fj_run's a tree on the
 *            default pool (a worker blocking on another pool; never the
 *            other way round, which the API documents as a deadlock).
 *   drain    a private pool gets a burst of fj_go that nobody waits for,
 *            then fj_pool_destroy: destroy must run every accepted task.
 * A per-task counter is checked to be exactly 1 after each round; trees and
 * reductions also compare checksums with a serial computation.
 *
 * Before the random rounds, two deterministic regressions run, each in a
 * forked child (so an abort or a hang is reported and the soak goes on):
 * fj_sync waiting for a stolen child leapfrogs a task that (1) fj_go's a
 * detached task, or (2) waits inside on a wait group; see docs/testing.md
 * "Bugs these tests found" (fixed in 2a73690 and c0234fd).
 *
 * Output: one line at the end, "soak: ... tasks executed N ... failures F";
 * exit status 0 only if F is 0. A watchdog reports a round that makes no
 * progress for SOAK_HANG_SECONDS (a lost wake-up or a deadlock) and exits 3.
 * Plain main, so it also runs under ASan and TSan; tests/stress_soak.c is
 * the same driver with a 3-second default for ctest.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "forja.h"

#ifndef SOAK_DEFAULT_SECONDS
#define SOAK_DEFAULT_SECONDS 60
#endif
#define SOAK_THREADS 3
#ifndef SOAK_HANG_SECONDS
#define SOAK_HANG_SECONDS 120
#endif

#if defined(__SANITIZE_THREAD__)
#define SCALE 8                     /* TSan: ~10x slower, keep rounds short */
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SCALE 8
#endif
#endif
#ifndef SCALE
#define SCALE 1
#endif

static atomic_ulong tasks_run;      /* every task body this driver ran */
static atomic_ulong failures;
static atomic_ulong rounds_done;
static atomic_ulong progress;       /* bumped by every finished round */
static fj_pool *shared_pool;        /* 2 workers, lives for the whole run */

#define FAIL(...) fail(__FILE__, __LINE__, __VA_ARGS__)

static void fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(const char *file, int line, const char *fmt, ...)
{
    unsigned long n = atomic_fetch_add(&failures, 1);
    if (n >= 20)                    /* the first few tell the story */
        return;
    va_list ap;
    va_start(ap, fmt);
    flockfile(stderr);
    fprintf(stderr, "soak: FAILURE at %s:%d: ", file, line);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    funlockfile(stderr);
    va_end(ap);
}

/* ------------------------------------------------------------- randomness */

static uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

typedef struct { uint64_t s; } rng;

static uint64_t next(rng *r)
{
    r->s += 0x9e3779b97f4a7c15ull;
    return mix(r->s);
}

static size_t below(rng *r, size_t n)   /* uniform-ish in [0, n) */
{
    return n ? (size_t)(next(r) % n) : 0;
}

static void check_once(const atomic_uchar *c, size_t n, const char *what, uint64_t seed)
{
    size_t bad = 0, first = 0;
    for (size_t i = 0; i < n; i++)
        if (atomic_load_explicit(&c[i], memory_order_relaxed) != 1 && bad++ == 0)
            first = i;
    if (bad)
        FAIL("%s (round seed %#" PRIx64 "): %zu of %zu tasks did not run exactly once "
             "(first: #%zu ran %u times)", what, seed, bad, n, first,
             (unsigned)atomic_load(&c[first]));
}

/* ------------------------------------------------------------------ trees */

/* A tree built serially in preorder: node i has nkids children whose
 * indices are kid[i][0..nkids); its checksum is mix(seed ^ i) plus its
 * children's. The parallel walk must reproduce every sum and visit every
 * node once. */
#define FAN 4
typedef struct tree {
    size_t n;
    uint8_t *nkids;
    uint32_t (*kid)[FAN];
    uint8_t *flags;                 /* per node: bit 0 two groups, bit 1 a detached leaf */
    uint64_t *want;                 /* expected subtree sums */
    atomic_uchar *runs;
    atomic_uchar *leaf_runs;        /* detached leaves, one per node at most */
    fj_wg leaves;                   /* joins the detached leaves */
    uint64_t seed;
} tree;

static size_t build(tree *t, rng *r, size_t cap, int depth)
{
    size_t i = t->n++;
    t->nkids[i] = 0;
    t->flags[i] = (uint8_t)below(r, 4);
    size_t k = depth <= 0 ? 0 : below(r, FAN + 1);
    for (size_t c = 0; c < k && t->n < cap; c++) {
        t->kid[i][c] = (uint32_t)t->n;
        t->nkids[i]++;
        build(t, r, cap, depth - 1 - (int)below(r, 2));
    }
    return i;
}

static uint64_t sums(tree *t, size_t i)
{
    uint64_t s = mix(t->seed ^ i);
    for (size_t c = 0; c < t->nkids[i]; c++)
        s += sums(t, t->kid[i][c]);
    return t->want[i] = s;
}

static int tree_new(tree *t, rng *r, size_t cap)
{
    memset(t, 0, sizeof *t);
    t->nkids = malloc(cap);
    t->kid = malloc(cap * sizeof *t->kid);
    t->flags = malloc(cap);
    t->want = malloc(cap * sizeof *t->want);
    t->runs = calloc(cap, 1);
    t->leaf_runs = calloc(cap, 1);
    if (!t->nkids || !t->kid || !t->flags || !t->want || !t->runs || !t->leaf_runs)
        return -1;
    t->seed = next(r);
    build(t, r, cap, 3 + (int)below(r, 8));
    sums(t, 0);
    return 0;
}

static void tree_free(tree *t)
{
    free(t->nkids); free(t->kid); free(t->flags); free(t->want);
    free(t->runs); free(t->leaf_runs);
}

struct node { tree *t; size_t i; uint64_t sum; };

static void leaf_task(void *p)
{
    struct node *n = p;             /* a copy (fj_go_copy): n->i is the node */
    atomic_fetch_add_explicit(&n->t->leaf_runs[n->i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&tasks_run, 1, memory_order_relaxed);
    fj_wg_done(&n->t->leaves);
}

static void node_task(void *p)
{
    struct node *n = p;
    tree *t = n->t;
    size_t i = n->i;
    atomic_fetch_add_explicit(&t->runs[i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&tasks_run, 1, memory_order_relaxed);
    if (t->flags[i] & 2) {          /* a detached leaf, from inside a task */
        struct node leaf = { t, i, 0 };
        fj_wg_add(&t->leaves, 1);
        int e = fj_go_copy(NULL, leaf_task, &leaf, sizeof leaf);
        if (e) {
            FAIL("tree: fj_go_copy from a task returned %d", e);
            atomic_fetch_add(&t->leaf_runs[i], 1);  /* do not report it twice */
            fj_wg_done(&t->leaves);
        }
    }
    struct node kids[FAN];
    fj_group g0 = FJ_GROUP_INIT, g1 = FJ_GROUP_INIT;
    fj_group *g[2] = { &g0, &g1 };
    size_t k = t->nkids[i];
    for (size_t c = 0; c < k; c++) {
        kids[c] = (struct node){ t, t->kid[i][c], 0 };
        if (c + 1 == k && (t->flags[i] & 1))
            node_task(&kids[c]);    /* the last child inline */
        else
            fj_spawn(g[(t->flags[i] & 1) ? c & 1 : 0], node_task, &kids[c]);
    }
    fj_sync(g[1]);
    fj_sync(g[0]);
    uint64_t s = mix(t->seed ^ i);
    for (size_t c = 0; c < k; c++)
        s += kids[c].sum;
    n->sum = s;
}

static void tree_check(tree *t, struct node *root, const char *what)
{
    if (root->sum != t->want[0])
        FAIL("%s: tree checksum %#" PRIx64 ", want %#" PRIx64 " (%zu nodes, seed %#" PRIx64 ")",
             what, root->sum, t->want[0], t->n, t->seed);
    check_once(t->runs, t->n, what, t->seed);
    for (size_t i = 0; i < t->n; i++)
        if (atomic_load(&t->leaf_runs[i]) != ((t->flags[i] & 2) ? 1 : 0)) {
            FAIL("%s: detached leaf of node %zu ran %u times", what, i,
                 (unsigned)atomic_load(&t->leaf_runs[i]));
            break;
        }
}

struct tree_root { tree *t; struct node root; int wait_inside; };

static void tree_root_task(void *p)
{
    struct tree_root *r = p;
    node_task(&r->root);
    if (r->wait_inside)
        fj_wg_wait(&r->t->leaves);  /* an in-task wait */
}

static void scenario_tree(fj_pool *pool, rng *r)
{
    tree t;
    if (tree_new(&t, r, 1 + below(r, 20000 / SCALE))) {
        FAIL("tree: out of memory");
        tree_free(&t);
        return;
    }
    struct tree_root root = { &t, { &t, 0, 0 }, (int)below(r, 2) };
    int e = fj_run(pool, tree_root_task, &root);
    if (e)
        FAIL("tree: fj_run returned %d", e);
    fj_wg_wait(&t.leaves);          /* outside (a no-op if waited inside) */
    if (!e)
        tree_check(&t, &root.root, "tree");
    tree_free(&t);
}

/* The same tree as typed tasks (FJ_TASK): children by FJ_SPAWN (the last
 * one by FJ_CALL when flag bit 0 is set), results by FJ_SYNC newest first;
 * a detached leaf goes out after the spawns, above a typed slot (worker.c
 * I5), so it takes the injection queue. Outside any pool every FJ_SPAWN
 * runs at once. */
struct tnode_arg { tree *t; size_t i; };

FJ_TASK(uint64_t, tnode, struct tnode_arg, a)
{
    tree *t = a.t;
    size_t i = a.i, k = t->nkids[i], spawned = 0;
    atomic_fetch_add_explicit(&t->runs[i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&tasks_run, 1, memory_order_relaxed);
    uint64_t s = mix(t->seed ^ i);
    for (size_t c = 0; c < k; c++) {
        struct tnode_arg kid = { t, t->kid[i][c] };
        if (c + 1 == k && (t->flags[i] & 1)) {
            s += FJ_CALL(tnode, kid);
        } else {
            FJ_SPAWN(tnode, kid);
            spawned++;
        }
    }
    if (t->flags[i] & 2) {
        struct node leaf = { t, i, 0 };
        fj_wg_add(&t->leaves, 1);
        int e = fj_go_copy(NULL, leaf_task, &leaf, sizeof leaf);
        if (e) {
            FAIL("typed tree: fj_go_copy from a task returned %d", e);
            atomic_fetch_add(&t->leaf_runs[i], 1);
            fj_wg_done(&t->leaves);
        }
    }
    while (spawned-- > 0)
        s += FJ_SYNC(tnode);
    return s;
}

static void ttree_root_task(void *p)
{
    struct tree_root *r = p;
    r->root.sum = tnode((struct tnode_arg){ r->t, 0 });
    if (r->wait_inside)
        fj_wg_wait(&r->t->leaves);  /* in-task wait, typed slots done by now */
}

static void scenario_ttree(fj_pool *pool, rng *r)
{
    tree t;
    if (tree_new(&t, r, 1 + below(r, 20000 / SCALE))) {
        FAIL("typed tree: out of memory");
        tree_free(&t);
        return;
    }
    struct tree_root root = { &t, { &t, 0, 0 }, (int)below(r, 2) };
    int e = 0;
    if (below(r, 8) == 0)           /* outside any pool: all at once */
        root.root.sum = tnode((struct tnode_arg){ &t, 0 });
    else if ((e = fj_run(pool, ttree_root_task, &root)) != 0)
        FAIL("typed tree: fj_run returned %d", e);
    fj_wg_wait(&t.leaves);
    if (!e)
        tree_check(&t, &root.root, "typed tree");
    tree_free(&t);
}

/* The same tree walked with fj_spawn from outside any pool: serial elision. */
static void scenario_tree_outside(rng *r)
{
    tree t;
    if (tree_new(&t, r, 1 + below(r, 2000))) {
        FAIL("tree outside: out of memory");
        tree_free(&t);
        return;
    }
    for (size_t i = 0; i < t.n; i++)
        t.flags[i] &= 1;            /* no detached leaves: they need a pool */
    struct node root = { &t, 0, 0 };
    node_task(&root);
    tree_check(&t, &root, "tree outside a pool");
    tree_free(&t);
}

/* ------------------------------------------------------------------ burst */

struct item {
    size_t idx;
    uint64_t canary;
    atomic_uchar *ran;
    fj_wg *wg;
    unsigned char pad[72];          /* used in heap-sized copies (> 64 bytes) */
};

static uint64_t canary_of(size_t i) { return mix(i * 0x51ed27u + 7); }

static void item_task(void *p)
{
    struct item *it = p;
    if (it->canary != canary_of(it->idx))
        FAIL("burst: task %zu got a corrupt argument", it->idx);
    else
        atomic_fetch_add_explicit(&it->ran[it->idx], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&tasks_run, 1, memory_order_relaxed);
    if (it->wg)
        fj_wg_done(it->wg);
}

/* Submit n tasks with fj_go or fj_go_copy; *wg (or nothing) counts them. */
static size_t submit_burst(fj_pool *pool, rng *r, struct item *items, atomic_uchar *ran,
                           size_t n, fj_wg *wg)
{
    struct item local;
    for (size_t i = 0; i < n; i++) {
        int how = (int)below(r, 3);
        if (wg)
            fj_wg_add(wg, 1);
        int e;
        if (how == 0) {
            items[i] = (struct item){ i, canary_of(i), ran, wg, {0} };
            e = fj_go(pool, item_task, &items[i]);
        } else {
            local = (struct item){ i, canary_of(i), ran, wg, {0} };
            e = fj_go_copy(pool, item_task, &local,
                           how == 1 ? offsetof(struct item, pad) : sizeof local);
            memset(&local, 0xa5, sizeof local);   /* the copy was made already */
        }
        if (e) {
            FAIL("burst: submit %zu returned %d", i, e);
            atomic_fetch_add(&ran[i], 1);
            if (wg)
                fj_wg_done(wg);
        }
    }
    return n;
}

static void scenario_burst(fj_pool *pool, rng *r)
{
    size_t n = 1 + below(r, 4000 / SCALE);
    struct item *items = malloc(n * sizeof *items);
    atomic_uchar *ran = calloc(n, 1);
    fj_wg wg = FJ_WG_INIT;
    if (!items || !ran) {
        FAIL("burst: out of memory");
    } else {
        submit_burst(pool, r, items, ran, n, &wg);
        fj_wg_wait(&wg);            /* outside any pool: spins, then futex */
        check_once(ran, n, "burst", r->s);
    }
    free(items);
    free(ran);
}

/* --------------------------------------------------------- nested waits */

struct nest {
    size_t kids, grandkids;
    atomic_uchar *ran;              /* kids * (1 + grandkids) */
};
struct nest_kid { struct nest *n; size_t k; fj_wg *parent; };
struct nest_gk { struct nest *n; size_t slot; fj_wg *wg; };

static void nest_grandkid(void *p)
{
    struct nest_gk *g = p;
    atomic_fetch_add_explicit(&g->n->ran[g->slot], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&tasks_run, 1, memory_order_relaxed);
    fj_wg_done(g->wg);
}

static void nest_kid(void *p)
{
    struct nest_kid *c = p;
    struct nest *n = c->n;
    size_t base = c->k * (1 + n->grandkids);
    atomic_fetch_add_explicit(&n->ran[base], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&tasks_run, 1, memory_order_relaxed);
    fj_wg wg = FJ_WG_INIT;          /* on this task's stack: wg.c's Go rule */
    struct nest_gk gk[8];
    for (size_t j = 0; j < n->grandkids; j++) {
        gk[j] = (struct nest_gk){ n, base + 1 + j, &wg };
        fj_wg_add(&wg, 1);
        int e = fj_go(NULL, nest_grandkid, &gk[j]);
        if (e) {
            FAIL("nested: grandchild fj_go returned %d", e);
            atomic_fetch_add(&n->ran[base + 1 + j], 1);
            fj_wg_done(&wg);
        }
    }
    fj_wg_wait(&wg);                /* in-task wait: helps, may park */
    fj_wg_done(c->parent);
}

static void nest_root(void *p)
{
    struct nest *n = p;
    fj_wg wg = FJ_WG_INIT;
    struct nest_kid *kids = malloc(n->kids * sizeof *kids);
    if (!kids) {
        FAIL("nested: out of memory");
        return;
    }
    for (size_t k = 0; k < n->kids; k++) {
        kids[k] = (struct nest_kid){ n, k, &wg };
        fj_wg_add(&wg, 1);
        int e = fj_go(NULL, nest_kid, &kids[k]);
        if (e) {
            FAIL("nested: child fj_go returned %d", e);
            for (size_t j = 0; j <= n->grandkids; j++)
                atomic_fetch_add(&n->ran[k * (1 + n->grandkids) + j], 1);
            fj_wg_done(&wg);
        }
    }
    fj_wg_wait(&wg);
    free(kids);
}

static void scenario_nested(fj_pool *pool, rng *r)
{
    struct nest n = { 1 + below(r, 200 / SCALE + 1), below(r, 9), NULL };
    size_t total = n.kids * (1 + n.grandkids);
    n.ran = calloc(total, 1);
    if (!n.ran) {
        FAIL("nested: out of memory");
        return;
    }
    int e = fj_run(pool, nest_root, &n);
    if (e)
        FAIL("nested: fj_run returned %d", e);
    else
        check_once(n.ran, total, "nested waits", r->s);
    free(n.ran);
}

/* -------------------------------------------------------------------- for */

struct loop { atomic_uchar *ran; size_t begin, end, grain; int nest; atomic_ulong calls; };

static void inner_body(size_t lo, size_t hi, void *arg)
{
    atomic_fetch_add_explicit((atomic_ulong *)arg, hi - lo, memory_order_relaxed);
}

static void loop_body(size_t lo, size_t hi, void *arg)
{
    struct loop *L = arg;
    if (lo >= hi || lo < L->begin || hi > L->end)
        FAIL("for: body got [%zu, %zu) outside [%zu, %zu)", lo, hi, L->begin, L->end);
    if (L->grain && hi - lo > L->grain)
        FAIL("for: body got %zu iterations, grain %zu", hi - lo, L->grain);
    for (size_t i = lo; i < hi && i < L->end; i++)
        atomic_fetch_add_explicit(&L->ran[i - L->begin], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&L->calls, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&tasks_run, 1, memory_order_relaxed);
    if (L->nest && lo % 7 == 0) {   /* a loop inside a loop body */
        atomic_ulong covered = 0;
        int e = fj_for(NULL, 0, 100, 0, inner_body, &covered);
        if (e || atomic_load(&covered) != 100)
            FAIL("for: nested fj_for returned %d, covered %lu of 100", e,
                 atomic_load(&covered));
    }
}

struct loop_call { fj_pool *pool; struct loop *L; int e; };

static void loop_in_task(void *p)
{
    struct loop_call *c = p;
    c->e = fj_for(NULL, c->L->begin, c->L->end, c->L->grain, loop_body, c->L);
}

static void scenario_for(fj_pool *pool, rng *r)
{
    size_t n = below(r, 200000 / SCALE);
    static const size_t grains[] = { 0, 0, 1, 3, 64, 1000 };
    struct loop L = { NULL, 0, 0, grains[below(r, 6)], (int)below(r, 4) == 0, 0 };
    L.begin = below(r, 2) ? 0 : (size_t)next(r) % ((size_t)1 << 40);
    L.end = L.begin + n;
    if (L.grain == 1000)
        L.grain = 1 + below(r, 5000);
    L.ran = calloc(n ? n : 1, 1);
    if (!L.ran) {
        FAIL("for: out of memory");
        return;
    }
    int e;
    if (below(r, 2)) {
        e = fj_for(pool, L.begin, L.end, L.grain, loop_body, &L);
    } else {
        struct loop_call c = { pool, &L, 0 };
        e = fj_run(pool, loop_in_task, &c);
        if (!e)
            e = c.e;
    }
    if (e)
        FAIL("for: returned %d", e);
    else
        check_once(L.ran, n, "for", r->s);
    free(L.ran);
}

/* ----------------------------------------------------------------- reduce */

static void sq_body(size_t lo, size_t hi, void *acc, void *arg)
{
    (void)arg;
    uint64_t s = 0;
    for (size_t i = lo; i < hi; i++)
        s += (uint64_t)i * i;
    *(uint64_t *)acc += s;
    atomic_fetch_add_explicit(&tasks_run, 1, memory_order_relaxed);
}

static void sq_combine(void *acc, const void *right, void *arg)
{
    (void)arg;
    *(uint64_t *)acc += *(const uint64_t *)right;
}

/* 96 bytes: fj_reduce allocates these per split (FJ_REDUCE_INLINE is 64). */
struct span {
    uint64_t first, last, count, sum;   /* first == UINT64_MAX: empty */
    uint64_t bad;
    unsigned char pad[56];
};

static void span_body(size_t lo, size_t hi, void *acc, void *arg)
{
    (void)arg;
    struct span *s = acc;
    if (s->first == UINT64_MAX)
        s->first = lo;
    else if (s->last + 1 != lo)
        s->bad++;                   /* a body call not adjacent to the last */
    s->last = hi - 1;
    s->count += hi - lo;
    for (size_t i = lo; i < hi; i++)
        s->sum += i;
    atomic_fetch_add_explicit(&tasks_run, 1, memory_order_relaxed);
}

static void span_combine(void *acc, const void *right, void *arg)
{
    (void)arg;
    struct span *a = acc;
    const struct span *b = right;
    a->bad += b->bad;
    if (b->first == UINT64_MAX)
        return;
    if (a->first == UINT64_MAX) {
        *a = *b;
        return;
    }
    if (a->last + 1 != b->first)
        a->bad++;                   /* combined out of order */
    a->last = b->last;
    a->count += b->count;
    a->sum += b->sum;
}

static void scenario_reduce(fj_pool *pool, rng *r)
{
    size_t n = below(r, 300000 / SCALE);
    size_t b = below(r, 1000);
    static const size_t grains[] = { 0, 0, 1, 17, 4096 };
    size_t grain = grains[below(r, 5)];
    uint64_t zero = 0, got = 1;
    int e = fj_reduce(pool, b, b + n, grain, &got, sizeof got, &zero, sq_body, sq_combine, NULL);
    uint64_t want = 0;
    for (size_t i = b; i < b + n; i++)
        want += (uint64_t)i * i;
    if (e || got != want)
        FAIL("reduce: returned %d, sum %#" PRIx64 ", want %#" PRIx64 " (n %zu grain %zu)",
             e, got, want, n, grain);

    struct span id = { UINT64_MAX, 0, 0, 0, 0, {0} }, s;
    memset(&s, 0x5a, sizeof s);
    e = fj_reduce(pool, b, b + n, grain, &s, sizeof s, &id, span_body, span_combine, NULL);
    if (e)
        FAIL("reduce 96-byte: returned %d", e);
    else if (n == 0 ? s.first != UINT64_MAX
                    : (s.bad || s.first != b || s.last != b + n - 1 || s.count != n ||
                       s.sum != (uint64_t)(b + b + n - 1) * n / 2))
        FAIL("reduce 96-byte: bad %" PRIu64 " first %" PRIu64 " last %" PRIu64 " count %"
             PRIu64 " (n %zu grain %zu)", s.bad, s.first, s.last, s.count, n, grain);
}

/* ---------------------------------------------------------- cross-pool */

struct cross { rng r; fj_pool *inner; };

static void cross_task(void *p)
{
    struct cross *c = p;
    /* A worker of the shared pool blocks in fj_run on another pool, then
     * waits inside its task for that pool's detached tasks. */
    scenario_tree(c->inner, &c->r);
}

static void scenario_cross(rng *r)
{
    struct cross c = { { next(r) }, NULL };
    fj_config cfg = { .workers = 1 + (unsigned)below(r, 2) };
    int e = fj_pool_create(&c.inner, &cfg);
    if (e) {
        FAIL("cross: fj_pool_create returned %d", e);
        return;
    }
    if ((e = fj_run(shared_pool, cross_task, &c)) != 0)
        FAIL("cross: fj_run returned %d", e);
    if ((e = fj_pool_destroy(c.inner)) != 0)
        FAIL("cross: fj_pool_destroy returned %d", e);
}

/* ---------------------------------------------------------------- drain */

static void scenario_drain(rng *r)
{
    fj_pool *p = NULL;
    fj_config cfg = { .workers = 1 + (unsigned)below(r, 3), .pin = (int)below(r, 2) };
    int e = fj_pool_create(&p, &cfg);
    if (e) {
        FAIL("drain: fj_pool_create returned %d", e);
        return;
    }
    size_t n = below(r, 3000 / SCALE);
    struct item *items = malloc((n ? n : 1) * sizeof *items);
    atomic_uchar *ran = calloc(n ? n : 1, 1);
    if (!items || !ran)
        FAIL("drain: out of memory");
    else
        submit_burst(p, r, items, ran, n, NULL);    /* nobody waits... */
    if ((e = fj_pool_destroy(p)) != 0)                /* ...but destroy drains */
        FAIL("drain: fj_pool_destroy returned %d", e);
    if (items && ran)
        check_once(ran, n, "drain at destroy", r->s);
    free(items);
    free(ran);
}

/* ---------------------------------------------- leapfrog regressions */

/* P spawns C and gets it stolen by the pool's other worker B; P's fj_sync
 * then waits for C and leapfrogs: it steals D from B's deque (C launched it
 * with fj_go) and runs it on top of the waiting sync. D then either
 *   1. fj_go's E, which stays in P's worker's deque above C's slot, or
 *   2. waits inside itself on a wait group released from outside after C
 *      has finished.
 * Correct: P returns, E runs once, nothing hangs. */
static atomic_int lf_c_started, lf_d_done, lf_c_returned, lf_e_runs, lf_variant;
static fj_wg lf_wg;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void lf_noop(void *p) { (void)p; }
static void lf_e(void *p) { (void)p; atomic_fetch_add(&lf_e_runs, 1); }

static void lf_d(void *p)
{
    (void)p;
    if (atomic_load(&lf_variant) == 1) {
        if (fj_go(NULL, lf_e, NULL) != 0)
            atomic_fetch_add(&lf_e_runs, 100);
        atomic_store(&lf_d_done, 1);
    } else {
        fj_wg_add(&lf_wg, 1);
        atomic_store(&lf_d_done, 1);
        fj_wg_wait(&lf_wg);           /* in-task wait, on top of P's sync */
    }
}

static void lf_c(void *p)
{
    (void)p;
    atomic_store(&lf_c_started, 1);
    if (fj_go(NULL, lf_d, NULL) != 0)
        return;
    double t = now_s();
    while (!atomic_load(&lf_d_done) && now_s() - t < 5)
        sched_yield();                /* until P's worker has leapfrogged D */
    atomic_store(&lf_c_returned, 1);
}

static void lf_p(void *p)
{
    (void)p;
    fj_group g = FJ_GROUP_INIT;
    fj_spawn(&g, lf_c, NULL);
    double t = now_s();
    while (!atomic_load(&lf_c_started) && now_s() - t < 5) {
        fj_group g2 = FJ_GROUP_INIT;  /* each spawn answers B's steal request */
        fj_spawn(&g2, lf_noop, NULL);
        fj_sync(&g2);
    }
    fj_sync(&g);
}

static void *lf_release(void *p)
{
    fj_pool *pool = p;
    while (!atomic_load(&lf_c_returned))
        sched_yield();
    usleep(20000);                    /* C's slot is DONE by now */
    for (int i = 0; i < 8; i++) {     /* wake D's worker: its help loop looks */
        fj_go(pool, lf_noop, NULL);   /* at its own deque first (pop_own) */
        usleep(5000);
    }
    usleep(20000);
    fj_wg_done(&lf_wg);
    return NULL;
}

static int lf_child(int variant)
{
    atomic_store(&lf_variant, variant);
    fj_pool *p;
    fj_config cfg = { .workers = 2 };
    if (fj_pool_create(&p, &cfg))
        return 2;
    pthread_t rel;
    if (variant == 2)
        pthread_create(&rel, NULL, lf_release, p);
    int e = fj_run(p, lf_p, NULL);
    if (variant == 2)
        pthread_join(rel, NULL);
    fj_pool_destroy(p);               /* drains E */
    if (e || (variant == 1 && atomic_load(&lf_e_runs) != 1)) {
        fprintf(stderr, "soak: leapfrog %d: fj_run %d, E ran %d times\n", variant, e,
                atomic_load(&lf_e_runs));
        return 1;
    }
    return 0;
}

/* Run each regression in a child process; 20 s without an exit is a hang. */
static void leapfrog_regressions(void)
{
    static const char *what[] = { "",
        "fj_sync leapfrogs a task that fj_go's (group.c wait_stolen, deque.c drop_stolen)",
        "fj_sync leapfrogs a task that waits inside (group.c wait_stolen, worker.c pop_own)" };
    for (int v = 1; v <= 2; v++) {
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0)
            _exit(lf_child(v));
        if (pid < 0) {
            FAIL("leapfrog %d: fork failed", v);
            continue;
        }
        int status = 0;
        double t = now_s();
        while (waitpid(pid, &status, WNOHANG) == 0) {
            if (now_s() - t > 20) {
                kill(pid, SIGKILL);
                waitpid(pid, &status, 0);
                FAIL("leapfrog regression %d HANGS: %s", v, what[v]);
                status = 0;
                break;
            }
            usleep(10000);
        }
        if (WIFSIGNALED(status))
            FAIL("leapfrog regression %d died of signal %d: %s", v, WTERMSIG(status), what[v]);
        else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
            FAIL("leapfrog regression %d failed (status %d): %s", v, WEXITSTATUS(status),
                 what[v]);
    }
}

/* --------------------------------------------------------------- rounds */

static struct timespec t0;
static double seconds_wanted;

static double elapsed(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) * 1e-9;
}

static void one_round(rng *r)
{
    /* the target: default pool, shared pool, or a private pool */
    fj_pool *priv = NULL, *pool;
    switch (below(r, 4)) {
    case 0: case 1: pool = NULL; break;
    case 2: pool = shared_pool; break;
    default: {
        fj_config cfg = { .workers = 1 + (unsigned)below(r, 3) };
        int e = fj_pool_create(&priv, &cfg);
        if (e) {
            FAIL("fj_pool_create returned %d", e);
            return;
        }
        pool = priv;
    }
    }
    switch (below(r, 10)) {
    case 0: case 1: scenario_tree(pool, r); break;
    case 9: scenario_ttree(pool, r); break;
    case 2: scenario_burst(pool, r); break;
    case 3: scenario_nested(pool, r); break;
    case 4: scenario_for(pool, r); break;
    case 5: scenario_reduce(pool, r); break;
    case 6: scenario_cross(r); break;
    case 7: scenario_drain(r); break;
    default: scenario_tree_outside(r); break;
    }
    if (priv) {
        int e = fj_pool_destroy(priv);
        if (e)
            FAIL("fj_pool_destroy returned %d", e);
    }
}

static void *soaker(void *arg)
{
    rng r = { (uint64_t)(uintptr_t)arg };
    while (elapsed() < seconds_wanted) {
        rng round = { next(&r) };   /* each round replayable from its seed */
        one_round(&round);
        atomic_fetch_add(&rounds_done, 1);
        atomic_fetch_add(&progress, 1);
    }
    return NULL;
}

static void *watchdog(void *arg)
{
    (void)arg;
    unsigned long last = (unsigned long)-1;
    int still = 0;
    for (;;) {
        sleep(1);
        unsigned long now = atomic_load(&progress);
        still = now == last ? still + 1 : 0;
        last = now;
        if (still >= SOAK_HANG_SECONDS) {
            fprintf(stderr, "soak: HANG: no round finished for %d s (tasks executed %lu)\n",
                    SOAK_HANG_SECONDS, atomic_load(&tasks_run));
            _exit(3);
        }
    }
    return NULL;
}

int main(int argc, char *argv[])
{
    seconds_wanted = argc > 1 ? atof(argv[1]) : SOAK_DEFAULT_SECONDS;
    uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : (uint64_t)time(NULL);
    if (seconds_wanted < 0) {
        fprintf(stderr, "usage: %s [seconds [seed]]\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    leapfrog_regressions();           /* before any thread or pool exists */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    printf("soak: %.0f s, seed %" PRIu64 ", %d threads, %u default workers\n",
           seconds_wanted, seed, SOAK_THREADS, fj_pool_size(NULL));

    fj_config cfg = { .workers = 2 };
    if (fj_pool_create(&shared_pool, &cfg) != 0) {
        fprintf(stderr, "soak: cannot create the shared pool\n");
        return 2;
    }
    pthread_t dog, th[SOAK_THREADS];
    pthread_create(&dog, NULL, watchdog, NULL);
    pthread_detach(dog);
    for (int i = 0; i < SOAK_THREADS; i++)
        pthread_create(&th[i], NULL, soaker, (void *)(uintptr_t)mix(seed + (uint64_t)i));
    for (int i = 0; i < SOAK_THREADS; i++)
        pthread_join(th[i], NULL);
    if (fj_pool_destroy(shared_pool) != 0)
        FAIL("destroying the shared pool failed");

    fj_stats st;
    fj_pool_stats(NULL, &st);
    unsigned long f = atomic_load(&failures);
    printf("soak: %.1f s, seed %" PRIu64 ": rounds %lu, tasks executed %lu, "
           "default pool steals %" PRIu64 " sleeps %" PRIu64 ", failures %lu\n",
           elapsed(), seed, atomic_load(&rounds_done), atomic_load(&tasks_run),
           st.steals, st.sleeps, f);
    return f == 0 ? 0 : 1;
}
