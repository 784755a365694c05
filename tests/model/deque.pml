/* deque.pml - the split deque of src/deque.c, one owner and two thieves,
 * checked exhaustively by spin (tests/model/check.sh runs it).
 *
 * What it proves, for every interleaving of the bounded system:
 *   exactly-once  every task is run exactly once: by the owner (private pop,
 *                 take-back), by one thief (claim), or inline (deque full).
 *                 exec_task() asserts the task never ran before; the final monitor
 *                 asserts every task ran.
 *   no deadlock   no reachable state where the owner is stuck (waiting for a
 *                 stolen slot that nobody will mark DONE, or asleep on a
 *                 slot's futex with nobody to wake it): spin's invalid end
 *                 states.
 *   sync          fj_sync returns only after every child has run
 *                 (group.c I1: assert unrun == 0).
 *   I1-I4, [D4]   the owner never writes a slot a thief still holds
 *                 (assert !held[]), no slot is claimed twice, and
 *                 drop_stolen's plain store of ts happens only when nothing
 *                 is public.
 *   [D6]          no lost request: while splitreq is set, the limit is
 *                 lowered or about to be (request_monitor).
 * Leapfrogging: while fj_sync waits for a stolen child, the owner may run a
 * task stolen from the thief, which launches a detached task with fj_go, or
 * waits inside on a wait group (see wait_stolen below); -DLF=0 checks the
 * deque protocol alone, -DLF=1 or 2 one kind of leapfrogged task.
 * -DMUTANT=1..7 plants one known bug each (check.sh expects every one to
 * fail): publish or take-back by plain store instead of CAS, a child marked
 * DONE before it runs, the WAITER bit set by a plain store, and the two
 * leapfrogging bugs the soak driver found (5: a helping wait drops the slot
 * a suspended sync waits on, fixed in c0234fd; 6: sync drops the top slot
 * after the wait even if a leapfrogged fj_go left one above, fixed in
 * 2a73690), and 7: an answer that clears splitreq before it raises limit.
 *
 * Bounds (cpp macros, check.sh sets them): CAP slots (the deque is full at
 * CAP: fj_spawn runs the child inline, fj_go goes to the injection queue),
 * NTASKS tasks, 2 thieves. The owner's root task makes each task either a
 * child (fj_spawn into its one group) or a detached task (fj_go from a task),
 * syncs the group whenever it likes (several rounds of spawn/sync), then
 * returns, and the worker loop drains what is left (worker.c pop_own).
 * Thieves try to steal again whenever ts or splitreq has changed; an idle
 * thief blocked there is a valid end state (a thief that stopped looking),
 * a thief holding a slot always finishes it.
 *
 * Memory model. Every step is sequentially consistent here. That is sound for
 * this protocol because the one word thieves write, ts, changes only by CAS
 * (seq-cst RMW; a thief that wins its CAS reads-from the owner's last publish
 * CAS or a later RMW: [D1]/[D2]), and a thief reads a slot's fields only
 * after winning that CAS. The only plain (non-RMW) stores to shared words
 * are: the slot fields (always followed by the publish CAS before a thief can
 * read them), splitreq's clear and limit (only the request monitor depends
 * on their order, checked here sequentially consistent; deque.c [D6] argues
 * the weak-memory case), the thief's relaxed "thief id" state store
 * (a hint, followed in its program order by the DONE exchange), and
 * drop_stolen's two relaxed stores (slot state FRESH, ts = (h,h)). With
 * -DTSO the model puts those last two into an x86-TSO store buffer of the
 * owner (its own later loads forward from the buffer, its RMWs drain it,
 * a flusher process drains it at any time; it holds one drop_stolen at a
 * time): the results are the same.
 *
 * Why there is no "bottom store + StoreLoad fence" here. Chase-Lev's owner
 * pop stores bottom, fences, then reads top, because any slot may be stolen
 * at any time; removing that fence breaks it on x86 (store buffering). In
 * this split deque the owner's pops of private slots read and write only
 * owner-private fields (top, the owner's copy of split): a thief can claim a
 * slot only if ts says it is public, and only the owner's CAS can make it
 * so. Every move of the split (publish [D1], take back [D3]) is a CAS: a
 * locked RMW, which is its own full barrier. So there is no store whose
 * delay past a later load could lose or duplicate a task, and no fence to
 * remove. The StoreLoad barrier this runtime does need lives in the sleep
 * protocol (src/sleep.c [S1], P2 <-> K2; also inject.c [J3] and wg.c [W2],
 * same shape): tests/model/sleep.pml models it with store buffers and shows
 * the lost wake-up when it is removed.
 *
 * Not modelled here: the thief's side of leapfrogging (the waiting owner
 * stealing from the thief is this same protocol on the thief's deque), the
 * sleep protocol (the
 * publish CAS is its P1: sleep.pml), the injection queue (a full deque's
 * fj_go goes there; inject.c), a thief's own deque (same protocol).
 *
 * Citations name the C function in src/deque.c, src/group.c, src/worker.c,
 * src/go.c or include/forja/detail.h, with its ordering label ([D1]...) or
 * a short quote of the statement; never line numbers, which every edit moves.
 */

#ifndef CAP
#define CAP 3
#endif
#ifndef MUTANT
#define MUTANT 0      /* check.sh: 1-7 plant a known bug each; the check must fail */
#endif
#ifndef NTASKS
#define NTASKS 4
#endif
#define NTHIEVES 2
#define LF_TASK (NTASKS + 1)  /* the task a leapfrogged task leaves behind */
#ifndef LF
#define LF 3                  /* leapfrogging: bit 0 fj_go, bit 1 in-task wait */
#endif

/* Slot states (deque.h): thief id + 1 is 1 or 2 here. */
#define FRESH  0
#define DONE   15                       /* FJI_SLOT_DONE */
#define WAITER 16                       /* FJI_SLOT_WAITER */

/* fji_deque_pop results (deque.h) */
#define POP_EMPTY  0
#define POP_TASK   1
#define POP_STOLEN 2

/* ---------------------------------------------------------------- shared */

byte ts_tail, ts_split;   /* ts = tail << 32 | split: read and written as one
                             word, always inside atomic { } */
bit  splitreq;            /* [D6] */
bit  asked;               /* [D6]: fji_hot.limit == slots (0: limit == end) */
byte asking;              /* thieves between their won CAS and limit = slots */
bit  answering;           /* the owner between limit = end and splitreq = 0 */
byte slot_task[CAP];      /* fn/arg: which task (1..NTASKS) */
bit  slot_child[CAP];     /* group != NULL */
byte slot_state[CAP];     /* [D5] */

/* ---------------------------------------------------------------- owner */

byte top;                 /* fji_hot.top as an index (head) */
byte osplit;              /* fji_hot.split: the owner's copy of split */
byte pending;             /* fji_group.pending of the root task's group */
bit  owner_asleep;        /* blocked in FUTEX_WAIT on slot_state[wait_slot] */
byte wait_slot;
bit  owner_done;
bit  lf_used;             /* the owner leapfrogged once */

/* ---------------------------------------------------------------- ghosts */

byte ran[NTASKS + 2];     /* how often each task ran (NTASKS + 1: LF_TASK) */
bit  held[CAP];           /* a thief is between its claim and DONE (I3) */
byte unrun;               /* children spawned and not yet run */
byte inflight;            /* thieves between a claim and the end of the task */

#ifdef TSO
/* The owner's store buffer for drop_stolen's two relaxed stores, oldest
 * first. sb_state_slot: CAP = empty. */
byte sb_state_slot = CAP; /* buffered: slot_state[sb_state_slot] = FRESH */
bit  sb_ts;               /* buffered: ts = (sb_ts_val, sb_ts_val) */
byte sb_ts_val;
#define DRAIN (sb_state_slot == CAP && !sb_ts)   /* an RMW waits for this */
#define OWN_TAIL  (sb_ts -> sb_ts_val : ts_tail)
#define OWN_SPLIT (sb_ts -> sb_ts_val : ts_split)
#define OWN_STATE(i) (sb_state_slot == (i) -> FRESH : slot_state[i])
#else
#define DRAIN true
#define OWN_TAIL  ts_tail
#define OWN_SPLIT ts_split
#define OWN_STATE(i) slot_state[i]
#endif

inline exec_task(id, child)
{
    assert(id >= 1 && id <= LF_TASK && ran[id] == 0);
    ran[id]++;
    if :: child -> unrun-- :: else fi
}

/* futex_wake(&slot_state[i], 1) (os.c): wakes the owner if it sleeps there. */
inline futex_wake(i)
{
    atomic { if :: owner_asleep && wait_slot == i -> owner_asleep = 0; wait_slot = 0 :: else fi }
}

/* ------------------------------------------------------------ owner steps */

/* deque.c publish_to: move split up to ns. */
inline publish_to(ns)
{
    do
    :: atomic { lt = OWN_TAIL; ls = OWN_SPLIT }              /* relaxed load of ts */
#if MUTANT == 1
       atomic { DRAIN; ts_tail = lt; ts_split = ns; ok = 1 }  /* plain store */
#else
       atomic {                                              /* the CAS [D1] */
           DRAIN;
           if
           :: ts_tail == lt && ts_split == ls -> ts_split = ns; ok = 1;
              printf("MSC: owner publishes: ts = (tail %d, split %d), head %d\n", ts_tail, ts_split, top)
           :: else -> ok = 0
           fi
       }
#endif
       if
       :: ok -> break
       :: else                                               /* a thief moved tail: retry */
       fi
    od;
    osplit = ns                                              /* d->hot.split = ... + ns */
}

/* deque.c fji_deque_publish_half, called after a push whose limit test
 * found a request (detail.h, group.c fji_spawn_slow / fji_spawn_answer). */
inline publish_half()
{
#if MUTANT == 7
    splitreq = 0;                                            /* BUG: the flag first */
    asked = 0;
#else
    atomic { asked = 0; answering = 1 }                      /* limit = end [D6] */
    atomic { splitreq = 0; answering = 0 }                   /* then splitreq = 0 [D6] */
#endif
    if
    :: top == osplit                                         /* h == s: nothing private */
    :: else -> publish_to(osplit + (top - osplit + 1) / 2)   /* the older half, at least one */
    fi
}

/* deque.c fji_deque_publish_all (from go.c submit). */
inline publish_all()
{
    if
    :: top != osplit -> publish_to(top)                      /* publish_to(d, HEAD(w)) */
    :: else
    fi
}

/* deque.c fji_deque_pop. The inline fj_sync (detail.h: its loop, and its
 * fast path for the group's last child, a special case) is the private
 * branch (top > split): same test, same effect. */
inline pop(res, si)
{
    h = top;                                                 /* h = HEAD(w) */
    if
    :: h == 0 -> res = POP_EMPTY                             /* h == 0: empty */
    :: h > 0 && top > osplit ->                              /* private: the inline path */
       top--; si = top; res = POP_TASK                       /* *slot = --w->top */
    :: else ->
       assert(h == osplit);                                  /* I4 */
       do
       :: atomic { lt = OWN_TAIL; ls = OWN_SPLIT }           /* acquire load of ts [D2] */
          assert(ls == h && lt <= h);                        /* I1 */
          if
          :: lt >= h -> si = h - 1; res = POP_STOLEN;         /* t >= h: claimed */
             printf("MSC: owner pop: slot %d was stolen (task %d), wait for it\n", si, slot_task[si]);
             break
          :: else ->
             ns = lt + (h - lt) / 2;                         /* ns = t + (h - t) / 2 */
#if MUTANT == 2
             atomic { DRAIN; ts_tail = lt; ts_split = ns; ok = 1 }   /* plain store */
#else
             atomic {                                        /* the take-back CAS [D3] */
                 DRAIN;
                 if
                 :: ts_tail == lt && ts_split == ls -> ts_split = ns; ok = 1
                 :: else -> ok = 0
                 fi
             }
#endif
             if
             :: ok -> osplit = ns; top--; si = top; res = POP_TASK;  /* [D3] won */
                printf("MSC: owner takes back slot %d (task %d)\n", si, slot_task[si]);
                break
             :: else                                         /* CAS failed: retry */
             fi
          fi
       od
    fi
}

/* deque.c fji_deque_drop_stolen. */
inline drop_stolen()
{
    h = top - 1;                                             /* h = HEAD(w) - 1 */
    printf("MSC: owner drop_stolen: resets slot %d (task %d), ts = (%d, %d)\n", h, slot_task[h], h, h);
    assert(!held[h] && slot_state[h] == DONE);               /* I3: [D5] seen */
    assert(OWN_TAIL == top && OWN_SPLIT == top);             /* [D4] nothing public */
#ifdef TSO
    DRAIN;                           /* the model's buffer holds one drop_stolen */
    sb_state_slot = h;                                       /* state FRESH, relaxed, buffered */
    top = h; osplit = h;                                     /* top = split = h */
    atomic { sb_ts = 1; sb_ts_val = h }                      /* ts = (h, h) [D4], buffered */
#else
    slot_state[h] = FRESH;                                   /* state FRESH, relaxed */
    top = h; osplit = h;                                     /* top = split = h */
    atomic { ts_tail = h; ts_split = h }                     /* ts = (h, h) [D4] relaxed */
#endif
}

/* deque.c fji_slot_sleep_until_done. */
inline sleep_until_done(si)
{
    do
    :: v = OWN_STATE(si);                                    /* acquire load [D5] */
       if
       :: v == DONE -> break                                 /* DONE: return */
       :: v == FRESH -> (slot_state[si] != FRESH)            /* FRESH: spin */
       :: else ->
          if
          :: (v & WAITER) == 0 ->
#if MUTANT == 4
             atomic { DRAIN; slot_state[si] = v | WAITER; ok = 1 }  /* plain store */
#else
             atomic {                                        /* the WAITER CAS [D5] */
                 DRAIN;
                 if
                 :: slot_state[si] == v -> slot_state[si] = v | WAITER; ok = 1
                 :: else -> ok = 0                           /* DONE arrived first */
                 fi
             }
#endif
             if :: ok -> v = v | WAITER :: else fi           /* v |= WAITER */
          :: else -> ok = 1
          fi;
          if
          :: ok ->                                           /* fji_futex_wait [D5] */
             atomic {
                 DRAIN;                                      /* the syscall drains */
                 if
                 :: slot_state[si] == v -> owner_asleep = 1; wait_slot = si
                 :: else                                     /* value changed */
                 fi
             }
             !owner_asleep                                   /* woken (or never slept) */
          :: else
          fi
       fi
    od
}

/* group.c wait_stolen: poll, leapfrog, and after SYNC_SPINS +
 * SYNC_YIELDS polls - here: at any time - sleep until DONE. Polling is
 * modelled as blocking until the state changes, which is what an unbounded
 * poll loop does.
 * Leapfrogging (wait_stolen's call of worker.c fji_worker_leapfrog): the owner
 * steals a task X from the thief and runs it on this worker, on top of the
 * waiting sync. X is not one of the model's tasks; what matters is what X
 * does to this deque, once per run:
 *   LF & 1  X launches a detached task with fj_go (go.c submit: push on this
 *           deque, publish_all) and returns; the task stays in the deque
 *           (task.c I2 allows detached slots to stay), above the slot the
 *           sync waits for.
 *   LF & 2  X waits inside (fj_wg_wait on a wait group someone else
 *           releases): worker.c help_until runs find() -> pop_own() on this
 *           deque any number of times, which may pop below X's own base
 *           (private work of the tasks below), but leaves stolen slots
 *           alone while a task is on the stack (worker.c I4).
 * -DLF=0 leaves leapfrogging out (the deque protocol alone); default 3. */
inline leapfrog_go()
{
    printf("MSC: owner leapfrogs: runs a task stolen from the thief; it calls fj_go (task %d)\n", LF_TASK);
    if
    :: top == CAP -> d_step { exec_task(LF_TASK, 0) }       /* submit: full, injection */
    :: else ->
       d_step {
           assert(!held[top] && OWN_STATE(top) == FRESH);
           slot_task[top] = LF_TASK;                        /* go.c submit: fill */
           slot_child[top] = 0;
           top++                                            /* fji_deque_commit */
       }
       publish_all()                                        /* fji_deque_publish_all */
    fi;
    d_step { lt = 0; ls = 0; ok = 0 }
}

/* worker.c pop_own, as find() calls it from X's help loop. */
inline leapfrog_wait()
{
    printf("MSC: owner leapfrogs: runs a task stolen from the thief; it waits inside (fj_wg_wait)\n");
    do
    :: pop(res2, si2);                                      /* pop_own: fji_deque_pop */
       if
       :: res2 == POP_EMPTY -> break                        /* pop_own: return false */
       :: res2 == POP_STOLEN ->
#if MUTANT == 5
          /* before c0234fd: a helping wait dropped a DONE stolen slot */
          if
          :: OWN_STATE(si2) == DONE ->
             printf("MSC:   its help loop (pop_own) drops stolen slot %d\n", si2);
             sg = slot_child[si2];
             drop_stolen();
             d_step {
                 if :: sg -> pending-- :: else fi;
                 slot_task[si2] = 0; slot_child[si2] = 0; sg = 0
             }
          :: else -> break
          fi
#else
          break                      /* pop_own I4: w->depth > 0, leave it */
#endif
       :: res2 == POP_TASK ->                               /* pop_own: a task to run */
          d_step {
              if :: slot_child[si2] -> pending-- :: else fi;
              exec_task(slot_task[si2], slot_child[si2]);
              slot_task[si2] = 0; slot_child[si2] = 0
          }
       fi
    :: break                                                /* the wait group is released */
    od;
    skip;                                                   /* X returns */
    d_step { h = 0; lt = 0; ls = 0; ns = 0; res2 = 0; si2 = 0; ok = 0 }
}

inline wait_stolen(si)
{
    do
    :: atomic {
           v = OWN_STATE(si);                                /* fji_slot_state [D5] */
           printf("MSC: owner's fj_sync reads stolen slot %d: state %d\n", si, v)
       }
       if
       :: v == DONE -> break                                 /* DONE: return */
       :: else ->
          if
          :: (slot_state[si] != v)                           /* relax or yield, poll again */
#if LF & 1
          :: v != FRESH && !lf_used -> lf_used = 1; leapfrog_go()     /* leapfrog, I2 */
#endif
#if LF & 2
          :: v != FRESH && !lf_used -> lf_used = 1; leapfrog_wait()   /* leapfrog, I2 */
#endif
          :: sleep_until_done(si); break                     /* polls used up: sleep */
          fi
       fi
    od
}

/* ---------------------------------------------------------------- owner */

active proctype owner()
{
    byte created, id, h, lt, ls, ns, si, v, res, si2, res2;
    bit ok, sg, ask;

    /* The root task: spawn / go / sync in any order. */
    do
    :: created < NTASKS ->
       created++;
       id = created;
       if
       :: true ->                            /* fj_spawn(&g, ...), detail.h */
          if
          :: top == CAP ->                   /* full: group.c fji_spawn_slow, inline */
             d_step { unrun++; exec_task(id, 1) }
          :: else ->
             ask = asked;                    /* fji_spawn_fits: top >= limit [D6] */
             d_step {
                 assert(!held[top] && OWN_STATE(top) == FRESH);  /* I3 */
                 unrun++;
                 printf("MSC: owner fj_spawn: task %d into slot %d\n", id, top);
                 slot_task[top] = id;        /* t->fn, t->arg, t->group = gr */
                 slot_child[top] = 1;
                 top++;                      /* w->top = t + 1 */
                 pending++                   /* gr->pending++ */
             }
             if
             :: ask -> ask = 0; publish_half()   /* asked: fji_spawn_slow answers */
             :: else
             fi
          fi
       :: true ->                            /* fj_go from a task: go.c submit */
          if
          :: top == CAP ->                   /* fji_deque_reserve NULL: the injection
                                                queue takes it (inject.c), runs once */
             d_step { exec_task(id, 0) }
          :: else ->
             d_step {
                 assert(!held[top] && OWN_STATE(top) == FRESH);  /* I3 */
                 printf("MSC: owner fj_go: task %d into slot %d\n", id, top);
                 slot_task[top] = id;        /* go.c submit: fill, group NULL */
                 slot_child[top] = 0;
                 top++                       /* fji_deque_commit: top++ */
             }
             publish_all()                   /* fji_deque_publish_all */
          fi
       fi;
       d_step { id = 0; lt = 0; ls = 0; ok = 0 }
    :: pending > 0 ->                        /* fj_sync(&g): detail.h, group.c fji_sync_slow */
       do
       :: pending == 0 ->                    /* fj_sync's and fji_sync_slow's pending test */
          assert(unrun == 0);                /* group.c I1: every child has run */
          break
       :: else ->
          pop(res, si);                      /* fji_sync_slow's pop (inline: fj_sync's) */
          if
          :: res == POP_EMPTY -> assert(false)              /* fji_sync_slow: fji_die */
          :: res == POP_TASK ->
             d_step {
                 if
                 :: slot_child[si] -> pending--             /* s->group->pending-- */
                 :: else                                    /* fji_run_detached_slot */
                 fi;
                 exec_task(slot_task[si], slot_child[si]);  /* fji_task_run_child */
                 slot_task[si] = 0; slot_child[si] = 0      /* (model: forget it) */
             }
          :: res == POP_STOLEN ->
#if MUTANT == 6
             /* before 2a73690: wait, then drop the top, whatever it is */
             wait_stolen(si);
             sg = slot_child[si];
             drop_stolen();
             d_step {
                 if :: sg -> pending-- :: else fi;
                 slot_task[si] = 0; slot_child[si] = 0
             }
#else
             if
             :: OWN_STATE(si) != DONE ->                    /* fji_sync_slow: not DONE [D5] */
                wait_stolen(si);                            /* wait_stolen */
                skip                                        /* break: pop again (I3) */
             :: else ->
                sg = slot_child[si];                        /* sg = s->group */
                drop_stolen();                              /* fji_deque_drop_stolen */
                d_step {
                    if :: sg -> pending-- :: else fi;       /* if (sg) sg->pending-- */
                    slot_task[si] = 0; slot_child[si] = 0
                }
             fi
#endif
          fi;
          d_step { h = 0; lt = 0; ls = 0; ns = 0; si = 0; v = 0; res = 0; ok = 0; sg = 0 }
       od
    :: created == NTASKS && pending == 0 -> break           /* the root task returns */
    od;

    /* worker.c fji_worker_main: pop_own (through find) drains what the root
     * task left (detached tasks, stolen or not). A stolen top that is not DONE
     * makes pop_own return false; the worker searches elsewhere and retries:
     * blocking until DONE is the same (ts cannot change meanwhile). */
    do
    :: pop(res, si);                                        /* pop_own: fji_deque_pop */
       if
       :: res == POP_EMPTY -> break                         /* pop_own: return false */
       :: res == POP_STOLEN ->
          (OWN_STATE(si) == DONE);                          /* pop_own I4: depth 0, state DONE */
          assert(!slot_child[si]);          /* children were all synced */
          drop_stolen();                                    /* pop_own: fji_deque_drop_stolen */
          d_step { slot_task[si] = 0; slot_child[si] = 0 }
       :: res == POP_TASK ->
          d_step {
              assert(!slot_child[si]);      /* children were all synced */
              exec_task(slot_task[si], 0);                  /* pop_own: a task to run */
              slot_task[si] = 0; slot_child[si] = 0
          }
       fi;
       d_step { h = 0; lt = 0; ls = 0; ns = 0; si = 0; v = 0; res = 0; ok = 0 }
    od;
    owner_done = 1
}

/* ---------------------------------------------------------------- thieves */

/* deque.c fji_slot_mark_done. */
inline mark_done(si)
{
    atomic {                                                 /* the DONE exchange [D5] */
        old = slot_state[si]; slot_state[si] = DONE; held[si] = 0;
        printf("MSC: thief marks slot %d DONE\n", si)
    }
    if
    :: old & WAITER -> futex_wake(si)                       /* WAITER: fji_futex_wake */
    :: else
    fi
}

proctype thief(byte me)                      /* me = thief id + 1 (fji_deque_steal) */
{
    byte lt, ls, id, si, old;
    bit ok, child, idle;
    /* A failed attempt changes nothing but splitreq, so an idle thief retries
     * only once ts or splitreq has changed (the states an unbounded retry loop
     * reaches are the same); blocked here, it is a valid end state. */
end_idle:
    do
    :: atomic {
           (!idle || ts_tail != lt || ts_split != ls || !splitreq) ->
           idle = 0; lt = ts_tail; ls = ts_split            /* fji_deque_steal: acquire [D1] */
       }
       if
       :: lt >= ls ->                                       /* t >= split: nothing public */
          if
          :: !splitreq ->                                   /* fji_deque_ask [D6] */
             atomic {                                       /* CAS splitreq 0 -> 1 */
                 if
                 :: !splitreq -> splitreq = 1; ok = 1; asking++
                 :: else
                 fi
             }
             if
             :: ok -> atomic { asked = 1; asking-- }; ok = 0    /* won: limit = slots */
             :: else
             fi
          :: else
          fi;
          idle = 1                                          /* return 0 */
       :: else ->
          atomic {                                          /* the claim CAS [D2] */
              if
              :: ts_tail == lt && ts_split == ls ->
                 ts_tail = lt + 1; ok = 1;
                 assert(!held[lt]); held[lt] = 1;           /* I2 */
                 inflight++;
                 /* fji_task_copy: copy the record. Reading it in the CAS's step
                  * is exact: the owner never writes a held slot (asserted
                  * on every owner write). */
                 si = lt; id = slot_task[si]; child = slot_child[si];
                 printf("MSC: thief %d claims slot %d (task %d)\n", me, si, id)
              :: else -> idle = 1                           /* return -1: lost a race */
              fi
          }
          if
          :: ok ->
#if MUTANT == 3
             mark_done(si);                  /* DONE before the child ran */
             d_step { exec_task(id, child); inflight-- }
#else
             if
             :: !child -> mark_done(si)                     /* group NULL: DONE at once [D5] */
             :: else -> slot_state[si] = me                 /* thief + 1, relaxed [D5] */
             fi;
             d_step { exec_task(id, child); inflight-- }           /* worker.c run_found */
             if
             :: child -> mark_done(si)                      /* run_found: mark DONE, I3 */
             :: else
             fi;
#endif
             d_step { lt = 0; ls = 0; id = 0; si = 0; old = 0; ok = 0; child = 0 }
          :: else
          fi
       fi
    od
}

#ifdef TSO
/* The owner's store buffer drains to memory at any time, oldest first. */
active proctype flusher()
{
end:
    do
    :: atomic { sb_state_slot != CAP -> slot_state[sb_state_slot] = FRESH; sb_state_slot = CAP }
    :: atomic { sb_state_slot == CAP && sb_ts -> ts_tail = sb_ts_val; ts_split = sb_ts_val; sb_ts = 0 }
    od
}
#endif

init
{
    atomic {
        run thief(1);
        run thief(2)
    }
}

/* [D6] no lost request: whenever splitreq is set, the owner's next spawn
 * will answer (limit lowered), or a thief is about to lower it, or the
 * owner is answering. Otherwise hungry thieves, seeing splitreq set, would
 * never ask again and the owner would never publish for them. */
active proctype request_monitor()
{
end:
    atomic { splitreq && !asked && asking == 0 && !answering -> assert(0) }
}

/* Once everybody has finished, every task has run exactly once. */
active proctype final_check()
{
    byte i;
end:
    atomic {
        owner_done && inflight == 0 ->
        i = 1;
        do
        :: i <= NTASKS -> assert(ran[i] == 1); i++
        :: else -> break
        od;
        assert(ran[LF_TASK] <= 1);
        assert(pending == 0 && top == 0)
    }
}
