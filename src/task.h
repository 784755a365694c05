/* task.h - the task record and running one (task.c). */
#ifndef FJI_TASK_H
#define FJI_TASK_H

#include <string.h>

#include "forja.h"

struct fji_worker;

/* Fill t so that running it calls fn on a copy of size bytes of arg (size
 * <= FJ_COPY_INLINE: inside the record; larger: a heap block, or ENOMEM
 * with t untouched, so a reserved deque slot keeps its group: deque.c I6). */
int  fji_task_set_copy(fji_task *t, fj_fn fn, const void *arg, size_t size);

/* *dst = what running *src needs: fn, arg, group, flags, and the payload only
 * when it holds fn's argument (FJI_TASK_COPY). Not state: that is the slot's. */
static inline void fji_task_copy(fji_task *dst, const fji_task *src)
{
    dst->fn = src->fn;
    dst->arg = src->arg;
    dst->group = src->group;
    dst->flags = src->flags;
    if (src->flags & FJI_TASK_COPY)
        memcpy(dst->payload, src->payload, sizeof dst->payload);
}

/* *dst = *slot as fji_task_copy, then the slot is free again: its group back
 * to the typed marker (deque.c I6). For the owner taking a plain record out
 * of its deque before running it (the run may push into that slot). */
static inline void fji_task_take(fji_task *dst, fji_task *slot)
{
    fji_task_copy(dst, slot);
    fji_slot_free(slot);
}

/* Run a detached or root task (a stable copy) on worker w: counts it, runs
 * fn with the right argument, checks that it synced its groups, frees a heap
 * copy. */
void fji_task_run(struct fji_worker *w, fji_task *t);

/* Run fn(arg) as a child task on w (inline spawn, popped child): checks that
 * it synced its groups. */
void fji_task_run_child(struct fji_worker *w, fj_fn fn, void *arg);

#endif
