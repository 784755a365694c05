/* task.c - the task record: where fn's argument lives, running a task
 * exactly once, and the check that a task synced what it spawned.
 *
 * A record (fji_task, detail.h) is 96 bytes: fn, arg, group, a state word
 * that only thieves write (deque.c [D5]), flags, and 64 payload bytes.
 *   group != NULL  a child of fj_spawn: counted when spawned (detail.h), its
 *                  parent's fj_sync waits for it.
 *   group == NULL  detached (fj_go, fj_go_copy) or a root (fj_run): counted
 *                  when it runs; nobody waits on its slot.
 *   FJI_TASK_COPY  fn gets a pointer to a copy of payload made on the stack of
 *                  the runner, aligned like payload (16 = alignof(max_align_t)
 *                  on x86-64 and aarch64), since the slot may be reused while
 *                  fn runs.
 *   FJI_TASK_HEAP  arg is a malloc'ed copy; freed after fn returns.
 *
 * Invariants
 *   I1  Each record is run at most once: whoever holds it (owner pop, thief
 *       claim, injection claim) won it with the protocol of its queue; this
 *       file only runs what it is given.
 *   I2  A task returns with every group it spawned into synced. Checked after
 *       every task that this file runs and after every child that the inline
 *       sync pops: head must be back at the task's base (no child of it left
 *       in the deque; detached slots may stay), and in debug builds the count
 *       of its groups with un-synced children (detail.h: open) must be zero.
 * No atomics here.
 */
#include "task.h"

#include <errno.h>
#include <stdalign.h>
#include <stddef.h>
#include <string.h>

#include "atomics.h"
#include "os.h"
#include "pool.h"
#include "worker.h"

_Static_assert(alignof(max_align_t) <= 16, "payload alignment");
_Static_assert(sizeof(fji_task) % 16 == 0, "record size");

int fji_task_set_copy(fji_task *t, fj_fn fn, const void *arg, size_t size)
{
    void *heap = NULL;
    if (size > FJ_COPY_INLINE) {
        heap = fji_alloc(size);                 /* malloc: aligned for any type */
        if (!heap)
            return ENOMEM;                      /* t untouched */
        memcpy(heap, arg, size);
    }
    t->fn = fn;
    t->group = NULL;
    t->arg = heap;                              /* NULL unless on the heap */
    if (heap) {
        t->flags = FJI_TASK_HEAP;
    } else if (size > 0) {
        memcpy(t->payload, arg, size);
        t->flags = FJI_TASK_COPY;
    } else {
        t->flags = 0;
    }
    return 0;
}

void fji_check_leftovers(fji_hot *h, const fji_task *base)
{
    bool unsynced = h->open != 0;
    for (const fji_task *t = base; t < h->top && !unsynced; t++)
        unsynced = t->group != NULL;
    if (unsynced)
        fji_die("a task returned while a group it spawned into has un-synced "
                "children (call fj_sync on every group, and FJ_SYNC every "
                "FJ_SPAWN, before returning)");
}

void fji_task_run_child(fji_worker *w, fj_fn fn, void *arg)
{
    fji_hot *h = &w->deque.hot;
    fji_task *base = h->top;
    uint32_t open = h->open;
    h->open = 0;                                /* I2 */
    w->depth++;                                 /* worker.c I4 */
    fn(arg);
    w->depth--;
    if (h->top != base || h->open)
        fji_check_leftovers(h, base);
    h->open = open;
}

void fji_task_run(fji_worker *w, fji_task *t)
{
    fji_count_task(&w->deque.hot);
    void *arg = (t->flags & FJI_TASK_COPY) ? (void *)t->payload : t->arg;
    fji_task_run_child(w, t->fn, arg);
    if (t->flags & FJI_TASK_HEAP)
        fji_free(t->arg);
}

void fji_run_detached_slot(fji_hot *h, fji_task *slot)
{
    fji_task t;                                 /* the slot may be reused by fn */
    fji_task_take(&t, slot);                    /* group is NULL: detached */
    fji_task_run((fji_worker *)(void *)h, &t);
}
