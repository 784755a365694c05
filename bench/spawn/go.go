// spawn, Go: the main goroutine starts n goroutines after one wg.Add(n);
// each bumps its slot and calls wg.Done; main waits. GOMAXPROCS = threads.
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

func launch(slot []uint32, n int) {
	var wg sync.WaitGroup
	wg.Add(n)
	for i := 0; i < n; i++ {
		go func(i int) {
			slot[i]++
			wg.Done()
		}(i)
	}
	wg.Wait()
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
	slot := make([]uint32, n+1)
	launch(slot, n/10)
	for i := range slot {
		slot[i] = 0
	}
	c0, w0 := cpuNow(), time.Now()
	launch(slot, n)
	wall, cpu := time.Since(w0), cpuNow()-c0
	for i := 0; i < n; i++ {
		if slot[i] != 1 {
			fail("spawn(%d): slot %d ran %d times", n, i, slot[i])
		}
	}
	report("spawn", t, n, strconv.Itoa(n), wall, cpu)
}
