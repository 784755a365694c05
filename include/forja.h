/* forja.h - Go-style tasks and Cilk-style fork-join on a work-stealing pool.
 *
 * This header is the documentation of every public name. Conventions, as in
 * Concurrency Kit and pthreads:
 *   - names are fj_<object>_<verb>; types fj_<object>; macros FJ_...;
 *   - a zeroed fj_wg or fj_group is ready to use (FJ_WG_INIT, FJ_GROUP_INIT);
 *   - fallible calls return 0 or a positive errno value, never set errno, and
 *     change nothing when they fail;
 *   - misuse that can only be a bug (a wait-group counter below zero, a task
 *     returning with un-synced children) aborts with a message naming it.
 * Each comment reads: what it does; parameters; Returns; Aborts; Threads.
 *
 * "Outside any pool" means the calling thread is not running a task of any
 * pool. Wherever a pool is taken, NULL means: the pool of the calling task, or,
 * from outside any pool, the process-wide default pool, created on first use
 * and drained and freed at exit (after fork(), the child creates a fresh one).
 * Once exit has drained it, NULL from outside any pool is ECANCELED (0 from
 * fj_pool_size), as for a destroyed pool: an atexit handler or a C++ static
 * destructor that runs after forja's cannot queue work nobody would run.
 * A call that must create the default pool and cannot returns what
 * fj_pool_create returned (ENOMEM, or EAGAIN and other pthread_create
 * errors), wherever its own Returns line says ENOMEM.
 *
 * Design: docs/scheduler.md. Implementation: src/ (one file per concept).
 */
#ifndef FORJA_H
#define FORJA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#define FJI_ALIGNAS(n) alignas(n)   /* C++11 spelling: the header is C and C++ */
#else
#define FJI_ALIGNAS(n) _Alignas(n)
#endif

/** A task body: fn(arg). */
typedef void (*fj_fn)(void *arg);

/** A pool of worker threads, each with its own work-stealing deque. Opaque. */
typedef struct fj_pool fj_pool;

/** The most workers one pool may have. */
#define FJ_WORKERS_MAX 512u

/** How to build a pool. A zeroed fj_config (or NULL) means all defaults. */
typedef struct fj_config {
    unsigned workers;     /* 0: $FORJA_WORKERS if set and valid, else the number of
                             CPUs this process may run on (its affinity mask
                             when forja was loaded, whatever the creating
                             thread's own; unpinned workers get that mask) */
    size_t   stack_size;  /* worker thread stack; 0: 8 MiB */
    int      pin;         /* non-zero: pin worker i to the (i mod n)-th CPU of that
                             mask; failing to pin is not an error. Zero: the
                             kernel places the workers, except that when the
                             pool has 2 or more workers and no more than that
                             mask has CPUs, a worker woken onto a CPU where
                             another awake worker runs moves itself to a free
                             CPU of its own affinity mask, which it keeps
                             (some kernels queue a woken thread on its
                             waker's CPU). Pinning then gains
                             little (skynet 10^6 on 2 workers: 1.25 ms either
                             way) and hurts a busy outside submitter, which
                             always shares a worker's CPU */
} fj_config;

/* ------------------------------------------------------------------ pools */

/** fj_pool_create - start a pool of worker threads.
 *  out      Receives the pool; untouched on error.
 *  cfg      Settings, or NULL for all defaults. An invalid $FORJA_WORKERS
 *           ("abc", "0", more than FJ_WORKERS_MAX) is ignored with a one-line
 *           warning on stderr.
 *  Returns  0. EINVAL: out is NULL, or cfg->workers > FJ_WORKERS_MAX.
 *           ENOMEM: no memory. EAGAIN (or another pthread_create error): the
 *           system refused a thread. On error no thread is left running.
 *  Threads  Any. The workers are named forja-w<i> (see top, gdb). */
int fj_pool_create(fj_pool **out, const fj_config *cfg);

/** fj_pool_destroy - drain a pool, join its workers, free it.
 *  Every task accepted before the call (fj_go, fj_go_copy, fj_run returned or
 *  will return 0) runs to completion; once the call has begun, fj_go, fj_go_copy
 *  and fj_run on this pool return ECANCELED.
 *  Returns  0. EINVAL: pool is NULL (the default pool is destroyed only at
 *           exit). EDEADLK: called from a task of this pool (it would wait for
 *           itself); nothing changes.
 *  Aborts   Debug builds (NDEBUG undefined) abort on the common cases of
 *           destroying a pool twice or using it after destroy returned; release
 *           builds leave both undefined.
 *  Threads  Any thread outside the pool; blocks (sleeping) until drained.
 *           Other threads may keep calling fj_go, fj_go_copy and fj_run on
 *           the pool while it drains (they get ECANCELED), but no call on it
 *           may still be in progress when fj_pool_destroy returns, since the
 *           pool's memory is freed: stop or join the submitting threads
 *           first. */
int fj_pool_destroy(fj_pool *pool);

/** fj_pool_size - the number of workers of pool (NULL: see top; this creates
 *  the default pool if needed). Returns 0 if the default pool cannot be created.
 *  Threads  Any; never blocks except to create the default pool. */
unsigned fj_pool_size(const fj_pool *pool);

/* ------------------------------------------------------- running a task */

/** fj_run - run fn(arg) as a task of pool and wait for it.
 *  fn runs on a worker of the pool (fj_worker_id() inside is in [0, size)).
 *  Returns when fn has returned, which includes every fj_spawn under it (a task
 *  must sync its groups before returning). Tasks launched with fj_go under it
 *  are not waited for: join those with an fj_wg.
 *  Returns  0. EINVAL: fn is NULL. ECANCELED: fj_pool_destroy(pool) has begun.
 *           ENOMEM: the task could not be queued. On error fn does not run.
 *  Threads  Any. From a task of the same pool it is a plain call of fn(arg).
 *           From outside, the caller sleeps until fn is done. From a task of
 *           another pool, that worker blocks until fn is done: if fn (or what
 *           it waits for) needs the blocked pool's workers, this deadlocks, so
 *           do not let two pools wait for each other. Everything before the
 *           call happens-before fn starts; fn's return happens-before fj_run
 *           returns. */
int fj_run(fj_pool *pool, fj_fn fn, void *arg);

/* ---------------------------------------------------------- goroutines */

/** fj_go - run fn(arg) once, later, as a detached task of pool.
 *  pool     The pool, or NULL (see top). arg is passed as is: keep what it
 *           points to alive until fn is done with it.
 *  Returns  0: the task will run exactly once. EINVAL: fn is NULL. ECANCELED:
 *           fj_pool_destroy(pool) has begun. ENOMEM: no memory to store the
 *           task (queues grow; they are never "full"). On error nothing was
 *           queued and fn never runs.
 *  Threads  Any. On a worker of pool it pushes to that worker's deque without
 *           locks; elsewhere it uses the caller's own injection queue (no lock,
 *           no contention between submitting threads) and may wake a sleeping
 *           worker. Everything before the call happens-before fn starts. Join
 *           with an fj_wg: fj_wg_add before fj_go, fj_wg_done at the end of fn.
 *  Cost     From outside: no lock and no locked instruction where the kernel
 *           has membarrier (Linux 4.14 on), about 17 ns. A thread that
 *           submits millions of tasks is one thread more than a pool with a
 *           worker per CPU; a pool of one worker fewer leaves it a CPU. */
int fj_go(fj_pool *pool, fj_fn fn, void *arg);

/** fj_go_copy - like fj_go, but fn gets a pointer to a copy of size bytes of
 *  *arg, made before fj_go_copy returns (as Go evaluates a go statement's
 *  arguments). The copy is aligned for any type and valid while fn runs.
 *  size 0: arg may be NULL and fn gets NULL. Sizes up to FJ_COPY_INLINE bytes
 *  are stored inside the task (no heap allocation on a worker, none on an
 *  outside thread's queue once it has grown); larger sizes use malloc.
 *  Returns  As fj_go; EINVAL also when size > 0 and arg is NULL.
 *  Threads  As fj_go. */
int fj_go_copy(fj_pool *pool, fj_fn fn, const void *arg, size_t size);

/** The largest fj_go_copy argument stored inside a task record. */
#define FJ_COPY_INLINE 64u

/* --------------------------------------------------------- wait groups */

/** A counter of outstanding work, as Go's sync.WaitGroup; a zeroed one is
 *  ready. Once fj_wg_wait has returned, no forja code touches the wait group
 *  again: it may live on the waiter's stack. It may be reused after every wait
 *  on it has returned. Its size, (1 + FJI_WG_SHARDS) cache lines, is not part
 *  of the API: workers that finish many tasks of one wait group claim dones
 *  in batches into lines of their own instead of all writing one line. */
#define FJI_WG_SHARDS 4
typedef struct fj_wg { FJI_ALIGNAS(64) unsigned char opaque_[64 * (1 + FJI_WG_SHARDS)]; } fj_wg;
#define FJ_WG_INIT {0}

/** fj_wg_add - add delta (which may be negative) to the counter. An add with a
 *  positive delta that starts from zero must happen before the fj_wg_wait it
 *  is meant to hold back.
 *  Aborts   If the counter would go below zero or above INT32_MAX, with a
 *           message naming the wait group. (The upper bound is checked on
 *           the part of the counter that no worker has claimed ahead:
 *           claims add at most 63 each, a few hundred in practice.)
 *  Threads  Any; never sleeps. A negative delta that the unclaimed part
 *           cannot cover at once gathers units from the workers' batches,
 *           and may spin or yield for a moment while a worker's claim, or
 *           another such add, completes. The counter reaching zero wakes
 *           every waiter. */
void fj_wg_add(fj_wg *wg, long delta);

/** fj_wg_done - fj_wg_add(wg, -1). Call it last in a task: an fj_wg_done
 *  happens-before the fj_wg_wait that it releases returns.
 *  Aborts / Threads  As fj_wg_add. */
void fj_wg_done(fj_wg *wg);

/** fj_wg_wait - return once the counter is zero.
 *  Aborts   With more than 2^22 - 1 threads and tasks waiting at once.
 *  Threads  Any, several at once. Outside a pool the caller spins briefly,
 *           then sleeps on a futex. Inside a task the worker keeps working
 *           meanwhile: it runs other tasks of its pool (its own deque first,
 *           then the injection queues, then steals) on top of the waiting
 *           task's stack, and sleeps like an idle worker when there are none.
 *           Two consequences: each nested wait costs stack (about 300 bytes
 *           of forja frames plus the frames of the tasks it runs; with the
 *           default 8 MiB stack, thousands of levels); and a task A waiting on
 *           W may find itself below a task B that waits on something only A
 *           will do after W: B's wait then never ends (A cannot continue until
 *           B returns). Go's goroutines would not deadlock there; forja's
 *           future parkable tasks will lift this. Until then, do not make a
 *           waiting task's progress depend on an unrelated task of the pool
 *           that waits too. */
void fj_wg_wait(fj_wg *wg);

/* ----------------------------------------------------------- fork-join */

/** Tracks the children a task spawned. Lives in the parent's frame and belongs
 *  to the task that made it: only that task spawns into it and syncs it. A
 *  zeroed fj_group is ready; after fj_sync it may be reused. Its size may
 *  change between versions (24 bytes in this one). */
typedef struct fj_group { FJI_ALIGNAS(8) unsigned char opaque_[24]; } fj_group;
#define FJ_GROUP_INIT {0}

/** fj_spawn - fn(arg) may run now or in parallel; fj_sync(g) waits for it.
 *  arg must stay valid until fj_sync(g) returns. A child is "un-synced" from
 *  its spawn until the next fj_sync of its group, finished or not.
 *  Never fails: outside any pool, or when the worker's deque is full, fn runs
 *  inline before fj_spawn returns (serial elision).
 *  The child is queued on the calling worker's deque and stays private until
 *  another worker asks for work, so a task must not block waiting for its own
 *  children in any way but fj_sync (or an fj_wg_wait).
 *  Aborts   A task that returns while a group it spawned into has un-synced
 *           children aborts with a message (in debug builds always; release
 *           builds catch the case where the children are still queued).
 *  Threads  The task that owns g (or any thread outside a pool, where it is a
 *           plain call). No lock, no atomic read-modify-write, no allocation. */
static inline void fj_spawn(fj_group *g, fj_fn fn, void *arg);

/** fj_sync - return when every child spawned into g (and everything they
 *  spawned and synced) is done; then g may be reused.
 *  Children still queued run inline, newest first. While a child that another
 *  worker stole is still running, this worker steals only from that thief
 *  ("leapfrogging"), whose public work comes from the stolen child's subtree,
 *  so unrelated work does not run on top of this stack; after a short spin it
 *  sleeps until the child is done. One exception: a task in that subtree that
 *  waits in fj_wg_wait helps with any work of the pool, and what that work
 *  spawns (or the injected tasks it takes) can then be leapfrogged here too;
 *  such work must not wait for what this task does after fj_sync.
 *  Threads  The task that owns g. Everything the children did happens-before
 *  fj_sync returns. */
static inline void fj_sync(fj_group *g);

/* ------------------------------------------------- typed fork-join tasks */

/** FJ_TASK - define a fork-join task with a typed argument and result, for
 *  recursive code where a spawn must cost next to nothing (Lace's and Wool's
 *  style; fj_spawn/fj_sync remain for tasks that need groups or a void *):
 *
 *      FJ_TASK(long, fib, long, n)
 *      {
 *          if (n < 2)
 *              return n;
 *          FJ_SPAWN(fib, n - 1);
 *          long b = FJ_CALL(fib, n - 2);
 *          return FJ_SYNC(fib) + b;
 *      }
 *
 *  FJ_TASK(ret, name, type, arg) { body } defines a static function of that
 *  name, `ret name(type)`, callable like any other function: from a task
 *  (its FJ_SPAWNs go on the worker's deque) or from outside any pool (every
 *  FJ_SPAWN then runs at once). Use fj_run to start the first one on a pool.
 *  ret and type are object types of at most FJ_COPY_INLINE bytes (a struct
 *  carries several values), not const-qualified (the argument is a copy
 *  already; a const type does not compile); ret may not be void: use
 *  FJ_TASK_VOID.
 *  Inside the body, and only there:
 *    FJ_SPAWN(name, value)  the child name(value) may run now or in parallel.
 *    FJ_SYNC(name)          waits for the newest FJ_SPAWN of this body not
 *                           yet synced, which must be of task name, and
 *                           evaluates to its result; a child still queued
 *                           runs here, called directly.
 *    FJ_CALL(name, value)   name(value) as a plain call, without looking up
 *                           the worker again.
 *  Rules (the price of no group and no lookup):
 *    - FJ_SYNCs pair with the body's FJ_SPAWNs in reverse order, and every
 *      FJ_SPAWN is synced before the body returns;
 *    - between an FJ_SPAWN and its FJ_SYNC, plain groups (fj_spawn) are used
 *      nested: a group spawned into after it is synced before it;
 *    - the argument is copied at FJ_SPAWN: pointers in it must stay valid
 *      until FJ_SYNC, as with fj_spawn;
 *    - a helping fj_wg_wait whose worker's newest queued task is an
 *      un-synced FJ_SPAWN child (of this body or of a task below it) runs
 *      neither that child nor anything queued below it, as it would run
 *      fj_spawn's children: it makes them available to the other workers,
 *      which take them oldest first. On a pool of one worker, where nobody
 *      else would, the waiting worker takes them itself, oldest first, when
 *      it finds nothing else to do. Each then runs on top of the waiting
 *      task, so, as for any task a wait runs, it must not wait for what
 *      that task does after its wait; and waits that each queue tasks
 *      before waiting nest as deep on the stack as the queue is long.
 *    - ret and type are copied bytewise: in C++ they must be trivially
 *      copyable (checked at compile time).
 *  FJ_SYNC is a GNU statement expression (quiet under -pedantic): like the
 *  builtins the inline fast paths use, it needs gcc or clang, C or C++.
 *  Aborts   Debug builds (without NDEBUG) check each FJ_SYNC against its
 *           FJ_SPAWN and each directly called child for un-synced children,
 *           and abort with a message naming the mistake. Release builds check
 *           what is free: a thief's child and a popped plain task still abort
 *           on leftovers.
 *  Threads  A body runs on the thread that called it or, once stolen, on
 *           another worker; everything a child did happens-before its
 *           FJ_SYNC returns. No lock, no atomic read-modify-write and no
 *           allocation while the worker's deque has room: a full deque (or no
 *           pool) runs the child at once and keeps its result on a per-thread
 *           stack, which grows by doubling (out of memory there aborts). */
#define FJ_TASK(ret, name, type, arg) FJI_TASK(ret, name, type, arg)

/** FJ_TASK_VOID - FJ_TASK for a task without a result: FJ_SYNC(name) is then
 *  a statement. */
#define FJ_TASK_VOID(name, type, arg) FJI_TASK_VOID(name, type, arg)

/** FJ_TASK_DECL / FJ_TASK_VOID_DECL - declare a typed task defined later in
 *  the same file (mutual recursion); the definition uses FJ_TASK as usual. */
#define FJ_TASK_DECL(ret, name, type) FJI_TASK_DECL(ret, ret, name, type)
#define FJ_TASK_VOID_DECL(name, type) FJI_TASK_DECL(void, char, name, type)

/** FJ_SPAWN, FJ_SYNC, FJ_CALL - see FJ_TASK. In a body only. */
#define FJ_SPAWN(name, value) ((void)(fji_t_ = name##_fji_push(fji_w_, fji_t_, (value))))
#define FJ_SYNC(name)                                                           \
    __extension__({                                                             \
        fji_task *fji_s_ = fji_t_;                                              \
        fji_t_ = fji_typed_prev(fji_s_);                                        \
        name##_fji_sync(fji_w_, fji_s_);                                        \
    })
#define FJ_CALL(name, value) name##_fji_body(fji_w_, 0, (value))

/* --------------------------------------------------------------- loops */

/** A loop body: handle iterations [lo, hi), never empty. */
typedef void (*fj_range_fn)(size_t lo, size_t hi, void *arg);

/** fj_for - call body on disjoint sub-ranges [lo, hi) that exactly cover
 *  [begin, end), in parallel, and return when every call has returned.
 *  grain    > 0: a range of more than grain iterations is split in halves, one
 *           of at most grain is not, so the split tree depends only on
 *           (begin, end, grain). 0: forja chooses.
 *  Returns  0 (also for begin == end: body is not called). EINVAL: begin > end
 *           or body is NULL. ECANCELED / ENOMEM: as fj_run, from outside.
 *  Threads  Any. From outside the pool the caller sleeps until done; from a
 *           task the worker takes part. A call from outside hands the loop
 *           to a worker and the caller waits: it spins for about 20 us, then
 *           sleeps and is woken by the worker that ends the loop (about
 *           20 us more on a virtual machine). For many short loops, make the
 *           calls from inside one fj_run task instead (bench/handoff.c). */
int fj_for(fj_pool *pool, size_t begin, size_t end, size_t grain,
           fj_range_fn body, void *arg);

/** A reduction body: fold iterations [lo, hi) into *acc. */
typedef void (*fj_reduce_body)(size_t lo, size_t hi, void *acc, void *arg);
/** A combiner: *acc = *acc (+) *right, where right covers the iterations
 *  immediately after acc's. */
typedef void (*fj_combine_fn)(void *acc, const void *right, void *arg);

/** fj_reduce - *result = identity (+) body over [begin, end), in parallel.
 *  Each sub-range gets an accumulator of size bytes initialised from identity;
 *  partial results are combined left to right in index order, so any
 *  associative operation works, commutative or not. Accumulators of up to
 *  FJ_REDUCE_INLINE bytes live on worker stacks (no heap allocation per
 *  split); larger ones are allocated once per split.
 *  grain    > 0: as fj_for; the split tree and the order of combination then
 *           depend only on (begin, end, grain), never on timing or on the
 *           number of workers, so floating-point results are bit-identical
 *           from run to run and from 1 to N workers. 0: forja chooses the
 *           splits adaptively; non-exact arithmetic (floating point) may then
 *           differ in the last bits from run to run.
 *  result   Receives the result (size bytes); may alias identity.
 *  Returns  0 (begin == end: *result = *identity, nothing called). EINVAL:
 *           begin > end, size 0, or result, identity, body or combine NULL;
 *           nothing is called. ECANCELED / ENOMEM: as fj_run, from outside.
 *  Threads  As fj_for. */
int fj_reduce(fj_pool *pool, size_t begin, size_t end, size_t grain,
              void *result, size_t size, const void *identity,
              fj_reduce_body body, fj_combine_fn combine, void *arg);

/** The largest fj_reduce accumulator kept on the stack. */
#define FJ_REDUCE_INLINE 64u

/* ------------------------------------------------------- introspection */

/** fj_worker_id - the calling worker's index in [0, size) of its pool, or -1
 *  outside any pool. Threads: any; constant time. */
int fj_worker_id(void);

/** Counters, summed over a pool's workers. More fields may follow. */
typedef struct fj_stats {
    uint64_t tasks;          /* functions the workers ran for fj_spawn, fj_go and
                                fj_run, inline or not (FJ_SPAWN's children are
                                not counted: it saves the count's store) */
    uint64_t steals;         /* tasks taken from another worker's deque */
    uint64_t steal_attempts; /* steal attempts, successful or not */
    uint64_t sleeps;         /* times a worker went to sleep */
} fj_stats;

/** fj_pool_stats - fill *out with totals over all workers so far.
 *  pool NULL: see top (creates the default pool if needed).
 *  Returns  0. EINVAL: out is NULL. ENOMEM: the default pool cannot be created.
 *  Threads  Any. Totals are exact once the pool is idle; while it runs they
 *  may lag by a few counts. */
int fj_pool_stats(const fj_pool *pool, fj_stats *out);

#ifdef __cplusplus
}
#endif

/* The inline fast paths of fj_spawn and fj_sync. Not part of the API. */
#include <forja/detail.h>

#endif /* FORJA_H */
