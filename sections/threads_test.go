package sections

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func collectThreads(tb testing.TB, t Threads) *ThreadReport {
	tb.Helper()
	data, err := t.Collect(context.Background())
	require.NoError(tb, err)
	r, ok := data.(*ThreadReport)
	require.True(tb, ok, "Collect returned %T, want *ThreadReport", data)
	return r
}

func TestThreadsRuntimeFigures(t *testing.T) {
	r := collectThreads(t, Threads{})
	assert.Equal(t, "threads", Threads{}.Name())
	assert.Equal(t, runtime.GOMAXPROCS(0), r.GOMAXPROCS)
	assert.Equal(t, runtime.NumCPU(), r.NumCPU)
	// The runtime has at least the thread running this test and sysmon.
	assert.GreaterOrEqual(t, r.RuntimeThreads, 2)
	assert.GreaterOrEqual(t, r.ThreadsCreated, r.RuntimeThreads-1, "threads created include the live ones but the main thread")
	assert.Positive(t, r.OSThreads)
	assert.GreaterOrEqual(t, r.CgoCalls, int64(0))
	assert.Equal(t, DefaultMaxThreads, r.MaxThreads)
	assert.NotNil(t, r.Threads, "Threads must marshal as [], not null")
	assert.NotNil(t, r.States)
	assert.LessOrEqual(t, len(r.Threads), r.MaxThreads)
}

func TestThreadsCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Threads{}.Collect(ctx)
	require.ErrorIs(t, err, context.Canceled)
}

func TestThreadReportJSONKeys(t *testing.T) {
	r := collectThreads(t, Threads{})
	b, err := json.Marshal(r)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	for _, key := range []string{"os_threads", "gomaxprocs", "num_cpu", "runtime_threads", "threads_created",
		"cgo_calls", "states", "threads", "omitted", "unreadable", "max_threads", "goroutines", "sched_latencies",
		"thread_create", "thread_create_omitted", "contention", "pile_up", "summary"} {
		assert.Contains(t, m, key)
	}
	b, err = json.Marshal(Thread{TID: 1, User: Millis(time.Second)})
	require.NoError(t, err)
	assert.JSONEq(t, `{"tid":1,"name":"","state":"","state_name":"","user_ms":1000,"system_ms":0,"cpu":0,"voluntary_switches":0,"involuntary_switches":0}`, string(b))
}

// zeroContentionText is the text of a zero Contention.
const zeroContentionText = "contention:\n" +
	"  mutex_wait = 0s in 0s of uptime: 0 seconds per second (sync.Mutex, sync.RWMutex and runtime locks)\n" +
	"  mutex_profile: off\n" +
	"  block_profile: off, or on with nothing recorded yet\n"

func TestThreadReportWriteText(t *testing.T) {
	tests := []struct {
		name string
		r    *ThreadReport
		want string
	}{
		{
			name: "listed",
			r: &ThreadReport{
				OSThreads: 3, GOMAXPROCS: 2, NumCPU: 4, RuntimeThreads: 3, ThreadsCreated: 5, CgoCalls: 1,
				States: map[string]int{"sleeping": 2, "running": 1},
				Threads: []Thread{
					{TID: 100, Name: "server", State: "S", StateName: "sleeping", User: Millis(2500 * time.Millisecond), System: Millis(400 * time.Millisecond), CPU: 1,
						VoluntarySwitches: 1200, InvoluntarySwitches: 35},
					{TID: 101, Name: "evil\x1b]0;x\a\nforged", State: "R", StateName: "running", User: Millis(10 * time.Millisecond)},
					{TID: 102, Name: "bad\xffutf8", State: "S", StateName: "sleeping"},
				},
				Goroutines:     GoroutineStates{Total: 1204, Created: 5000, Running: 2, Runnable: 1, Waiting: 1200, InSyscallOrCgo: 1},
				SchedLatencies: PauseSummary{Count: 9000, P50: Millis(time.Microsecond), P90: Millis(20 * time.Microsecond), P99: Millis(time.Millisecond), Max: Millis(5 * time.Millisecond)},
				ThreadCreate: []ThreadCreateGroup{
					{Count: 4},
					{Count: 1, Stack: []Frame{{Function: "runtime.LockOSThread"}, {Function: "main.\x1b[2Jworker"}}},
				},
				ThreadCreateOmitted: 2,
				Contention: Contention{MutexWait: Millis(30 * time.Second), Uptime: Millis(time.Hour), MutexWaitRate: 30.0 / 3600,
					Mutex: ContentionProfile{Enabled: true, Rate: 10, Delay: Millis(25 * time.Second), Count: 4000,
						Sites: []ContentionSite{{Function: "main.(*cache).get", File: "/src/cache.go", Line: 12, Op: "sync.(*Mutex).Unlock",
							Delay: Millis(25 * time.Second), Count: 4000, Callers: []Frame{{Function: "main.handle"}}}}},
					Block: ContentionProfile{Enable: enableBlockProfile}},
				Summary:    "3 OS threads for GOMAXPROCS 2; 1 goroutine in system calls or cgo calls now",
				MaxThreads: 256,
			},
			want: "3 OS threads (GOMAXPROCS 2, NumCPU 4) — 2 sleeping, 1 running\n" +
				"goroutines: 1,204 — 2 running, 1 runnable, 1,200 waiting, 1 in system calls or cgo; 5,000 created\n" +
				"runtime_threads = 3\nthreads_created = 5\ncgo_calls = 1\n" +
				"sched_latencies: count = 9,000, p50 = 1µs, p90 = 20µs, p99 = 1ms, max = 5ms\n" +
				"contention:\n" +
				"  mutex_wait = 30s in 1h0m0s of uptime: 0.008333 seconds per second (sync.Mutex, sync.RWMutex and runtime locks)\n" +
				"  mutex_profile: on, 1 in 10 events recorded: 25s waited in 4,000 contentions, charged to the unlocking call\n" +
				"    DELAY  COUNT  FUNCTION           AT           IN                    CALLED FROM\n" +
				"    25s    4,000  main.(*cache).get  cache.go:12  sync.(*Mutex).Unlock  main.handle\n" +
				"  block_profile: off, or on with nothing recorded yet; " + enableBlockProfile + "\n" +
				"thread_create (threads the runtime made, by stack):\n" +
				"      4  (no stack: started by the runtime's scheduler)\n" +
				`      1  runtime.LockOSThread < main.\x1b[2Jworker` + "\n" +
				"      2  (in other stacks)\n\n" +
				"TID  NAME                      STATE       USER  SYS    CPU  VOL   INVOL\n" +
				"100  server                    S sleeping  2.5s  400ms  1    1200  35\n" +
				`101  evil\x1b]0;x\x07\nforged  R running   10ms  0s     0    0     0` + "\n" +
				`102  bad\xffutf8               S sleeping  0s    0s     0    0     0` + "\n",
		},
		{
			name: "bounded",
			r: &ThreadReport{
				OSThreads: 40, GOMAXPROCS: 1, NumCPU: 1,
				States:     map[string]int{"disk sleep": 1},
				Threads:    []Thread{{TID: 7, Name: "io", State: "D", StateName: "disk sleep"}},
				Omitted:    38,
				Unreadable: 1,
				MaxThreads: 1,
				PileUp:     true,
				Summary:    "THREAD PILE-UP: 40 OS threads for GOMAXPROCS 1; 38 goroutines in system calls or cgo calls now, each holding a thread",
				Note:       "thread 9: procfs: parse /proc/self/task/9/stat: truncated",
			},
			want: "40 OS threads (GOMAXPROCS 1, NumCPU 1) — of 1 listed: 1 disk sleep\n" +
				"THREAD PILE-UP: 40 OS threads for GOMAXPROCS 1; 38 goroutines in system calls or cgo calls now, each holding a thread\n" +
				"goroutines: 0 — 0 running, 0 runnable, 0 waiting, 0 in system calls or cgo; 0 created\n" +
				"runtime_threads = 0\nthreads_created = 0\ncgo_calls = 0\n" +
				"sched_latencies: count = 0, p50 = 0s, p90 = 0s, p99 = 0s, max = 0s\n" +
				"note = thread 9: procfs: parse /proc/self/task/9/stat: truncated\n" + zeroContentionText + "\n" +
				"TID  NAME  STATE         USER  SYS  CPU  VOL  INVOL\n" +
				"7    io    D disk sleep  0s    0s   0    0    0\n" +
				"... 38 threads not listed (max_threads = 1)\n" +
				"... 1 thread could not be read\n",
		},
		{
			name: "no list",
			r: &ThreadReport{OSThreads: 1, GOMAXPROCS: 1, NumCPU: 1, RuntimeThreads: 1, Note: "no per-thread list on plan9\n",
				MissingMetrics: []string{"/sched/goroutines/not-in-go:goroutines"}},
			want: "1 OS thread (GOMAXPROCS 1, NumCPU 1)\n" +
				"goroutines: 0 — 0 running, 0 runnable, 0 waiting, 0 in system calls or cgo; 0 created\n" +
				"runtime_threads = 1\nthreads_created = 0\ncgo_calls = 0\n" +
				"sched_latencies: count = 0, p50 = 0s, p90 = 0s, p99 = 0s, max = 0s\n" +
				"missing_metrics = [/sched/goroutines/not-in-go:goroutines]\n" +
				`note = no per-thread list on plan9\n` + "\n" + zeroContentionText,
		},
		{
			name: "nil",
			want: "(no thread data)\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, tt.r.WriteText(&buf))
			assert.Equal(t, tt.want, buf.String())
			assertNoControlChars(t, buf.String())
		})
	}
}

func TestThreadsSummary(t *testing.T) {
	tests := []struct {
		name        string
		r           ThreadReport
		wantPileUp  bool
		wantSummary string
	}{
		{
			name:        "healthy",
			r:           ThreadReport{OSThreads: 9, GOMAXPROCS: 4, Goroutines: GoroutineStates{InSyscallOrCgo: 1}},
			wantSummary: "9 OS threads for GOMAXPROCS 4; 1 goroutine in system calls or cgo calls now",
		},
		{
			name:        "at the bound",
			r:           ThreadReport{OSThreads: 24, GOMAXPROCS: 4},
			wantSummary: "24 OS threads for GOMAXPROCS 4; 0 goroutines in system calls or cgo calls now",
		},
		{
			name:        "in system calls",
			r:           ThreadReport{OSThreads: 230, GOMAXPROCS: 2, Goroutines: GoroutineStates{InSyscallOrCgo: 220}},
			wantPileUp:  true,
			wantSummary: "THREAD PILE-UP: 230 OS threads for GOMAXPROCS 2; 220 goroutines in system calls or cgo calls now, each holding a thread",
		},
		{
			name:       "left over",
			r:          ThreadReport{OSThreads: 230, GOMAXPROCS: 2, ThreadsCreated: 1500, Goroutines: GoroutineStates{InSyscallOrCgo: 3}},
			wantPileUp: true,
			wantSummary: "THREAD PILE-UP: 230 OS threads for GOMAXPROCS 2; 3 goroutines in system calls or cgo calls now; " +
				"the other threads are idle, left from an earlier pile-up (the runtime keeps the threads it makes: 1,500 so far), or held by runtime.LockOSThread",
		},
		{
			name:        "no metric",
			r:           ThreadReport{OSThreads: 5, GOMAXPROCS: 1, MissingMetrics: []string{threadMetricNames[tNotInGo]}},
			wantSummary: "5 OS threads for GOMAXPROCS 1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.r.summarize()
			assert.Equal(t, tt.wantPileUp, tt.r.PileUp)
			assert.Equal(t, tt.wantSummary, tt.r.Summary)
		})
	}
}

func TestThreadsSchedulerMetrics(t *testing.T) {
	stop := lockThreads(t, 3)
	defer close(stop)
	r := collectThreads(t, Threads{})
	assert.Empty(t, r.MissingMetrics, "Go 1.26 provides every metric the section reads")
	g := r.Goroutines
	assert.GreaterOrEqual(t, g.Total, uint64(4), "this test's goroutine and the locked ones")
	assert.Positive(t, g.Created, "goroutines created since the start (a per-P count, which may lag the live count)")
	assert.GreaterOrEqual(t, g.Running, uint64(1), "the collecting goroutine")
	assert.LessOrEqual(t, g.Running, uint64(r.GOMAXPROCS))
	assert.GreaterOrEqual(t, g.Waiting, uint64(3), "the locked goroutines wait on a channel")
	assert.Positive(t, r.SchedLatencies.Count)
	assert.LessOrEqual(t, r.SchedLatencies.P50, r.SchedLatencies.Max)
	assert.NotEmpty(t, r.Summary)
	// Threads other tests made are kept by the runtime, so this process
	// may or may not have a pile-up by now.
	assert.Equal(t, r.OSThreads > pileUpThreads(r.GOMAXPROCS), r.PileUp)

	// Every thread the runtime made is in the profile's groups.
	total := r.ThreadCreateOmitted
	for _, g := range r.ThreadCreate {
		assert.Positive(t, g.Count)
		assert.LessOrEqual(t, len(g.Stack), maxThreadCreateFrames)
		total += g.Count
	}
	assert.Equal(t, r.ThreadsCreated, total)
	assert.LessOrEqual(t, len(r.ThreadCreate), maxThreadCreateGroups)
}

func TestCallerFrames(t *testing.T) {
	f := func(names ...string) []Frame {
		out := []Frame{}
		for _, n := range names {
			out = append(out, Frame{Function: n})
		}
		return out
	}
	assert.Equal(t, f("runtime.LockOSThread", "main.worker", "main.main"),
		callerFrames(f("runtime.allocm", "runtime.newm", "runtime.LockOSThread", "main.worker", "main.main")))
	assert.Equal(t, f("main.worker"), callerFrames(f("main.worker")))
	assert.Equal(t, f("runtime.a", "runtime.b"), callerFrames(f("runtime.a", "runtime.b")), "all the runtime's: kept")
	assert.Equal(t, f(), callerFrames(f()))
}

// assertNoControlChars fails if s holds a control character other than the
// newlines that end its lines.
func assertNoControlChars(t *testing.T, s string) {
	t.Helper()
	for i, r := range s {
		if r != '\n' && (unicode.IsControl(r) || r == unicode.ReplacementChar) {
			t.Errorf("raw control character %q at byte %d in:\n%s", r, i, s)
		}
	}
}

func TestThreadReportWriteTextError(t *testing.T) {
	err := (&ThreadReport{}).WriteText(failWriter{})
	require.ErrorContains(t, err, "write thread report: broken pipe")
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errBrokenPipe }

var errBrokenPipe = errorString("broken pipe")

type errorString string

func (e errorString) Error() string { return string(e) }

// BenchmarkThreads measures Collect with extra OS threads: goroutines
// locked to their threads and blocked, as cgo or LockOSThread users have.
func BenchmarkThreads(b *testing.B) {
	for _, extra := range []int{0, 100, 1000} {
		b.Run(fmt.Sprintf("extra=%d", extra), func(b *testing.B) {
			stop := lockThreads(b, extra)
			defer close(stop)
			ctx := context.Background()
			var r *ThreadReport
			for b.Loop() {
				data, err := Threads{MaxThreads: 100000}.Collect(ctx)
				if err != nil {
					b.Fatal(err)
				}
				r = data.(*ThreadReport)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "report-ms")
			b.ReportMetric(float64(r.OSThreads), "threads")
			if r.Note != "" {
				b.Log(r.Note)
			}
		})
	}
}

// lockThreads starts n goroutines that lock their OS threads and block
// until the returned channel is closed; then they exit, still locked, and
// their threads with them.
func lockThreads(tb testing.TB, n int) chan<- struct{} {
	tb.Helper()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(n)
	for range n {
		go func() {
			runtime.LockOSThread()
			wg.Done()
			<-stop
		}()
	}
	wg.Wait()
	return stop
}
