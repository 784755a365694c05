#!/bin/sh
# A/B of wake-up ramp-up on a 16-core device, interleaved: the working
# tree's forja programs (BIN, from `make bench-bin`) against the same
# programs of other commits, one folder each under BIN/ab/ (named for the
# commit). Each timed region starts with the pool parked, so each run
# measures a ramp-up. REPS repetitions; one CSV line per run:
# version,<program line>. handoff.txt: bench/handoff's lines, same order.
#
#   sh bench/device/ramp.sh BIN OUT [REPS]
#
# An older commit's programs, built here before the lease:
#   git worktree add /tmp/v REV && make -C /tmp/v bench-bin &&
#   mkdir -p BIN/ab/REV && cp /tmp/v/build/bench/bench/*-forja* \
#       /tmp/v/build/bench/bench/handoff BIN/ab/REV/
#
# Run of 2026-11-27 at a9b63de against b7d3be1 (no claim) with 11
# repetitions (bench/results-16core.md, raw bench/device/16core-ramp.csv):
# the single WAKING bit took skynet with fj_go at 16 workers from 4.37 to
# 6.94 ms and spawn at 16 from 134.6 to 110.9 ms, the rest within 6%. The woken count that replaced the bit
# (85fcff0) is meant to restore parallel wake-ups; next lease: BIN at HEAD
# with ab/a9b63de and ab/b7d3be1.
BIN=${1:?BIN} OUT=${2:?OUT} REPS=${3:-7}
csv=$OUT/ramp.csv
: > "$csv"
one() {  # version dir program threads n
    line=$(timeout 20 "$2/$3" "$4" "$5" 2>/dev/null) || line="failed,$3,$4,$5"
    echo "$1,$line" >> "$csv"
}
rep=0
while [ $rep -lt "$REPS" ]; do
    for t in 4 16; do
        for bn in fib-forja:34 skynet-forja:10000000 skynet-forja-go:1000000 \
                  nqueens-forja:12 uts-forja:2000 spawn-forja:1000000 pfor-forja:100000; do
            b=${bn%%:*}; n=${bn#*:}
            one head "$BIN" "$b" "$t" "$n"
            for d in "$BIN"/ab/*/; do
                [ -x "$d$b" ] && one "$(basename "$d")" "${d%/}" "$b" "$t" "$n"
            done
        done
        echo "handoff head $t: $("$BIN/handoff" "$t" 2000)" >> "$OUT/handoff.txt"
        for d in "$BIN"/ab/*/; do
            [ -x "${d}handoff" ] && echo "handoff $(basename "$d") $t: $("${d}handoff" "$t" 2000)" >> "$OUT/handoff.txt"
        done
    done
    rep=$((rep + 1))
done
