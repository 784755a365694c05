#!/bin/sh
# smoke.sh BIN_DIR - run every benchmark program in BIN_DIR once at a tiny
# size on 2 threads; each must verify its result and exit 0. Not a timing:
# this is the correctness check `make test` runs. Prints "N passed, M failed"
# and exits 1 if any failed (or if BIN_DIR holds no programs).
dir=${1:?usage: smoke.sh BIN_DIR}
[ -d "$dir" ] || { echo "smoke.sh: $dir: no such folder" >&2; exit 1; }

tiny() {  # the size each benchmark runs at here
    case $1 in
    fib) echo 18 ;;     nqueens) echo 7 ;;     skynet) echo 10000 ;;
    uts) echo 1000 ;;   pfor) echo 20000 ;;    spawn) echo 50000 ;;
    sort) echo 100003 ;; triad) echo 100003 ;; reduce) echo 1000003 ;;
    *) echo "" ;;
    esac
}

pass=0; fail=0
for prog in "$dir"/*-*; do
    [ -f "$prog" ] && [ -x "$prog" ] || continue
    name=${prog##*/}
    case $name in *.so*|*.py|*.sh|*.txt) continue ;; esac
    n=$(tiny "${name%%-*}")
    [ -n "$n" ] || continue
    if out=$(timeout 120 "$prog" 2 "$n" 2>&1); then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL $name 2 $n: $out"
    fi
done
if [ -x "$dir/fib" ]; then
    if out=$(timeout 120 "$dir/fib" 2 20 2>&1); then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL fib 2 20: $out"
    fi
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
