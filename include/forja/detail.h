/* forja/detail.h - the inline fast paths of fj_spawn and fj_sync. NOT API.
 *
 * Included by forja.h. Nothing here may be used directly: names start with
 * fji_, layouts change between versions, and only forja.h is documented.
 *
 * Why inline: a spawn+sync pair that stays on the owner's private deque is a
 * handful of stores and loads (measured in README "Performance"); an
 * out-of-line call plus a TLS lookup through __tls_get_addr would cost more
 * than the work. Everything that is not that handful - publishing work to
 * thieves, taking it back, waiting for a stolen child, full deques, checks on
 * misuse - is out of line in src/.
 *
 * Why fj_sync rarely loads w->top for the pop: every push and pop writes it,
 * so a pop computed from a load of it waits, through store-to-load
 * forwarding, for the push or pop before, and a computation's pushes and pops
 * become one chain of memory round trips. fj_sync's first pop takes the slot
 * from the group (written by the group's last fj_spawn) and its loop carries
 * the top in a register; w->top is loaded only to be compared, and the
 * predicted branch keeps that load off the chain.
 *
 * The deque protocol is explained in src/deque.c; this file holds the
 * owner-only half of it:
 *   slots[split, head) are PRIVATE: only the owner touches them, no atomics.
 *   slots[tail, split) are PUBLIC: thieves may claim them (src/deque.c).
 * Owner-private fields are plain. Of the three shared ones, this header
 * writes tasks and reads limit; it does so with relaxed __atomic builtins
 * (plain moves on every target) or, on x86-64 outside TSan, with one asm
 * instruction (see each), because this public header must not require
 * Concurrency Kit's headers; src/atomics.h is the shim used everywhere else,
 * and it maps to the same builtins under TSan.
 *   tasks     owner-written, read by fj_pool_stats (racy by design: relaxed;
 *             on x86-64 the increment is one add to memory: fji_count_task).
 *   splitreq  set to 1 by a thief that found no public work, cleared by the
 *             owner when it answers (src/deque.c [D6]); thieves test it so
 *             that one request is made at a time. Not read here.
 *   limit     end, or slots while a request is unanswered: the thief that
 *             set splitreq also lowers limit, and the owner raises it back
 *             when it answers ([D6]). The spawns' one test, top >= limit,
 *             catches a full deque, no pool and a request at once, so a
 *             request costs the fast path nothing. Testing splitreq after
 *             every push, as before, cost 12.5% of typed fib on one worker
 *             (fib(28) to fib(34); fib(32) 6.66 -> 5.83 ms, interleaved
 *             medians of 7), mostly in what gcc stops optimizing around an
 *             atomic load. Read by fji_limit: on x86-64 an asm volatile move
 *             (a plain load could be kept in a register across a loop of
 *             spawns that never sees the request; a relaxed atomic load
 *             before the push was slower than the old test: 7.55 ms),
 *             elsewhere and under TSan a relaxed atomic load.
 */

#ifndef FORJA_DETAIL_H
#define FORJA_DETAIL_H

#include <stdint.h>
#include <string.h>

/* ThreadSanitizer, which cannot see inline assembly: gcc says so with
 * __SANITIZE_THREAD__, clang with __has_feature. Also the switch of
 * src/atomics.h and src/os.c. */
#if defined(__SANITIZE_THREAD__)
#define FJI_TSAN_BUILD 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define FJI_TSAN_BUILD 1
#endif
#endif
/* The asm paths: x86-64 with 64-bit pointers (not x32), outside TSan. */
#if defined(__x86_64__) && defined(__LP64__) && !defined(FJI_TSAN_BUILD)
#define FJI_X86_ASM 1
#endif

#ifdef __cplusplus
extern "C" {
#endif

struct fji_group;

/* One task record: a deque slot, an injection-queue slot, or a local copy. */
typedef struct fji_task {
    fj_fn fn;
    void *arg;
    uint32_t state;           /* written by a thief only; src/deque.c [D5] */
    uint32_t flags;           /* FJI_TASK_*: where fn's argument lives */
    struct fji_group *group;  /* the group it was spawned into; NULL: detached */
    FJI_ALIGNAS(16) unsigned char payload[FJ_COPY_INLINE];
} fji_task;

#define FJI_TASK_COPY 1u      /* fn gets a copy of payload (fj_go_copy, small) */
#define FJI_TASK_HEAP 2u      /* arg is a malloc'ed copy, freed after fn runs */

/* The layout behind fj_group. Owner-only: never touched by another thread. */
typedef struct fji_group {
    struct fji_hot *w;        /* the worker whose deque holds them, stored by
                                 every spawn: fj_sync reads it from the frame
                                 instead of the TLS word, and the compiler
                                 keeps one callee-saved register fewer */
    uint32_t pending;         /* children spawned and not yet popped by sync */
    uint32_t unsynced;        /* children spawned since the last fj_sync */
    struct fji_task *last;    /* the slot of the last spawn (see fj_sync);
                                 not next to w, or gcc packs the two stores
                                 into one vector store, at three instructions */
} fji_group;

/* The owner's hot fields of a worker: the first member of struct fji_worker
 * (src/worker.h), so a worker and its hot part share an address. */
typedef struct fji_hot {
    fji_task *top;            /* next free slot ("head"); owner-only */
    fji_task *split;          /* the owner's copy of the published split */
    fji_task *end;            /* slots + capacity */
    fji_task *limit;          /* end, or slots while a thief's request is
                                 unanswered (see top); read by fji_limit */
    fji_task *slots;
    uint32_t open;            /* groups of the running task with un-synced
                                 children; counted only by code built without
                                 NDEBUG (the spawn above), checked by all */
    uint64_t tasks;           /* fj_stats.tasks of this worker (see top) */
    FJI_ALIGNAS(64) uint32_t splitreq; /* own line: thieves write it (see top) */
} fji_hot;

/* The calling thread's worker; outside any pool, fji_outside: hot fields with
 * no slots (top == end == NULL), so fj_spawn's one "deque full" test also
 * catches "not on a worker" (src/worker.c). Never NULL. */
extern __thread fji_hot *fji_tls_hot __attribute__((tls_model("initial-exec")));

/* The group of every typed slot (FJ_SPAWN; "typed tasks" below): a marker,
 * not a group, never dereferenced; non-NULL, so a typed slot is a child to
 * thieves. */
#define FJI_TYPED_GROUP ((fji_group *)(uintptr_t)1)

/* A free slot's group is FJI_TYPED_GROUP (deque.c I6), so FJ_SPAWN writes no
 * group: the owner restores it on every slot it takes back from a plain
 * record (fj_spawn's child, a detached task), after reading the record and
 * before running it (the run may push into that very slot). An immediate:
 * one store, no address held in a register. */
static inline void fji_slot_free(fji_task *t)
{
    t->group = FJI_TYPED_GROUP;
}

void fji_spawn_slow(fji_hot *w, fji_group *g, fj_fn fn, void *arg);
void fji_spawn_answer(fji_hot *w);
void fji_sync_slow(fji_hot *w, fji_group *g);
void fji_run_detached_slot(fji_hot *w, fji_task *t);
void fji_check_leftovers(fji_hot *w, const fji_task *base);
__attribute__((noreturn)) void fji_slot_not_free(const fji_task *t);
__attribute__((noreturn)) void fji_sync_foreign(void);
__attribute__((noreturn)) void fji_sync_typed_above(void);

static inline void fji_count_task(fji_hot *w)
{
#ifdef FJI_X86_ASM
    /* One add to memory: a single aligned 8-byte store, so a relaxed reader
     * sees the old or the new count (see top), in one instruction instead of
     * a load, an add and a store (compilers do not fuse relaxed atomics). */
    __asm__("addq $1, %0" : "+m"(w->tasks));
#else
    __atomic_store_n(&w->tasks, w->tasks + 1, __ATOMIC_RELAXED); /* see top */
#endif
}

/* The owner's read of limit (see top), relaxed: it orders nothing and pairs
 * with the stores of limit in src/deque.c fji_deque_ask and
 * fji_deque_publish_half ([D6]), whichever it sees. A spawn proceeds inline
 * only while top < limit; else the deque is full, the thread is outside any
 * pool (top, end and limit all NULL), or a thief asked for work (limit ==
 * slots). top is an input of the asm only to tie the read to the spawn that
 * uses it. */
static inline fji_task *fji_limit(const fji_hot *w, const fji_task *top)
{
#ifdef FJI_X86_ASM
    fji_task *l;
    __asm__ volatile("mov %1, %0" : "=r"(l) : "m"(w->limit), "r"(top));
    return l;
#else
    (void)top;
    return __atomic_load_n(&w->limit, __ATOMIC_RELAXED);
#endif
}

/* Is there room for an inline spawn and no request to answer first? */
static inline int fji_spawn_fits(const fji_hot *w)
{
    fji_task *top = w->top;
    return (uintptr_t)top < (uintptr_t)fji_limit(w, top);
}

/* fj_spawn's push into the top slot, which the caller found free: inline
 * here, and in the slow path after a thief's request (src/group.c). */
static inline void fji_spawn_push(fji_hot *w, fji_group *gr, fj_fn fn, void *arg)
{
    fji_task *t = w->top;
    t->fn = fn;
    t->arg = arg;
    t->group = gr;
    w->top = t + 1;
    gr->pending++;
    gr->w = w;
    gr->last = t;
    fji_count_task(w);
}

static inline void fj_spawn(fj_group *g, fj_fn fn, void *arg)
{
    fji_hot *w = fji_tls_hot;
    fji_group *gr = (fji_group *)(void *)g;
#ifndef NDEBUG
    if (w->end && gr->unsynced++ == 0)      /* debug: see fji_check_leftovers */
        w->open++;
#endif
    if (__builtin_expect(!fji_spawn_fits(w), 0)) {
        fji_spawn_slow(w, gr, fn, arg);     /* no pool, deque full, or asked */
        return;
    }
    fji_spawn_push(w, gr, fn, arg);
}

/* In debug builds: did the child leave a group of its own un-synced? */
static inline int fji_open_left(const fji_hot *w)
{
#ifndef NDEBUG
    return w->open != 0;
#else
    (void)w;
    return 0;                               /* open is counted in debug only */
#endif
}

/* Run a child fj_sync popped from slot t, which it must leave on top; return
 * the top it left: t, or higher when it left detached slots above t. With
 * opaque, the compiler does not learn from the check that t equals w->top
 * (see fj_sync's loop). w is re-read from the group after the call: one
 * callee-saved register fewer in every task function. */
static inline fji_task *fji_run_popped(fji_group *gr, fji_task *t, fj_fn fn,
                                       void *arg, int opaque)
{
#ifndef NDEBUG
    uint32_t open = gr->w->open;            /* the child starts with no open group */
    gr->w->open = 0;
#endif
    fn(arg);
    fji_task *seen = t;
    if (opaque)
        __asm__("" : "+r"(seen));
    if (__builtin_expect(gr->w->top != seen || fji_open_left(gr->w), 0)) {
        fji_check_leftovers(gr->w, t);
        t = gr->w->top;                     /* detached slots left above t */
    }
#ifndef NDEBUG
    gr->w->open = open;
#endif
    return t;
}

static inline void fj_sync(fj_group *g)
{
    fji_group *gr = (fji_group *)(void *)g;
#ifndef NDEBUG
    if (gr->pending && gr->w != fji_tls_hot)
        fji_sync_foreign();                 /* another thread's group */
    if (gr->unsynced) {
        gr->unsynced = 0;
        fji_tls_hot->open--;
    }
#endif
    if (!gr->pending)
        return;
    /* Fast path: the group's last child is still the private top slot. The
     * slot comes from the group, not from w->top (see top). The three tests
     * together say what the loop below would find: the top slot is private
     * and holds a child of this group. */
    fji_hot *w = gr->w;                     /* set: pending > 0 */
    fji_task *t = gr->last;
    if (__builtin_expect(t >= w->split && t + 1 == w->top && t->group == gr, 1)) {
        w->top = t;
        gr->pending--;
        fji_slot_free(t);                   /* fn and arg stay: read below */
        fji_run_popped(gr, t, t->fn, t->arg, 0);
    }
    if (!gr->pending)
        return;
    w = gr->w;
    t = w->top;
    /* Pop what is on top until the group has no child left: more children
     * of this group, or what sits above them (another group's child, a
     * detached task a child left behind), which is work of the same task.
     * t is the top, carried in a register (see top). */
    for (;;) {
        /* Public or stolen; or a thief asked ([D6]: limit lowered below t)
         * while this loop pops, which the slow path answers as a spawn
         * would - or a flat loop of spawns, answered once, is synced
         * serially while the thief sleeps. Both leave by the same exit, so
         * the loop keeps no more registers live. src/group.c. */
        if (__builtin_expect(t <= w->split
                             || (uintptr_t)fji_limit(w, t) < (uintptr_t)t, 0)) {
            fji_sync_slow(w, gr);
            return;
        }
        w->top = --t;
        fji_group *tg = t->group;
        if (__builtin_expect(tg == FJI_TYPED_GROUP, 0))
            fji_sync_typed_above();         /* an FJ_SPAWN above: misuse */
        if (__builtin_expect(tg == 0, 0)) { /* a detached task left by a child */
            fji_run_detached_slot(w, t);    /* frees the slot */
            t = gr->w->top;
        } else {
            tg->pending--;
            fji_slot_free(t);               /* fn and arg stay: read below */
            /* After the call t equals w->top, loaded to compare them, and
             * gcc would go on with the loaded value: the load would be back
             * on the chain the fast path avoids. Opaque: it keeps t. */
            t = fji_run_popped(gr, t, t->fn, t->arg, 1);
        }
        if (!gr->pending)
            return;
        w = gr->w;
    }
}

/* ------------------------------------------------------------ typed tasks
 *
 * FJ_TASK (forja.h) generates six functions per task; FJ_SPAWN, FJ_SYNC and
 * FJ_CALL call them with two hidden locals of the body, fji_w_ (the worker,
 * so no TLS lookup per spawn) and fji_t_ (the slot of the body's newest
 * un-synced FJ_SPAWN):
 *   name_fji_body   the user's body, with the hidden parameters; inline, so
 *                   that gcc inlines the recursion a few levels (fib(32) on
 *                   one worker: 7.8 ms without, 6.8 ms with);
 *   name_fji_cold   the body out of line, for every call but FJ_CALL and the
 *                   direct call in FJ_SYNC: with only those two call sites
 *                   left in the hot code gcc keeps the body small (12.0 ms
 *                   when every path called the body itself);
 *   name_fji_push   FJ_SPAWN: the argument goes into the slot's payload, arg
 *                   holds the previous fji_t_ (the chain FJ_SYNC follows),
 *                   group is FJI_TYPED_GROUP, so thieves run it as a child,
 *                   passing the slot itself as fn's argument (worker.c
 *                   run_found), and mark it DONE (deque.c [D5]);
 *   name_fji_push_slow  FJ_SPAWN when the limit test fails: a full deque or
 *                   no pool runs the child at once (see below); a thief's
 *                   request is answered after the push, so that the new
 *                   child can be published too (a parent that spawns once
 *                   and then computes must not keep it). Out of line and
 *                   taking the argument by value: inline, its copy of the
 *                   push cost skynet 10^6 2.3 ms on one worker against 2.1,
 *                   and passing the argument's address forced it through
 *                   the stack (7.4 ms). (Before limit: 1.9 ms; skynet 10^7
 *                   went 26.2 -> 18.5 ms, 10^5 0.296 -> 0.306: how gcc
 *                   allocates registers in the inlined levels decides it);
 *   name_fji_sync   FJ_SYNC: a private slot is popped and the body called
 *                   directly (the compiler may inline it: no indirect call,
 *                   and the result comes back in a register); otherwise
 *                   fji_typed_sync_slow takes it back or waits for its thief;
 *   name_fji_entry  what a thief runs: its argument is the slot; it reads
 *                   the argument from the payload and leaves the result there.
 * Why fji_t_ is enough for FJ_SYNC (no load of w->top, which would put the
 * pop back on the store-forwarding chain described at the top): the slot it
 * names is the top one. Between an FJ_SPAWN and its FJ_SYNC only nested work
 * runs, which leaves the top as it found it, and nothing leaves a detached
 * slot directly above a typed one: in-pool fj_go and a helping worker's batch
 * from the injection queue use the deque only when the top slot is not typed,
 * and a helping worker whose top slot is typed publishes instead of popping
 * (alone in its pool, it then claims its own public slots from the bottom
 * as a thief would: src/go.c, src/worker.c I5). The previous un-synced
 * spawn comes from the chain in arg, not from the slot below: a helping wait
 * may pop slots of the tasks below, so a body's slots need not be
 * contiguous (found in review).
 * A full deque (or no pool) runs the child at once, keeps its result on a
 * per-thread stack (src/group.c) and sets fji_t_ to NULL, which is below
 * every split (fji_outside's split is the highest address).
 * Not counted in fj_stats.tasks: the count's add to memory cost 3% of
 * fib(32). No misuse checks in release builds but what is nearly free
 * (fji_t_ NULL with an empty result stack; fj_sync's loop, off its fast
 * path, popping a typed slot: the marker is not a group to count down);
 * debug builds also check each FJ_SYNC's slot, each directly called
 * child's leftovers, and that FJ_SPAWN's slot holds the marker (I6). */

fji_task *fji_typed_eager_push(fji_task *prev, fj_fn entry);
fji_task *fji_typed_sync_slow(fji_hot *w, fji_task *t, fj_fn entry);
fji_task *fji_typed_eager_prev(void);

/* The un-synced typed spawn before t: see above. */
static inline fji_task *fji_typed_prev(fji_task *t)
{
    return __builtin_expect(t != 0, 1) ? (fji_task *)t->arg : fji_typed_eager_prev();
}

/* fji_typed_sync_slow's answer: the record, with bit 0 set when the caller
 * must run it (taken back), clear when it holds the result. */
#define FJI_TYPED_RUN_IT 1u
void fji_typed_check(fji_hot *w, const fji_task *t, fj_fn entry, const char *name);
uint32_t fji_typed_enter(fji_hot *w);
void fji_typed_leave(fji_hot *w, const fji_task *base, uint32_t open);

static inline fji_task *fji_typed_slot(fji_hot *w, fj_fn entry, fji_task *prev)
{
    fji_task *t = w->top;
    t->fn = entry;
    t->arg = prev;                          /* the chain FJ_SYNC follows */
    /* group: already FJI_TYPED_GROUP (fji_slot_free). Storing it (as the
     * address of a dummy group then) cost 6% of fib and 18% of skynet on
     * one worker: the address held a callee-saved register in every
     * inlined level. */
#ifndef NDEBUG
    if (t->group != FJI_TYPED_GROUP)
        fji_slot_not_free(t);
#endif
    return t;
}

/* A body called directly by FJ_SYNC: in debug builds, with fj_spawn's
 * open-group count saved and the child's leftovers checked, as fji_run_popped
 * does for plain children. */
#ifndef NDEBUG
#define FJI_TYPED_DIRECT(w, t, call)                                           \
    do {                                                                       \
        uint32_t fji_open_ = fji_typed_enter(w);                               \
        call;                                                                  \
        fji_typed_leave(w, t, fji_open_);                                      \
    } while (0)
#define FJI_TYPED_CHECK(w, t, entry, name) fji_typed_check(w, t, entry, name)
#else
#define FJI_TYPED_DIRECT(w, t, call) do { call; } while (0)
#define FJI_TYPED_CHECK(w, t, entry, name) ((void)0)
#endif

/* ret: the body's result type; carried: what the slot carries back (ret, or
 * char for a void task, so that one generator serves both). */
#define FJI_TASK_DECL(ret, carried, name, type)                                \
    static inline ret name##_fji_body(fji_hot *, fji_task *, type);            \
    static carried name##_fji_cold(fji_hot *, type);                           \
    static void name##_fji_entry(void *);                                      \
    static inline fji_task *name##_fji_push(fji_hot *, fji_task *, type);      \
    static fji_task *name##_fji_push_slow(fji_hot *, fji_task *, type);        \
    static inline carried name##_fji_sync(fji_hot *, fji_task *);              \
    static inline ret name(type)

#define FJI_TASK_PUSH(name, type, run_eagerly)                                 \
    /* The push into the free top slot, shared by the two below. */            \
    static inline fji_task *name##_fji_put(fji_hot *fji_w, fji_task *fji_prev, type fji_a) \
    {                                                                          \
        fji_task *fji_t = fji_typed_slot(fji_w, name##_fji_entry, fji_prev);   \
        memcpy(fji_t->payload, &fji_a, sizeof fji_a);                          \
        fji_w->top = fji_t + 1;                                                \
        return fji_t;                                                          \
    }                                                                          \
    static __attribute__((noinline, cold, unused)) fji_task *                  \
    name##_fji_push_slow(fji_hot *fji_w, fji_task *fji_prev, type fji_a)       \
    {                                                                          \
        if (fji_w->top == fji_w->end) {         /* full, or no pool */         \
            run_eagerly;                                                       \
            return 0;                                                          \
        }                                                                      \
        fji_task *fji_t = name##_fji_put(fji_w, fji_prev, fji_a);              \
        fji_spawn_answer(fji_w);                /* a thief asked */            \
        return fji_t;                                                          \
    }                                                                          \
    static inline fji_task *name##_fji_push(fji_hot *fji_w, fji_task *fji_prev, type fji_a) \
    {                                                                          \
        if (__builtin_expect(!fji_spawn_fits(fji_w), 0))                       \
            return name##_fji_push_slow(fji_w, fji_prev, fji_a);               \
        return name##_fji_put(fji_w, fji_prev, fji_a);                         \
    }

#ifdef __cplusplus
#define FJI_STATIC_ASSERT(c, m) static_assert(c, m)
#else
#define FJI_STATIC_ASSERT(c, m) _Static_assert(c, m)
#endif
#ifdef __cplusplus
#define FJI_TRIVIAL(type, ret) (__is_trivially_copyable(type) && __is_trivially_copyable(ret))
#else
#define FJI_TRIVIAL(type, ret) 1
#endif
/* The argument and result are copied bytewise through the slot. */
#define FJI_TASK_SIZES(ret, type)                                              \
    FJI_STATIC_ASSERT(sizeof(type) <= FJ_COPY_INLINE && sizeof(ret) <= FJ_COPY_INLINE, \
                      "FJ_TASK: argument and result must fit in FJ_COPY_INLINE bytes"); \
    FJI_STATIC_ASSERT(FJI_TRIVIAL(type, ret),                                  \
                      "FJ_TASK: argument and result must be trivially copyable")

/* The body call that yields the carried value. */
#define FJI_RUN_RET(name, w, a) name##_fji_body(w, 0, a)
#define FJI_RUN_VOID(name, w, a) (name##_fji_body(w, 0, a), (char)0)

/* Everything but the user-callable function and the body's header. */
#define FJI_TASK_GEN(carried, name, type, RUN)                                 \
    FJI_TASK_SIZES(carried, type);                                             \
    static __attribute__((noinline, cold, unused)) carried                     \
    name##_fji_cold(fji_hot *fji_w, type fji_a)                                \
    {                                                                          \
        return RUN(name, fji_w, fji_a);                                        \
    }                                                                          \
    static __attribute__((unused)) void name##_fji_entry(void *fji_slot)       \
    {                                                                          \
        fji_task *fji_t = (fji_task *)fji_slot;                                \
        type fji_a;                                                            \
        memcpy(&fji_a, fji_t->payload, sizeof fji_a);                          \
        carried fji_r = name##_fji_cold(fji_tls_hot, fji_a);                   \
        memcpy(fji_t->payload, &fji_r, sizeof fji_r);                          \
    }                                                                          \
    FJI_TASK_PUSH(name, type, {                                                \
        carried fji_r = name##_fji_cold(fji_w, fji_a);                         \
        fji_task *fji_e = fji_typed_eager_push(fji_prev, name##_fji_entry);    \
        memcpy(fji_e->payload, &fji_r, sizeof fji_r);                          \
    })                                                                         \
    static inline carried name##_fji_sync(fji_hot *fji_w, fji_task *fji_t)     \
    {                                                                          \
        carried fji_r;                                                         \
        type fji_a;                                                            \
        if (__builtin_expect(fji_t >= fji_w->split, 1)) {                      \
            FJI_TYPED_CHECK(fji_w, fji_t, name##_fji_entry, #name);            \
            fji_w->top = fji_t;                                                \
            memcpy(&fji_a, fji_t->payload, sizeof fji_a);                      \
            FJI_TYPED_DIRECT(fji_w, fji_t, fji_r = RUN(name, fji_w, fji_a));   \
            return fji_r;                                                      \
        }                                                                      \
        fji_t = fji_typed_sync_slow(fji_w, fji_t, name##_fji_entry);           \
        if ((uintptr_t)fji_t & FJI_TYPED_RUN_IT) {                             \
            fji_t = (fji_task *)((uintptr_t)fji_t - FJI_TYPED_RUN_IT);         \
            memcpy(&fji_a, fji_t->payload, sizeof fji_a);                      \
            FJI_TYPED_DIRECT(fji_w, fji_t, fji_r = name##_fji_cold(fji_w, fji_a)); \
        } else {                                                               \
            memcpy(&fji_r, fji_t->payload, sizeof fji_r);                      \
        }                                                                      \
        return fji_r;                                                          \
    }

#define FJI_TASK(ret, name, type, arg)                                         \
    FJI_TASK_DECL(ret, ret, name, type);                                       \
    FJI_TASK_GEN(ret, name, type, FJI_RUN_RET)                                 \
    static inline ret name(type fji_a)                                         \
    {                                                                          \
        return name##_fji_cold(fji_tls_hot, fji_a);                            \
    }                                                                          \
    static inline ret name##_fji_body(fji_hot *fji_w_ __attribute__((unused)), \
                                      fji_task *fji_t_ __attribute__((unused)), type arg)

/* A void task carries a char: FJ_SYNC(name) then yields 0, used as a
 * statement. */
#define FJI_TASK_VOID(name, type, arg)                                         \
    FJI_TASK_DECL(void, char, name, type);                                     \
    FJI_TASK_GEN(char, name, type, FJI_RUN_VOID)                               \
    static inline void name(type fji_a)                                        \
    {                                                                          \
        (void)name##_fji_cold(fji_tls_hot, fji_a);                             \
    }                                                                          \
    static inline void name##_fji_body(fji_hot *fji_w_ __attribute__((unused)), \
                                       fji_task *fji_t_ __attribute__((unused)), type arg)

#ifdef __cplusplus
}
#endif

#endif /* FORJA_DETAIL_H */
