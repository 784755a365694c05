/* pool.c - a pool's life: configuration, starting workers, the default pool,
 * destroy (drain, join, free), exit and fork.
 *
 * Create: resolve the worker count (cfg, then $FORJA_WORKERS, then the CPUs
 * of the affinity mask), allocate the pool and its workers (each worker on
 * its own cache lines), start the threads. A failure at any step undoes the
 * earlier ones: threads already started are told to exit and joined.
 *
 * Destroy, in order:
 *   1. refuse from one of the pool's own tasks (EDEADLK: it would wait for
 *      itself); refuse NULL (the default pool belongs to the process);
 *   2. set CLOSING (sleep.c): from now on submissions return ECANCELED;
 *   3. wait until no outside submitter is inside a push (inject.c [J3]), so
 *      no new record can appear after this point;
 *   4. let the workers leave [P1]: each drains its deque and the injection
 *      queues, helping the others, and exits once every worker is idle in
 *      the drain with no work visible anywhere [P3]; join them;
 *   5. free.
 * Every task accepted before step 2 runs (I1 of go.c); so do the tasks those
 * tasks spawn (their parents sync them before returning).
 *
 * The default pool is created by the first call that needs it (under a
 * mutex, published with a release store, read with an acquire load) and
 * destroyed by an atexit handler, so `go speak("Hello")` style programs
 * print even without a final wait. exit() from inside one of its tasks skips
 * the drain (it would wait for itself). After the drain, NULL from outside a
 * pool is ECANCELED: a handler that runs after ours (registered earlier, or
 * a C++ static destructor) used to create a second default pool that no
 * handler drained, and its tasks never ran (found in review). After fork(),
 * the child has none of the parent's worker threads: a pthread_atfork child
 * handler forgets the default pool (the child creates a fresh one on first
 * use) and the calling thread's worker identity; pools the parent created
 * must not be used in the child.
 *
 * Debug builds (no NDEBUG) keep a registry of live pools, so destroying a
 * pool twice or using it after destroy returned aborts with a message
 * instead of touching freed memory.
 *
 * Orderings
 *   [P1] exit_ok: destroy's release store after step 3 <-> the workers'
 *        acquire load (worker.c exit_ok): a worker that leaves its loop sees
 *        every record pushed before step 3 ended.
 *   [P2] the default pool pointer: release store after creation <-> acquire
 *        load in fji_pool_resolve.
 *   [P3] drained (worker.c drain): idle workers (bits 0-31), a version
 *        (bits 32-62) and DONE (bit 63). A worker in the drain adds one
 *        (seq-cst RMW) once it holds no task and its deque is empty; before
 *        it takes work again it takes one off and bumps the version (CAS). A
 *        worker that reads (acquire) idle == size and then sees no work
 *        sets DONE with a CAS from exactly the value it read, and everyone
 *        leaves. Reading size means reading every worker's add, each after
 *        everything that worker's tasks published, so no published work is
 *        missed; the CAS fails if anyone went busy since (the version
 *        rules out a busy spell that ended before the CAS); and with every
 *        worker idle no task runs, so no work can appear later. A worker
 *        that left as soon as it found nothing (before this) stranded a task
 *        still running elsewhere that publishes work only another worker
 *        may take (worker.c I5: a typed top's own child): destroy never
 *        returned (found in review; tests/test_pool.c).
 */
#define _GNU_SOURCE
#include "pool.h"
#include "spread.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomics.h"
#include "os.h"

#define DEQUE_SLOTS   8192u                 /* 768 KiB of address space */
#define STACK_DEFAULT ((size_t)8 << 20)

_Noreturn void fji_die(const char *msg)
{
    fprintf(stderr, "forja: %s\n", msg);
    abort();
}

/* ------------------------------------------------------ live-pool registry */

#ifndef NDEBUG
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static const fj_pool **registry;
static size_t registry_len, registry_cap;

static void registry_reset(void)
{
    pthread_mutex_init(&registry_lock, NULL);
    registry_len = 0;
}

/* False: no memory to record p (create then fails with ENOMEM: a pool
 * missing from the registry would fail its own checks). */
static bool registry_add(const fj_pool *p)
{
    pthread_mutex_lock(&registry_lock);
    if (registry_len == registry_cap) {
        size_t cap = registry_cap ? registry_cap * 2 : 16;
        const fj_pool **r = realloc(registry, cap * sizeof *r);
        if (!r) {
            pthread_mutex_unlock(&registry_lock);
            return false;
        }
        registry = r;
        registry_cap = cap;
    }
    registry[registry_len++] = p;
    pthread_mutex_unlock(&registry_lock);
    return true;
}

static void registry_remove(const fj_pool *p)
{
    pthread_mutex_lock(&registry_lock);
    for (size_t i = 0; i < registry_len; i++)
        if (registry[i] == p) {
            registry[i] = registry[--registry_len];
            break;
        }
    pthread_mutex_unlock(&registry_lock);
}

void fji_pool_check(const fj_pool *p, const char *fn)
{
    bool live = false;
    pthread_mutex_lock(&registry_lock);
    for (size_t i = 0; i < registry_len && !live; i++)
        live = registry[i] == p;
    pthread_mutex_unlock(&registry_lock);
    if (!live) {
        fprintf(stderr, "forja: %s: not a live pool (destroyed twice, used after "
                "fj_pool_destroy returned, or never created)\n", fn);
        abort();
    }
}
#else
static void registry_reset(void) { }
static bool registry_add(const fj_pool *p) { (void)p; return true; }
static void registry_remove(const fj_pool *p) { (void)p; }
void fji_pool_check(const fj_pool *p, const char *fn) { (void)p; (void)fn; }
#endif

/* ------------------------------------------------------------ configuration */

static unsigned default_workers(void)
{
    const char *s = getenv("FORJA_WORKERS");
    if (s) {
        char *end;
        int saved = errno;              /* forja.h: calls never set errno */
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        bool ok = errno == 0 && end != s && *end == '\0' && v >= 1 && v <= FJ_WORKERS_MAX
                  && isdigit((unsigned char)s[0]);  /* strtoul skips spaces, takes '-' */
        errno = saved;
        if (ok)
            return (unsigned)v;
        fprintf(stderr, "forja: ignoring FORJA_WORKERS=\"%s\" (want 1..%u)\n",
                s, FJ_WORKERS_MAX);
    }
    unsigned n = fji_os_cpu_count();
    return n > FJ_WORKERS_MAX ? FJ_WORKERS_MAX : n;
}

static void pool_free(fj_pool *p)
{
    if (p->workers) {
        for (unsigned i = 0; i < p->size; i++)
            fji_deque_fini(&p->workers[i].deque);
        fji_free(p->workers);
    }
    fji_inject_fini(&p->inject);
    fji_free(p);
}

/* Tell started workers to leave and join them (create's undo, destroy's end). */
static void stop_workers(fj_pool *p, unsigned started)
{
    p->drained = p->size - started;     /* [P3]: threads never started are idle;
                                           plain: the release below publishes it */
    fji_store_release_32(&p->exit_ok, 1);               /* [P1] */
    fji_sleep_wake_all(&p->sleep);
    for (unsigned i = 0; i < started; i++)
        pthread_join(p->workers[i].thread, NULL);
}

static void child_after_fork(void);

static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void atfork_register(void)
{
    (void)pthread_atfork(NULL, NULL, child_after_fork);
}

int fj_pool_create(fj_pool **out, const fj_config *cfg)
{
    if (!out)
        return EINVAL;
    unsigned n = cfg ? cfg->workers : 0;
    if (n > FJ_WORKERS_MAX)
        return EINVAL;
    if (n == 0)
        n = default_workers();
    size_t stack = cfg && cfg->stack_size ? cfg->stack_size : STACK_DEFAULT;
    if (stack < (size_t)PTHREAD_STACK_MIN)
        stack = (size_t)PTHREAD_STACK_MIN;

    (void)pthread_once(&atfork_once, atfork_register);
    fji_os_asym_init();                 /* before any pool of ours runs: os.c */
    fj_pool *p = fji_alloc_aligned(64, sizeof *p);
    if (!p)
        return ENOMEM;
    memset(p, 0, sizeof *p);
    int e = fji_inject_init(&p->inject);
    if (e) {
        fji_free(p);
        return e;
    }
    fji_sleep_init(&p->sleep);
    p->pin = cfg ? cfg->pin : 0;
    p->sleep.spread = fji_spread_wanted(p->pin != 0, n);         /* spread.c */
    p->workers = fji_alloc_aligned(64, n * sizeof(fji_worker));
    if (!p->workers) {
        pool_free(p);
        return ENOMEM;
    }
    memset(p->workers, 0, n * sizeof(fji_worker));
    for (unsigned i = 0; i < n; i++) {
        fji_worker *w = &p->workers[i];
        if (fji_deque_init(&w->deque, DEQUE_SLOTS)) {
            p->size = i;                /* pool_free finalises the first i */
            pool_free(p);
            return ENOMEM;
        }
        w->pool = p;
        w->id = i;
        w->cpu = FJI_CPU_PARKED;        /* spread.c: until its thread publishes */
        w->rng = 0x9e3779b97f4a7c15ull * (i + 1);
    }
    p->size = n;

    pthread_attr_t attr;
    if ((e = pthread_attr_init(&attr)) != 0) {
        pool_free(p);
        return e;
    }
    if ((e = pthread_attr_setstacksize(&attr, stack)) != 0) {
        pthread_attr_destroy(&attr);
        pool_free(p);
        return e;
    }
    unsigned started = 0;
    for (; started < n; started++) {
        e = pthread_create(&p->workers[started].thread, &attr, fji_worker_main,
                           &p->workers[started]);
        if (e)
            break;
    }
    pthread_attr_destroy(&attr);
    if (e) {
        stop_workers(p, started);       /* no thread is left behind */
        pool_free(p);
        return e;
    }
    if (!registry_add(p)) {
        stop_workers(p, n);
        pool_free(p);
        return ENOMEM;
    }
    *out = p;
    return 0;
}

static void destroy(fj_pool *p)
{
    fji_sleep_close(&p->sleep);                         /* step 2 */
    fji_inject_wait_idle(&p->inject);                   /* step 3, [J3] */
    stop_workers(p, p->size);                           /* step 4, [P1] */
    registry_remove(p);
    pool_free(p);
}

int fj_pool_destroy(fj_pool *p)
{
    if (!p)
        return EINVAL;
    fji_pool_check(p, "fj_pool_destroy");
    fji_worker *w = fji_self();
    if (w && w->pool == p)
        return EDEADLK;
    destroy(p);
    return 0;
}

unsigned fj_pool_size(const fj_pool *pool)
{
    int e;
    fj_pool *p = fji_pool_resolve(pool, &e, "fj_pool_size");
    return p ? p->size : 0;
}

/* ------------------------------------------------------------ default pool */

static fj_pool *default_pool;                           /* [P2] */
static pthread_mutex_t default_lock = PTHREAD_MUTEX_INITIALIZER;
static bool default_closed;     /* exit drained it: no new one (under the lock) */

static void destroy_default_at_exit(void)
{
    fj_pool *p = fji_load_acquire_ptr((void *const *)&default_pool);   /* [P2] */
    if (!p)
        return;
    fji_worker *w = fji_self();
    if (w && w->pool == p)
        return;                 /* exit() from one of its tasks: cannot drain */
    pthread_mutex_lock(&default_lock);
    default_closed = true;      /* later NULL calls: ECANCELED, not a new pool */
    fji_store_release_ptr((void **)&default_pool, NULL);   /* [P2] */
    pthread_mutex_unlock(&default_lock);
    destroy(p);
}

static void child_after_fork(void)
{
    /* Only the forking thread exists in the child; the parent's pools have no
     * workers here. Forget them and start clean. */
    default_pool = NULL;
    default_closed = false;
    pthread_mutex_init(&default_lock, NULL);
    registry_reset();
    fji_tls_hot = &fji_outside;
    fji_os_asym_after_fork();
}

fj_pool *fji_pool_resolve_slow(const fj_pool *pool, int *err, const char *caller)
{
    if (pool) {
        fji_pool_check(pool, caller);
        return (fj_pool *)pool;
    }
    fji_worker *w = fji_self();
    if (w)
        return w->pool;
    fj_pool *p = fji_load_acquire_ptr((void *const *)&default_pool);   /* [P2] */
    if (p)
        return p;
    pthread_mutex_lock(&default_lock);
    p = default_pool;
    if (!p && default_closed) {
        pthread_mutex_unlock(&default_lock);
        *err = ECANCELED;               /* exit drained it (forja.h, top) */
        return NULL;
    }
    if (!p) {
        static bool atexit_done;
        int e = fj_pool_create(&p, NULL);
        if (e) {
            pthread_mutex_unlock(&default_lock);
            *err = e;
            return NULL;
        }
        if (!atexit_done)
            atexit_done = atexit(destroy_default_at_exit) == 0;
        fji_store_release_ptr((void **)&default_pool, p);               /* [P2] */
    }
    pthread_mutex_unlock(&default_lock);
    return p;
}
