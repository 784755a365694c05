#!/bin/sh
# A/B of the claimed wake-up (WAKING, 426e4a1) on a 16-core device: its
# cost is that a pool ramps up one wake-up at a time. Run at a9b63de: skynet
# with fj_go at 16 workers 4.37 -> 6.94 ms (medians of 11), the rest within
# 6%. The woken count that replaced the bit (85fcff0) is meant to restore
# parallel wake-ups; not yet measured here. BIN holds the working tree's
# programs (`make bench-bin`), BIN/old the same forja programs built
# at b7d3be1, the commit before the claim. Each timed region starts with the
# pool parked, so each run measures a ramp-up. Interleaved, REPS repetitions;
# one CSV line per run: version,<program line>.
#
#   sh bench/device/ramp.sh BIN OUT [REPS]
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
            one old "$BIN/old" "$b" "$t" "$n"
            one new "$BIN" "$b" "$t" "$n"
        done
        echo "handoff old $t: $("$BIN/old/handoff" "$t" 2000)" >> "$OUT/handoff.txt"
        echo "handoff new $t: $("$BIN/handoff" "$t" 2000)" >> "$OUT/handoff.txt"
    done
    rep=$((rep + 1))
done
