// fib, Go: a goroutine for fib(n-1), fib(n-2) in the caller, joined with a
// sync.WaitGroup; GOMAXPROCS = threads. No cutoff.
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"syscall"
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

// ---- shared by every Go benchmark program (kept in each file: go build of
// one file per program keeps the build free of modules).

func args() (int, int) {
	if len(os.Args) != 3 {
		fmt.Fprintf(os.Stderr, "usage: %s <threads> <n>\n", os.Args[0])
		os.Exit(2)
	}
	t, e1 := strconv.Atoi(os.Args[1])
	n, e2 := strconv.Atoi(os.Args[2])
	if e1 != nil || e2 != nil || t < 1 || n < 0 {
		fmt.Fprintf(os.Stderr, "usage: %s <threads> <n>\n", os.Args[0])
		os.Exit(2)
	}
	runtime.GOMAXPROCS(t)
	return t, n
}

func cpuNow() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)*1e-6
}

func fail(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "go: FAIL: "+format+"\n", a...)
	os.Exit(1)
}

func report(bench string, t, n int, result string, wall time.Duration, cpu float64) {
	fmt.Printf("%s,go,%d,%d,%s,%.6f,%.6f\n", bench, t, n, result, wall.Seconds(), cpu)
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
