// harness.go - what every Go benchmark program shares (the Go side of
// bench.h): arguments, CPU time, failing loudly, and the one output line.
// Built together with each <benchmark>/go.go (package main, no module); see
// the go block in bench/CMakeLists.txt.
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"time"
)

// args parses <threads> <n> and sets GOMAXPROCS = threads.
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

// cpuNow is the process's user+system CPU time in seconds (getrusage).
func cpuNow() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)*1e-6
}

func fail(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "go: FAIL: "+format+"\n", a...)
	os.Exit(1)
}

// report prints benchmark,go,threads,n,result,seconds,cpu_seconds.
func report(bench string, t, n int, result string, wall time.Duration, cpu float64) {
	fmt.Printf("%s,go,%d,%d,%s,%.6f,%.6f\n", bench, t, n, result, wall.Seconds(), cpu)
}
