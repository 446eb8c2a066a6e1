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
		OSThreads: 3, GOMAXPROCS: 2, NumCPU: 2, RuntimeThreads: 3, ThreadsCreated: 4,
		States: map[string]int{"sleeping": 2, "running": 1},
		Threads: []sections.Thread{
			{TID: 4242, Name: "server", State: "R", StateName: "running", User: 1500 * time.Millisecond, System: 230 * time.Millisecond, CPU: 1},
			{TID: 4243, Name: "server", State: "S", StateName: "sleeping", User: 20 * time.Millisecond},
			{TID: 4250, Name: "cgo\x1b[2Jpoller", State: "S", StateName: "sleeping", System: 10 * time.Millisecond},
		},
		MaxThreads: 256,
	}
	if err := rep.WriteText(os.Stdout); err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// 3 OS threads (GOMAXPROCS 2, NumCPU 2) — 2 sleeping, 1 running
	// runtime_threads = 3
	// threads_created = 4
	// cgo_calls = 0
	//
	// TID   NAME              STATE       USER  SYS    CPU
	// 4242  server            R running   1.5s  230ms  1
	// 4243  server            S sleeping  20ms  0s     0
	// 4250  cgo\x1b[2Jpoller  S sleeping  0s    10ms   0
}
