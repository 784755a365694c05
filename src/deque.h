/* deque.h - the per-worker split deque (see deque.c for the protocol). */
#ifndef FJI_DEQUE_H
#define FJI_DEQUE_H

#include <stdbool.h>
#include <stdint.h>

#include "atomics.h"
#include "forja.h"

/* The deque: the owner's fields (detail.h's fji_hot: slots, head, split, end,
 * limit, splitreq) and, on its own cache line, the word thieves CAS. */
typedef struct fji_deque {
    fji_hot hot;
    _Alignas(64) uint64_t ts;     /* tail << 32 | split: see deque.c */
} fji_deque;

enum { FJI_POP_EMPTY, FJI_POP_TASK, FJI_POP_STOLEN };

/* Slot states, written by thieves only ([D5] in deque.c). */
#define FJI_SLOT_FRESH  0u            /* not stolen (or stolen, not yet marked) */
#define FJI_SLOT_DONE   0x7fffffffu   /* the thief is finished with the slot */
#define FJI_SLOT_WAITER 0x80000000u   /* the owner sleeps on the state word */

int  fji_deque_init(fji_deque *d, uint32_t cap);     /* 0 or ENOMEM */
void fji_deque_fini(fji_deque *d);

/* Owner only. reserve, commit and pop's private case are plain loads and
 * stores of the owner's fields (deque.c I1), inline for the worker loop. */
static inline fji_task *fji_deque_reserve(fji_deque *d)    /* NULL: full */
{
    fji_hot *w = &d->hot;
    return w->top == w->end ? NULL : w->top;
}

static inline void fji_deque_commit(fji_deque *d)          /* push the reserved slot */
{
    d->hot.top++;                               /* private until published */
}

bool fji_deque_publish_half(fji_deque *d);          /* answers [D6]; false: nothing private */
bool fji_deque_publish_all(fji_deque *d);           /* false: nothing private */
int  fji_deque_pop_public(fji_deque *d, fji_task **slot);  /* pop's other cases */

static inline int fji_deque_pop(fji_deque *d, fji_task **slot)
{
    fji_hot *w = &d->hot;
    if (w->top > w->split) {                    /* private: the inline path */
        *slot = --w->top;
        return FJI_POP_TASK;
    }
    return fji_deque_pop_public(d, slot);
}

void fji_deque_drop_stolen(fji_deque *d);
uint32_t fji_deque_size(const fji_deque *d);         /* owner: head */

/* Any thread. */
int  fji_deque_steal(fji_deque *d, uint32_t thief, fji_task *out, fji_task **slot);
bool fji_deque_has_public(const fji_deque *d);
void fji_deque_ask(fji_deque *d, bool insist);      /* request work ([D6]) */

/* Is a thief's request waiting for an answer: limit lowered to slots, as the
 * owner's spawns see it ([D6]; relaxed, a hint)? False outside any pool
 * (fji_outside: no slots). */
static inline bool fji_hot_asked(const fji_hot *h)
{
    return h->slots && fji_load_relaxed_ptr((void *const *)&h->limit) == h->slots;
}

/* The stolen-slot handshake ([D5]). */
void     fji_slot_mark_done(fji_task *slot);              /* thief */
uint32_t fji_slot_state(const fji_task *slot);            /* owner, acquire */
void     fji_slot_sleep_until_done(fji_task *slot);       /* owner */

#endif
