/* sleep.pml - the post/park protocol of src/sleep.c on x86-TSO, checked by
 * spin (tests/model/check.sh runs it).
 *
 * Properties: (sleep.c I1, no lost wake-up) never is work posted and not
 * taken while the posters have finished and every worker sleeps in
 * FUTEX_WAIT; (I4) no claimed wake-up is left counted (woken > 0) once the
 * posters have finished and every worker sleeps, and woken never exceeds
 * parked. A monitor asserts each; spin's invalid-end-state
 * check adds that nothing else gets stuck.
 *
 * Actors: NW workers (1 to 3) running worker.c's help_until loop over the
 * injection queues, and NP posters (1 or 2), each with its own queue and
 * store buffer, that submit POSTS tasks each from outside (go.c submit:
 * inject.c fji_inject_push: publish, then fji_sleep_notify). -DSPUR=k adds
 * a waker that k times bumps the epoch and wakes every sleeper without a
 * claim: fji_sleep_wake_parked (a wait group's release), close, and spurious
 * futex returns.
 *
 * Memory model: x86-TSO. Each thread has a store buffer for its plain
 * (non-RMW) stores; its own loads forward from it; a locked RMW drains it
 * first and acts on memory atomically; MFENCE and system calls (the futex
 * path takes a lock in the kernel) drain it; a flusher process writes the
 * oldest buffered store to memory at any time. As written, every store of
 * the protocol is an RMW, so the buffers stay empty, and the [S1] fences
 * (fji_fence_atomic_load = ck_pr_fence_atomic_load) emit no code on x86-64:
 * the locked RMW before each is the barrier. On weakly ordered CPUs the
 * fence emits a real barrier; TSO is the model where removing it is *not*
 * obviously fatal, which is the point of checking.
 *
 * Broken variants (cpp):
 *   -DBROKEN=1  poster side: P1 publishes with a plain store (what a naive
 *               queue does: store tail) and P2 is gone.
 *   -DBROKEN=2  park side: K1 announces the parked worker with a plain load
 *               and store, and K2 is gone.
 * Either is the store-buffering shape (x = 1; r1 = y || y = 1; r2 = x; both
 * read 0) and spin finds the lost wake-up: the printf lines of the trail
 * (spin -t) tell the story. Use NW=1 for them: with two workers a
 * non-atomic K1 also loses counter updates, a different bug.
 *   -DBROKEN=3  K5 leaves woken alone (sleep.c I4): a claimed wake-up never
 *               ends, and a later post skips its wake-up for it.
 *   -DBROKEN=4  the claim checks only that someone is parked, not that a
 *               parked worker is left that nobody woke (I4): woken
 *               outgrows the workers that will come back to lower it.
 *   -DBROKEN=5  only a worker that slept lowers woken at K5, not one whose
 *               K3 re-check found work (a review's mutant: lowering it there
 *               is needed, not merely harmless).
 *
 * woken (sleep.c [S5]): a poster or last searcher that wakes first claims
 * the wake-up with a CAS on the state word (nobody searching, woken <
 * parked: woken += 1); every K5 lowers woken by one while it is above 0.
 * The CAS loop (re-read, re-decide) is one atomic step here: it takes effect
 * at the instant its last CAS or re-read happens.
 *
 * Why this model and not a deque store buffer: forja's deque changes its
 * shared word ts only by CAS (tests/model/deque.pml, top comment), so the
 * StoreLoad race of Chase-Lev's pop does not exist there; the one this
 * runtime has is here, between posting work and parking ([S1]), and the same
 * shape in inject.c [J3] (submit vs destroy) and wg.c [W2].
 *
 * Not modelled: the CLOSING bit (destroy: pool.c; its wake-everyone is what
 * SPUR adds), the deque as
 * a place to find work (its publish CAS is P1 exactly like the injection
 * queue's exchange), [S3] (K3 asking owners to publish private slots: a
 * relaxed store after K2, read before the owner's P1-P3; same fences), the
 * spin/yield phases of the search (any number of retries is modelled),
 * stats counters, and the condition of [S4] (fji_sleep_wake_parked: a wait
 * group's release as the poster, with its counter as the work; the same RMW,
 * fence and read of the parked count as P1-P3, waking all where P3 wakes
 * one; SPUR models its wake-ups, unclaimed). An in-task waiter whose
 * condition comes true leaves help_until and ends its search with
 * fji_sleep_search_end, I3 included, as a worker that found work does, so
 * the found branch stands for both.
 *
 * Asymmetric variant (-DASYM=1, what forja runs where the kernel offers
 * membarrier: src/os.c): P1 is a plain store that sits in the poster's store
 * buffer and P2 emits no code, as in BROKEN=1; instead K2 calls
 * membarrier(PRIVATE_EXPEDITED), modelled as one atomic step that drains
 * every other thread's store buffer (each CPU running one of our threads
 * executes a full barrier; a thread not running drained at its context
 * switch). Expected: no lost wake-up, where BROKEN=1 has one.
 *
 * Citations name functions and labels in src/sleep.c, src/inject.c,
 * src/worker.c and src/os.c, never line numbers, which every edit moves.
 */

#ifndef NW
#define NW 2
#endif
#if NW < 1 || NW > 3
#error "NW must be 1..3"
#endif
#ifndef POSTS
#define POSTS 2
#endif
#ifndef NP
#define NP 1
#endif
#ifndef SPUR
#define SPUR 0
#endif
#ifndef BROKEN
#define BROKEN 0
#endif
#ifndef ASYM
#define ASYM 0
#endif

/* ---------------------------------------------------------------- memory */

byte tail[NP];                /* the injection queue's tail: published tasks */
byte head[NP];                /* its head: tasks claimed by workers */
byte searching;           /* state bits 0-19 (sleep.c) */
byte parked;              /* state bits 20-39; one word with searching */
byte woken;               /* state bits 40-59 (sleep.c I4), same word */
#if NP > 1
#define WORK (head[0] < tail[0] || head[1] < tail[1])
#else
#define WORK (head[0] < tail[0])
#endif
byte epoch;               /* the futex word parked workers sleep on */

/* ---------------------------------------------------------- store buffers */

bit  sbp_full[NP];        /* poster: one buffered store to tail */
byte sbp_tail[NP];
bit  sbw_full[NW];        /* worker: one buffered store to the state word */
byte sbw_searching[NW];
byte sbw_parked[NW];

#define POSTER_DRAINED (!sbp_full[me])
#define WORKER_DRAINED(me) (!sbw_full[me])
#define POSTER_TAIL (sbp_full[me] -> sbp_tail[me] : tail[me])
#define W_SEARCHING(me) (sbw_full[me] -> sbw_searching[me] : searching)
#define W_PARKED(me) (sbw_full[me] -> sbw_parked[me] : parked)

/* ---------------------------------------------------------------- kernel */

bit  asleep[NW];          /* in FUTEX_WAIT on epoch */
byte nasleep;

/* ---------------------------------------------------------------- ghosts */

byte poster_done;
bit  lost;                 /* set by the monitor when I1 fails */

/* sleep.c wake(s, 1): epoch += 1 (RMW, [S2]), then FUTEX_WAKE one. The
 * caller's buffer is drained by the RMW. */
inline wake_one(drained)
{
    atomic { drained; epoch++ }                              /* wake: RMW [S2] */
    atomic {                                                 /* wake: futex_wake */
        if
        :: asleep[0] -> asleep[0] = 0; nasleep--; printf("MSC: FUTEX_WAKE wakes worker 0\n")
#if NW > 1
        :: asleep[1] -> asleep[1] = 0; nasleep--; printf("MSC: FUTEX_WAKE wakes worker 1\n")
#endif
#if NW > 2
        :: asleep[2] -> asleep[2] = 0; nasleep--; printf("MSC: FUTEX_WAKE wakes worker 2\n")
#endif
        :: else -> printf("MSC: FUTEX_WAKE finds nobody asleep\n")
        fi
    }
}

mtype = { poster_claims, searcher_claims };

/* sleep.c claim_wake: CAS woken += 1 while nobody searches and woken <
 * parked; then wake(s, 1). */
inline claim_wake(drained, who)
{
    atomic {
        drained;
#if BROKEN == 4
        if
        :: searching == 0 && parked > 0 -> woken++; claimed = 1
#else
        if
        :: searching == 0 && parked > woken -> woken++; claimed = 1
#endif
        :: else -> claimed = 0
        fi;
        printf("MSC: %e claims: searching %d parked %d -> claimed %d\n", who, searching, parked, claimed)
    }
    if
    :: claimed -> wake_one(drained)
    :: else
    fi;
    claimed = 0
}

/* ---------------------------------------------------------------- poster */

proctype poster(byte me)
{
    byte n, s, p, w;
    bit claimed;
    do
    :: n < POSTS ->
       n++;
#if BROKEN == 1 || ASYM
       d_step {                                              /* P1, broken or ASYM: plain store */
           sbp_tail[me] = POSTER_TAIL + 1; sbp_full[me] = 1;
           printf("MSC: poster P1 stores tail = %d into its store buffer (no RMW)\n", sbp_tail[me])
       }
                                                             /* P2 removed */
#else
       atomic {                                              /* P1: fji_inject_push: exchange on tail */
           POSTER_DRAINED; tail[me]++;
           printf("MSC: poster %d P1 publishes task %d (RMW on tail)\n", me, tail[me])
       }
       POSTER_DRAINED;           /* P2 fji_sleep_notify [S1]: no code on x86 after the RMW */
#endif
       atomic {                                              /* P3 fji_sleep_notify */
           s = searching; p = parked; w = woken;
           printf("MSC: poster P3 reads state: searching %d parked %d woken %d\n", s, p, w)
       }
       if
       :: s == 0 && p > w -> claim_wake(POSTER_DRAINED, poster_claims)  /* fji_sleep_notify */
       :: else
       fi;
       d_step { s = 0; p = 0; w = 0 }
    :: n == POSTS -> break
    od;
    poster_done++
}

/* ---------------------------------------------------------------- workers */

proctype worker(byte me)
{
    bit srch, found, claimed;
    byte e, old_s, old_p, old_w;

end_idle:                        /* worker.c fji_worker_help_until, forever */
    do
    :: atomic {                  /* help_until: find: inject.c take_from
                                    (loads head, tail; CAS head) */
           WORKER_DRAINED(me);
           if
           :: head[0] < tail[0] -> head[0]++; found = 1;
              printf("MSC: worker %d takes task %d of poster 0\n", me, head[0])
#if NP > 1
           :: head[1] < tail[1] -> head[1]++; found = 1;
              printf("MSC: worker %d takes task %d of poster 1\n", me, head[1])
#endif
           :: else -> found = 0
           fi
       }
       if
       :: found ->
          if
          :: srch ->                                         /* help_until: found, searching */
             atomic {                                        /* sleep.c fji_sleep_search_end */
                 WORKER_DRAINED(me);
                 old_s = searching; old_p = parked; old_w = woken; searching--
             }
             if
             :: old_s == 1 && old_p > old_w ->               /* search_end: I3, I4 */
                claim_wake(WORKER_DRAINED(me), searcher_claims)
             :: else
             fi;
             srch = 0
          :: else
          fi
          /* help_until: run_found */
       :: else ->
          if
          :: !srch ->                                        /* help_until: !searching */
             atomic {                                        /* sleep.c fji_sleep_search_begin */
                 WORKER_DRAINED(me); searching++;
                 printf("MSC: worker %d finds nothing, starts searching (searching = %d)\n",
                        me, searching)
             }
             srch = 1
          :: else
          fi;
          if
          :: true                                            /* help_until: spin, yield, retry */
          :: true ->                                         /* help_until: fji_sleep_park */
             e = epoch;                                      /* K0 fji_sleep_park [S2] */
#if BROKEN == 2
             d_step {                                        /* K1, broken: load + plain store */
                 old_s = W_SEARCHING(me); old_p = W_PARKED(me);
                 sbw_searching[me] = old_s - 1;
                 sbw_parked[me] = old_p + 1;
                 sbw_full[me] = 1;
                 printf("MSC: worker %d K1 stores parked = %d into its store buffer (no RMW)\n",
                        me, sbw_parked[me])
             }
                                                             /* K2 removed */
#else
             atomic {                                        /* K1 fji_sleep_park */
                 WORKER_DRAINED(me); searching--; parked++;
                 printf("MSC: worker %d K1 announces parked = %d (RMW)\n", me, parked)
             }
             WORKER_DRAINED(me);         /* K2 fji_sleep_park [S1]: no code on x86 after the RMW */
#if ASYM
             atomic {                    /* K2 os.c fji_os_barrier: membarrier */
                 if
                 :: sbp_full[0] -> tail[0] = sbp_tail[0]; sbp_full[0] = 0;
                    printf("MSC: worker %d K2 membarrier drains poster 0's buffer (tail = %d)\n",
                           me, tail[0])
                 :: else -> printf("MSC: worker %d K2 membarrier: poster 0's buffer empty\n", me)
                 fi;
#if NP > 1
                 if
                 :: sbp_full[1] -> tail[1] = sbp_tail[1]; sbp_full[1] = 0
                 :: else
                 fi;
#endif
                 skip
                 /* the workers' own buffers are empty: their K1 and K5 are RMWs */
             }
#endif
#endif
             atomic {                                        /* K3 fji_sleep_park re-check: */
                 found = WORK;                        /* worker.c recheck: work_visible */
                 if
                 :: found -> printf("MSC: worker %d K3 re-check sees work\n", me)
                 :: else -> printf("MSC: worker %d K3 re-check: nothing\n", me)
                 fi
             }
             if
             :: found                                        /* K3 found: undo K1 */
             :: else ->
                 atomic {                                    /* K4 FUTEX_WAIT */
                     WORKER_DRAINED(me);                     /* a system call drains */
                     if
                     :: epoch == e -> asleep[me] = 1; nasleep++;
                        printf("MSC: worker %d K4 sleeps (epoch %d unchanged)\n", me, e)
                     :: else -> printf("MSC: worker %d K4 returns at once: epoch moved\n", me)
                     fi
                 }
end_park:        !asleep[me]                                 /* blocked until woken */
             fi;
#if BROKEN == 3
             atomic { WORKER_DRAINED(me); searching++; parked-- }   /* K5, broken: woken stays */
#elif BROKEN == 5
             atomic { WORKER_DRAINED(me); searching++; parked--;
                      if :: !found && woken > 0 -> woken-- :: else fi }
#else
             atomic { WORKER_DRAINED(me); searching++; parked--;   /* K5 (CAS) */
                      if :: woken > 0 -> woken-- :: else fi }
#endif
          fi
       fi;
       d_step { found = 0; e = 0; old_s = 0; old_p = 0; old_w = 0 }
    od
}

/* A store buffer writes its oldest store to memory at any time. */
active proctype flusher()
{
    byte i;
end:
    do
    :: atomic { sbp_full[0] -> tail[0] = sbp_tail[0]; sbp_full[0] = 0;
                printf("MSC: poster 0's buffered tail = %d reaches memory\n", tail[0]) }
#if NP > 1
    :: atomic { sbp_full[1] -> tail[1] = sbp_tail[1]; sbp_full[1] = 0 }
#endif
    :: atomic { sbw_full[0] -> searching = sbw_searching[0]; parked = sbw_parked[0];
                sbw_full[0] = 0;
                printf("MSC: worker 0's buffered state reaches memory\n") }
#if NW > 1
    :: atomic { sbw_full[1] -> searching = sbw_searching[1]; parked = sbw_parked[1];
                sbw_full[1] = 0;
                printf("MSC: worker 1's buffered state reaches memory\n") }
#endif
#if NW > 2
    :: atomic { sbw_full[2] -> searching = sbw_searching[2]; parked = sbw_parked[2];
                sbw_full[2] = 0 }
#endif
    od
}

/* I1: work posted, poster finished, every worker asleep: a lost wake-up. */
active proctype lost_wakeup()
{
end:
    atomic {
        poster_done == NP && WORK && nasleep == NW ->
        printf("MSC: LOST WAKE-UP\n");
        lost = 1;
        assert(!lost)
    }
}

/* I4: no claimed wake-up stays counted once the posters are done and every
 * worker sleeps (nobody can be inside claim_wake then), and woken never
 * exceeds parked (so its 20 bits hold it: parked <= FJ_WORKERS_MAX). */
active proctype woken_stuck()
{
end:
    atomic {
        (poster_done == NP && nasleep == NW && woken > 0) || woken > parked ->
        printf("MSC: WOKEN STUCK OR ABOVE PARKED: woken %d parked %d\n", woken, parked);
        assert(false)
    }
}

#if SPUR
/* wake_parked / wake_all / close / spurious futex returns: epoch += 1 and
 * wake every sleeper, without a claim, SPUR times at any moment. */
active proctype waker()
{
    byte k;
    do
    :: k < SPUR -> k++;
       atomic { epoch++ }
       atomic {
           if :: asleep[0] -> asleep[0] = 0; nasleep-- :: else fi;
#if NW > 1
           if :: asleep[1] -> asleep[1] = 0; nasleep-- :: else fi;
#endif
#if NW > 2
           if :: asleep[2] -> asleep[2] = 0; nasleep-- :: else fi;
#endif
           skip
       }
    :: k == SPUR -> break
    od
}
#endif

init
{
    atomic {
        run poster(0);
#if NP > 1
        run poster(1);
#endif
        run worker(0);
#if NW > 1
        run worker(1);
#endif
#if NW > 2
        run worker(2);
#endif
        skip
    }
}
