/* wg.pml - the split counter of src/wg.c (claims, shards, holder tokens,
 * COLLECTING), checked by spin (tests/model/check.sh runs it).
 *
 * Properties:
 *   early    the RMW that leaves U = H = 0 (wg.c "release") happens only
 *            after every done of the round has taken its unit;
 *   once     it happens exactly once (a monitor checks after everyone ends);
 *   Go rule  no thread touches the wait group after that RMW (every access
 *            asserts it): the waiter may free it;
 *   I5       a done never sees U = H = 0 while it still has a unit to take
 *            (that would be reported as a counter below zero);
 *   and no invalid end state: nobody waits forever for a credit.
 *
 * Actors (all with one pending round: the add happened before they start):
 *   W0      a worker with shard 0; it first adds one more unit (a task that
 *           launches a task: it still holds its own unit, so the count is
 *           non-zero) and then makes one more done;
 *   W1      a worker with shard 1 that makes one fj_wg_add(-2): a take of
 *           several units, with a token of its own when U cannot cover it
 *           (wg.c I6);
 *   W2      a worker that shares shard 0 with W0 (worker i uses shard
 *           i mod FJI_WG_SHARDS);
 *   OUT     an outside thread that makes one fj_wg_add(-2) (take(2, NULL)).
 * With CLAIM 2 a worker claims when U > 2, so the workers claim, empty
 * shards, take each other's credits and meet claims in flight.
 *
 * -DMISUSE=1: one unit too many. W0 makes two dones (it may claim) and OUT
 * takes all the others and one more in one fj_wg_add. Checked: OUT's
 * take aborts ("below zero") and never after releasing the waiters: a
 * released waiter may already have reused or freed the wait group.
 * (A single fj_wg_done too many can come after the release; that is
 * allowed, as with any counter, and W0 may be the one that aborts.)
 *
 * -DMISUSE=2: two over-takers at once. Of a count of 4, W0 makes two dones
 * (it may claim) while W1 (shard 1) and OUT each fj_wg_add(-5): both may
 * find U short and collect (wg.c I6). No order of these takes reaches zero, so
 * nothing may release; checked: someone aborts, nobody touches the wait
 * group after a release, and (the liveness run) the over-takers do not
 * wait for each other forever, as two collectors did (mutant 7).
 *
 * An abort ends the program: with MISUSE, a thread that would touch the
 * wait group after someone aborted stops instead (a collector that
 * aborted leaves its token and COLLECTING set; the C code never gets to
 * wait for them).
 *
 * Liveness (check.sh compiles with -DNP, pan -l -f): under weak fairness
 * no thread retries forever (the waits for a claim in flight end).
 *
 * Memory model: sequential consistency. Every write in wg.c's counting is a
 * seq-cst RMW; the relaxed loads before a CAS are re-checked by it. What the
 * model does not cover is data: that a done's writes are visible after the
 * wait ([W1], a release-sequence argument in the header) and [W2] (the
 * store-buffering shape with the in-task waiter, the same as sleep.pml's).
 * Waiters are not modelled: the release is the RMW that leaves U = H = 0.
 *
 * Mutants (-DMUTANT=n), each of which the check must catch:
 *   1  a claim that found credits in its shard keeps its token: H never
 *      reaches 0 (lost release);
 *   2  a claim takes its units without a token: U + H reaches 0 while its
 *      credits are in flight (early release);
 *   3  the CAS that empties a shard keeps the token (lost release);
 *   4  a done that finds U = 0 reports "below zero" without looking at H
 *      (claims in flight and other shards' credits ignored);
 *   5  a done never looks at other shards: it waits for credits another
 *      worker holds (caught by the liveness run);
 *   6  fj_wg_add(-n) collects without a token of its own (with MISUSE: it
 *      releases the waiters, then finds the count short);
 *   7  fj_wg_add(-n) collects without COLLECTING (the version before): with
 *      MISUSE=2 both over-takers hold a token, each sees H = 2 and waits
 *      for the other's units (caught by the liveness run).
 */
#ifndef MUTANT
#define MUTANT 0
#endif
#ifndef MISUSE
#define MISUSE 0
#endif
#define CLAIM 2
#define NS 2                    /* shards */
#if MISUSE == 2
#define N0 2                    /* W0: two dones */
#define TOTAL 4
#define N1 5                    /* W1: fj_wg_add(-5) */
#define NOUT 5                  /* OUT: fj_wg_add(-5) */
#elif MISUSE
#define N0 2                    /* W0: two dones */
#define TOTAL 5
#define NOUT (TOTAL - N0 + 1)   /* OUT: the other 3, and one more */
#else
#define N0 3                    /* W0's dones, its add of 1 included */
#define N1 2                    /* W1: one fj_wg_add(-2) */
#define N2 2
#define NOUT 2
#define TOTAL (N0 - 1 + N1 + N2 + NOUT)     /* the add before the round */
#endif

byte U = TOTAL;                 /* unclaimed */
byte H = 0;                     /* holder tokens */
bool collecting = false;        /* COLLECTING: a collector holds a token (I6) */
byte shard[NS];
byte taken = 0;                 /* units taken by dones */
byte added = 0;                 /* units added during the round */
bool released = false;
bool aborted = false;           /* someone reported "below zero" */
#if MISUSE
bool misuse_run = true;         /* "below zero" is expected */
#else
bool misuse_run = false;
#endif

/* Go's rule: nothing touches the wait group after the release (MISUSE=1
 * relaxes it for the abort race described at the top). With MISUSE, an
 * abort ends the program: whoever comes next stops. */
#if MISUSE == 1
#define TOUCH if :: aborted -> goto stop :: else -> skip fi
#elif MISUSE
#define TOUCH if :: aborted -> goto stop :: else -> assert(!released) fi
#else
#define TOUCH assert(!released)
#endif

/* state's three parts, read and compared at once (one word in wg.c) */
#define SNAP s_u = U; s_h = H; s_c = collecting
#define SAME (U == s_u && H == s_h && collecting == s_c)

/* settle(): the RMW's own result decides (wg.c settle) */
#if MISUSE == 1
#define SETTLE \
    if \
    :: U == 0 && H == 0 -> released = true; printf("MSC: released\n") \
    :: else -> skip \
    fi
#else
#define SETTLE \
    if \
    :: U == 0 && H == 0 -> assert(taken == TOTAL + added); released = true; \
       printf("MSC: released\n") \
    :: else -> skip \
    fi
#endif

/* below_zero(): the process stops here (the C code aborts). mine: an
 * fj_wg_add(-n) with n > 1, which must not have released anyone (I6). */
#define BELOW_ZERO(mine) \
    printf("MSC: below zero\n"); \
    if :: mine -> assert(!released) :: else -> skip fi; \
    assert(misuse_run); aborted = true; goto stop

inline drop_token() {
    atomic { TOUCH; H--; SETTLE }
}

/* the collector's last RMW: its token and COLLECTING (wg.c I6) */
inline drop_collect() {
    atomic { TOUCH; H--; collecting = false; SETTLE }
}

/* take_credit(c): ok = a credit was taken */
inline take_credit(c, ok) {
    ok = false;
    do
    :: atomic { TOUCH; x = shard[c] };
       if
       :: x == 0 -> break
       :: else ->
          atomic {
              TOUCH;
              if
              :: shard[c] == x -> shard[c] = x - 1; taken++; ok = true
              :: else -> skip
              fi
          };
          if
          :: ok ->
#if MUTANT == 3
             skip;
#else
             if :: x == 1 -> drop_token() :: else -> skip fi;
#endif
             break
          :: else -> skip
          fi
       fi
    od
}

/* take(n, own): own = 255 outside a pool (wg.c take) */
inline take(n, own) {
    held = false;
    multi = (n > 1);
    /* several units: all from U at once, or a token of one's own (I6) */
    do
    :: n <= 1 || held -> break
    :: else ->
       atomic { TOUCH; SNAP };
       if
       :: s_u >= n ->
          atomic {
              TOUCH;
              if
              :: SAME -> U = U - n; taken = taken + n; n = 0; SETTLE
              :: else -> skip
              fi
          }
       :: s_u < n && s_h == 0 -> BELOW_ZERO(true)
#if MUTANT == 7
       :: s_u < n && s_h > 0 ->         /* beside another collector */
#else
       :: s_u < n && s_h > 0 && s_c -> skip    /* the collector ends: retry */
       :: s_u < n && s_h > 0 && !s_c ->
#endif
#if MUTANT == 6
          break
#elif MUTANT == 7
          atomic {
              TOUCH;
              if :: SAME -> H++; held = true :: else -> skip fi
          }
#else
          atomic {
              TOUCH;
              if :: SAME -> H++; collecting = true; held = true :: else -> skip fi
          }
#endif
       fi
    od;
    do
    :: n == 0 -> break
    :: n > 0 ->
       if
       :: own != 255 -> take_credit(own, ok)
       :: else -> ok = false
       fi;
       if
       :: ok -> n--
       :: else ->
          atomic { TOUCH; SNAP };
          if
          :: s_u > 0 && !held && own != 255 && n == 1 && s_u > CLAIM ->
             /* claim: CLAIM units and a token in one CAS */
             atomic {
                 TOUCH;
                 if
                 :: SAME ->
                    U = U - CLAIM;
#if MUTANT != 2
                    H++;
#endif
                    taken++; ok = true
                 :: else -> skip
                 fi
             };
             if
             :: ok ->
                printf("MSC: claim into shard %d\n", own);
                atomic { TOUCH; x = shard[own]; shard[own] = shard[own] + CLAIM - 1 };
#if MUTANT == 1
                skip;
#elif MUTANT == 2
                if :: x == 0 -> atomic { TOUCH; H++ } :: else -> skip fi;
#else
                if :: x != 0 -> drop_token() :: else -> skip fi;
#endif
                n = 0
             :: else -> skip
             fi
          :: s_u > 0 && !(!held && own != 255 && n == 1 && s_u > CLAIM) ->
             k = (s_u < n -> s_u : n);
             atomic {
                 TOUCH;
                 if
                 :: SAME -> U = U - k; taken = taken + k; n = n - k; SETTLE
                 :: else -> skip
                 fi
             }
#if MUTANT == 4
          :: s_u == 0 -> BELOW_ZERO(multi)
#else
          :: s_u == 0 && s_h == held -> BELOW_ZERO(multi)     /* I5, I6 */
          :: s_u == 0 && s_h != held ->
             /* other shards' credits; else a claim in flight: retry */
             i = 0;
             do
#if MUTANT == 5
             :: true -> break
#else
             :: i < NS && i != own -> take_credit(i, ok); if :: ok -> break :: else -> i++ fi
             :: i < NS && i == own -> i++
             :: i >= NS -> break
#endif
             od;
             if :: ok -> n-- :: else -> skip fi
#endif
          fi
       fi
    od;
    if :: held -> drop_collect() :: else -> skip fi
}

/* fj_wg_done on a worker: the fast path, take_one_central, take */
inline worker_done(own) {
    atomic { TOUCH; x = shard[own] };
    done = false;
    if
    :: x > 1 ->
       atomic {
           TOUCH;
           if :: shard[own] == x -> shard[own] = x - 1; taken++; done = true :: else -> skip fi
       }
    :: else -> skip
    fi;
    if
    :: !done && x == 0 ->
       atomic { TOUCH; SNAP };
       if
       :: s_u > 0 && s_u <= CLAIM ->
          atomic {
              TOUCH;
              if
              :: SAME -> U--; taken++; done = true; SETTLE
              :: else -> skip
              fi
          }
       :: else -> skip
       fi
    :: else -> skip
    fi;
    if
    :: !done -> n = 1; take(n, own)
    :: else -> skip
    fi
}

proctype worker(byte own; byte dones; bool adds)
{
    byte x, s_u, s_h, k, n, i;
    bool ok, done, held, multi, s_c;
    if
    :: adds -> atomic { TOUCH; U++; added++ }      /* fj_wg_add(+1) */
    :: else -> skip
    fi;
    do
    :: dones > 0 -> worker_done(own); dones--
    :: else -> break
    od;
stop:
    skip
}

/* fj_wg_add(wg, -m) from a thread (own: its shard, 255 outside) */
proctype remover(byte own; byte m)
{
    byte x, s_u, s_h, k, n, i;
    bool ok, held, multi, s_c;
    n = m;
    take(n, own);
stop:
    skip
}

init {
    atomic {
#if MISUSE == 2
        run worker(0, N0, false);
        run remover(1, N1);
        run remover(255, NOUT)
#elif MISUSE
        run worker(0, N0, false);
        run remover(255, NOUT)
#else
        run worker(0, N0, true);
        run remover(1, N1);
        run worker(0, N2, false);
        run remover(255, NOUT)
#endif
    }
    (_nr_pr == 1);
#if MISUSE
    assert(aborted)
#else
    assert(released);
    assert(U == 0 && H == 0 && shard[0] == 0 && shard[1] == 0)
#endif
}
