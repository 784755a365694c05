#!/bin/sh
# callgrind.sh DIR - instructions per spawn+sync pair, counted by callgrind
# (repeatable, unlike wall time). Runs DIR/fib 1 N forja (one worker),
# DIR/fib 1 N typed (FJ_TASK) and DIR/fib 1 N serial for two values of N; the difference of the total
# instruction counts divided by the difference of the pair counts cancels
# everything fixed (start-up, pool creation, warm-up, exit), leaving the cost
# per fib call with and without forja. fib(N) makes fib(N+1)-1 spawn+sync
# pairs (the calls with N >= 2), and the serial recursion makes as many
# two-call steps, so the difference of the two is forja's cost per pair.
dir=${1:?usage: callgrind.sh DIR}
prog=$dir/fib
[ -x "$prog" ] || { echo "callgrind.sh: no $prog (build with -DFORJA_BENCH=ON)" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "callgrind.sh: valgrind not installed" >&2; exit 1; }
n1=${N1:-20}
n2=${N2:-25}

fibn() {  # fib(n) for small n
    a=0 b=1 i=0
    while [ "$i" -lt "$1" ]; do t=$((a + b)); a=$b; b=$t; i=$((i + 1)); done
    echo "$a"
}

count() {  # total instructions of: fib 1 $1 $2
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$prog" 1 "$1" "$2" 2>&1 >/dev/null |
        sed -n 's/.*Collected : *\([0-9][0-9]*\).*/\1/p'
}

pairs1=$(( $(fibn $((n1 + 1))) - 1 ))
pairs2=$(( $(fibn $((n2 + 1))) - 1 ))
dp=$((pairs2 - pairs1))
for mode in forja typed serial; do
    c1=$(count "$n1" "$mode")
    c2=$(count "$n2" "$mode")
    [ -n "$c1" ] && [ -n "$c2" ] || { echo "callgrind.sh: valgrind run failed ($mode)" >&2; exit 1; }
    eval "d_$mode=$((c2 - c1))"
    echo "$mode: fib($n1) $c1 instructions, fib($n2) $c2; per pair" \
        "$(awk "BEGIN { printf \"%.1f\", ($c2 - $c1) / $dp }")"
done
awk -v f="$d_forja" -v t="$d_typed" -v s="$d_serial" -v p="$dp" 'BEGIN {
    printf "instructions per spawn+sync pair (forja minus serial, 1 worker): %.1f\n", (f - s) / p
    printf "instructions per FJ_SPAWN+FJ_SYNC pair (typed minus serial): %.1f\n", (t - s) / p }'
