// spawn, Go: the main goroutine starts n goroutines after one wg.Add(n);
// each bumps its slot and calls wg.Done; main waits. GOMAXPROCS = threads.
package main

import (
	"strconv"
	"sync"
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
