// bench.go - the Go peer of Spindle's in-kernel goroutine benchmarks
// (system "go"): the same workloads on the host's Go runtime. Standard
// library only; built by tools/bench.sh with Debian's go.
//
// Output, one line per result (tools/bench.sh collects them):
//
//	BENCH go <metric> <median> <unit> <min> <max> <runs>
//	BENCHINFO go <key> <value> <unit>
//
// plus human lines starting with "go:". Every measured run lasts about
// 50 ms (the iteration count is calibrated first); the median of 5 runs is
// reported, as in the kernel (bench/bench_g.c).
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

const (
	reps   = 5
	target = 50 * time.Millisecond
)

var procs = flag.Int("procs", runtime.NumCPU(), "GOMAXPROCS for the all-cores workloads (spawn_exit, cross-core, bytes)")
var parked = flag.Int("parked", 100000, "goroutines parked for bytes_per_task")

// measure calibrates n so one run of once(n) lasts about target, then
// returns per-op nanoseconds of reps runs (sorted) and n.
func measure(once func(n int) time.Duration, n, step, max int) ([]float64, int) {
	d := once(n) // warm-up and first estimate
	for i := 0; i < 8 && d < target*8/10 && n < max; i++ {
		m := n * 10
		if d > 0 {
			m = int(float64(n) * float64(target) * 1.1 / float64(d))
		}
		if m > n*10 {
			m = n * 10
		}
		if m < n {
			m = n
		}
		if m > max {
			m = max
		}
		n = (m + step - 1) / step * step
		d = once(n)
	}
	var v []float64
	for r := 0; r < reps; r++ {
		v = append(v, float64(once(n).Nanoseconds())/float64(n))
	}
	sort.Float64s(v)
	return v, n
}

func median(v []float64) float64 {
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func report(metric, unit string, v []float64, how string) {
	fmt.Printf("BENCH go %s %.3f %s %.3f %.3f %d\n", metric, median(v), unit, v[0], v[len(v)-1], len(v))
	fmt.Printf("go: %s = %.3f %s, median of %d runs (min %.3f, max %.3f); %s\n",
		metric, median(v), unit, len(v), v[0], v[len(v)-1], how)
}

func info(key string, value float64, unit string) {
	fmt.Printf("BENCHINFO go %s %.3f %s\n", key, value, unit)
}

// --- spawn_exit_ns ---

const spawnBatch = 500

func spawnOnce(n int) time.Duration {
	var wg sync.WaitGroup
	t0 := time.Now()
	for i := 0; i < n; i += spawnBatch {
		wg.Add(spawnBatch)
		for j := 0; j < spawnBatch; j++ {
			go func() { wg.Done() }()
		}
		wg.Wait()
	}
	return time.Since(t0)
}

// --- switch_ns ---

func switchBench() {
	runtime.GOMAXPROCS(1)
	var stop int32
	done := make(chan struct{})
	go func() {
		for atomic.LoadInt32(&stop) == 0 {
			runtime.Gosched()
		}
		close(done)
	}()
	runtime.Gosched()
	v, n := measure(func(n int) time.Duration {
		t0 := time.Now()
		for i := 0; i < n/2; i++ {
			runtime.Gosched()
		}
		return time.Since(t0)
	}, 2000, 2, 1<<32)
	atomic.StoreInt32(&stop, 1)
	<-done
	report("switch_ns", "ns", v, fmt.Sprintf("per switch: %d runtime.Gosched calls alternating between two goroutines, GOMAXPROCS=1", n))
}

// --- chan_rtt_*_ns ---

// pinTo locks the calling goroutine to its OS thread and that thread to
// cpu (sched_setaffinity through the syscall package), as the kernel pins
// its pinger and ponger to two Ps on two CPUs.
func pinTo(cpu int) error {
	runtime.LockOSThread()
	var mask [16]uint64
	mask[cpu/64] = 1 << (uint(cpu) % 64)
	_, _, e := syscall.RawSyscall(syscall.SYS_SCHED_SETAFFINITY, 0, uintptr(len(mask)*8),
		uintptr(unsafe.Pointer(&mask[0])))
	if e != 0 {
		return e
	}
	return nil
}

// getcpu(2) on x86-64 Linux: Go 1.19's syscall package does not name it.
const sysGetcpu = 309

// thisCPU is the CPU the calling thread runs on now (getcpu).
func thisCPU() int {
	var cpu uint32
	syscall.RawSyscall(sysGetcpu, uintptr(unsafe.Pointer(&cpu)), 0, 0)
	return int(cpu)
}

// rttCrossBench: the round trip with the pinger pinned to CPU 0 and the
// ponger to CPU 1, and the share of sampled round trips (every 256th, at
// both ends) that really had them on different CPUs.
func rttCrossBench() {
	runtime.GOMAXPROCS(2)
	ping := make(chan uint64)
	pong := make(chan uint64)
	var pongCPU int32 = -1
	pinned := make(chan error, 2)
	go func() {
		pinned <- pinTo(1)
		for v := range ping {
			if v&255 == 0 {
				atomic.StoreInt32(&pongCPU, int32(thisCPU()))
			}
			pong <- v
		}
	}()
	type result struct {
		v              []float64
		n              int
		samples, cross int
	}
	res := make(chan result)
	go func() {
		pinned <- pinTo(0)
		var r result
		r.v, r.n = measure(func(n int) time.Duration {
			var x uint64
			t0 := time.Now()
			for i := 0; i < n; i++ {
				ping <- x
				x = <-pong
				x++
				if x&255 == 1 {
					r.samples++
					if int32(thisCPU()) != atomic.LoadInt32(&pongCPU) {
						r.cross++
					}
				}
			}
			return time.Since(t0)
		}, 1000, 1, 1<<32)
		res <- r
	}()
	for i := 0; i < 2; i++ {
		if err := <-pinned; err != nil {
			fmt.Printf("go: pinning to a CPU failed (%v): placement is Go's\n", err)
		}
	}
	r := <-res
	close(ping)
	share := 0.0
	if r.samples > 0 {
		share = 100 * float64(r.cross) / float64(r.samples)
	}
	info("chan_rtt_cross_core_share", share, "%")
	report("chan_rtt_cross_core_ns", "ns", r.v, fmt.Sprintf("per round trip: %d ping-pongs on two unbuffered channels, GOMAXPROCS=2, pinger on CPU 0 and ponger on CPU 1 (LockOSThread + sched_setaffinity); %.0f%% of sampled round trips on different CPUs", r.n, share))
}

func rttBench(metric string, gomaxprocs int) {
	runtime.GOMAXPROCS(gomaxprocs)
	ping := make(chan uint64)
	pong := make(chan uint64)
	go func() {
		for v := range ping {
			pong <- v
		}
	}()
	v, n := measure(func(n int) time.Duration {
		var x uint64
		t0 := time.Now()
		for i := 0; i < n; i++ {
			ping <- x
			x = <-pong
		}
		return time.Since(t0)
	}, 1000, 1, 1<<32)
	close(ping)
	report(metric, "ns", v, fmt.Sprintf("per round trip: %d ping-pongs on two unbuffered channels, GOMAXPROCS=%d", n, gomaxprocs))
}

// --- bytes_per_task ---

func rssBytes() float64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseFloat(f[1], 64)
	return pages * float64(os.Getpagesize())
}

func bytesBench(k int) {
	runtime.GOMAXPROCS(*procs)
	ch := make(chan struct{})
	var started sync.WaitGroup
	runtime.GC()
	debug.FreeOSMemory()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	rss0 := rssBytes()
	started.Add(k)
	for i := 0; i < k; i++ {
		go func() {
			started.Done()
			<-ch
		}()
	}
	started.Wait()
	runtime.ReadMemStats(&m1)
	rss1 := rssBytes()
	sys := float64(m1.Sys-m0.Sys) / float64(k)
	stackHeap := (float64(m1.StackSys+m1.HeapSys) - float64(m0.StackSys+m0.HeapSys)) / float64(k)
	rss := (rss1 - rss0) / float64(k)
	fmt.Printf("BENCH go bytes_per_task %.3f bytes %.3f %.3f 1\n", sys, sys, sys)
	fmt.Printf("go: bytes_per_task = %.3f bytes (runtime.MemStats.Sys delta over %d goroutines parked on a channel; HeapSys+StackSys delta %.1f, RSS delta %.1f bytes per goroutine)\n",
		sys, k, stackHeap, rss)
	info("bytes_per_task_heap_stack_sys", stackHeap, "bytes")
	info("bytes_per_task_rss", rss, "bytes")
	perGiB := float64(1<<30) / sys
	fmt.Printf("BENCH go max_tasks_per_gib %.3f tasks/GiB %.3f %.3f 1\n", perGiB, perGiB, perGiB)
	fmt.Printf("go: max_tasks_per_gib = %.3f tasks/GiB (derived: 2^30 / bytes_per_task, not measured to exhaustion)\n", perGiB)
	close(ch)
}

func main() {
	flag.Parse()
	info("gomaxprocs_all", float64(*procs), "ps")
	fmt.Printf("go: %s, %d CPUs on the host, GOMAXPROCS %d for the all-cores workloads\n",
		runtime.Version(), runtime.NumCPU(), *procs)
	// Memory first, while the heap is small and nothing else ran.
	bytesBench(*parked)

	runtime.GOMAXPROCS(*procs)
	v, n := measure(spawnOnce, 2*spawnBatch, spawnBatch, 20000000)
	report("spawn_exit_ns", "ns", v, fmt.Sprintf("per goroutine: %d go statements in batches of %d, each calls WaitGroup.Done and exits; GOMAXPROCS=%d", n, spawnBatch, *procs))

	switchBench()
	rttBench("chan_rtt_same_core_ns", 1)
	if *procs >= 2 {
		rttCrossBench()
	} else {
		fmt.Printf("BENCHSKIP go chan_rtt_cross_core_ns needs 2 CPUs\n")
	}
	fmt.Printf("BENCHDONE go\n")
}
