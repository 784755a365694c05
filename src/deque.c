/* deque.c - the per-worker work-stealing deque: a split deque.
 *
 * Words
 *   owner    the worker whose deque it is; it pushes and pops at the head.
 *   thief    any other worker; it claims slots at the tail. (The owner itself
 *            claims its own tail the same way in one case, as the only worker
 *            of its pool waiting above a typed slot: worker.c I5. Nothing
 *            here assumes the thief is another thread.)
 *   private  slots[split, head): only the owner reads or writes them.
 *   public   slots[tail, split): a thief may claim the one at tail.
 *   stolen   slots below tail that the owner has not popped yet.
 *   ts       one 64-bit word, tail << 32 | split, the only word thieves write
 *            (by CAS). head lives in the owner's fields (detail.h) and no
 *            other thread reads it.
 *
 * Why a split deque and not Chase-Lev. In Chase-Lev every pop by the owner
 * stores bottom, issues a StoreLoad fence and reads top, because any slot may
 * be stolen at any time. A fork-join program pops almost every task it pushes
 * (fib: all but a handful of 2.8 million), so that fence would be paid on
 * every spawn+sync pair, about as long as the pair's useful work. In a split
 * deque (Dinan et al., SC'09; Lace, van Dijk & van de Pol, Euro-Par'14) new
 * tasks are private, and the owner moves the split to make some public only
 * when a thief asks ([D6]). Pushing and popping private slots is plain
 * loads and stores (the inline half in include/forja/detail.h); the atomic
 * protocol runs only when a thief is hungry.
 * Unlike Lace, every change of ts is a CAS, by the owner as well as by
 * thieves: the owner's rare moves of the split (publish, take back) cannot
 * interleave with a thief's claim, so there is no fence whose absence would
 * be correct on x86 only by accident, and the model in tests/model/ needs no
 * store buffer for this word.
 *
 * Invariants
 *   I1  tail <= split <= head, except that after popping a stolen slot the
 *       owner has head == split == tail - 1 until it resets ts ([D4]).
 *   I2  A slot is claimed (tail moved past it) at most once between two pushes
 *       into it: claims are CASes that each advance tail by one [D2].
 *   I3  The owner touches a claimed slot only after its state is DONE [D5]; a
 *       thief touches it only between its claim and DONE.
 *   I4  When the owner finds the top slot public or stolen, head == split
 *       (I1), so tail == head means that slot was claimed.
 *   I5  The slot array never moves: capacity is fixed at init; a full deque
 *       makes fj_spawn run the child inline and fj_go use the injection queue.
 *   I6  A slot that holds no plain record (fj_spawn's child, a detached task)
 *       has group == FJI_TYPED_GROUP: set at init, restored by the owner
 *       (fji_slot_free) wherever it takes a plain record out of a slot -
 *       fj_sync's two pops, pop_own, the slow sync, a detached run, a dropped
 *       stolen slot - after reading it and before running it (fji_task_take
 *       where it copies the record out); a failed fill of a reserved slot
 *       writes nothing (fji_task_set_copy). So FJ_SPAWN
 *       writes no group (detail.h, typed tasks); debug builds check it there.
 *       Thieves never write group, so a typed slot stays typed while stolen.
 *
 * Orderings (each label is repeated at both sides)
 *   [D1] publish: the owner fills slots, then moves split up with a CAS
 *        (release as part of seq-cst). A thief's CAS [D2] that claims the slot
 *        reads that value or a later one in ts's modification order (a release
 *        sequence, since every later write is an RMW), so it sees the filled
 *        slot. Without it a thief could run a half-written task.
 *   [D2] claim: a thief CASes tail -> tail+1 on the value it loaded (acquire).
 *        It reads the slot only after winning, so an ABA on ts is harmless:
 *        the value it matched describes a public slot at that moment.
 *   [D3] take back: the owner CASes split down. Success means no thief
 *        claimed the slots it takes back; failure means tail moved, and it
 *        re-reads ts.
 *   [D4] reset: after popping a stolen slot (tail == split == head) no thief
 *        can succeed a CAS (nothing is public), so the owner stores
 *        ts = (head, head) with a relaxed store: it publishes no slot.
 *   [D5] slot state: the thief stores its id + 1 (relaxed: only a hint for
 *        leapfrogging), runs the task, then exchanges DONE (seq-cst, release
 *        half: the task's effects). The owner's acquire load of DONE
 *        pairs with it, so it sees the child's effects and may reuse the slot.
 *        An owner that wants to sleep CASes the WAITER bit into a state that
 *        holds a thief id and futex-waits on the word; the thief's exchange
 *        returns the bit and it wakes the owner: no lost wake-up, no timeout.
 *        A detached task (group NULL) is marked DONE as soon as it is copied.
 *   [D6] the request for work (fji_deque_ask): a thief that finds nothing
 *        public (or a worker about to park: sleep.c [S3]) CASes splitreq
 *        0 -> 1 (seq-cst, so acquire; read first, so that a pending request
 *        costs no cache-line transfer) and, if it won, stores limit = slots
 *        (relaxed). The owner's spawns test top >= limit (detail.h), so the
 *        next spawn takes the slow path, pushes, and answers; fj_sync's
 *        pops test limit < top and answer in its slow path (a flat loop of
 *        spawns is otherwise answered once). The answer
 *        (fji_deque_publish_half): limit = end (relaxed), then splitreq = 0
 *        (release), then publishes the older half of its private slots,
 *        the new child counted among them (so a lone child is published),
 *        with a CAS [D1].
 *        No request is lost for good. While splitreq is 1, limit is
 *        lowered, or its store is on the way, or the owner is answering:
 *        the one thief whose CAS won stores it; the owner raises limit only
 *        when it answers, before it clears splitreq; and a thief's CAS that
 *        reads that clear (acquire from the release) puts its own store of
 *        limit after the owner's in limit's modification order, so the
 *        owner cannot overwrite it. (tests/model/deque.pml checks this
 *        invariant in sequentially consistent runs; clearing splitreq before
 *        raising limit breaks it. The orders above carry it to weak memory:
 *        on aarch64 the CAS is fenced and the release store is a dmb ish
 *        and a store: src/atomics.h.)
 *        The CAS also makes one thief per request write the owner's hot
 *        line, whatever the number of hungry thieves. Its cost: between a
 *        winner's CAS and its store of limit nobody else asks, so a winner
 *        preempted there delays every request to that owner until it runs
 *        again. A worker about to park therefore insists (sleep.c [S3]):
 *        seeing splitreq 1 and limit not lowered, it lowers limit itself,
 *        which at worst causes one answer nobody needed. Thieves that only
 *        spin do not, so that they never read the owner's hot line.
 *        Only a hint: an unanswered request costs time, never a task.
 *
 * Checked by: tests/test_deque.c, tests/stress_deque.c (also under TSan), and
 * the model in tests/model/.
 */
#include "deque.h"

#include <errno.h>
#include <string.h>

#include "atomics.h"
#include "os.h"
#include "task.h"

/* head and split as indices; the owner's fields hold them as pointers. */
#define HEAD(w) ((uint32_t)((w)->top - (w)->slots))
#define SPLIT(w) ((uint32_t)((w)->split - (w)->slots))

#define TS(tail, split) (((uint64_t)(tail) << 32) | (uint32_t)(split))
#define TS_TAIL(ts) ((uint32_t)((ts) >> 32))
#define TS_SPLIT(ts) ((uint32_t)(ts))

int fji_deque_init(fji_deque *d, uint32_t cap)
{
    memset(d, 0, sizeof *d);
    d->hot.slots = fji_alloc_aligned(64, (size_t)cap * sizeof(fji_task));
    if (!d->hot.slots)
        return ENOMEM;
    /* No memset: a slot is written before it is read, but for its state,
     * which must start FRESH, and its group, which a free slot keeps at
     * FJI_TYPED_GROUP (I6). */
    for (uint32_t i = 0; i < cap; i++) {
        d->hot.slots[i].state = FJI_SLOT_FRESH;
        fji_slot_free(&d->hot.slots[i]);
    }
    d->hot.top = d->hot.split = d->hot.slots;
    d->hot.end = d->hot.slots + cap;
    d->hot.limit = d->hot.end;
    return 0;
}

void fji_deque_fini(fji_deque *d)
{
    fji_free(d->hot.slots);
    d->hot.slots = NULL;
}

uint32_t fji_deque_size(const fji_deque *d)
{
    return HEAD(&d->hot);
}

/* Move split up to ns (> split, <= head). */
static void publish_to(fji_deque *d, uint32_t ns)
{
    for (;;) {
        uint64_t ts = fji_load_relaxed_64(&d->ts);  /* the CAS validates it */
        if (fji_cas_seq_cst_64(&d->ts, ts, TS(TS_TAIL(ts), ns)))  /* [D1] */
            break;
        /* a thief moved tail: retry with the new tail (lock-free: each
         * failure is some thief's success) */
    }
    d->hot.split = d->hot.slots + ns;
}

void fji_deque_ask(fji_deque *d, bool insist)
{
    fji_hot *w = &d->hot;
    bool won = !fji_load_relaxed_32(&w->splitreq)           /* [D6] */
               && fji_cas_seq_cst_32(&w->splitreq, 0, 1);   /* [D6]: acquires the
                                                   owner's release clear */
    if (!won && (!insist || fji_hot_asked(w)))
        return;                                 /* asked, or on its way; a lost
                                                   CAS that insists goes on */
    fji_store_relaxed_ptr((void **)&w->limit, w->slots);    /* [D6]: read by the
                                                   owner's spawns (fji_limit) */
}

bool fji_deque_publish_half(fji_deque *d)
{
    fji_hot *w = &d->hot;
    fji_store_relaxed_ptr((void **)&w->limit, w->end);      /* [D6] answer: */
    fji_store_release_32(&w->splitreq, 0);                  /* limit, then splitreq */
    uint32_t s = SPLIT(w), h = HEAD(w);
    if (h == s)
        return false;
    publish_to(d, s + (h - s + 1) / 2);         /* the older half, at least one */
    return true;
}

bool fji_deque_publish_all(fji_deque *d)
{
    fji_hot *w = &d->hot;
    if (w->top == w->split)
        return false;
    publish_to(d, HEAD(w));
    return true;
}

/* fji_deque_pop (deque.h) when no slot is private. */
int fji_deque_pop_public(fji_deque *d, fji_task **slot)
{
    fji_hot *w = &d->hot;
    uint32_t h = HEAD(w);
    if (h == 0)
        return FJI_POP_EMPTY;
    for (;;) {                                  /* I4: h == split */
        uint64_t ts = fji_load_acquire_64(&d->ts);  /* [D2]: sees claims; the
                                                       take-back CAS [D3] validates it */
        uint32_t t = TS_TAIL(ts);
        if (t >= h) {                           /* claimed: wait for [D5] */
            *slot = &w->slots[h - 1];
            return FJI_POP_STOLEN;
        }
        /* Take back the newer half of the public slots, at least the top. */
        uint32_t ns = t + (h - t) / 2;
        if (fji_cas_seq_cst_64(&d->ts, ts, TS(t, ns))) {   /* [D3] */
            w->split = w->slots + ns;
            *slot = --w->top;
            return FJI_POP_TASK;
        }
    }
}

void fji_deque_drop_stolen(fji_deque *d)
{
    fji_hot *w = &d->hot;
    uint32_t h = HEAD(w) - 1;
    /* [D5]: the caller saw DONE with an acquire load, so this store follows
     * the thief's last write to the state in its modification order. */
    fji_store_relaxed_32(&w->slots[h].state, FJI_SLOT_FRESH);
    w->top = w->split = w->slots + h;
    fji_store_relaxed_64(&d->ts, TS(h, h));     /* [D4] */
}

int fji_deque_steal(fji_deque *d, uint32_t thief, fji_task *out, fji_task **slot)
{
    uint64_t ts = fji_load_acquire_64(&d->ts);  /* [D1] with the owner's CAS */
    uint32_t t = TS_TAIL(ts);
    if (t >= TS_SPLIT(ts)) {
        fji_deque_ask(d, false);                /* [D6] */
        return 0;
    }
    if (!fji_cas_seq_cst_64(&d->ts, ts, TS(t + 1, TS_SPLIT(ts))))   /* [D2] */
        return -1;
    fji_task *x = &d->hot.slots[t];
    fji_task_copy(out, x);                      /* stable: we own the claim */
    if (x->group == NULL)
        fji_slot_mark_done(x);                  /* [D5] detached: nobody waits */
    else
        fji_store_relaxed_32(&x->state, thief + 1);     /* [D5] who to leapfrog */
    *slot = x;
    return 1;
}

bool fji_deque_has_public(const fji_deque *d)
{
    uint64_t ts = fji_load_relaxed_64(&d->ts);  /* a hint; steal re-checks */
    return TS_TAIL(ts) < TS_SPLIT(ts);
}

void fji_slot_mark_done(fji_task *slot)
{
    uint32_t old = fji_fas_seq_cst_32(&slot->state, FJI_SLOT_DONE);   /* [D5] */
    if (old & FJI_SLOT_WAITER)
        fji_futex_wake(&slot->state, 1);        /* the slot outlives the wait */
}

uint32_t fji_slot_state(const fji_task *slot)
{
    return fji_load_acquire_32(&slot->state);   /* [D5] */
}

void fji_slot_sleep_until_done(fji_task *slot)
{
    for (;;) {
        uint32_t v = fji_load_acquire_32(&slot->state);     /* [D5] */
        if (v == FJI_SLOT_DONE)
            return;
        if (v == FJI_SLOT_FRESH) {              /* claimed, id not yet stored */
            fji_cpu_relax();
            continue;
        }
        if (!(v & FJI_SLOT_WAITER)) {
            if (!fji_cas_seq_cst_32(&slot->state, v, v | FJI_SLOT_WAITER))   /* [D5]
                                       vs the thief's DONE exchange */
                continue;                       /* DONE arrived first */
            v |= FJI_SLOT_WAITER;
        }
        fji_futex_wait(&slot->state, v);        /* [D5]: the thief wakes us */
    }
}
