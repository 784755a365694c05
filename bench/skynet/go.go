// skynet, Go: every node is a goroutine; a parent waits for its ten children
// on a sync.WaitGroup and sums their results from an array (cheaper than the
// original's channels, so the peer is at its best). GOMAXPROCS = threads.
package main

import (
	"strconv"
	"sync"
	"time"
)

func skynet(num, size uint64) uint64 {
	if size == 1 {
		return num
	}
	var sums [10]uint64
	var wg sync.WaitGroup
	sub := size / 10
	wg.Add(10)
	for i := uint64(0); i < 10; i++ {
		go func(i uint64) {
			sums[i] = skynet(num+i*sub, sub)
			wg.Done()
		}(i)
	}
	wg.Wait()
	var sum uint64
	for _, s := range sums {
		sum += s
	}
	return sum
}

func main() {
	t, n := args()
	p := 1
	for p < n {
		p *= 10
	}
	if n < 1 || p != n {
		fail("skynet: n must be a power of ten, got %d", n)
	}
	for i := 0; i < 3; i++ {
		if skynet(0, 10000) != 49995000 {
			fail("warm-up")
		}
	}
	c0, w0 := cpuNow(), time.Now()
	r := skynet(0, uint64(n))
	wall, cpu := time.Since(w0), cpuNow()-c0
	want := uint64(n) * uint64(n-1) / 2
	if r != want {
		fail("skynet(%d) = %d, expected %d", n, r, want)
	}
	report("skynet", t, n, strconv.FormatUint(r, 10), wall, cpu)
}
