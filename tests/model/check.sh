#!/bin/sh
# check.sh - model-check forja's concurrency protocols with spin.
#
#   deque.pml  the split deque (src/deque.c) and fj_sync's use of it
#              (src/group.c, leapfrogging included): every task runs exactly
#              once, nothing deadlocks, no request for work is lost; then
#              seven planted bugs, each of which the check must catch
#              (proof that the model is not vacuous).
#   wg.pml     the wait group's split counter (src/wg.c): claims, shards and
#              holder tokens release the waiters exactly once, only after
#              every done, and nobody touches the wait group afterwards; no
#              thread retries forever (weak fairness); an fj_wg_add past
#              zero aborts before it releases anyone, and two at once do not
#              wait for each other forever; then seven planted bugs, each
#              of which the check must catch.
#   sleep.pml  the post/park protocol (src/sleep.c) on x86-TSO: no lost
#              wake-up and no claimed wake-up left counted, as written
#              with 2 and 3 workers, 2 posters, and unclaimed wake-ups;
#              with -DBROKEN=1 (poster) or -DBROKEN=2 (parker) the [S1]
#              RMW+fence is a plain store and spin must find the lost
#              wake-up, whose trail is printed; with -DASYM=1 (plain P1,
#              membarrier at K2: src/os.c) there is none; -DBROKEN=3..5
#              break the wake-up claim (I4).
#
# Usage: tests/model/check.sh [-q] [--full]
#   -q      no counterexample narratives
#   --full  also the larger deque bounds (capacity 3 and 4 with 4 tasks:
#           11.6 and 20.8 million states, about 30 s more and 1.5 GB)
# Prints PASS/FAIL per property and exits non-zero if any result is not the
# expected one. Needs spin and a C compiler; the default run takes about
# 100 s (much of it compiling pan) and under 1 GB of memory.
set -u
here=$(cd "$(dirname "$0")" && pwd)
quiet=0 full=0
for a in "$@"; do
    case $a in
    -q) quiet=1 ;;
    --full) full=1 ;;
    *) echo "usage: $0 [-q] [--full]"; exit 2 ;;
    esac
done
for tool in spin "${CC:-cc}"; do
    command -v "$tool" >/dev/null 2>&1 || { echo "check.sh: $tool not found (apt-get install spin gcc)"; exit 1; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/forja-model.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
cp "$here/deque.pml" "$here/sleep.pml" "$here/wg.pml" "$work/"
cd "$work" || exit 1
failures=0
start=$(date +%s)

# verify NAME PML "SPIN FLAGS" [PAN FLAGS] [SEARCH]: build and run pan;
# leaves pan.out. SEARCH is the pan build's kind: -DSAFETY (the default:
# assertions and end states) or -DNP (non-progress cycles, verify_live).
verify() {
    rm -f pan pan.c ./*.trail
    # shellcheck disable=SC2086
    spin $3 -a "$2" >spin.out 2>&1 || { cat spin.out; return 2; }
    # shellcheck disable=SC2086
    "${CC:-cc}" -O2 -w ${5:--DSAFETY} -DCOLLAPSE -o pan pan.c || return 2
    # -m: search depth; -w26: hash table; ${4:-} may add -A (no asserts),
    # -E (no end states) or -l -f (non-progress cycles under weak fairness)
    # shellcheck disable=SC2086
    ./pan -m200000 -w26 ${4:-} >pan.out 2>&1
    return 0
}

# verify_live NAME PML "SPIN FLAGS": a non-progress-cycle search under weak
# fairness (pan -l -f): no thread can retry forever while others are fair.
verify_live() {
    verify "$1" "$2" "$3" "-l -f" -DNP
}

# summary: "N states, T s"
summary() {
    st=$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' pan.out | head -1)
    tm=$(sed -n 's/^pan: elapsed time \([0-9.e+]*\) seconds.*/\1/p' pan.out | head -1)
    printf '%s states, %s s' "$(printf '%.0f' "${st:-0}")" "${tm:-0}"
}
errors() { sed -n 's/.*errors: \([0-9]*\).*/\1/p' pan.out | head -1; }
what() { grep -m1 -E '^pan:1?: ' pan.out | sed 's/^pan:1*: //; s/ (at depth.*//'; }

report() {   # report OK|FAIL "text"
    printf '%-5s %s\n' "$1" "$2"
    [ "$1" = PASS ] || failures=$((failures + 1))
}

# expect_pass NAME PML FLAGS "ASSERTIONS MEAN" "END STATES MEAN": both
# properties hold (an exhaustive search with no error).
expect_pass() {
    if ! verify "$1" "$2" "$3"; then report FAIL "$1: spin or cc failed"; return; fi
    if [ "$(errors)" = 0 ] && grep -q 'Full statespace search' pan.out; then
        s=$(summary)
        report PASS "$1: $4 [$s]"
        report PASS "$1: $5 [$s]"
        return
    fi
    # Tell the counterexample's story (the model's printf lines), then check
    # each property alone to say which failed (pan stops at the first error).
    if [ $quiet = 0 ] && [ -f "$2.trail" ]; then
        echo "      counterexample ($(what)):"
        # shellcheck disable=SC2086
        spin $3 -t "$2" 2>/dev/null | sed -n 's/^ *MSC: /        /p'
    fi
    verify "$1" "$2" "$3" -E
    if [ "$(errors)" = 0 ]; then report PASS "$1: $4 [$(summary)]"
    else report FAIL "$1: $4: $(what)"; fi
    verify "$1" "$2" "$3" -A
    if [ "$(errors)" = 0 ]; then report PASS "$1: $5 [$(summary)]"
    else report FAIL "$1: $5: $(what)"; fi
    echo "      to replay: cd tests/model && spin $3 -a $2 && cc -DSAFETY -o pan pan.c && ./pan && spin $3 -t -p $2"
}

# expect_fail NAME PML FLAGS: spin must find an error; print the trail's story.
expect_fail() {
    if ! verify "$1" "$2" "$3"; then report FAIL "$1: spin or cc failed"; return; fi
    if [ "$(errors)" != 0 ] && [ -f "$2.trail" ]; then
        report PASS "$1: FAILS as expected: $(what) [$(summary)]"
        if [ $quiet = 0 ] && [ "$2" = sleep.pml ]; then     # the story of the lost wake-up
            # shellcheck disable=SC2086
            spin $3 -t "$2" 2>/dev/null | sed -n 's/^ *MSC: /        /p'
        fi
    else
        report FAIL "$1: expected a counterexample, spin found none [$(summary)]"
    fi
}

# expect_live NAME PML FLAGS TEXT / expect_no_live NAME PML FLAGS
expect_live() {
    if ! verify_live "$1" "$2" "$3"; then report FAIL "$1: spin or cc failed"; return; fi
    if [ "$(errors)" = 0 ] && grep -q 'Full statespace search' pan.out; then
        report PASS "$1: $4 [$(summary)]"
    else
        report FAIL "$1: $4: $(what)"
    fi
}
expect_no_live() {
    if ! verify_live "$1" "$2" "$3"; then report FAIL "$1: spin or cc failed"; return; fi
    if [ "$(errors)" != 0 ]; then report PASS "$1: FAILS as expected: $(what) [$(summary)]"
    else report FAIL "$1: expected a non-progress cycle, spin found none [$(summary)]"; fi
}

D1="every task runs exactly once; I1-I4, [D4] hold"
D2="no deadlock (no invalid end state)"
NL=-DLF=0
echo "== deque.pml: 1 owner, 2 thieves (src/deque.c, group.c)"
expect_pass "deque 4 tasks, capacity 2 (fills up)" deque.pml "-DCAP=2 -DNTASKS=4 $NL" "$D1" "$D2"
expect_pass "deque 3 tasks, capacity 3, TSO" deque.pml "-DCAP=3 -DNTASKS=3 -DTSO $NL" "$D1" "$D2"
if [ $full = 1 ]; then
    expect_pass "deque 4 tasks, capacity 3" deque.pml "-DCAP=3 -DNTASKS=4 $NL" "$D1" "$D2"
    expect_pass "deque 4 tasks, capacity 4" deque.pml "-DCAP=4 -DNTASKS=4 $NL" "$D1" "$D2"
fi
# fj_sync waiting for a stolen child leapfrogs tasks that run on this deque:
# one that fj_go's, one that waits inside (mutants 5 and 6: the bugs found
# there by the soak driver, fixed in c0234fd and 2a73690).
expect_pass "deque 3 tasks, capacity 2, leapfrogged fj_go" deque.pml "-DCAP=2 -DNTASKS=3 -DLF=1" "$D1" "$D2"
expect_pass "deque 3 tasks, capacity 2, leapfrogged in-task wait" deque.pml "-DCAP=2 -DNTASKS=3 -DLF=2" "$D1" "$D2"
expect_fail "deque mutant 1 (publish by plain store, no CAS [D1])" deque.pml "-DCAP=2 -DNTASKS=3 -DMUTANT=1 $NL"
expect_fail "deque mutant 2 (take-back by plain store, no CAS [D3])" deque.pml "-DCAP=2 -DNTASKS=3 -DMUTANT=2 $NL"
expect_fail "deque mutant 3 (child marked DONE before it ran [D5])" deque.pml "-DCAP=2 -DNTASKS=3 -DMUTANT=3 $NL"
expect_fail "deque mutant 4 (WAITER bit by plain store, no CAS [D5])" deque.pml "-DCAP=2 -DNTASKS=3 -DMUTANT=4 $NL"
expect_fail "deque mutant 5 (helping wait drops a stolen slot; before c0234fd)" deque.pml "-DCAP=2 -DNTASKS=3 -DMUTANT=5 -DLF=2"
expect_fail "deque mutant 6 (sync drops the top after leapfrogging; before 2a73690)" deque.pml "-DCAP=2 -DNTASKS=3 -DMUTANT=6 -DLF=1"
expect_fail "deque mutant 7 (the answer clears splitreq before it raises limit [D6])" deque.pml "-DCAP=2 -DNTASKS=3 -DMUTANT=7 $NL"

echo "== sleep.pml: post/park on x86-TSO (src/sleep.c)"
expect_pass "sleep 2 workers, 3 posts, as written" sleep.pml "-DNW=2 -DPOSTS=3" \
    "no lost wake-up, woken never stuck (I1, I4 monitors)" "no deadlock (no invalid end state)"
expect_pass "sleep ASYM=1: plain P1, membarrier at K2 (src/os.c)" sleep.pml "-DASYM=1 -DNW=2 -DPOSTS=3" \
    "no lost wake-up, woken never stuck (I1, I4 monitors)" "no deadlock (no invalid end state)"
expect_pass "sleep 3 workers, 2 posts" sleep.pml "-DNW=3 -DPOSTS=2" \
    "no lost wake-up, woken never stuck (I1, I4 monitors)" "no deadlock (no invalid end state)"
expect_pass "sleep 2 posters, 2 workers, 2 posts each" sleep.pml "-DNP=2 -DNW=2 -DPOSTS=2" \
    "no lost wake-up, woken never stuck (I1, I4 monitors)" "no deadlock (no invalid end state)"
expect_pass "sleep SPUR=2: unclaimed wake-ups (wake_parked, close)" sleep.pml "-DSPUR=2 -DNW=2 -DPOSTS=3" \
    "no lost wake-up, woken never stuck (I1, I4 monitors)" "no deadlock (no invalid end state)"
expect_fail "sleep BROKEN=1 (P1 plain store, no P2 fence)" sleep.pml "-DBROKEN=1 -DNW=1 -DPOSTS=1"
expect_fail "sleep BROKEN=2 (K1 plain store, no K2 fence)" sleep.pml "-DBROKEN=2 -DNW=1 -DPOSTS=1"
expect_fail "sleep BROKEN=3 (K5 leaves woken alone)" sleep.pml "-DBROKEN=3 -DNW=1 -DPOSTS=2"
expect_fail "sleep BROKEN=4 (a claim without woken < parked)" sleep.pml "-DBROKEN=4 -DNW=2 -DPOSTS=2"
expect_fail "sleep BROKEN=5 (a K3-found return leaves woken alone)" sleep.pml "-DBROKEN=5 -DNW=1 -DPOSTS=2"

echo "== wg.pml: 3 workers (two share a shard) and an outside thread (src/wg.c)"
expect_pass "wg 8 units, claims of 2, 2 shards" wg.pml "" \
    "one release, after every done; no access after it; I5" "no invalid end state"
expect_live "wg 8 units, weak fairness" wg.pml "" "no thread retries forever (no non-progress cycle)"
expect_pass "wg MISUSE: fj_wg_add(-n) one past zero" wg.pml "-DMISUSE=1" \
    "it aborts, and never after a release (I6)" "no invalid end state"
expect_pass "wg MISUSE=2: two fj_wg_add(-5) of 4 units at once" wg.pml "-DMISUSE=2" \
    "one aborts; no release, nobody touches it after one (I6)" "no invalid end state"
expect_live "wg MISUSE=2, weak fairness" wg.pml "-DMISUSE=2" \
    "the over-takers never wait for each other forever (I6: one collector)"
expect_fail "wg mutant 1 (a claim onto a held shard keeps its token)" wg.pml "-DMUTANT=1"
expect_fail "wg mutant 2 (a claim takes its units before its token)" wg.pml "-DMUTANT=2"
expect_fail "wg mutant 3 (emptying a shard keeps its token)" wg.pml "-DMUTANT=3"
expect_fail "wg mutant 4 (U = 0 read as below zero, H ignored)" wg.pml "-DMUTANT=4"
expect_no_live "wg mutant 5 (a done never looks at other shards)" wg.pml "-DMUTANT=5"
expect_fail "wg mutant 6 (fj_wg_add(-n) without a token of its own)" wg.pml "-DMISUSE=1 -DMUTANT=6"
expect_no_live "wg mutant 7 (two fj_wg_add(-n) collect at once: no COLLECTING)" wg.pml "-DMISUSE=2 -DMUTANT=7"

echo "== model check: $failures unexpected result(s) in $(( $(date +%s) - start )) s"
[ "$failures" = 0 ]
