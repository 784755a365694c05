// fib, Go: a goroutine for fib(n-1), fib(n-2) in the caller, joined with a
// sync.WaitGroup; GOMAXPROCS = threads. No cutoff.
package main

import (
	"strconv"
	"sync"
	"time"
)

func fib(n int) uint64 {
	if n < 2 {
		return uint64(n)
	}
	var x uint64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		x = fib(n - 1)
		wg.Done()
	}()
	y := fib(n - 2)
	wg.Wait()
	return x + y
}

func expected(n int) uint64 {
	a, b := uint64(0), uint64(1)
	for i := 0; i < n; i++ {
		a, b = b, a+b
	}
	return a
}

func main() {
	t, n := args()
	if n > 93 {
		fail("fib(%d) overflows 64 bits", n)
	}
	for i := 0; i < 3; i++ {
		if fib(22) != 17711 {
			fail("warm-up")
		}
	}
	c0, w0 := cpuNow(), time.Now()
	r := fib(n)
	wall, cpu := time.Since(w0), cpuNow()-c0
	if r != expected(n) {
		fail("fib(%d) = %d, expected %d", n, r, expected(n))
	}
	report("fib", t, n, strconv.FormatUint(r, 10), wall, cpu)
}
