package sections_test

import (
	"context"
	"fmt"
	"os"

	"github.com/gmr-go/gmr/gmr/report"
	"github.com/gmr-go/gmr/sections"
)

func ExampleFindings() {
	// The Reporter hands the findings section the other sections' results;
	// here, two made by hand.
	results := []report.Result{
		{Name: "process", Data: &sections.ProcessReport{Limits: []sections.LimitUse{
			{Name: "fds", Used: 1010, Limit: 1024, Unit: "count"},
		}}},
		{Name: "heap", Data: &sections.HeapReport{GCCPUFraction: 0.31, GOGC: 100, GOMEMLIMIT: sections.NoLimit}},
	}
	data, _ := sections.Findings{}.Review(context.Background(), results)
	for _, f := range data.(*sections.FindingsReport).Findings {
		fmt.Printf("%s %s: %s\n", f.Severity, f.Code, f.Message)
	}
	// Output:
	// critical fds_near_limit: open fds at 99% of the limit: 1,010 of 1,024
	// warning gc_cpu_high: the garbage collector has used 31% of the CPU since the program started (GOGC 100)
}

func ExampleParseThresholds() {
	th, err := sections.ParseThresholds("fds=70%,gc_cpu=10%,sched_p99=20ms,goroutines=off")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%+v\n", th)
	_, err = sections.ParseThresholds("disk=90%")
	fmt.Println(err)
	// Output:
	// {FDs:0.7 Memory:0 Pids:0 Goroutines:-1 Pileup:0 GCCPU:0.1 SchedP99:20ms Threads:0 Heap:0 MutexWait:0 GoroutineGrowth:0}
	// threshold "disk=90%": unknown threshold "disk" (known: fds, memory, pids, goroutines, goroutine_growth, pileup, heap, gc_cpu, sched_p99, threads, mutex_wait)
}

func ExampleFindingsReport_WriteText() {
	rep := &sections.FindingsReport{Findings: []sections.Finding{
		{Code: "memory_near_limit", Severity: "critical", Message: "memory at 97% of the cgroup memory limit: 993.3 MiB of 1.0 GiB", Section: "process"},
		{Code: "waiting_long", Severity: "warning", Message: "200 goroutines blocked for 1 minute or more; the most in main.(*Pool).get (sync.Mutex.Lock, 200 goroutines), for up to 6 minutes", Section: "goroutines"},
	}}
	if err := rep.WriteText(os.Stdout); err != nil {
		fmt.Println(err)
	}
	// Output:
	// CRITICAL  memory_near_limit  memory at 97% of the cgroup memory limit: 993.3 MiB of 1.0 GiB (see process)
	// WARNING   waiting_long       200 goroutines blocked for 1 minute or more; the most in main.(*Pool).get (sync.Mutex.Lock, 200 goroutines), for up to 6 minutes (see goroutines)
}
