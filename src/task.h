/* task.h - the task record and running one (task.c). */
#ifndef FJI_TASK_H
#define FJI_TASK_H

#include "forja.h"

struct fji_worker;

/* Fill t so that running it calls fn on a copy of size bytes of arg (size
 * <= FJ_COPY_INLINE: inside the record; larger: a heap block, ENOMEM). */
int  fji_task_set_copy(fji_task *t, fj_fn fn, const void *arg, size_t size);


/* Run a detached or root task (a stable copy) on worker w: counts it, runs
 * fn with the right argument, checks that it synced its groups, frees a heap
 * copy. */
void fji_task_run(struct fji_worker *w, fji_task *t);

/* Run fn(arg) as a child task on w (inline spawn, popped child): checks that
 * it synced its groups. */
void fji_task_run_child(struct fji_worker *w, fj_fn fn, void *arg);

#endif
