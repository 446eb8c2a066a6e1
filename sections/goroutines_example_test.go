package sections_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/gmr-go/gmr/sections"
)

func ExampleGoroutines() {
	data, err := sections.Goroutines{MaxGroups: 10, MaxFrames: 20}.Collect(context.Background())
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	rep := data.(*sections.GoroutineReport)
	// Most numerous first, gmr's own goroutines apart: "10000 wait in
	// main.handler (sync.Mutex.Lock)".
	for _, g := range rep.Groups {
		fmt.Printf("%d wait in %s (%s)\n", g.Count, g.Where, g.State)
	}
}

// In grouped mode, above DetailMax, each group's state is inferred from
// its stack, labels that vary are summarised by key, and a goroutine
// started by sync.(*WaitGroup).Go is attributed to the function that
// called it.
func ExampleGoroutineReport_WriteText_grouped() {
	rep := &sections.GoroutineReport{
		Total:       10_105,
		GroupCount:  2,
		Source:      "goroutine profile (concurrent)",
		Mode:        "grouped",
		ModeReason:  "10,105 goroutines, more than the detail limit of 1,000: a full stack dump would stop the program for too long",
		WaitingLong: sections.GoroutineWaits{Note: "not known in grouped mode, without per-goroutine detail"},
		Own:         sections.GoroutineOwn{Goroutines: 5, GroupCount: 4},
		Groups: []sections.GoroutineGroup{
			{
				Count: 10_000, State: "sync.Mutex.Lock", StateSource: "stack", Where: "main.handler",
				Origin: &sections.GoroutineOrigin{Entry: "main.serve.func2", CreatedIn: "main.serve", Via: "sync.(*WaitGroup).Go"},
				Labels: map[string]string{"team": "payments"},
				VaryingLabels: []sections.GoroutineLabelSummary{
					{Key: "request_id", Goroutines: 10_000, Distinct: 10_000, Top: []sections.GoroutineLabelValue{}},
					{Key: "tenant", Goroutines: 9_000, Missing: 1_000, Distinct: 2, Top: []sections.GoroutineLabelValue{{Value: "acme", Count: 6_000}, {Value: "globex", Count: 3_000}}},
				},
				Frames: []sections.Frame{
					{Function: "runtime.gopark", File: "/go/src/runtime/proc.go", Line: 460},
					{Function: "runtime.semacquire1", File: "/go/src/runtime/sema.go", Line: 160},
					{Function: "internal/sync.runtime_SemacquireMutex", File: "/go/src/runtime/sema.go", Line: 95},
					{Function: "sync.(*Mutex).Lock", File: "/go/src/sync/mutex.go", Line: 46},
					{Function: "main.handler", File: "/src/app/main.go", Line: 80},
					{Function: "main.serve.func2", File: "/src/app/main.go", Line: 61},
					{Function: "sync.(*WaitGroup).Go.func1", File: "/go/src/sync/waitgroup.go", Line: 258},
				},
			},
			{
				Count: 100, State: "IO wait", StateSource: "stack", Where: "main.poll",
				Origin: &sections.GoroutineOrigin{Entry: "main.poll"},
				Frames: []sections.Frame{
					{Function: "runtime.gopark", File: "/go/src/runtime/proc.go", Line: 460},
					{Function: "internal/poll.runtime_pollWait", File: "/go/src/runtime/netpoll.go", Line: 351},
					{Function: "net.(*conn).Read", File: "/go/src/net/net.go", Line: 196},
					{Function: "main.poll", File: "/src/app/main.go", Line: 99},
				},
			},
		},
	}
	if err := rep.WriteText(os.Stdout); err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// 10,105 goroutines in 2 groups from the goroutine profile (concurrent)
	// grouped mode: 10,105 goroutines, more than the detail limit of 1,000: a full stack dump would stop the program for too long
	//
	// waiting long: not known in grouped mode, without per-goroutine detail
	//
	// gmr's own goroutines: 5 in 4 groups, not listed here (the JSON report lists them)
	//
	// 10,000 goroutines  [team=payments]
	//   state: sync.Mutex.Lock (from the stack)
	//   label request_id: 10,000 distinct
	//   label tenant: acme (6,000), globex (3,000); 1,000 without it
	//   created by main.serve via sync.(*WaitGroup).Go (from the stack)
	//     sync.(*Mutex).Lock  [+3 runtime frames]
	//     main.handler
	//         /src/app/main.go:80
	//     main.serve.func2
	//         /src/app/main.go:61
	//     sync.(*WaitGroup).Go.func1
	//         /go/src/sync/waitgroup.go:258
	//
	// 100 goroutines
	//   state: IO wait (from the stack)
	//     internal/poll.runtime_pollWait  [+1 runtime frame]
	//     net.(*conn).Read
	//         /go/src/net/net.go:196
	//     main.poll
	//         /src/app/main.go:99
}

func ExampleGoroutineReport_WriteText() {
	wait := sections.Frame{Function: "main.(*store).get", File: "/src/app/store.go", Line: 36}
	rep := &sections.GoroutineReport{
		Total:      503,
		GroupCount: 3,
		Source:     "goroutine profile (concurrent)",
		Mode:       "detail",
		ModeReason: "503 goroutines, no more than the detail limit of 1,000",
		Dump:       &sections.GoroutineDump{Goroutines: 503, Bytes: 98765, StopTime: sections.Millis(1234 * time.Microsecond)},
		WaitingLong: sections.GoroutineWaits{
			Available:  true,
			MinWait:    sections.Millis(time.Minute),
			Goroutines: 2,
			Places: []sections.GoroutineWait{{
				State: "sync.Mutex.Lock", Count: 2, MaxWait: sections.Millis(12 * time.Minute), IDs: []int64{41, 42},
				Call: "sync.(*Mutex).Lock", Frame: wait,
			}},
		},
		Leaks: sections.GoroutineLeaks{Note: "not available: the runtime offers no goroutineleak profile"},
		Groups: []sections.GoroutineGroup{
			{
				Count:  500,
				Labels: map[string]string{"worker": "a"},
				Frames: []sections.Frame{
					{Function: "runtime.gopark", File: "/go/src/runtime/proc.go", Line: 460},
					{Function: "runtime.chanrecv", File: "/go/src/runtime/chan.go", Line: 667},
					{Function: "runtime.chanrecv1", File: "/go/src/runtime/chan.go", Line: 509},
					{Function: "main.worker", File: "/src/app/main.go", Line: 12},
					{Function: "runtime.goexit", File: "/go/src/runtime/asm_amd64.s", Line: 1771},
				},
				Detail: &sections.GoroutineDetail{
					Goroutines: 500,
					States:     []sections.GoroutineState{{State: "chan receive", Count: 498, MaxWait: sections.Millis(3 * time.Minute)}, {State: "runnable", Count: 2}},
					IDs:        []int64{7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
					IDsOmitted: 490,
					CreatedBy: []sections.GoroutineCreator{{
						Frame:     sections.Frame{Function: "main.main", File: "/src/app/main.go", Line: 30},
						Goroutine: 1, Count: 500,
					}},
				},
			},
			{
				Count: 2,
				Frames: []sections.Frame{
					{Function: "runtime.gopark", File: "/go/src/runtime/proc.go", Line: 460},
					{Function: "runtime.semacquire1", File: "/go/src/runtime/sema.go", Line: 160},
					{Function: "internal/sync.runtime_SemacquireMutex", File: "/go/src/runtime/sema.go", Line: 95},
					{Function: "internal/sync.(*Mutex).lockSlow", File: "/go/src/internal/sync/mutex.go", Line: 149},
					{Function: "internal/sync.(*Mutex).Lock", File: "/go/src/internal/sync/mutex.go", Line: 70},
					{Function: "sync.(*Mutex).Lock", File: "/go/src/sync/mutex.go", Line: 46},
					wait,
					{Function: "main.handle", File: "/src/app/main.go", Line: 50},
				},
				FramesOmitted: 3,
				Detail: &sections.GoroutineDetail{
					Goroutines: 2,
					States:     []sections.GoroutineState{{State: "sync.Mutex.Lock", Count: 2, MaxWait: sections.Millis(12 * time.Minute)}},
					IDs:        []int64{41, 42},
					CreatedBy: []sections.GoroutineCreator{{
						Frame:     sections.Frame{Function: "net/http.(*Server).Serve", File: "/go/src/net/http/server.go", Line: 3454},
						Goroutine: 5, Count: 2,
					}},
				},
			},
		},
		Omitted: &sections.GoroutineOmission{Goroutines: 1, Groups: 1, Reason: "max_groups"},
	}
	if err := rep.WriteText(os.Stdout); err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// 503 goroutines in 3 groups from the goroutine profile (concurrent)
	// detail mode: 503 goroutines, no more than the detail limit of 1,000
	//   ids, states and waits from a full stack dump of 503 goroutines (96.5 KiB), which stopped the program for 1.234ms
	//
	// waiting long (blocked 1 minute or more on a channel, lock, WaitGroup, Cond or select): 2 goroutines in 1 place
	//   2 goroutines [sync.Mutex.Lock, longest 12 minutes] ids 41, 42
	//     sync.(*Mutex).Lock called in main.(*store).get
	//         /src/app/store.go:36
	//
	// leaked goroutines: not available: the runtime offers no goroutineleak profile
	//
	// 500 goroutines  [worker=a]
	//   state: chan receive (498, longest 3 minutes), runnable (2)
	//   ids: 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 and 490 more
	//   created by main.main in goroutine 1 at /src/app/main.go:30
	//     runtime.chanrecv1  [+2 runtime frames]
	//     main.worker
	//         /src/app/main.go:12
	//
	// 2 goroutines
	//   state: sync.Mutex.Lock (longest 12 minutes)
	//   ids: 41, 42
	//   created by net/http.(*Server).Serve in goroutine 5 at /go/src/net/http/server.go:3454
	//     sync.(*Mutex).Lock  [+5 runtime frames]
	//     main.(*store).get
	//         /src/app/store.go:36
	//     main.handle
	//         /src/app/main.go:50
	//     ... 3 more frames
	//
	// ... and 1 more goroutine in 1 group (max_groups)
}
