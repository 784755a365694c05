#!/bin/sh
# A/B on a 16-core device: forja at eb7b8ac (./*-forja) against the
# working tree (./new/*-forja), interleaved, 3 repetitions, plus
# serial and the uts peers. One CSV line per run: version,<program line>,stats.
# Layout of its folder: the old *-forja programs, *-serial, uts-{tbb,omp-llvm,
# omp-gcc} and their shared objects, new/*-forja, pat/*-forja (a variant).
# Results: bench/results-16core.md (run 2), raw: bench/device/ab-16core.csv.
cd "$(dirname "$0")" || exit 1
O=${OUT:-/tmp}
csv=$O/ab.csv
: > "$csv"
one() {  # version program threads n
    line=$(FORJA_BENCH_STATS=1 timeout 20 "./$2" "$3" "$4" 2>"$O/err.txt")
    echo "$1,$line,$(grep '^forja stats' "$O/err.txt" | tr -d '\n')" >> "$csv"
}
for rep in 1 2 3; do
    for bn in pfor:1000000 reduce:1000000000 sort:10000000 nqueens:13 spawn:1000000 skynet:10000000 fib:34 uts:2000; do
        b=${bn%%:*}; n=${bn#*:}
        one serial "$b-serial" 1 "$n"
        for t in 1 2 4 8 16; do
            one old "$b-forja" "$t" "$n"
            one new "new/$b-forja" "$t" "$n"
            one pat "pat/$b-forja" "$t" "$n"
            if [ "$b" = uts ]; then
                for rt in tbb omp-llvm omp-gcc; do one peer "uts-$rt" "$t" "$n"; done
            fi
        done
        echo "rep $rep $b done $(date +%T)"
    done
done
rm -f "$O/err.txt"
