package sections_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/gmr-go/gmr/sections"
)

func ExampleThreads() {
	data, err := sections.Threads{MaxThreads: 32}.Collect(context.Background())
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	rep := data.(*sections.ThreadReport)
	fmt.Println(rep.OSThreads, "threads;", rep.States["disk sleep"], "in disk sleep")
	for _, t := range rep.Threads {
		fmt.Println(t.TID, t.Name, t.StateName, t.User+t.System)
	}
}

func ExampleThreadReport_WriteText() {
	rep := &sections.ThreadReport{
		OSThreads: 40, GOMAXPROCS: 2, NumCPU: 2, RuntimeThreads: 40, ThreadsCreated: 41,
		States: map[string]int{"sleeping": 2, "running": 1},
		Threads: []sections.Thread{
			{TID: 4242, Name: "server", State: "R", StateName: "running", User: sections.Millis(1500 * time.Millisecond), System: sections.Millis(230 * time.Millisecond), CPU: 1,
				VoluntarySwitches: 310, InvoluntarySwitches: 42},
			{TID: 4243, Name: "server", State: "S", StateName: "sleeping", User: sections.Millis(20 * time.Millisecond), VoluntarySwitches: 95},
			{TID: 4250, Name: "cgo\x1b[2Jpoller", State: "S", StateName: "sleeping", System: sections.Millis(10 * time.Millisecond), VoluntarySwitches: 7},
		},
		Omitted:        37,
		Goroutines:     sections.GoroutineStates{Total: 120, Created: 800, Running: 2, Runnable: 0, Waiting: 82, InSyscallOrCgo: 36},
		SchedLatencies: sections.PauseSummary{Count: 5000, P50: sections.Millis(2 * time.Microsecond), P90: sections.Millis(30 * time.Microsecond), P99: sections.Millis(900 * time.Microsecond), Max: sections.Millis(4 * time.Millisecond)},
		ThreadCreate:   []sections.ThreadCreateGroup{{Count: 41}},
		Contention: sections.Contention{
			MutexWait: sections.Millis(90 * time.Second), Uptime: sections.Millis(2 * time.Hour), MutexWaitRate: 90.0 / 7200,
			Mutex: sections.ContentionProfile{Enabled: true, Rate: 100, Delay: sections.Millis(80 * time.Second), Count: 5200,
				Sites: []sections.ContentionSite{
					{Function: "main.(*cache).get", File: "/src/shop/cache.go", Line: 41, Op: "sync.(*Mutex).Unlock",
						Delay: sections.Millis(72 * time.Second), Count: 5000, Callers: []sections.Frame{{Function: "main.handle"}}},
					{Function: "main.flush", File: "/src/shop/log.go", Line: 9, Op: "sync.(*Mutex).Unlock",
						Delay: sections.Millis(8 * time.Second), Count: 200, Callers: []sections.Frame{}},
				}},
			Block: sections.ContentionProfile{Enable: "runtime.SetBlockProfileRate(1000000) turns it on, recording about one blocking event per millisecond blocked"},
		},
		PileUp:     true,
		Summary:    "THREAD PILE-UP: 40 OS threads for GOMAXPROCS 2; 36 goroutines in system calls or cgo calls now, each holding a thread",
		MaxThreads: 3,
	}
	if err := rep.WriteText(os.Stdout); err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// 40 OS threads (GOMAXPROCS 2, NumCPU 2) — of 3 listed: 2 sleeping, 1 running
	// THREAD PILE-UP: 40 OS threads for GOMAXPROCS 2; 36 goroutines in system calls or cgo calls now, each holding a thread
	// goroutines: 120 — 2 running, 0 runnable, 82 waiting, 36 in system calls or cgo; 800 created
	// runtime_threads = 40
	// threads_created = 41
	// cgo_calls = 0
	// sched_latencies: count = 5,000, p50 = 2µs, p90 = 30µs, p99 = 900µs, max = 4ms
	// contention:
	//   mutex_wait = 1m30s in 2h0m0s of uptime: 0.0125 seconds per second (sync.Mutex, sync.RWMutex and runtime locks)
	//   mutex_profile: on, 1 in 100 events recorded: 1m20s waited in 5,200 contentions, charged to the unlocking call
	//     DELAY  COUNT  FUNCTION           AT           IN                    CALLED FROM
	//     1m12s  5,000  main.(*cache).get  cache.go:41  sync.(*Mutex).Unlock  main.handle
	//     8s     200    main.flush         log.go:9     sync.(*Mutex).Unlock
	//   block_profile: off, or on with nothing recorded yet; runtime.SetBlockProfileRate(1000000) turns it on, recording about one blocking event per millisecond blocked
	// thread_create (threads the runtime made, by stack):
	//      41  (no stack: started by the runtime's scheduler)
	//
	// TID   NAME              STATE       USER  SYS    CPU  VOL  INVOL
	// 4242  server            R running   1.5s  230ms  1    310  42
	// 4243  server            S sleeping  20ms  0s     0    95   0
	// 4250  cgo\x1b[2Jpoller  S sleeping  0s    10ms   0    7    0
	// ... 37 threads not listed (max_threads = 3)
}
