#!/bin/sh
# One lease's 16-core sweep (bench/results-16core.md), sized for 15 minutes of
# device time in all: about 8 minutes of running after the machine's start.
#
#   sh bench/device/sweep.sh BIN OUT
#
# BIN: the programs from `make bench-bin` (without CMakeFiles); OUT: where the
# results go (raw.csv is flushed after every run, so a cut-short sweep keeps
# what it measured). Two parts, each bounded by `timeout`:
#   1. every runtime, threads 1-16, sizes between the presets (peers take
#      seconds per run at the large ones), 3 repetitions;
#   2. forja and serial alone at the large preset's fork-join sizes.
# Tabulate back here with `python3 bench/run.py --from DIR`.
BIN=${1:?BIN} OUT=${2:?OUT}
HERE=$(dirname "$0")
cp "$HERE/../run.py" "$BIN/run.py" 2>/dev/null
T0=$(date +%s)
timeout 330 python3 "$BIN/run.py" --bin "$BIN" --out "$OUT/all" \
    --threads 1,2,4,8,16 --reps 3 --retries 0 --timeout 2.5 \
    --n fib=34,nqueens=13,skynet=10000000,uts=2000,pfor=1000000,spawn=1000000,sort=10000000,triad=33554432,reduce=1000000000 \
    > "$OUT/all.log" 2>&1
echo "part 1: $(( $(date +%s) - T0 )) s"
timeout $(( 480 - ($(date +%s) - T0) )) python3 "$BIN/run.py" --bin "$BIN" --out "$OUT/large" \
    --threads 1,2,4,8,16 --reps 2 --retries 0 --timeout 30 --size large \
    --only fib,skynet,nqueens,uts --runtimes forja \
    > "$OUT/large.log" 2>&1
echo "part 2: $(( $(date +%s) - T0 )) s"
tail -5 "$OUT/all.log" "$OUT/large.log"
# At most 8 files come back: keep raw.csv, machine.txt and the logs.
rm -rf "$OUT"/*/results.md "$OUT"/*/speedup.png "$OUT"/*/plot
